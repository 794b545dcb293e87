"""Pick or create the patient, and their course, before Start.

A pseudonymous code (``PT-0042``) with type-ahead over the codes this PC knows; a new,
valid code says "New patient PT-0043" and offers an optional display name and year of
birth (they never leave this PC except in an export the clinic makes). A code that cannot
be one (spaces, 200 characters) gets a calm line under the field. The course is picked
from the patient's open courses or planned here (kind, planned sessions, spacing).

The picker reads and writes through :class:`~ketaroom.store.patients.PatientStore`
(``RoomService.patients``); :meth:`PatientPicker.resolve` creates what was typed at Start.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.clinical import COURSE_KINDS, ClinicalInputError, validate_code
from ketaroom.ui.widgets import muted_label

if TYPE_CHECKING:
    from ketaroom.store.patients import Course, PatientStore

COURSE_LABELS = {"induction": "Induction series", "maintenance": "Maintenance",
                 "esketamine_rems": "Esketamine (REMS)"}
"""How each course kind reads in the window."""
PLAN_NEW = -1
"""The course choice that plans a new course."""
CODE_CHROME_PX = 36
"""The code field's padding and frame around its text (the theme's 10 px each side)."""


@dataclass(frozen=True)
class PatientChoice:
    """The patient and course a session starts with."""

    patient_id: int
    course_id: int | None
    code: str
    number: int | None
    """The session's number in the course (``session 3 of 6``), None without a course."""
    planned: int | None

    def label(self) -> str:
        """``PT-0042 · session 3 of 6`` (the code only, never a name)."""
        if self.number is None or self.planned is None:
            return self.code
        return f"{self.code} · session {self.number} of {self.planned}"


class PatientPicker(QWidget):
    """Code with type-ahead, new-patient details, and the course to run the session in."""

    def __init__(self, store: PatientStore | None, parent: QWidget | None = None) -> None:
        """``store``: ``None`` while the records open (the window's first frame); the
        type-ahead and the courses come with :meth:`set_store`."""
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setObjectName("patientCode")
        self.code.setPlaceholderText("Patient code, e.g. PT-0042")
        self.code.ensurePolished()  # the theme's font: the hint is measured as it is drawn
        hint_px = self.code.fontMetrics().horizontalAdvance(self.code.placeholderText())
        self.code.setFixedWidth(max(220, hint_px + CODE_CHROME_PX))
        self.code.setMaxLength(200)
        self._codes = QStringListModel(self)
        completer = QCompleter(self._codes, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.code.setCompleter(completer)
        self.course = QComboBox()
        self.course.setObjectName("courseChoice")
        self.course.setMinimumWidth(200)
        # as wide as its longest course line, not as it was at first show (empty)
        self.course.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind = QComboBox()
        for kind in COURSE_KINDS:
            self.kind.addItem(COURSE_LABELS[kind], kind)
        self.planned = QSpinBox()
        self.planned.setRange(1, 100)
        self.planned.setValue(6)
        self.planned.setSuffix(" sessions")
        self.spacing = QSpinBox()
        self.spacing.setRange(0, 365)
        self.spacing.setValue(3)
        self.spacing.setPrefix("every ")
        self.spacing.setSuffix(" days")
        for widget in (self.code, self.course, self.kind, self.planned, self.spacing):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        details = QHBoxLayout()
        self.message = muted_label()
        self.message.setObjectName("patientMessage")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Display name (optional, stays on this PC)")
        self.name.setFixedWidth(300)
        self.birth_year = QLineEdit()
        self.birth_year.setPlaceholderText("Year of birth")
        self.birth_year.setFixedWidth(130)
        self.birth_year.setMaxLength(4)
        details.addWidget(self.message, 1)
        details.addWidget(self.name)
        details.addWidget(self.birth_year)
        layout.addLayout(details)
        self.code.textChanged.connect(self._on_code)
        self.course.currentIndexChanged.connect(self._show_plan)
        self.refresh_codes()
        self._on_code("")

    def set_store(self, store: PatientStore) -> None:
        """The records are open: offer their codes, and look again at what was typed."""
        self.store = store
        self.refresh_codes()
        self._on_code(self.code.text())

    def refresh_codes(self) -> None:
        """Reload the codes the type-ahead offers."""
        if self.store is not None:
            self._codes.setStringList([p.code for p in self.store.patients()])

    def clear(self) -> None:
        """Empty the picker for the next patient."""
        self.code.clear()
        self.name.clear()
        self.birth_year.clear()
        self.refresh_codes()

    def _on_code(self, text: str) -> None:
        self.course.blockSignals(True)
        self.course.clear()
        known = self._known(text)
        new = False
        if not text.strip():
            self.message.setText("Choose or type the patient's code to start a clinical "
                                 "session.")
        else:
            try:
                code = validate_code(text)
            except ClinicalInputError as exc:
                self.message.setText(str(exc))
                code = None
            if code is not None and known is None:
                new = True
                self.message.setText(f"New patient {code}: created at Start.")
            elif known is not None:
                self.message.setText(f"{known}: choose the course for this session.")
                for course in self.store.courses(known):
                    if not course.complete:
                        self.course.addItem(_course_text(course), course.id)
        valid = new or known is not None
        if valid:
            self.course.addItem("Plan a new course…", PLAN_NEW)
        self.course.blockSignals(False)
        for widget in (self.name, self.birth_year):
            widget.setVisible(new)
        self.course.setVisible(valid)
        self._show_plan()

    def _known(self, text: str) -> str | None:
        if self.store is None:
            return None
        try:
            return self.store.patient(text).code if text.strip() else None
        except KeyError:
            return None

    def _show_plan(self) -> None:
        plan = self.course.isVisible() and self.course.currentData() == PLAN_NEW
        for widget in (self.kind, self.planned, self.spacing):
            widget.setVisible(plan)

    def resolve(self) -> PatientChoice:
        """Create what was typed (patient, planned course) and say who the session is for;
        :class:`ClinicalInputError` with a calm sentence when it cannot be."""
        store = self.store
        if store is None:  # Start waits for the room, which opens the records first
            raise ClinicalInputError("The records are still opening; a moment, please.")
        code = validate_code(self.code.text())
        known = self._known(code)
        if known is None:
            year_text = self.birth_year.text().strip()
            if year_text and not year_text.isdigit():
                raise ClinicalInputError("The year of birth is four digits, e.g. 1980.")
            patient = store.add_patient(code, display_name=self.name.text().strip(),
                                        birth_year=int(year_text) if year_text else None)
        else:
            patient = store.patient(known)
        chosen = self.course.currentData()
        if chosen == PLAN_NEW or chosen is None:
            course = store.start_course(patient.code, str(self.kind.currentData()),
                                        planned_sessions=self.planned.value(),
                                        spacing_days=self.spacing.value())
        else:
            course = store.course(int(chosen))
        self.refresh_codes()
        return PatientChoice(patient.id, course.id, patient.code, course.sessions_done + 1,
                             course.planned_sessions)


def _course_text(course: Course) -> str:
    due = f", next due {course.next_due:%d %b}" if course.next_due else ""
    return (f"{COURSE_LABELS.get(course.kind, course.kind)}: "
            f"{course.sessions_done} of {course.planned_sessions} done{due}")
