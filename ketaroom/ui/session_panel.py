"""The session panel: preset picker, session controls and where the session stands.

Owns the preset combo box, Start / Pause-Resume / Next / Extend / Stop, the inline
confirmation bar (Next and Stop ask first, without a modal dialog), the large
phase name and remaining time, progress, elapsed time, the next cue and the
:class:`~ketaroom.ui.timeline_strip.TimelineStrip`. It only displays and asks: the
main window turns its signals into session intents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.durations import format_clock
from ketaroom.core.timeline_kinds import Status
from ketaroom.ui.theme import icon
from ketaroom.ui.timeline_strip import TimelineStrip
from ketaroom.ui.widgets import Panel, icon_button, keep_text_whole, muted_label

if TYPE_CHECKING:
    from ketaroom.core.preset import Preset
    from ketaroom.core.timeline import TimelineState
    from ketaroom.core.validation import Problem

CONFIRM_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class PresetEntry:
    label: str
    path: Path


@dataclass(frozen=True)
class UpcomingCue:
    prompt: str
    phase_name: str
    due_in_s: float


def upcoming_cue(preset: Preset, state: TimelineState | None) -> UpcomingCue | None:
    """The next cue that has not fired yet, and how long until it is due."""
    if state is None or state.status.ended:
        return None
    index = state.phase_index or 0
    elapsed = state.phase_elapsed_s if state.phase_index is not None else 0.0
    offset = 0.0
    for i in range(index, len(preset.phases)):
        phase = preset.phases[i]
        since = elapsed if i == index else 0.0
        for cue in phase.cues:
            if cue.at_s > since or (i == index and state.phase_index is None):
                return UpcomingCue(cue.prompt, phase.name, offset + cue.at_s - since)
        if i == index:
            left = state.phase_remaining_s
            offset += left if left is not None else max(phase.planned_s - elapsed, 0.0)
        else:
            offset += phase.planned_s
    return None


def _clip(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ConfirmBar(QFrame):
    """An inline "are you sure?" row that hides itself after a while."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 8, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.yes = icon_button("Yes", "mdi6.check", object_name="primary")
        self.cancel = icon_button("Cancel", "mdi6.close")
        row.addWidget(self.text, 1)
        row.addWidget(self.yes)
        row.addWidget(self.cancel)
        self._action: Callable[[], None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_cancel)
        self.yes.clicked.connect(self._on_yes)
        self.cancel.clicked.connect(self._on_cancel)
        self.hide()

    def ask(self, question: str, yes_label: str, action: Callable[[], None]) -> None:
        self.text.setText(question)
        self.yes.setText(yes_label)
        self._action = action
        self.show()
        self._timer.start(CONFIRM_TIMEOUT_MS)

    def _on_yes(self) -> None:
        action, self._action = self._action, None
        self._on_cancel()
        if action is not None:
            action()

    def _on_cancel(self) -> None:
        self._timer.stop()
        self._action = None
        self.hide()


class SessionPanel(Panel):
    """Signals carry the clinician's requests; :meth:`show_state` renders the session."""

    preset_chosen = Signal(object)
    """A :class:`PresetEntry` (or ``None``)."""
    start_requested = Signal()
    pause_toggled = Signal()
    next_confirmed = Signal()
    extend_requested = Signal()
    stop_confirmed = Signal()

    def __init__(self, room_name: str, extend_step_min: float,
                 parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._extend_min = extend_step_min
        self._preset: Preset | None = None
        self._status = Status.NOT_STARTED
        self._has_session = False
        self._preset_ok = False
        self._broken = False
        self._preparing = False
        self._build_controls(room_name)
        self._build_display()
        self.strip = TimelineStrip()
        self.body.addWidget(self.strip)
        self._render_buttons()

    # -- construction -------------------------------------------------------------------

    def _build_controls(self, room_name: str) -> None:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.room_label = QLabel(room_name)
        self.room_label.setToolTip("Room")
        self.picker = QComboBox()
        self.picker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.picker.setMinimumContentsLength(18)
        self.picker.setToolTip("Preset for the next session")
        self.start_button = icon_button("Start", "mdi6.play", object_name="primary",
                                        tint="accent", tip="Start the session")
        self.pause_button = icon_button("Pause", "mdi6.pause", tip="Pause / resume (Space)")
        self.next_button = icon_button("Next", "mdi6.skip-next",
                                       tip="End this phase and go to the next")
        self.extend_button = icon_button(self._extend_text(), "mdi6.timer-plus-outline",
                                         tip="Make this phase longer")
        self.stop_button = icon_button("Stop", "mdi6.stop", tip="End the session now")
        row.addWidget(self.room_label)
        row.addWidget(self.picker, 1)
        for button in (self.start_button, self.pause_button, self.next_button,
                       self.extend_button, self.stop_button):
            row.addWidget(button)
        self.body.addLayout(row)
        self._controls = row
        self._show_pause(paused=True)  # as wide as Resume: pausing moves nothing in the row
        keep_text_whole(self.pause_button)
        self._show_pause(paused=False)
        self.problems = QLabel()
        self.problems.setObjectName("problem")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems.setMaximumHeight(64)
        self.problems.hide()
        self.body.addWidget(self.problems)
        self.confirm = ConfirmBar()
        self.body.addWidget(self.confirm)
        self.picker.currentIndexChanged.connect(self._on_picker_changed)
        self.start_button.clicked.connect(self.start_requested)
        self.pause_button.clicked.connect(self.pause_toggled)
        self.next_button.clicked.connect(self._on_next_clicked)
        self.extend_button.clicked.connect(self.extend_requested)
        self.stop_button.clicked.connect(self._on_stop_clicked)

    def _build_display(self) -> None:
        row = QHBoxLayout()
        left = QVBoxLayout()
        left.setSpacing(4)
        self.phase_name = QLabel("No session running")
        self.phase_name.setObjectName("phaseName")
        self.phase_name.setMinimumHeight(44)
        self.phase_info = muted_label()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.next_cue = QLabel()
        self.next_cue.setWordWrap(True)
        self.patient_slot = QVBoxLayout()
        """Where the window puts the patient picker (shown between sessions)."""
        self._picker: QWidget | None = None
        self._patient = ""
        left.addWidget(self.phase_name)
        left.addWidget(self.phase_info)
        left.addLayout(self.patient_slot)
        left.addSpacing(4)
        left.addWidget(self.progress)
        left.addWidget(self.next_cue)
        right = QVBoxLayout()
        right.setSpacing(0)
        self.remaining = QLabel("--:--")
        self.remaining.setObjectName("remaining")
        self.remaining.setMinimumHeight(64)
        self.remaining.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.remaining_caption = muted_label("left in phase")
        self.remaining_caption.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.elapsed = muted_label()
        self.elapsed.setAlignment(Qt.AlignmentFlag.AlignRight)
        right.addWidget(self.remaining)
        right.addWidget(self.remaining_caption)
        right.addWidget(self.elapsed)
        row.addLayout(left, 1)
        row.addSpacing(16)
        row.addLayout(right)
        self.body.addLayout(row)

    def set_room(self, room_name: str, extend_step_min: float) -> None:
        self.room_label.setText(room_name)
        self._extend_min = extend_step_min
        self.extend_button.setText(self._extend_text())

    def add_control(self, widget: QWidget) -> None:
        """Put ``widget`` at the end of the control row (the emergency button)."""
        self._controls.addSpacing(12)
        self._controls.addWidget(widget)

    def _extend_text(self) -> str:
        step = self._extend_min
        return f"+{step:g} min"

    # -- presets ----------------------------------------------------------------------------

    def set_presets(self, entries: list[PresetEntry], selected: Path | None = None) -> None:
        self.picker.setPlaceholderText("" if entries else "No presets")
        self.picker.blockSignals(True)
        self.picker.clear()
        for entry in entries:
            self.picker.addItem(entry.label, entry)
        index = next((i for i, e in enumerate(entries) if selected and e.path == selected), 0)
        self.picker.setCurrentIndex(index if entries else -1)
        self.picker.blockSignals(False)
        self._on_picker_changed(self.picker.currentIndex())

    def current_path(self) -> Path | None:
        entry = self.picker.currentData()
        return entry.path if entry is not None else None

    def select_preset(self, path: Path) -> bool:
        for i in range(self.picker.count()):
            entry = self.picker.itemData(i)
            if entry is not None and entry.path == path:
                self.picker.setCurrentIndex(i)
                return True
        return False

    def show_preset(self, preset: Preset | None, problems: list[str], warnings: list[str]
                    ) -> None:
        """The chosen preset (``None`` if broken) and what is wrong with it."""
        self._preset = preset
        self._preset_ok = preset is not None
        self._broken = bool(problems)
        lines = []
        if problems:
            lines.append("This preset cannot be used yet — please have it fixed:")
            lines += [f"  • {_clip(p)}" for p in problems[:2]]
            if len(problems) > 2:
                lines.append(f"  … and {len(problems) - 2} more (hover for all)")
        elif warnings:
            lines += [f"Note: {_clip(w)}" for w in warnings[:2]]
        self.problems.setText("\n".join(lines))
        self.problems.setToolTip("\n".join(problems or warnings))
        self.problems.setVisible(bool(lines))
        if not self._has_session:
            self.strip.show_state(preset, None)
            self._show_idle()
        self._render_buttons()

    def set_preparing(self, preparing: bool) -> None:
        """While the room's devices start (the window's first moments): Start waits, and
        the panel says so calmly."""
        self._preparing = preparing
        if preparing:
            self.picker.setPlaceholderText("Reading presets…")
        if not self._has_session:
            self._show_idle()
        self._render_buttons()

    def _on_picker_changed(self, index: int) -> None:
        entry = self.picker.itemData(index) if index >= 0 else None
        self.preset_chosen.emit(entry)

    # -- confirmations ---------------------------------------------------------------------

    def _on_next_clicked(self) -> None:
        preset, state = self._preset, self._last_state
        if preset is None or state is None or state.phase_index is None:
            return
        current = preset.phases[state.phase_index].name
        if state.phase_index + 1 < len(preset.phases):
            question = (f"End “{current}” now and go to "
                        f"“{preset.phases[state.phase_index + 1].name}”?")
        else:
            question = f"End “{current}”, the last phase, and finish the session?"
        self.confirm.ask(question, "Next phase", self.next_confirmed.emit)

    def _on_stop_clicked(self) -> None:
        self.confirm.ask("Stop the whole session now? It is recorded as stopped.",
                         "Stop session", self.stop_confirmed.emit)

    # -- rendering --------------------------------------------------------------------------

    _last_state: TimelineState | None = None

    def set_patient_picker(self, picker: QWidget) -> None:
        """Show ``picker`` (who the next session is for) between sessions."""
        self._picker = picker
        self.patient_slot.addWidget(picker)
        self._render_buttons()

    def show_patient(self, label: str) -> None:
        """``PT-0042 · session 3 of 6``: shown beside the phase for the whole session."""
        self._patient = label
        if self._last_state is not None:
            self.show_state(self._last_state)

    def _with_patient(self, text: str) -> str:
        return f"{self._patient} · {text}" if self._patient else text

    def set_session(self, active: bool) -> None:
        self._has_session = active
        if not active:
            self._last_state = None
        self._render_buttons()

    def show_state(self, state: TimelineState | None) -> None:
        self._last_state = state
        preset = self._preset
        if state is None or preset is None or state.phase_index is None:
            self.strip.show_state(preset, state)
            self._show_idle()
            self._status = state.status if state is not None else Status.NOT_STARTED
            self._render_buttons()
            return
        self._status = state.status
        phase = preset.phases[state.phase_index]
        total = len(preset.phases)
        if state.status.ended:
            word = "completed" if state.status is Status.COMPLETED else "stopped"
            self.phase_name.setText(f"Session {word}")
            self.phase_info.setText(self._with_patient(
                f"{preset.name} · ran {format_clock(state.active_s)}"))
            self.remaining.setText("00:00")
            self.progress.setValue(1000)
        else:
            paused = "   ·   PAUSED" if state.status is Status.PAUSED else ""
            self.phase_name.setText(phase.name + paused)
            after = (f" · then {preset.phases[state.phase_index + 1].name}"
                     if state.phase_index + 1 < total else " · last phase")
            open_note = " · open: waits for Next" if phase.is_open else ""
            self.phase_info.setText(self._with_patient(
                f"Phase {state.phase_index + 1} of {total}{after}{open_note}"))
            left = state.phase_remaining_s
            self.remaining.setText(format_clock(left) if left is not None else "open")
            length = state.phase_elapsed_s + (left or 0.0)
            self.progress.setValue(int(1000 * state.phase_elapsed_s / length) if length else 0)
        self.elapsed.setText(f"elapsed {format_clock(state.elapsed_s)}"
                             f" · session left {format_clock(state.remaining_s)}")
        cue = upcoming_cue(preset, state)
        self.next_cue.setText(
            f"Next cue in {format_clock(cue.due_in_s)}: {cue.prompt}" if cue else
            ("No more cues" if not state.status.ended else ""))
        self.strip.show_state(preset, state)
        self._render_buttons()

    def _show_idle(self) -> None:
        preset = self._preset
        if preset is None:
            self.phase_name.setText("Preset needs fixing" if self._broken else
                                    "Preparing the room…" if self._preparing else
                                    "No preset chosen")
            self.phase_info.setText("")
            self.remaining.setText("--:--")
        else:
            self.phase_name.setText(preset.name)
            readiness = "preparing the room…" if self._preparing else "ready to start"
            self.phase_info.setText(f"{len(preset.phases)} phases · {readiness}")
            self.phase_info.setToolTip(preset.description)
            self.remaining.setText(format_clock(preset.planned_s))
        self.remaining_caption.setText("planned" if not self._has_session else "left in phase")
        self.elapsed.setText("")
        self.next_cue.setText("")
        self.progress.setValue(0)

    def _render_buttons(self) -> None:
        live = self._has_session and not self._status.ended and \
            self._status is not Status.NOT_STARTED
        self.start_button.setEnabled(self._preset_ok and not live and not self._preparing)
        self.picker.setEnabled(not live)
        # Between sessions the patient picker takes the place of progress and next cue.
        if self._picker is not None:
            self._picker.setVisible(not live)
        self.progress.setVisible(live)
        self.next_cue.setVisible(live)
        for button in (self.pause_button, self.next_button, self.extend_button,
                       self.stop_button):
            button.setEnabled(live)
        paused = self._status is Status.PAUSED
        if self.pause_button.text() != ("Resume" if paused else "Pause"):
            self._show_pause(paused=paused)
        self.remaining_caption.setText("left in phase" if live else (
            "planned" if not self._has_session else ""))
        if not live:
            self.confirm.hide()

    def _show_pause(self, *, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(icon("mdi6.play" if paused else "mdi6.pause",
                                       "accent" if paused else "text"))


def find_presets(data_dir: Path) -> list[PresetEntry]:
    """Shipped presets, then the clinic's own (marked), by the names they give themselves."""
    from ketaroom.store.paths import preset_library  # reads and validates every preset

    library = preset_library(data_dir)
    return [PresetEntry(entry.name + ("" if entry.shipped else " · clinic"), entry.path)
            for entry in library.entries()]


def short_problem(problem: Problem) -> str:
    """``file.yaml:12: message`` without the folder (the full path is in the tooltip)."""
    return f"{Path(problem.path).name}:{problem.line}: {problem.message}"
