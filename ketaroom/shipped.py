"""Where the files shipped with ketaroom live (presets, music, playlists, styles, icons).

The one module that locates them. The top-level ``resources/`` and ``playlists/`` folders of
the repository are the source; the build (``setup.py``'s ``build_py``, and ``ketaroom.spec``
for the one-folder build) copies them into the package as ``ketaroom/_data/resources`` and
``ketaroom/_data/playlists``, so an installed wheel carries them. Both layouts keep the two
folders side by side, which the shipped playlists rely on (``../resources/music/…``).

The package folder is found with :mod:`importlib.resources`: in an installed wheel (or a
PyInstaller build) the files are in its ``_data`` folder; in a checkout (an editable install,
or the tests run from the source tree) there is no ``_data`` and the top-level folders beside
the package are used directly.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DATA_PACKAGE_DIR = "_data"
"""The folder inside the ``ketaroom`` package that an installed build carries the files in."""


def _package_dir() -> Path:
    """The ``ketaroom`` package's folder on disk (libVLC and the validator need real paths)."""
    package = files("ketaroom")
    if not isinstance(package, Path):  # a zip import: not how ketaroom is installed
        raise RuntimeError(f"ketaroom must be installed as files, not from {package}")
    return package


def data_root() -> Path:
    """The folder that holds ``resources/`` and ``playlists/``: inside the package when
    installed, the checkout's root otherwise."""
    package = _package_dir()
    inside = package / DATA_PACKAGE_DIR
    return inside if inside.is_dir() else package.parent


ROOT = data_root()
RESOURCES_DIR = ROOT / "resources"
PRESETS_DIR = RESOURCES_DIR / "presets"
MUSIC_DIR = RESOURCES_DIR / "music"
TEST_SOUND = RESOURCES_DIR / "sounds" / "test-sound.ogg"
"""The room check's short, soft test sound (mastered at −23 LUFS like the music)."""
STYLES_DIR = RESOURCES_DIR / "styles"
ICON_FILE = RESOURCES_DIR / "icons" / "ketaroom.svg"
DESKTOP_FILE = RESOURCES_DIR / "desktop" / "ketaroom.desktop"
PLAYLISTS_DIR = ROOT / "playlists"
