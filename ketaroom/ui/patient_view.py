"""Clinic → Patients: every patient, a patient's course, follow-ups and the course report.

The list shows each patient's code, clinical sessions, the last one and when the next is
due. A patient's page shows their courses ("Induction series · 2 of 6 done · next due
…"), the sessions of the course oldest first ("1 of 6", dose, sedation, dissociation,
PHQ-9, the patient's reflection, follow-ups), the patient's preferences
(:mod:`ketaroom.ui.patient_preferences`), a form for the 24 h / 7 d follow-up, and the
course report export (PDF, CSV, JSON through :func:`ketaroom.store.export.export_course`:
0600, complete or nothing; the dialog opens in Documents like the session export).

:func:`due_line` is the one calm line of what is due today that the window shows on
start-up and between sessions. Reads go through :class:`~ketaroom.store.patients.
PatientStore` on the main thread (indexed queries, a few ms at clinic scale).

With a records server configured, *This room | Clinic*
(:class:`~ketaroom.ui.records_scope.ScopeToggle`) lists the clinic's patients and a
patient's course across every room from the server, read on a worker thread (the course
report exports what was read); follow-ups are recorded in *This room* only. In *Clinic*
each course line names the room it was planned in, the due line covers every room ("Due
today in the clinic", read with the patient list), and the preferences tab shows this
room's, read-only (preferences are not on the server).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.clinical import ClinicalInputError
from ketaroom.store import export
from ketaroom.store.course_report import CourseReport, load_course
from ketaroom.store.journal import JournalError
from ketaroom.store.patients import Due, PatientStore, PatientSummary, due_by_patient
from ketaroom.store.record_schema import FollowUp, dose_confirmed
from ketaroom.ui.export_dialog import export_row, export_with_dialog
from ketaroom.ui.patient_picker import COURSE_LABELS
from ketaroom.ui.patient_preferences import PreferencesForm
from ketaroom.ui.records_scope import (
    READING,
    ScopeToggle,
    clinic_course,
    clinic_due,
    clinic_patients,
)
from ketaroom.ui.widgets import muted_label, show_status

IN_CLINIC = " in the clinic"
"""How the due line says it covers every room (Clinic), not only this one."""
PATIENT_COLUMNS = ("Patient", "Sessions", "Last", "Next due")
COURSE_COLUMNS = ("Session", "Dose", "MOAA/S", "Dissociation", "PHQ-9", "Reflection",
                  "Follow-ups")


def due_line(store: PatientStore, today: date | None = None) -> str:
    """``Due today: PT-0042 session 3 · PT-0007 follow-up 24h`` (overdue included), or
    that nothing is due (this room's records)."""
    today = today or date.today()
    return due_text(store.due(today), today)


def due_text(items: list[Due], today: date, where: str = "", *, rooms: bool = False) -> str:
    """The due line of ``items``, each patient once per kind of item (since the earliest
    date); ``where`` says whose (" in the clinic"); ``rooms`` names the rooms (the
    clinic's line: ``PT-0042 session (Room A, since 08 Mar; Room B)``)."""
    if not items:
        return f"Nothing due today{where}."
    parts = []
    for patient, what, places in due_by_patient(items, rooms=rooms):
        said = (", ".join(w for w in (room, f"since {due:%d %b}" if due < today else None)
                          if w) for room, due in places)
        shown = "; ".join(w for w in said if w)
        parts.append(f"{patient} {what}" + (f" ({shown})" if shown else ""))
    return f"Due today{where}: " + " · ".join(parts)


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _day(text: str | None) -> str:
    return text[:10] if text else "—"


def _measure_cells(m: dict[str, Any]) -> list[str]:
    dose = m["dose"]
    dose_text = "—"
    if dose:
        per_kg = f" · {dose['mg_per_kg']:.2f} mg/kg" if dose.get("mg_per_kg") else ""
        unconfirmed = "" if dose_confirmed(dose) else " · not confirmed"
        dose_text = f"{dose['mg']:g} mg {dose['route']}{per_kg}{unconfirmed}"
    sedation = ", ".join(str(s["moaas"]) for s in m["sedation"]) or "—"
    rated = m["dissociation"][-1] if m["dissociation"] else None  # the latest rating
    dissociation = "—" if rated is None else f"{rated['score']}" + {
        True: " · REMS yes", False: " · REMS no"}.get(rated.get("rems_dissociation"), "")
    phq9 = f"{m['phq9']['total']} {m['phq9']['band']}" if m["phq9"] else "—"
    reflection = " / ".join(r["text"] for r in m["reflections"]) or "—"
    follow_ups = " · ".join(f"{f['after']}: mood {f['mood']}" for f in m["follow_ups"]) or "—"
    return [dose_text, sedation, dissociation, phq9, reflection, follow_ups]


class PatientView(QWidget):
    """Patients and their course of care; emits :attr:`changed` after a follow-up."""

    changed = Signal()

    def __init__(self, store: PatientStore, parent: QWidget | None = None, *,
                 user: str = "", data_dir: Path | None = None,
                 dsn: Callable[[], str | None] = lambda: None) -> None:
        """``data_dir``: where the clinic's playlists are, for the never-play list's
        suggestions (None: none offered); ``dsn``: the clinic records server, if any."""
        super().__init__(parent)
        self.setObjectName("patientView")
        self.setWindowTitle("Patients")
        self.store = store
        self.user = user
        self._report: CourseReport | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        title = QLabel("PATIENTS")
        title.setObjectName("panelTitle")
        self.due = muted_label(wrap=True)
        self.due.setObjectName("dueLine")
        self.scope = ScopeToggle(dsn)
        self.scope.scopeChanged.connect(lambda _clinic: self.refresh())
        heading_row = QHBoxLayout()
        heading_row.addWidget(title)
        heading_row.addWidget(self.scope)
        heading_row.addStretch(1)
        outer.addLayout(heading_row)
        outer.addWidget(self.due)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.patients = _table(PATIENT_COLUMNS)
        self.patients.setObjectName("patientTable")
        self.patients.setMinimumWidth(390)
        self.patients.itemSelectionChanged.connect(self._on_selection)
        splitter.addWidget(self.patients)
        detail = QWidget()
        side = QVBoxLayout(detail)
        side.setContentsMargins(8, 0, 0, 0)
        self.heading = QLabel("Select a patient.")
        self.heading.setObjectName("patientHeading")
        self.courses = muted_label(wrap=True)
        self.sessions = _table(COURSE_COLUMNS)
        self.sessions.setObjectName("courseTable")
        self.sessions.setWordWrap(True)
        header = self.sessions.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COURSE_COLUMNS.index("Reflection"),
                                    QHeaderView.ResizeMode.Stretch)
        side.addWidget(self.heading)
        side.addWidget(self.courses)
        self.preferences = PreferencesForm(store, data_dir)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.sessions, "Sessions")
        self.tabs.addTab(self.preferences, "Preferences")
        side.addWidget(self.tabs, 1)
        self._build_follow_up(side)
        self._build_export(side)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        outer.addWidget(splitter, 1)
        self.refresh()

    def _build_follow_up(self, side: QVBoxLayout) -> None:
        self.fu_title = QLabel("Follow-up after a session")
        side.addWidget(self.fu_title)
        grid = QGridLayout()
        self.fu_session = QComboBox()
        # as wide as "2 of 6 · 2026-11-30" (sized when first shown, it was still empty)
        self.fu_session.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.fu_after = QComboBox()
        self.fu_after.addItem("24 h after", "24h")
        self.fu_after.addItem("7 days after", "7d")
        self.fu_mood = QSpinBox()
        self.fu_mood.setRange(0, 10)
        self.fu_mood.setValue(5)
        self.fu_mood.setPrefix("mood ")
        self.fu_sleep = QLineEdit()
        self.fu_sleep.setPlaceholderText("Sleep")
        self.fu_effects = QLineEdit()
        self.fu_effects.setPlaceholderText("Side effects")
        self.fu_notes = QLineEdit()
        self.fu_notes.setPlaceholderText("Notes")
        self.fu_button = QPushButton("Record follow-up")
        self.fu_button.setMinimumHeight(44)
        self.fu_button.clicked.connect(self.record_follow_up)
        grid.addWidget(self.fu_session, 0, 0)
        grid.addWidget(self.fu_after, 0, 1)
        grid.addWidget(self.fu_mood, 0, 2)
        grid.addWidget(self.fu_sleep, 1, 0)
        grid.addWidget(self.fu_effects, 1, 1)
        grid.addWidget(self.fu_notes, 1, 2)
        grid.addWidget(self.fu_button, 0, 3, 2, 1)
        side.addLayout(grid)

    def _build_export(self, side: QVBoxLayout) -> None:
        row, self.status, self.export_buttons = export_row("Course report",
                                                           self.export_course)
        side.addLayout(row)

    # -- data -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the patients (this room's, or the clinic's from the server) and what
        is due here (keeps the selected patient)."""
        self.scope.update_visibility()
        chosen = self.selected_code()
        if self.scope.clinic:
            self._say(READING)
            today = date.today()
            self.due.setText(f"Due today{IN_CLINIC}: …")
            self.scope.read("list", lambda records: (clinic_patients(records),
                                                     clinic_due(records, today)),
                            lambda found: self._fill_clinic(found, chosen, today))
            return
        self.due.setText(due_line(self.store))
        self._fill_patients(self.store.summaries(), chosen)

    def _fill_clinic(self, found: tuple[list[PatientSummary], list[Due]], chosen: str | None,
                     today: date) -> None:
        summaries, due = found
        self.due.setText(due_text(due, today, IN_CLINIC, rooms=True))
        self._fill_patients(summaries, chosen)

    def _fill_patients(self, summaries: list[PatientSummary], chosen: str | None) -> None:
        if self.scope.clinic or self.scope.notice or self.status.text() == READING:
            self._say(self.scope.notice, problem=bool(self.scope.notice))
        self.patients.setRowCount(len(summaries))
        for row, s in enumerate(summaries):
            cells = [s.code, str(s.sessions), _day(s.last_session),
                     f"{s.next_due:%Y-%m-%d}" if s.next_due else "—"]
            for column, text in enumerate(cells):
                self.patients.setItem(row, column, _cell(text))
        if chosen is None or not self.select_patient(chosen):
            self._show(None)

    def selected_code(self) -> str | None:
        rows = self.patients.selectionModel().selectedRows()
        return self.patients.item(rows[0].row(), 0).text() if rows else None

    def select_patient(self, code: str) -> bool:
        for row in range(self.patients.rowCount()):
            if self.patients.item(row, 0).text().casefold() == code.strip().casefold():
                self.patients.selectRow(row)
                self._show(self.patients.item(row, 0).text())
                return True
        return False

    def _on_selection(self) -> None:
        self._show(self.selected_code())

    def _show(self, code: str | None) -> None:
        self._report = None
        for widget in (self.fu_button, *self.export_buttons.values()):
            widget.setEnabled(False)
        for widget in (self.fu_session, self.fu_after, self.fu_mood, self.fu_sleep,
                       self.fu_effects, self.fu_notes):
            widget.setEnabled(not self.scope.clinic)  # they go to this room's sessions
        self.fu_title.setText("Follow-up after a session" + (
            " — recorded in This room" if self.scope.clinic else ""))
        self.fu_session.clear()
        self.preferences.show_patient(code, clinic=self.scope.clinic)
        self.tabs.setTabText(1, "Preferences · this room" if self.scope.clinic
                             else "Preferences")
        if code is None:
            self.heading.setText("Select a patient.")
            self.courses.clear()
            self.sessions.setRowCount(0)
            return
        self.heading.setText(code)
        if self.scope.clinic:
            self.sessions.setRowCount(0)
            self.scope.read("detail", lambda records: clinic_course(records, code),
                            self._show_course)
            return
        self._show_course(load_course(self.store, code))

    def _show_course(self, report: CourseReport) -> None:
        """Fill the patient's page from their course report (this room's or the clinic's)."""
        if report.patient.code.casefold() != (self.selected_code() or "").casefold():
            return  # another patient was chosen meanwhile
        self._report = report
        for widget in (self.fu_button, *self.export_buttons.values()):
            widget.setEnabled(widget is not self.fu_button or not self.scope.clinic)
        courses = {c.id: c for c in report.courses}
        clinic = self.scope.clinic
        self.courses.setText("\n".join(
            f"{COURSE_LABELS.get(c.kind, c.kind)}"
            + (f" (planned in {c.room})" if clinic and c.room else "")
            + f" from {c.started:%d %b %Y}: "
            f"{c.sessions_done} of {c.planned_sessions} done, every {c.spacing_days} days"
            + (f" · next due {c.next_due:%a %d %b}" if c.next_due else " · complete")
            for c in courses.values()) or "No course planned yet.")
        self.sessions.setRowCount(len(report.rows))
        for row, session_row in enumerate(report.rows):
            record = session_row.session
            course = courses.get(record.course_id) if record.course_id else None
            number = (f"{record.course_number} of {course.planned_sessions}"
                      if course and record.course_number else "—")
            cells = [f"{number} · {_day(record.started_at)}",
                     *_measure_cells(session_row.measures)]
            for column, text in enumerate(cells):
                self.sessions.setItem(row, column, _cell(text))
            self.sessions.item(row, 0).setToolTip(f"{record.preset} · {record.room or '—'}")
            if not self.scope.clinic:  # a follow-up goes to this room's own session
                self.fu_session.addItem(f"{number} · {_day(record.started_at)}", record.id)
        self.fu_session.setCurrentIndex(self.fu_session.count() - 1)
        self.sessions.resizeRowsToContents()

    def _say(self, text: str, *, problem: bool = False) -> None:
        show_status(self.status, text, problem=problem)

    # -- actions ----------------------------------------------------------------------------

    def record_follow_up(self) -> bool:
        """Record the follow-up form for the chosen session (dated now)."""
        code, session_id = self.selected_code(), self.fu_session.currentData()
        if code is None or session_id is None:
            self._say("Choose a patient with a session first.", problem=True)
            return False
        try:
            entry = FollowUp(str(self.fu_after.currentData()), self.fu_mood.value(),
                             sleep=self.fu_sleep.text().strip(),
                             side_effects=self.fu_effects.text().strip(),
                             notes=self.fu_notes.text().strip(), by=self.user)
            self.store.record(int(session_id), entry)
        except (ClinicalInputError, JournalError) as exc:
            self._say(f"Follow-up not recorded: {exc}", problem=True)
            return False
        for edit in (self.fu_sleep, self.fu_effects, self.fu_notes):
            edit.clear()
        self._say(f"Follow-up {self.fu_after.currentText()} recorded "
                  f"{datetime.now():%H:%M}.")
        self.refresh()
        self.changed.emit()
        return True

    def export_course(self, fmt: str) -> Path | None:
        """Ask for a file (in Documents) and write the patient's course report there."""
        code, report = self.selected_code(), self._report
        if code is None or report is None:
            return None
        journal = self.store.journal
        clinic = self.scope.clinic
        return export_with_dialog(
            self, title=f"Export {code}'s course report as {fmt.upper()}",
            suggested_name=f"course-{code}-{date.today():%Y-%m-%d}.{fmt}", fmt=fmt,
            file_filter={"pdf": "PDF report (*.pdf)", "csv": "CSV (*.csv)",
                         "json": "JSON (*.json)"}[fmt],
            journal=journal, user=self.user or "ketaroom",
            what=f"{'clinic ' if clinic else ''}course {code}",
            write=lambda path: export.write_course_report(report, fmt, path) if clinic
            else export.export_course(journal, code, fmt, path),
            say=self._say)
