"""The room check in the window: one calm line, and its details on click.

Owns :class:`RoomCheckLine` (a flat button in the status bar: "Room check: 3 lights ready ·
audio ok", or the first thing that needs a look); the details are
:class:`~ketaroom.ui.room_check_dialog.RoomCheckDialog` (built, and its module imported, on
the first click). Both only render a :class:`~ketaroom.core.room_check.RoomCheckResult`;
:class:`RoomCheckControl` asks the session service to run the check, the fix and the test
sound (the room's player plays it on its own thread, through the same safe start as a
session's music) and shows what it answers. The test sound is offered only while no session
runs: the button says why not otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton, QWidget

if TYPE_CHECKING:
    from ketaroom.core.room_check import Check, RoomCheckResult
    from ketaroom.session.service import RoomService
    from ketaroom.session.test_sound import Outcome
    from ketaroom.ui.room_check_dialog import RoomCheckDialog

CHECKING = "Room check: checking…"


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
            from ketaroom.ui.room_check_dialog import RoomCheckDialog

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
        from ketaroom.ui.room_check_dialog import STATUS_WORDS  # the dialog is open

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
