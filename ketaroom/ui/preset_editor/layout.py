"""How the preset editor's edit page is laid out (like a Designer ``setupUi``): the top bar
(title, Undo, Redo, Save), the read-only banner, the preset panel (the preset's own fields
and the phase table) over the checks, beside the phase panel (the form of one phase, in a
scroll area). Each builder sets the editor's widget attributes; behaviour is in
:mod:`~ketaroom.ui.preset_editor.window`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ketaroom.ui.preset_editor.common import FormScroll, panel
from ketaroom.ui.preset_editor.phase_form import PhaseForm, PresetFields
from ketaroom.ui.preset_editor.phase_table import PhaseTable
from ketaroom.ui.preset_editor.preview_controls import PreviewControls
from ketaroom.ui.preset_editor.problems import ProblemList
from ketaroom.ui.status_line import ElidedLabel

if TYPE_CHECKING:
    from ketaroom.ui.preset_editor.window import PresetEditor

__all__ = ["build_edit_page"]


def build_edit_page(editor: PresetEditor) -> QWidget:
    """The edit page: top bar, read-only banner, preset panel and checks | phase panel."""
    page = QWidget(objectName="editPage")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(16, 12, 16, 12)
    layout.setSpacing(10)
    layout.addLayout(_top_bar(editor))

    editor.banner = QFrame(objectName="banner")  # read-only banner for shipped presets
    banner_layout = QHBoxLayout(editor.banner)
    banner_label = QLabel("This is a shipped preset and cannot be changed. "
                          "Duplicate it into the clinic's presets to edit a copy.",
                          wordWrap=True)
    editor.duplicate_button = QPushButton("Duplicate to edit", objectName="primary")
    editor.duplicate_button.clicked.connect(editor.duplicate_to_edit)
    banner_layout.addWidget(banner_label, 1)
    banner_layout.addWidget(editor.duplicate_button)
    layout.addWidget(editor.banner)

    checks, checks_box = panel("Checks")
    editor.problem_list = ProblemList()
    editor.problem_list.itemClicked.connect(editor._on_problem_clicked)
    checks_box.addWidget(editor.problem_list, 1)
    left = QSplitter(Qt.Orientation.Vertical)
    left.addWidget(_preset_panel(editor))
    left.addWidget(checks)
    left.setStretchFactor(0, 3)
    left.setStretchFactor(1, 1)
    left.setChildrenCollapsible(False)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(_phase_panel(editor))
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    splitter.setChildrenCollapsible(False)
    layout.addWidget(splitter, 1)
    return page


def _top_bar(editor: PresetEditor) -> QHBoxLayout:
    bar = QHBoxLayout()
    editor.title = ElidedLabel(object_name="phaseName")  # a long name never widens the window
    editor.title.setStyleSheet("font-size: 22px;")
    editor.status = QLabel(objectName="saved")
    editor.undo_button = QPushButton("Undo")
    editor.redo_button = QPushButton("Redo")
    editor.save_button = QPushButton("Save", objectName="primary")
    editor.undo_button.clicked.connect(editor.undo_stack.undo)
    editor.redo_button.clicked.connect(editor.undo_stack.redo)
    editor.save_button.clicked.connect(editor.save)
    editor.undo_stack.canUndoChanged.connect(editor.undo_button.setEnabled)
    editor.undo_stack.canRedoChanged.connect(editor.redo_button.setEnabled)
    editor.undo_stack.cleanChanged.connect(editor._update_title)
    editor.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
    editor.redo_button.setShortcut(QKeySequence.StandardKey.Redo)
    editor.save_button.setShortcut(QKeySequence.StandardKey.Save)
    bar.addWidget(editor.title, 1)
    bar.addWidget(editor.status)
    for button in (editor.undo_button, editor.redo_button, editor.save_button):
        bar.addWidget(button)
    return bar


def _preset_panel(editor: PresetEditor) -> QWidget:
    frame, box = panel("Preset")
    editor.preset_fields = PresetFields(editor)
    editor.name_edit = editor.preset_fields.name_edit
    editor.description_edit = editor.preset_fields.description_edit
    editor.max_volume_spin = editor.preset_fields.max_volume_spin
    box.addWidget(editor.preset_fields)

    table = editor.phases = PhaseTable()
    table.selected.connect(editor._on_phase_selected)
    table.addRequested.connect(editor.add_phase)
    table.removeRequested.connect(editor.remove_phase)
    table.moveRequested.connect(editor.move_phase)
    editor.phase_model, editor.phase_table = table.model, table.view
    editor.add_phase_button, editor.remove_phase_button = table.add_button, table.remove_button
    editor.up_button, editor.down_button = table.up_button, table.down_button
    box.addWidget(table, 1)
    return frame


def _phase_panel(editor: PresetEditor) -> QWidget:
    frame, box = panel("Phase")
    editor.previews = PreviewControls(
        editor.preview, phase=editor.current_phase, document=editor.document,
        volume=lambda: min(editor.form.volume_spin.value(), editor.max_volume_spin.value()),
        music_on=lambda: editor.form.music_group.isChecked(),
        folder=lambda: editor.path.parent if editor.path else editor.library.clinic_dir,
        playlist_dirs=editor.library.playlist_dirs, parent=editor)
    editor.form = editor.phase_panel = PhaseForm(editor, editor.previews,
                                                 editor.library.playlist_dirs)
    f, p = editor.form, editor.previews  # the parts' widgets, by the names tests know
    editor.phase_name_edit, editor.duration_edit, editor.expected_edit, editor.open_check = (
        f.name_edit, f.duration_edit, f.expected_edit, f.open_check)
    editor.music_group, editor.playlist_combo, editor.volume_spin, editor.fade_edit = (
        f.music_group, f.playlist_combo, f.volume_spin, f.fade_edit)
    editor.light_group, editor.brightness_spin, editor.colour_mode, editor.kelvin_spin = (
        f.light_group, f.brightness_spin, f.colour_mode, f.kelvin_spin)
    editor.colour_edit, editor.swatch, editor.transition_edit = (
        f.colour_edit, f.swatch, f.transition_edit)
    editor.cue_table, editor.add_cue_button, editor.remove_cue_button = (
        f.cue_table, f.add_cue_button, f.remove_cue_button)
    editor.phase_problems = f.problems
    editor.music_preview_button, editor.music_preview_status = p.music_button, p.music_status
    editor.light_preview_check, editor.light_preview_status = p.light_check, p.light_status
    editor.room_light_button = p.room_light_button
    box.addWidget(FormScroll(editor.form), 1)
    return frame

    # ================================================================= document
