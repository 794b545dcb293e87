"""The session service's deferred start-up (issue 14: the window's first frame comes first):
nothing slow in the constructor, the records on first use, and every live control given
before the devices exist handed to them, newest last, once they are up.

Real: the journal (SQLite in a temporary folder). Fake: the room's devices
(:class:`RecordingRoomDevices`, shared with ``test_service``) and the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.clock import ManualClock
from ketaroom.core.targets import LightTarget
from ketaroom.session.pending_room import PendingRoom
from ketaroom.session.room_state import MusicState
from ketaroom.session.service import RoomService
from ketaroom.store.paths import journal_path
from ketaroom.store.settings import Settings
from tests.helpers.fakes import ManualWakeups, phase, preset
from tests.unit.session.test_service import BRIDGE, RecordingRoomDevices, ScriptedDeviceSetup

WARM = LightTarget(35.0, 1.0, kelvin=2400, group="1")
DIM = LightTarget(10.0, 1.0, kelvin=2200, group="1")


@pytest.fixture
def built() -> list[RecordingRoomDevices]:
    """Every room the service built, in order."""
    return []


@pytest.fixture
def deferred(tmp_path: Path, built: list[RecordingRoomDevices]) -> Iterator[RoomService]:
    clock = ManualClock(0)

    def factory(post: Any, **options: Any) -> RecordingRoomDevices:
        room = RecordingRoomDevices(post, **options)
        built.append(room)
        return room

    svc = RoomService(Settings(room_name="Room A", bridge=BRIDGE, max_volume_pct=80.0),
                      tmp_path, demo=False, audio="none", clock_factory=lambda: clock,
                      wakeups_factory=lambda: ManualWakeups(clock),
                      device_setup=ScriptedDeviceSetup().as_setup(), devices_factory=factory,
                      defer=True)
    yield svc
    svc.close()


def test_a_deferred_service_builds_nothing_slow(deferred: RoomService, tmp_path: Path,
                                                built: list[RecordingRoomDevices]) -> None:
    assert built == [] and not deferred.room_ready
    assert isinstance(deferred.room, PendingRoom) and deferred.devices() is None
    assert deferred.bridge is None and not journal_path(tmp_path).exists()
    assert deferred.light_group == "1"  # the room's group, from the settings already
    deferred.open()
    assert journal_path(tmp_path).exists() and deferred.bridge == BRIDGE
    assert built == []  # the devices come with open_room
    deferred.open_room()
    assert deferred.room_ready and deferred.room is built[0]


def test_controls_before_the_devices_reach_them_newest_last(
        deferred: RoomService, built: list[RecordingRoomDevices]) -> None:
    deferred.set_volume(20)
    deferred.set_light(WARM)
    deferred.emergency()
    deferred.set_volume(30)  # the newest volume wins, in the order it was last asked
    deferred.mute(True)
    deferred.skip()  # nothing plays yet: nothing to skip
    assert deferred.state().music == MusicState(None, 0.0, True, "")  # as a fresh engine
    deferred.open_room()
    assert built[0].calls == [("set_light", WARM), ("emergency", None), ("set_volume", 30),
                              ("set_muted", True)]
    deferred.set_light(DIM)  # from now on straight to the room
    assert built[0].calls[-1] == ("set_light", DIM)


def test_a_limit_changed_while_the_devices_start_reaches_them(
        deferred: RoomService, built: list[RecordingRoomDevices]) -> None:
    deferred.apply_settings(Settings(room_name="Room A", bridge=BRIDGE, max_volume_pct=50.0))
    deferred.open_room()
    assert built[0].named("set_max_volume") == [50.0]


def test_a_session_started_before_the_devices_are_up_waits_for_them(
        deferred: RoomService, built: list[RecordingRoomDevices]) -> None:
    deferred.set_volume(25)
    deferred.start_session(preset(phase("A", 600, brightness=40)))
    assert deferred.room_ready and deferred.live is not None
    assert built[0].named("set_volume")[0] == 25
