"""Nothing jumps: the floors under a session's transitions, and where a light fade is now.

Pure (no Qt, no devices, no clock of its own: callers pass ``now``).

- :func:`gentle_light` and :func:`gentle_music`: a phase's light transition and music fade
  as a session sends them — never shorter than :data:`~ketaroom.core.limits.
  LIGHT_TRANSITION_FLOOR_S` / :data:`~ketaroom.core.limits.MUSIC_FADE_FLOOR_S`, whatever
  the preset says (``validate`` warns about the preset; the record keeps what it asked).
  The emergency is not passed through them: it has its own rule (1 s, warm).
- :class:`LightFade`: a brightness fade the room's lights are running, from the state the
  bridge confirmed before to the one it confirmed now, so the light panel can show — and
  a drag can start from — the level the patient sees, not the fade's end.
- :func:`manual_transition_s`: how long a clinician's brightness change takes from that
  level: at least :data:`MANUAL_MIN_S`, and no faster than :data:`MANUAL_PCT_PER_S`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ketaroom.core.limits import (
    BRIGHTNESS_MAX,
    BRIGHTNESS_MIN,
    LIGHT_TRANSITION_FLOOR_S,
    MUSIC_FADE_FLOOR_S,
)
from ketaroom.core.targets import LightTarget, MusicTarget

__all__ = [
    "MANUAL_MIN_S",
    "MANUAL_PCT_PER_S",
    "LightFade",
    "gentle_light",
    "gentle_music",
    "manual_transition_s",
]

MANUAL_MIN_S = 1.0
"""The shortest transition of a clinician's light change (a slider step)."""
MANUAL_PCT_PER_S = 20.0
"""A clinician's brightness change moves the room at most this many points a second:
a flick of the slider from 5 % to 100 % takes about 5 s, never a blast."""


def gentle_light(target: LightTarget) -> LightTarget:
    """A phase's light as sent: over at least :data:`LIGHT_TRANSITION_FLOOR_S`."""
    if target.transition_s >= LIGHT_TRANSITION_FLOOR_S:
        return target
    return replace(target, transition_s=LIGHT_TRANSITION_FLOOR_S)


def gentle_music(target: MusicTarget) -> MusicTarget:
    """A phase's music as played: faded in (or crossfaded, or out) over at least
    :data:`MUSIC_FADE_FLOOR_S`."""
    if target.fade_s >= MUSIC_FADE_FLOOR_S:
        return target
    return replace(target, fade_s=MUSIC_FADE_FLOOR_S)


def _lerp(start: float, end: float, progress: float) -> float:
    return start + (end - start) * progress


@dataclass(frozen=True)
class LightFade:
    """The room's lights going to ``end_pct`` over ``duration_s`` from ``started_at``.

    ``start_pct`` is where they were then; ``None`` when nobody knows (the first state the
    bridge confirmed, or one that interrupted such a fade): the level then reads as the end,
    as the bridge confirmed it, and :meth:`bounds` says how far off that may be.
    The bridge moves ``bri`` linearly over the transition, and percent maps linearly to
    ``bri``, so the level is a straight line in percent; 0 % is off.
    """

    end_pct: float
    duration_s: float
    started_at: float
    start_pct: float | None = None

    def progress(self, now: float) -> float:
        """0 at the start, 1 once the fade is over (a zero-length fade is over at once)."""
        if not self.duration_s > 0 or not math.isfinite(self.duration_s):
            return 1.0
        return min(1.0, max(0.0, (now - self.started_at) / self.duration_s))

    def running(self, now: float) -> bool:
        return self.progress(now) < 1.0

    def level(self, now: float) -> float:
        """The brightness the room is at ``now``, percent (the end when the start is unknown)."""
        if self.start_pct is None:
            return self.end_pct
        return _lerp(self.start_pct, self.end_pct, self.progress(now))

    def bounds(self, now: float) -> tuple[float, float]:
        """``(lowest, highest)`` brightness the room can be at ``now``: the level itself
        when the start is known; while a fade from an unknown start runs, anything on the
        way from 0 % or from 100 % to the end."""
        if self.start_pct is not None or not self.running(now):
            level = self.level(now)
            return level, level
        progress = self.progress(now)
        return (_lerp(BRIGHTNESS_MIN, self.end_pct, progress),
                _lerp(BRIGHTNESS_MAX, self.end_pct, progress))

    def then(self, end_pct: float, duration_s: float, now: float) -> LightFade:
        """The next confirmed state, taken at ``now``: the lights fade to it from where this
        fade has them (unknown while a fade from an unknown start still runs)."""
        start = None if self.start_pct is None and self.running(now) else self.level(now)
        return LightFade(end_pct, duration_s, now, start)


def manual_transition_s(to_pct: float, fade: LightFade | None, now: float) -> float:
    """Seconds for a clinician's change to ``to_pct`` brightness from where the room is
    ``now`` (``fade``; ``None``: nothing known, anything from 0 to 100 %): at least
    :data:`MANUAL_MIN_S`, and no faster than :data:`MANUAL_PCT_PER_S` from the farthest
    level the room may be at."""
    low, high = fade.bounds(now) if fade is not None else (BRIGHTNESS_MIN, BRIGHTNESS_MAX)
    distance = max(abs(to_pct - low), abs(to_pct - high))
    seconds = max(MANUAL_MIN_S, distance / MANUAL_PCT_PER_S)
    return math.ceil(seconds * 10 - 1e-9) / 10  # whole 100 ms, as the bridge takes it: never faster
