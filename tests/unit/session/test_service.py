"""The session service — the window's one door — with named fakes for the room's devices
and the set-up calls: which intent reaches which part, the read model, the cap's owner.

Real: the journal (SQLite in a temporary folder), the session, runner, controller and
recorder. Fake: :class:`RecordingRoomDevices` (no libVLC, no bridge) and the clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.clock import ManualClock
from ketaroom.core.limits import LIGHT_TRANSITION_FLOOR_S
from ketaroom.core.preset import LightSpec
from ketaroom.core.targets import RETURN_TRANSITION_S, LightHealth, LightTarget, MusicTarget
from ketaroom.session.device_setup import AudioOutputChoice, DeviceSetup
from ketaroom.session.devices import MusicState, RoomReport
from ketaroom.session.service import RoomService
from ketaroom.store.settings import BridgeSettings, Settings
from tests.helpers.fakes import ManualWakeups, phase, preset


class RecordingRoomDevices:
    """Stands in for :class:`~ketaroom.session.devices.RoomDevices`: records every command
    as ``(method, argument)`` and plays reports the test hands it."""

    def __init__(self, post: Callable[[Callable[[], None]], None], **options: Any) -> None:
        self.options = options
        self.calls: list[tuple[str, Any]] = []
        self.light_groups: list[str | None] = []
        """Every group the room's lights were pointed at (``use_light_group``), in order."""
        self.volume_pct = 0.0
        self.music = MusicState(None, 0.0, False, "")
        self._listeners: list[Callable[[RoomReport], None]] = []
        self.closed = False

    def on_report(self, listener: Callable[[RoomReport], None]) -> None:
        self._listeners.append(listener)

    def report(self, report: RoomReport) -> None:
        for listener in self._listeners:
            listener(report)

    def apply(self, music: MusicTarget | None, light: LightTarget | None) -> None:
        self.calls.append(("apply", (music, light)))

    def switch_music(self, tracks: tuple[Path, ...], fade_s: float, label: str) -> MusicTarget:
        self.calls.append(("switch_music", label))
        return MusicTarget(tracks, self.volume_pct, fade_s, label=label)

    def set_volume(self, pct: float) -> None:
        self.calls.append(("set_volume", pct))

    def set_max_volume(self, pct: float) -> None:
        self.calls.append(("set_max_volume", pct))

    def set_muted(self, muted: bool) -> None:
        self.calls.append(("set_muted", muted))

    def skip_track(self) -> None:
        self.calls.append(("skip_track", None))

    def refresh_gains(self) -> None:
        self.calls.append(("refresh_gains", None))

    def set_light(self, target: LightTarget) -> None:
        self.calls.append(("set_light", target))

    def emergency(self) -> None:
        self.calls.append(("emergency", None))

    def use_light_group(self, group: str | None) -> None:
        self.light_groups.append(group)

    def music_state(self) -> MusicState:
        return self.music

    def flush(self, timeout_s: float) -> bool:
        return True

    def close(self) -> None:
        self.closed = True

    def named(self, method: str) -> list[Any]:
        return [arg for name, arg in self.calls if name == method]


class ScriptedDeviceSetup:
    """The set-up calls, answering from a script and counting what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def as_setup(self) -> DeviceSetup:
        def pair(address: str) -> str:
            self.asked.append(f"pair {address}")
            return "new-user"

        def groups(address: str, username: str) -> list[tuple[str, str]]:
            self.asked.append(f"groups {address} {username}")
            return [("1", "Room A")]

        return DeviceSetup(discover_bridges=lambda _t: [("Hue", "10.0.0.2")], pair_bridge=pair,
                           list_bridge_groups=groups,
                           list_audio_outputs=lambda: [AudioOutputChoice("default", "System")])


BRIDGE = BridgeSettings("127.0.0.1:9", "user", "1")
"""A room bridge (never contacted: the devices are fake), so no demo emulator starts."""


@pytest.fixture
def scripted_setup() -> ScriptedDeviceSetup:
    return ScriptedDeviceSetup()


@pytest.fixture
def service(tmp_path: Path, scripted_setup: ScriptedDeviceSetup) -> Iterator[RoomService]:
    clock = ManualClock(0)
    settings = Settings(room_name="Room A", bridge=BRIDGE, max_volume_pct=80.0)
    svc = RoomService(settings, tmp_path, demo=False, audio="none",
                      clock_factory=lambda: clock, wakeups_factory=lambda: ManualWakeups(clock),
                      device_setup=scripted_setup.as_setup(),
                      devices_factory=RecordingRoomDevices)
    yield svc
    svc.close()


def devices(service: RoomService) -> RecordingRoomDevices:
    room = service.room
    assert isinstance(room, RecordingRoomDevices)
    return room


def recorded(service: RoomService) -> list[tuple[str, dict[str, Any]]]:
    live = service.live
    assert live is not None and live.session_id is not None
    live.recorder.flush(2.0)
    return [(e.kind, e.payload) for e in service.journal.events(live.session_id)]


LIGHT = LightTarget(35.0, 1.0, kelvin=2400, group="1")


def test_before_a_session_intents_go_straight_to_the_room(service: RoomService) -> None:
    service.set_volume(30)
    service.mute(True)
    service.skip()
    service.set_light(LIGHT)
    service.emergency()
    service.record_volume_change(10, 30)  # nothing to record into: ignored
    room = devices(service)
    assert [name for name, _ in room.calls] == ["set_volume", "set_muted", "skip_track",
                                                "set_light", "emergency"]
    assert service.live is None
    assert not service.choose_playlist(Path("evening.m3u"))  # only for a running session


def test_during_a_session_intents_are_recorded_and_reach_the_room(
        service: RoomService) -> None:
    service.start_session(preset(phase("A", 600, brightness=40)))
    room = devices(service)
    service.set_volume(25)
    service.record_volume_change(40, 25)
    service.mute(True)
    service.set_light(LIGHT)
    assert room.named("set_volume") == [25]
    assert room.named("set_muted") == [True]
    assert room.named("set_light") == [LIGHT]
    manual = [payload for kind, payload in recorded(service) if payload.get("manual")]
    assert {"volume": 25.0, "from_volume": 40.0} in [
        {k: p[k] for k in ("volume", "from_volume") if k in p} for p in manual]
    assert any(p.get("muted") is True for p in manual)
    assert any(p.get("brightness") == 35.0 for p in manual)


def test_a_new_loudness_target_reaches_the_music_playing(service: RoomService) -> None:
    """Issue 16: a loudness target changed in Room settings during a session reaches the
    track playing (the player glides to the new gain), not only the next track."""
    service.start_session(preset(phase("A", 600)))
    room = devices(service)
    now = service.settings
    quieter = Settings(rooms=(dataclasses.replace(now.room, loudness_target=-26.0),),
                       current_room=now.current_room)
    service.apply_settings(quieter)
    assert service.loudness.target_lufs == -26.0
    assert room.named("refresh_gains") == [None]
    service.apply_settings(quieter)  # the same target again: nothing to move
    assert room.named("refresh_gains") == [None]


def test_emergency_during_a_session_holds_it(service: RoomService) -> None:
    service.start_session(preset(phase("A", 600)))
    service.emergency()
    assert devices(service).named("emergency") == [None]
    assert service.emergency_held and service.paused()
    assert service.state().emergency_held
    service.resume()
    assert not service.emergency_held


def test_the_rooms_lights_follow_the_sessions_light_group(service: RoomService) -> None:
    """One resolved group reaches the lights (the emergency and the watch follow it): the
    room's own group always; in a room without one, the chosen — then the running —
    preset's fallback; every light only when nothing names a group."""
    fallback_a = dataclasses.replace(preset(phase("A", 600)), light_group="Room A")
    fallback_b = dataclasses.replace(preset(phase("B", 600)), light_group="Room B")
    assert devices(service).light_groups == ["1"]
    service.choose_preset(fallback_a)
    assert devices(service).light_groups[-1] == "1"  # the room's group wins
    service.apply_settings(dataclasses.replace(
        service.settings, bridge=dataclasses.replace(BRIDGE, group=None)))
    room = devices(service)  # a new room: no group of its own
    assert room.light_groups == ["Room A"]  # the chosen preset's fallback
    service.choose_preset(None)
    assert room.light_groups[-1] is None  # nothing names a group: every light
    service.start_session(fallback_a)
    assert devices(service).light_groups[-1] == "Room A"  # the session's group
    service.choose_preset(fallback_b)  # the next session's preset, picked meanwhile
    assert devices(service).light_groups[-1] == "Room A"  # the running session's stays
    assert service.stop()
    assert devices(service).light_groups[-1] == "Room B"  # as the sliders, after the end


def test_resume_after_the_emergency_fades_the_phase_light_back(service: RoomService) -> None:
    """A phase that sets its light at once (transition 0 s) still never makes Resume drop
    the room from the emergency light to the phase's in an instant."""
    instant = dataclasses.replace(phase("A", 600, brightness=10),
                                  light=LightSpec(10.0, 0.0, 2200))
    service.start_session(preset(instant))
    # the phase's own 0 s goes out at the floor (the start of a phase never jumps)
    assert devices(service).named("apply")[-1][1].transition_s == LIGHT_TRANSITION_FLOOR_S
    service.emergency()
    assert service.resume()
    restored = devices(service).named("apply")[-1][1]
    assert (restored.brightness_pct, restored.kelvin) == (10.0, 2200)
    assert restored.transition_s == RETURN_TRANSITION_S


def test_the_cap_has_one_owner(service: RoomService) -> None:
    assert service.state().cap_pct == 80.0  # the room's limit
    service.choose_preset(dataclasses.replace(preset(phase("A", 600)), max_volume_pct=50.0))
    assert service.state().cap_pct == 50.0  # the chosen preset's, shown before Start
    running = dataclasses.replace(preset(phase("A", 600)), max_volume_pct=60.0)
    service.start_session(running)
    service.choose_preset(dataclasses.replace(running, max_volume_pct=20.0))
    assert service.state().cap_pct == 60.0  # the running session's preset wins
    assert devices(service).named("set_max_volume")[-1] == 60.0  # and caps the player


def test_the_read_model_says_what_the_devices_confirmed(service: RoomService) -> None:
    room = devices(service)
    state = service.state()
    assert (state.light, state.light_health) == (None, None)  # nothing confirmed yet
    room.music = MusicState(Path("calm.ogg"), 42.0, False, "evening.m3u")
    room.report(RoomReport("lights", "light", "sent", light=LIGHT, health=LightHealth.OK))
    room.report(RoomReport("lights", "health", "gone", health=LightHealth.UNREACHABLE))
    state = service.state()
    assert state.music == room.music
    assert state.light == LIGHT
    assert state.light_health is LightHealth.UNREACHABLE


def test_a_retired_room_reports_nothing(service: RoomService) -> None:
    heard: list[RoomReport] = []
    service.on_room_report(heard.append)
    service.start_session(preset(phase("A", 600)))
    first = devices(service)
    service.start_session(preset(phase("B", 600)))  # a fresh room for the next session
    assert devices(service) is not first
    first.report(RoomReport("lights", "light", "late", light=LIGHT, health=LightHealth.OK))
    assert heard == [] and service.state().light is None


def test_set_up_calls_go_to_the_injected_setup(service: RoomService,
                                               scripted_setup: ScriptedDeviceSetup) -> None:
    assert service.pair_bridge("10.0.0.2") == "new-user"
    assert service.list_bridge_groups("10.0.0.2", "new-user") == [("1", "Room A")]
    assert service.discover_bridges(0.1) == [("Hue", "10.0.0.2")]
    assert [o.id for o in service.list_audio_outputs()] == ["default"]
    assert scripted_setup.asked == ["pair 10.0.0.2", "groups 10.0.0.2 new-user"]


def test_a_session_is_linked_to_its_patient_and_course(service: RoomService) -> None:
    from ketaroom.store.patients import PatientStore

    store = PatientStore(service.journal)
    course = store.start_course("PT-0042", "induction", planned_sessions=6, spacing_days=3)
    live = service.start_session(preset(phase("A", 600)), course_id=course.id,
                                 patient_id=store.patient("pt-0042").id)
    record = service.journal.session(live.session_id)
    assert (record.patient, record.course_id, record.course_number) == ("PT-0042", course.id, 1)
    assert store.course(course.id).label(record.course_number or 0) == "session 1 of 6"


def test_a_bridge_changed_mid_session_survives_a_later_unrelated_save(
        service: RoomService) -> None:
    """The new bridge waits for the session's end; saving another setting in between (or
    after) must not forget it: the next session runs on the new bridge."""
    new_bridge = dataclasses.replace(BRIDGE, address="127.0.0.1:10")
    service.start_session(preset(phase("A", 600)))
    service.apply_settings(dataclasses.replace(service.settings, bridge=new_bridge))
    assert devices(service).options["bridge"] == BRIDGE  # the session keeps its room
    service.apply_settings(dataclasses.replace(service.settings, extend_step_min=10.0))
    assert service.stop()
    service.apply_settings(dataclasses.replace(service.settings, extend_step_min=15.0))
    service.start_session(preset(phase("B", 600)))
    assert devices(service).options["bridge"] == new_bridge
