"""The light panel shows the level the room is at now, not where a fade is heading.

During a phase's slow rise the brightness handle moves along with the lights, so a drag
starts from what the patient sees and goes out at a gentle pace from there: dragging "a
little below" the shown value can never brighten the room quickly. A warmth-only change
keeps the fade's end (the lights keep its pace). The panel alone on a manual clock, and
the real window with the demo Hue emulator over HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ketaroom.core.clock import ManualClock
from ketaroom.core.fades import MANUAL_MIN_S
from ketaroom.core.targets import LightTarget
from ketaroom.devices.lights import percent_to_bri
from ketaroom.store.paths import presets_dir
from ketaroom.ui.light_panel import LightPanel
from ketaroom.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

GROUP = "Treatment room"
RISING = """\
name: Rising
phases:
  - name: Low
    duration: 10m
    light: {brightness: 10, kelvin: 2400, transition: 3s}
  - name: Rise
    duration: 10m
    light: {brightness: 90, kelvin: 2400, transition: 2m}
"""


def panel_on(qtbot, clock: ManualClock) -> tuple[LightPanel, list[LightTarget]]:
    light = LightPanel(lambda: GROUP, clock=clock.now)
    qtbot.addWidget(light)
    sent: list[LightTarget] = []
    light.light_requested.connect(sent.append)
    return light, sent


def test_the_handle_follows_a_rising_fade_from_the_level_before(qtbot) -> None:
    clock = ManualClock(100.0)
    light, sent = panel_on(qtbot, clock)
    light.show_confirmed(LightTarget(10.0, 3.0, kelvin=2400, group=GROUP))
    clock.advance(5)
    light.show_confirmed(LightTarget(90.0, 60.0, kelvin=2400, group=GROUP))  # the rise
    assert (light.brightness.value(), light.brightness_value.text()) == (10, "10 → 90 %")
    clock.advance(30)
    qtbot.waitUntil(lambda: light.brightness.value() == 50, timeout=2000)
    assert light.brightness_value.text() == "50 → 90 %"
    clock.advance(30)
    qtbot.waitUntil(lambda: light.brightness_value.text() == "90 %", timeout=2000)
    assert light.brightness.value() == 90 and sent == []  # showing sends nothing


def test_a_drag_during_the_rise_starts_where_the_room_is(qtbot) -> None:
    clock = ManualClock(100.0)
    light, sent = panel_on(qtbot, clock)
    light.show_confirmed(LightTarget(10.0, 3.0, kelvin=2400, group=GROUP))
    clock.advance(5)
    light.show_confirmed(LightTarget(90.0, 60.0, kelvin=2400, group=GROUP))
    clock.advance(15)  # the room is at 30 %
    qtbot.waitUntil(lambda: light.brightness.value() == 30, timeout=2000)
    light.brightness.setValue(28)  # a little below what the patient sees
    assert sent[-1].brightness_pct == 28 and sent[-1].transition_s == MANUAL_MIN_S
    light.brightness.setValue(70)  # a flick up: 40 points at 20 %/s, not in 1 s
    qtbot.waitUntil(lambda: sent[-1].brightness_pct == 70, timeout=2000)
    assert sent[-1].transition_s == pytest.approx(2.0)


def test_a_warmth_change_during_the_rise_keeps_its_end(qtbot) -> None:
    """Only the warmth moves: the brightness sent is the fade's end, so the lights keep the
    fade's pace (they stretch such a change over its remaining time) instead of stopping
    the rise where it is."""
    clock = ManualClock(100.0)
    light, sent = panel_on(qtbot, clock)
    light.show_confirmed(LightTarget(10.0, 3.0, kelvin=2400, group=GROUP))
    clock.advance(5)
    light.show_confirmed(LightTarget(90.0, 60.0, kelvin=2400, group=GROUP))
    clock.advance(15)
    qtbot.waitUntil(lambda: light.brightness.value() == 30, timeout=2000)
    light.warmth.setValue(3000)
    assert (sent[-1].brightness_pct, sent[-1].kelvin) == (90.0, 3000)


@pytest.fixture
def rising_window(make_window, data_dir: Path) -> MainWindow:
    (presets_dir(data_dir) / "rising.yaml").write_text(RISING, encoding="utf-8")
    return make_window(preset="rising.yaml")


def room_pct(window: MainWindow) -> float:
    """The brightness light 1 of the demo bridge is at now (mid-fade), percent."""
    emulator = window.service.emulator
    assert emulator is not None
    return (emulator.light_state(1)["bri"] - 1) * 99.0 / 253.0 + 1.0


def test_in_the_window_a_drag_during_a_rise_never_brightens_the_room_quickly(
        qtbot, rising_window: MainWindow) -> None:
    window, light = rising_window, rising_window.light_panel
    emulator = window.service.emulator
    assert emulator is not None
    panel = window.session_panel
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: light.brightness_value.text() == "10 %" and not light.fading
                    and abs(room_pct(window) - 10) < 1, timeout=8000)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.confirm.yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: light.brightness_value.text().endswith("→ 90 %"), timeout=4000)
    # the panel shows the room, two minutes from 90 %, not the fade's end
    shown = light.brightness.value()
    assert shown < 20 and abs(shown - room_pct(window)) <= 3, (shown, room_pct(window))

    emulator.clear_log()
    wanted = shown + 5
    light.brightness.setSliderDown(True)  # the clinician drags a little
    light.brightness.setValue(wanted)
    light.brightness.setSliderDown(False)
    bri = percent_to_bri(wanted)
    qtbot.waitUntil(lambda: any(isinstance(body, dict) and body.get("bri") == bri
                                for _t, _m, _p, body, _s in emulator.requests()), timeout=4000)
    body = next(body for _t, _m, _p, body, _s in emulator.requests()
                if isinstance(body, dict) and body.get("bri") == bri)
    assert body["transitiontime"] >= round(MANUAL_MIN_S * 10)
    # the room goes there from where it was, never past it
    qtbot.waitUntil(lambda: emulator.light_state(1)["bri"] == bri, timeout=4000)
    assert emulator.target_state(1)["bri"] == bri
    qtbot.waitUntil(lambda: light.brightness_value.text() == f"{wanted} %", timeout=4000)
