"""The start-up dialog offered for a session that was interrupted (crash, power cut).

API (used by ``app.py``)::

    from ketaroom.session.recovery import find_interrupted, load_interrupted
    from ketaroom.ui.recovery_dialog import RecoveryChoice, RecoveryDialog

    for interrupted in find_interrupted(journal, playlist_dirs=dirs):
        dialog = RecoveryDialog(interrupted, parent)
        dialog.exec()
        dialog.choice   # RecoveryChoice.RUNNING | RecoveryChoice.PAUSED | RecoveryChoice.CLOSE,
                        # or None when dismissed (Esc / window closed): decide next start
        dialog.choice.mode  # ketaroom.core.recovery.RecoveryMode for the two resume choices

``interrupted`` is a :class:`ketaroom.session.recovery.InterruptedSession`. The dialog shows the
preset, when it started, where it stopped (phase and session time, wall time) and
three big buttons: "Resume as if it kept running", "Resume paused" (the default: the
clinician sees the patient before the timeline moves) and "Close it (keep the
record)". When the session cannot be resumed (``interrupted.error``: preset missing or
invalid) the reason is shown and only closing is offered. The dialog only reports
the choice; the caller acts on it (:func:`ketaroom.session.recovery.plan_recovery`,
:func:`ketaroom.session.recovery.close_session`).

Styling comes from the night theme through object names (``panelTitle``, ``muted``,
``problem``, ``primary``); no colours are set here.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from ketaroom.core.durations import format_clock
from ketaroom.core.recovery import RecoveryMode
from ketaroom.session.recovery import InterruptedSession
from ketaroom.store.journal import JournalError

if TYPE_CHECKING:
    from ketaroom.store.patients import PatientStore
    from ketaroom.store.session_records import SessionRecord

__all__ = ["RecoveryChoice", "RecoveryDialog", "describe_stop", "resumed_patient_label"]

BUTTON_MIN_HEIGHT_PX = 56


class RecoveryChoice(enum.Enum):
    RUNNING = "running"
    """Resume as if it kept running."""
    PAUSED = "paused"
    """Resume paused where it stopped."""
    CLOSE = "close"
    """Close it, keeping the record."""

    @property
    def mode(self) -> RecoveryMode | None:
        """The resume mode for the two resume choices; ``None`` for CLOSE."""
        return {RecoveryChoice.RUNNING: RecoveryMode.RUNNING,
                RecoveryChoice.PAUSED: RecoveryMode.PAUSED}.get(self)


def _when(moment: datetime, now: datetime | None = None) -> str:
    now = now or datetime.now().astimezone()
    local = moment.astimezone()
    text = local.strftime("%H:%M")
    if local.date() != now.date():
        text = local.strftime("%a %d %b %Y, %H:%M")
    minutes = int((now - local).total_seconds() // 60)
    if minutes < 1:
        ago = "just now"
    elif minutes < 120:
        ago = f"{minutes} min ago"
    else:
        ago = f"{minutes // 60} h {minutes % 60:02d} min ago"
    return f"{text} ({ago})"


def describe_stop(interrupted: InterruptedSession) -> str:
    """Where the session stopped, in one sentence."""
    preset = interrupted.preset
    count = len(preset.phases) if preset is not None else None
    if interrupted.phase_index is None:
        where = "before the first phase began"
    else:
        of = f" of {count}" if count else ""
        name = f" “{interrupted.phase_name}”" if interrupted.phase_name else ""
        where = f"in phase {interrupted.phase_index + 1}{of}{name}"
    state = " while paused" if interrupted.paused else ""
    return (f"Stopped {where}{state}, at {format_clock(interrupted.crashed_t)} session time, "
            f"{_when(interrupted.stopped)}.")


class RecoveryDialog(QDialog):
    """Asks what to do with one interrupted session; read :attr:`choice` after exec()."""

    def __init__(self, interrupted: InterruptedSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.interrupted = interrupted
        self.choice: RecoveryChoice | None = None
        self.setObjectName("resumeDialog")
        self.setWindowTitle("Interrupted session")
        self.setModal(True)
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(10)

        title = QLabel("A session was interrupted")
        title.setObjectName("panelTitle")
        layout.addWidget(title)

        record = interrupted.record
        self.preset_label = QLabel(f"<b>{_escape(record.preset)}</b>"
                                   + (f" — {_escape(record.room)}" if record.room else ""))
        self.preset_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.preset_label)

        self.started_label = QLabel(f"Started {_when(interrupted.started)}.")
        layout.addWidget(self.started_label)

        self.stopped_label = QLabel(describe_stop(interrupted))
        self.stopped_label.setWordWrap(True)
        layout.addWidget(self.stopped_label)

        if interrupted.finished:
            done = QLabel("It had reached its end; closing it is usually right.")
            done.setObjectName("muted")
            layout.addWidget(done)
        for warning in interrupted.warnings:
            note = QLabel(f"Note: {warning}.")
            note.setObjectName("muted")
            note.setWordWrap(True)
            layout.addWidget(note)

        self.problem_label: QLabel | None = None
        if interrupted.error:
            self.problem_label = QLabel(interrupted.error)
            self.problem_label.setObjectName("problem")
            self.problem_label.setWordWrap(True)
            layout.addWidget(self.problem_label)
        else:
            hint = QLabel("Resuming sets the music and light for that phase again.")
            hint.setObjectName("muted")
            hint.setWordWrap(True)
            layout.addWidget(hint)

        layout.addSpacing(8)
        self.running_button = self._button("Resume as if it kept running", RecoveryChoice.RUNNING,
                                           "resumeRunning")
        self.paused_button = self._button("Resume paused", RecoveryChoice.PAUSED, "primary")
        self.close_button = self._button("Close it (keep the record)", RecoveryChoice.CLOSE,
                                         "closeSession")
        for button in (self.running_button, self.paused_button, self.close_button):
            layout.addWidget(button)
        if interrupted.can_resume:
            self.paused_button.setDefault(True)
            self.paused_button.setFocus()
        else:
            self.running_button.setEnabled(False)
            self.paused_button.setEnabled(False)
            self.close_button.setDefault(True)
            self.close_button.setFocus()

    def _button(self, text: str, choice: RecoveryChoice, name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setMinimumHeight(BUTTON_MIN_HEIGHT_PX)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False, c=choice: self._on_choice(c))
        return button

    def _on_choice(self, choice: RecoveryChoice) -> None:
        self.choice = choice
        self.accept()

    def reject(self) -> None:
        self.choice = None
        super().reject()


def resumed_patient_label(record: SessionRecord, patients: PatientStore) -> str:
    """``PT-0042 · session 3 of 6`` for a resumed session (the code alone outside a
    course; empty without a patient)."""
    if not record.patient:
        return ""
    if record.course_id is None or record.course_number is None:
        return record.patient
    try:
        course = patients.course(record.course_id)
    except (KeyError, JournalError):
        return record.patient
    return f"{record.patient} · {course.label(record.course_number)}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
