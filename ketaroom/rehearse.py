"""``ketaroom rehearse``: run a preset headless, N× faster, with the GUI's core and devices.

The session is recorded like a real one. The loop below is the session's owner
thread: wake-ups and device reports are posted to its queue, and it also ticks the
runner every :data:`WATCHDOG_S` real seconds so a wall-clock jump cannot stall it.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from typing import Any, TextIO

from ketaroom.controller import SessionController
from ketaroom.core.clock import AcceleratedClock
from ketaroom.core.durations import format_clock
from ketaroom.core.preset import Preset
from ketaroom.core.session import Session
from ketaroom.recorder import SessionRecorder
from ketaroom.room import Room
from ketaroom.runner import APSchedulerWakeups, SessionRunner
from ketaroom.settings import BridgeSettings
from ketaroom.store.journal import Journal

WATCHDOG_S = 0.5
FINAL_FLUSH_S = 4.0


class EventPrinter:
    """Prints records as JSON lines (``--json``) or as readable lines."""

    def __init__(self, out: TextIO, as_json: bool) -> None:
        self._out = out
        self._json = as_json

    def __call__(self, record: dict[str, Any]) -> None:
        if self._json:
            line = json.dumps(record, ensure_ascii=False, default=str)
        else:
            details = ", ".join(f"{k}={v}" for k, v in record.items() if k not in ("t", "event"))
            line = f"{format_clock(record['t']):>8}  {record['event']:<13} {details}"
        try:
            self._out.write(line + "\n")
            self._out.flush()
        except (BrokenPipeError, ValueError):
            pass  # the reader went away; the session still runs and is recorded


def run_rehearsal(preset: Preset, *, speed: float, journal: Journal, audio: str,
                  bridge: BridgeSettings | None, emit: Callable[[dict[str, Any]], None],
                  warnings: list[str] | None = None) -> str:
    """Run ``preset`` to its end; returns the final status (``completed``/``stopped``)."""
    clock = AcceleratedClock(speed)
    owner: queue.Queue[Callable[[], None]] = queue.Queue()
    recorder = SessionRecorder(journal, synchronous=True)  # printed ⇒ already on disk
    recorder.begin(preset, room="rehearse", speed=speed, operator="rehearse")
    session = Session(preset, clock, open_as_expected=True,
                      room_group=bridge.group if bridge is not None else None)
    runner = SessionRunner(session, owner.put, APSchedulerWakeups())
    room = Room(owner.put, audio=audio, bridge=bridge, time_scale=speed,
                max_volume_pct=preset.max_volume_pct)
    controller = SessionController(runner, room, recorder, emit=emit, operator="rehearse")
    try:
        runner.start()
        for message in warnings or ():
            controller.warn("music", message, t=0.0)
        last_tick = time.monotonic()
        while not session.state().status.ended:
            _drain(owner, runner, WATCHDOG_S)
            if time.monotonic() - last_tick >= WATCHDOG_S:  # even under a flood of reports
                runner.tick()
                last_tick = time.monotonic()
    except KeyboardInterrupt:
        runner.stop()
    finally:
        runner.close()
        deadline = time.monotonic() + FINAL_FLUSH_S
        room.flush(FINAL_FLUSH_S)
        while time.monotonic() < deadline and not owner.empty():
            _drain(owner, runner, 0.05)
        room.close()
        recorder.flush(FINAL_FLUSH_S)
        recorder.close()
        health = recorder.health
        if health.pending:
            emit({"t": round(session.state().active_s, 3), "event": "device_error",
                  "device": "records", "severity": "error",
                  "message": f"{health.pending} entries could not be written to the session "
                             f"records: {health.error}"})
    return session.state().status.value


def _drain(owner: queue.Queue[Callable[[], None]], runner: SessionRunner, wait_s: float) -> None:
    """Run one posted callable, or tick the runner when nothing came within ``wait_s``."""
    try:
        owner.get(timeout=wait_s)()
    except queue.Empty:
        runner.tick()
