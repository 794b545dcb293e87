"""Volume math in decibels: percent ↔ dB, and rate-limited dB ramps.

Volume percent follows the cubic law that libVLC and PulseAudio use for their volume
(amplitude = (pct/100)³, so dB = 60·log10(pct/100): 50 % → −18 dB, 10 % → −60 dB).
Every fade and every clinician change is a straight line *in dB* (perceptually even),
sampled ≥25 times per second by the engine. Anything at or below ``FLOOR_DB`` is
silence (libVLC volume 0). Pure functions, no I/O, no threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FLOOR_DB = -80.0
"""At or below this the output is silent (≈ 4.6 %)."""

MAX_CHANGE_DB_PER_S = 6.0
"""Clinician volume changes and cap changes never move faster than this."""


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


def vlc_volume(db: float) -> int:
    """The integer libVLC volume (0–100) to send for ``db``, never rounding up past it."""
    return max(0, min(100, math.floor(db_to_pct(min(db, 0.0)) + 1e-6)))


@dataclass(frozen=True)
class Ramp:
    """A dB ramp from ``start_db`` at wall time ``t0`` to ``end_db`` after ``duration_s``.

    ``curve="db"``: a straight line in dB (fades from/to silence, volume changes).
    ``curve="power"``: equal-power crossfade half — amplitude follows sin/cos of the
    progress, so two decks crossing keep a constant total power (no dip in the middle,
    which a dB-linear crossfade from an −80 dB floor would have: −40 dB each midway).
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
        span = abs(max(end_db, FLOOR_DB) - max(current_db, FLOOR_DB))
        return cls(current_db, end_db, now, max(min_s, span / db_per_s))

    def value(self, now: float) -> float:
        """Current dB (clamped to the floor)."""
        start, end = max(self.start_db, FLOOR_DB), max(self.end_db, FLOOR_DB)
        if self.duration_s <= 0 or now >= self.t0 + self.duration_s:
            return end
        if now <= self.t0:
            return start
        frac = (now - self.t0) / self.duration_s
        if self.curve == "power":
            if end >= start:  # fade in towards end
                g = math.sin(frac * math.pi / 2)
                return max(FLOOR_DB, end + 20.0 * math.log10(g)) if g > 0 else FLOOR_DB
            g = math.cos(frac * math.pi / 2)
            return max(FLOOR_DB, start + 20.0 * math.log10(g)) if g > 0 else FLOOR_DB
        return start + (end - start) * frac

    def done(self, now: float) -> bool:
        return now >= self.t0 + self.duration_s
