"""The runner dispatches events on time from wake-ups derived from the timeline."""

from __future__ import annotations

from ketaroom.core.clock import ManualClock
from ketaroom.core.session import Session, SessionEvent
from ketaroom.core.timeline import EventKind
from ketaroom.session.runner import SessionRunner
from tests.helpers.fakes import ManualWakeups, phase, preset


def make(clock: ManualClock):
    p = preset(phase("A", 60, cues=(20,)), phase("B", 30), phase("C", 30))
    wakeups = ManualWakeups(clock)
    runner = SessionRunner(Session(p, clock), post=lambda fn: fn(), wakeups=wakeups)
    seen: list[tuple[float, SessionEvent]] = []
    runner.on_event(lambda e: seen.append((clock.now(), e)))
    return runner, wakeups, seen


def test_events_fire_exactly_at_their_time():
    clock = ManualClock(0)
    runner, wakeups, seen = make(clock)
    runner.start()
    wakeups.run_until(1000)
    fired = [(at, e.kind, e.t) for at, e in seen]
    assert fired == [
        (0, EventKind.SESSION_START, 0), (0, EventKind.PHASE_START, 0),
        (20, EventKind.CUE, 20), (60, EventKind.PHASE_START, 60),
        (90, EventKind.PHASE_START, 90), (120, EventKind.SESSION_END, 120),
    ]
    assert wakeups.due_at is None


def test_pause_and_extend_rebuild_the_wakeup():
    clock = ManualClock(0)
    runner, wakeups, seen = make(clock)
    runner.start()
    wakeups.run_until(10)
    runner.pause()
    assert wakeups.due_at is None  # a paused session has nothing due
    clock.advance(100)
    runner.resume()
    assert wakeups.due_at == 120  # cue at 20 shifted by the 100 s pause
    runner.extend(15)
    wakeups.run_until(180)
    starts = [(at, e.event.phase_index) for at, e in seen if e.kind is EventKind.PHASE_START]
    assert starts == [(0, 0), (175, 1)]


def test_a_failing_listener_does_not_stop_the_clock():
    clock = ManualClock(0)
    runner, wakeups, seen = make(clock)
    runner.on_event(lambda e: 1 / 0)
    runner.start()
    wakeups.run_until(1000)
    assert seen[-1][1].kind is EventKind.SESSION_END


def test_apscheduler_wakeups_fire():
    import threading

    from ketaroom.session.runner import APSchedulerWakeups

    fired = threading.Event()
    wakeups = APSchedulerWakeups()
    try:
        wakeups.wake_in(0.05, fired.set)
        assert fired.wait(5)
        wakeups.wake_in(60, fired.clear)
        wakeups.cancel()
    finally:
        wakeups.shutdown()
