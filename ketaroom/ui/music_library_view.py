"""Clinic → Music library: the clinic's own music, scanned, previewed, made into playlists.

Owns :class:`MusicLibraryView`. Everything slow happens off the Qt main thread: a scan
runs on :class:`ketaroom.session.library.LibraryScan`'s thread and its results come back
as queued signals, so the window stays usable (and the scan cancellable) while thousands
of files are measured. Changing things — adding a folder, saving a playlist — asks for
the admin PIN; looking, sorting and previewing (≤ 40 %, only while no session runs, via
:class:`ketaroom.ui.preview.RoomPreview`) do not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.durations import format_clock
from ketaroom.music_library.scan import TrackResult
from ketaroom.session.library import LibraryScan, MusicLibrary, ScanProgress
from ketaroom.store.admin_pin import AdminGate
from ketaroom.ui.pin_dialog import PinDialog
from ketaroom.ui.preview import MAX_PREVIEW_VOLUME_PCT, RoomPreview

COLUMNS = ("Title", "Artist", "Duration", "Loudness", "Status", "Loud start")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2


class _ScanSignals(QObject):
    """Carries a scan's callbacks from its thread to the main thread (queued)."""

    result = Signal(object)
    progress = Signal(object)
    done = Signal(object)


class PlaylistList(QListWidget):
    """The playlist being built: tracks dropped from the library table, reorderable."""

    def __init__(self, table: QTableView, on_drop: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._table = table
        self._on_drop = on_drop
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    def add_track(self, path: Path, title: str) -> None:
        item = QListWidgetItem(title)
        item.setData(PATH_ROLE, str(path))
        item.setToolTip(str(path))
        self.addItem(item)

    def tracks(self) -> list[Path]:
        return [Path(self.item(i).data(PATH_ROLE)) for i in range(self.count())]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.source() is self._table:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.source() is self._table:
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Rows dragged from the library table: their tracks are appended."""
        if event.source() is self._table:
            self._on_drop()
            event.acceptProposedAction()
        else:
            super().dropEvent(event)


class MusicLibraryView(QWidget):
    """The library table, its scan, previews and the playlist being built."""

    def __init__(self, library: MusicLibrary, *, gate: AdminGate | None,
                 preview: RoomPreview | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Music library")
        self.library = library
        self.gate = gate
        self.preview = preview
        self.scan_job: LibraryScan | None = None
        self._rows: dict[str, int] = {}
        self._signals = _ScanSignals(self)
        self._signals.result.connect(self._on_result)
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)

        self.folders_label = QLabel()
        self.folders_label.setWordWrap(True)
        self.add_button = QPushButton("Add folder…")
        self.add_button.clicked.connect(self.choose_folder)
        self.scan_button = QPushButton("Scan")
        self.scan_button.clicked.connect(self.start_scan)
        self.cancel_button = QPushButton("Cancel scan")
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m files")
        self.progress.setTextVisible(True)
        self.progress.setValue(0)
        self.progress_label = QLabel("")
        top = QHBoxLayout()
        for widget in (self.add_button, self.scan_button, self.cancel_button):
            top.addWidget(widget)
        top.addWidget(self.progress, 1)
        top.addWidget(self.progress_label)

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.preview_selected())

        self.preview_button = QPushButton(f"Preview (≤ {MAX_PREVIEW_VOLUME_PCT:g} %)")
        self.preview_button.clicked.connect(self.preview_selected)
        self.stop_button = QPushButton("Stop preview")
        self.stop_button.clicked.connect(self.stop_preview)
        self.add_to_playlist_button = QPushButton("Add to playlist →")
        self.add_to_playlist_button.clicked.connect(self.add_selected)
        self.preview_label = QLabel("")
        under = QHBoxLayout()
        for widget in (self.preview_button, self.stop_button, self.add_to_playlist_button):
            under.addWidget(widget)
        under.addWidget(self.preview_label, 1)
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left.addLayout(under)

        self.playlist = PlaylistList(self.table, self.add_selected, self)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Playlist name")
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.save_button = QPushButton("Save playlist")
        self.save_button.clicked.connect(self.save_playlist)
        self.saved_label = QLabel("")
        self.saved_label.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(QLabel("New playlist (drag tracks here)"))
        right.addWidget(self.playlist, 1)
        right.addWidget(self.name_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)
        right.addLayout(buttons)
        right.addWidget(self.saved_label)

        self.table.selectionModel().selectionChanged.connect(self._show_choices)
        self.playlist.itemSelectionChanged.connect(self._show_choices)
        self._show_choices()

        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folders_label)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self._show_folders()

    # ----------------------------------------------------------------- helpers

    def _allowed(self, reason: str) -> bool:
        if self.gate is None:
            return True
        return PinDialog.ensure_unlocked(self.gate, reason=reason, parent=self)

    def _show_folders(self) -> None:
        folders = self.library.folders()
        self.folders_label.setText(
            "Library folders: " + ", ".join(str(f) for f in folders) if folders
            else "No library folder yet: add the folder where the clinic's music is.")
        self.scan_button.setEnabled(bool(folders) and self.scan_job is None)

    def _show_choices(self) -> None:
        """What needs a track chosen is offered once one is (never a button doing nothing)."""
        chosen = self.table.selectionModel().hasSelection()
        self.preview_button.setEnabled(chosen)
        self.add_to_playlist_button.setEnabled(chosen)
        self.remove_button.setEnabled(bool(self.playlist.selectedItems()))

    def selected_paths(self) -> list[tuple[Path, str]]:
        """The selected tracks (path, title), in the table's order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        out = []
        for row in rows:
            item = self.model.itemFromIndex(self.proxy.mapToSource(self.proxy.index(row, 0)))
            out.append((Path(item.data(PATH_ROLE)), item.text()))
        return out

    # ----------------------------------------------------------------- folders, scan

    def choose_folder(self) -> None:
        if not self._allowed("Adding music to the library needs the admin PIN."):
            return
        folder = QFileDialog.getExistingDirectory(self, "Add a music folder")
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        """Add ``folder`` and scan the library (the PIN was asked by the caller)."""
        self.library.add_folder(folder)
        self._show_folders()
        self.start_scan()

    def start_scan(self) -> None:
        if self.scan_job is not None:
            return
        self.scan_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_label.setText("finding files…")
        signals = self._signals
        self.scan_job = self.library.scan(signals.result.emit, signals.progress.emit,
                                          signals.done.emit)

    def cancel_scan(self) -> None:
        if self.scan_job is not None:
            self.scan_job.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("cancelling…")

    def _on_result(self, result: TrackResult) -> None:
        m = result.measurement
        key = str(result.path)
        title = m.title or result.path.stem
        loud = result.loud_start
        cells = [
            (title, title.casefold()),
            (m.artist or "", (m.artist or "").casefold()),
            (format_clock(m.duration_s) if m.duration_s is not None else "",
             m.duration_s if m.duration_s is not None else -1.0),
            (f"{m.lufs:.1f} LUFS" if m.lufs is not None else "",
             m.lufs if m.lufs is not None else -200.0),
            (m.status.value, m.status.value),
            ("loud start" if loud else "", 1 if loud else 0),
        ]
        items = []
        for text, sort in cells:
            item = QStandardItem(text)
            item.setData(sort, SORT_ROLE)
            item.setToolTip(key if m.reason is None else f"{key}\n{m.reason}")
            items.append(item)
        items[0].setData(key, PATH_ROLE)
        row = self._rows.get(key)
        if row is None:
            self._rows[key] = self.model.rowCount()
            self.model.appendRow(items)
        else:
            for column, item in enumerate(items):
                self.model.setItem(row, column, item)

    def _on_progress(self, progress: ScanProgress) -> None:
        self.progress.setMaximum(max(1, progress.total))
        self.progress.setValue(progress.done)
        files = f"{progress.done} of {progress.total} files"
        if progress.done >= progress.total:
            self.progress_label.setText(f"{files} — done")
        elif progress.left_s is None:
            self.progress_label.setText(files)
        else:
            self.progress_label.setText(f"{files}, about {format_clock(progress.left_s)} left")

    def _on_done(self, error: str | None) -> None:
        cancelled = self.scan_job is not None and self.scan_job.cancelled
        self.scan_job = None
        self.cancel_button.setEnabled(False)
        self._show_folders()
        if error is not None:
            self.progress_label.setText(error)
        elif cancelled:
            self.progress_label.setText("cancelled")

    # ----------------------------------------------------------------- preview

    def preview_selected(self) -> None:
        chosen = self.selected_paths()
        if self.preview is None or not chosen:
            return
        ok, reason = self.preview.available()
        if ok and self.preview.music((chosen[0][0],), MAX_PREVIEW_VOLUME_PCT):
            self.preview_label.setText(f"previewing {chosen[0][1]}")
        else:
            self.preview_label.setText(reason)

    def stop_preview(self) -> None:
        if self.preview is not None:
            self.preview.stop_music()
        self.preview_label.setText("")

    # ----------------------------------------------------------------- playlist

    def add_selected(self) -> None:
        for path, title in self.selected_paths():
            self.playlist.add_track(path, title)

    def remove_selected(self) -> None:
        for item in self.playlist.selectedItems():
            self.playlist.takeItem(self.playlist.row(item))

    def save_playlist(self) -> None:
        if not self._allowed("Saving a playlist needs the admin PIN."):
            return
        try:
            path = self.library.save_playlist(self.name_edit.text(), self.playlist.tracks())
        except ValueError as exc:
            QMessageBox.information(self, "Playlist", str(exc).capitalize() + ".")
            return
        except OSError as exc:
            QMessageBox.warning(self, "Playlist", f"The playlist could not be saved: {exc}")
            return
        self.saved_label.setText(f"Saved {path.name} in {path.parent}")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel_scan()
        self.stop_preview()
        super().closeEvent(event)
