"""Playlists: M3U/M3U8 reading, folder playlists and where a playlist name is looked up.

The lookup order is: absolute; next to the preset; then each of ``playlist_dirs`` in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "AUDIO_SUFFIXES",
    "PLAYLIST_SUFFIXES",
    "entry_to_path",
    "existing_file",
    "folder_tracks",
    "lookup",
    "read_playlist",
    "resolve_playlist",
]

PLAYLIST_SUFFIXES = frozenset({".m3u", ".m3u8"})
AUDIO_SUFFIXES = frozenset(
    {".wav", ".ogg", ".oga", ".opus", ".flac", ".mp3", ".m4a", ".aac", ".wma", ".aif", ".aiff"}
)
"""Files picked up when ``playlist`` names a folder."""


def entry_to_path(entry: str) -> Path | None:
    """A playlist entry as a local path, or ``None`` for a non-file URL (http://, …)."""
    if entry.lower().startswith("file:"):
        parts = urlsplit(entry)
        if parts.netloc not in ("", "localhost"):
            return None
        path = unquote(parts.path)
        # file:///C:/Music/x.ogg → C:/Music/x.ogg
        if re.match(r"^/[A-Za-z]:[/\\]", path):
            path = path[1:]
        return Path(path)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", entry):
        return None
    return Path(entry)


def existing_file(candidate: Path) -> Path | None:
    try:
        if candidate.is_file():
            return candidate.resolve()
        # Playlists written on Windows use backslashes.
        if "\\" in str(candidate):
            alt = Path(str(candidate).replace("\\", "/"))
            if alt.is_file():
                return alt.resolve()
    except (OSError, ValueError):
        pass
    return None


def read_playlist(path: Path) -> tuple[list[Path], list[str]]:
    """Parse an M3U/M3U8 playlist: ``(existing resolved files, missing entries)``.

    Relative entries resolve against the playlist's folder; ``#EXT…`` lines, comments and
    blank lines are skipped; ``file://`` URLs are accepted. Entries that are other URLs or
    that do not exist are returned, as written, in the second list. Raises :class:`OSError`
    when the playlist itself cannot be read.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # classic .m3u files from older Windows players
    base = Path(path).parent
    found: list[Path] = []
    missing: list[str] = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        local = entry_to_path(entry)
        resolved = None
        if local is not None:
            candidate = local if local.is_absolute() else base / local
            resolved = existing_file(candidate)
        if resolved is None:
            missing.append(entry)
        else:
            found.append(resolved)
    return found, missing


def lookup(name: str, bases: Sequence[Path]) -> Path | None:
    """First existing file or folder for ``name``: as is when absolute, else under ``bases``."""
    local = entry_to_path(name)
    if local is None:
        return None
    candidates = [local] if local.is_absolute() else [Path(b) / local for b in bases]
    for candidate in candidates:
        try:
            if candidate.exists():
                return candidate.resolve()
        except (OSError, ValueError):
            continue
    return None


def resolve_playlist(
    name: str, preset_dir: Path, playlist_dirs: Sequence[Path] = ()
) -> Path | None:
    """Where ``music.playlist: name`` points: absolute path; next to the preset; each of
    ``playlist_dirs`` in order. ``None`` when it is nowhere."""
    return lookup(name, [preset_dir, *playlist_dirs])


def folder_tracks(folder: Path) -> list[Path]:
    return sorted(
        (p.resolve() for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES),
        key=lambda p: p.name.lower(),
    )
