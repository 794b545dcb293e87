"""At 1280×720 with a banner showing, no control of the window is drawn over another."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QComboBox,
    QScrollArea,
    QWidget,
)

from ketaroom.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _controls(panel: QWidget) -> list[QWidget]:
    kinds = (QAbstractButton, QAbstractSlider, QComboBox)
    return [w for w in panel.findChildren(QWidget) if isinstance(w, kinds) and w.isVisible()]


def _rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def test_side_column_controls_never_overlap_on_a_short_screen(qtbot, make_window) -> None:
    window = make_window()
    window.resize(1280, 720)
    window.banner.report("lights", "Lights: the Hue bridge is not answering")
    qtbot.waitUntil(window.banner.isVisible)
    qtbot.wait(50)  # one layout pass
    controls = _controls(window.music_panel) + _controls(window.light_panel)
    assert controls
    for a, b in itertools.combinations(controls, 2):
        if a.isAncestorOf(b) or b.isAncestorOf(a):
            continue
        assert not _rect(a, window).intersects(_rect(b, window)), (a, b)


PROBLEMS = (("lights", "Lights: the Hue bridge is not answering"),
            ("music", "Music: the audio output is gone"))


def _overlaps(panel: QWidget, window: QWidget) -> list[tuple[str, str]]:
    """Pairs of visible sibling widgets inside ``panel`` drawn over each other."""
    shown = [w for w in panel.findChildren(QWidget)
             if w.isVisible() and not w.isWindow() and w.width() and w.height()]
    found = []
    for a, b in itertools.combinations(shown, 2):
        if a.parentWidget() is b.parentWidget() and (
                _rect(a, window).intersects(_rect(b, window))):
            found.append((a.objectName() or type(a).__name__,
                          b.objectName() or type(b).__name__))
    return found


@pytest.mark.parametrize("running", [False, True], ids=["between sessions", "in a session"])
def test_nothing_overlaps_at_1280x720_with_one_or_two_problems(qtbot, make_window,
                                                               running: bool) -> None:
    """The patient field and its hint, the note and its caption: each whole, each in its
    place; what does not fit scrolls."""
    window = make_window()
    window.resize(1280, 720)
    if running:
        window.session_panel.start_button.click()
        qtbot.waitUntil(lambda: window.live is not None, timeout=5000)
        window.session_panel.stop_button.click()  # the inline "are you sure?" bar too
        assert window.session_panel.confirm.isVisible()
    for count in (1, 2):
        for source, message in PROBLEMS[:count]:
            window.banner.report(source, message)
        qtbot.waitUntil(window.banner.isVisible)
        window.centralWidget().layout().activate()
        qtbot.wait(50)  # one layout pass
        for panel in (window.session_panel, window.notes_panel, window.banner):
            assert panel.height() >= panel.minimumSizeHint().height(), (count, panel)
            assert _overlaps(panel, window) == [], (count, panel)


def _session_with_two_problems(qtbot, make_window) -> tuple[MainWindow, QScrollArea]:
    """A session at 1280×720 under a two-problem banner; the notes tab's scroll area."""
    window = make_window()
    window.resize(1280, 720)
    window.session_panel.start_button.click()
    qtbot.waitUntil(lambda: window.live is not None, timeout=5000)
    for source, message in PROBLEMS:
        window.banner.report(source, message)
    qtbot.wait(50)
    scroll = window.record_tabs.currentWidget()
    assert isinstance(scroll, QScrollArea)
    return window, scroll


def test_a_field_taking_the_focus_is_scrolled_into_view(qtbot, make_window) -> None:
    """Two problems at 1280×720: the notes scroll; Ctrl+N shows the note field again."""
    window, scroll = _session_with_two_problems(qtbot, make_window)
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0
    window.notes_panel.history.setFocus()  # somewhere else, scrolled to the end
    bar.setValue(bar.maximum())
    editor = window.notes_panel.editor
    viewport = QRect(scroll.viewport().mapTo(window, QPoint(0, 0)), scroll.viewport().size())
    assert not viewport.contains(_rect(editor, window))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(editor.hasFocus, timeout=2000)
    assert viewport.contains(_rect(editor, window))


def test_a_click_never_scrolls_what_is_under_the_pointer(qtbot, make_window) -> None:
    """A field half out of view, clicked: it takes the focus where it is (scrolling then
    would move a slider under the pointer and change its value)."""
    window, scroll = _session_with_two_problems(qtbot, make_window)
    field = window.notes_panel.editor
    window.notes_panel.history.setFocus()
    bar = scroll.verticalScrollBar()
    bar.setValue(field.mapTo(scroll.widget(), QPoint(0, 0)).y() + 20)  # its top hidden
    assert bar.value() > 0
    before = bar.value()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton, pos=QPoint(20, field.height() - 8))
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    assert bar.value() == before
