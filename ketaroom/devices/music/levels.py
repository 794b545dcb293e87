"""Volume math in decibels: percent ↔ dB, dB ramps, and the split of a gain into
libVLC's integer volume plus a fine equalizer-preamp trim.

Volume percent follows the cubic law that libVLC and PulseAudio use for their volume
(amplitude = (pct/100)³, so dB = 60·log10(pct/100): 50 % → −18 dB, 10 % → −60 dB).
Every fade and every clinician change is a straight line *in dB* (perceptually even),
sampled 40 times per second by the engine. Fades from silence start ``FADE_RANGE_DB``
below their target (just inaudible, rather than from a far-away absolute floor that
would leave the first half of the fade silent) and fades to silence stop
``FADE_RANGE_DB`` below where they began. Anything at or below ``FLOOR_DB`` is silence
(libVLC volume 0).

libVLC's volume takes whole percents: near 10 % one percent is 2.7 dB. :func:`vlc_gain`
therefore sends the next whole percent *at or above* the wanted level and makes up the
fraction with a negative trim (the equalizer preamp, float dB), so every tick lands on
the exact wanted dB and the integer volume alone is never more than one percent above
it. Pure functions, no I/O, no threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FLOOR_DB = -150.0
"""At or below this the output is silent (libVLC volume 0). Only a sentinel: real fades
stop ``FADE_RANGE_DB`` below their level and then jump (inaudibly) to it."""

FADE_RANGE_DB = 50.0
"""A fade from silence starts this far below its target; a fade to silence goes this far
down, then stops. −50 dB under the music's level is just inaudible in a quiet room."""

MAX_CHANGE_DB_PER_S = 6.0
"""Clinician volume changes and cap changes never move faster than this."""

TRIM_MIN_DB = -32.0
"""Lowest trim :func:`vlc_gain` asks for: the equalizer preamp spans −20…+20 dB and sits
at +12 dB when transparent, so −32 dB is the most it can take away."""


def pct_to_db(pct: float) -> float:
    """Volume percent → gain dB (cubic law); ≤0 % → ``FLOOR_DB``."""
    if pct <= 0:
        return FLOOR_DB
    return max(FLOOR_DB, 60.0 * math.log10(min(pct, 200.0) / 100.0))


def db_to_pct(db: float) -> float:
    """Gain dB → volume percent; at or below ``FLOOR_DB`` → 0."""
    if db <= FLOOR_DB + 1e-9:
        return 0.0
    return 100.0 * 10.0 ** (db / 60.0)


def db_to_amplitude(db: float) -> float:
    """Gain dB → linear amplitude factor (0 at the floor)."""
    return 0.0 if db <= FLOOR_DB + 1e-9 else 10.0 ** (db / 20.0)


def vlc_gain(db: float) -> tuple[int, float]:
    """``(volume, trim_db)`` for a wanted gain ``db`` (≤ 0 dB; higher is clamped to 0).

    ``volume`` is the whole libVLC percent at or just above the wanted level (0 for
    silence), ``trim_db`` ≤ 0 the remainder, so that ``pct_to_db(volume) + trim_db``
    equals ``db`` exactly (down to ``TRIM_MIN_DB`` below volume 1, i.e. −152 dB).
    """
    if db <= FLOOR_DB + 1e-9:
        return 0, 0.0
    db = min(db, 0.0)
    volume = max(1, min(100, math.ceil(db_to_pct(db) - 1e-9)))
    trim = max(TRIM_MIN_DB, min(0.0, db - 60.0 * math.log10(volume / 100.0)))
    return volume, trim


def _logistic_power(frac: float) -> float:
    """Power share (0…1) of the incoming side of an equal-power crossfade at ``frac``.

    ``h(f) + h(1 − f) = 1`` (equal power: the outgoing side gets ``h(1 − f)``), ``h(0)``
    is ``FADE_RANGE_DB`` down, and the tails are straight lines in dB — unlike sin/cos,
    whose dB slope is unbounded at the ends (steps of 6–8 dB per tick from silence).
    """
    return 1.0 / (1.0 + 10.0 ** (FADE_RANGE_DB / 10.0 * (1.0 - 2.0 * frac)))


@dataclass(frozen=True)
class Ramp:
    """A dB ramp from ``start_db`` at wall time ``t0`` to ``end_db`` after ``duration_s``.

    ``curve="db"``: a straight line in dB (fades from/to silence, volume changes). From
    silence it starts ``FADE_RANGE_DB`` below ``end_db``; to silence it goes to
    ``FADE_RANGE_DB`` below ``start_db`` and is silent once done.
    ``curve="power"``: equal-power crossfade half — the power shares of the two decks
    crossing add to one (no dip in the middle), with dB-linear tails that start/end
    ``FADE_RANGE_DB`` below the audible side (see :func:`_logistic_power`).
    """

    start_db: float
    end_db: float
    t0: float
    duration_s: float
    curve: str = "db"

    @classmethod
    def crossfade(cls, current_db: float, end_db: float, now: float,
                  duration_s: float) -> Ramp:
        """Equal-power fade in (to ``end_db``) or out (when ``end_db`` is the floor)."""
        return cls(current_db, end_db, now, max(0.0, duration_s), "power")

    @classmethod
    def hold(cls, db: float, now: float) -> Ramp:
        return cls(db, db, now, 0.0)

    @classmethod
    def to(cls, current_db: float, end_db: float, now: float, duration_s: float) -> Ramp:
        return cls(current_db, end_db, now, max(0.0, duration_s))

    @classmethod
    def limited(cls, current_db: float, end_db: float, now: float,
                db_per_s: float = MAX_CHANGE_DB_PER_S, min_s: float = 0.0) -> Ramp:
        """A ramp no steeper than ``db_per_s`` (and no shorter than ``min_s``)."""
        start, end = _audible_span(current_db, end_db)
        return cls(current_db, end_db, now, max(min_s, abs(end - start) / db_per_s))

    def value(self, now: float) -> float:
        """Current dB (``FLOOR_DB`` = silence)."""
        start, end = max(self.start_db, FLOOR_DB), max(self.end_db, FLOOR_DB)
        if self.duration_s <= 0 or now >= self.t0 + self.duration_s:
            return end
        if now <= self.t0:
            return start
        frac = (now - self.t0) / self.duration_s
        if self.curve == "power":
            if end >= start:  # fade in towards end
                return max(FLOOR_DB, end + 10.0 * math.log10(_logistic_power(frac)))
            return max(FLOOR_DB, start + 10.0 * math.log10(_logistic_power(1.0 - frac)))
        lo, hi = _audible_span(start, end)
        return max(FLOOR_DB, lo + (hi - lo) * frac)

    def done(self, now: float) -> bool:
        return now >= self.t0 + self.duration_s


def _audible_span(start_db: float, end_db: float) -> tuple[float, float]:
    """The dB endpoints a line actually runs between: silence is replaced by
    ``FADE_RANGE_DB`` below the other end."""
    start, end = max(start_db, FLOOR_DB), max(end_db, FLOOR_DB)
    silent_start, silent_end = start <= FLOOR_DB + 1e-9, end <= FLOOR_DB + 1e-9
    if silent_start and not silent_end:
        start = end - FADE_RANGE_DB
    elif silent_end and not silent_start:
        end = start - FADE_RANGE_DB
    return start, end
