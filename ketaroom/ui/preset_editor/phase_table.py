"""The phases of a preset as a table: :class:`PhaseTableModel` (one row per phase, drag
and drop to reorder) and :class:`PhaseTable` (the view with its Add / Remove / ▲ / ▼
buttons). Neither edits the document: both ask, by signal, and the editor does it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from ruamel.yaml.comments import CommentedMap

from ketaroom.core import preset_yaml
from ketaroom.ui.preset_editor.common import text_of

__all__ = ["PhaseTable", "PhaseTableModel", "phase_summary"]

MIME = "application/x-ketaroom-phase-row"
_ROOT = QModelIndex()
AnyIndex = QModelIndex | QPersistentModelIndex


def phase_summary(item: Any) -> tuple[str, str, str, str, str]:
    """One phase as the table shows it: name, duration, music, light, cue count."""
    if not isinstance(item, dict):
        return ("(not a phase)", "", "", "", "")
    duration = text_of(item.get("duration"))
    if duration == "open":
        expected = item.get("expected")
        duration = f"open (~{expected})" if expected is not None else "open"
    music = item.get("music")
    music_text = (f"{text_of(music.get('playlist'))} · {text_of(music.get('volume', 50))} %"
                  if isinstance(music, dict) else "silence")
    light = item.get("light")
    if isinstance(light, dict):
        shade = light.get("color") or (f"{light['kelvin']} K" if "kelvin" in light else "")
        light_text = f"{text_of(light.get('brightness'))} %" + (f" · {shade}" if shade else "")
    else:
        light_text = "keep"
    cues = item.get("cues")
    count = len(cues) if isinstance(cues, list) else 0
    return (text_of(item.get("name")), duration, music_text, light_text,
            str(count) if count else "")


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
        self._rows = [phase_summary(item) for item in preset_yaml.phases(doc)]
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
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

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.movable:
            return base
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Any) -> QMimeData:
        data = QMimeData()
        rows = sorted({index.row() for index in indexes})
        data.setData(MIME, QByteArray(str(rows[0] if rows else -1).encode()))
        return data

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: AnyIndex) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        source = int(bytes(data.data(MIME).data()).decode() or -1)
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


class PhaseTable(QWidget):
    """The phase table and its buttons. ``selected`` carries the current row (−1: none)."""

    selected = Signal(int)
    addRequested = Signal()
    removeRequested = Signal()
    moveRequested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._current = -1
        self.model = PhaseTableModel(self)
        self.model.moveRequested.connect(self.moveRequested)
        view = self.view = QTableView(objectName="phaseTable")
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        view.setDefaultDropAction(Qt.DropAction.MoveAction)
        view.setDragDropOverwriteMode(False)
        view.setDropIndicatorShown(True)
        view.setDragEnabled(True)
        view.setAcceptDrops(True)
        view.verticalHeader().setDefaultSectionSize(40)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setWordWrap(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.selected.emit(current.row()))

        self.add_button = QPushButton("Add phase")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("▲")
        self.down_button = QPushButton("▼")
        self.up_button.setAccessibleName("Move phase up")
        self.down_button.setAccessibleName("Move phase down")
        self.up_button.setToolTip("Move phase up (or drag the row)")
        self.down_button.setToolTip("Move phase down (or drag the row)")
        self.add_button.clicked.connect(self.addRequested)
        self.remove_button.clicked.connect(self.removeRequested)
        self.up_button.clicked.connect(
            lambda: self.moveRequested.emit(self._current, self._current - 1))
        self.down_button.clicked.connect(
            lambda: self.moveRequested.emit(self._current, self._current + 1))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view, 1)
        layout.addLayout(buttons)

    def set_document(self, doc: CommentedMap, current: int) -> None:
        """Rebuild the rows and keep row ``current`` selected (``selected`` may fire: the
        editor ignores it while it redraws)."""
        self.model.set_document(doc)
        if 0 <= current < self.model.rowCount():
            self.view.selectRow(current)

    def select(self, index: int) -> None:
        """Make row ``index`` current (emits ``selected`` when it changes)."""
        if 0 <= index < self.model.rowCount():
            self.view.selectRow(index)
            self.view.setCurrentIndex(self.model.index(index, 0))

    def show_state(self, current: int, *, editable: bool) -> None:
        """Enable the buttons for row ``current`` (and drag and drop) when editable."""
        self._current = current
        count = self.model.rowCount()
        self.up_button.setEnabled(editable and current > 0)
        self.down_button.setEnabled(editable and 0 <= current < count - 1)
        self.remove_button.setEnabled(editable and 0 <= current < count)
        self.add_button.setEnabled(editable)
        self.model.movable = editable
        self.view.setDragEnabled(editable)
