"""Preset validation: YAML text or file → :class:`~ketaroom.core.preset.Preset` plus problems.

This module owns the one validation path used by the CLI (``ketaroom validate``), the preset
editor and the loader. It never raises for bad input: every problem comes back as a
:class:`Problem` with ``file:line: message`` (line 1 where no better line exists), and the
whole file is checked so that *all* problems are reported at once.

The steps live in their own modules: reading the file's text and YAML (decoding, parsing,
the alias-expansion limit, line lookups) in :mod:`ketaroom.core.preset_document`, the checks
of the preset's fields in :mod:`ketaroom.core.preset_checks` (its phases and cues) with
:mod:`ketaroom.core.music_checks`, :mod:`ketaroom.core.light_checks` and
:mod:`ketaroom.core.field_checks`. Playlists (M3U reading, folders, the lookup order) live in
:mod:`ketaroom.core.playlists`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ketaroom.core.preset import Preset
from ketaroom.core.preset_checks import PresetChecker
from ketaroom.core.preset_document import decode_text, expansion_problem, parse_yaml
from ketaroom.core.preset_problem import Problem
from ketaroom.core.safe_read import FileTooLargeError, NotARegularFileError, read_bytes

__all__ = [
    "MAX_PRESET_BYTES",
    "LoadResult",
    "Problem",
    "load_preset",
    "read_preset_bytes",
    "validate_text",
]

MAX_PRESET_BYTES = 2 * 1024 * 1024
"""A preset is a small text file; :func:`load_preset` refuses anything larger."""


@dataclass(frozen=True)
class LoadResult:
    """The outcome of validating one preset."""

    preset: Preset | None
    """``None`` when there are errors."""
    problems: tuple[Problem, ...]
    """Errors: the preset cannot be used."""
    warnings: tuple[Problem, ...]
    """Non-fatal findings (a missing track inside an m3u, a volume above ``max_volume``)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_text(
    text: str | bytes, path: str | Path, *, playlist_dirs: Sequence[Path] = ()
) -> LoadResult:
    """Validate preset YAML ``text`` that came from ``path``; never raises.

    ``path`` is used in messages (as given) and to find playlists next to the preset.
    ``playlist_dirs`` are searched after the preset's folder: the clinic's playlists folder,
    then the shipped ``playlists/``.
    """
    shown = str(path)
    errors: list[Problem] = []

    def report(line: int, message: str) -> None:
        errors.append(Problem(shown, max(1, line), message))

    decoded = decode_text(text, report)
    if decoded is None:
        return LoadResult(None, tuple(errors), ())
    if not decoded.strip():
        report(1, "file is empty; a preset needs at least a name and phases")
        return LoadResult(None, tuple(errors), ())
    ok, doc = parse_yaml(decoded, report)
    if not ok:
        return LoadResult(None, tuple(errors), ())
    if doc is None:
        report(1, "file is empty (only comments); a preset needs at least a name and phases")
        return LoadResult(None, tuple(errors), ())

    file_path = Path(shown)
    checker = PresetChecker(shown, file_path.parent, playlist_dirs)
    try:
        too_large = expansion_problem(doc) if isinstance(doc, Mapping | list) else None
        if too_large is not None:
            checker.error(too_large[0], "", too_large[1])
            preset = None
        else:
            preset = checker.preset(doc, decoded, file_path)
    except RecursionError:
        checker.error(1, "", "preset is nested too deeply")
        preset = None
    except Exception as exc:  # a bug here must not crash the caller
        checker.error(1, "", f"internal error while validating ({type(exc).__name__}: {exc})")
        preset = None
    if checker.errors:
        preset = None
    problems = tuple(sorted(checker.errors, key=lambda p: p.line))
    found_warnings = tuple(sorted(checker.warnings, key=lambda p: p.line))
    return LoadResult(preset, problems, found_warnings)


def read_preset_bytes(path: Path) -> bytes | Problem:
    """The bytes of the preset file at ``path``, or the problem that stops reading it.

    Only a regular file of at most :data:`MAX_PRESET_BYTES` is read (see
    :mod:`ketaroom.core.safe_read`): a FIFO or a device never blocks the caller.
    """
    shown = str(path)
    try:
        return read_bytes(path, MAX_PRESET_BYTES)
    except IsADirectoryError:
        return Problem(shown, 1, "is a folder, not a preset file")
    except FileTooLargeError:
        return Problem(shown, 1, f"file is too large for a preset "
                                 f"(over {MAX_PRESET_BYTES // 1024 // 1024} MB)")
    except NotARegularFileError as exc:
        return Problem(shown, 1, f"{exc.strerror}; a preset must be a YAML file")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Problem(shown, 1, f"cannot read file: {reason}")


def load_preset(path: Path, *, playlist_dirs: Sequence[Path] = ()) -> LoadResult:
    """Read and validate the preset file at ``path``; never raises, never blocks."""
    data = read_preset_bytes(path)
    if isinstance(data, Problem):
        return LoadResult(None, (data,), ())
    return validate_text(data, path, playlist_dirs=playlist_dirs)
