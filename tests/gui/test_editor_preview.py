"""Music and light previews from the preset editor, on the real room of the main window.

The window runs in demo mode (Hue bridge emulator) with real libVLC on its dummy output.
A preview plays and lights the room only while no session runs; during a session its
controls are disabled and nothing of it reaches the room.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from ketaroom.core.preset_library import PresetLibrary
from ketaroom.core.targets import LightTarget, MusicTarget
from ketaroom.devices.lights import percent_to_bri
from ketaroom.shipped import MUSIC_DIR
from ketaroom.store.paths import presets_dir
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.preset_editor import PresetEditor
from ketaroom.ui.preset_library_view import PresetLibraryView
from ketaroom.ui.preview import (
    MAX_PREVIEW_VOLUME_PCT,
    PREVIEW_S,
    SESSION_RUNNING,
    RoomPreview,
    first_track,
    light_from_section,
)

pytestmark = pytest.mark.gui

SCREENSHOT_PRESET = """\
name: Evening infusion
phases:
  - name: Arrival
    duration: 15m
    music: {playlist: demo.m3u, volume: 35, fade: 10s}
    light: {brightness: 35, kelvin: 2700, transition: 20s}
  - name: Infusion
    duration: 40m
    music: {playlist: deep.m3u, volume: 30, fade: 30s}
    light: {brightness: 12, kelvin: 2200, transition: 1m}
"""
needs_music = pytest.mark.skipif(not any(MUSIC_DIR.glob("*.ogg")), reason="no bundled music")


def open_editor(qtbot, window: MainWindow, preset: str) -> PresetEditor:
    """Clinic → Presets…, unlock with a first PIN, select ``preset`` (a clinic file)."""
    window.service.gate.set_first_pin("2580")
    window._on_open_presets()
    view = window._side_windows["presets"]
    assert isinstance(view, PresetLibraryView)
    row = next(i for i in range(view.list.count())
               if Path(view.list.item(i).data(Qt.ItemDataRole.UserRole)).name == preset)
    view.list.setCurrentRow(row)
    editor = view.editor
    editor._check_gate()
    assert not editor.is_locked() and not editor.read_only
    editor.select_phase(0)
    return editor


def start_session(qtbot, window: MainWindow) -> None:
    if not window.patient_picker.code.text():  # each session needs its patient
        window.patient_picker.code.setText("PT-TEST")
    qtbot.mouseClick(window.session_panel.start_button, Qt.MouseButton.LeftButton)
    assert window._running()


def record_calls(monkeypatch, room: Any) -> list[object]:
    """Every music and light target sent to ``room`` from now on."""
    sent: list[object] = []
    for device in (room.player, room.lights):
        original = device.apply

        def spy(target: object, original: Any = original) -> None:
            sent.append(target)
            original(target)
        monkeypatch.setattr(device, "apply", spy)
    return sent


@needs_music
def test_music_preview_plays_the_playlist_then_fades(qtbot, make_window) -> None:
    window = make_window(preset="with-music.yaml", audio="dummy")
    editor = open_editor(qtbot, window, "with-music.yaml")
    player = window.service.room.player
    button = editor.music_preview_button
    assert button.isVisible() and button.isEnabled()
    playlist = {p.name for p in sorted(MUSIC_DIR.glob("*.ogg"))[:2]}

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.isChecked() and button.text() == "Stop"
    qtbot.waitUntil(lambda: player.status().track is not None, timeout=5000)
    status = player.status()
    assert status.track.name in playlist and status.target_pct == 40  # phase volume 40
    assert editor.music_preview_status.text().startswith(f"Previewing {status.track.stem} — 0:")

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # off: fades to silence
    assert not button.isChecked() and button.text() == "Preview"
    qtbot.waitUntil(lambda: player.status().target_pct == 0, timeout=3000)
    qtbot.waitUntil(lambda: player.status().track is None, timeout=5000)


def test_live_light_preview_follows_edits_and_goes_back(qtbot, make_window) -> None:
    window = make_window()
    editor = open_editor(qtbot, window, "a-lights-only.yaml")
    emulator = window.service.emulator
    assert emulator is not None
    check = editor.light_preview_check
    assert check.isVisible() and check.isEnabled()
    assert not editor.room_light_button.isEnabled()  # nothing previewed yet

    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(12, check.height() // 2))
    assert check.isChecked()
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(40),
                    timeout=3000)  # the phase's light, at once
    editor.brightness_spin.setValue(12)
    editor.brightness_spin.setValue(15)  # two quick edits: one command after the pause
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(15),
                    timeout=3000)
    assert emulator.target_state(1).get("ct") == round(1e6 / 2700)

    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(12, check.height() // 2))
    assert "keeps the previewed light" in editor.light_preview_status.text()
    assert editor.room_light_button.isEnabled()
    window.light_panel.show_confirmed(LightTarget(60.0, 1.0, kelvin=3000))  # the room light
    qtbot.mouseClick(editor.room_light_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(60),
                    timeout=3000)
    assert not editor.room_light_button.isEnabled()


@needs_music
def test_during_a_session_previews_are_disabled_and_never_reach_the_room(
        qtbot, make_window, monkeypatch) -> None:
    window = make_window(preset="with-music.yaml", audio="dummy")
    editor = open_editor(qtbot, window, "with-music.yaml")
    qtbot.mouseClick(editor.music_preview_button, Qt.MouseButton.LeftButton)
    editor.light_preview_check.setChecked(True)
    assert editor.preview is not None and editor.preview.music_track is not None

    start_session(qtbot, window)  # the session takes the room over mid-preview
    room = window.live.room
    sent = record_calls(monkeypatch, room)
    qtbot.waitUntil(lambda: not editor.music_preview_button.isEnabled(), timeout=2000)
    for control in (editor.music_preview_button, editor.light_preview_check):
        assert not control.isEnabled() and not control.isChecked()
        assert SESSION_RUNNING in control.toolTip()
    assert not editor.room_light_button.isEnabled()

    # Clicks on disabled controls, a forced toggle, edits, a phase change and closing
    qtbot.mouseClick(editor.music_preview_button, Qt.MouseButton.LeftButton)
    editor.music_preview_button.setChecked(True)
    editor.light_preview_check.setChecked(True)
    editor.brightness_spin.setValue(5)
    editor.select_phase(0)
    window._side_windows["presets"].close()
    preview = editor.preview
    assert not preview.music((Path("x.ogg"),), 30)
    assert not preview.light(LightTarget(5, 2))
    assert not preview.restore_light()
    qtbot.wait(800)  # past the light debounce and a preview tick
    assert sent == []
    # the session's phase (files listed in the preset: no playlist name), not the preview
    qtbot.waitUntil(lambda: room.player.status().playlist_label == "", timeout=5000)
    assert room.player.status().target_pct == 40  # the session's music, not faded


class FakeDevice:
    def __init__(self) -> None:
        self.sent: list[object] = []

    def apply(self, target: object) -> None:
        self.sent.append(target)


class FakeRoom:
    def __init__(self) -> None:
        self.player, self.lights = FakeDevice(), FakeDevice()


def test_music_preview_is_capped_and_ends_after_twenty_seconds(qtbot, tmp_path) -> None:
    (tmp_path / "a.ogg").write_bytes(b"OggS")
    (tmp_path / "calm.m3u").write_text("#EXTM3U\nmissing.ogg\na.ogg\n")
    library = PresetLibrary(tmp_path / "clinic", tmp_path / "shipped",
                            playlist_dirs=[tmp_path], user="test")
    assert first_track("calm.m3u", tmp_path, []) == (tmp_path / "a.ogg").resolve()
    assert first_track(["nope.ogg", "a.ogg"], tmp_path / "clinic", [tmp_path]) is not None
    assert light_from_section({"brightness": 30, "color": "#ff9"}) is None  # half typed
    room, now = FakeRoom(), [0.0]
    preview = RoomPreview(lambda: room, lambda: False, clock=lambda: now[0])  # type: ignore
    editor = PresetEditor(library, preview=preview)
    qtbot.addWidget(editor)
    editor.select_phase(0)
    editor.music_group.setChecked(True)
    editor.volume_spin.setValue(90)
    editor.music_preview_button.setChecked(True)
    started = room.player.sent[-1]
    assert isinstance(started, MusicTarget) and started.volume_pct == MAX_PREVIEW_VOLUME_PCT
    assert started.fade_s > 0 and started.tracks == ((tmp_path / "a.ogg").resolve(),)
    now[0] = PREVIEW_S - 12
    editor._on_preview_tick()
    assert editor.music_preview_status.text() == "Previewing a — 0:12 left"
    now[0] = PREVIEW_S
    editor._on_preview_tick()
    assert not editor.music_preview_button.isChecked()
    stopped = room.player.sent[-1]
    assert isinstance(stopped, MusicTarget) and stopped.silent and stopped.fade_s > 0
    editor.stop_previews()  # nothing left to stop: nothing more is sent
    assert len(room.player.sent) == 2


def test_without_a_preview_the_controls_are_hidden(qtbot, tmp_path) -> None:
    library = PresetLibrary(tmp_path / "clinic", tmp_path / "shipped", user="test")
    editor = PresetEditor(library)
    qtbot.addWidget(editor)
    editor.show()
    for widget in (editor.music_preview_button, editor.light_preview_check,
                   editor.room_light_button, editor.music_preview_status):
        assert not widget.isVisible()


@pytest.mark.skipif(not os.environ.get("KETAROOM_SCREENSHOT_DIR"),
                    reason="set KETAROOM_SCREENSHOT_DIR to write the preview screenshot")
@needs_music
def test_screenshot_editor_preview(qtbot, make_window, data_dir: Path) -> None:
    """Evidence for the docs: run under xvfb-run with QT_QPA_PLATFORM=xcb."""
    (presets_dir(data_dir) / "evening.yaml").write_text(SCREENSHOT_PRESET, encoding="utf-8")
    window = make_window(preset="with-music.yaml", audio="dummy")
    editor = open_editor(qtbot, window, "evening.yaml")
    view = window._side_windows["presets"]
    view.resize(1280, 1000)
    qtbot.mouseClick(editor.music_preview_button, Qt.MouseButton.LeftButton)
    editor.light_preview_check.setChecked(True)
    qtbot.waitUntil(lambda: window.service.room.player.status().track is not None,
                    timeout=5000)
    scroll = editor.phase_panel.parentWidget().parentWidget()
    scroll.ensureWidgetVisible(editor.light_preview_status)
    qtbot.wait(1200)
    out = Path(os.environ["KETAROOM_SCREENSHOT_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(out / "editor-preview.png"))
