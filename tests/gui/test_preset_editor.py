"""Preset editor, library view and PIN gate, driven through real widgets (pytest-qt)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import QModelIndex, QPoint, Qt

from ketaroom.core.preset_library import PresetLibrary
from ketaroom.core.validation import load_preset
from ketaroom.shipped import PRESETS_DIR
from ketaroom.store.admin_pin import AdminGate, AdminPin
from ketaroom.ui.preset_editor import PresetEditor
from ketaroom.ui.preset_library_view import PresetLibraryView

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken" / "many_problems.yaml"
SHIPPED_TEXT = """\
# Shipped example: the comment block cites the practice it follows.
name: Calm evening   # shown in the UI
phases:
  - name: Arrival
    duration: 10m    # settle in
    music:
      playlist: calm.m3u
      volume: 40
    light:
      brightness: 50   # half
      kelvin: 2700
  # the deep part
  - name: Deep
    duration: 20m
    light: {brightness: 10, color: "#ffb070", transition: 1m}
"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def library(tmp_path: Path) -> PresetLibrary:
    shipped = tmp_path / "shipped"
    playlists = tmp_path / "playlists"
    shipped.mkdir()
    playlists.mkdir()
    (playlists / "tone.wav").write_bytes(b"RIFF")
    (playlists / "calm.m3u").write_text("#EXTM3U\ntone.wav\n")
    (shipped / "calm-evening.yaml").write_text(SHIPPED_TEXT, encoding="utf-8")
    return PresetLibrary(tmp_path / "clinic", shipped, playlist_dirs=[playlists], user="test")


def make_editor(qtbot, library: PresetLibrary, path: Path | None = None, **kwargs
                ) -> PresetEditor:
    editor = PresetEditor(library, path, **kwargs)
    qtbot.addWidget(editor)
    editor.resize(1280, 800)
    editor.show()
    return editor


def retype(qtbot, widget, text: str) -> None:
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    qtbot.keyClicks(widget, text)


def test_build_a_preset_and_save_a_valid_file(qtbot, library: PresetLibrary):
    editor = make_editor(qtbot, library)
    retype(qtbot, editor.name_edit, "Evening protocol")
    qtbot.mouseClick(editor.add_phase_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.add_phase_button, Qt.MouseButton.LeftButton)
    assert editor.phase_model.rowCount() == 3

    editor.select_phase(1)
    retype(qtbot, editor.phase_name_edit, "Deep")
    retype(qtbot, editor.duration_edit, "25m")
    editor.light_group.setChecked(True)
    editor.brightness_spin.setValue(15)
    editor.music_group.setChecked(True)
    assert editor.playlist_combo.findText("calm.m3u") >= 0
    editor.volume_spin.setValue(35)
    qtbot.mouseClick(editor.add_cue_button, Qt.MouseButton.LeftButton)
    editor.cue_table.item(0, 0).setText("5m")
    editor.cue_table.item(0, 1).setText("Check blood pressure")
    kind = editor.cue_table.cellWidget(0, 2)
    kind.setCurrentText("vitals")
    kind.activated.emit(kind.currentIndex())

    editor.select_phase(2)
    check = editor.open_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(12, check.height() // 2))
    assert not editor.duration_edit.isEnabled()
    retype(qtbot, editor.expected_edit, "15m")

    assert editor.save(), editor.problems()
    assert editor.path.parent == library.clinic_dir
    preset = load_preset(editor.path, playlist_dirs=library.playlist_dirs).preset
    assert preset is not None and preset.name == "Evening protocol"
    assert [p.name for p in preset.phases] == ["Arrival", "Deep", "New phase 2"]
    deep = preset.phases[1]
    assert deep.duration_s == 1500 and deep.light.brightness_pct == 15
    assert deep.light.kelvin == 2700 and deep.music.volume_pct == 35
    assert [(c.at_s, c.prompt, c.kind.value) for c in deep.cues] == [
        (300, "Check blood pressure", "vitals")]
    assert preset.phases[2].is_open and preset.phases[2].expected_s == 900
    assert editor.undo_stack.isClean()


def test_shipped_copy_edit_keeps_comments_and_undo_restores(qtbot, library: PresetLibrary):
    shipped = library.shipped_dir / "calm-evening.yaml"
    editor = make_editor(qtbot, library, shipped)
    assert editor.read_only and editor.banner.isVisible()
    assert not editor.save_button.isEnabled() and not editor.phase_panel.isEnabled()
    qtbot.mouseClick(editor.duplicate_button, Qt.MouseButton.LeftButton)
    assert not editor.read_only and editor.path.parent == library.clinic_dir
    original = editor.text()

    editor.select_phase(0)
    editor.brightness_spin.setValue(35)
    editor.select_phase(1)
    retype(qtbot, editor.colour_edit, "#ff9050")
    assert editor.save(), editor.problems()
    text = editor.path.read_text()
    for comment in ("# Shipped example", "# shown in the UI", "# settle in", "# half",
                    "# the deep part"):
        assert comment in text
    assert "brightness: 35   # half" in text
    assert 'color: "#ff9050"' in text and "{brightness: 10" in text
    assert shipped.read_text() == SHIPPED_TEXT

    editor.undo_stack.undo()  # the colour, typed in one go, is one step
    editor.undo_stack.undo()
    assert editor.text() == original
    editor.undo_stack.redo()
    assert "brightness: 35" in editor.text()


def test_live_validation_flags_a_cue_past_its_phase(qtbot, library: PresetLibrary):
    editor = make_editor(qtbot, library)
    editor.add_phase()
    editor.select_phase(0)
    qtbot.mouseClick(editor.add_cue_button, Qt.MouseButton.LeftButton)
    editor.cue_table.item(0, 0).setText("15m")

    qtbot.waitUntil(lambda: any("outside its phase" in p for p in editor.problems()),
                    timeout=2000)
    line = next(p for p in editor.problems() if "outside its phase" in p)  # noqa: RUF100
    assert line.startswith("Line ") and "phases[0].cues[0].at: 15m" in line
    assert editor.cue_table.property("problem") is True
    assert "outside its phase" in editor.phase_problems.text()
    assert not editor.save()  # nothing written while invalid
    assert not library.clinic_dir.exists() or not any(library.clinic_dir.iterdir())

    editor.select_phase(1)  # clicking the message goes back to the phase at fault
    item = next(editor.problem_list.item(i) for i in range(editor.problem_list.count())
                if "outside" in editor.problem_list.item(i).text())
    editor._on_problem_clicked(item)
    assert editor.phase_table.currentIndex().row() == 0

    editor.cue_table.item(0, 0).setText("5m")
    qtbot.waitUntil(lambda: editor.problems()[0].startswith("No problems"), timeout=2000)


def test_a_0s_transition_is_a_note_and_the_preset_still_saves(qtbot, library: PresetLibrary,
                                                              tmp_path: Path):
    """The editor shows the validator's warning (one validator, one set of limits): the
    session will fade over the floor; the preset is not refused."""
    editor = make_editor(qtbot, library)
    editor.select_phase(0)
    editor.light_group.setChecked(True)
    retype(qtbot, editor.transition_edit, "0s")
    qtbot.waitUntil(lambda: any("would make the lights jump" in p for p in editor.problems()),
                    timeout=2000)
    note = next(p for p in editor.problems() if "jump" in p)
    assert note.startswith("Line ") and ": Note: phases[0].light.transition: 0s would make " \
        "the lights jump; 3s will be used" in note
    assert editor.transition_edit.property("problem") is not True  # a note, not an error
    if os.environ.get("KETAROOM_SCREENSHOT_DIR"):
        editor.grab().save(str(Path(os.environ["KETAROOM_SCREENSHOT_DIR"]) /
                               "editor-transition-note.png"))
    assert editor.save(), editor.problems()


def test_phases_reorder_by_drag_and_buttons(qtbot, library: PresetLibrary):
    editor = make_editor(qtbot, library)
    editor.add_phase()
    editor.add_phase()
    names = lambda: [p["name"] for p in editor.document()["phases"]]  # noqa: E731
    assert names() == ["Arrival", "New phase", "New phase 2"]
    model = editor.phase_model
    mime = model.mimeData([model.index(0, 0)])
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 3, 0, QModelIndex())
    assert names() == ["New phase", "New phase 2", "Arrival"]
    editor.select_phase(2)
    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)
    assert names() == ["New phase", "Arrival", "New phase 2"]
    assert editor.phase_table.currentIndex().row() == 1
    qtbot.mouseClick(editor.remove_phase_button, Qt.MouseButton.LeftButton)
    assert names() == ["New phase", "New phase 2"]


def _gated_editor(qtbot, library: PresetLibrary, tmp_path: Path
                  ) -> tuple[PresetEditor, AdminGate, FakeClock]:
    """An editor behind the admin PIN 2580 (5 minutes idle), on a clock the test moves."""
    pin = AdminPin(tmp_path / "admin.json",
                   hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    pin.set_pin("2580")
    clock = FakeClock()
    gate = AdminGate(pin, idle_s=300, clock=clock)
    return make_editor(qtbot, library, gate=gate), gate, clock


def test_pin_gate_blocks_the_editor_until_the_right_pin(qtbot, library: PresetLibrary,
                                                        tmp_path: Path):
    editor, _gate, clock = _gated_editor(qtbot, library, tmp_path)
    assert editor.is_locked() and not editor.edit_page.isVisible()

    pad = editor.pin_pad
    qtbot.keyClicks(pad.field, "1111")
    qtbot.keyClick(pad.field, Qt.Key.Key_Return)
    assert editor.is_locked() and "not right" in pad.message.text()
    for digit in "2580":
        button = next(b for b in pad.findChildren(type(pad.ok_button)) if b.text() == digit)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.ok_button, Qt.MouseButton.LeftButton)
    assert not editor.is_locked() and editor.edit_page.isVisible()

    clock.now += 200
    qtbot.keyClicks(editor.name_edit, "x")  # activity keeps it open
    clock.now += 200
    editor._check_gate()
    assert not editor.is_locked()
    clock.now += 300  # idle: locks itself again; the unsaved edit is kept
    qtbot.waitUntil(editor.is_locked, timeout=3000)
    assert not editor.save()
    assert editor.name_edit.text() == "xNew preset"  # the field starts at its beginning


def test_moving_around_the_editor_keeps_the_pin_gate_open(qtbot, library: PresetLibrary,
                                                           tmp_path: Path):
    """Reading and moving between fields is activity too, not only edits (the focus moving
    within the editor; no application-wide event filter, see ui/preset_editor/gate.py)."""
    editor, gate, clock = _gated_editor(qtbot, library, tmp_path)
    editor.show()
    qtbot.waitExposed(editor)
    assert gate.unlock("2580")
    editor._check_gate()
    assert not editor.is_locked()
    clock.now += 200
    editor.name_edit.setFocus()
    qtbot.waitUntil(editor.name_edit.hasFocus, timeout=2000)
    clock.now += 200
    editor._check_gate()
    assert not editor.is_locked()  # 400 s since the PIN, 200 s since the focus moved
    clock.now += 301
    editor._check_gate()
    assert editor.is_locked()


def test_first_pin_is_chosen_twice(qtbot, library: PresetLibrary, tmp_path: Path):
    pin = AdminPin(tmp_path / "admin.json",
                   hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    editor = make_editor(qtbot, library, gate=AdminGate(pin, clock=FakeClock()))
    pad = editor.pin_pad
    assert "CHOOSE" in pad.title.text()
    for attempt in ("13579", "13579"):
        qtbot.keyClicks(pad.field, attempt)
        qtbot.keyClick(pad.field, Qt.Key.Key_Return)
    assert not editor.is_locked() and pin.verify("13579")


def test_library_view_broken_import_shows_errors_and_changes_nothing(
        qtbot, library: PresetLibrary):
    view = PresetLibraryView(library)
    qtbot.addWidget(view)
    assert view.list.count() == 1 and "read-only" in view.list.item(0).text()
    assert view.editor.read_only
    result = view.import_file(BROKEN)
    assert not result.ok
    shown = [view.import_problems.item(i).text() for i in range(view.import_problems.count())]
    assert shown == result.messages and shown
    assert not library.clinic_dir.exists() or not any(library.clinic_dir.iterdir())
    assert view.list.count() == 1

    good = view.import_file(ROOT / "tests" / "data" / "good" / "minimal.yaml")
    assert good.ok and view.list.count() == 2
    assert view.selected_path() == good.path and view.editor.path == good.path


@pytest.mark.skipif(not os.environ.get("KETAROOM_SCREENSHOT_DIR"),
                    reason="set KETAROOM_SCREENSHOT_DIR to write editor screenshots")
def test_screenshot_editor(qtbot, library: PresetLibrary, qapp):
    """Evidence for the docs: run under xvfb-run with QT_QPA_PLATFORM=xcb."""
    from ketaroom.ui.theme import apply_theme

    apply_theme(qapp)
    out = Path(os.environ["KETAROOM_SCREENSHOT_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(PRESETS_DIR / "iv-infusion-40.yaml",
                library.shipped_dir / "iv-infusion-40.yaml")
    for name in ("arrival", "onset", "deep", "reorientation"):
        (library.playlist_dirs[0] / f"{name}.m3u").write_text("tone.wav\n")
    view = PresetLibraryView(library)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    view.list.setCurrentRow(1)
    copy = view.editor.duplicate_to_edit()
    assert copy is not None
    view.editor.select_phase(1)
    qtbot.wait(400)
    view.grab().save(str(out / "editor.png"))
    view.editor.cue_table.item(1, 0).setText("50m")
    qtbot.wait(500)
    view.grab().save(str(out / "editor-problem.png"))
    pin = AdminPin(library.clinic_dir.parent / "admin.json")
    locked = PresetEditor(library, gate=AdminGate(pin))
    qtbot.addWidget(locked)
    locked.resize(1280, 800)
    locked.show()
    qtbot.waitExposed(locked)
    locked.grab().save(str(out / "editor-pin.png"))
    qapp.setStyleSheet("")


@pytest.mark.timeout(20)
def test_a_preset_that_is_a_fifo_opens_read_only_without_hanging(qtbot, library: PresetLibrary,
                                                                  tmp_path: Path):
    fifo = tmp_path / "clinic" / "swapped.yaml"
    fifo.parent.mkdir(exist_ok=True)
    os.mkfifo(fifo)
    editor = make_editor(qtbot, library, fifo)
    assert editor.read_only
    assert "text editor" in editor.status.text()
