"""The room's state for the board, from the session (pure: no broker)."""

from __future__ import annotations

from pathlib import Path

from ketaroom.core.board import RoomSnapshot
from ketaroom.core.clock import ManualClock
from ketaroom.core.session import Session
from ketaroom.core.validation import load_preset
from ketaroom.session.board import BoardLink, cues_due, room_snapshot, room_status
from ketaroom.session.controller import CueRecord
from ketaroom.session.devices import RoomReport
from ketaroom.shipped import PLAYLISTS_DIR, PRESETS_DIR

DEMO = load_preset(Path(PRESETS_DIR) / "demo-3min.yaml", playlist_dirs=[PLAYLISTS_DIR]).preset
assert DEMO is not None


def test_status_words():
    clock = ManualClock()
    session = Session(DEMO, clock)
    assert room_status(None, False) == "idle"
    assert room_status(session.state(), False) == "idle"
    session.start()
    assert room_status(session.state(), False) == "running"
    assert room_status(session.state(), True) == "emergency"
    session.pause()
    assert room_status(session.state(), False) == "paused"
    session.stop()
    assert room_status(session.state(), True) == "ended"


def test_a_running_session_as_the_board_sees_it():
    clock = ManualClock()
    session = Session(DEMO, clock)
    session.start()
    clock.advance(20)
    cues = [CueRecord(1, 0, 0, 15.0)]
    snapshot = room_snapshot("Room A", patient="PT-0042", preset=DEMO, state=session.state(),
                             cues=cues, emergency_held=False, lights="ok", music="ok")
    assert snapshot == RoomSnapshot(
        "Room A", "running", preset="Demo (3 minutes)", patient="PT-0042", phase="Arrival",
        phase_index=0, phase_remaining_s=25.0, session_elapsed_s=20.0,
        cues_due=("Baseline BP",), lights="ok", music="ok")


def test_acknowledged_and_unknown_cues_are_not_due():
    cues = [CueRecord(1, 0, 0, 15.0, acknowledged=True), CueRecord(2, 1, 0, 75.0),
            CueRecord(3, 9, 0, 80.0), CueRecord(4, 1, 7, 80.0)]
    assert cues_due(DEMO, cues) == ("How is the patient? Add a note",)


def test_an_ended_session_has_no_clock_and_no_cues():
    clock = ManualClock()
    session = Session(DEMO, clock)
    session.start()
    clock.advance(50)
    session.stop()
    snapshot = room_snapshot("A", patient=None, preset=DEMO, state=session.state(),
                             cues=[CueRecord(1, 0, 0, 15.0)], emergency_held=False,
                             lights="ok", music="ok")
    assert (snapshot.status, snapshot.phase_remaining_s, snapshot.cues_due) == ("ended", None, ())


class Kept:
    def __init__(self) -> None:
        self.offered: list[RoomSnapshot] = []

    def offer(self, snapshot: RoomSnapshot) -> bool:
        self.offered.append(snapshot)
        return True

    def close(self, final: RoomSnapshot | None = None, timeout_s: float = 2.0) -> None:
        if final is not None:
            self.offered.append(final)


def test_health_words_follow_the_devices_reports():
    from ketaroom.core.targets import LightHealth

    kept = Kept()
    link = BoardLink(kept, "Room A")
    link.on_room_report(RoomReport("lights", "health", "gone", health=LightHealth.UNREACHABLE))
    link.on_room_report(RoomReport("music", "device_error", "engine failed"))
    link.update(None)
    assert (kept.offered[-1].status, kept.offered[-1].lights, kept.offered[-1].music) == (
        "idle", "unreachable", "error")
    link.on_room_report(RoomReport("music", "music", "playing"))
    link.close(None)
    assert kept.offered[-1].music == "ok"


def test_the_settings_broker_with_its_credentials():
    from ketaroom.core.board import BrokerAddress
    from ketaroom.session.board import broker_of
    from ketaroom.store.settings import BoardBroker

    assert broker_of(BoardBroker("mq.clinic", "u", "p", True)) == BrokerAddress(
        "mq.clinic", 8883, "u", "p", True)
    assert broker_of(BoardBroker("10.0.0.2:1884")).port == 1884
