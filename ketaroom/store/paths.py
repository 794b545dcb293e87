"""Where ketaroom keeps its records and settings on disk.

Owns the resolution of the data directory (``--data-dir`` override, then the
``KETAROOM_DATA_DIR`` environment variable, then the platform's per-user data
directory) and the names of the files inside it. The directory holds patient
records, so it is created private (mode 0700) and tightened if it already exists
and belongs to us.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from ketaroom.shipped import PLAYLISTS_DIR, PRESETS_DIR

if TYPE_CHECKING:
    from ketaroom.core.preset_library import Auditor, PresetLibrary

ENV_VAR = "KETAROOM_DATA_DIR"
APP_NAME = "ketaroom"
DIR_MODE = 0o700


def data_dir(override: str | Path | None = None) -> Path:
    """Return the data directory, creating it (mode 0700) when missing.

    Precedence: ``override`` (the ``--data-dir`` option), the ``KETAROOM_DATA_DIR``
    environment variable, ``platformdirs.user_data_dir("ketaroom", "ketaroom")``.
    An existing directory owned by the current user is tightened to 0700; one owned
    by someone else is left as it is.
    """
    if override is not None and str(override) != "":
        chosen = Path(override)
    elif os.environ.get(ENV_VAR):
        chosen = Path(os.environ[ENV_VAR])
    else:
        chosen = Path(platformdirs.user_data_dir(APP_NAME, APP_NAME))
    chosen = chosen.expanduser()
    chosen.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _make_private(chosen)
    return chosen


def _make_private(directory: Path) -> None:
    """chmod 0700 when we own the directory (POSIX only; best effort)."""
    if sys.platform == "win32":
        return
    try:
        info = directory.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != DIR_MODE:
            directory.chmod(DIR_MODE)
    except OSError:
        pass


def journal_path(data_dir: Path) -> Path:
    """The SQLite session journal."""
    return Path(data_dir) / "sessions.sqlite3"


def settings_path(data_dir: Path) -> Path:
    """The JSON settings file (bridge, audio device, clinic name, …)."""
    return Path(data_dir) / "settings.json"


def presets_dir(data_dir: Path) -> Path:
    """The clinic's own presets (YAML), next to the shipped ones."""
    return Path(data_dir) / "presets"


def playlists_dir(data_dir: Path) -> Path:
    """The clinic's playlists, searched after the preset's own folder."""
    return Path(data_dir) / "playlists"


def playlist_dirs(data_dir: Path) -> list[Path]:
    """Where playlists named by a preset are looked up: the clinic's, then the shipped ones."""
    return [playlists_dir(data_dir), PLAYLISTS_DIR]


def playlist_files(data_dir: Path) -> list[Path]:
    """The playlists a clinician can switch to: the clinic's, then the shipped ones."""
    found: list[Path] = []
    for folder in playlist_dirs(data_dir):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix.lower() in (".m3u", ".m3u8"))
    return found


def preset_library(data_dir: Path, *, auditor: Auditor | None = None) -> PresetLibrary:
    """The preset library of a data directory: the shipped presets, the clinic's folder and
    the playlist lookup (the core library itself knows no folders)."""
    from ketaroom.core.preset_library import PresetLibrary

    return PresetLibrary(presets_dir(data_dir), PRESETS_DIR,
                         playlist_dirs=playlist_dirs(data_dir), auditor=auditor)
