"""Clocks in *session seconds*: real monotonic, accelerated (rehearse), manual (tests).

The session timeline only ever reads :meth:`Clock.now`; the wall clock (which NTP or
daylight saving may move) is never used for timing.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    speed: float

    def now(self) -> float:
        """Monotonic session seconds; only differences are meaningful."""
        ...

    def real_delay(self, session_s: float) -> float:
        """Real seconds until ``session_s`` session seconds have passed."""
        ...


class RealClock:
    """``time.monotonic()``: one session second per real second."""

    speed = 1.0

    def now(self) -> float:
        return time.monotonic()

    def real_delay(self, session_s: float) -> float:
        return session_s


class AcceleratedClock:
    """Runs ``speed`` times faster than real time (``ketaroom rehearse --speed N``)."""

    def __init__(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.speed

    def real_delay(self, session_s: float) -> float:
        return session_s / self.speed


class ManualClock:
    """A clock that only moves when a test calls :meth:`advance` or :meth:`set`."""

    speed = 1.0

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock never goes back")
        with self._lock:
            self._now += seconds

    def set(self, now: float) -> None:
        self.advance(now - self.now())

    def real_delay(self, session_s: float) -> float:
        return session_s
