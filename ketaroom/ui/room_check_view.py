"""The room check in the window: one calm line, and its details on click.

Owns :class:`RoomCheckLine` (a flat button in the status bar: "Room check: 3 lights ready ·
audio ok", or the first thing that needs a look) and :class:`RoomCheckDialog` (every check,
"Check again", "Play test sound" and "Fix power-on behaviour…", which the window puts behind
the admin PIN). Both only render a :class:`~ketaroom.core.room_check.RoomCheckResult`;
:class:`RoomCheckControl` asks the session service to run the check, the fix and the test
sound (the room's player plays it on its own thread, through the same safe start as a
session's music) and shows what it answers. The test sound is offered only while no session
runs: the button says why not otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
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

from ketaroom.core.room_check import TEST_SOUND_MAX_PCT, Check, RoomCheckResult
from ketaroom.ui.widgets import muted_label

if TYPE_CHECKING:
    from ketaroom.session.service import RoomService
    from ketaroom.session.test_sound import Outcome

CHECKING = "Room check: checking…"
STATUS_WORDS = {"ok": "OK", "warning": "Check", "error": "Problem"}
TEST_SOUND_TIP = ("A soft tone for about 3 s on the room's speakers, faded in from silence, "
                  f"at {TEST_SOUND_MAX_PCT:g} % at most (never above the room's volume limit)")


class RoomCheckLine(QPushButton):
    """The check's one line; a click asks for the details."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CHECKING, parent)
        self.setObjectName("roomCheck")
        self.setFlat(True)
        self.setToolTip("Room check: click for the details")

    def show_result(self, result: RoomCheckResult | None) -> None:
        self.setText(CHECKING if result is None else result.summary())

    def show_text(self, text: str) -> None:
        self.setText(text)


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


class RoomCheckControl:
    """The window's room check: runs it through the service (a worker thread there), shows
    the result on :attr:`line` and in the details dialog, and puts the power-on fix behind
    the admin PIN. ``closed`` tells when the window has gone (late answers are dropped)."""

    def __init__(self, service: RoomService, parent: QWidget,
                 closed: Callable[[], bool]) -> None:
        self.service = service
        self._parent = parent
        self._closed = closed
        self.line = RoomCheckLine()
        self.line.clicked.connect(self.show_details)
        self._dialog: RoomCheckDialog | None = None

    def run(self, then: Callable[[RoomCheckResult], None] | None = None) -> None:
        """Check the room now; ``then`` gets the result once it is shown."""
        self.line.show_result(None)
        if self._dialog is not None:
            self._dialog.show_result(None)

        def done(result: RoomCheckResult) -> None:
            if self._closed():
                return
            self.line.show_result(result)
            if self._dialog is not None:
                self._dialog.show_result(result)
            if then is not None:
                then(result)

        self.service.check_room(done)

    def show_details(self) -> RoomCheckDialog:
        """The details (non-modal); "Check again" and the PIN-guarded power-on fix."""
        if self._dialog is None:
            self._dialog = RoomCheckDialog(self._parent)
            self._dialog.recheck_requested.connect(self.run)
            self._dialog.fix_requested.connect(self._on_fix)
            self._dialog.test_sound_requested.connect(self._on_test_sound)
        self._dialog.show_result(self.service.room_check)
        self._dialog.show()
        self._dialog.raise_()
        self.refresh()
        return self._dialog

    def _on_fix(self) -> None:
        from ketaroom.ui.pin_dialog import PinDialog  # when a fix is asked for (cold start)

        dialog = self._dialog
        if dialog is None or not PinDialog.ensure_unlocked(
                self.service.gate, reason="Change the power-on behaviour of the room's lights",
                parent=dialog):
            return
        dialog.fix_button.setEnabled(False)
        dialog.show_note("Setting the power-on behaviour of the room's lights…")
        self.service.fix_power_on(self._on_fixed)

    def refresh(self) -> None:
        """Offer the test sound only when it may play (call when a session starts or ends;
        the window's refresh tick does)."""
        if self._dialog is not None and self._dialog.isVisible():
            self._dialog.offer_test_sound(self.service.test_sound_blocker())

    def _on_test_sound(self) -> None:
        dialog = self._dialog
        if dialog is None:
            return
        blocker = self.service.play_test_sound(self._on_test_sound_done)
        dialog.show_note(blocker or "Playing the test sound: listen in the room…")
        dialog.offer_test_sound(self.service.test_sound_blocker())

    def _on_test_sound_done(self, outcome: Outcome) -> None:
        if self._closed() or self._dialog is None:
            return
        status, words = outcome
        self._dialog.show_note(words[0].upper() + words[1:] if status == "ok"
                               else f"{STATUS_WORDS[status]}: {words}")
        self._dialog.offer_test_sound(self.service.test_sound_blocker())

    def _on_fixed(self, fixed: Check) -> None:
        if self._closed():
            return
        if self._dialog is not None:
            self._dialog.show_note(fixed.message)
        self.run()
