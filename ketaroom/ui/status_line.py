"""The window's status line: what the room check found comes first, whatever the width.

Owns :class:`StatusLine`: the demo-mode / bridge label, what is due today, the room check's
line (:class:`~ketaroom.ui.room_check_view.RoomCheckLine`) and the keyboard shortcuts, laid
out by :class:`PriorityRow`; and the nurse-station board and records-server labels, which
stay at the right even while the status bar shows a message. When the row is too short for
everything, the room check keeps its whole text and the others give way in turn — the
shortcuts first, then what is due, then the mode — each cut with "…" (the whole text in its
tooltip), or left out when only a few letters would fit.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QStatusBar, QWidget, QWidgetItem

from ketaroom.ui.widgets import muted_label

__all__ = ["ElidedLabel", "PriorityRow", "StatusLine", "allot"]

SPACING_PX = 14
PART = " · "
"""Where a status text is best cut (between the shortcuts, between the patients due)."""
LEAST_SHOWN_CHARS = 8
"""An elided label narrower than this many average characters is left out, not cut."""


def allot(wants: Sequence[int], floors: Sequence[int], available: int,
          spacing: int = 0) -> list[int]:
    """Widths for items listed most important first: each gets its whole ``wants`` width
    while the ``available`` width lasts, then what is left if that is at least its
    ``floors`` width, else 0 (left out) — except the first, which always gets what there
    is. Items given room are ``spacing`` apart."""
    widths: list[int] = []
    left = available
    for want, floor in zip(wants, floors, strict=True):
        room = left - (spacing if any(widths) else 0)
        width = max(min(want, room), 0)
        if widths and width < min(floor, want):
            width = 0
        widths.append(width)
        if width:
            left = room - width
    return widths


class ElidedLabel(QLabel):
    """A one-line label that shows as much of its text as its width allows, ending in "…"
    (cut between whole parts where it can: "Ctrl+Shift+E emergency · …").

    :meth:`text` and :meth:`sizeHint` are the whole text's; when the text is cut, the
    tooltip shows it whole.
    """

    def __init__(self, text: str = "", *, tip: str = "", object_name: str = "muted",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setIndent(0)  # the style sheet's padding is the room around the text
        self._full = ""
        self._tip = tip
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()
        self.updateGeometry()

    def text(self) -> str:
        """The whole text (what is shown may be cut: :meth:`shown_text`)."""
        return self._full

    def set_tip(self, tip: str) -> None:
        """The tooltip while the text is whole (when cut, the tooltip is the whole text)."""
        self._tip = tip
        self._elide()

    def shown_text(self) -> str:
        return super().text()

    @property
    def cut(self) -> bool:
        return self.shown_text() != self._full

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self._chrome() + self.fontMetrics().horizontalAdvance(self._full),
                     hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def least_width(self) -> int:
        """Narrower than this, the label is better left out than cut."""
        return self._chrome() + self.fontMetrics().averageCharWidth() * LEAST_SHOWN_CHARS

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _chrome(self) -> int:
        """What the label adds around its text (style sheet padding and border)."""
        return self.width() - self.contentsRect().width() + 2 * self.margin()

    def _shortened(self, room: int) -> str:
        """The text cut to ``room`` pixels: whole " · "-separated parts and "…" when the
        first part fits, else cut within it."""
        metrics = self.fontMetrics()
        parts = self._full.split(PART)
        for count in range(len(parts) - 1, 0, -1):
            candidate = PART.join([*parts[:count], "…"])
            if metrics.horizontalAdvance(candidate) <= room:
                return candidate
        return metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, max(room, 0))

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        room = self.width() - self._chrome()
        shown = self._full
        if metrics.horizontalAdvance(shown) > room:
            shown = self._shortened(room)
        if shown != super().text():
            super().setText(shown)
        self.setToolTip(self._full if shown != self._full else self._tip)


class PriorityRow(QLayout):
    """One row of widgets, each placed at its whole width in order of importance while
    room lasts (:func:`allot`); the rest of the row's width goes to the ``fill`` widget.
    Widgets that can be cut (:class:`ElidedLabel`) are cut, others left out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._rank: list[int] = []
        self._fill: QWidget | None = None
        self.setSpacing(SPACING_PX)
        self.setContentsMargins(0, 0, 0, 0)

    def add(self, widget: QWidget, rank: int, *, fill: bool = False) -> None:
        """Add ``widget`` at the right end; ``rank`` 0 is the most important."""
        self.addChildWidget(widget)
        self._items.append(QWidgetItem(widget))
        self._rank.append(rank)
        if fill:
            self._fill = widget
        self.invalidate()

    # QLayout's interface ------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)
        self._rank.append(len(self._rank))

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if not 0 <= index < len(self._items):
            return None
        del self._rank[index]
        return self._items.pop(index)

    def sizeHint(self) -> QSize:
        shown = [item.sizeHint() for item in self._items if not item.isEmpty()]
        width = sum(s.width() for s in shown) + self.spacing() * max(len(shown) - 1, 0)
        return QSize(width, max((s.height() for s in shown), default=0))

    def minimumSize(self) -> QSize:
        """The most important widget whole; everything else may give way."""
        shown = [(rank, item) for rank, item in zip(self._rank, self._items, strict=True)
                 if not item.isEmpty()]
        if not shown:
            return QSize(0, 0)
        first = min(shown, key=lambda pair: pair[0])[1]
        return QSize(first.sizeHint().width(), self.sizeHint().height())

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        shown = [i for i, item in enumerate(self._items) if not item.isEmpty()]
        order = sorted(shown, key=lambda i: self._rank[i])
        widths = dict(zip(order, allot([self._want(i) for i in order],
                                       [self._floor(i) for i in order],
                                       rect.width(), self.spacing()), strict=True))
        given = [i for i in shown if widths[i]]
        used = sum(widths[i] for i in given) + self.spacing() * max(len(given) - 1, 0)
        x = rect.x()
        for i in shown:
            item = self._items[i]
            width = widths[i]
            if width and item.widget() is self._fill:
                width += rect.width() - used
            height = min(item.sizeHint().height(), rect.height())
            top = rect.y() + (rect.height() - height) // 2
            item.setGeometry(QRect(x, top, width, height if width else 0))
            if width:
                x += width + self.spacing()

    def _want(self, index: int) -> int:
        return self._items[index].sizeHint().width()

    def _floor(self, index: int) -> int:
        widget = self._items[index].widget()
        return widget.least_width() if isinstance(widget, ElidedLabel) else self._want(index)


class StatusLine(QWidget):
    """The status bar's content (see the module docstring); :meth:`install` puts it in."""

    def __init__(self, room_check: QWidget, shortcuts: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room_check = room_check
        self.mode = ElidedLabel()
        self.due = ElidedLabel(object_name="dueLine")
        self.shortcuts = ElidedLabel(shortcuts, tip=f"Keyboard: {shortcuts}")
        row = PriorityRow(self)
        row.add(self.mode, 1)
        row.add(self.due, 2, fill=True)
        row.add(room_check, 0)
        row.add(self.shortcuts, 3)
        self.board = muted_label()
        self.board.hide()  # shown once a board is configured
        self.records = muted_label()
        self.records.hide()  # shown once a records server is configured

    def install(self, bar: QStatusBar) -> None:
        """This line takes the status bar's width; the board's and the records server's
        labels stay at its right, also while the bar shows a message."""
        bar.setSizeGripEnabled(False)
        bar.addWidget(self, 1)
        bar.addPermanentWidget(self.board)
        bar.addPermanentWidget(self.records)

    def show_mode(self, text: str, *, demo: bool) -> None:
        """Demo mode said plainly (framed), or which bridge the room uses."""
        self.mode.setText(text)
        _restyle(self.mode, "demoLabel" if demo else "muted")

    def show_board(self, text: str, *, problem: bool, tip: str = "") -> None:
        self.board.setText(text)
        self.board.setToolTip(tip)
        self.board.show()
        _restyle(self.board, "problem" if problem else "muted")

    def show_records(self, text: str) -> None:
        self.records.setText(text)
        self.records.show()


def _restyle(label: QLabel, object_name: str) -> None:
    """Give ``label`` another look from the style sheet (its object name selects it)."""
    label.setObjectName(object_name)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setFrameStyle(label.frameStyle())  # the frame's width follows the new border
    label.updateGeometry()
