"""The preset library: shipped presets (read-only) and the clinic's own preset folder.

Owns listing (with each file's validation status), duplicating a shipped preset into the
clinic folder, importing (validated with exactly the messages ``ketaroom validate`` prints;
on any problem nothing in the folder changes), exporting and deleting clinic presets.
Validation is :func:`ketaroom.core.validation.load_preset` / ``validate_text``, never a copy.

Every change (save, import, duplicate, delete) is written to the audit trail when an
auditor (a :class:`ketaroom.store.journal.Journal`) is given. Pure Python, no Qt.
"""

from __future__ import annotations

import getpass
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ketaroom.core import preset_yaml
from ketaroom.core.safe_read import read_text
from ketaroom.core.validation import (
    MAX_PRESET_BYTES,
    LoadResult,
    Problem,
    load_preset,
    read_preset_bytes,
    validate_text,
)

__all__ = [
    "PRESET_SUFFIXES",
    "ImportResult",
    "PresetEntry",
    "PresetLibrary",
    "ReadOnlyPresetError",
    "safe_file_stem",
]

PRESET_SUFFIXES = (".yaml", ".yml")


class Auditor(Protocol):
    def audit(self, user: str, action: str, detail: str = "") -> None: ...


class ReadOnlyPresetError(PermissionError):
    """A shipped preset cannot be changed or deleted; duplicate it first."""


@dataclass(frozen=True)
class PresetEntry:
    """One preset file as the library shows it."""

    path: Path
    name: str
    """The preset's ``name`` when it loads, else the file name."""
    shipped: bool
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    description: str = ""
    planned_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`PresetLibrary.import_preset` did."""

    path: Path | None
    """The new file in the clinic folder; ``None`` when nothing was imported."""
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.path is not None

    @property
    def messages(self) -> list[str]:
        """``file:line: message`` lines, exactly as ``ketaroom validate`` prints them."""
        return [str(problem) for problem in self.problems]


def safe_file_stem(name: str) -> str:
    """A portable file name stem for a preset name (``IV infusion 40'`` → ``iv-infusion-40``)."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return stem or "preset"


class PresetLibrary:
    """Shipped presets plus the clinic's folder (created on first write)."""

    def __init__(self, clinic_dir: Path, shipped_dir: Path, *,
                 playlist_dirs: Sequence[Path] = (), auditor: Auditor | None = None,
                 user: str | None = None) -> None:
        self.clinic_dir = Path(clinic_dir)
        self.shipped_dir = Path(shipped_dir)
        self.playlist_dirs = [Path(d) for d in playlist_dirs]
        self.auditor = auditor
        self._user = user

    # ----------------------------------------------------------------- listing

    @staticmethod
    def _files(folder: Path) -> list[Path]:
        try:
            found = [p for p in folder.iterdir()
                     if p.suffix.lower() in PRESET_SUFFIXES and p.is_file()
                     and not p.name.startswith(".")]
        except OSError:
            return []
        return sorted(found, key=lambda p: p.name.lower())

    def entries(self) -> list[PresetEntry]:
        """Shipped presets first, then the clinic's; each with its validation status."""
        out = [self.entry(path, shipped=True) for path in self._files(self.shipped_dir)]
        out += [self.entry(path, shipped=False) for path in self._files(self.clinic_dir)]
        return out

    def entry(self, path: Path, *, shipped: bool | None = None) -> PresetEntry:
        result = self.validate(path)
        is_shipped = self.is_shipped(path) if shipped is None else shipped
        preset = result.preset
        if preset is None:
            return PresetEntry(path, _name_of(path), is_shipped, result.problems,
                               result.warnings)
        return PresetEntry(path, preset.name, is_shipped, (), result.warnings,
                           preset.description, preset.planned_s)

    def validate(self, path: Path) -> LoadResult:
        return load_preset(Path(path), playlist_dirs=self.playlist_dirs)

    def is_shipped(self, path: Path) -> bool:
        try:
            return Path(path).resolve().parent == self.shipped_dir.resolve()
        except OSError:
            return False

    def _require_clinic(self, path: Path) -> Path:
        path = Path(path)
        if self.is_shipped(path):
            raise ReadOnlyPresetError(f"{path.name} is a shipped preset; duplicate it to edit")
        return path

    def unique_path(self, name: str) -> Path:
        """A new, unused file in the clinic folder for a preset called ``name``."""
        stem = safe_file_stem(name)
        taken = {p.stem.lower() for p in self._files(self.clinic_dir)}
        candidate, counter = stem, 2
        while candidate in taken or (self.clinic_dir / f"{candidate}.yaml").exists():
            candidate = f"{stem}-{counter}"
            counter += 1
        return self.clinic_dir / f"{candidate}.yaml"

    # ----------------------------------------------------------------- changes

    def duplicate(self, source: Path, name: str) -> Path:
        """Copy a preset (usually a shipped one) into the clinic folder as ``name``.

        The copy keeps every comment; only its ``name:`` changes. Returns the new file.
        """
        doc = preset_yaml.load(read_text(Path(source), MAX_PRESET_BYTES))
        preset_yaml.set_key(doc, "name", name)
        target = self.unique_path(name)
        preset_yaml.write_atomic(target, preset_yaml.dump(doc))
        self._audit("preset_duplicate", f"{source} -> {target}")
        return target

    def import_preset(self, source: Path) -> ImportResult:
        """Copy a valid preset file into the clinic folder; on any problem, change nothing.

        Problems are those of ``ketaroom validate SOURCE``. A preset that is valid where it
        is but would not be in the clinic folder (a playlist found only next to the source)
        is refused with the problems it would have there.
        """
        source = Path(source)
        data = read_preset_bytes(source)  # read once: what is checked is what is copied
        if isinstance(data, Problem):
            return ImportResult(None, (data,))
        result = validate_text(data, source, playlist_dirs=self.playlist_dirs)
        if not result.ok:
            return ImportResult(None, result.problems, result.warnings)
        assert result.preset is not None
        target = self.unique_path(result.preset.name or source.stem)
        in_place = validate_text(data, target, playlist_dirs=self.playlist_dirs)
        if not in_place.ok:
            return ImportResult(None, in_place.problems, in_place.warnings)
        preset_yaml.write_atomic(target, data.decode("utf-8"))
        self._audit("preset_import", f"{source} -> {target}")
        return ImportResult(target, (), result.warnings)

    def export_preset(self, path: Path, dest: Path) -> Path:
        """Copy a preset to ``dest`` (a file, or a folder to put it in); returns the copy."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / Path(path).name
        shutil.copyfile(path, dest)
        self._audit("preset_export", f"{path} -> {dest}")
        return dest

    def delete(self, path: Path) -> None:
        """Delete a clinic preset (shipped ones raise :class:`ReadOnlyPresetError`)."""
        path = self._require_clinic(path)
        path.unlink()
        self._audit("preset_delete", str(path))

    def record_save(self, path: Path) -> None:
        """Audit a save made by the editor."""
        self._audit("preset_save", str(self._require_clinic(path)))

    def _audit(self, action: str, detail: str) -> None:
        if self.auditor is None:
            return
        if self._user is None:
            try:
                self._user = getpass.getuser()
            except Exception:
                self._user = "unknown"
        self.auditor.audit(self._user, action, detail)


def _name_of(path: Path) -> str:
    return Path(path).stem
