"""The timeline strip: every phase as a block sized by its time, cue marks and a "now" line.

Pure display: :meth:`TimelineStrip.show_state` takes the preset and a
:class:`~ketaroom.core.timeline.TimelineState` and repaints. Phases already run are
drawn with the length they really had (extended, skipped early), the current one
with its planned length plus extensions, later ones as planned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ketaroom.core.timeline_kinds import EventKind
from ketaroom.ui.theme import SIZES_PX, color

if TYPE_CHECKING:
    from ketaroom.core.preset import Preset
    from ketaroom.core.timeline import TimelineState


@dataclass(frozen=True)
class Block:
    index: int
    name: str
    start_s: float
    length_s: float
    cue_offsets_s: tuple[float, ...]
    fired_cues: int
    """How many of this phase's cues have fired."""
    state: str
    """``past``, ``current`` or ``future``."""


def layout_blocks(preset: Preset, state: TimelineState | None) -> list[Block]:
    """Where each phase sits on the strip, in active session seconds."""
    spans = {span.index: span for span in state.spans} if state is not None else {}
    fired: dict[int, int] = {}
    if state is not None:
        for event in state.events:
            if event.kind is EventKind.CUE and event.phase_index is not None:
                fired[event.phase_index] = fired.get(event.phase_index, 0) + 1
    current = state.phase_index if state is not None and not state.status.ended else None
    blocks: list[Block] = []
    at = 0.0
    for i, phase in enumerate(preset.phases):
        span = spans.get(i)
        if span is not None and span.end_t is not None:
            start, length, kind = span.start_t, span.end_t - span.start_t, "past"
        elif span is not None:
            planned = span.length_s if math.isfinite(span.length_s) else (
                phase.planned_s + span.extended_s)
            elapsed = state.active_s - span.start_t if state is not None else 0.0
            start, length, kind = span.start_t, max(planned, elapsed), "current"
        else:
            start, length, kind = at, phase.planned_s, "future"
        if current is not None and i == current:
            kind = "current"
        blocks.append(Block(i, phase.name, start, max(length, 1.0),
                            tuple(c.at_s for c in phase.cues), fired.get(i, 0), kind))
        at = start + max(length, 1.0)
    return blocks


class TimelineStrip(QWidget):
    """Paints the blocks; a tooltip names the phase under the pointer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._preset: Preset | None = None
        self._state: TimelineState | None = None
        self._blocks: list[Block] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(60)
        self.setMouseTracking(True)

    @property
    def blocks(self) -> list[Block]:
        return list(self._blocks)

    def show_state(self, preset: Preset | None, state: TimelineState | None) -> None:
        self._preset, self._state = preset, state
        self._blocks = layout_blocks(preset, state) if preset is not None else []
        self.update()

    def _total(self) -> float:
        if not self._blocks:
            return 1.0
        last = self._blocks[-1]
        return max(last.start_s + last.length_s, 1.0)

    def _x(self, t: float, width: float) -> float:
        return 2 + (width - 4) * min(max(t / self._total(), 0.0), 1.0)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width, height = float(self.width()), float(self.height())
        top, bar_h = 14.0, height - 22.0
        font = painter.font()
        font.setPixelSize(SIZES_PX["small_pt"])
        painter.setFont(font)
        metrics = QFontMetrics(font)
        if not self._blocks:
            painter.setPen(color("muted"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Choose a preset")
            return
        for block in self._blocks:
            self._paint_block(painter, metrics, block, width, top, bar_h)
        if self._state is not None and self._state.phase_index is not None:
            x = self._x(self._state.active_s, width)
            painter.setPen(QPen(color("now"), 3))
            painter.drawLine(QPointF(x, 4), QPointF(x, height - 2))

    def _paint_block(self, painter: QPainter, metrics: QFontMetrics, block: Block,
                     width: float, top: float, bar_h: float) -> None:
        x0 = self._x(block.start_s, width)
        x1 = self._x(block.start_s + block.length_s, width)
        rect = QRectF(x0 + 1, top, max(x1 - x0 - 2, 2), bar_h)
        fill = {"past": "panel", "current": "accent_bg", "future": "raised"}[block.state]
        border = "accent_dim" if block.state == "current" else "line"
        painter.setPen(QPen(color(border), 1.5))
        painter.setBrush(color(fill))
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(color("muted" if block.state == "past" else "text"))
        label = metrics.elidedText(block.name, Qt.TextElideMode.ElideRight,
                                   int(rect.width()) - 10)
        if rect.width() > 28:
            painter.drawText(rect.adjusted(6, 0, -4, 0),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
        for n, offset in enumerate(block.cue_offsets_s):
            if offset >= block.length_s:
                continue
            cx = self._x(block.start_s + offset, width)
            triangle = QPolygonF([QPointF(cx - 6, top - 11), QPointF(cx + 6, top - 11),
                                  QPointF(cx, top - 2)])
            done = n < block.fired_cues
            painter.setPen(QPen(color("cue"), 1.5))
            painter.setBrush(color("cue") if done else color("bg"))
            painter.drawPolygon(triangle)
