"""Parsing and formatting of human durations: ``90s``, ``10m``, ``1h30m``, ``10 minutes``…"""

from __future__ import annotations

import re

from ketaroom.core.limits import MAX_DURATION_S as MAX_DURATION_S  # callers import it here

_UNIT_WORDS = {
    "h": ("hours", "hour", "hrs", "hr", "h"),
    "m": ("minutes", "minute", "mins", "min", "m"),
    "s": ("seconds", "second", "secs", "sec", "s"),
}
"""Every spelling of each unit, longest first (so ``min`` is not read as ``m`` + ``in``)."""
_UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_WORD = "|".join(sorted(_UNIT_OF, key=len, reverse=True))
_PART = re.compile(rf"(\d+(?:\.\d+)?)\s*({_WORD})(?![a-z])")
_WHOLE = re.compile(rf"^\s*(?:\d+(?:\.\d+)?\s*(?:{_WORD})(?![a-z])\s*)+$")
_ORDER = {"h": 0, "m": 1, "s": 2}
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0}
LIKE = "a duration like 90s, 10m or 1h30m"
"""How messages describe the accepted forms."""


class DurationError(ValueError):
    """A duration string could not be understood."""


class DurationOrderError(DurationError):
    """Units repeated or out of order (``30s 10m``): readable, but ambiguous on purpose."""


def parse_duration(text: str | int | float) -> float:
    """Return seconds for a duration as people write it; a bare number means seconds.

    Accepted: ``90s``, ``10m``, ``1h30m``, ``1h 5m 30s``, ``10 minutes``, ``1 h 30 min``,
    ``90 sec``, ``1 hour``, ``2 hrs 5 mins`` (any case). Units are h (``h``, ``hr``,
    ``hrs``, ``hour``, ``hours``), m (``m``, ``min``, ``mins``, ``minute``, ``minutes``) and
    s (``s``, ``sec``, ``secs``, ``second``, ``seconds``); they must appear in h, m, s order
    and at most once each (:class:`DurationOrderError` otherwise).
    """
    if isinstance(text, bool):
        raise DurationError(f"expected {LIKE}, got {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise DurationError(f"duration must not be negative, got {text}")
        return float(text)
    lowered = text.strip().lower() if isinstance(text, str) else ""
    if not _WHOLE.match(lowered):
        raise DurationError(f"expected {LIKE}, got {text!r}")
    parts = [(value, _UNIT_OF[word]) for value, word in _PART.findall(lowered)]
    units = [unit for _, unit in parts]
    if len(set(units)) != len(units) or units != sorted(units, key=_ORDER.__getitem__):
        raise DurationOrderError(f"units must appear once each, in h, m, s order: {text!r}")
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
