"""The music panel's "Remember 30 % for PT-0042" (as their comfortable volume).

Owns :class:`RememberComfortable`: once the clinician has moved the volume in a session
linked to a patient (under way or just ended), one click stores the volume they settled on
as that patient's
comfortable volume (``docs/presets.md``, "A patient's preferences"; it applies from the
patient's next session). The saving call is given (the session service's
``remember_comfortable_volume``) and runs off the main thread; the line under the button
says when it is stored, or why not.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from ketaroom.ui.background_call import BackgroundCall
from ketaroom.ui.widgets import muted_label, show_status

Save = Callable[[str, float], object]
"""``save(code, volume_pct)``: stores the comfortable volume (blocking; raises to refuse)."""


class RememberComfortable(QWidget):
    """A quiet button offering to remember the volume now as the patient's comfortable one."""

    def __init__(self, save: Save, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._save = save
        self.button = QPushButton()
        self.button.setObjectName("rememberComfortable")
        self.status = muted_label(wrap=True)
        self.status.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.status)
        self._offer: tuple[str, int] | None = None
        """What the button offers: (patient code, whole percent)."""
        self._saving: tuple[str, int] | None = None
        self._moved_for: str | None = None
        """The patient whose session the clinician moved the volume in (None: not yet)."""
        self._call = BackgroundCall(self)
        self._call.done.connect(self._on_saved)
        self.button.clicked.connect(self._on_clicked)
        self.hide()

    def volume_moved(self, code: str | None) -> None:
        """The clinician moved the volume in patient ``code``'s session: offer from now on."""
        self._moved_for = code

    def offer(self, code: str | None, volume_pct: float) -> None:
        """Offer ``volume_pct`` (whole percent) for patient ``code``, once the clinician
        moved the volume in their session; hidden without a patient or while no music is
        heard. A new offer clears the last outcome."""
        pct = round(volume_pct)
        offer = (code, pct) if code and code == self._moved_for and pct > 0 else None
        if offer == self._offer:
            return
        self._offer = offer
        if not self._call.busy:
            self._show_offer()
            self._say("")
        self.setVisible(offer is not None or self._call.busy)

    def _show_offer(self) -> None:
        if self._offer is not None:
            code, pct = self._offer
            self.button.setText(f"Remember {pct} % for {code}")  # the panel is narrow
            self.button.setToolTip(
                f"Store {pct} % as {code}'s comfortable volume: their next sessions play "
                "their loudest phase at it, the others in proportion, never above the limits")

    def _on_clicked(self) -> None:
        if self._offer is None or self._call.busy:
            return
        code, pct = self._saving = self._offer
        self.button.setEnabled(False)
        self._say("Saving…")
        self._call.start(lambda: self._save(code, float(pct)), "ketaroom-comfortable-volume")

    def _on_saved(self, _patient: object, error: object) -> None:
        assert self._saving is not None
        code, pct = self._saving
        self.button.setEnabled(True)
        self._show_offer()  # the slider may have moved meanwhile
        if error is not None:
            self._say(f"Not saved: {error}", problem=True)
        else:
            self._say(f"Saved: {pct} % is {code}'s comfortable volume from the next session.")
        self.setVisible(self._offer is not None)

    def _say(self, text: str, *, problem: bool = False) -> None:
        show_status(self.status, text, problem=problem)
        self.status.setVisible(bool(text))
