"""Asking for the admin PIN: a keypad with big digits, usable with gloves in a dim room.

Owns :class:`PinPad` (an embeddable widget: the editor shows it in place of the form while
locked) and :class:`PinDialog` (the same pad in a modal dialog, for settings and room
profiles). Both work through an :class:`ketaroom.store.admin_pin.AdminGate`: when no PIN is set
yet, the pad asks to choose one (twice) instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QRegularExpressionValidator, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaroom.store.admin_pin import AdminGate, PinError, check_pin_format

__all__ = ["PinDialog", "PinPad"]

KEY_PX = 64
"""Keypad buttons are at least this big (touch targets ≥ 44 px)."""


class PinPad(QWidget):
    """PIN entry with an on-screen keypad. Emits :attr:`unlocked` once the gate is open."""

    unlocked = Signal()

    def __init__(self, gate: AdminGate, *, reason: str = "", parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("pinPad")
        self.gate = gate
        self._reason = reason
        self._first_choice: str | None = None
        """While choosing a first PIN: the one typed before the confirmation."""

        self.title = QLabel(objectName="panelTitle", alignment=Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(objectName="muted", alignment=Qt.AlignmentFlag.AlignCenter,
                           wordWrap=True)
        self.field = QLineEdit(objectName="pinField", alignment=Qt.AlignmentFlag.AlignCenter)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setMaxLength(8)
        self.field.setValidator(QRegularExpressionValidator(r"[0-9]{0,8}", self.field))
        font = QFont(self.field.font())
        font.setPixelSize(36)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 8)
        self.field.setFont(font)
        self.field.setMinimumHeight(72)
        self.field.returnPressed.connect(self.submit)
        self.message = QLabel(objectName="problem", alignment=Qt.AlignmentFlag.AlignCenter,
                              wordWrap=True)

        keys = QGridLayout()
        keys.setSpacing(10)
        labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        for index, label in enumerate(labels):
            button = QPushButton(label)
            button.setMinimumSize(KEY_PX, KEY_PX)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if label == "OK":
                button.setObjectName("primary")
                button.clicked.connect(self.submit)
                self.ok_button = button
            elif label == "⌫":
                button.setAccessibleName("Delete last digit")
                button.clicked.connect(self.field.backspace)
            else:
                button.clicked.connect(lambda _=False, d=label: self.field.insert(d))
            keys.addWidget(button, index // 3, index % 3)

        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (self.title, self.hint, self.field, self.message):
            layout.addWidget(widget)
        layout.addLayout(keys)
        layout.addStretch(1)
        self.setMaximumWidth(420)
        self.setFocusProxy(self.field)  # focusing the pad types into the PIN field
        self.setStyleSheet(f"QPushButton {{ min-height: {KEY_PX}px; min-width: {KEY_PX + 40}px;"
                           " font-size: 26px; }"
                           "QLineEdit#pinField { font-size: 36px; min-height: 72px; }")
        self.reset()

    def showEvent(self, event: QShowEvent) -> None:
        """The keyboard goes to the PIN field as soon as the pad appears."""
        super().showEvent(event)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def reset(self) -> None:
        """Back to the first prompt, field empty."""
        self._first_choice = None
        self.field.clear()
        self.message.clear()
        if self.gate.pin.is_set():
            self.title.setText("ADMIN PIN")
            self.hint.setText(self._reason or "Enter the admin PIN to continue.")
        else:
            self.title.setText("CHOOSE AN ADMIN PIN")
            first = ("The admin PIN was reset outside ketaroom (this is recorded)."
                     if self.gate.was_reset else "No admin PIN is set yet.")
            self.hint.setText(f"{first} Choose 4 to 8 digits; it will be asked before "
                              "presets, rooms or settings are changed.")

    def submit(self) -> None:
        pin = self.field.text()
        self.field.clear()
        if self.gate.pin.is_set():
            self._try_unlock(pin)
        else:
            self._choose(pin)

    def _try_unlock(self, pin: str) -> None:
        if self.gate.unlock(pin):
            self.message.clear()
            self.unlocked.emit()
            return
        wait = self.gate.refused_for()
        if wait > 0:
            self.message.setText(f"Too many tries. Wait {int(wait) + 1} s, then try again.")
            self.ok_button.setEnabled(False)
            QTimer.singleShot(int(wait * 1000) + 100, lambda: self.ok_button.setEnabled(True))
        else:
            self.message.setText("That PIN is not right.")

    def _choose(self, pin: str) -> None:
        try:
            check_pin_format(pin)
        except PinError as exc:
            self.message.setText(str(exc).capitalize() + ".")
            return
        if self._first_choice is None:
            self._first_choice = pin
            self.message.clear()
            self.hint.setText("Type the same PIN again to confirm.")
            return
        if pin != self._first_choice:
            self.reset()
            self.message.setText("The two PINs were different. Start again.")
            return
        try:
            self.gate.set_first_pin(pin)
        except (PinError, OSError) as exc:
            self.reset()
            self.message.setText(f"Could not set the PIN: {exc}")
            return
        self.unlocked.emit()


class PinDialog(QDialog):
    """Modal PIN prompt; ``exec()`` returns Accepted once the gate is unlocked."""

    def __init__(self, gate: AdminGate, *, reason: str = "", parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self.setWindowTitle("Admin PIN")
        self.pad = PinPad(gate, reason=reason, parent=self)
        self.pad.unlocked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pad, alignment=Qt.AlignmentFlag.AlignCenter)

    @staticmethod
    def ensure_unlocked(gate: AdminGate, *, reason: str = "", parent: QWidget | None = None
                        ) -> bool:
        """True when the gate is open, asking for the PIN first if needed."""
        if gate.is_unlocked():
            gate.touch()
            return True
        return PinDialog(gate, reason=reason, parent=parent).exec() == QDialog.DialogCode.Accepted
