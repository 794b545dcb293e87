"""The room check's details: every check, "Check again", "Play test sound" and "Fix power-on
behaviour…" (which the window puts behind the admin PIN).

:class:`RoomCheckDialog` only renders a :class:`~ketaroom.core.room_check.RoomCheckResult`;
:class:`~ketaroom.ui.room_check_view.RoomCheckControl` builds it — and imports this module —
the first time the clinician asks for the details (the window's first frame needs neither it
nor the room check's model; issue 14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.room_check import TEST_SOUND_MAX_PCT
from ketaroom.ui.widgets import muted_label

if TYPE_CHECKING:
    from ketaroom.core.room_check import RoomCheckResult

STATUS_WORDS = {"ok": "OK", "warning": "Check", "error": "Problem"}
TEST_SOUND_TIP = ("A soft tone for about 3 s on the room's speakers, faded in from silence, "
                  f"at {TEST_SOUND_MAX_PCT:g} % at most (never above the room's volume limit)")


class RoomCheckDialog(QDialog):
    """Every check of the latest result, with Check again and the power-on fix."""

    recheck_requested = Signal()
    fix_requested = Signal()
    test_sound_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomCheckDialog")
        self.setWindowTitle("Room check")
        self.setMinimumWidth(640)
        self.resize(640, 300)
        layout = QVBoxLayout(self)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(2, 1)
        layout.addLayout(self.grid)
        self.note = muted_label(wrap=True)
        layout.addWidget(self.note)
        buttons = QHBoxLayout()
        self.recheck_button = QPushButton("Check again")
        self.test_sound_button = QPushButton("Play test sound")
        self.test_sound_button.setToolTip(TEST_SOUND_TIP)
        self.fix_button = QPushButton("Fix power-on behaviour…")
        self.fix_button.setToolTip("Admin: the room's lights keep their last state after a "
                                   "power cut instead of coming on full bright")
        close = QPushButton("Close")
        buttons.addWidget(self.recheck_button)
        buttons.addWidget(self.test_sound_button)
        buttons.addWidget(self.fix_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.recheck_button.clicked.connect(self.recheck_requested)
        self.fix_button.clicked.connect(self.fix_requested)
        self.test_sound_button.clicked.connect(self.test_sound_requested)
        close.clicked.connect(self.close)
        self.show_result(None)

    def rows(self) -> list[str]:
        """The rows as shown, one ``"STATUS name message"`` string each."""
        texts = [label.text() for i in range(self.grid.count())
                 if isinstance(label := self.grid.itemAt(i).widget(), QLabel)]
        return [" ".join(texts[i:i + 3]) for i in range(0, len(texts), 3)]

    def show_result(self, result: RoomCheckResult | None) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            widget.hide()
            widget.deleteLater()
        if result is None:
            self.grid.addWidget(muted_label("Checking the room…"), 0, 0, 1, 3)
        for row, check in enumerate(result.checks if result is not None else ()):
            status = QLabel(STATUS_WORDS[check.status])
            status.setObjectName("muted" if check.status == "ok" else "problem")
            message = QLabel(check.message)
            message.setWordWrap(True)
            message.setTextFormat(Qt.TextFormat.PlainText)
            for column, label in enumerate((status, QLabel(check.name), message)):
                label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.grid.addWidget(label, row, column)
        power_on = result.find("power-on") if result is not None else None
        self.fix_button.setEnabled(power_on is not None and power_on.status == "warning")
        self._fit()

    def _fit(self) -> None:
        layout = self.layout()
        layout.activate()
        self.resize(self.width(), layout.heightForWidth(self.width()))

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self._fit()

    def offer_test_sound(self, blocker: str | None) -> None:
        """The test sound button: enabled, or disabled with ``blocker`` (why not) as its tip."""
        self.test_sound_button.setEnabled(blocker is None)
        self.test_sound_button.setToolTip(TEST_SOUND_TIP if blocker is None else blocker)
