"""The light panel steers the session's group: rooms own hardware, presets do not.

A room with no light group of its own (Room settings: "All lights on the bridge") runs a
preset whose ``light_group`` is "Room A": the session's lights go to Room A (the preset's
fallback), and so must the sliders and scenes — never to every light of the bridge, which
would also light up Room B next door. Real window, the Hue emulator over HTTP, two groups.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.devices.lights.conversions import percent_to_bri
from ketaroom.store.paths import presets_dir
from ketaroom.store.settings import BridgeSettings
from ketaroom.ui.light_panel import SCENES
from ketaroom.ui.main_window import MainWindow
from tests.gui.test_main_window import start

pytestmark = pytest.mark.gui

ROOM_A_PRESET = """\
name: Room A evening
light_group: Room A
phases:
  - name: Arrival
    duration: 10m
    light: {brightness: 40, kelvin: 2700, transition: 3s}
"""
NIGHT = next(scene for scene in SCENES if scene.name == "Night")


@pytest.fixture
def two_rooms(data_dir: Path):
    (presets_dir(data_dir) / "room-a.yaml").write_text(ROOM_A_PRESET, encoding="utf-8")
    with HueEmulator(lights=3, rooms={"Room A": [1, 2], "Room B": [3]}) as bridge:
        yield bridge


def room_without_group(window: MainWindow, bridge: HueEmulator) -> None:
    window._on_settings_saved(replace(window.settings, bridge=BridgeSettings(
        bridge.address, bridge.username, None)))
    assert not window.service.demo and window.service.light_group is None


def night_in_room_a(qtbot, bridge: HueEmulator) -> None:
    night = percent_to_bri(NIGHT.brightness_pct)
    qtbot.waitUntil(lambda: [bridge.target_state(i).get("bri") for i in (1, 2)]
                    == [night, night], timeout=6000)


def session_in_room_a(qtbot, make_window, bridge: HueEmulator) -> MainWindow:
    """A window whose room names no group, its session started on the preset's fallback
    group (Room A) and the first phase's 40 % on Room A's first light."""
    window = make_window(preset="room-a.yaml")
    room_without_group(window, bridge)
    start(qtbot, window)
    qtbot.waitUntil(lambda: bridge.target_state(1).get("bri") == percent_to_bri(40),
                    timeout=6000)
    return window


def test_scene_without_a_session_steers_the_chosen_presets_group(qtbot, make_window,
                                                                 two_rooms: HueEmulator
                                                                 ) -> None:
    window = make_window(preset="room-a.yaml")
    room_without_group(window, two_rooms)
    assert window.service.steered_light_group == "Room A"
    before = two_rooms.target_state(3)
    qtbot.mouseClick(window.light_panel.scene_buttons[NIGHT.name], Qt.MouseButton.LeftButton)
    night_in_room_a(qtbot, two_rooms)
    assert two_rooms.target_state(3) == before  # Room B untouched
    assert not any(path.endswith("/groups/0/action") for _t, _m, path, _b, _s
                   in two_rooms.requests())


def test_during_a_session_the_panel_follows_and_steers_the_sessions_group(
        qtbot, make_window, two_rooms: HueEmulator) -> None:
    window = session_in_room_a(qtbot, make_window, two_rooms)
    # the phase's light, confirmed for Room A, is what the panel shows
    qtbot.waitUntil(lambda: window.light_panel.brightness_value.text() == "40 %",
                    timeout=6000)
    before = two_rooms.target_state(3)
    window.light_panel.brightness.setValue(25)  # the clinician's hand
    qtbot.waitUntil(lambda: [two_rooms.target_state(i).get("bri") for i in (1, 2)]
                    == [percent_to_bri(25)] * 2, timeout=6000)
    qtbot.mouseClick(window.light_panel.scene_buttons[NIGHT.name], Qt.MouseButton.LeftButton)
    night_in_room_a(qtbot, two_rooms)
    assert two_rooms.target_state(3) == before  # Room B untouched


# -- the emergency goes to exactly the session's group (issue: "Lights up" lit Room B) --

EMERGENCY_BRI = percent_to_bri(80)


def emergency_in_room_a_only(qtbot, window: MainWindow, bridge: HueEmulator) -> None:
    """Press "Lights up": Room A comes up; Room B's lights and groups are never asked."""
    room_b = bridge.target_state(3)
    bridge.clear_log()
    qtbot.mouseClick(window.emergency_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [bridge.target_state(i).get("bri") for i in (1, 2)]
                    == [EMERGENCY_BRI] * 2, timeout=6000)
    assert window.service.room.flush(3.0)
    assert bridge.target_state(3) == room_b  # Room B untouched
    puts = {path for _t, method, path, _b, _s in bridge.requests() if method == "PUT"}
    assert puts == {f"/api/{bridge.username}/groups/1/action"}  # Room A's group, only


def test_emergency_in_a_session_on_the_presets_fallback_group_lights_only_that_group(
        qtbot, make_window, two_rooms: HueEmulator) -> None:
    window = session_in_room_a(qtbot, make_window, two_rooms)
    emergency_in_room_a_only(qtbot, window, two_rooms)


def test_emergency_before_a_session_lights_only_the_chosen_presets_group(
        qtbot, make_window, two_rooms: HueEmulator) -> None:
    window = make_window(preset="room-a.yaml")
    room_without_group(window, two_rooms)
    assert window.service.steered_light_group == "Room A"
    emergency_in_room_a_only(qtbot, window, two_rooms)
