"""Checking one field of a preset: its keys, its typed values, and how a value is shown.

:class:`FieldChecker` holds what every part of the preset check shares: the problems found
so far (errors and warnings, each a :class:`~ketaroom.core.preset_problem.Problem` with its
line and field path), the keys of a mapping (unknown ones reported with a "did you mean"),
and the checks of a single value (text, number, true/false, duration, a fade's floor).
:func:`show_value` renders a YAML value calmly for messages. Separate from the section
checks (:mod:`ketaroom.core.preset_checks` and the music and light checks) because it knows
nothing of phases, music or lights: each section is built on it.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ketaroom.core.durations import (
    LIKE,
    DurationError,
    DurationOrderError,
    format_duration,
    parse_duration,
)
from ketaroom.core.limits import MAX_DURATION_S
from ketaroom.core.names import visible
from ketaroom.core.preset_document import key_line_of, line_of, value_line_of
from ketaroom.core.preset_problem import Problem

__all__ = ["FieldChecker", "is_number", "show_number", "show_value"]

_SHOW_MAX = 40


def show_value(value: Any) -> str:
    """A short, calm rendering of a YAML value for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        value = float(value)
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        text = str(value)
        if len(text) > _SHOW_MAX:
            text = text[: _SHOW_MAX - 1] + "…"
        return repr(text)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    tag = getattr(getattr(value, "tag", None), "value", None) or getattr(value, "tag", None)
    if isinstance(tag, str):
        return f"a value tagged {tag}"
    return "an unsupported value"


def show_number(value: float) -> str:
    """A number as :func:`show_value` renders it (``70``, not ``70.0``)."""
    return show_value(float(value))


def _duration_text(seconds: float) -> str:
    """``0s``, ``1.5s``, ``3s``: a short duration as a preset would write it."""
    return f"{seconds:g}s" if seconds < 60 else format_duration(seconds)


def is_number(value: Any) -> bool:
    """An int or a float, not a bool (YAML ``true`` is not 1)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class FieldChecker:
    """Collects problems for one file; checks its keys and single values.

    The base of the section checks (:class:`~ketaroom.core.music_checks.MusicChecks`,
    :class:`~ketaroom.core.light_checks.LightChecks`,
    :class:`~ketaroom.core.preset_checks.PresetChecker`), which all report into one
    checker so that every problem of the file comes back at once.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._suggested: set[tuple[str, str]] = set()
        """(where, key) pairs already named by a "did you mean" on a misspelt key."""

    # -- reporting

    def error(self, line: int, where: str, message: str) -> None:
        text = f"{where}: {message}" if where else message
        self.errors.append(Problem(self.path, max(1, line), text, where))

    def warn(self, line: int, where: str, message: str) -> None:
        text = f"{where}: {message}" if where else message
        self.warnings.append(Problem(self.path, max(1, line), text, where))

    # -- generic mapping handling

    def fields(
        self, mapping: Any, where: str, allowed: Sequence[str], line: int
    ) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
        """The values of the ``allowed`` keys of ``mapping`` and, by key, their
        ``(key_line, value_line)``; the other keys are reported."""
        values: dict[str, Any] = {}
        lines: dict[str, tuple[int, int]] = {}
        for key in list(mapping.keys()):
            key_line = key_line_of(mapping, key, line)
            value = mapping[key]
            # An empty value has no token of its own: ruamel places it on the next line.
            value_line = key_line if value is None else value_line_of(mapping, key, key_line)
            if not isinstance(key, str) or key not in allowed:
                self.unknown_key(key, key_line, where, allowed)
                continue
            values[key] = value
            lines[key] = (key_line, value_line)
        return values, lines

    def section(
        self, node: Any, where: str, line: int, allowed: Sequence[str], expected: str
    ) -> tuple[dict[str, Any], dict[str, tuple[int, int]], int] | None:
        """:meth:`fields` of the mapping ``node`` (a phase, a cue, a music or light section)
        and the line it starts on; ``None`` after reporting ``expected <expected>, got …``
        when ``node`` is not a mapping. ``line`` is where ``node`` stands in its parent."""
        if not isinstance(node, Mapping):
            self.error(line, where, f"expected {expected}, got {show_value(node)}")
            return None
        line = line_of(node, line)
        values, lines = self.fields(node, where, allowed, line)
        return values, lines, line

    def unknown_key(self, key: Any, line: int, where: str, allowed: Sequence[str]) -> None:
        if key is None:
            shown = "null"
        elif isinstance(key, str | int | float):
            shown = show_value(key)
        else:
            shown = "(a list or mapping used as a key)"
        close = difflib.get_close_matches(str(key).strip().lower(), allowed, n=1, cutoff=0.6)
        if close:
            self._suggested.add((where, close[0]))
            message = f"unknown key {shown}; did you mean '{close[0]}'?"
        else:
            message = f"unknown key {shown} (expected one of: {', '.join(allowed)})"
        self.error(line, where, message)

    def missing(self, line: int, where: str, key: str) -> None:
        if (where, key) in self._suggested:
            return  # "unknown key 'duraton'; did you mean 'duration'?" already says it
        self.error(line, where, f"missing required key '{key}'")

    # -- typed values (each returns None after reporting a problem)

    def text(self, value: Any, line: int, where: str, *, required: bool = True) -> str | None:
        """Text, NFC-normalised and stripped; ``required`` text must have visible characters."""
        if not isinstance(value, str):
            self.error(line, where, f"expected text, got {show_value(value)}")
            return None
        if required and not value.strip():
            self.error(line, where, "must not be empty")
            return None
        if required and not visible(value):
            self.error(line, where, f"has no visible characters, got {show_value(value)}")
            return None
        return unicodedata.normalize("NFC", str(value)).strip()

    def number(
        self, value: Any, line: int, where: str, low: float, high: float
    ) -> float | None:
        if not is_number(value):
            self.error(line, where, f"expected a number, got {show_value(value)}")
            return None
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            self.error(line, where, f"{show_value(value)} is out of range "
                       f"({show_number(low)}-{show_number(high)})")
            return None
        return number

    def boolean(self, value: Any, line: int, where: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(line, where, f"expected true or false, got {show_value(value)}")
            return None
        return bool(value)

    def duration(
        self, value: Any, line: int, where: str, *, allow_open: bool = False,
        positive: bool = False,
    ) -> float | None:
        like = LIKE + (", or open" if allow_open else "")
        if isinstance(value, bool) or not (isinstance(value, str) or is_number(value)):
            self.error(line, where, f"expected {like}, got {show_value(value)}")
            return None
        try:
            seconds = parse_duration(value if isinstance(value, str) else float(value))
        except DurationOrderError:
            self.error(line, where, f"units must appear once each, in h, m, s order, "
                       f"got {show_value(value)}")
            return None
        except DurationError:
            if is_number(value):
                self.error(line, where, f"must not be negative, got {show_value(value)}")
            else:
                self.error(line, where, f"expected {like}, got {show_value(value)}")
            return None
        except Exception:
            self.error(line, where, f"expected {like}, got {show_value(value)}")
            return None
        if not math.isfinite(seconds):
            self.error(line, where, f"expected {like}, got {show_value(value)}")
            return None
        if positive and seconds <= 0:
            self.error(line, where, f"must be longer than 0s, got {show_value(value)}")
            return None
        if seconds > MAX_DURATION_S:
            self.error(line, where, f"{show_value(value)} is too long "
                       f"(at most {format_duration(MAX_DURATION_S)})")
            return None
        return seconds

    def floor(self, seconds: float, floor_s: float, line: int, where: str, what: str,
              name: str) -> None:
        """Warn when a fade of ``seconds`` is shorter than ``floor_s``: a session uses the
        floor (:mod:`ketaroom.core.fades`), so the preset stays valid."""
        if seconds < floor_s:
            self.warn(line, where, f"{_duration_text(seconds)} would make {what} jump; "
                      f"{_duration_text(floor_s)} will be used (the shortest {name} a "
                      f"session allows)")
