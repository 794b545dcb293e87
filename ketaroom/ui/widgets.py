"""Small building blocks shared by the panels: a titled panel frame, a throttle, buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractSlider,
    QApplication,
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketaroom.ui.theme import check_box_style, icon

T = TypeVar("T")
W = TypeVar("W", bound=QWidget)


class Panel(QFrame):
    """A rounded dark panel with a small caps title; add content to :attr:`body`."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 10, 14, 12)
        self.body.setSpacing(8)
        self.title = QLabel(title.upper())
        self.title.setObjectName("panelTitle")
        self.title_row = QHBoxLayout()
        self.title_row.setSpacing(6)
        self.title_row.addWidget(self.title, 1)
        if title:
            self.body.addLayout(self.title_row)


def spin_box(spin: QSpinBox | QDoubleSpinBox, low: float, high: float, unit: str) -> Any:
    """``spin`` set up as a settings field: range, unit suffix, ≥44 px, right-aligned."""
    spin.setRange(low, high)  # type: ignore[arg-type]
    spin.setSuffix(unit)
    spin.setMinimumHeight(44)
    spin.setMinimumWidth(120)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin


def muted_label(text: str = "", *, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    return label


def icon_button(text: str, icon_name: str | None = None, *, tip: str = "",
                object_name: str | None = None, checkable: bool = False,
                tint: str = "text") -> QPushButton:
    """A ≥44 px button with an optional icon (see :func:`ketaroom.ui.theme.icon`)."""
    button = QPushButton(text)
    if icon_name:
        button.setIcon(icon(icon_name, tint))
        button.setIconSize(QSize(22, 22))
    if tip:
        button.setToolTip(tip)
    if object_name:
        button.setObjectName(object_name)
    button.setCheckable(checkable)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return button


def check_box(text: str) -> QCheckBox:
    """A check box whose box shows on the dark palette when unticked (the night theme's
    :class:`~ketaroom.ui.theme.CheckBoxStyle`): make every check box here."""
    box = QCheckBox(text)
    box.setStyle(check_box_style())
    return box


def keep_text_whole(*buttons: QPushButton) -> None:
    """Never let a layout squeeze ``buttons`` below their text.

    The style sheet's ``min-width`` (the 44 px touch target) becomes each button's explicit
    minimum width, which layouts honour instead of the text's width: a crowded row would
    cut "Add room" to "dd roo". Call once the buttons have their text.
    """
    for button in buttons:
        button.ensurePolished()  # the style sheet's minimum is set while polishing
        button.setMinimumWidth(button.sizeHint().width())


class Throttle(QObject, Generic[T]):
    """Passes values on at most every ``interval_ms``, and always the last one.

    For sliders: a drag produces dozens of values; the room needs only a few, and
    must end exactly at the last one. The first value goes out at once.
    """

    def __init__(self, interval_ms: int, deliver: Callable[[T], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._deliver = deliver
        self._pending: T | None = None
        self._has_pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)

    @property
    def pending(self) -> bool:
        """True while a value waits to go out (a newer one than the last delivered)."""
        return self._has_pending

    def push(self, value: T) -> None:
        if self._timer.isActive():
            self._pending, self._has_pending = value, True
            return
        self._deliver(value)
        self._timer.start()

    def flush(self) -> None:
        if self._has_pending:
            self._on_timeout()

    def _on_timeout(self) -> None:
        if not self._has_pending:
            return
        value, self._pending, self._has_pending = self._pending, None, False
        self._deliver(value)  # type: ignore[arg-type]
        self._timer.start()


class SliderGesture(QObject):
    """One clinician gesture on a slider, from its first move to its end, as one event.

    A drag runs from press to release; keyboard, wheel and groove clicks run until the
    slider has been left alone for ``quiet_ms``. ``done(start, end)`` is called once per
    gesture that changed the value (for the record: one entry, not one per step).
    Values set by the program (with signals blocked) never start a gesture.
    """

    def __init__(self, slider: QAbstractSlider, quiet_ms: int,
                 done: Callable[[int, int], None]) -> None:
        super().__init__(slider)
        self._slider = slider
        self._done = done
        self._start: int | None = None
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(quiet_ms)
        self._quiet.timeout.connect(self._on_quiet)
        # Both fire before the value changes, so the value then is where the gesture began.
        slider.sliderPressed.connect(self._begin)
        slider.actionTriggered.connect(self._on_action)
        slider.sliderReleased.connect(self.finish)

    @property
    def active(self) -> bool:
        return self._start is not None

    def _begin(self) -> None:
        if self._start is None:
            self._start = self._slider.value()

    def _on_action(self, _action: int) -> None:
        self._begin()
        if not self._slider.isSliderDown():
            self._quiet.start()

    def _on_quiet(self) -> None:
        if not self._slider.isSliderDown():
            self.finish()

    def finish(self) -> None:
        """End the gesture now (released, quiet, or the window is closing)."""
        self._quiet.stop()
        start, self._start = self._start, None
        if start is not None and start != self._slider.value():
            self._done(start, self._slider.value())


class Columns(QWidget):
    """Panels side by side whose row never claims its full height as its minimum.

    Qt's box layouts take a height-for-width item's preferred height as its *minimum*:
    one word-wrapped label in a column ("No cues waiting.") made the window's lower row
    refuse to shrink, and on a 720 px screen with a banner the layout squeezed the session
    panel's controls over each other instead. This row reports no height-for-width, so it
    shrinks to its columns' minimum (they scroll) and the panels above keep theirs.
    """

    def __init__(self, spacing: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(spacing)

    def add(self, widget: W, stretch: int = 0) -> W:
        """Put ``widget`` at the right end; returns it."""
        self._row.addWidget(widget, stretch)
        return widget

    def hasHeightForWidth(self) -> bool:
        return False


class ScrollArea(QScrollArea):
    """Scrolls its widget vertically when the window is too short for it, never
    sideways; a field given the keyboard focus (Ctrl+N, a vitals cue, Tab) is scrolled into
    view — never one clicked on.

    Put it in place before giving it its widget (:func:`scroll_column`, :func:`scroll_tab`):
    with the application's style sheet, every widget moved into another parent is restyled
    with all it holds, and a window built from the leaves up restyled most widgets four or
    five times (issue 14: about 10 ms of the first frame)."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if QApplication.mouseButtons() != Qt.MouseButton.NoButton:
            return  # a click: scrolling now would move a slider under the pointer
        content = self.widget()
        if new is not None and content is not None and content.isAncestorOf(new):
            self.ensureWidgetVisible(new, 0, 8)


def scroll_column(*panels: QWidget, parent: QWidget | None = None) -> QScrollArea:
    """Panels stacked top-down; on a short screen (a banner showing at 1280×720) the
    column scrolls instead of squeezing its controls over each other. Give the ``parent``
    it goes into (see :class:`ScrollArea`)."""
    scroll = ScrollArea("sideScroll", parent)
    column = QWidget()
    column.setObjectName("sideColumn")
    scroll.setWidget(column)
    stack = QVBoxLayout(column)
    stack.setContentsMargins(0, 0, 0, 0)
    stack.setSpacing(8)
    for panel in panels:
        stack.addWidget(panel)
    stack.addStretch(1)
    return scroll


def scroll_tab(tabs: QTabWidget, content: QWidget, object_name: str, label: str
               ) -> ScrollArea:
    """``content`` as the next tab of ``tabs``, scrolling (see :class:`ScrollArea`)."""
    scroll = ScrollArea(object_name)
    tabs.addTab(scroll, label)
    scroll.setWidget(content)
    return scroll


def show_status(label: QLabel, text: str, *, problem: bool = False) -> None:
    """A status line under a form or an export: muted when saved, warm amber when
    something went wrong."""
    label.setObjectName("problem" if problem else "saved")
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)
