"""Pacing and back-off for bridge commands (pure, clock injected, no I/O).

Owns: :class:`Pacer` (minimum spacing plus a sliding-window burst cap, so a group command goes
out at most every 1.05 s normally, and an urgent one may use the bridge's small burst) and
:class:`Backoff` (exponential retry delays).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class Pacer:
    """Decides when the next command of one kind may be sent.

    Normal commands keep ``min_interval_s`` from the previous one (any kind). Urgent ones skip
    that spacing but never put more than ``burst`` commands into any ``window_s`` (+ margin).
    Record the time a command *finished* (its answer came back or it failed): the bridge saw
    it no later than that, so spacing from completion is spacing at the bridge.
    """

    def __init__(self, min_interval_s: float = 1.05, window_s: float = 1.0, burst: int = 2,
                 margin_s: float = 0.05, clock: Callable[[], float] = time.monotonic) -> None:
        self.min_interval_s = min_interval_s
        self.window_s = window_s + margin_s
        self.burst = burst
        self._clock = clock
        self._sent: deque[float] = deque()

    def wait_s(self, urgent: bool = False) -> float:
        """Seconds to wait before the next command may go out (0 = now)."""
        now = self._clock()
        while self._sent and self._sent[0] <= now - self.window_s:
            self._sent.popleft()
        wait = 0.0
        if self._sent and not urgent:
            wait = self._sent[-1] + self.min_interval_s - now
        if len(self._sent) >= self.burst:
            wait = max(wait, self._sent[-self.burst] + self.window_s - now)
        return max(0.0, wait)

    def record(self, at: float | None = None) -> None:
        self._sent.append(self._clock() if at is None else at)


class Backoff:
    """Exponential delays: ``initial_s``, ×2 each failure, capped at ``max_s``."""

    def __init__(self, initial_s: float = 0.5, max_s: float = 8.0) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * (2 ** self.failures))
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
