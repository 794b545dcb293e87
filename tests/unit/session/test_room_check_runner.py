"""The window's room checks off the main thread: one at a time, a check asked meanwhile
follows, the result comes back through ``post`` (pure logic: a scripted checker, a queue
standing in for the main thread)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ketaroom.core.room_check import Check, RoomCheckResult
from ketaroom.session.room_check_runner import RoomCheckRunner

WAIT_S = 5.0


@dataclass
class ScriptedChecks:
    """``check_room`` blocks until the test lets it answer; every run is counted."""

    answers: queue.Queue[RoomCheckResult] = field(default_factory=queue.Queue)
    runs: queue.Queue[str] = field(default_factory=queue.Queue)

    def check_room(self, request: str) -> RoomCheckResult:
        self.runs.put(request)
        return self.answers.get(timeout=WAIT_S)

    def fix_power_on(self, request: str) -> Check:
        return Check("fix", "ok", f"fixed {request}")


class MainThread:
    """What ``post`` hands over, run when the test says (the main thread's turn)."""

    def __init__(self) -> None:
        self.posted: queue.Queue[Callable[[], None]] = queue.Queue()

    def run_next(self) -> None:
        self.posted.get(timeout=WAIT_S)()


def _result(status: str) -> RoomCheckResult:
    return RoomCheckResult((Check("reachable", status, f"lights {status}"),))  # type: ignore[arg-type]


def _runner(checks: ScriptedChecks, main: MainThread) -> RoomCheckRunner:
    return RoomCheckRunner(main.posted.put, lambda: "room-1", lambda: checks)  # type: ignore[arg-type, return-value]


def test_a_check_asked_while_one_runs_follows_it() -> None:
    checks, main = ScriptedChecks(), MainThread()
    runner = _runner(checks, main)
    heard: list[tuple[str, str]] = []
    runner.check(lambda r: heard.append(("first", r.checks[0].status)))
    assert checks.runs.get(timeout=WAIT_S) == "room-1"
    runner.check(lambda r: heard.append(("second", r.checks[0].status)))
    runner.check(lambda r: heard.append(("third", r.checks[0].status)))
    assert checks.runs.empty()  # one at a time
    checks.answers.put(_result("ok"))
    main.run_next()
    assert heard == [("first", "ok")] and runner.result is not None
    assert checks.runs.get(timeout=WAIT_S) == "room-1"  # both waiting ones: one more check
    checks.answers.put(_result("error"))
    main.run_next()
    assert heard[1:] == [("second", "error"), ("third", "error")]
    assert runner.start_blocker() == "lights error"
    assert checks.runs.empty()


def test_start_waits_only_for_an_unreachable_light() -> None:
    checks, main = ScriptedChecks(), MainThread()
    runner = _runner(checks, main)
    assert runner.start_blocker() is None  # no check yet: nothing to wait for
    runner.check()
    checks.answers.put(_result("warning"))
    main.run_next()
    assert runner.start_blocker() is None


def test_the_power_on_fix_answers_on_the_main_thread() -> None:
    checks, main = ScriptedChecks(), MainThread()
    runner = _runner(checks, main)
    fixed: list[Check] = []
    where: list[str] = []
    runner.fix_power_on(lambda check: (fixed.append(check),
                                       where.append(threading.current_thread().name)))
    main.run_next()
    assert [c.message for c in fixed] == ["fixed room-1"]
    assert where == [threading.current_thread().name]
