"""The night theme tells greyed-out fields from live ones, and shows an unticked check box —
judged on the pixels Qt draws, with the app's real theme."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QStyle,
    QStyleOptionButton,
    QStyleOptionGroupBox,
    QWidget,
)

import ketaroom
from ketaroom.ui.preset_editor.common import checkable_group
from ketaroom.ui.theme import COLORS, CheckBoxStyle, NightStyle, apply_theme
from ketaroom.ui.widgets import check_box

pytestmark = pytest.mark.gui


def _lightest(image: QImage, rect: QRect | None = None) -> int:
    """The lightness (0-255) of the lightest pixel of ``image`` inside ``rect``."""
    area = rect or image.rect()
    return max(image.pixelColor(x, y).lightness()
               for y in range(area.top(), area.bottom() + 1)
               for x in range(area.left(), area.right() + 1))


def _shown(qtbot, widget: QWidget) -> QImage:
    apply_theme(QApplication.instance())
    qtbot.addWidget(widget)
    widget.resize(max(widget.sizeHint().width(), 220), widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    return widget.grab().toImage()


def _line_edit() -> QWidget:
    return QLineEdit("128")


def _combo() -> QWidget:
    combo = QComboBox()
    combo.addItem("System default output")
    return combo


def _spin() -> QWidget:
    spin = QSpinBox()
    spin.setSuffix(" %")
    spin.setValue(80)
    return spin


def _note() -> QWidget:
    editor = QPlainTextEdit("Patient relaxed")
    editor.setFixedHeight(60)
    return editor


@pytest.mark.parametrize("make", [_line_edit, _combo, _spin, _note],
                         ids=["line edit", "combo", "spin box", "note editor"])
def test_a_greyed_out_field_is_dimmer_than_a_live_one(qtbot, make: Callable[[], QWidget]
                                                      ) -> None:
    live = _shown(qtbot, make())
    greyed_widget = make()
    greyed_widget.setEnabled(False)
    greyed = _shown(qtbot, greyed_widget)
    # the text is the lightest thing in a field: greyed out, it is clearly dimmer
    assert _lightest(greyed) < _lightest(live) - 60
    if not isinstance(greyed_widget, QSpinBox):  # and its outline too (the style sheet's)
        edge = QRect(0, greyed.height() // 2, 2, 1)
        assert _lightest(greyed, edge) < _lightest(live, edge)


@pytest.mark.parametrize("enabled", [True, False], ids=["live", "greyed out"])
def test_an_unticked_check_box_shows_its_box_calmly(qtbot, enabled: bool) -> None:
    box = check_box("Also send patients' names")
    box.setEnabled(enabled)
    image = _shown(qtbot, box)
    option = QStyleOptionButton()
    box.initStyleOption(option)
    indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    outline = _lightest(image, indicator)
    background = QColor(COLORS["bg"]).lightness()
    assert outline - background >= (60 if enabled else 15)  # the box is there to see
    assert outline <= QColor(COLORS["text"]).lightness()  # and never brighter than the text
    if not enabled:
        box.setEnabled(True)
        assert outline < _lightest(box.grab().toImage(), indicator)  # greyed out: dimmer


def test_an_unticked_section_shows_its_box_too(qtbot) -> None:
    """The preset editor's Music and Light sections are switched by a check box in their
    title: Fusion drew it invisible on the dark palette when unticked."""
    group = checkable_group("Music")
    group.setChecked(False)
    group.setMinimumSize(200, 60)
    image = _shown(qtbot, group)
    option = QStyleOptionGroupBox()
    group.initStyleOption(option)
    indicator = group.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, option,
                                             QStyle.SubControl.SC_GroupBoxCheckBox, group)
    outline = _lightest(image, indicator)
    assert outline - QColor(COLORS["bg"]).lightness() >= 60
    assert outline <= QColor(COLORS["text"]).lightness()


PER_WIDGET = ("pixelMetric", "drawPrimitive", "drawControl", "drawComplexControl",
              "sizeFromContents", "subElementRect", "subControlRect", "styleHint", "polish",
              "unpolish", "hitTestComplexControl", "drawItemText", "drawItemPixmap")


def test_the_application_style_answers_qt_from_python_only_for_dialog_icons() -> None:
    """Qt asks the application's style about every widget, thousands of times while the
    window is built and painted; an answer from Python cost the first frame ~20 ms
    (issue 14). Only :class:`CheckBoxStyle`, on check boxes alone, draws from Python."""
    overridden = [name for name in PER_WIDGET if name in vars(NightStyle)]
    assert overridden == []
    assert "drawPrimitive" in vars(CheckBoxStyle)


def test_every_check_box_gets_the_night_check_box() -> None:
    """A check box made without :func:`check_box` would be Fusion's, invisible when unticked
    on the dark palette."""
    package = Path(ketaroom.__file__).parent
    made_bare = [f"{path.relative_to(package)}:{number}"
                 for path in sorted(package.rglob("*.py")) if path.name != "widgets.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\bQCheckBox\(|\bQGroupBox\(.*checkable", line)
                 and path.name != "common.py"]
    assert made_bare == []


def test_a_question_box_has_no_darker_box_under_its_second_line(qtbot) -> None:
    """The informative text of a message box (the close question's "The session is
    recorded as stopped; notes are kept.") sat on a darker patch (found on the tour)."""
    box = QMessageBox(QMessageBox.Icon.Question, "ketaroom", "A session is running.")
    box.setInformativeText("The session is recorded as stopped; notes are kept.")
    image = _shown(qtbot, box)
    label = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert label is not None
    corner = label.mapTo(box, label.rect().topLeft())
    assert image.pixelColor(corner.x() + 1, corner.y() + 1) == image.pixelColor(2, 2)
