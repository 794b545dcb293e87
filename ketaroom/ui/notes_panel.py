"""Notes and vitals: everything typed goes to the session journal, with no Save button.

Notes: a draft is recorded :data:`AUTOSAVE_MS` after typing stops (a single-shot
debounce timer); later edits of the same draft's text are recorded as corrections
that refer to the first entry, so the journal stays append-only and nothing typed is
ever lost; a change of its tags alone is recorded as that (``note_tags``), not as a
correction. *New note* closes the draft. Quick tags go with the draft. A note cue's
*Note* starts a fresh draft that answers that cue (:meth:`NotesPanel.start_note`).

Vitals: systolic / diastolic / heart rate / SpO₂ (blood pressure typed as it is written,
``142/90``, fills both: the slash moves on to the diastolic); implausible values (most likely
typos) are refused with a calm message, readings outside the clinic's limits are
recorded and their warnings shown. Every entry shows session time and wall time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIntValidator, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from ketaroom.core.durations import format_clock
from ketaroom.core.vitals import LABELS, Vitals, implausible
from ketaroom.ui.theme import COLORS, color
from ketaroom.ui.widgets import Panel, icon_button

AUTOSAVE_MS = 800
"""Debounce: a draft is recorded this long after the last keystroke (must stay ≤1 s)."""

QUICK_TAGS: tuple[tuple[str, str], ...] = (
    ("nausea", "Nausea"), ("anxiety", "Anxiety"), ("bp", "BP"),
    ("dissociation", "Dissociation"), ("dose", "Dose given"), ("ready", "Ready"),
)
PLACEHOLDER = "Type a note — it is saved as you type (Ctrl+N)"
VITAL_FIELDS = ("sys", "dia", "hr", "spo2")
VITAL_HINTS = {"sys": "Sys", "dia": "Dia", "hr": "HR", "spo2": "SpO₂"}
HISTORY_MIN_PX = 48
"""The entries so far may shrink to about one row (1280×720): the fields above them
stay whole."""


class NoteSink(Protocol):
    """What the panel records into (the session controller)."""

    def note(self, text: str, tags: tuple[str, ...] = (), *, cue: int | None = None
             ) -> int: ...

    def correct_note(self, ticket: int, text: str, reason: str = "",
                     tags: tuple[str, ...] | None = None) -> int: ...

    def tag_note(self, ticket: int, tags: tuple[str, ...]) -> int: ...

    def now_t(self) -> float: ...


class VitalsSink(Protocol):
    def vitals(self, reading: Vitals) -> tuple[int, list[str]]: ...


@dataclass
class Draft:
    ticket: int | None = None
    cue: int | None = None
    """The ticket of the note cue this note answers."""
    saved_text: str = ""
    saved_tags: tuple[str, ...] = ()
    item: QListWidgetItem | None = None
    session_clock: str = ""
    wall: str = ""


def stamp(session_t: float) -> tuple[str, str]:
    return format_clock(session_t), time.strftime("%H:%M")  # local time, as datetime.now()


class SystolicEdit(QLineEdit):
    """The systolic field: a slash typed in it (``142/90``) moves on to the diastolic."""

    slash = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text() == "/":
            self.slash.emit()
            return
        super().keyPressEvent(event)


class NotesPanel(Panel):
    vitals_recorded = Signal(int)
    """Ticket of a vitals entry just recorded."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Notes & vitals", parent)
        self._notes: NoteSink | None = None
        self._vitals: VitalsSink | None = None
        self._draft = Draft()
        self._build_notes()
        self._build_vitals()
        self.history = QListWidget()
        self.history.setWordWrap(True)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.setMinimumHeight(HISTORY_MIN_PX)
        self.body.addWidget(self.history, 1)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self._on_autosave)
        self.editor.textChanged.connect(self._on_draft_changed)
        self.set_sinks(None, None)

    # -- construction ----------------------------------------------------------------------

    def _build_notes(self) -> None:
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.editor.setFixedHeight(70)
        self.editor.setTabChangesFocus(True)
        self.new_note = icon_button("New note", "mdi6.note-plus-outline",
                                    tip="Finish this note and start another (Ctrl+Enter)")
        self.new_note.clicked.connect(self._on_new_note)
        editor_row = QHBoxLayout()
        editor_row.addWidget(self.editor, 1)
        editor_row.addWidget(self.new_note, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(editor_row)
        tags = QHBoxLayout()
        tags.setSpacing(6)
        self.tag_buttons: dict[str, QPushButton] = {}
        for key, label in QUICK_TAGS:
            button = QPushButton(label)
            button.setObjectName("tag")
            button.setCheckable(True)
            button.setToolTip(f"Tag this note: {label}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.toggled.connect(self._on_draft_changed)
            tags.addWidget(button)
            self.tag_buttons[key] = button
        tags.addStretch(1)
        self.saved = QLabel()
        self.saved.setObjectName("saved")
        self.body.addWidget(self.saved)
        self.body.addLayout(tags)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.editor)
        shortcut.activated.connect(self._on_new_note)

    def _build_vitals(self) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        self.vital_edits: dict[str, QLineEdit] = {}
        for column, key in enumerate(VITAL_FIELDS):
            edit = SystolicEdit() if key == "sys" else QLineEdit()
            edit.setPlaceholderText(VITAL_HINTS[key])
            edit.setValidator(QIntValidator(0, 999, edit))
            edit.setToolTip(LABELS[key])
            edit.setMaximumWidth(80)
            edit.returnPressed.connect(self._on_record_vitals)
            grid.addWidget(edit, 0, column)
            self.vital_edits[key] = edit
        systolic = self.vital_edits["sys"]
        assert isinstance(systolic, SystolicEdit)
        systolic.slash.connect(self._on_systolic_slash)
        self.record_vitals = icon_button("Record vitals", "mdi6.heart-pulse")
        self.record_vitals.clicked.connect(self._on_record_vitals)
        grid.addWidget(self.record_vitals, 0, len(VITAL_FIELDS))
        grid.setColumnStretch(len(VITAL_FIELDS) + 1, 1)
        self.body.addLayout(grid)
        self.vitals_message = QLabel()
        self.vitals_message.setWordWrap(True)
        self.vitals_message.hide()
        self.body.addWidget(self.vitals_message)

    # -- wiring -----------------------------------------------------------------------------

    def set_sinks(self, notes: NoteSink | None, vitals: VitalsSink | None) -> None:
        """Where entries go; ``None`` (no session) disables entry.

        Another session's sinks start the panel afresh: its draft, readings and the
        "Saved …" / "Vitals recorded …" lines belonged to the session before.
        """
        if self._notes is not None and notes is not self._notes:
            self.flush()
            self.history.clear()
            self._clear_editor()  # recorded in its own session; the next starts empty
            for edit in self.vital_edits.values():  # unrecorded readings belong to it too
                edit.clear()
        self._notes, self._vitals = notes, vitals
        enabled = notes is not None
        for widget in (self.editor, self.new_note, self.record_vitals,
                       *self.vital_edits.values(), *self.tag_buttons.values()):
            widget.setEnabled(enabled)
        self.saved.setText("Saved automatically as you type." if enabled else
                           "Notes and vitals are recorded once a session starts.")
        self._say("", "muted")
        self._draft = Draft()

    def focus_note(self) -> None:
        self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_vitals(self) -> None:
        self.vital_edits["sys"].setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_systolic_slash(self) -> None:
        diastolic = self.vital_edits["dia"]
        diastolic.setFocus(Qt.FocusReason.TabFocusReason)
        diastolic.selectAll()  # what is typed next replaces an earlier reading

    # -- notes ------------------------------------------------------------------------------

    def _tags(self) -> tuple[str, ...]:
        return tuple(key for key, button in self.tag_buttons.items() if button.isChecked())

    @property
    def dirty(self) -> bool:
        text, tags = self.editor.toPlainText(), self._tags()
        if self._draft.ticket is None:
            return bool(text.strip() or tags)
        return (text, tags) != (self._draft.saved_text, self._draft.saved_tags)

    def _on_draft_changed(self, *_: object) -> None:
        if self._notes is None:
            return
        if self.dirty:
            self._autosave.start()
            self.saved.setText("Typing…")
        else:
            self._autosave.stop()

    def _on_autosave(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Record the draft now if it changed since it was last recorded."""
        self._autosave.stop()
        sink = self._notes
        if sink is None or not self.dirty:
            return
        text, tags = self.editor.toPlainText(), self._tags()
        draft = self._draft
        if draft.ticket is None:
            draft.ticket = sink.note(text, tags, cue=draft.cue)
            draft.session_clock, draft.wall = stamp(sink.now_t())
            draft.item = QListWidgetItem()
            self.history.insertItem(0, draft.item)
        elif text == draft.saved_text:
            sink.tag_note(draft.ticket, tags)
        else:
            sink.correct_note(draft.ticket, text, "edited while typing",
                              tags if tags != draft.saved_tags else None)
        draft.saved_text, draft.saved_tags = text, tags
        if draft.item is not None:
            shown = " ".join([text.strip(), *(f"#{t}" for t in tags)]).strip()
            draft.item.setText(f"{draft.session_clock} · {draft.wall}   {shown}")
        self.saved.setText(f"Saved {time.strftime('%H:%M:%S')}")

    def _on_new_note(self) -> None:
        self.start_note()

    def start_note(self, *, cue: int | None = None, prompt: str = "") -> None:
        """Finish the current note and start a new, empty one; with ``cue`` (a note cue's
        ticket and ``prompt``) the new note answers that cue once it is saved."""
        self.flush()
        self._clear_editor()
        self._draft.cue = cue
        if cue is not None:
            self.editor.setPlaceholderText(f"Note for the cue “{prompt}” — saved as you type")
        self.focus_note()

    def _clear_editor(self) -> None:
        """A fresh draft: empty text, no tags (without recording anything)."""
        self._draft = Draft()
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.editor.blockSignals(True)
        self.editor.clear()
        self.editor.blockSignals(False)
        for button in self.tag_buttons.values():
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)

    # -- vitals -----------------------------------------------------------------------------

    def reading(self) -> Vitals:
        values = {}
        for key, edit in self.vital_edits.items():
            text = edit.text().strip()
            values[key] = int(text) if text.isdigit() else None
        return Vitals(**values)

    def _say(self, text: str, tone: str) -> None:
        self.vitals_message.setText(text)
        self.vitals_message.setStyleSheet(f"color: {COLORS[tone]}; background: transparent;")
        self.vitals_message.setVisible(bool(text))

    def _on_record_vitals(self) -> None:
        if self._vitals is None or self._notes is None:
            return
        reading = self.reading()
        if reading.empty:
            self._say("Enter at least one value.", "muted")
            return
        problems = implausible(reading)
        if problems:
            self._say("Not recorded — please check: " + "; ".join(problems) + ".", "warn_text")
            return
        ticket, warnings = self._vitals.vitals(reading)
        session_t, wall = stamp(self._notes.now_t())
        parts = [f"{VITAL_HINTS[k]} {v}" for k, v in reading.to_dict().items() if v is not None]
        item = QListWidgetItem(f"{session_t} · {wall}   Vitals: " + ", ".join(parts)
                               + ("   ⚠ " + "; ".join(warnings) if warnings else ""))
        if warnings:
            item.setForeground(color("warn_text"))
        self.history.insertItem(0, item)
        for edit in self.vital_edits.values():
            edit.clear()
        if warnings:
            self._say("Recorded. Attention: " + "; ".join(warnings) + ".", "warn_text")
        else:
            self._say(f"Vitals recorded at {wall}.", "muted")
        self.vitals_recorded.emit(ticket)
