"""The form for one phase: name and duration, music, light and cues.

:class:`PhaseForm` shows a phase (:meth:`PhaseForm.fill`) and turns each change of a
field into an edit of the document through its host (the editor), which records it for
undo. Field ranges come from :mod:`ketaroom.core.limits`. The preview controls
(:class:`~ketaroom.ui.preset_editor.preview_controls.PreviewControls`) sit in the music
and light groups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from ruamel.yaml.comments import CommentedMap

from ketaroom.core import limits, preset_yaml
from ketaroom.core.durations import format_duration
from ketaroom.ui.preset_editor import edits
from ketaroom.ui.preset_editor.common import (
    FIELD_HEIGHT,
    checkable_group,
    form,
    int_or,
    row,
    set_text,
    text_of,
)
from ketaroom.ui.preset_editor.preview_controls import PreviewControls
from ketaroom.ui.widgets import check_box

__all__ = ["CUE_KINDS", "FormHost", "PhaseForm", "PresetFields"]

CUE_KINDS = ("reminder", "vitals", "note")
as_value = preset_yaml.scalar_from_text


class FormHost(Protocol):
    """What the form needs from the editor."""

    phase_index: int

    def edit(self, key: str, change: Callable[[], None]) -> None: ...
    def current_phase(self) -> CommentedMap | None: ...
    def document(self) -> CommentedMap: ...


def spin(edit: Callable[[str, Callable[[], None]], None], key: str, low: int, high: int,
         setter: Callable[[int], None], suffix: str = "", step: int = 1) -> QSpinBox:
    """A spin box whose every change is one (merging) edit ``field:<key>``."""
    box = QSpinBox(minimum=low, maximum=high, suffix=suffix, singleStep=step)
    box.setMinimumHeight(FIELD_HEIGHT)
    box.valueChanged.connect(lambda v: edit(f"field:{key}", lambda: setter(v)))
    return box


def line(edit: Callable[[str, Callable[[], None]], None], key: str,
         setter: Callable[[str], None], placeholder: str = "") -> QLineEdit:
    """A line edit whose typing is one (merging) edit ``field:<key>``."""
    field = QLineEdit(placeholderText=placeholder)
    field.textEdited.connect(lambda text: edit(f"field:{key}", lambda: setter(text)))
    return field


class PresetFields(QWidget):
    """The preset's own fields: name, description and the volume cap."""

    def __init__(self, host: FormHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # as a plain QWidget
        fields = form(self)
        fields.setContentsMargins(0, 0, 0, 0)
        doc = host.document
        self.name_edit = line(host.edit, "name",
                              lambda t: preset_yaml.set_key(doc(), "name", t), "Shown in the UI")
        self.description_edit = line(
            host.edit, "description",
            lambda t: preset_yaml.set_key(doc(), "description", t.strip() or None),
            "Optional, for the preset list")
        self.max_volume_spin = spin(
            host.edit, "max_volume", limits.VOLUME_MIN, limits.VOLUME_MAX,
            lambda v: preset_yaml.set_key(doc(), "max_volume", v), " %")
        row(fields, "Name", self.name_edit)
        row(fields, "Description", self.description_edit)
        row(fields, "Max volume", self.max_volume_spin)

    def fill(self, doc: CommentedMap) -> None:
        set_text(self.name_edit, text_of(doc.get("name")))
        set_text(self.description_edit, text_of(doc.get("description")))
        self.max_volume_spin.setValue(int_or(doc.get("max_volume"), limits.VOLUME_MAX))

    def field_widgets(self) -> dict[str, QWidget]:
        return {"name": self.name_edit, "description": self.description_edit,
                "max_volume": self.max_volume_spin}


class PhaseForm(QWidget):
    """Name, duration, music, light and cues of the host's current phase."""

    def __init__(self, host: FormHost, controls: PreviewControls, playlist_dirs: list[Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="phasePanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # as a plain QWidget
        self.host = host
        self.playlist_dirs = playlist_dirs
        edit = host.edit
        phase = host.current_phase
        panel = QVBoxLayout(self)
        panel.setContentsMargins(0, 0, 8, 0)

        self.problems = QLabel(objectName="problem", wordWrap=True)
        panel.addWidget(self.problems)  # this phase's problems, above its fields
        fields = form()
        self.name_edit = line(edit, "phase.name", lambda t: edits.set_phase(phase(), "name", t))
        self.duration_edit = line(
            edit, "phase.duration",
            lambda t: edits.set_phase(phase(), "duration", as_value(t)), "10m, 90s or 1h30m")
        self.open_check = check_box("Open: waits for Next")
        self.open_check.toggled.connect(
            lambda on: edit("open", lambda: edits.set_open(phase(), on)))
        self.expected_edit = line(
            edit, "phase.expected",
            lambda t: edits.set_phase(phase(), "expected", as_value(t)), "usual length, e.g. 15m")
        row(fields, "Name", self.name_edit)
        row(fields, "Duration", self.duration_edit)
        fields.addRow("", self.open_check)
        row(fields, "Expected", self.expected_edit)
        panel.addLayout(fields)
        panel.addWidget(self._build_music(controls))
        panel.addWidget(self._build_light(controls))
        panel.addWidget(self._build_cues())
        panel.addStretch(1)

    def _build_music(self, controls: PreviewControls) -> QGroupBox:
        edit, phase = self.host.edit, self.host.current_phase
        self.music_group = checkable_group("Music")
        self.music_group.toggled.connect(lambda on: edit("music", lambda: edits.set_section(
            phase(), "music", on, self.playlist_dirs)))
        music = form(self.music_group)
        combo = self.playlist_combo = QComboBox(editable=True, objectName="playlistPicker")
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.lineEdit().textEdited.connect(
            lambda t: edit("field:music.playlist", lambda: edits.set_playlist(phase(), t)))
        combo.activated.connect(lambda _i: edit(
            "music.playlist", lambda: edits.set_playlist(phase(), combo.currentText())))
        combo.setMinimumContentsLength(6)  # leave room for the Preview button
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.volume_spin = spin(
            edit, "music.volume", limits.VOLUME_MIN, limits.VOLUME_MAX,
            lambda v: edits.set_in(phase(), "music", "volume", v), " %")
        self.fade_edit = line(
            edit, "music.fade", lambda t: edits.set_in(phase(), "music", "fade", as_value(t)),
            format_duration(limits.DEFAULT_FADE_S))
        playlist_row = QHBoxLayout()
        playlist_row.addWidget(combo, 1)
        playlist_row.addWidget(controls.music_button)
        playlist_field = QVBoxLayout()
        playlist_field.setSpacing(4)
        playlist_field.addLayout(playlist_row)
        playlist_field.addWidget(controls.music_status)
        row(music, "Playlist", playlist_field)
        row(music, "Volume", self.volume_spin)
        row(music, "Fade in", self.fade_edit)
        return self.music_group

    def _build_light(self, controls: PreviewControls) -> QGroupBox:
        edit, phase = self.host.edit, self.host.current_phase
        self.light_group = checkable_group("Light")
        self.light_group.toggled.connect(lambda on: edit("light", lambda: edits.set_section(
            phase(), "light", on, self.playlist_dirs)))
        light = form(self.light_group)
        self.brightness_spin = spin(
            edit, "light.brightness", limits.BRIGHTNESS_MIN, limits.BRIGHTNESS_MAX,
            lambda v: edits.set_in(phase(), "light", "brightness", v), " %")
        self.colour_mode = QComboBox()
        self.colour_mode.addItems(edits.SHADES)
        self.colour_mode.activated.connect(
            lambda i: edit("light.mode", lambda: edits.set_shade(phase(), i)))
        self.kelvin_spin = spin(
            edit, "light.kelvin", limits.KELVIN_MIN, limits.KELVIN_MAX,
            lambda v: edits.set_in(phase(), "light", "kelvin", v), " K", limits.KELVIN_STEP)
        self.colour_edit = line(
            edit, "light.color",
            lambda t: edits.set_in(phase(), "light", "color", as_value(t)), edits.NEW_COLOUR)
        self.swatch = QToolButton(objectName="swatch")
        self.swatch.setToolTip("Pick a colour")
        self.swatch.clicked.connect(self._pick_colour)
        colour_row = QHBoxLayout()
        colour_row.addWidget(self.colour_edit, 1)
        colour_row.addWidget(self.swatch)
        self.transition_edit = line(
            edit, "light.transition",
            lambda t: edits.set_in(phase(), "light", "transition", as_value(t)),
            format_duration(limits.DEFAULT_TRANSITION_S))
        row(light, "Brightness", self.brightness_spin)
        row(light, "Shade", self.colour_mode)
        row(light, "Temperature", self.kelvin_spin)
        row(light, "Colour", colour_row)
        row(light, "Transition", self.transition_edit)
        light.addRow(controls.light_box())  # one spanning row: wrapped text gets its height
        return self.light_group

    def _build_cues(self) -> QGroupBox:
        box = QGroupBox("Cues")
        layout = QVBoxLayout(box)
        table = self.cue_table = QTableWidget(0, 3, objectName="cueTable")
        table.setHorizontalHeaderLabels(["At", "Prompt", "Kind"])
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(FIELD_HEIGHT)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(0, 80)
        table.setColumnWidth(2, 120)
        table.setMinimumHeight(150)
        table.itemChanged.connect(self._on_cue_item_changed)
        self.add_cue_button = QPushButton("Add cue")
        self.remove_cue_button = QPushButton("Remove cue")
        self.add_cue_button.clicked.connect(self.add_cue)
        self.remove_cue_button.clicked.connect(self.remove_cue)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_cue_button)
        buttons.addWidget(self.remove_cue_button)
        buttons.addStretch(1)
        layout.addWidget(table)
        layout.addLayout(buttons)
        return box

    # -- edits that need more than one field

    def _pick_colour(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.colour_edit.text() or edits.NEW_COLOUR),
                                       self, "Light colour")
        if chosen.isValid():
            self.host.edit("light.color", lambda: edits.set_in(
                self.host.current_phase(), "light", "color", as_value(chosen.name())))

    def add_cue(self) -> None:
        host = self.host
        if host.current_phase() is None:
            return
        host.edit("add cue", lambda: preset_yaml.add_cue(
            host.document(), host.phase_index, "0s", "Check in", "reminder"))
        self.cue_table.setCurrentCell(self.cue_table.rowCount() - 1, 1)

    def remove_cue(self) -> None:
        host, cue = self.host, self.cue_table.currentRow()
        if cue < 0 or host.current_phase() is None:
            return
        index = host.phase_index
        host.edit("remove cue", lambda: preset_yaml.remove_cue(host.document(), index, cue))

    def _on_cue_item_changed(self, item: QTableWidgetItem) -> None:
        key = ("at", "prompt")[item.column()] if item.column() < 2 else None
        if key is None:
            return
        text, cue = item.text(), item.row()
        value = as_value(text) if key == "at" else text
        self.host.edit(f"cue:{cue}:{key}", lambda: edits.set_cue(
            self.host.current_phase(), cue, key, value))

    # -- showing a phase

    def fill(self, item: CommentedMap, playlists: list[str]) -> None:
        """Show ``item`` (an empty mapping: no phase). The host ignores the edits this
        makes (its ``updating`` flag)."""
        set_text(self.name_edit, text_of(item.get("name")))
        is_open = item.get("duration") == "open"
        self.open_check.setChecked(is_open)
        set_text(self.duration_edit, "" if is_open else text_of(item.get("duration")))
        self.duration_edit.setEnabled(not is_open)
        set_text(self.expected_edit, text_of(item.get("expected")))
        self.expected_edit.setEnabled(is_open)

        music = item.get("music")
        self.music_group.setChecked(isinstance(music, dict))
        music = music if isinstance(music, dict) else {}
        self.playlist_combo.clear()
        self.playlist_combo.addItems(playlists)
        self.playlist_combo.setEditText(text_of(music.get("playlist")))
        self.volume_spin.setValue(int_or(music.get("volume"), int(limits.DEFAULT_VOLUME_PCT)))
        set_text(self.fade_edit, text_of(music.get("fade")))

        light = item.get("light")
        self.light_group.setChecked(isinstance(light, dict))
        light = light if isinstance(light, dict) else {}
        self.brightness_spin.setValue(int_or(light.get("brightness"), 50))
        mode = edits.shade_of(light)
        self.colour_mode.setCurrentIndex(mode)
        self.kelvin_spin.setValue(int_or(light.get("kelvin"), limits.DEFAULT_KELVIN))
        self.kelvin_spin.setEnabled(mode == 1)
        colour = text_of(light.get("color"))
        set_text(self.colour_edit, colour)
        self.colour_edit.setEnabled(mode == 2)
        self.swatch.setEnabled(mode == 2)
        shown = QColor(colour) if QColor.isValidColorName(colour) else QColor(0, 0, 0, 0)
        self.swatch.setStyleSheet(f"background: {shown.name(QColor.NameFormat.HexArgb)};")
        set_text(self.transition_edit, text_of(light.get("transition")))
        self._fill_cues(item.get("cues"))

    def _fill_cues(self, cues: Any) -> None:
        cues = cues if isinstance(cues, list) else []
        self.cue_table.setRowCount(len(cues))
        for index, cue in enumerate(cues):
            cue = cue if isinstance(cue, dict) else {}
            self.cue_table.setItem(index, 0, QTableWidgetItem(text_of(cue.get("at"))))
            self.cue_table.setItem(index, 1, QTableWidgetItem(text_of(cue.get("prompt"))))
            kind = QComboBox()
            kind.addItems(CUE_KINDS)
            kind.setCurrentText(text_of(cue.get("kind")) or "reminder")
            kind.activated.connect(lambda _i, r=index, box=kind: self.host.edit(
                f"cue:{r}:kind", lambda: edits.set_cue(
                    self.host.current_phase(), r, "kind", box.currentText())))
            self.cue_table.setCellWidget(index, 2, kind)
        self.remove_cue_button.setEnabled(bool(cues))

    def field_widgets(self) -> dict[str, QWidget]:
        """The fields by the key :func:`~ketaroom.ui.preset_editor.problems.field_key`
        gives a problem of this phase."""
        return {
            "phase.name": self.name_edit, "phase.duration": self.duration_edit,
            "phase.expected": self.expected_edit,
            "phase.music.playlist": self.playlist_combo, "phase.music.volume": self.volume_spin,
            "phase.music.fade": self.fade_edit,
            "phase.light.brightness": self.brightness_spin,
            "phase.light.kelvin": self.kelvin_spin, "phase.light.color": self.colour_edit,
            "phase.light.transition": self.transition_edit, "phase.light": self.colour_mode,
            "phase.cues": self.cue_table,
        }
