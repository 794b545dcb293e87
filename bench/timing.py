"""Phase-start and cue lateness of the real runner (APScheduler wake-ups, real clock).

Runs a session through the same code as ``ketaroom rehearse`` (no devices) and
measures, for every phase start and cue, how late it was dispatched on the owner
thread relative to its exact time on the monotonic timeline.
"""

from __future__ import annotations

import queue
import statistics
from collections.abc import Callable
from typing import Any

from ketaroom.core.clock import RealClock
from ketaroom.core.preset import Cue, Phase, Preset
from ketaroom.core.session import Session, SessionEvent
from ketaroom.core.timeline import EventKind
from ketaroom.runner import APSchedulerWakeups, SessionRunner


def _preset(total_s: float, phases: int) -> Preset:
    length = total_s / phases
    return Preset("bench", tuple(
        Phase(f"P{i}", length, cues=(Cue(length / 3, "cue"), Cue(2 * length / 3, "cue")))
        for i in range(phases)))


def measure(total_s: float = 60.0, phases: int = 12,
            script: Callable[[SessionRunner, float], None] | None = None) -> dict[str, Any]:
    """Run a ``total_s`` session; ``script(runner, elapsed)`` may give intents as it goes."""
    clock = RealClock()
    owner: queue.Queue[Callable[[], None]] = queue.Queue()
    session = Session(_preset(total_s, phases), clock)
    runner = SessionRunner(session, owner.put, APSchedulerWakeups())
    late_ms: list[float] = []

    def on_event(event: SessionEvent) -> None:
        if event.kind in (EventKind.PHASE_START, EventKind.CUE, EventKind.SESSION_END):
            late_ms.append((clock.now() - event.event.at) * 1000)

    runner.on_event(on_event)
    begin = clock.now()
    runner.start()
    late_ms.clear()  # the first phase starts at the start intent itself
    while not session.state().status.ended:
        try:
            owner.get(timeout=0.5)()
        except queue.Empty:
            runner.tick()
        if script is not None:
            script(runner, clock.now() - begin)
    runner.close()
    late_ms.sort()
    return {
        "events": len(late_ms),
        "p50_ms": round(statistics.median(late_ms), 2),
        "p99_ms": round(late_ms[min(len(late_ms) - 1, int(len(late_ms) * 0.99))], 2),
        "max_ms": round(late_ms[-1], 2),
        "session_s": round(clock.now() - begin, 2),
    }


def run() -> dict[str, Any]:
    return {"rehearse_60s_speed1": measure(60.0, 12)}


if __name__ == "__main__":
    print(run())
