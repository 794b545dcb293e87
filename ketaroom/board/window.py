"""The nurse-station window: one tile per room, most urgent first, readable across a room.

Tiles are redrawn from :class:`~ketaroom.board.model.BoardModel` when messages arrive
(through :class:`~ketaroom.board.feed.BoardFeed`'s queued signal) and once a second so
the phase clocks count down between messages. A room entering an emergency rings the
board's chime once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ketaroom.board.chime import Chime
from ketaroom.board.feed import BoardFeed
from ketaroom.board.model import BoardModel, TileText, kind_of
from ketaroom.core.board import RoomMessage
from ketaroom.ui.theme import COLORS

REFRESH_MS = 1000
EMERGENCY_BG = "#6e2418"
"""A deep brick red: unmistakable in a dim room without glaring."""
EMERGENCY_EDGE = "#d0654a"
EMERGENCY_TEXT = "#fbe3d8"

BOARD_QSS = """
QFrame#tile {{ background: {panel}; border: 2px solid {line}; border-radius: 14px; }}
QFrame#tile QLabel {{ background: transparent; }}
QLabel#room {{ font-size: 30pt; font-weight: 700; color: {text}; }}
QLabel#status {{ font-size: 17pt; font-weight: 600; color: {muted}; letter-spacing: 1px; }}
QLabel#patient {{ font-size: 20pt; color: {text}; }}
QLabel#phase {{ font-size: 26pt; font-weight: 600; color: {text}; }}
QLabel#remaining {{ font-size: 54pt; font-weight: 300; color: {accent}; }}
QLabel#left {{ font-size: 14pt; color: {muted}; }}
QLabel#elapsed {{ font-size: 17pt; color: {muted}; }}
QLabel#cue {{ font-size: 20pt; font-weight: 600; color: {warn_text}; }}
QLabel#waiting {{ font-size: 17pt; color: {warn_text}; }}
QLabel#health {{ font-size: 15pt; color: {muted}; }}
QLabel#health[bad="true"] {{ color: {warn_text}; font-weight: 600; }}
QLabel#stale {{ font-size: 15pt; color: {warn_text}; }}
QLabel#boardTitle {{ font-size: 20pt; font-weight: 600; color: {muted}; }}
QLabel#link {{ font-size: 15pt; color: {muted}; }}
QLabel#link[bad="true"] {{ color: {warn_text}; font-weight: 600; }}
QLabel#empty {{ font-size: 22pt; color: {muted}; }}

QFrame#tile[kind="running"] {{ border-color: {accent_dim}; }}
QFrame#tile[kind="cues"] {{ border: 4px solid {cue}; background: {warn_bg}; }}
QFrame#tile[kind="cues"] QLabel#status {{ color: {warn_text}; }}
QFrame#tile[kind="paused"] QLabel#remaining {{ color: {muted}; }}
QFrame#tile[kind="emergency"] {{ border: 5px solid {emergency_edge};
                                   background: {emergency_bg}; }}
QFrame#tile[kind="emergency"] QLabel {{ color: {emergency_text}; }}
QFrame#tile[kind="emergency"] QLabel#status {{ font-size: 30pt; font-weight: 800; }}
QFrame#tile[kind="offline"] {{ border: 3px dashed {muted}; background: {bg}; }}
QFrame#tile[kind="offline"] QLabel#status {{ font-size: 22pt; color: {text}; }}
QFrame#tile[kind="offline"] QLabel#room {{ color: {muted}; }}
QFrame#tile[kind="quiet"] {{ border-color: {panel}; background: {bg}; }}
QFrame#tile[kind="quiet"] QLabel {{ color: {disabled}; }}
"""


def board_style() -> str:
    """The tiles' style sheet, in the night theme's colours."""
    return BOARD_QSS.format(**COLORS, emergency_bg=EMERGENCY_BG,
                            emergency_edge=EMERGENCY_EDGE, emergency_text=EMERGENCY_TEXT)


def _set_flag(label: QLabel, name: str, value: bool) -> None:
    if label.property(name) != value:
        label.setProperty(name, value)
        label.style().unpolish(label)
        label.style().polish(label)


class Tile(QFrame):
    """One room."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.labels: dict[str, QLabel] = {}

        def label(name: str, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
            widget = QLabel()
            widget.setObjectName(name)
            # a new text never resizes the tile: no relayout of the board every second
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            widget.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
            self.labels[name] = widget
            return widget

        column = QVBoxLayout(self)
        column.setContentsMargins(22, 16, 22, 16)
        column.setSpacing(4)
        top = QHBoxLayout()
        top.addWidget(label("room"), 3)
        top.addWidget(label("patient", Qt.AlignmentFlag.AlignRight), 2)
        column.addLayout(top)
        column.addWidget(label("status"))
        middle = QHBoxLayout()
        middle.addWidget(label("phase"), 5)
        clock = QVBoxLayout()
        clock.setSpacing(0)
        clock.addWidget(label("remaining", Qt.AlignmentFlag.AlignRight))
        clock.addWidget(label("left", Qt.AlignmentFlag.AlignRight))
        middle.addLayout(clock, 6)
        column.addLayout(middle)
        column.addWidget(label("elapsed"))
        column.addWidget(label("cue"))
        column.addWidget(label("waiting"))
        column.addStretch(1)
        column.addWidget(label("stale"))
        column.addWidget(label("health"))
        self.labels["phase"].setWordWrap(True)
        self.labels["status"].setWordWrap(True)
        self.labels["cue"].setWordWrap(True)
        self.kind = ""

    def show_text(self, text: TileText) -> None:
        if text.kind != self.kind:
            self.kind = text.kind
            self.setProperty("kind", text.kind)
            self.style().unpolish(self)
            self.style().polish(self)
            for child in self.labels.values():
                child.style().unpolish(child)
                child.style().polish(child)
        values = {"room": text.room, "status": text.status, "patient": text.patient,
                  "phase": text.phase, "remaining": text.remaining,
                  "left": "left in phase" if text.remaining not in ("", "open") else "",
                  "elapsed": text.elapsed,
                  "cue": f"Cue: {text.next_cue}" if text.next_cue else "",
                  "waiting": text.waiting, "stale": text.stale, "health": text.health}
        for name, value in values.items():
            widget = self.labels[name]
            if widget.text() != value:
                widget.setText(value)
            widget.setVisible(bool(value))
        _set_flag(self.labels["health"], "bad", not text.health_ok)


def columns_for(count: int) -> int:
    """Tiles per row for ``count`` rooms: a near-square grid, at most 5 across."""
    return max(1, min(5, math.ceil(math.sqrt(count))))


class BoardWindow(QMainWindow):
    """Every room, as tiles. ``feed`` may be None (tests and screenshots feed
    :meth:`take` directly)."""

    def __init__(self, feed: BoardFeed | None, chime: Chime,
                 now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.setWindowTitle("ketaroom — nurse station")
        self.model = BoardModel()
        self.chime = chime
        self.tiles: dict[str, Tile] = {}
        self._now = now
        self._order: list[str] = []
        self.feed = feed
        root = QWidget()
        root.setStyleSheet(board_style())
        outer = QVBoxLayout(root)
        outer.setContentsMargins(18, 12, 18, 18)
        outer.setSpacing(12)
        header = QHBoxLayout()
        title = QLabel("Nurse station")
        title.setObjectName("boardTitle")
        header.addWidget(title, 1)
        self.link_label = QLabel("connecting…" if feed is not None else "")
        self.link_label.setObjectName("link")
        header.addWidget(self.link_label)
        outer.addLayout(header)
        self.empty = QLabel("No rooms yet: waiting for the rooms to report")
        self.empty.setObjectName("empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.empty, 1)
        self.grid = QGridLayout()
        self.grid.setSpacing(14)
        outer.addLayout(self.grid, 1)
        self.setCentralWidget(root)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        if feed is not None:
            feed.arrived.connect(self._drain, Qt.ConnectionType.QueuedConnection)
            feed.link.connect(self._show_link, Qt.ConnectionType.QueuedConnection)
            feed.start()

    def take(self, messages: list[tuple[RoomMessage, float, bool]]) -> None:
        """Apply room messages ``(message, received_at, retained)``; chime once for every
        room that newly entered an emergency."""
        ring = False
        for message, received_at, retained in messages:
            before = self.model.entry(message.slug)
            was = kind_of(before.message) if before is not None else None
            if self.model.apply(message, received_at, retained):
                ring |= message.status == "emergency" and was != "emergency"
        if ring:
            self.chime.ring()
        self.refresh({message.slug for message, _received, _retained in messages})

    def refresh(self, only: set[str] | None = None) -> None:
        """Redraw the tiles for now (every tile, or those of the rooms in ``only``),
        placing them again when the order changed."""
        now = self._now()
        order = self.model.ordered()
        for slug in order:
            if slug not in self.tiles:
                self.tiles[slug] = Tile()
            elif only is not None and slug not in only:
                continue
            self.tiles[slug].show_text(self.model.text(slug, now))
        if order != self._order:
            self._order = order
            for tile in self.tiles.values():
                self.grid.removeWidget(tile)
            across = columns_for(len(order))
            for i, slug in enumerate(order):
                self.grid.addWidget(self.tiles[slug], i // across, i % across)
            self.empty.setVisible(not order)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        if self.feed is not None:
            self.feed.close()
        self.chime.close()
        super().closeEvent(event)

    def _drain(self) -> None:
        if self.feed is not None:
            self.take(self.feed.drain())

    def _show_link(self, connected: bool, message: str) -> None:
        self.link_label.setText(f"broker {self.feed.address.host}:{self.feed.address.port}"
                                if connected and self.feed is not None
                                else f"Board not connected: {message}")
        _set_flag(self.link_label, "bad", not connected)
