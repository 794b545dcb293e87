"""Small pieces the parts of the preset editor share: text of a YAML value, form rows, the
editor's own style rules and the playlist names offered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.playlists import PLAYLIST_SUFFIXES
from ketaroom.ui.theme import check_box_style

FIELD_HEIGHT = 44
"""Every field and button of the form is at least this tall (touch screens)."""


def text_of(value: Any) -> str:
    """A YAML value as the form shows it (lists comma-separated, ``None`` empty)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(text_of(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def int_or(value: Any, default: int) -> int:
    """``value`` as an int for a spin box, ``default`` when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return int(value)


def set_text(edit: QLineEdit, text: str) -> None:
    """setText only when it differs, so the cursor of a field being typed in stays put."""
    if edit.text() != text:
        edit.setText(text)
        edit.setCursorPosition(0)


def form(parent: QWidget | None = None) -> QFormLayout:
    layout = QFormLayout(parent)
    layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return layout


def row(layout: QFormLayout, text: str, field: QWidget | QHBoxLayout | QVBoxLayout) -> None:
    """A form row whose label is centred on a 44 px field."""
    label = QLabel(text, alignment=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    label.setMinimumHeight(FIELD_HEIGHT)
    layout.addRow(label, field)


def panel(title: str) -> tuple[QFrame, QVBoxLayout]:
    """A titled panel of the editor (``PRESET``, ``PHASE``, ``CHECKS``)."""
    frame = QFrame(objectName="panel")
    box = QVBoxLayout(frame)
    box.setContentsMargins(14, 10, 14, 12)
    box.addWidget(QLabel(title.upper(), objectName="panelTitle"))
    return frame, box


class FormScroll(QScrollArea):
    """A scroll area for a form that scrolls up and down only: it asks its splitter for
    the form's whole minimum width (plus the scroll bar), so no field is cut at the right."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widgetResizable=True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        width = (widget.minimumSizeHint().width() + 2 * self.frameWidth()
                 + self.verticalScrollBar().sizeHint().width())
        return QSize(max(width, hint.width()), hint.height())


def playlist_choices(dirs: list[Path]) -> list[str]:
    """``.m3u``/``.m3u8`` names found in the playlist folders, first folder wins, sorted."""
    names: dict[str, None] = {}
    for folder in dirs:
        try:
            for path in sorted(Path(folder).iterdir()):
                if path.suffix.lower() in PLAYLIST_SUFFIXES and path.is_file():
                    names.setdefault(path.name)
        except OSError:
            continue
    return sorted(names, key=str.lower)


def local_style() -> str:
    """Editor-only rules: fields at fault and scroll bars, in theme colours (check boxes
    are the theme's: :func:`ketaroom.ui.theme.draw_check_box`)."""
    colours = {"warn": "#b7792f", "line": "#3a3128", "panel": "#1d1915"}
    try:
        from ketaroom.ui.theme import COLORS

        colours.update({k: COLORS[k] for k in colours if k in COLORS})
    except Exception:  # the theme is optional for the editor
        pass
    c = colours
    return (
        'QLineEdit[problem="true"], QSpinBox[problem="true"], QComboBox[problem="true"], '
        f'QTableWidget[problem="true"] {{ border: 2px solid {c["warn"]}; }}\n'
        f"QScrollBar:horizontal {{ background: {c['panel']}; height: 12px; }}\n"
        f"QScrollBar::handle:horizontal {{ background: {c['line']}; border-radius: 6px;"
        " min-width: 30px; }\n"
        "QScrollBar::add-line:horizontal, QScrollBar::sub-line:horizontal { width: 0; }\n"
    )


def checkable_group(title: str) -> QGroupBox:
    """A group box switched on and off by the check box in its title, drawn like
    :func:`~ketaroom.ui.widgets.check_box` (Fusion's own box is invisible on the dark
    palette when unticked)."""
    group = QGroupBox(title, checkable=True)
    group.setStyle(check_box_style())
    return group
