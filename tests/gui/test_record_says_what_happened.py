"""The record says what happened (issue 12.4), read back from the real SQLite journal."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from ketaroom.store.journal import Journal
from ketaroom.store.paths import presets_dir
from ketaroom.store.session_records import EventRecord
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.music_panel import VOLUME_QUIET_MS
from ketaroom.ui.notes_panel import AUTOSAVE_MS

pytestmark = pytest.mark.gui

NOTE_CUE = """\
name: Note cue
phases:
  - name: Arrival
    duration: 10m
    light: {brightness: 40, kelvin: 2700, transition: 3s}
    cues:
      - at: 1s
        prompt: How does the patient describe the room?
        kind: note
"""


def journal_events(window: MainWindow) -> list[EventRecord]:
    live = window.live
    assert live is not None and live.recorder.flush(5.0)
    with Journal(window.service.journal.path) as journal:
        return journal.events(live.session_id)


def start(qtbot, window: MainWindow) -> None:
    if not window.patient_picker.code.text():  # each session needs its patient
        window.patient_picker.code.setText("PT-TEST")
    qtbot.mouseClick(window.session_panel.start_button, Qt.MouseButton.LeftButton)
    assert window.live is not None


def saved(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.notes_panel.dirty, timeout=AUTOSAVE_MS + 1000)


def test_a_note_cue_starts_its_own_note_and_is_done_when_it_is_saved(
        qtbot, make_window, data_dir: Path) -> None:
    (presets_dir(data_dir) / "note-cue.yaml").write_text(NOTE_CUE, encoding="utf-8")
    window = make_window(preset="note-cue.yaml")
    start(qtbot, window)
    notes, cues = window.notes_panel, window.cue_panel
    qtbot.keyClicks(notes.editor, "Arrived calm")
    qtbot.mouseClick(notes.tag_buttons["anxiety"], Qt.MouseButton.LeftButton)
    saved(qtbot, window)
    qtbot.waitUntil(lambda: len(cues.waiting) == 1, timeout=4000)  # the cue at 1 s
    cue_ticket = cues.waiting[0]
    card = cues.card(cue_ticket)
    assert card is not None

    qtbot.mouseClick(card.note_button, Qt.MouseButton.LeftButton)
    assert notes.editor.hasFocus() and notes.editor.toPlainText() == ""
    assert not any(b.isChecked() for b in notes.tag_buttons.values())
    assert "describe the room" in notes.editor.placeholderText()
    assert cues.waiting == [cue_ticket]  # nothing written yet: the cue still waits
    qtbot.keyClicks(notes.editor, "Says the walls are breathing")
    saved(qtbot, window)
    window._on_refresh()
    assert cues.waiting == []

    events = journal_events(window)
    cue = next(e for e in events if e.kind == "cue")
    texts = [(e.payload["text"], e.payload["tags"]) for e in events if e.kind == "note"]
    assert texts == [("Arrived calm", ["anxiety"]), ("Says the walls are breathing", [])]
    answer = [e for e in events if e.kind == "note"][-1]
    assert answer.payload["cue"]["phase_index"] == 0
    assert answer.payload["cue"]["cue_index"] == 0
    assert not [e for e in events if e.kind == "note_correction"]
    ack = next(e for e in events if e.kind == "cue_ack")
    assert ack.refers_to == cue.id and ack.id > answer.id  # done when the note was saved


def test_adding_a_tag_is_not_a_correction_of_the_text(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    notes = window.notes_panel
    qtbot.keyClicks(notes.editor, "Nauseous")
    saved(qtbot, window)
    qtbot.mouseClick(notes.tag_buttons["nausea"], Qt.MouseButton.LeftButton)
    saved(qtbot, window)
    qtbot.keyClicks(notes.editor, ", given ondansetron")
    saved(qtbot, window)

    events = journal_events(window)
    note = next(e for e in events if e.kind == "note")
    tags = [e for e in events if e.kind == "note_tags"]
    assert len(tags) == 1 and tags[0].refers_to == note.id
    assert tags[0].payload["tags"] == ["nausea"]
    corrections = [e for e in events if e.kind == "note_correction"]
    assert [c.payload["text"] for c in corrections] == ["Nauseous, given ondansetron"]
    assert "#nausea" in notes.history.item(0).text()


def manual_volumes(window: MainWindow) -> list[EventRecord]:
    return [e for e in journal_events(window)
            if e.kind == "music" and e.payload.get("manual") and "volume" in e.payload]


def handle_center(slider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                         QStyle.SubControl.SC_SliderHandle, slider)
    return rect.center()


def test_a_volume_drag_is_one_record_with_start_and_end(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    volume = window.music_panel.volume
    before = volume.value()
    begin = handle_center(volume)
    qtbot.mousePress(volume, Qt.MouseButton.LeftButton, pos=begin)
    for step in range(1, 9):  # a slow drag to the right: many values reach the room
        qtbot.mouseMove(volume, begin + QPoint(step * 20, 0))
        qtbot.wait(60)
    qtbot.mouseRelease(volume, Qt.MouseButton.LeftButton, pos=begin + QPoint(160, 0))
    end = volume.value()
    assert end > before + 20
    qtbot.waitUntil(lambda: round(window.service.room.player.status().target_pct) == end,
                    timeout=2000)  # the room has the last value
    records = manual_volumes(window)
    assert len(records) == 1
    assert (records[0].payload["from_volume"], records[0].payload["volume"]) == (before, end)


def test_keyboard_steps_are_one_record_after_a_quiet_moment(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    volume = window.music_panel.volume
    volume.setFocus()
    before = volume.value()
    for _ in range(6):
        qtbot.keyClick(volume, Qt.Key.Key_Right)
    assert volume.value() == before + 6
    qtbot.waitUntil(lambda: len(manual_volumes(window)) == 1, timeout=VOLUME_QUIET_MS + 2000)
    record = manual_volumes(window)[0]
    assert (record.payload["from_volume"], record.payload["volume"]) == (before, before + 6)


def test_the_record_keeps_the_preset_as_loaded_even_if_the_file_changed(
        qtbot, make_window, data_dir: Path) -> None:
    path = presets_dir(data_dir) / "note-cue.yaml"
    path.write_text(NOTE_CUE, encoding="utf-8")
    window = make_window(preset="note-cue.yaml")
    path.write_text(NOTE_CUE.replace("duration: 10m", "duration: 90m"), encoding="utf-8")
    start(qtbot, window)
    live = window.live
    assert live is not None and live.recorder.flush(5.0)
    with Journal(window.service.journal.path) as journal:
        stored = journal.session(live.session_id)
    assert stored.preset_yaml == NOTE_CUE
    assert live.session.preset.phases[0].planned_s == 600  # and that is what runs
