"""Preset names on the command line: ``demo-3min`` for a shipped or a clinic preset file.

Owns the rule that turns a ``PRESET`` argument into a file. An argument that is an existing
file, or looks like a path (a folder separator, or a ``.yaml``/``.yml`` ending), is used as
it is. Anything else is a preset name, the file's name without ``.yaml``: looked up first in
the clinic's preset folder of the data folder, then among the shipped presets, so a clinic
preset with the same name as a shipped one wins.
"""

from __future__ import annotations

import os
from pathlib import Path

from ketaroom.shipped import PRESETS_DIR
from ketaroom.store.paths import presets_dir

SUFFIXES = (".yaml", ".yml")


class UnknownPresetError(LookupError):
    """A name that matches no preset; the message lists the names that exist."""

    def __init__(self, name: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none"
        super().__init__(f"no preset file or preset named {name!r}; preset names: {listed}")
        self.name = name
        self.known = known


def looks_like_path(argument: str) -> bool:
    """True when ``argument`` is meant as a file, not as a preset name."""
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return (Path(argument).is_file() or any(sep in argument for sep in separators)
            or argument.lower().endswith(SUFFIXES))


def preset_folders(data_dir: Path) -> list[Path]:
    """Where names are looked up, first match wins: the clinic's folder, then the shipped."""
    return [presets_dir(data_dir), PRESETS_DIR]


def preset_names(data_dir: Path) -> list[str]:
    """Every preset name there is (clinic and shipped, each once), sorted."""
    names = {path.stem for folder in preset_folders(data_dir) if folder.is_dir()
             for path in folder.iterdir() if path.suffix.lower() in SUFFIXES and path.is_file()}
    return sorted(names)


def find_preset(argument: str, data_dir: Path) -> Path:
    """The preset file ``argument`` means: a path as given, or the file of a preset name.

    Raises :class:`UnknownPresetError` for a name that matches no preset.
    """
    if looks_like_path(argument):
        return Path(argument)
    for folder in preset_folders(data_dir):
        for suffix in SUFFIXES:
            candidate = folder / f"{argument}{suffix}"
            if candidate.is_file():
                return candidate
    raise UnknownPresetError(argument, preset_names(data_dir))
