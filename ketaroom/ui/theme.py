"""The night theme: one warm, dark palette for a dim treatment room.

Owns the colours (as named tokens), the font sizes, the style sheet
(``resources/styles/night.qss`` with ``@token`` placeholders filled in here) and
icons (Material Design glyphs from the font qtawesome ships, drawn by
:mod:`ketaroom.ui.glyphs` and tinted to the palette). Nothing on screen should be brighter
than the warm off-white text; accents are amber, alarms a deep brick red.

Qt's own dialogs follow the theme too: native dialogs are switched off (a native
file dialog is a white sheet in a dark room) and :class:`NightStyle` draws the
standard icons those dialogs and message boxes use (files, folders, the question
mark…) in palette colours instead of Fusion's white and blue ones. Greyed-out widgets
have dimmer text and borders (a disabled palette group, and ``:disabled`` rules in the QSS),
and an unticked check box shows its box (:class:`CheckBoxStyle`, which every check box made
by :func:`ketaroom.ui.widgets.check_box` has).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

from ketaroom.shipped import STYLES_DIR
from ketaroom.ui.glyphs import glyph_icon

log = logging.getLogger(__name__)

COLORS: dict[str, str] = {
    "bg": "#14110e",
    "panel": "#1d1915",
    "raised": "#28221c",
    "field": "#120f0c",
    "line": "#3a3128",
    "text": "#d6c6b0",
    "muted": "#8c7d6b",
    "disabled": "#564b3f",
    "accent": "#d99a4e",
    "accent_dim": "#9a6a34",
    "accent_bg": "#3a2a18",
    "ok": "#7f9a62",
    "warn": "#b7792f",
    "warn_bg": "#33240f",
    "warn_text": "#e2b578",
    "danger": "#a84532",
    "danger_bg": "#3b1a13",
    "danger_text": "#f0b8a4",
    "cue": "#c98a58",
    "now": "#e0a55c",
}

SIZES_PX: dict[str, int] = {"base_pt": 16, "small_pt": 13, "phase_pt": 34, "clock_pt": 56,
                            "check_box": 20}
"""``check_box``: check boxes are drawn this big (Fusion's 14 px is hard to see and to hit);
the style sheet sizes them (``QCheckBox::indicator``), :func:`draw_check_box` draws them."""

STYLE_FILE = STYLES_DIR / "night.qss"


def color(name: str) -> QColor:
    return QColor(COLORS[name])


def style_sheet() -> str:
    """The QSS with every ``@token`` replaced by its colour or pixel size."""
    text = STYLE_FILE.read_text(encoding="utf-8")
    values = {**COLORS, **{k: f"{v}px" for k, v in SIZES_PX.items()}}

    def fill(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return re.sub(r"@([a-z_]+)", fill, text)


_SP = QStyle.StandardPixmap
STANDARD_ICONS: dict[QStyle.StandardPixmap, tuple[str, str]] = {
    _SP.SP_FileIcon: ("mdi6.file-outline", "muted"),
    _SP.SP_FileLinkIcon: ("mdi6.file-link-outline", "muted"),
    _SP.SP_DirIcon: ("mdi6.folder-outline", "accent_dim"),
    _SP.SP_DirClosedIcon: ("mdi6.folder-outline", "accent_dim"),
    _SP.SP_DirOpenIcon: ("mdi6.folder-open-outline", "accent_dim"),
    _SP.SP_DirLinkIcon: ("mdi6.folder-outline", "accent_dim"),
    _SP.SP_DirHomeIcon: ("mdi6.home-outline", "muted"),
    _SP.SP_DriveHDIcon: ("mdi6.harddisk", "muted"),
    _SP.SP_DriveNetIcon: ("mdi6.folder-network-outline", "muted"),
    _SP.SP_ComputerIcon: ("mdi6.monitor", "muted"),
    _SP.SP_TrashIcon: ("mdi6.trash-can-outline", "muted"),
    _SP.SP_FileDialogToParent: ("mdi6.arrow-up", "text"),
    _SP.SP_FileDialogBack: ("mdi6.arrow-left", "text"),
    _SP.SP_ArrowBack: ("mdi6.arrow-left", "text"),
    _SP.SP_ArrowForward: ("mdi6.arrow-right", "text"),
    _SP.SP_FileDialogNewFolder: ("mdi6.folder-plus-outline", "text"),
    _SP.SP_FileDialogDetailedView: ("mdi6.view-list", "text"),
    _SP.SP_FileDialogListView: ("mdi6.view-grid-outline", "text"),
    _SP.SP_MessageBoxQuestion: ("mdi6.help-circle-outline", "accent"),
    _SP.SP_MessageBoxInformation: ("mdi6.information-outline", "accent"),
    _SP.SP_MessageBoxWarning: ("mdi6.alert-outline", "warn_text"),
    _SP.SP_MessageBoxCritical: ("mdi6.alert-octagon-outline", "danger_text"),
}
"""Fusion's standard icons that dialogs show, redrawn in the night palette."""


class NightStyle(QProxyStyle):
    """The application's style: Fusion, with :data:`STANDARD_ICONS` in palette colours (see
    module docstring).

    It draws nothing itself: Qt asks the style for every metric and every primitive of
    every widget, and each answer given from Python cost the first frame dearly (issue 14:
    a ``pixelMetric`` about 9 ms, a ``drawPrimitive`` about 12 ms of the first paint). Check
    boxes have their own style (:class:`CheckBoxStyle`) and the style sheet's size."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def standardIcon(self, standard_icon: QStyle.StandardPixmap,
                     option: QStyleOption | None = None, widget: QWidget | None = None
                     ) -> QIcon:
        themed = STANDARD_ICONS.get(standard_icon)
        if themed is not None:
            found = icon(*themed)
            if not found.isNull():
                return found
        return super().standardIcon(standard_icon, option, widget)


class CheckBoxStyle(NightStyle):
    """The night style of a check box: a box that shows when unticked (:func:`draw_check_box`).
    Set on each check box (:func:`ketaroom.ui.widgets.check_box`), not on the application
    (see :class:`NightStyle`)."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorCheckBox:
            draw_check_box(painter, option)
            return
        super().drawPrimitive(element, option, painter, widget)


@lru_cache(maxsize=1)
def check_box_style() -> CheckBoxStyle:
    """The one :class:`CheckBoxStyle` every check box shares (kept for the whole run: a
    widget does not own its style)."""
    return CheckBoxStyle()


def draw_check_box(painter: QPainter, option: QStyleOption) -> None:
    """A check box that shows when unticked: Fusion outlines it in a darker shade of the
    window colour, invisible on this dark palette. Muted outline when unticked, amber when
    ticked, both dimmer when greyed out; never brighter than the text."""
    state = option.state
    enabled = bool(state & QStyle.StateFlag.State_Enabled)
    ticked = bool(state & (QStyle.StateFlag.State_On | QStyle.StateFlag.State_NoChange))
    if not enabled:
        edge, fill, mark = "line", "panel", "disabled"
    elif ticked:
        edge, fill, mark = "accent", "accent_bg", "accent"
    else:
        edge, fill, mark = "muted", "field", "accent"
    box = QRectF(option.rect).adjusted(1, 1, -1, -1)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color(edge), 1.5))
    painter.setBrush(color(fill))
    painter.drawRoundedRect(box, 4, 4)
    if ticked:
        pen = QPen(color(mark), 2.2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        w, h, x, y = box.width(), box.height(), box.x(), box.y()
        if state & QStyle.StateFlag.State_NoChange:  # partly ticked: a bar
            painter.drawLine(QPointF(x + w * 0.28, y + h / 2), QPointF(x + w * 0.72, y + h / 2))
        else:
            painter.drawPolyline([QPointF(x + w * 0.24, y + h * 0.52),
                                  QPointF(x + w * 0.43, y + h * 0.70),
                                  QPointF(x + w * 0.77, y + h * 0.32)])
    painter.restore()


DISABLED_ROLES: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.WindowText: "disabled", QPalette.ColorRole.Text: "disabled",
    QPalette.ColorRole.ButtonText: "disabled", QPalette.ColorRole.PlaceholderText: "disabled",
    QPalette.ColorRole.Base: "panel",
}
"""Greyed-out widgets the style sheet does not reach look greyed out too (dim text)."""


def apply_theme(app: QApplication) -> None:
    """Palette (for native bits the QSS does not reach), base font and style sheet."""
    app.setStyle(NightStyle())
    app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "bg", QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "field", QPalette.ColorRole.AlternateBase: "panel",
        QPalette.ColorRole.Text: "text", QPalette.ColorRole.Button: "raised",
        QPalette.ColorRole.ButtonText: "text", QPalette.ColorRole.Highlight: "accent_bg",
        QPalette.ColorRole.HighlightedText: "text", QPalette.ColorRole.ToolTipBase: "panel",
        QPalette.ColorRole.ToolTipText: "text", QPalette.ColorRole.PlaceholderText: "muted",
    }
    for role, name in roles.items():
        palette.setColor(role, color(name))
    for role, name in DISABLED_ROLES.items():  # greyed out: what Fusion draws (spin boxes…)
        palette.setColor(QPalette.ColorGroup.Disabled, role, color(name))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPixelSize(SIZES_PX["base_pt"])
    app.setFont(font)
    app.setStyleSheet(style_sheet())


@lru_cache(maxsize=64)
def icon(name: str, tint: str = "text") -> QIcon:
    """An ``mdi6.`` icon in a palette colour; an empty icon if the font is unavailable."""
    try:
        return glyph_icon(name, COLORS[tint], COLORS["disabled"])
    except Exception:  # icons are decoration: never fail the window for them
        log.debug("icon %s unavailable", name, exc_info=True)
        return QIcon()
