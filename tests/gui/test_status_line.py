"""The status line at 1280 px: what the room check found is never cut; the shortcuts, what
is due and the mode give way first (a light switched off at the wall, on the real window in
demo mode against the built-in bridge emulator)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget

from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.status_line import ElidedLabel, allot
from ketaroom.ui.theme import apply_theme

pytestmark = pytest.mark.gui

LONG_DUE = ("Due today: PT-0042 session 3 · PT-0007 follow-up 24h · PT-0101 session 2 · "
            "PT-0033 session 5 (since 02 Mar)")


def _in_window(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def test_the_room_check_keeps_its_whole_line_at_1280(qtbot,
                                                     make_window: Callable[..., MainWindow]
                                                     ) -> None:
    window = make_window()
    window.resize(1280, 720)
    assert window.service.emulator is not None
    window.service.emulator.power_cut(2)
    window.check_room()
    line = window.room_check_line
    qtbot.waitUntil(lambda: "1 light unreachable" in line.text(), timeout=10_000)
    # everything else the line can hold, at once: a long day, the board and records away
    window.due_label.setText(LONG_DUE)
    window.board_label.setText("Nurse-station board unreachable — retrying")
    window.board_label.show()
    window.records_label.setText("server away since 10:30, 14 entries waiting")
    window.records_label.show()
    qtbot.waitUntil(lambda: line.width() >= line.sizeHint().width(), timeout=2000)
    QApplication.processEvents()

    text_width = line.fontMetrics().horizontalAdvance(line.text())
    assert text_width < line.width()
    assert line.visibleRegion().boundingRect() == line.rect()  # nothing drawn over it
    assert window.rect().contains(_in_window(line, window))
    for other in (window.mode_label, window.due_label, window.shortcut_hint,
                  window.board_label, window.records_label):
        if other.isVisible() and other.width() > 0:
            assert not _in_window(other, window).intersects(_in_window(line, window))
    # the shortcuts gave way first; their whole text is one hover away
    hint = window.shortcut_hint
    assert isinstance(hint, ElidedLabel) and hint.cut
    assert "Ctrl+Shift+E emergency" in hint.toolTip()


def test_labels_are_cut_between_whole_parts(qtbot) -> None:
    apply_theme(QApplication.instance())
    label = ElidedLabel("Ctrl+Shift+E emergency · Space pause/resume · Ctrl+N note")
    qtbot.addWidget(label)
    label.show()
    first = label.fontMetrics().horizontalAdvance("Ctrl+Shift+E emergency · …")
    label.resize(first + 30, label.sizeHint().height())
    assert label.shown_text() == "Ctrl+Shift+E emergency · …"
    assert label.text() == "Ctrl+Shift+E emergency · Space pause/resume · Ctrl+N note"
    assert label.toolTip() == label.text()
    label.resize(label.sizeHint())
    assert not label.cut and label.shown_text() == label.text()


@pytest.mark.parametrize(("available", "expected"), [
    (1000, [300, 200, 100]),   # room for all: each whole
    (540, [300, 200, 0]),      # the last gives way first (40 px is under its 60 px floor)
    (450, [300, 140, 0]),      # the second is cut, above its floor
    (340, [300, 0, 0]),        # too little for the second's floor: left out
    (200, [200, 0, 0]),        # the first is never left out
])
def test_allot_gives_whole_widths_in_order_of_importance(available: int,
                                                         expected: list[int]) -> None:
    assert allot([300, 200, 100], [300, 60, 60], available, spacing=10) == expected
