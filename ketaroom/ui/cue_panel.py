"""The cues panel: cues that fired and still wait for the clinician, shown calmly.

No pop-up, no sound, no focus stealing: a fired cue appears as a card with a warm
left edge; it stays until acknowledged (so a missed cue is never lost from view)
and says how long it has been waiting. A ``vitals`` cue offers to open the vitals
entry; recording vitals acknowledges it. After a crash resume, a cue that fired before
the interruption and was never acknowledged waits again, and its card says so (as does
the card of a cue whose time passed while ketaroom was closed).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ketaroom.core.durations import format_clock
from ketaroom.session.room_state import CueOrigin
from ketaroom.ui.widgets import Panel, icon_button, muted_label


@dataclass(frozen=True)
class CueView:
    ticket: int
    prompt: str
    kind: str
    """``vitals``, ``note`` or ``reminder``."""
    phase_name: str
    t: float
    """Active session seconds when it fired."""
    origin: CueOrigin = CueOrigin.LIVE


ORIGIN_TEXT = {CueOrigin.BEFORE_INTERRUPTION: "From before the interruption",
               CueOrigin.WHILE_INTERRUPTED: "Came due while ketaroom was closed"}
"""What a card says about a cue that did not fire in this process."""


class CueCard(QFrame):
    def __init__(self, cue: CueView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cueCard")
        self.cue = cue
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 8, 8)
        layout.setSpacing(4)
        self.prompt = QLabel(cue.prompt)
        self.prompt.setWordWrap(True)
        self.when = muted_label(wrap=True)
        layout.addWidget(self.prompt)
        layout.addWidget(self.when)
        self.origin = muted_label(ORIGIN_TEXT.get(cue.origin, ""), wrap=True)
        self.origin.setVisible(cue.origin in ORIGIN_TEXT)
        layout.addWidget(self.origin)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.setContentsMargins(0, 0, 0, 0)
        self.vitals_button = None
        if cue.kind == "vitals":
            self.vitals_button = icon_button("Vitals", "mdi6.heart-pulse",
                                             tip="Enter this reading")
            row.addWidget(self.vitals_button)
        elif cue.kind == "note":
            self.note_button = icon_button("Note", "mdi6.pencil", tip="Write a note")
            row.addWidget(self.note_button)
        self.ack_button = icon_button("Done", "mdi6.check", tip="Acknowledge this cue")
        row.addStretch(1)
        row.addWidget(self.ack_button)
        layout.addLayout(row)
        for button in self.findChildren(type(self.ack_button)):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click never steals typing focus

    def show_age(self, now_t: float) -> None:
        """How long it has waited in session time ("just now" only for a cue that fired
        in this process: one from before an interruption has waited longer)."""
        waited = max(0.0, now_t - self.cue.t)
        age = (f" · waiting {int(waited // 60)} min" if waited >= 60 else
               " · just now" if self.cue.origin is CueOrigin.LIVE else "")
        self.when.setText(f"{self.cue.phase_name} · at {format_clock(self.cue.t)}{age}")


class CuePanel(Panel):
    acknowledged = Signal(int)
    vitals_requested = Signal(int)
    note_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Cues", parent)
        self._cards: dict[int, CueCard] = {}
        self.empty = muted_label("No cues waiting.", wrap=True)
        self.body.addWidget(self.empty)
        holder = QWidget()
        holder.setObjectName("cueList")
        self._list = QVBoxLayout(holder)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(8)
        self._list.addStretch(1)
        scroll = QScrollArea()
        viewport = QWidget()  # made here: asking Qt for its own would cost ~6 ms (issue 14)
        viewport.setObjectName("cueViewport")
        scroll.setViewport(viewport)
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.addWidget(scroll, 1)
        self.title_base = "CUES"

    @property
    def waiting(self) -> list[int]:
        """Tickets of the cues on screen, oldest first."""
        return list(self._cards)

    def card(self, ticket: int) -> CueCard | None:
        return self._cards.get(ticket)

    def sync(self, waiting: list[CueView], now_t: float) -> None:
        """Show exactly ``waiting`` (unacknowledged cues), oldest on top."""
        wanted = {cue.ticket for cue in waiting}
        for ticket in [t for t in self._cards if t not in wanted]:
            card = self._cards.pop(ticket)
            card.hide()
            self._list.removeWidget(card)
            card.deleteLater()
        for cue in waiting:
            if cue.ticket not in self._cards:
                self._add(cue)
        for card in self._cards.values():
            card.show_age(now_t)
        self.empty.setVisible(not self._cards)
        count = len(self._cards)
        self.title.setText(f"{self.title_base} · {count} WAITING" if count else self.title_base)

    def _add(self, cue: CueView) -> None:
        card = CueCard(cue)
        card.ack_button.clicked.connect(lambda: self.acknowledged.emit(cue.ticket))
        if card.vitals_button is not None:
            card.vitals_button.clicked.connect(lambda: self.vitals_requested.emit(cue.ticket))
        elif cue.kind == "note":
            card.note_button.clicked.connect(lambda: self.note_requested.emit(cue.ticket))
        self._list.insertWidget(self._list.count() - 1, card)
        self._cards[cue.ticket] = card
