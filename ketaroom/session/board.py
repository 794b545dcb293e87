"""The room's side of the nurse-station board: its state, as the board's message says it.

:func:`room_snapshot` (pure) turns the session's state into a
:class:`~ketaroom.core.board.RoomSnapshot`. :class:`BoardLink` lives on the session's
owner thread (rehearse's loop, or the window's main thread): it remembers the devices'
health words from their reports, offers a snapshot to the publisher on every turn (the
publisher decides whether it is news), and records the broker going and coming back like
any device problem (device ``board``). The publisher does all network work on its own
thread, so nothing here waits for the broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ketaroom.core.board import BrokerAddress, RoomSnapshot, parse_broker
from ketaroom.core.preset import Preset
from ketaroom.core.timeline import Status, TimelineState
from ketaroom.session.assemble import LiveSession
from ketaroom.session.controller import CueRecord
from ketaroom.session.room_state import RoomReport
from ketaroom.store.record_schema import DeviceError, DeviceHealth
from ketaroom.store.settings import BoardBroker

BOARD_DEVICE = "board"
"""The device name the board's link is recorded under."""


class Publisher(Protocol):
    """What :class:`BoardLink` needs of :class:`~ketaroom.devices.mqtt.BoardPublisher`."""

    def offer(self, snapshot: RoomSnapshot) -> bool: ...

    def close(self, final: RoomSnapshot | None = None, timeout_s: float = 2.0) -> None: ...


def room_status(state: TimelineState | None, emergency_held: bool) -> str:
    """The board's status word for a session in ``state`` (None: no session yet)."""
    if state is None or state.status is Status.NOT_STARTED:
        return "idle"
    if state.status.ended:
        return "ended"
    if emergency_held:
        return "emergency"
    return "running" if state.status is Status.RUNNING else "paused"


def cues_due(preset: Preset, cues: Sequence[CueRecord]) -> tuple[str, ...]:
    """The prompts of the cues shown and not acknowledged, oldest first."""
    prompts = []
    for cue in cues:
        if cue.acknowledged or not 0 <= cue.phase_index < len(preset.phases):
            continue
        phase_cues = preset.phases[cue.phase_index].cues
        if 0 <= cue.cue_index < len(phase_cues):
            prompts.append(phase_cues[cue.cue_index].prompt)
    return tuple(prompts)


def room_snapshot(room: str, *, patient: str | None, preset: Preset | None,
                  state: TimelineState | None, cues: Sequence[CueRecord],
                  emergency_held: bool, lights: str, music: str, speed: float = 1.0
                  ) -> RoomSnapshot:
    """The room's state for the board. ``patient`` must be the patient's code (never a
    name); ``state`` and ``preset`` are the current (or last) session's, None before one."""
    status = room_status(state, emergency_held)
    if state is None or preset is None or status == "idle":
        return RoomSnapshot(room, status, lights=lights, music=music,
                            preset=preset.name if preset is not None else None)
    index = state.phase_index
    phase = preset.phases[index].name if index is not None else None
    live = status in ("running", "paused", "emergency")
    return RoomSnapshot(
        room, status, preset=preset.name, patient=patient, phase=phase, phase_index=index,
        phase_remaining_s=state.phase_remaining_s if live else None,
        session_elapsed_s=state.elapsed_s,
        cues_due=cues_due(preset, cues) if live else (),
        lights=lights, music=music, speed=speed)


def music_word(report: RoomReport, before: str) -> str:
    """The music's health word after ``report``."""
    if report.kind == "device_error":
        return "error"
    if report.kind == "warning":
        return "warning"
    if report.kind == "music":
        return "ok"
    return before


class BoardLink:
    """Feeds the board's publisher from the session's owner thread."""

    def __init__(self, publisher: Publisher, room: str, *, patient: str | None = None,
                 speed: float = 1.0) -> None:
        self.publisher = publisher
        self.speed = speed
        self.room = room
        self.patient = patient
        self.lights = "unknown"
        self.music = "unknown"

    def on_room_report(self, report: RoomReport) -> None:
        """Keep the devices' health words (call on the owner thread)."""
        if report.device == "lights" and report.health is not None:
            self.lights = report.health.value
        elif report.device == "music":
            self.music = music_word(report, self.music)

    def snapshot(self, live: LiveSession | None) -> RoomSnapshot:
        if live is None:
            return room_snapshot(self.room, patient=None, preset=None, state=None, cues=(),
                                 emergency_held=False, lights=self.lights, music=self.music)
        return room_snapshot(self.room, patient=self.patient, preset=live.session.preset,
                             state=live.session.state(), cues=live.controller.cues,
                             emergency_held=live.controller.emergency_held,
                             lights=self.lights, music=self.music, speed=self.speed)

    def update(self, live: LiveSession | None) -> None:
        """Offer the room's state now (cheap; the publisher sends only what is news)."""
        self.publisher.offer(self.snapshot(live))

    def close(self, live: LiveSession | None, *, gone: bool = False) -> None:
        """Publish the last state — or, with ``gone`` (the room's app is closing),
        ``offline`` — and disconnect cleanly (bounded)."""
        self.publisher.close(RoomSnapshot(self.room, "offline") if gone
                             else self.snapshot(live))


def link_report(reachable: bool, message: str) -> DeviceHealth | DeviceError:
    """The record entry for the board's broker becoming reachable or not."""
    if reachable:
        return DeviceHealth(BOARD_DEVICE, message, {"health": "ok"})
    return DeviceError(BOARD_DEVICE, message, "warning", {"health": "unreachable"})


def broker_of(setting: BoardBroker) -> BrokerAddress:
    """The broker the settings name (raises ValueError for an unusable address)."""
    address = parse_broker(setting.address, tls=setting.tls)
    return BrokerAddress(address.host, address.port, setting.username, setting.password,
                         setting.tls)
