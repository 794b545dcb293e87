"""The history view: past sessions, their timelines, search and exports.

Owns the "History" screen. A table lists every recorded session (date, room, preset,
planned vs actual duration, status including ``interrupted``, the number of
interruptions and of device incidents) — rehearsals only while "Show rehearsals" is
ticked; a search box filters it by date, preset,
room, status or note text, and the patient filter by patient (a column shows the code);
the detail pane shows the selected session's timeline in
order — phases, notes (with corrections), vitals, cues (acknowledged or missed),
operator actions and incidents — each with session time and wall-clock time.
Export PDF / CSV / JSON ask for a file (:class:`QFileDialog`) and call
:mod:`ketaroom.store.export`; exports are written to the audit trail.

With a records server configured, a *This room | Clinic* toggle
(:class:`~ketaroom.ui.records_scope.ScopeToggle`) lists every room's sessions from the
server instead — read on a worker thread, the same columns, search and filters; an
export then writes the session as read from the server. If the server cannot answer,
the view shows this room's records with one calm line saying so.

The list comes from :meth:`Journal.history` (the newest :data:`LIST_LIMIT` sessions
matching the search, patient filter and "Show rehearsals"; counts and full-text search
done in SQL, ~tens of ms at 40,000 sessions), re-run on every search/filter change;
a session's events are read only when that session is selected. Call
:meth:`HistoryView.refresh` to re-read. Styling comes from the night theme through object names
(``panelTitle``, ``muted``, ``problem``, ``saved``); no colours are set here.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.durations import format_clock
from ketaroom.store import export
from ketaroom.store.journal import Journal, JournalError
from ketaroom.store.record_schema import RecordKind, current_note_tags
from ketaroom.store.session_records import EventRecord, HistoryRow, RecordSource, SessionRecord
from ketaroom.ui.export_dialog import export_row, export_with_dialog
from ketaroom.ui.records_scope import READING, FetchedSession, ScopeToggle
from ketaroom.ui.widgets import check_box, show_status

__all__ = ["HistoryView", "SessionSummary", "TimelineRow", "summarise", "timeline_rows"]

SESSION_COLUMNS = ("Date", "Room", "Preset", "Planned", "Actual", "Status",
                   "Interruptions", "Incidents", "Patient")
ALL_PATIENTS = "All patients"
TIMELINE_COLUMNS = ("Session", "Clock", "What", "Details")
INCIDENT_KINDS = (RecordKind.DEVICE_ERROR, RecordKind.EMERGENCY)
_SHOWN_KINDS = {RecordKind.SESSION_START, RecordKind.PHASE_START, RecordKind.CUE,
                RecordKind.INTENT, RecordKind.NOTE, RecordKind.NOTE_CORRECTION,
                RecordKind.NOTE_TAGS, RecordKind.VITALS, RecordKind.DEVICE_ERROR,
                RecordKind.EMERGENCY, RecordKind.RESUME, RecordKind.SESSION_END}
LIST_LIMIT = 500
"""At most this many sessions are listed (the newest matching ones)."""
_ROLE_ID = Qt.ItemDataRole.UserRole
_ROLE_SORT = Qt.ItemDataRole.UserRole + 1


# --------------------------------------------------------------------------- model


def _local(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment.astimezone()


@dataclass(frozen=True)
class SessionSummary:
    """One row of the session table, and the text the search looks through."""

    record: SessionRecord
    date: str
    planned_s: float | None
    actual_s: float | None
    interruptions: int
    incidents: int
    haystack: str

    @property
    def id(self) -> int:
        return self.record.id


def summarise(record: SessionRecord, events: Sequence[EventRecord]) -> SessionSummary:
    """The table row for ``record`` (with its ``events``)."""
    started = _local(record.started_at)
    date = started.strftime("%Y-%m-%d %H:%M") if started else record.started_at
    actual = max((e.session_t for e in events), default=None)
    resumes = sum(e.kind == RecordKind.RESUME for e in events)
    interruptions = resumes + (record.status == "interrupted")
    incidents = sum(e.kind in INCIDENT_KINDS for e in events)
    texts = [str(e.payload.get("text", "")) for e in events
             if e.kind in (RecordKind.NOTE, RecordKind.NOTE_CORRECTION, RecordKind.EMERGENCY)]
    tags = [tag for note_tags in current_note_tags(events).values() for tag in note_tags]
    prompts = [str(e.payload.get("prompt", "")) for e in events if e.kind == RecordKind.CUE]
    day = started.strftime("%A %d %B %Y %d.%m.%Y %d/%m/%Y") if started else ""
    haystack = " ".join([date, day, record.started_at, record.preset, record.room,
                         record.status, record.patient_ref or "", record.patient or "",
                         record.operator or "",
                         *texts, *tags, *prompts]).casefold()
    return SessionSummary(record, date, record.planned_s, actual, interruptions, incidents,
                          haystack)


def summary_of(row: HistoryRow) -> SessionSummary:
    """The table row for a :meth:`Journal.history` row (no events read; no haystack:
    the journal searches)."""
    record = row.record
    started = _local(record.started_at)
    date = started.strftime("%Y-%m-%d %H:%M") if started else record.started_at
    return SessionSummary(record, date, record.planned_s, row.actual_s, row.interruptions,
                          row.incidents, "")


_TERM = re.compile(r'"([^"]*)"|(\S+)')
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def journal_search(query: str) -> str:
    """``query`` for :meth:`Journal.history`: a ``dd.mm.yyyy`` or ``dd/mm/yyyy`` date
    becomes ``yyyy-mm-dd`` (how the journal stores start times)."""
    out = []
    for quoted, word in _TERM.findall(query):
        found = _DAY_MONTH_YEAR.match(word) if word else None
        if found:
            day, month, year = found.groups()
            out.append(f"{year}-{int(month):02d}-{int(day):02d}")
        elif quoted:
            out.append(f'"{quoted}"')
        elif word:
            out.append(word)
    return " ".join(out)


def matches(summary: SessionSummary, query: str) -> bool:
    """Every word (or ``"quoted phrase"``) of ``query`` occurs in the session's date,
    preset, room, status, cue prompts, note text or note tags; case does not matter."""
    terms = [a or b for a, b in _TERM.findall(query.casefold())]
    return all(term in summary.haystack for term in terms if term)


@dataclass(frozen=True)
class TimelineRow:
    """One line of the detail pane."""

    session_t: float
    wall: str
    kind: str
    what: str
    details: str
    event_id: int


_WHAT = {
    RecordKind.SESSION_START: "Start", RecordKind.PHASE_START: "Phase", RecordKind.CUE: "Cue",
    RecordKind.INTENT: "Action", RecordKind.NOTE: "Note",
    RecordKind.NOTE_CORRECTION: "Correction", RecordKind.NOTE_TAGS: "Tags",
    RecordKind.VITALS: "Vitals", RecordKind.DEVICE_ERROR: "Incident",
    RecordKind.EMERGENCY: "EMERGENCY", RecordKind.RESUME: "Resumed",
    RecordKind.SESSION_END: "End", RecordKind.MUSIC: "Music", RecordKind.LIGHT: "Light",
}


def timeline_rows(record: SessionRecord, events: Sequence[EventRecord]) -> list[TimelineRow]:
    """The session's timeline as shown: phases, notes, vitals, cues, actions, incidents.

    A cue says whether it was acknowledged (and by whom) or missed; a note shows its
    tags as they are now (a later tag change is also a row of its own); automatic
    music and light changes are left out (manual ones stay).
    """
    by_id = {e.id: e for e in events}
    acks: dict[int, EventRecord] = {}
    for event in events:
        if event.kind == RecordKind.CUE_ACK and event.refers_to is not None:
            acks.setdefault(event.refers_to, event)
    tags = current_note_tags(events)
    rows = []
    for event in events:
        manual = event.kind in (RecordKind.MUSIC, RecordKind.LIGHT) and event.payload.get("manual")
        if event.kind not in _SHOWN_KINDS and not manual:
            continue
        details = export.event_summary(event, by_id)
        if event.kind == RecordKind.CUE:
            details += _cue_outcome(acks.get(event.id), record)
        elif event.kind == RecordKind.NOTE:
            details = (f"Note: {event.payload.get('text', '')}"
                       f"{export.tags_text(tags.get(event.id))}")
        elif (event.kind == RecordKind.DEVICE_ERROR
              and event.payload.get("severity") == "warning"):
            details = details.replace("Device error", "Device warning", 1)
        wall = _local(event.wall)
        rows.append(TimelineRow(event.session_t, wall.strftime("%H:%M:%S") if wall else event.wall,
                                event.kind, _WHAT.get(event.kind, event.kind), details,
                                event.id))
    return rows


def _cue_outcome(ack: EventRecord | None, record: SessionRecord) -> str:
    if ack is not None:
        who = f" by {ack.payload['by']}" if ack.payload.get("by") else ""
        return f" — acknowledged{who} at {format_clock(ack.session_t)}"
    return " — waiting" if record.status == "running" else " — missed"


def _duration(seconds: float | None) -> str:
    return "—" if seconds is None else format_clock(seconds)


class _SortItem(QTableWidgetItem):
    """Sorts by the value stored under ``_ROLE_SORT`` when there is one."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(_ROLE_SORT), other.data(_ROLE_SORT)
        if mine is not None and theirs is not None:
            return bool(mine < theirs)
        return super().__lt__(other)


_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _item(text: str, sort_key: object = None, *, align_right: bool = False) -> QTableWidgetItem:
    item = _SortItem(text)
    item.setFlags(_FLAGS)
    if sort_key is not None:
        item.setData(_ROLE_SORT, sort_key)
    if align_right:
        item.setTextAlignment(_RIGHT)
    return item


# --------------------------------------------------------------------------- widget


class HistoryView(QWidget):
    """Past sessions from ``journal``; emits :attr:`sessionSelected` with the id."""

    sessionSelected = Signal(int)

    def __init__(self, journal: Journal, parent: QWidget | None = None, *,
                 user: str | None = None,
                 dsn: Callable[[], str | None] = lambda: None) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        self.journal = journal
        self.user = user or _os_user()
        self.summaries: list[SessionSummary] = []
        self._fetched: FetchedSession | None = None
        """The selected clinic session with its events, once read from the server."""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(10)

        top = QHBoxLayout()
        title = QLabel("SESSION HISTORY")
        title.setObjectName("panelTitle")
        top.addWidget(title)
        self.scope = ScopeToggle(dsn)
        self.scope.scopeChanged.connect(lambda _clinic: self.refresh())
        top.addWidget(self.scope)
        top.addStretch(1)
        self.search = QLineEdit()
        self.search.setObjectName("historySearch")
        self.search.setPlaceholderText("Search date, preset, room or note text")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.search.textChanged.connect(self._on_search)
        top.addWidget(self.search)
        self.patient_filter = QComboBox()
        self.patient_filter.setObjectName("patientFilter")
        self.patient_filter.setMinimumWidth(160)
        self.patient_filter.setToolTip("Only this patient's sessions")
        self.patient_filter.currentIndexChanged.connect(
            lambda _i: self._on_search(self.search.text()))
        top.addWidget(self.patient_filter)
        self.show_rehearsals = check_box("Show rehearsals")
        self.show_rehearsals.setObjectName("showRehearsals")
        self.show_rehearsals.setToolTip("Sessions run with `ketaroom rehearse` are left out "
                                        "of the history unless this is ticked.")
        self.show_rehearsals.toggled.connect(lambda _on: self._on_search(self.search.text()))
        top.addWidget(self.show_rehearsals)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        outer.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(SESSION_COLUMNS))
        self.table.setObjectName("historyTable")
        self.table.setHorizontalHeaderLabels(SESSION_COLUMNS)
        self._setup_table(self.table)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        splitter.addWidget(self.table)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 6, 0, 0)
        detail_layout.setSpacing(6)
        self.detail_title = QLabel("Select a session to see its timeline.")
        self.detail_title.setObjectName("muted")
        self.detail_title.setWordWrap(True)
        detail_layout.addWidget(self.detail_title)
        self.timeline = QTableWidget(0, len(TIMELINE_COLUMNS))
        self.timeline.setObjectName("historyTimeline")
        self.timeline.setHorizontalHeaderLabels(TIMELINE_COLUMNS)
        self._setup_table(self.timeline)
        self.timeline.horizontalHeader().setSectionResizeMode(
            len(TIMELINE_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.timeline.setWordWrap(True)
        detail_layout.addWidget(self.timeline, 1)

        buttons, self.status_label, self.export_buttons = export_row("Export",
                                                                     self.export_selected)
        for button in self.export_buttons.values():
            button.setEnabled(False)  # until a session is chosen
        detail_layout.addLayout(buttons)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        outer.addWidget(splitter, 1)

        self.refresh()

    @staticmethod
    def _setup_table(table: QTableWidget) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    # ---------------------------------------------------------------- data

    def refresh(self) -> None:
        """Re-read the list from the journal, or the server in *Clinic* (keeps the
        selection when it can)."""
        self.scope.update_visibility()
        if not self.scope.clinic:
            try:
                codes = self.journal.session_patients()
            except JournalError:
                codes = []
            self._fill_patient_filter(codes)
        self._load(reread_detail=True)

    def _load(self, *, reread_detail: bool = False) -> None:
        """List what :meth:`Journal.history` (or the server's) finds for the search box,
        the patient filter and "Show rehearsals"; only the selected session's events are
        read."""
        patient = self.patient_filter.currentText()
        query = {"include_rehearsals": self.show_rehearsals.isChecked(),
                 "patient": None if patient in ("", ALL_PATIENTS) else patient,
                 "search": journal_search(self.search.text()), "limit": LIST_LIMIT}
        if self.scope.clinic:
            self._say(READING)
            self.scope.read("list", lambda records: (records.history(**query),
                                                     records.session_patients()),
                            lambda found: self._show_rows(found[0], reread_detail, found[1]))
            return
        try:
            rows = self.journal.history(**query)
        except JournalError as exc:
            self._show_rows([], reread_detail)
            self._say(f"The session records could not be read: {exc}", problem=True)
            return
        self._show_rows(rows, reread_detail)

    def _show_rows(self, rows: list[HistoryRow], reread_detail: bool,
                   codes: list[str] | None = None) -> None:
        """Fill the table with ``rows`` (and the patient filter with ``codes``, if given)."""
        if codes is not None:
            self._fill_patient_filter(codes)
        self._say(self.scope.notice or (
            f"Showing the newest {LIST_LIMIT} sessions that match; search or pick a patient "
            "to find older ones." if len(rows) >= LIST_LIMIT else ""),
            problem=bool(self.scope.notice))
        selected = self.selected_id()
        self.summaries = [summary_of(r) for r in rows]
        self.table.blockSignals(True)
        self.table.setSortingEnabled(False)
        self.table.clearSelection()
        self.table.setRowCount(0)
        self.table.setRowCount(len(self.summaries))
        for row, summary in enumerate(self.summaries):
            record = summary.record
            cells = [
                _item(summary.date, record.started_at),
                _item(record.room or "—"),
                _item(record.preset),
                _item(_duration(summary.planned_s), summary.planned_s or 0.0, align_right=True),
                _item(_duration(summary.actual_s), summary.actual_s or 0.0, align_right=True),
                _item(record.status),
                _item(str(summary.interruptions), summary.interruptions, align_right=True),
                _item(str(summary.incidents), summary.incidents, align_right=True),
                _item(record.patient or "—"),
            ]
            cells[0].setData(_ROLE_ID, record.id)
            if record.patient_ref:
                cells[0].setToolTip(f"Patient ref: {record.patient_ref}")
            for column, item in enumerate(cells):
                self.table.setItem(row, column, item)
        self.table.setSortingEnabled(True)
        kept = selected is not None and self.select_session(selected)
        self.table.blockSignals(False)
        if not kept:
            self._show_detail(None)
        elif reread_detail:
            self._show_detail(selected)

    def _fill_patient_filter(self, codes: list[str]) -> None:
        """The filter offers every patient with a session recorded (keeps the choice)."""
        chosen = self.patient_filter.currentText()
        self.patient_filter.blockSignals(True)
        self.patient_filter.clear()
        self.patient_filter.addItems([ALL_PATIENTS, *codes])
        self.patient_filter.setCurrentIndex(max(0, self.patient_filter.findText(chosen)))
        self.patient_filter.blockSignals(False)

    def show_patient(self, code: str) -> None:
        """List only ``code``'s sessions (the patient filter)."""
        self.patient_filter.setCurrentIndex(max(0, self.patient_filter.findText(code)))

    def visible_ids(self) -> list[int]:
        """Session ids of the rows shown (search applied), top to bottom."""
        return [self._row_id(r) for r in range(self.table.rowCount())
                if not self.table.isRowHidden(r)]

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self._row_id(rows[0].row()) if rows else None

    def select_session(self, session_id: int) -> bool:
        for row in range(self.table.rowCount()):
            if self._row_id(row) == session_id and not self.table.isRowHidden(row):
                self.table.selectRow(row)
                return True
        return False

    def _row_id(self, row: int) -> int:
        return int(self.table.item(row, 0).data(_ROLE_ID))

    def _summary(self, session_id: int) -> SessionSummary | None:
        return next((s for s in self.summaries if s.id == session_id), None)

    # ---------------------------------------------------------------- slots

    def _on_search(self, _text: str = "") -> None:
        """Re-run the query for the search box, patient filter and rehearsals box."""
        self._load()

    def _on_selection(self) -> None:
        session_id = self.selected_id()
        self._show_detail(session_id)
        if session_id is not None:
            self.sessionSelected.emit(session_id)

    def _show_detail(self, session_id: int | None) -> None:
        summary = self._summary(session_id) if session_id is not None else None
        self._fetched = None
        for button in self.export_buttons.values():
            button.setEnabled(summary is not None and not self.scope.clinic)
        if summary is None:
            self.detail_title.setText("Select a session to see its timeline.")
            self.timeline.setRowCount(0)
            return
        record = summary.record
        parts = [f"{summary.date} · {record.preset}"]
        if record.room:
            parts.append(record.room)
        parts.append(f"planned {_duration(summary.planned_s)}, "
                     f"ran {_duration(summary.actual_s)}")
        parts.append(record.status)
        if record.kind != "clinical":
            parts.append(record.kind)
        if record.operator:
            parts.append(f"operator {record.operator}")
        self.detail_title.setText(" · ".join(parts))
        if self.scope.clinic:
            self.timeline.setRowCount(0)
            self.scope.read("detail", lambda records: records.events(record.id),
                            lambda events: self._fill_timeline(record, events, fetched=True))
            return
        try:
            events = self.journal.events(record.id)  # this one session's, only now
        except JournalError as exc:
            events = []
            self._say(f"The session's entries could not be read: {exc}", problem=True)
        self._fill_timeline(record, events)

    def _fill_timeline(self, record: SessionRecord, events: list[EventRecord], *,
                       fetched: bool = False) -> None:
        """Show ``record``'s timeline; a session ``fetched`` from the server can be
        exported once its events are here."""
        if fetched:
            if self.selected_id() != record.id:
                return  # another session was chosen meanwhile
            self._fetched = FetchedSession(record, events)
            for button in self.export_buttons.values():
                button.setEnabled(True)
        rows = timeline_rows(record, events)
        self.timeline.setRowCount(len(rows))
        for i, row in enumerate(rows):
            cells = [_item(format_clock(row.session_t), align_right=True), _item(row.wall),
                     _item(row.what), _item(row.details)]
            cells[0].setData(_ROLE_ID, row.event_id)
            for column, item in enumerate(cells):
                self.timeline.setItem(i, column, item)
        self.timeline.resizeRowsToContents()

    # ---------------------------------------------------------------- export

    def export_selected(self, fmt: str) -> Path | None:
        """Ask for a file and export the selected session as ``fmt`` (pdf, csv, json).

        The dialog opens in the user's documents folder (the data folder when there is
        none), never in the program's working directory. The file is written by
        :func:`~ketaroom.store.export.export_session`, as on the command line; its
        warnings (characters the PDF cannot show) are shown too.
        """
        session_id = self.selected_id()
        summary = self._summary(session_id) if session_id is not None else None
        if summary is None:
            return None
        source: RecordSource = self.journal
        what = f"session {summary.id}"
        if self.scope.clinic:
            if self._fetched is None or self._fetched.record.id != summary.id:
                return None  # its entries have not arrived from the server yet
            source = self._fetched
            what = f"clinic session {summary.id} ({summary.record.room or 'no room'})"
        return export_with_dialog(
            self, title=f"Export session as {fmt.upper()}",
            suggested_name=f"session-{summary.id}-{summary.date[:10]}.{fmt}", fmt=fmt,
            file_filter={"pdf": "PDF report (*.pdf)", "csv": "CSV, one row per event (*.csv)",
                         "json": "JSON (*.json)"}[fmt],
            journal=self.journal, user=self.user, what=what,
            write=lambda path: export.export_session(source, summary.id, fmt, path),
            say=self._say)

    def _say(self, text: str, *, problem: bool = False) -> None:
        show_status(self.status_label, text, problem=problem)


def _os_user() -> str:
    try:
        return getpass.getuser() or "ketaroom"
    except Exception:
        return "ketaroom"


def ask_to_purge(parent: QWidget, count: int, days: int) -> bool:
    """Ask before deleting records older than the clinic's retention period."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Old session records")
    box.setText(f"{count} session record{'s are' if count != 1 else ' is'} older than "
                f"{days} days, the clinic's retention period. Delete now?")
    box.setInformativeText("Deleted records cannot be recovered. Export any you need "
                           "first (Clinic → Session records).")
    delete = box.addButton("Delete them", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(box.addButton("Not now", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is delete
