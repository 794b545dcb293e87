"""The wall clock jumps (NTP, daylight saving, a clinician fixing the time) mid-session.

APScheduler schedules wake-ups in wall-clock time (``datetime.now``); the session
timeline is monotonic. The wall clock seen by APScheduler and by the runner's
``wake_in`` is shifted +1 h and then −1 h (two hours back) while a session runs on the
real monotonic clock, driven by the same owner loop as ``ketaroom rehearse`` (wake-ups
posted to a queue, a watchdog tick every 0.5 s). Events must never fire early, never
be skipped or reordered, and never be later than the watchdog period allows.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from ketaroom.core.clock import RealClock
from ketaroom.core.preset import Cue, Phase, Preset
from ketaroom.core.session import Session, SessionEvent
from ketaroom.core.timeline import EventKind
from ketaroom.session.runner import APSchedulerWakeups, SessionRunner

pytestmark = pytest.mark.fault
WATCHDOG_S = 0.5
SLACK_S = 0.3
"""Scheduling slack on a loaded CI machine, on top of the watchdog period."""


class _Offset:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delta = timedelta(0)

    def jump(self, delta: timedelta) -> None:
        with self.lock:
            self.delta += delta

    def get(self) -> timedelta:
        with self.lock:
            return self.delta


def _shifted_datetime(offset: _Offset) -> type[datetime]:
    class ShiftedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + offset.get()

    return ShiftedDatetime


@pytest.mark.parametrize("jumps", [
    pytest.param((timedelta(hours=1), timedelta(hours=-2)), id="forward-then-back"),
    pytest.param((timedelta(hours=-1),), id="back"),
])
def test_wall_clock_jumps_never_move_the_timeline(monkeypatch: pytest.MonkeyPatch,
                                                  jumps: tuple[timedelta, ...]) -> None:
    import apscheduler.schedulers.base as aps_base

    import ketaroom.session.runner as runner_module

    offset = _Offset()
    shifted = _shifted_datetime(offset)
    monkeypatch.setattr(aps_base, "datetime", shifted)
    monkeypatch.setattr(runner_module, "datetime", shifted)

    preset = Preset("jump", (
        Phase("A", 1.5, cues=(Cue(0.7, "a"),)),
        Phase("B", 1.5, cues=(Cue(0.4, "b"), Cue(1.1, "c"))),
        Phase("C", 1.5),
    ))
    clock = RealClock()
    owner: queue.Queue[Callable[[], None]] = queue.Queue()
    session = Session(preset, clock)
    runner = SessionRunner(session, owner.put, APSchedulerWakeups())
    fired: list[tuple[float, SessionEvent]] = []
    runner.on_event(lambda e: fired.append((clock.now(), e)))
    begin = clock.now()
    # the jumps happen between events, with a wake-up pending
    plan = [(0.9 + 1.2 * i, jump) for i, jump in enumerate(jumps)]
    runner.start()
    try:
        while not session.state().status.ended:
            assert clock.now() - begin < 15, "the session never ended"
            if plan and clock.now() - begin >= plan[0][0]:
                offset.jump(plan.pop(0)[1])
            try:
                owner.get(timeout=min(WATCHDOG_S, 0.1 if plan else WATCHDOG_S))()
            except queue.Empty:
                runner.tick()
    finally:
        runner.close()
    assert not plan, "the jumps were not all made"

    kinds = [(e.kind, e.t) for _, e in fired]
    assert kinds == [
        (EventKind.SESSION_START, 0.0), (EventKind.PHASE_START, 0.0), (EventKind.CUE, 0.7),
        (EventKind.PHASE_START, 1.5), (EventKind.CUE, 1.9), (EventKind.CUE, 2.6),
        (EventKind.PHASE_START, 3.0), (EventKind.SESSION_END, 4.5),
    ]
    for at, event in fired:
        assert at >= event.event.at, f"{event.kind.value} fired early"
        assert at - event.event.at <= WATCHDOG_S + SLACK_S, (
            f"{event.kind.value} at t={event.t} was {at - event.event.at:.2f} s late")
        # the timeline itself never moved: the event's clock time is start + planned t
        assert event.event.at == pytest.approx(fired[0][1].event.at + event.t, abs=1e-6)
