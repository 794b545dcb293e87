"""The main window's Clinic menu: records, patients, presets, room settings, music library.

Admin work, kept out of the session's way: each opens as a window of its own (one of each
kind, raised when already open). Each is built — and its module imported — the first time
it is asked for: the window's first frame needs none of them (issue 14: cold start).
Previews from the preset editor and the music library reach this room's devices only while
no session runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from ketaroom.ui.main_window import MainWindow
    from ketaroom.ui.preview import RoomPreview


SIDE_WINDOW = QSize(1180, 760)
"""A Clinic window's size on a screen with room for it."""
FRAME_PX = 40
"""The title bar and borders the window manager adds: they stay on the screen too."""


class ClinicMenu:
    """Builds the Clinic menu on ``window`` and opens its windows (a part of the window:
    it uses the window's own ``_running``, ``_closed``, ``_show_due`` and
    ``_on_settings_saved``)."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.side_windows: dict[str, QWidget] = {}
        menu = window.menuBar().addMenu("&Clinic")
        menu.addAction("Session &records…", self.open_history)
        menu.addAction("Pa&tients…", self.open_patients)
        menu.addAction("&Presets…", self.open_presets)
        menu.addAction("Room &settings…", self.open_room_settings)
        menu.addAction("&Music library…", self.open_music_library)
        menu.addSeparator()
        quit_action = menu.addAction("&Quit", window.close)  # asks first while a session runs
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))

    def _show(self, key: str, build: Callable[[], QWidget]) -> QWidget:
        """One instance per kind of side window, raised if already open."""
        window = self.side_windows.get(key)
        if window is None:
            window = build()
            window.setWindowFlag(Qt.WindowType.Window, True)
            window.resize(self._fitted(SIDE_WINDOW))
            self.side_windows[key] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _fitted(self, wanted: QSize) -> QSize:
        """``wanted``, no taller than the main window's screen has room for (1280×720,
        1366×768: a 760 px window there had its bottom row, the exports, off the screen).
        The width is kept: the main window itself needs 1180 px."""
        area = self._window.screen().availableGeometry()
        return QSize(wanted.width(), min(wanted.height(), area.height() - FRAME_PX))

    def open_history(self) -> None:
        from ketaroom.ui.history_view import HistoryView

        def build() -> QWidget:
            window = self._window
            view = HistoryView(window.service.journal, window,
                               dsn=lambda: window.settings.central_dsn)
            view.setWindowTitle("Session records")
            return view
        history = self._show("history", build)
        assert isinstance(history, HistoryView)
        history.refresh()

    def open_patients(self) -> None:
        from ketaroom.ui.patient_view import PatientView

        service = self._window.service

        def build() -> QWidget:
            window = self._window
            view = PatientView(service.patients, window, user=service.operator,
                               data_dir=service.data_dir,
                               dsn=lambda: window.settings.central_dsn)
            view.setWindowTitle("Patients")
            view.changed.connect(self._window._show_due)
            return view
        patients = self._show("patients", build)
        assert isinstance(patients, PatientView)
        patients.refresh()

    def open_presets(self) -> None:
        from ketaroom.store.paths import preset_library
        from ketaroom.ui.preset_library_view import PresetLibraryView

        service = self._window.service

        def build() -> QWidget:
            library = preset_library(service.data_dir, auditor=service.journal)
            # "back to room light" re-applies what the light panel shows (the room light
            # this window knows).
            view = PresetLibraryView(library, gate=service.gate, preview=self._room_preview(),
                                     parent=self._window)
            view.presetsChanged.connect(self._on_presets_changed)
            return view
        self._show("presets", build)

    def open_music_library(self) -> None:
        from ketaroom.ui.music_library_view import MusicLibraryView

        service = self._window.service

        def build() -> QWidget:
            return MusicLibraryView(service.library, gate=service.gate,
                                    preview=self._room_preview(), parent=self._window)
        self._show("music-library", build)

    def open_room_settings(self) -> None:
        from ketaroom.ui.room_settings import RoomSettingsDialog

        window, service = self._window, self._window.service
        dialog = RoomSettingsDialog(window.settings, service.data_dir, service.gate,
                                    service.device_setup, window)
        dialog.settingsSaved.connect(window._on_settings_saved)
        dialog.exec()

    def _room_preview(self) -> RoomPreview:
        """Previews on this room's devices, only while no session runs (and once they are up)."""
        from ketaroom.ui.preview import LIGHT_TRANSITION_S, RoomPreview

        window, service = self._window, self._window.service
        panel = window.light_panel
        return RoomPreview(
            lambda: None if window._closed else service.devices(),
            window._running, room_light=lambda: panel.room_light(LIGHT_TRANSITION_S),
            room_group=lambda: service.light_group)

    def _on_presets_changed(self) -> None:
        from ketaroom.ui.session_panel import find_presets

        window = self._window
        if not window._running():
            current = window.session_panel.current_path()
            window.session_panel.set_presets(find_presets(window.service.data_dir), current)
