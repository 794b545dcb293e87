"""Parsing and formatting of human durations such as ``90s``, ``10m`` or ``1h30m``."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|s)")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[hms]\s*)+$")
_ORDER = {"h": 0, "m": 1, "s": 2}
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0}


MAX_DURATION_S = 24 * 3600.0
"""The longest a phase, an expected time, a cue offset, a fade, a transition or one
extension can be: no clinic session comes near it, and every time computed from
validated values stays far from float and ``datetime`` limits."""


class DurationError(ValueError):
    """A duration string could not be understood."""


def parse_duration(text: str | int | float) -> float:
    """Return seconds for ``"90s"``, ``"10m"``, ``"1h30m"``; a bare number means seconds.

    Units must appear in h, m, s order and at most once each.
    """
    if isinstance(text, bool):
        raise DurationError(f"expected a duration like 90s, 10m or 1h30m, got {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise DurationError(f"duration must not be negative, got {text}")
        return float(text)
    if not isinstance(text, str) or not _WHOLE.match(text.strip().lower()):
        raise DurationError(f"expected a duration like 90s, 10m or 1h30m, got {text!r}")
    parts = _PART.findall(text.strip().lower())
    units = [unit for _, unit in parts]
    if len(set(units)) != len(units) or units != sorted(units, key=_ORDER.__getitem__):
        raise DurationError(f"units must appear once each, in h, m, s order: {text!r}")
    return sum(float(value) * _UNIT_S[unit] for value, unit in parts)


def format_duration(seconds: float) -> str:
    """Inverse of :func:`parse_duration` for whole seconds (``5400`` → ``"1h30m"``)."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = ""
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes}m"
    if secs or not out:
        out += f"{secs}s"
    return out


def format_clock(seconds: float) -> str:
    """``h:mm:ss`` or ``mm:ss`` for display; negative values are shown as zero."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
