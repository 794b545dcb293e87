"""The admin PIN in front of the editor: a PIN pad page until unlocked, and again after
the gate's idle time. Activity keeps it open: every edit (the editor touches the gate) and
every move of the keyboard focus into or within the editor.

Not an application-wide event filter: a Python filter on the application sees every event
of every object, those sent while a widget is still being constructed included, and
PySide 6.11 could crash making a Python object for such a widget (seen: a segfault in
shiboken's type lookup while the next Clinic window was being built).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from ketaroom.store.admin_pin import AdminGate
from ketaroom.ui.pin_dialog import PinPad

__all__ = ["PinGuard"]

GATE_CHECK_MS = 1000


class PinGuard(QObject):
    """Shows :attr:`edit_page` in ``stack`` only while ``gate`` is unlocked.

    Puts a PIN pad page first in ``stack`` (built before the edit page, so that focus
    moves on to the editor's first button once unlocked); ``watched`` is the editor
    (activity inside it keeps the gate open); ``on_lock`` runs when the form is hidden.
    """

    def __init__(self, gate: AdminGate, stack: QStackedWidget, watched: QWidget,
                 on_lock: Callable[[], None]) -> None:
        super().__init__(watched)
        self.gate, self.stack, self.watched, self.on_lock = gate, stack, watched, on_lock
        self.edit_page: QWidget | None = None
        """Set by the editor once built."""
        self.pin_pad = PinPad(gate, reason="Editing presets needs the admin PIN.")
        self.pin_pad.unlocked.connect(self.show_form)
        locked = QWidget(objectName="lockedPage")
        QVBoxLayout(locked).addWidget(self.pin_pad, alignment=Qt.AlignmentFlag.AlignCenter)
        stack.addWidget(locked)
        self._timer = QTimer(self, interval=GATE_CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def show_form(self) -> None:
        if self.edit_page is not None:
            self.stack.setCurrentWidget(self.edit_page)

    def is_locked(self) -> bool:
        return self.stack.currentWidget() is not self.edit_page

    def check(self) -> None:
        """Follow the gate: the form when unlocked, else the PIN pad (previews end)."""
        if self.gate.is_unlocked():
            self.show_form()
        elif self.stack.currentWidget() is self.edit_page or self.stack.currentIndex() < 0:
            self.on_lock()
            self.pin_pad.reset()
            self.stack.setCurrentIndex(0)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and (new is self.watched or self.watched.isAncestorOf(new)):
            self.gate.touch()

    def close(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and self._timer.isActive():  # once
            app.focusChanged.disconnect(self._on_focus_changed)
        self._timer.stop()
