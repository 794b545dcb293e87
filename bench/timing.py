"""Phase-start and cue lateness of the real runner (APScheduler wake-ups, real clock).

Runs a session through the same code as ``ketaroom rehearse`` (no devices) and
measures, for every phase start and cue, how late it was dispatched on the owner
thread relative to its exact time on the monotonic timeline.

:func:`run` drives a 10-minute session (60 s with ``quick``) at real speed while a
script gives the intents a clinician gives: pauses, resumes, extends and skips.
Targets: p99 ≤ 20 ms, max ≤ 50 ms.
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
from ketaroom.session.runner import APSchedulerWakeups, SessionRunner

P99_TARGET_MS = 20.0
MAX_TARGET_MS = 50.0
FULL_S = 600.0
QUICK_S = 60.0

Script = Callable[[SessionRunner, float], None]


def _preset(total_s: float, phases: int) -> Preset:
    length = total_s / phases
    return Preset("bench", tuple(
        Phase(f"P{i}", length, cues=(Cue(length / 3, "cue"), Cue(2 * length / 3, "cue")))
        for i in range(phases)))


def measure(total_s: float = 60.0, phases: int = 12,
            script: Script | None = None) -> dict[str, Any]:
    """Run a ``total_s`` session; ``script(runner, elapsed)`` may give intents as it goes.

    ``script`` is called on the owner thread after every dispatched wake-up and every
    watchdog tick (at least every 0.1 s), with the real seconds since the start.
    """
    clock = RealClock()
    owner: queue.Queue[Callable[[], None]] = queue.Queue()
    session = Session(_preset(total_s, phases), clock)
    runner = SessionRunner(session, owner.put, APSchedulerWakeups())
    late_ms: list[float] = []
    wait_s = 0.5 if script is None else 0.1

    def on_event(event: SessionEvent) -> None:
        if event.kind in (EventKind.PHASE_START, EventKind.CUE, EventKind.SESSION_END):
            late_ms.append((clock.now() - event.event.at) * 1000)

    runner.on_event(on_event)
    begin = clock.now()
    runner.start()
    late_ms.clear()  # the first phase starts at the start intent itself
    while not session.state().status.ended:
        try:
            owner.get(timeout=wait_s)()
        except queue.Empty:
            runner.tick()
        if script is not None:
            script(runner, clock.now() - begin)
    runner.close()
    late_ms.sort()
    return {
        "events": len(late_ms),
        "intents": len(session.intents),
        "p50_ms": round(statistics.median(late_ms), 2),
        "p99_ms": round(late_ms[min(len(late_ms) - 1, int(len(late_ms) * 0.99))], 2),
        "max_ms": round(late_ms[-1], 2),
        "session_s": round(clock.now() - begin, 2),
    }


class ClinicianScript:
    """Intents at fixed real times, scaled to the session length (each given once).

    Over 600 s: two pauses (8 s and 3 s), two extends (+20 s, +5 s while paused) and
    three skips (Next) — every kind of timeline rebuild the runner must survive.
    """

    PLAN: tuple[tuple[float, str, float], ...] = (
        (0.07, "pause", 0.0), (0.083, "resume", 0.0),
        (0.15, "extend", 20.0),
        (0.25, "next", 0.0),
        (0.40, "pause", 0.0), (0.402, "extend", 5.0), (0.405, "resume", 0.0),
        (0.55, "next", 0.0),
        (0.70, "extend", 10.0),
        (0.80, "next", 0.0),
    )

    def __init__(self, total_s: float) -> None:
        self.steps = [(frac * total_s, action, amount) for frac, action, amount in self.PLAN]
        self.given: list[tuple[float, str, bool]] = []

    def __call__(self, runner: SessionRunner, elapsed: float) -> None:
        while self.steps and elapsed >= self.steps[0][0]:
            _, action, amount = self.steps.pop(0)
            give = getattr(runner, action)
            accepted = give(amount) if action == "extend" else give()
            self.given.append((round(elapsed, 2), action, accepted))


def run(quick: bool = False) -> dict[str, Any]:
    """The timing figures: a scripted session at real speed (600 s; 60 s with ``quick``)."""
    total = QUICK_S if quick else FULL_S
    script = ClinicianScript(total)
    result = measure(total, phases=12 if quick else 20, script=script)
    result["script"] = [f"{t:g}s {a}{'' if ok else ' (refused)'}" for t, a, ok in script.given]
    return {
        "timing": {
            **result,
            "planned_s": total,
            "targets": {"p99_ms": P99_TARGET_MS, "max_ms": MAX_TARGET_MS},
            "ok": result["p99_ms"] <= P99_TARGET_MS and result["max_ms"] <= MAX_TARGET_MS,
        },
    }


if __name__ == "__main__":
    print(run(quick=True))
