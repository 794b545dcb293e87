"""``ketaroom rehearse``: run a preset headless, N× faster, with the GUI's core and devices.

The session is recorded like a real one, as a ``rehearsal``. The loop below is the
session's owner thread: wake-ups and device reports are posted to its queue, and it
also ticks the runner every :data:`WATCHDOG_S` real seconds so a wall-clock jump cannot
stall it.

What rehearse prints is on disk already (the recorder writes synchronously). When the
disk refuses (full, read-only), a ``device_error`` for ``records`` says so at once;
entries wait in memory, in order, and are written when the disk takes them again (the
journal then gets a ``device_health`` entry saying so, as lights recovering do). What
was never written is counted in :attr:`RehearsalOutcome.unwritten`.

SIGINT, SIGTERM and SIGHUP stop the session (recorded as ``stopped``) rather than tear
through it: see :class:`Interruption`.
"""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any, TextIO

from ketaroom.core.board import BrokerAddress
from ketaroom.core.clock import AcceleratedClock
from ketaroom.core.durations import format_clock
from ketaroom.core.preferences import PatientPreferences
from ketaroom.core.preset import Preset
from ketaroom.core.session import Session
from ketaroom.devices.music import LoudnessSource
from ketaroom.session.assemble import build_session
from ketaroom.session.board import BoardLink, link_report
from ketaroom.session.controller import SessionController
from ketaroom.session.devices import RoomDevices
from ketaroom.session.recorder import SessionRecorder
from ketaroom.session.runner import APSchedulerWakeups, SessionRunner
from ketaroom.store.journal import Journal
from ketaroom.store.record_schema import DeviceError, DeviceHealth, Signal
from ketaroom.store.settings import BridgeSettings

WATCHDOG_S = 0.5
DEFAULT_ROOM = "rehearse"
"""The room a rehearsal records without ``--room``."""
FINAL_FLUSH_S = 4.0
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
"""Signals that stop a rehearsal (those this platform has)."""


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


class Interruption:
    """Notes the first stop signal (:data:`STOP_SIGNALS`) while :meth:`installed`.

    The handler only notes it: no ``KeyboardInterrupt`` tears through the session half-way
    through a journal write; the owner loop stops the session at its next turn and the
    record ends as ``stopped``. SIGINT and SIGTERM are handled even when the process
    started with them ignored (``timeout`` runs its command with SIGINT ignored, and
    Python then installs no handler of its own); an ignored SIGHUP stays ignored, so a
    rehearsal under ``nohup`` outlives its terminal.
    """

    def __init__(self) -> None:
        self.signal_name: str | None = None

    @contextlib.contextmanager
    def installed(self) -> Iterator[Interruption]:
        """Handle the stop signals inside the block (main thread only; elsewhere a no-op)."""
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                signum = getattr(signal, name, None)
                if signum is None or (name == "SIGHUP"
                                      and signal.getsignal(signum) is signal.SIG_IGN):
                    continue
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.signal_name is None:
            self.signal_name = signal.Signals(signum).name


@dataclass(frozen=True)
class RehearsalOutcome:
    status: str
    """How the session ended: ``completed`` or ``stopped``."""
    interrupted_by: str | None = None
    """The signal that stopped it (``SIGINT``…), None when nothing did."""
    unwritten: int = 0
    """Record entries the disk never took."""


class _RecordsWatch:
    """Says at once when the records stop being written, and records when they are again.

    :meth:`check` runs on the owner thread, posted there on every change of the
    recorder's health; it reads the health when it runs, so a burst of changes is judged
    by the latest state.
    """

    def __init__(self) -> None:
        self.controller: SessionController | None = None
        self._failing = False

    def check(self) -> None:
        controller = self.controller
        if controller is None:
            return
        health = controller.recorder.health
        failing = bool(health.pending or health.error)
        if failing == self._failing:
            return
        self._failing = failing
        if failing:
            controller.report(DeviceError(
                "records",
                f"the session records cannot be written ({health.error or 'disk'})"
                "; entries wait in memory, in order, until the disk takes them"))
        else:
            controller.report(DeviceHealth(
                "records", "the session records are written again; nothing is waiting",
                {"health": "ok"}), emit=False)


@dataclass(frozen=True)
class BoardOptions:
    """Publish the room's state to the nurse-station board (``--mqtt``, ``--room``)."""

    address: BrokerAddress
    room: str
    patient: str | None = None
    """The patient's code (never a name), None when the session has none."""


def run_rehearsal(preset: Preset, *, speed: float, journal: Journal, audio: str,
                  bridge: BridgeSettings | None, emit: Callable[[dict[str, Any]], None],
                  warnings: list[tuple[str, str]] | None = None,
                  patient_id: int | None = None, room: str = DEFAULT_ROOM,
                  board: BoardOptions | None = None, loudness: LoudnessSource | None = None,
                  preferences: PatientPreferences | None = None) -> RehearsalOutcome:
    """Run ``preset`` to its end, or until a stop signal (see :class:`Interruption`).

    ``room`` names the room in the record; with ``board``, the room's state is published
    to the nurse-station board on every turn of the loop (the publisher sends what is
    news), and the broker's coming and going is recorded as the ``board`` device's.

    ``patient_id`` links the rehearsal to a patient (never counted as a clinical session);
    ``preferences`` (the patient's) are honoured as in the window (see :class:`Session`).
    ``loudness``: track gains for loudness-normalised music (see :class:`RoomDevices`).
    """
    clock = AcceleratedClock(speed)
    owner: queue.Queue[Callable[[], None]] = queue.Queue()
    watch = _RecordsWatch()
    recorder = SessionRecorder(journal, synchronous=True,  # printed ⇒ already on disk
                               on_health=lambda _health: owner.put(watch.check))
    with Interruption().installed() as interruption:
        recorder.begin(preset, room=room, speed=speed, operator="rehearse",
                       kind="rehearsal", patient_id=patient_id)
        session = Session(preset, clock, open_as_expected=True,
                          room_group=bridge.group if bridge is not None else None,
                          preferences=preferences)
        room_devices = RoomDevices(owner.put, audio=audio, bridge=bridge, time_scale=speed,
                                   max_volume_pct=preset.max_volume_pct, loudness=loudness)
        live = build_session(session, recorder, room_devices, post=owner.put,
                             wakeups=APSchedulerWakeups(), operator="rehearse", emit=emit)
        runner, controller = live.runner, live.controller
        watch.controller = controller
        watch.check()  # the session's own row refused: say so before anything else
        link = _board_link(board, owner, controller, speed)
        if link is not None:
            room_devices.on_report(link.on_room_report)
        try:
            runner.start()
            for device, message in warnings or ():  # (music | lights | preset, text)
                controller.warn(device, message, t=0.0)
            last_tick = time.monotonic()
            while not session.state().status.ended:
                if interruption.signal_name is not None:
                    controller.report(Signal(interruption.signal_name), emit=False)
                    runner.stop()
                    break
                _drain(owner, runner, WATCHDOG_S)
                if time.monotonic() - last_tick >= WATCHDOG_S:  # even under a flood of reports
                    runner.tick()
                    last_tick = time.monotonic()
                if link is not None:
                    link.update(live)
        finally:
            runner.close()
            if link is not None:
                link.close(live)
            deadline = time.monotonic() + FINAL_FLUSH_S
            room_devices.flush(FINAL_FLUSH_S)
            while time.monotonic() < deadline and not owner.empty():
                _drain(owner, runner, 0.05)
            room_devices.close()
            recorder.flush(FINAL_FLUSH_S)
            recorder.close()
        health = recorder.health
        if health.pending:
            reason = f": {health.error}" if health.error else ""
            lost = DeviceError(
                "records", f"{health.pending} {'entry' if health.pending == 1 else 'entries'}"
                           f" could not be written to the session records{reason}")
            emit({"t": round(session.state().active_s, 3), "event": lost.kind.value,
                  **lost.to_payload()})
    return RehearsalOutcome(session.state().status.value, interruption.signal_name,
                            health.pending)


def _board_link(board: BoardOptions | None, owner: queue.Queue[Callable[[], None]],
                controller: SessionController, speed: float) -> BoardLink | None:
    """Start publishing to the board (in the background), or None without ``board``."""
    if board is None:
        return None
    from ketaroom.devices.mqtt import BoardPublisher  # paho only when a board is asked for

    def on_link(reachable: bool, message: str) -> None:  # paho's thread: post to the owner
        owner.put(lambda: controller.report(link_report(reachable, message),
                                            emit=not reachable))

    publisher = BoardPublisher(board.address, board.room, on_link=on_link)
    publisher.start()
    return BoardLink(publisher, board.room, patient=board.patient, speed=speed)


def _drain(owner: queue.Queue[Callable[[], None]], runner: SessionRunner, wait_s: float) -> None:
    """Run one posted callable, or tick the runner when nothing came within ``wait_s``."""
    try:
        owner.get(timeout=wait_s)()
    except queue.Empty:
        runner.tick()
