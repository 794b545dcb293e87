"""Named fakes for unit tests of pure logic: a wake-up recorder and preset builders."""

from __future__ import annotations

from collections.abc import Callable

from ketaroom.core.clock import ManualClock
from ketaroom.core.preset import Cue, CueKind, LightSpec, Phase, Preset


class ManualWakeups:
    """Records the one pending wake-up; :meth:`fire_due` runs it when the clock reaches it."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.due_at: float | None = None
        self._callback: Callable[[], None] | None = None
        self.scheduled = 0

    def wake_in(self, delay_s: float, callback: Callable[[], None]) -> None:
        self.due_at = self.clock.now() + delay_s
        self._callback = callback
        self.scheduled += 1

    def cancel(self) -> None:
        self.due_at, self._callback = None, None

    def shutdown(self) -> None:
        self.cancel()

    def fire_due(self) -> bool:
        if self.due_at is None or self._callback is None or self.clock.now() < self.due_at:
            return False
        callback = self._callback
        self.cancel()
        callback()
        return True

    def run_until(self, until: float) -> None:
        """Advance the clock wake-up by wake-up (like real time would) up to ``until``."""
        while self.due_at is not None and self.due_at <= until:
            self.clock.set(max(self.clock.now(), self.due_at))
            self.fire_due()
        self.clock.set(max(self.clock.now(), until))


def phase(name: str, duration_s: float | None, *, expected_s: float | None = None,
          cues: tuple[float, ...] = (), brightness: float | None = None) -> Phase:
    light = LightSpec(brightness, 10.0, 2700) if brightness is not None else None
    return Phase(name, duration_s, expected_s,
                 cues=tuple(Cue(at, f"cue {at}", CueKind.REMINDER) for at in cues),
                 light=light)


def preset(*phases: Phase, name: str = "test") -> Preset:
    return Preset(name=name, phases=tuple(phases))
