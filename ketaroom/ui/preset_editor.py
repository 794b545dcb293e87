"""The preset editor: phases, music, light and cues of one preset file.

Owns :class:`PresetEditor`. The document is a ruamel round-trip tree
(:mod:`ketaroom.core.preset_yaml`); every form edit changes it in place, so saving keeps
the file's comments and key order. Each edit pushes a snapshot (the dumped text before and
after) on a :class:`QUndoStack`; typing in one field merges into one undo step.

Live validation re-runs the one validation function,
:func:`ketaroom.core.validation.validate_text`, ~300 ms after the last edit. Messages are
listed beside the form (clicking one selects its phase) and the fields at fault get a
``problem`` property and a tooltip. Saving validates again and writes atomically only when
the preset is valid.

Shipped presets open read-only with *Duplicate to edit*. With an
:class:`ketaroom.store.admin_pin.AdminGate`, the form is hidden behind a PIN pad until unlocked
and again after the gate's idle time.

With a :class:`ketaroom.ui.preview.RoomPreview` (the main window gives one), the phase form
also previews on the room's devices: a *Preview* toggle plays the phase playlist's first
track (at most 40 %, 20 s, fading in and out) and *Live preview on the lights* sends each
light edit of the phase to the room's lights (debounced, 2 s glide). Changing phase,
opening another preset, closing or the PIN gate locking ends both. The room keeps a
previewed light until *Back to room light* re-applies the light the main window knows.
While a session runs the controls are disabled (the preview itself refuses too) and any
preview running ends without touching the room. Without a preview object the controls are
hidden.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ketaroom.core import preset_yaml
from ketaroom.core.preset_library import PresetLibrary
from ketaroom.core.targets import LightTarget
from ketaroom.core.validation import PLAYLIST_SUFFIXES, LoadResult, Problem, validate_text
from ketaroom.store.admin_pin import AdminGate
from ketaroom.ui.pin_dialog import PinPad
from ketaroom.ui.preview import RoomPreview, first_track, light_from_section

__all__ = ["PhaseTableModel", "PresetEditor"]

VALIDATE_DELAY_MS = 300
LIGHT_PREVIEW_DELAY_MS = 300
PREVIEW_TICK_MS = 500
GATE_CHECK_MS = 1000
CUE_KINDS = ("reminder", "vitals", "note")
COLOUR_MODES = ("Keep colour", "Temperature", "Colour")
_MIME = "application/x-ketaroom-phase-row"
_WHERE = re.compile(r"^([A-Za-z_\[\]0-9.]+): ")
_PHASE_WHERE = re.compile(r"^phases\[(\d+)\](?:\.(.*))?$")
_ROOT = QModelIndex()
_MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1


def _local_style() -> str:
    """Editor-only rules: fields at fault, check boxes and scroll bars, in theme colours."""
    colours = {"warn": "#b7792f", "line": "#3a3128", "field": "#120f0c",
               "accent_dim": "#9a6a34", "panel": "#1d1915"}
    try:
        from ketaroom.ui.theme import COLORS

        colours.update({k: COLORS[k] for k in colours if k in COLORS})
    except Exception:  # the theme is optional for the editor
        pass
    c = colours
    return (
        'QLineEdit[problem="true"], QSpinBox[problem="true"], QComboBox[problem="true"], '
        f'QTableWidget[problem="true"] {{ border: 2px solid {c["warn"]}; }}\n'
        f"QCheckBox::indicator {{ width: 22px; height: 22px; border: 1px solid {c['line']};"
        f" border-radius: 5px; background: {c['field']}; }}\n"
        f"QCheckBox::indicator:checked {{ background: {c['accent_dim']}; }}\n"
        f"QScrollBar:horizontal {{ background: {c['panel']}; height: 12px; }}\n"
        f"QScrollBar::handle:horizontal {{ background: {c['line']}; border-radius: 6px;"
        " min-width: 30px; }\n"
        "QScrollBar::add-line:horizontal, QScrollBar::sub-line:horizontal { width: 0; }\n"
    )


def playlist_choices(dirs: list[Path]) -> list[str]:
    """``.m3u``/``.m3u8`` names found in the playlist folders, first folder wins, sorted."""
    names: dict[str, None] = {}
    for folder in dirs:
        try:
            for path in sorted(Path(folder).iterdir()):
                if path.suffix.lower() in PLAYLIST_SUFFIXES and path.is_file():
                    names.setdefault(path.name)
        except OSError:
            continue
    return sorted(names, key=str.lower)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Snapshot(QUndoCommand):
    """One edit: the document text before and after. Same-``key`` edits merge."""

    MERGE_ID = 7

    def __init__(self, editor: PresetEditor, before: str, after: str, key: str) -> None:
        super().__init__(key)
        self.editor, self.before, self.after, self.key = editor, before, after, key
        self._applied = True  # the edit already happened when the command is pushed

    def id(self) -> int:
        return self.MERGE_ID if self.key.startswith("field:") else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _Snapshot) or other.key != self.key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self.editor._restore(self.after)

    def undo(self) -> None:
        self.editor._restore(self.before)


class PhaseTableModel(QAbstractTableModel):
    """The phases of the document as rows; drag and drop asks the editor to move a phase."""

    moveRequested = Signal(int, int)
    HEADERS = ("Phase", "Duration", "Music", "Light", "Cues")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []
        self.movable = True

    def set_document(self, doc: CommentedMap) -> None:
        self.beginResetModel()
        self._rows = [self._summary(item) for item in preset_yaml.phases(doc)]
        self.endResetModel()

    @staticmethod
    def _summary(item: Any) -> tuple[str, ...]:
        if not isinstance(item, dict):
            return ("(not a phase)", "", "", "", "")
        duration = _text(item.get("duration"))
        if duration == "open":
            expected = item.get("expected")
            duration = f"open (~{expected})" if expected is not None else "open"
        music = item.get("music")
        music_text = (f"{_text(music.get('playlist'))} · {_text(music.get('volume', 50))} %"
                      if isinstance(music, dict) else "silence")
        light = item.get("light")
        if isinstance(light, dict):
            shade = light.get("color") or (f"{light['kelvin']} K" if "kelvin" in light else "")
            light_text = f"{_text(light.get('brightness'))} %" + (f" · {shade}" if shade else "")
        else:
            light_text = "keep"
        cues = item.get("cues")
        count = len(cues) if isinstance(cues, list) else 0
        return (_text(item.get("name")), duration, music_text, light_text,
                str(count) if count else "")

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return str(section + 1)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.movable:
            return base
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [_MIME]

    def mimeData(self, indexes: Any) -> QMimeData:
        data = QMimeData()
        rows = sorted({index.row() for index in indexes})
        data.setData(_MIME, QByteArray(str(rows[0] if rows else -1).encode()))
        return data

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(_MIME):
            return False
        source = int(bytes(data.data(_MIME).data()).decode() or -1)
        if source < 0:
            return False
        target = parent.row() if parent.isValid() else row
        if target < 0:
            target = len(self._rows)
        if target > source:
            target -= 1  # dropping below itself: the row above moves up
        if target != source:
            self.moveRequested.emit(source, target)
        # The editor rebuilds the rows; returning True with no removeRows() is a no-op move.
        return True


class PresetEditor(QWidget):
    """Edit one preset. ``path=None`` starts a new preset (saved into the clinic folder).

    ``library`` gives the folders (clinic, shipped, playlists) and the audit trail;
    ``gate`` (optional) guards the form with the admin PIN.
    """

    saved = Signal(Path)
    duplicated = Signal(Path)

    def __init__(self, library: PresetLibrary, path: Path | None = None, *,
                 gate: AdminGate | None = None, preview: RoomPreview | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presetEditor")
        self.setWindowTitle("Preset editor")
        self.library = library
        self.gate = gate
        self.preview = preview
        self._sent_light: LightTarget | None = None
        """The last light target the live preview sent (resent only when it changes)."""
        self._music_note = ""
        """Why the last music preview did not start (shown until the next try)."""
        self.path: Path | None = None
        self.read_only = False
        self.result: LoadResult | None = None
        self._doc: CommentedMap = preset_yaml.new_document()
        self._text = preset_yaml.dump(self._doc)
        self._updating = False
        self._phase_index = -1
        self.undo_stack = QUndoStack(self)

        self._validate_timer = QTimer(self, singleShot=True, interval=VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate_now)
        self._gate_timer = QTimer(self, interval=GATE_CHECK_MS)
        self._gate_timer.timeout.connect(self._check_gate)
        self._light_preview_timer = QTimer(self, singleShot=True,
                                           interval=LIGHT_PREVIEW_DELAY_MS)
        self._light_preview_timer.timeout.connect(self._on_light_preview_due)
        self._preview_timer = QTimer(self, interval=PREVIEW_TICK_MS)
        self._preview_timer.timeout.connect(self._on_preview_tick)

        self.stack = QStackedWidget(self)
        self.pin_pad: PinPad | None = None
        if gate is not None:
            self.pin_pad = PinPad(gate, reason="Editing presets needs the admin PIN.")
            self.pin_pad.unlocked.connect(self._on_unlocked)
            locked = QWidget(objectName="lockedPage")
            locked_layout = QVBoxLayout(locked)
            locked_layout.addWidget(self.pin_pad, alignment=Qt.AlignmentFlag.AlignCenter)
            self.stack.addWidget(locked)
        self.edit_page = self._build_edit_page()
        self.stack.addWidget(self.edit_page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.setStyleSheet(_local_style())

        if gate is not None:
            self._gate_timer.start()
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
        self._check_gate()
        self.open(path)
        if preview is not None:
            self._preview_timer.start()
            self._on_preview_tick()

    # ================================================================= building

    def _build_edit_page(self) -> QWidget:
        page = QWidget(objectName="editPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)

        # -- top bar: title, undo/redo, save
        bar = QHBoxLayout()
        self.title = QLabel(objectName="phaseName")
        self.title.setStyleSheet("font-size: 22px;")
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.save_button = QPushButton("Save", objectName="primary")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.save_button.clicked.connect(self.save)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_button.setShortcut(QKeySequence.StandardKey.Redo)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.status = QLabel(objectName="saved")
        bar.addWidget(self.title, 1)
        bar.addWidget(self.status)
        for button in (self.undo_button, self.redo_button, self.save_button):
            bar.addWidget(button)
        layout.addLayout(bar)

        # -- read-only banner for shipped presets
        self.banner = QFrame(objectName="banner")
        banner_layout = QHBoxLayout(self.banner)
        banner_label = QLabel("This is a shipped preset and cannot be changed. "
                              "Duplicate it into the clinic's presets to edit a copy.",
                              wordWrap=True)
        self.duplicate_button = QPushButton("Duplicate to edit", objectName="primary")
        self.duplicate_button.clicked.connect(self.duplicate_to_edit)
        banner_layout.addWidget(banner_label, 1)
        banner_layout.addWidget(self.duplicate_button)
        layout.addWidget(self.banner)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self._build_left())
        left.addWidget(self._build_checks())
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        left.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self._build_phase_panel())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        return page

    def _panel(self, title: str) -> tuple[QFrame, QVBoxLayout]:
        frame = QFrame(objectName="panel")
        box = QVBoxLayout(frame)
        box.setContentsMargins(14, 10, 14, 12)
        box.addWidget(QLabel(title.upper(), objectName="panelTitle"))
        return frame, box

    def _line(self, key: str, setter: Callable[[str], None], placeholder: str = ""
              ) -> QLineEdit:
        edit = QLineEdit(placeholderText=placeholder)
        edit.textEdited.connect(lambda text: self._edit(f"field:{key}", lambda: setter(text)))
        return edit

    def _spin(self, key: str, low: int, high: int, setter: Callable[[int], None],
              suffix: str = "", step: int = 1) -> QSpinBox:
        spin = QSpinBox(minimum=low, maximum=high, suffix=suffix, singleStep=step)
        spin.setMinimumHeight(44)
        spin.valueChanged.connect(lambda v: self._edit(f"field:{key}", lambda: setter(v)))
        return spin

    def _build_left(self) -> QWidget:
        frame, box = self._panel("Preset")
        self.preset_fields = QWidget()
        form = _form(self.preset_fields)
        form.setContentsMargins(0, 0, 0, 0)
        self.name_edit = self._line("name", lambda t: self._set_top("name", t), "Shown in the UI")
        self.description_edit = self._line(
            "description", lambda t: self._set_top("description", t.strip() or None),
            "Optional, for the preset list")
        self.max_volume_spin = self._spin(
            "max_volume", 0, 100, lambda v: self._set_top("max_volume", v), " %")
        _row(form, "Name", self.name_edit)
        _row(form, "Description", self.description_edit)
        _row(form, "Max volume", self.max_volume_spin)
        box.addWidget(self.preset_fields)

        self.phase_model = PhaseTableModel(self)
        self.phase_model.moveRequested.connect(self.move_phase)
        self.phase_table = QTableView(objectName="phaseTable")
        self.phase_table.setModel(self.phase_model)
        self.phase_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.phase_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.phase_table.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.phase_table.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.phase_table.setDragDropOverwriteMode(False)
        self.phase_table.setDropIndicatorShown(True)
        self.phase_table.setDragEnabled(True)
        self.phase_table.setAcceptDrops(True)
        self.phase_table.verticalHeader().setDefaultSectionSize(40)
        self.phase_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.phase_table.setWordWrap(False)
        header = self.phase_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.phase_table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._on_phase_selected(current.row()))
        box.addWidget(self.phase_table, 1)

        buttons = QHBoxLayout()
        self.add_phase_button = QPushButton("Add phase")
        self.remove_phase_button = QPushButton("Remove")
        self.up_button = QPushButton("▲")
        self.down_button = QPushButton("▼")
        self.up_button.setAccessibleName("Move phase up")
        self.down_button.setAccessibleName("Move phase down")
        self.up_button.setToolTip("Move phase up (or drag the row)")
        self.down_button.setToolTip("Move phase down (or drag the row)")
        self.add_phase_button.clicked.connect(self.add_phase)
        self.remove_phase_button.clicked.connect(self.remove_phase)
        self.up_button.clicked.connect(lambda: self.move_phase(self._phase_index,
                                                               self._phase_index - 1))
        self.down_button.clicked.connect(lambda: self.move_phase(self._phase_index,
                                                                 self._phase_index + 1))
        for button in (self.add_phase_button, self.remove_phase_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        box.addLayout(buttons)
        return frame

    def _build_phase_panel(self) -> QWidget:
        frame, box = self._panel("Phase")
        self.phase_panel = QWidget(objectName="phasePanel")
        panel = QVBoxLayout(self.phase_panel)
        panel.setContentsMargins(0, 0, 8, 0)

        form = _form()
        self.phase_name_edit = self._line("phase.name", lambda t: self._set_phase("name", t))
        as_value = preset_yaml.scalar_from_text
        self.duration_edit = self._line(
            "phase.duration", lambda t: self._set_phase("duration", as_value(t)),
            "10m, 90s or 1h30m")
        self.open_check = QCheckBox("Open: waits for Next")
        self.open_check.toggled.connect(
            lambda on: self._edit("open", lambda: self._set_open(on)))
        self.expected_edit = self._line(
            "phase.expected", lambda t: self._set_phase("expected", as_value(t)),
            "usual length, e.g. 15m")
        _row(form, "Name", self.phase_name_edit)
        _row(form, "Duration", self.duration_edit)
        form.addRow("", self.open_check)
        _row(form, "Expected", self.expected_edit)
        panel.addLayout(form)

        # -- music
        self.music_group = QGroupBox("Music", checkable=True)
        self.music_group.toggled.connect(
            lambda on: self._edit("music", lambda: self._set_section("music", on)))
        music_form = _form(self.music_group)
        self.playlist_combo = QComboBox(editable=True, objectName="playlistPicker")
        self.playlist_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.playlist_combo.lineEdit().textEdited.connect(
            lambda t: self._edit("field:music.playlist", lambda: self._set_playlist(t)))
        self.playlist_combo.activated.connect(
            lambda _i: self._edit("music.playlist",
                                  lambda: self._set_playlist(self.playlist_combo.currentText())))
        self.volume_spin = self._spin(
            "music.volume", 0, 100, lambda v: self._set_in("music", "volume", v), " %")
        self.fade_edit = self._line(
            "music.fade",
            lambda t: self._set_in("music", "fade", preset_yaml.scalar_from_text(t)), "5s")
        self.playlist_combo.setMinimumContentsLength(6)  # leave room for the Preview button
        self.playlist_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        playlist_row = QHBoxLayout()
        playlist_row.addWidget(self.playlist_combo, 1)
        self.music_preview_button = QPushButton("Preview", objectName="previewButton",
                                                checkable=True)
        self.music_preview_button.setMinimumHeight(44)
        self.music_preview_button.setMinimumWidth(  # the text changes: keep its width
            self.music_preview_button.fontMetrics().horizontalAdvance("Preview") + 36)
        self.music_preview_button.toggled.connect(self._on_music_preview_toggled)
        playlist_row.addWidget(self.music_preview_button)
        self.music_preview_status = QLabel(objectName="muted", wordWrap=True)
        playlist_field = QVBoxLayout()
        playlist_field.setSpacing(4)
        playlist_field.addLayout(playlist_row)
        playlist_field.addWidget(self.music_preview_status)
        _row(music_form, "Playlist", playlist_field)
        _row(music_form, "Volume", self.volume_spin)
        _row(music_form, "Fade in", self.fade_edit)
        panel.addWidget(self.music_group)

        # -- light
        self.light_group = QGroupBox("Light", checkable=True)
        self.light_group.toggled.connect(
            lambda on: self._edit("light", lambda: self._set_section("light", on)))
        light_form = _form(self.light_group)
        self.brightness_spin = self._spin(
            "light.brightness", 0, 100, lambda v: self._set_in("light", "brightness", v), " %")
        self.colour_mode = QComboBox()
        self.colour_mode.addItems(COLOUR_MODES)
        self.colour_mode.activated.connect(
            lambda i: self._edit("light.mode", lambda: self._set_colour_mode(i)))
        self.kelvin_spin = self._spin(
            "light.kelvin", 2000, 6500, lambda v: self._set_in("light", "kelvin", v), " K", 100)
        colour_row = QHBoxLayout()
        self.colour_edit = self._line(
            "light.color",
            lambda t: self._set_in("light", "color", preset_yaml.scalar_from_text(t)), "#ffb070")
        self.swatch = QToolButton(objectName="swatch")
        self.swatch.setToolTip("Pick a colour")
        self.swatch.clicked.connect(self._pick_colour)
        colour_row.addWidget(self.colour_edit, 1)
        colour_row.addWidget(self.swatch)
        self.transition_edit = self._line(
            "light.transition",
            lambda t: self._set_in("light", "transition", preset_yaml.scalar_from_text(t)), "2s")
        _row(light_form, "Brightness", self.brightness_spin)
        _row(light_form, "Shade", self.colour_mode)
        _row(light_form, "Temperature", self.kelvin_spin)
        _row(light_form, "Colour", colour_row)
        _row(light_form, "Transition", self.transition_edit)
        self.light_preview_check = QCheckBox("Live preview on the lights")
        self.light_preview_check.toggled.connect(self._on_light_preview_toggled)
        self.room_light_button = QPushButton("Back to room light")
        self.room_light_button.setToolTip(
            "Bring back the light the main window shows for the room")
        self.room_light_button.clicked.connect(self._on_room_light_clicked)
        self.light_preview_status = QLabel(objectName="muted", wordWrap=True)
        light_preview = QVBoxLayout()  # one spanning row: wrapped text gets its height
        light_preview.setSpacing(4)
        light_preview.addWidget(self.light_preview_check)
        light_preview.addWidget(self.light_preview_status)
        light_preview.addWidget(self.room_light_button,
                                alignment=Qt.AlignmentFlag.AlignLeft)
        light_form.addRow(light_preview)
        panel.addWidget(self.light_group)
        for widget in (self.music_preview_button, self.music_preview_status,
                       self.light_preview_check, self.room_light_button,
                       self.light_preview_status):
            widget.setVisible(self.preview is not None)  # refined by _show_preview_state

        # -- cues
        cues_box = QGroupBox("Cues")
        cues_layout = QVBoxLayout(cues_box)
        self.cue_table = QTableWidget(0, 3, objectName="cueTable")
        self.cue_table.setHorizontalHeaderLabels(["At", "Prompt", "Kind"])
        self.cue_table.verticalHeader().setVisible(False)
        self.cue_table.verticalHeader().setDefaultSectionSize(44)
        cue_header = self.cue_table.horizontalHeader()
        cue_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.cue_table.setColumnWidth(0, 80)
        self.cue_table.setColumnWidth(2, 120)
        self.cue_table.setMinimumHeight(150)
        self.cue_table.itemChanged.connect(self._on_cue_item_changed)
        cue_buttons = QHBoxLayout()
        self.add_cue_button = QPushButton("Add cue")
        self.remove_cue_button = QPushButton("Remove cue")
        self.add_cue_button.clicked.connect(self.add_cue)
        self.remove_cue_button.clicked.connect(self.remove_cue)
        cue_buttons.addWidget(self.add_cue_button)
        cue_buttons.addWidget(self.remove_cue_button)
        cue_buttons.addStretch(1)
        cues_layout.addWidget(self.cue_table)
        cues_layout.addLayout(cue_buttons)
        panel.addWidget(cues_box)

        self.phase_problems = QLabel(objectName="problem", wordWrap=True)
        panel.insertWidget(0, self.phase_problems)  # this phase's problems, above its fields
        panel.addStretch(1)

        scroll = QScrollArea(widgetResizable=True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.phase_panel)
        box.addWidget(scroll, 1)
        return frame

    def _build_checks(self) -> QWidget:
        frame, box = self._panel("Checks")
        self.problem_list = QListWidget(objectName="problems")
        self.problem_list.setWordWrap(True)
        self.problem_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problem_list.setMinimumHeight(110)
        self.problem_list.itemClicked.connect(self._on_problem_clicked)
        box.addWidget(self.problem_list, 1)
        return frame

    # ================================================================= document

    def open(self, path: Path | None) -> None:
        """Show the preset at ``path`` (``None``: a new preset). Clears undo history."""
        self.stop_previews()
        self.path = Path(path) if path is not None else None
        self.read_only = self.path is not None and self.library.is_shipped(self.path)
        self._phase_index = -1
        load_error = ""
        if self.path is None:
            text = preset_yaml.dump(preset_yaml.new_document())
        else:
            try:
                text = self.path.read_text(encoding="utf-8")
                preset_yaml.load(text)
            except (OSError, UnicodeDecodeError, preset_yaml.PresetYamlError) as exc:
                load_error = str(exc)
                text = ""
        self.undo_stack.clear()
        if load_error:
            # Not editable as a form: show why (same messages as `ketaroom validate`).
            self.read_only = True
            self._doc, self._text = CommentedMap(), ""
            self.result = self.library.validate(self.path) if self.path else None
            self._refresh()
            self._show_problems()
            self.status.setText("Fix this file in a text editor first.")
            return
        self._restore(text)
        self.undo_stack.setClean()
        self.status.setText("")
        self.validate_now()

    def _restore(self, text: str) -> None:
        """Make ``text`` the document (undo/redo/open) and redraw everything."""
        self._doc = preset_yaml.load(text)
        self._text = text
        self._refresh()
        self._schedule_validation()
        self._schedule_light_preview()

    def _edit(self, key: str, change: Callable[[], None]) -> None:
        """Apply one form change to the document and record it for undo."""
        if self._updating or self.read_only:
            return
        if self.gate is not None:
            self.gate.touch()
        before = self._text
        change()
        after = preset_yaml.dump(self._doc)
        if after == before:
            return
        self._text = after
        self.undo_stack.push(_Snapshot(self, before, after, key))
        self._refresh_table()
        if not key.startswith(("field:", "cue:")):
            self._refresh_phase_form()  # sections, cues or the open state changed shape
        self._schedule_validation()
        self._schedule_light_preview()

    def text(self) -> str:
        """The document as it would be saved."""
        return self._text

    def document(self) -> CommentedMap:
        return self._doc

    # -- setters used by the fields (each changes the document in place)

    def _set_top(self, key: str, value: Any) -> None:
        preset_yaml.set_key(self._doc, key, value)

    def _current_phase(self) -> CommentedMap | None:
        try:
            return preset_yaml.phase(self._doc, self._phase_index)
        except (IndexError, preset_yaml.PresetYamlError):
            return None

    def _set_phase(self, key: str, value: Any) -> None:
        item = self._current_phase()
        if item is not None:
            preset_yaml.set_key(item, key, value, "phase")

    def _set_open(self, on: bool) -> None:
        item = self._current_phase()
        if item is None:
            return
        if on:
            previous = item.get("duration")
            preset_yaml.set_key(item, "duration", "open", "phase")
            if previous not in (None, "open"):
                preset_yaml.set_key(item, "expected", previous, "phase")
        else:
            expected = item.get("expected")
            preset_yaml.set_key(item, "duration", expected or "10m", "phase")
            preset_yaml.set_key(item, "expected", None, "phase")

    def _set_section(self, key: str, on: bool) -> None:
        item = self._current_phase()
        if item is None:
            return
        if not on:
            preset_yaml.set_key(item, key, None, "phase")
            return
        fresh = CommentedMap()
        if key == "music":
            choices = playlist_choices(self.library.playlist_dirs)
            fresh["playlist"] = choices[0] if choices else ""
            fresh["volume"] = 40
            fresh["fade"] = "5s"
        else:
            fresh["brightness"] = 50
            fresh["kelvin"] = 2700
            fresh["transition"] = "10s"
        preset_yaml.set_key(item, key, fresh, "phase")

    def _set_in(self, section_key: str, key: str, value: Any) -> None:
        item = self._current_phase()
        if item is None:
            return
        section = preset_yaml.section(item, section_key, create=True)
        assert section is not None
        preset_yaml.set_key(section, key, value, section_key)

    def _set_playlist(self, text: str) -> None:
        parts = [part.strip() for part in text.split(",")]
        if len(parts) > 1:
            seq = CommentedSeq([p for p in parts if p])
            seq.fa.set_flow_style()
            self._set_in("music", "playlist", seq)
        else:
            self._set_in("music", "playlist", text.strip())

    def _set_colour_mode(self, mode: int) -> None:
        item = self._current_phase()
        light = preset_yaml.section(item, "light") if item is not None else None
        if light is None:
            return
        if mode != 1:
            preset_yaml.set_key(light, "kelvin", None, "light")
        if mode != 2:
            preset_yaml.set_key(light, "color", None, "light")
        if mode == 1 and "kelvin" not in light:
            preset_yaml.set_key(light, "kelvin", 2700, "light")
        if mode == 2 and "color" not in light:
            preset_yaml.set_key(light, "color", preset_yaml.scalar_from_text("#ffb070"), "light")

    def _pick_colour(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.colour_edit.text() or "#ffb070"), self,
                                       "Light colour")
        if chosen.isValid():
            self._edit("light.color", lambda: self._set_in(
                "light", "color", preset_yaml.scalar_from_text(chosen.name())))

    # -- phases and cues

    def add_phase(self) -> None:
        index = self._phase_index + 1 if self._phase_index >= 0 else None
        holder: list[int] = []
        self._edit("add phase", lambda: holder.append(
            preset_yaml.add_phase(self._doc, "New phase", "10m", index)))
        if holder:
            self.select_phase(holder[0])

    def remove_phase(self) -> None:
        index = self._phase_index
        if index < 0:
            return
        self._edit("remove phase", lambda: preset_yaml.remove_phase(self._doc, index))
        self.select_phase(min(index, len(preset_yaml.phases(self._doc)) - 1))

    def move_phase(self, source: int, target: int) -> None:
        count = len(preset_yaml.phases(self._doc))
        if not (0 <= source < count and 0 <= target < count) or source == target:
            return
        self._edit("move phase", lambda: preset_yaml.move_phase(self._doc, source, target))
        self.select_phase(target)

    def add_cue(self) -> None:
        if self._current_phase() is None:
            return
        self._edit("add cue", lambda: preset_yaml.add_cue(self._doc, self._phase_index, "0s",
                                                          "Check in", "reminder"))
        self.cue_table.setCurrentCell(self.cue_table.rowCount() - 1, 1)

    def remove_cue(self) -> None:
        row = self.cue_table.currentRow()
        if row < 0 or self._current_phase() is None:
            return
        self._edit("remove cue", lambda: preset_yaml.remove_cue(self._doc, self._phase_index,
                                                                row))

    def _set_cue(self, row: int, key: str, value: Any) -> None:
        seq = preset_yaml.cues(self._doc, self._phase_index)
        if seq is not None and 0 <= row < len(seq) and isinstance(seq[row], CommentedMap):
            preset_yaml.set_key(seq[row], key, value, "cue")

    def _on_cue_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        key = ("at", "prompt")[item.column()] if item.column() < 2 else None
        if key is None:
            return
        text = item.text()
        value = preset_yaml.scalar_from_text(text) if key == "at" else text
        self._edit(f"cue:{item.row()}:{key}", lambda: self._set_cue(item.row(), key, value))

    def select_phase(self, index: int) -> None:
        if 0 <= index < self.phase_model.rowCount():
            self.phase_table.selectRow(index)
            self.phase_table.setCurrentIndex(self.phase_model.index(index, 0))
        self._on_phase_selected(index)

    def _on_phase_selected(self, index: int) -> None:
        if self._updating:
            return
        if index != self._phase_index:
            self.stop_previews()  # a preview is of one phase
        self._phase_index = index
        self._refresh_phase_form()
        self._mark_problems()

    # ================================================================= redraw

    def _refresh(self) -> None:
        self._updating = True
        try:
            _set_text(self.name_edit, _text(self._doc.get("name")))
            _set_text(self.description_edit, _text(self._doc.get("description")))
            max_volume = self._doc.get("max_volume")
            self.max_volume_spin.setValue(int(max_volume) if isinstance(max_volume, int | float)
                                          and not isinstance(max_volume, bool) else 100)
        finally:
            self._updating = False
        self._refresh_table()
        count = self.phase_model.rowCount()
        index = min(max(self._phase_index, 0), count - 1) if count else -1
        self.select_phase(index)
        self._apply_read_only()
        self._update_title()

    def _refresh_table(self) -> None:
        self._updating = True
        try:
            self.phase_model.set_document(self._doc)
            if 0 <= self._phase_index < self.phase_model.rowCount():
                self.phase_table.selectRow(self._phase_index)
        finally:
            self._updating = False

    def _refresh_phase_form(self) -> None:
        item = self._current_phase()
        self.phase_panel.setEnabled(item is not None and not self.read_only)
        self.phase_panel.setVisible(item is not None or self.read_only)
        self._updating = True
        try:
            self._fill_phase_form(item if item is not None else CommentedMap())
        finally:
            self._updating = False
        self.up_button.setEnabled(not self.read_only and self._phase_index > 0)
        self.down_button.setEnabled(
            not self.read_only and 0 <= self._phase_index < self.phase_model.rowCount() - 1)
        self.remove_phase_button.setEnabled(not self.read_only and item is not None)

    def _fill_phase_form(self, item: CommentedMap) -> None:
        _set_text(self.phase_name_edit, _text(item.get("name")))
        is_open = item.get("duration") == "open"
        self.open_check.setChecked(is_open)
        _set_text(self.duration_edit, "" if is_open else _text(item.get("duration")))
        self.duration_edit.setEnabled(not is_open)
        _set_text(self.expected_edit, _text(item.get("expected")))
        self.expected_edit.setEnabled(is_open)

        music = item.get("music")
        self.music_group.setChecked(isinstance(music, dict))
        music = music if isinstance(music, dict) else {}
        choices = playlist_choices(self.library.playlist_dirs)
        current = _text(music.get("playlist"))
        self.playlist_combo.clear()
        self.playlist_combo.addItems(choices)
        self.playlist_combo.setEditText(current)
        self.volume_spin.setValue(_int(music.get("volume"), 50))
        _set_text(self.fade_edit, _text(music.get("fade")))

        light = item.get("light")
        self.light_group.setChecked(isinstance(light, dict))
        light = light if isinstance(light, dict) else {}
        self.brightness_spin.setValue(_int(light.get("brightness"), 50))
        mode = 2 if "color" in light else 1 if "kelvin" in light else 0
        self.colour_mode.setCurrentIndex(mode)
        self.kelvin_spin.setValue(_int(light.get("kelvin"), 2700))
        self.kelvin_spin.setEnabled(mode == 1)
        colour = _text(light.get("color"))
        _set_text(self.colour_edit, colour)
        self.colour_edit.setEnabled(mode == 2)
        self.swatch.setEnabled(mode == 2)
        shown = QColor(colour) if QColor.isValidColorName(colour) else QColor(0, 0, 0, 0)
        self.swatch.setStyleSheet(f"background: {shown.name(QColor.NameFormat.HexArgb)};")
        _set_text(self.transition_edit, _text(light.get("transition")))

        cues = item.get("cues")
        cues = cues if isinstance(cues, list) else []
        self.cue_table.setRowCount(len(cues))
        for row, cue in enumerate(cues):
            cue = cue if isinstance(cue, dict) else {}
            self.cue_table.setItem(row, 0, QTableWidgetItem(_text(cue.get("at"))))
            self.cue_table.setItem(row, 1, QTableWidgetItem(_text(cue.get("prompt"))))
            kind = QComboBox()
            kind.addItems(CUE_KINDS)
            kind.setCurrentText(_text(cue.get("kind")) or "reminder")
            kind.activated.connect(lambda _i, r=row, box=kind: self._edit(
                f"cue:{r}:kind", lambda: self._set_cue(r, "kind", box.currentText())))
            self.cue_table.setCellWidget(row, 2, kind)
        self.remove_cue_button.setEnabled(bool(cues))

    def _apply_read_only(self) -> None:
        editable = not self.read_only
        self.banner.setVisible(self.read_only and self.path is not None
                               and self.library.is_shipped(self.path))
        self.preset_fields.setEnabled(editable)
        for widget in (self.add_phase_button, self.save_button):
            widget.setEnabled(editable)
        self.phase_model.movable = editable
        self.phase_table.setDragEnabled(editable)

    def _update_title(self, *_args: object) -> None:
        name = _text(self._doc.get("name")) or "Untitled preset"
        where = ("shipped, read-only" if self.read_only and self.path is not None
                 else self.path.name if self.path is not None else "new, not saved yet")
        dirty = "" if self.undo_stack.isClean() else " •"
        self.title.setText(f"{name}{dirty}")
        self.title.setToolTip(str(self.path) if self.path else where)
        self.setWindowTitle(f"{name}{dirty} — {where}")

    # ================================================================= validation

    def _schedule_validation(self) -> None:
        self._validate_timer.start()

    def _message_path(self) -> Path:
        return self.path if self.path is not None else self.library.clinic_dir / "new.yaml"

    def validate_now(self) -> LoadResult:
        """Validate the current text now (the debounce timer calls this)."""
        self._validate_timer.stop()
        self.result = validate_text(self._text, self._message_path(),
                                    playlist_dirs=self.library.playlist_dirs)
        self._show_problems()
        return self.result

    def problems(self) -> list[str]:
        """The messages currently shown, as ``Line N: message`` (a calm line when none)."""
        return [self.problem_list.item(i).data(_MESSAGE_ROLE)
                for i in range(self.problem_list.count())]

    def _show_problems(self) -> None:
        self.problem_list.clear()
        result = self.result
        if result is None:
            return
        for problem, warning in [(p, False) for p in result.problems] + [
                (w, True) for w in result.warnings]:
            match = _WHERE.match(problem.message)
            where, message = ((match.group(1), problem.message[match.end():]) if match
                              else ("", problem.message))
            heading = f"Line {problem.line}" + (f" · {where}" if where else "")
            note = "Note: " if warning else ""
            item = QListWidgetItem(f"{heading}\n{note}{message}")
            item.setData(Qt.ItemDataRole.UserRole, problem.line)
            item.setData(_MESSAGE_ROLE, f"Line {problem.line}: {note}{problem.message}")
            item.setToolTip(str(problem))
            self.problem_list.addItem(item)
        if not result.problems:
            item = QListWidgetItem("No problems: this preset is ready to run."
                                   if not result.warnings else "Ready to run (see notes).")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(_MESSAGE_ROLE, item.text())
            self.problem_list.insertItem(0, item)
        self._mark_problems()

    def _field_widgets(self) -> dict[str, QWidget]:
        return {
            "name": self.name_edit, "description": self.description_edit,
            "max_volume": self.max_volume_spin,
            "phase.name": self.phase_name_edit, "phase.duration": self.duration_edit,
            "phase.expected": self.expected_edit,
            "phase.music.playlist": self.playlist_combo, "phase.music.volume": self.volume_spin,
            "phase.music.fade": self.fade_edit,
            "phase.light.brightness": self.brightness_spin,
            "phase.light.kelvin": self.kelvin_spin, "phase.light.color": self.colour_edit,
            "phase.light.transition": self.transition_edit, "phase.light": self.colour_mode,
            "phase.cues": self.cue_table,
        }

    def _mark_problems(self) -> None:
        """Flag the fields at fault for the shown phase; list its messages under the form."""
        fields = self._field_widgets()
        flagged: dict[str, list[str]] = {}
        phase_messages: list[str] = []
        problems: tuple[Problem, ...] = self.result.problems if self.result else ()
        for problem in problems:
            match = _WHERE.match(problem.message)
            if match is None:
                continue
            where = match.group(1)
            in_phase = _PHASE_WHERE.match(where)
            if in_phase is not None:
                if int(in_phase.group(1)) != self._phase_index:
                    continue
                phase_messages.append(problem.message.split(": ", 1)[1])
                rest = in_phase.group(2) or ""
                rest = re.sub(r"^cues\[\d+\].*", "cues", rest)
                rest = re.sub(r"^music\.playlist.*", "music.playlist", rest)
                where = f"phase.{rest}" if rest else "phase.name"
            flagged.setdefault(where, []).append(problem.message)
        for key, widget in fields.items():
            messages = flagged.get(key, [])
            if bool(widget.property("problem")) != bool(messages):
                widget.setProperty("problem", bool(messages))
                widget.style().unpolish(widget)
                widget.style().polish(widget)
            widget.setToolTip("\n".join(messages))
        self.phase_problems.setText("\n".join(phase_messages))
        self.phase_problems.setVisible(bool(phase_messages))

    def _on_problem_clicked(self, item: QListWidgetItem) -> None:
        line = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(line, int):
            return
        index = preset_yaml.phase_at_line(self._doc, line)
        if index is not None:
            self.select_phase(index)

    # ================================================================= saving

    def save(self) -> bool:
        """Validate and write (atomically). False, with the problems shown, when invalid."""
        if self.read_only:
            return False
        if self.gate is not None and not self.gate.is_unlocked():
            self._check_gate()
            return False
        target = self.path or self.library.unique_path(_text(self._doc.get("name")) or "preset")
        try:
            self.result = preset_yaml.save(self._doc, target,
                                           playlist_dirs=self.library.playlist_dirs)
        except OSError as exc:
            self.status.setText(f"Not saved: {exc.strerror or exc}")
            return False
        self._show_problems()
        if not self.result.ok:
            count = len(self.result.problems)
            self.status.setText(f"Not saved: {count} problem{'s' * (count != 1)} to fix first")
            return False
        self.path = target
        self.library.record_save(target)
        self.undo_stack.setClean()
        self.status.setText(time.strftime("Saved %H:%M"))
        self._update_title()
        self.saved.emit(target)
        return True

    def duplicate_to_edit(self) -> Path | None:
        """Copy the shown (shipped) preset into the clinic folder and open the copy."""
        if self.path is None:
            return None
        name = f"{_text(self._doc.get('name')) or self.path.stem} (clinic copy)"
        try:
            copy = self.library.duplicate(self.path, name)
        except (OSError, preset_yaml.PresetYamlError) as exc:
            self.status.setText(f"Could not duplicate: {exc}")
            return None
        self.open(copy)
        self.duplicated.emit(copy)
        return copy

    # ================================================================= room previews

    def stop_previews(self) -> None:
        """End both previews: the music fades out; the room keeps a previewed light."""
        self._light_preview_timer.stop()
        self._music_note = ""
        for box in (self.music_preview_button, self.light_preview_check):
            box.setChecked(False)  # their slots stop what ran (never during a session)
        if self.preview is not None:
            self.preview.stop()
        self._show_preview_state()

    def _on_music_preview_toggled(self, on: bool) -> None:
        if self.preview is None:
            return
        if not on:
            self.preview.stop_music()
            self._show_preview_state()
            return
        item = self._current_phase()
        music = item.get("music") if item is not None else None
        playlist = music.get("playlist") if isinstance(music, dict) else None
        where = self.path.parent if self.path is not None else self.library.clinic_dir
        track = first_track(playlist, where, self.library.playlist_dirs)
        volume = min(self.volume_spin.value(), self.max_volume_spin.value())
        self._music_note = "" if track is not None else (
            "Nothing to preview: no playable track in this playlist.")
        if track is None or not self.preview.music((track,), volume):
            self.music_preview_button.setChecked(False)  # back through this slot: shows
        else:
            self._show_preview_state()

    def _on_light_preview_toggled(self, on: bool) -> None:
        self._sent_light = None
        if on:
            self._on_light_preview_due()  # show the phase's light now
        else:
            self._light_preview_timer.stop()
        self._show_preview_state()

    def _schedule_light_preview(self) -> None:
        if self.light_preview_check.isChecked():
            self._light_preview_timer.start()

    def _on_light_preview_due(self) -> None:
        """Send the phase's light as edited, when it is valid and differs from the last."""
        if self.preview is None or not self.light_preview_check.isChecked():
            return
        item = self._current_phase()
        group = self._doc.get("light_group")
        target = light_from_section(item.get("light") if item is not None else None,
                                    _text(group) or None)
        if target is not None and target != self._sent_light and self.preview.light(target):
            self._sent_light = target
        self._show_preview_state()

    def _on_room_light_clicked(self) -> None:
        if self.preview is not None and self.preview.restore_light():
            self.light_preview_check.setChecked(False)
        self._show_preview_state()

    def _on_preview_tick(self) -> None:
        """Follow the room (a session may start) and end the music preview on time."""
        if self.preview is None:
            return
        ok, _reason = self.preview.available()
        if not ok:  # the session owns the room: end previews without touching it
            for box in (self.music_preview_button, self.light_preview_check):
                box.setChecked(False)
        elif self.music_preview_button.isChecked() and (
                self.preview.music_left_s() <= 0 or not self.music_group.isChecked()):
            self.music_preview_button.setChecked(False)
        self._show_preview_state()

    def _show_preview_state(self) -> None:
        preview = self.preview
        if preview is None:
            return
        ok, reason = preview.available()
        tip = "" if ok else f"Not now: {reason}."
        playing = self.music_preview_button.isChecked() and preview.music_track is not None
        self.music_preview_button.setText("Stop" if playing else "Preview")
        self.music_preview_button.setToolTip(
            tip or "Play the playlist's first track here for 20 s (at most 40 %)")
        self.light_preview_check.setToolTip(
            tip or "Show each change of this phase's light in the room (2 s glide)")
        for widget in (self.music_preview_button, self.light_preview_check):
            widget.setEnabled(ok)
        back = (ok and preview.light_changed  # shown only while it has something to do
                and not self.light_preview_check.isChecked())
        self.room_light_button.setEnabled(back)
        self.room_light_button.setVisible(back)
        if playing and preview.music_track is not None:
            left = round(preview.music_left_s())
            self.music_preview_status.setText(
                f"Previewing {preview.music_track.stem} — {left // 60}:{left % 60:02d} left")
        else:
            self.music_preview_status.setText(tip or self._music_note)
        if self.light_preview_check.isChecked():
            light = "The room's lights follow this phase's light."
        elif preview.light_changed:
            light = "The room keeps the previewed light."
        else:
            light = tip
        self.light_preview_status.setText(light)
        for label in (self.music_preview_status, self.light_preview_status):
            label.setVisible(bool(label.text()))
            label.updateGeometry()  # shown again: the form must re-measure the wrapped text

    # ================================================================= PIN gate

    def is_locked(self) -> bool:
        return self.gate is not None and self.stack.currentWidget() is not self.edit_page

    def _check_gate(self) -> None:
        if self.gate is None:
            return
        if self.gate.is_unlocked():
            self.stack.setCurrentWidget(self.edit_page)
        elif self.stack.currentWidget() is self.edit_page or self.stack.currentIndex() < 0:
            self.stop_previews()
            if self.pin_pad is not None:
                self.pin_pad.reset()
            self.stack.setCurrentIndex(0)

    def _on_unlocked(self) -> None:
        self.stack.setCurrentWidget(self.edit_page)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any key or click inside the editor counts as activity for the PIN gate."""
        if (self.gate is not None
                and event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress)
                and isinstance(watched, QWidget)
                and (watched is self or self.isAncestorOf(watched))):
            self.gate.touch()
        return False

    def closeEvent(self, event: Any) -> None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._gate_timer.stop()
        self.stop_previews()
        super().closeEvent(event)


def _form(parent: QWidget | None = None) -> QFormLayout:
    form = QFormLayout(parent)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _row(form: QFormLayout, text: str, field: QWidget | QHBoxLayout | QVBoxLayout) -> None:
    """A form row whose label is centred on a 44 px field."""
    label = QLabel(text, alignment=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    label.setMinimumHeight(44)
    form.addRow(label, field)


def _set_text(edit: QLineEdit, text: str) -> None:
    """setText only when it differs, so the cursor of a field being typed in stays put."""
    if edit.text() != text:
        edit.setText(text)
        edit.setCursorPosition(0)


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return int(value)
