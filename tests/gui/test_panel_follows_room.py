"""The window says what the room is doing (issue 12.3).

A whole evening walked with the real wiring — demo Hue bridge emulator, libVLC with the
dummy output, SQLite — checking after every step that the light sliders, the music
panel and the status line show the state the devices were sent and confirmed, never a
default, an earlier session's value or a stale message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ketaroom.core.targets import LightTarget
from ketaroom.devices.lights import percent_to_bri
from ketaroom.session.devices import MusicState
from ketaroom.shipped import MUSIC_DIR
from ketaroom.store.paths import presets_dir
from ketaroom.ui.light_panel import SCENES, LightPanel
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.music_panel import MusicPanel

pytestmark = pytest.mark.gui

SCENE = next(s for s in SCENES if s.name == "Reading")


def two_phase_preset() -> str:
    """Phase lights and volumes that differ from every default and from each other."""
    tracks = ", ".join(f'"{t}"' for t in sorted(MUSIC_DIR.glob("*.ogg"))[:2])
    return f"""\
name: Walk
max_volume: 70
phases:
  - name: Arrival
    duration: 10m
    music: {{playlist: [{tracks}], volume: 45, fade: 2s}}
    light: {{brightness: 50, kelvin: 2400, transition: 3s}}
  - name: Deep
    duration: 10m
    music: {{playlist: [{tracks}], volume: 30, fade: 2s}}
    light: {{brightness: 10, kelvin: 2000, transition: 3s}}
"""


@pytest.fixture
def walk_window(make_window, data_dir: Path) -> MainWindow:
    if not any(MUSIC_DIR.glob("*.ogg")):
        pytest.skip("no bundled music")
    (presets_dir(data_dir) / "walk.yaml").write_text(two_phase_preset(), encoding="utf-8")
    return make_window(preset="walk.yaml", audio="dummy")


def shows_light(window: MainWindow, brightness: int, kelvin: int) -> bool:
    """The sliders and their labels show this light — the brightness one on its way there
    while the lights still fade ("32 → 60 %") — and the bridge has it."""
    panel, emulator = window.light_panel, window.service.emulator
    assert emulator is not None
    label = panel.brightness_value.text()
    arrived = panel.brightness.value() == brightness and label == f"{brightness} %"
    return ((arrived or (panel.fading and label.endswith(f"→ {brightness} %")))
            and panel.warmth.value() == kelvin and panel.warmth_value.text() == f"{kelvin} K"
            and emulator.target_state(1).get("bri") == percent_to_bri(brightness))


def shows_volume(window: MainWindow, pct: int) -> bool:
    music = window.music_panel
    player = window.service.room.player
    return (music.volume.value() == pct and music.volume_value.text() == f"{pct} %"
            and round(player.status().target_pct) == pct)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def status_line(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def test_panel_follows_the_room_through_a_whole_evening(qtbot, walk_window) -> None:
    window = walk_window
    panel = window.session_panel
    # Nothing sent yet: the panel shows the room's light as read from the bridge (the demo
    # emulator's lights start off), never a level from before or a guess.
    qtbot.waitUntil(lambda: window.light_panel.brightness_value.text() == "0 %", timeout=4000)
    assert window.light_panel.warmth_value.text() == "—"  # no light on: no warmth to show
    assert window.light_panel.warmth.property("unknown")  # its handle dimmed, as it says
    assert not window.light_panel.brightness.property("unknown")

    click(qtbot, panel.start_button)  # phase 1: 50 %, 2400 K, volume 45
    qtbot.waitUntil(lambda: shows_light(window, 50, 2400), timeout=4000)
    assert not window.light_panel.warmth.property("unknown")
    qtbot.waitUntil(lambda: shows_volume(window, 45), timeout=5000)
    notes = window.notes_panel
    qtbot.keyClicks(notes.editor, "Calm")
    notes.flush()
    qtbot.keyClicks(notes.vital_edits["sys"], "120")
    click(qtbot, notes.record_vitals)
    assert notes.saved.text().startswith("Saved")
    assert notes.vitals_message.text().startswith("Vitals recorded")

    click(qtbot, panel.next_button)  # phase 2: 10 %, 2000 K, volume 30
    click(qtbot, panel.confirm.yes)
    qtbot.waitUntil(lambda: shows_light(window, 10, 2000), timeout=4000)
    qtbot.waitUntil(lambda: shows_volume(window, 30), timeout=5000)

    click(qtbot, window.light_panel.scene_buttons[SCENE.name])
    qtbot.waitUntil(lambda: shows_light(window, round(SCENE.brightness_pct), SCENE.kelvin),
                    timeout=4000)

    click(qtbot, window.emergency_button)  # 80 %, 2700 K, music off, session held
    qtbot.waitUntil(lambda: shows_light(window, 80, 2700), timeout=4000)
    qtbot.waitUntil(lambda: shows_volume(window, 0), timeout=5000)
    assert "Emergency" in status_line(window)

    click(qtbot, panel.pause_button)  # Resume: the phase's light and music again
    assert panel.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: shows_light(window, 10, 2000), timeout=4000)
    qtbot.waitUntil(lambda: shows_volume(window, 30), timeout=5000)
    qtbot.waitUntil(lambda: "Emergency" not in status_line(window), timeout=1000)

    click(qtbot, window.light_panel.scene_buttons[SCENE.name])  # the room ends at 60 %
    qtbot.waitUntil(lambda: shows_light(window, round(SCENE.brightness_pct), SCENE.kelvin),
                    timeout=4000)
    click(qtbot, panel.stop_button)
    click(qtbot, panel.confirm.yes)
    qtbot.waitUntil(lambda: shows_volume(window, 0), timeout=5000)  # fading out
    assert shows_light(window, round(SCENE.brightness_pct), SCENE.kelvin)  # light stays

    window.patient_picker.code.setText("PT-TEST")  # the next session's patient
    click(qtbot, panel.start_button)  # a new session: phase 1 again, nothing kept
    assert notes.saved.text() == "Saved automatically as you type."
    assert not notes.vitals_message.isVisible()
    qtbot.waitUntil(lambda: shows_light(window, 50, 2400), timeout=4000)
    qtbot.waitUntil(lambda: shows_volume(window, 45), timeout=5000)


def test_a_late_confirmation_never_pulls_the_slider_back(qtbot) -> None:
    """Confirmations of earlier drag values arrive after the clinician let go (the bridge
    takes one command a second): the slider stays where it was left, then shows the
    room's state once that is confirmed; a phase or scene confirmed meanwhile wins.
    (The panel alone: the confirmations are played by the test, in a known order.)"""
    group = "Treatment room"
    light = LightPanel(lambda: group)
    qtbot.addWidget(light)
    sent: list[LightTarget] = []
    light.light_requested.connect(sent.append)
    light.brightness.setValue(30)
    light.brightness.setValue(35)
    light.brightness.setValue(70)  # the clinician lets go at 70
    first, last = (LightTarget(float(v), 1.0, kelvin=light.warmth.value(), group=group)
                   for v in (30, 70))
    light.show_confirmed(first)  # a late one
    assert light.brightness.value() == 70
    qtbot.waitUntil(lambda: not light.moving, timeout=2000)
    assert [t.brightness_pct for t in sent] == [30, 70]  # the throttle skipped 35
    light.show_confirmed(first)
    assert light.brightness.value() == 70
    light.show_confirmed(last)
    assert light.brightness_value.text() == "70 %"
    phase = LightTarget(10.0, 8.0, kelvin=2000)
    light.show_confirmed(phase)
    assert (light.brightness.value(), light.warmth_value.text()) == (10, "2000 K")


def test_a_poll_before_the_player_took_the_volume_never_pulls_the_slider_back(
        qtbot, make_window) -> None:
    window = make_window()
    window._timer.stop()  # this test plays the poll itself
    music = window.music_panel

    def poll(target_pct: float) -> None:
        music.show_state(MusicState(None, target_pct, False, ""), window.service.cap_pct)

    music.volume.setValue(20)
    qtbot.waitUntil(lambda: not music.moving, timeout=2000)  # sent
    poll(45)  # the worker thread had not taken it yet
    assert (music.volume.value(), music.volume_value.text()) == (20, "20 %")
    poll(20)  # taken
    poll(30)  # the player's own change afterwards is shown
    assert (music.volume.value(), music.volume_value.text()) == (30, "30 %")
    music.volume.setValue(25)
    qtbot.waitUntil(lambda: not music.moving, timeout=2000)
    window.music_panel.follow_player()  # e.g. the next phase started meanwhile
    poll(10)
    assert (music.volume.value(), music.volume_value.text()) == (10, "10 %")


def test_silence_names_no_playlist(qtbot) -> None:
    """After the session's end (or the emergency) nothing plays: no playlist is named."""
    music = MusicPanel()
    qtbot.addWidget(music)
    music.show_state(MusicState(None, 0.0, False, "session ended"), 100.0)
    assert music.now_playing.text() == "Silence"
    assert "session ended" not in music.playlist.text()
    music.show_state(MusicState(Path("deep_tide.ogg"), 30.0, False, "deep.m3u"), 100.0)
    assert music.playlist.text().startswith("Playlist deep.m3u")
    assert music.now_playing.text() == "deep tide"
