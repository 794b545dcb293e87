"""The preset library window: shipped and clinic presets beside the editor.

Owns :class:`PresetLibraryView`: the list of presets (shipped ones marked read-only, each
with its validation status), the New / Duplicate / Import / Export / Delete actions and an
embedded :class:`ketaroom.ui.preset_editor.PresetEditor` for the selected preset. Changes
go through :class:`ketaroom.core.preset_library.PresetLibrary` (validated, audited); with
an admin gate, every change asks for the PIN first. An optional
:class:`ketaroom.ui.preview.RoomPreview` goes to the editor (music and light previews on the
room); closing the window ends the previews.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.durations import format_duration
from ketaroom.core.preset_library import ImportResult, PresetEntry, PresetLibrary
from ketaroom.store.admin_pin import AdminGate
from ketaroom.ui.pin_dialog import PinDialog
from ketaroom.ui.preset_editor import PresetEditor
from ketaroom.ui.preview import RoomPreview

__all__ = ["PresetLibraryView"]


class PresetLibraryView(QWidget):
    """List of presets + editor. ``presetsChanged`` fires after any file change."""

    presetsChanged = Signal()

    def __init__(self, library: PresetLibrary, *, gate: AdminGate | None = None,
                 preview: RoomPreview | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presetLibrary")
        self.setWindowTitle("Presets")
        self.library = library
        self.gate = gate
        self.editor = PresetEditor(library, gate=gate, preview=preview)
        self.editor.saved.connect(self._on_saved)
        self.editor.duplicated.connect(self._on_saved)

        side = QFrame(objectName="panel")
        side.setMinimumWidth(270)
        side.setMaximumWidth(380)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(14, 10, 14, 12)
        side_layout.addWidget(QLabel("PRESETS", objectName="panelTitle"))
        self.list = QListWidget(objectName="presetList")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._on_current_changed)
        side_layout.addWidget(self.list, 1)

        self.new_button = QPushButton("New")
        self.duplicate_button = QPushButton("Duplicate")
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        self.delete_button = QPushButton("Delete")
        self.new_button.clicked.connect(self.new_preset)
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.delete_button.clicked.connect(self.delete_selected)
        actions = QGridLayout()
        for index, button in enumerate((self.new_button, self.duplicate_button,
                                        self.import_button, self.export_button)):
            actions.addWidget(button, index // 2, index % 2)
        actions.addWidget(self.delete_button, 2, 0, 1, 2)
        side_layout.addLayout(actions)

        self.message = QLabel(objectName="problem", wordWrap=True)
        self.import_problems = QListWidget(objectName="importProblems")
        self.import_problems.setWordWrap(True)
        self.import_problems.setMaximumHeight(160)
        side_layout.addWidget(self.message)
        side_layout.addWidget(self.import_problems)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(side)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)
        self._show_import_result(None)
        self.reload()

    # ----------------------------------------------------------------- listing

    def reload(self, select: Path | None = None) -> None:
        """Re-read both folders; keep (or move to) ``select``."""
        current = select or self.selected_path()
        self.list.blockSignals(True)
        self.list.clear()
        for entry in self.library.entries():
            item = QListWidgetItem(self._label(entry))
            item.setData(Qt.ItemDataRole.UserRole, str(entry.path))
            item.setToolTip("\n".join(str(p) for p in entry.problems) or entry.description)
            self.list.addItem(item)
            if current is not None and Path(entry.path) == Path(current):
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        else:
            self._sync_buttons()
            path = self.selected_path()
            if path is not None and path != self.editor.path:
                self.editor.open(path)

    @staticmethod
    def _label(entry: PresetEntry) -> str:
        origin = "shipped, read-only" if entry.shipped else "clinic"
        if entry.ok:
            status = format_duration(entry.planned_s)
        else:
            count = len(entry.problems)
            status = f"{count} problem{'s' * (count != 1)}"
        return f"{entry.name}\n{origin} · {status}"

    def selected_path(self) -> Path | None:
        item = self.list.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _sync_buttons(self) -> None:
        path = self.selected_path()
        clinic = path is not None and not self.library.is_shipped(path)
        self.delete_button.setEnabled(clinic)
        self.duplicate_button.setEnabled(path is not None)
        self.export_button.setEnabled(path is not None)

    def _on_current_changed(self, current: QListWidgetItem | None,
                            previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        if not self._may_discard():
            self.list.blockSignals(True)
            self.list.setCurrentItem(previous)
            self.list.blockSignals(False)
            return
        self._sync_buttons()
        self.editor.open(Path(current.data(Qt.ItemDataRole.UserRole)))

    def _may_discard(self) -> bool:
        if self.editor.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "This preset has unsaved changes. Discard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def _allowed(self) -> bool:
        if self.gate is None:
            return True
        return PinDialog.ensure_unlocked(self.gate, reason="Changing presets needs the "
                                         "admin PIN.", parent=self)

    # ----------------------------------------------------------------- actions

    def new_preset(self) -> None:
        if not self._allowed() or not self._may_discard():
            return
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.list.blockSignals(False)
        self.editor.open(None)

    def duplicate_selected(self) -> Path | None:
        path = self.selected_path()
        if path is None or not self._allowed():
            return None
        entry = self.library.entry(path)
        copy = self.library.duplicate(path, f"{entry.name} (copy)")
        self._on_saved(copy)
        return copy

    def import_file(self, source: Path) -> ImportResult:
        """Import ``source``; problems are listed under the preset list, nothing changes."""
        result = self.library.import_preset(source)
        self._show_import_result(result)
        if result.ok and result.path is not None:
            self._on_saved(result.path)
        return result

    def _show_import_result(self, result: ImportResult | None) -> None:
        self.import_problems.clear()
        if result is None:
            self.message.clear()
        elif result.ok:
            self.message.setText(f"Imported as {result.path.name}.")
        else:
            self.message.setText("Not imported: the file has problems. Nothing was changed.")
            self.import_problems.addItems(result.messages)
        self.message.setVisible(bool(self.message.text()))
        self.import_problems.setVisible(self.import_problems.count() > 0)

    def _on_import_clicked(self) -> None:
        if not self._allowed():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Import a preset", str(Path.home()),
                                              "Presets (*.yaml *.yml)")
        if name:
            self.import_file(Path(name))

    def _on_export_clicked(self) -> None:
        path = self.selected_path()
        if path is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the preset",
                                              str(Path.home() / path.name),
                                              "Presets (*.yaml *.yml)")
        if name:
            try:
                self.library.export_preset(path, Path(name))
            except OSError as exc:
                self.message.setText(f"Could not export: {exc.strerror or exc}")
            else:
                self.message.setText(f"Exported to {name}.")
            self.message.setVisible(True)

    def delete_selected(self) -> None:
        path = self.selected_path()
        if path is None or self.library.is_shipped(path) or not self._allowed():
            return
        answer = QMessageBox.question(
            self, "Delete preset", f"Delete the preset “{path.stem}” from this clinic?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.library.delete(path)
        self.editor.undo_stack.clear()
        self.reload()
        self.presetsChanged.emit()

    def _on_saved(self, path: Path) -> None:
        self.reload(select=path)
        self.presetsChanged.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing (hiding) the library ends the editor's previews."""
        self.editor.stop_previews()
        super().closeEvent(event)
