"""At 1280×720 with a banner showing, no control of the window is drawn over another."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QComboBox, QWidget

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
