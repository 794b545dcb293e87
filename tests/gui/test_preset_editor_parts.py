"""The preset editor's parts alone: the phase table model, the problem-to-field mapping by
``Problem.where``, the phase edits and the form's ranges (one set of limits)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit, QSpinBox

from ketaroom.core import limits, preset_yaml
from ketaroom.core.validation import Problem, validate_text
from ketaroom.ui.preset_editor import PhaseTableModel, edits
from ketaroom.ui.preset_editor.phase_table import phase_summary
from ketaroom.ui.preset_editor.problems import ProblemList, field_key, mark_fields, plain_place

pytestmark = pytest.mark.gui

TEXT = """\
name: Parts
phases:
  - name: Arrival
    duration: 10m
    music: {playlist: calm.m3u, volume: 40}
    light: {brightness: 50, kelvin: 2700}
  - name: Deep
    duration: open
    expected: 20m
    light: {brightness: 10, color: "#ffb070"}
    cues:
      - {at: 5m, prompt: Check in}
      - {at: 6m, prompt: BP, kind: vitals}
  - name: Out
    duration: 5m
"""


# --------------------------------------------------------------------------- table model

def test_table_model_rows_summarise_each_phase(qapp) -> None:
    model = PhaseTableModel()
    model.set_document(preset_yaml.load(TEXT))
    assert (model.rowCount(), model.columnCount()) == (3, 5)
    rows = [[model.index(r, c).data() for c in range(5)] for r in range(3)]
    assert rows == [
        ["Arrival", "10m", "calm.m3u · 40 %", "50 % · 2700 K", ""],
        ["Deep", "open (~20m)", "silence", "10 % · #ffb070", "2"],
        ["Out", "5m", "silence", "keep", ""],
    ]
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Music"
    assert model.headerData(0, Qt.Orientation.Vertical) == "1"
    assert model.index(1, 3).data(Qt.ItemDataRole.ToolTipRole) == "10 % · #ffb070"
    assert phase_summary("not a mapping")[0] == "(not a phase)"


def test_table_model_drag_asks_for_a_move_and_changes_nothing_itself(qapp) -> None:
    model = PhaseTableModel()
    model.set_document(preset_yaml.load(TEXT))
    moves: list[tuple[int, int]] = []
    model.moveRequested.connect(lambda a, b: moves.append((a, b)))
    drop = Qt.DropAction.MoveAction
    assert model.dropMimeData(model.mimeData([model.index(0, 0)]), drop, 3, 0, QModelIndex())
    assert model.dropMimeData(model.mimeData([model.index(2, 1)]), drop, 0, 0, QModelIndex())
    assert model.dropMimeData(model.mimeData([model.index(1, 0)]), drop, 1, 0, QModelIndex())
    assert moves == [(0, 2), (2, 0)]  # onto itself: no move
    assert not model.dropMimeData(model.mimeData([model.index(0, 0)]),
                                  Qt.DropAction.CopyAction, 2, 0, QModelIndex())
    assert model.index(0, 0).data() == "Arrival"
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    model.movable = False
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert not model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled


# --------------------------------------------------------------------------- problems

@pytest.mark.parametrize(("where", "expected"), [
    ("max_volume", (None, "max_volume")),
    ("phases[2]", (2, "phase.name")),
    ("phases[0].duration", (0, "phase.duration")),
    ("phases[1].music.volume", (1, "phase.music.volume")),
    ("phases[1].music.playlist[2]", (1, "phase.music.playlist")),
    ("phases[3].cues[0].at", (3, "phase.cues")),
    ("phases[0].light.kelvin", (0, "phase.light.kelvin")),
    ("phases[0].light", (0, "phase.light")),
])
def test_field_key_follows_the_problem_where(where: str, expected: tuple) -> None:
    assert field_key(where) == expected


def test_mark_fields_flags_the_shown_phase_from_validator_results(qapp) -> None:
    text = TEXT.replace("kelvin: 2700", "kelvin: 9000").replace("at: 6m", "at: 99h")
    result = validate_text(text, Path("/clinic/parts.yaml"), playlist_dirs=[])
    fields = {"phase.light.kelvin": QSpinBox(), "phase.cues": QLineEdit(),
              "max_volume": QSpinBox()}
    first = mark_fields(result.problems, 0, fields)
    assert any("out of range" in m for m in first) and not any("99h" in m for m in first)
    assert fields["phase.light.kelvin"].property("problem") is True
    assert "phases[0].light.kelvin: 9000 is out of range" in fields[
        "phase.light.kelvin"].toolTip()
    assert not fields["phase.cues"].property("problem")
    second = mark_fields(result.problems, 1, fields)
    assert fields["phase.cues"].property("problem") is True and second
    assert fields["phase.light.kelvin"].property("problem") is False
    assert fields["phase.light.kelvin"].toolTip() == ""


@pytest.mark.parametrize(("where", "plain"), [
    ("phases[1].cues[2].at", "Phase 2 · cue 3 · at"),
    ("phases[0].music.playlist[3]", "Phase 1 · music · playlist entry 4"),
    ("max_volume", "max volume"),
    ("phases[0]", "Phase 1"),
])
def test_a_problem_says_where_as_the_editor_counts(where: str, plain: str) -> None:
    """The checks list read "phases[1].cues[2].at" (the file's path, counted from 0)."""
    assert plain_place(where) == plain


def test_problem_list_shows_where_and_finds_the_phase(qapp) -> None:
    result = validate_text(TEXT.replace("brightness: 10", "brightness: 150"),
                           Path("/clinic/parts.yaml"), playlist_dirs=[])
    listed = ProblemList()
    listed.show_result(result)
    problem = next(p for p in result.problems if p.where == "phases[1].light.brightness")
    index = next(i for i in range(listed.count())
                 if listed.item(i).text().startswith(
                     f"Line {problem.line} · Phase 2 · light · brightness\n"))
    item = listed.item(index)
    assert item.text().endswith(problem.detail) and item.toolTip() == str(problem)
    assert ProblemList.place_of(item) == (1, problem.line)
    assert f"Line {problem.line}: {problem.message}" in listed.messages()
    listed.show_result(validate_text("name: A\nphases:\n  - {name: A, duration: 1m}\n",
                                     Path("/clinic/a.yaml"), playlist_dirs=[]))
    assert listed.messages() == ["No problems: this preset is ready to run."]
    assert Problem("x.yaml", 1, "boom").detail == "boom"


# --------------------------------------------------------------------------- edits

def test_phase_edits_keep_comments_and_start_from_the_limits(tmp_path: Path) -> None:
    doc = preset_yaml.load(TEXT.replace("duration: 5m", "duration: 5m  # last"))
    out = preset_yaml.phase(doc, 2)
    edits.set_section(out, "light", True, [])
    assert out["light"]["kelvin"] == limits.DEFAULT_KELVIN
    edits.set_shade(out, 2)
    assert "kelvin" not in out["light"] and out["light"]["color"] == edits.NEW_COLOUR
    assert edits.shade_of(out["light"]) == 2
    edits.set_open(out, True)
    assert (out["duration"], out["expected"]) == ("open", "5m")
    edits.set_open(out, False)
    assert out["duration"] == "5m" and "expected" not in out
    edits.set_playlist(out, "a.ogg, b.ogg")
    assert list(out["music"]["playlist"]) == ["a.ogg", "b.ogg"]
    deep = preset_yaml.phase(doc, 1)
    edits.set_cue(deep, 1, "prompt", "Blood pressure")
    edits.set_cue(deep, 9, "prompt", "nowhere")  # no such cue: nothing
    assert deep["cues"][1]["prompt"] == "Blood pressure"
    edits.set_in(None, "light", "kelvin", 3000)  # no phase shown: nothing
    assert "# last" in preset_yaml.dump(doc)


def test_the_form_ranges_are_the_shared_limits(qtbot, tmp_path: Path) -> None:
    from ketaroom.core.preset_library import PresetLibrary
    from ketaroom.ui.preset_editor import PresetEditor

    library = PresetLibrary(tmp_path / "clinic", tmp_path / "shipped", playlist_dirs=[],
                            user="test")
    editor = PresetEditor(library)
    qtbot.addWidget(editor)
    assert (editor.kelvin_spin.minimum(), editor.kelvin_spin.maximum()) == (
        limits.KELVIN_MIN, limits.KELVIN_MAX)
    assert editor.kelvin_spin.singleStep() == limits.KELVIN_STEP
    assert (editor.brightness_spin.minimum(), editor.brightness_spin.maximum()) == (
        limits.BRIGHTNESS_MIN, limits.BRIGHTNESS_MAX)
    for spin in (editor.volume_spin, editor.max_volume_spin):
        assert (spin.minimum(), spin.maximum()) == (limits.VOLUME_MIN, limits.VOLUME_MAX)
