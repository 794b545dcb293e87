"""Where the files shipped with ketaroom live (presets, music, playlists, styles, icons)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES_DIR = ROOT / "resources"
PRESETS_DIR = RESOURCES_DIR / "presets"
MUSIC_DIR = RESOURCES_DIR / "music"
STYLES_DIR = RESOURCES_DIR / "styles"
PLAYLISTS_DIR = ROOT / "playlists"
