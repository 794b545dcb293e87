""""This room / Clinic": which records a view shows, and the clinic's read off the main thread.

:class:`ScopeToggle` is a segmented pair of buttons for the history view and the patient
view. It is shown only while a records server is configured (``dsn()`` gives the
settings' ``central_dsn`` each time, so a server set in Room settings is used at once).
In *Clinic*, :meth:`ScopeToggle.read` runs a read of the server
(:class:`~ketaroom.store.central.reader.CentralRecords`) on a worker thread — a
connection may wait up to its timeout, and the window must never wait with it — and
hands the result to the view on the main thread. When the server cannot answer, the
toggle goes back to *This room* (the view shows this room's records again, emitting
:attr:`ScopeToggle.scopeChanged`) and :attr:`ScopeToggle.notice` holds one calm line:
"Clinic records unavailable — server away since 10:30; showing this room".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget

from ketaroom.store.course_report import CourseReport, load_course
from ketaroom.store.patients import Due, PatientSummary
from ketaroom.store.session_records import EventRecord, SessionRecord
from ketaroom.ui.background_call import BackgroundCall

if TYPE_CHECKING:
    from ketaroom.store.central.reader import CentralRecords

__all__ = ["READING", "FetchedSession", "ScopeToggle", "clinic_course", "clinic_due",
           "clinic_patients"]

READING = "Reading the clinic's records…"
"""What a view says while a read of the server is under way."""


@dataclass(frozen=True)
class FetchedSession:
    """One session and its events as read from the server: a
    :class:`~ketaroom.store.session_records.RecordSource` the exports write from without going
    back to the server on the main thread."""

    record: SessionRecord
    events_read: list[EventRecord]

    def session(self, session_id: int) -> SessionRecord:
        if session_id != self.record.id:
            raise KeyError(f"no session {session_id}")
        return self.record

    def events(self, session_id: int) -> list[EventRecord]:
        self.session(session_id)
        return list(self.events_read)


def clinic_patients(records: CentralRecords) -> list[PatientSummary]:
    """The clinic's patients (worker thread: a read for :meth:`ScopeToggle.read`)."""
    from ketaroom.store.central.reader import CentralPatients

    return CentralPatients(records).summaries()


def clinic_due(records: CentralRecords, until: date) -> list[Due]:
    """What is due up to ``until`` in every room: courses' next sessions, follow-ups
    (worker thread)."""
    from ketaroom.store.central.reader import CentralPatients

    return CentralPatients(records).due(until)


def clinic_course(records: CentralRecords, code: str) -> CourseReport:
    """Patient ``code``'s course across every room (worker thread)."""
    from ketaroom.store.central.reader import CentralPatients

    return load_course(CentralPatients(records), code)


def _read_server(dsn: str, fn: Callable[[Any], Any]) -> Any:
    """``fn(records)`` on a fresh connection to ``dsn`` (worker thread), closed after."""
    from ketaroom.store.central.reader import CentralRecords

    with CentralRecords(dsn) as records:
        return fn(records)


class ScopeToggle(QWidget):
    """*This room* | *Clinic*; emits :attr:`scopeChanged` (True: clinic) when it changes."""

    scopeChanged = Signal(bool)

    def __init__(self, dsn: Callable[[], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scopeToggle")
        self._dsn = dsn
        self._calls: dict[str, BackgroundCall] = {}
        self._done: dict[str, Callable[[Any], None]] = {}
        self.away_since: datetime | None = None
        """When a read of the server first failed (None once one succeeds)."""
        self.notice = ""
        """The line for the view: why it shows this room although Clinic was chosen."""
        self._falling_back = False
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.room_button = QPushButton("This room")
        self.room_button.setObjectName("scopeLeft")
        self.clinic_button = QPushButton("Clinic")
        self.clinic_button.setObjectName("scopeRight")
        self.clinic_button.setToolTip("Every room's records, from the clinic's records server")
        self._group = QButtonGroup(self)
        for button in (self.room_button, self.clinic_button):
            button.setCheckable(True)
            self._group.addButton(button)
            row.addWidget(button)
        self.room_button.setChecked(True)
        self.clinic_button.toggled.connect(self._on_toggled)
        self.setVisible(bool(dsn()))

    @property
    def clinic(self) -> bool:
        """True while the clinic's records are chosen (and a server is configured)."""
        return self.clinic_button.isChecked() and bool(self._dsn())

    def update_visibility(self) -> None:
        """Show the toggle only while a records server is configured (back to *This
        room* when there is none any more)."""
        configured = bool(self._dsn())
        self.setVisible(configured)
        if not configured and self.clinic_button.isChecked():
            self.room_button.setChecked(True)

    def set_clinic(self, clinic: bool) -> None:
        (self.clinic_button if clinic else self.room_button).setChecked(True)

    def _on_toggled(self, clinic: bool) -> None:
        if not self._falling_back:
            self.notice = ""  # chosen by hand: nothing to explain
        if not clinic:
            self.cancel()
        self.scopeChanged.emit(clinic)

    def read(self, channel: str, fn: Callable[[Any], Any],
             done: Callable[[Any], None]) -> None:
        """Run ``fn(records)`` against the server on a worker thread; ``done(result)`` on
        the main thread. A newer read on the same ``channel`` ("list", "detail") makes an
        older one's result disappear unseen. On failure: back to *This room*, with
        :attr:`notice` saying why."""
        dsn = self._dsn()
        if not dsn:
            self.update_visibility()
            return
        call = self._calls.get(channel)
        if call is None:
            call = self._calls[channel] = BackgroundCall(self)
            call.done.connect(lambda result, error: self._finished(channel, result, error))
        self._done[channel] = done
        call.start(lambda: _read_server(dsn, fn), f"ketaroom-clinic-{channel}")

    def cancel(self) -> None:
        """Forget every read under way (their results will not be shown)."""
        for call in self._calls.values():
            call.cancel()

    @property
    def busy(self) -> bool:
        return any(call.busy for call in self._calls.values())

    def _finished(self, channel: str, result: object, error: object) -> None:
        if error is None:
            self.away_since = None
            self._done[channel](result)
            return
        from ketaroom.store.central.schema import CentralUnavailableError

        if isinstance(error, CentralUnavailableError) and "away" in str(error):
            self.away_since = self.away_since or datetime.now()
            why = f"server away since {self.away_since:%H:%M}"
        else:
            why = str(error) or type(error).__name__
        self.notice = f"Clinic records unavailable — {why}; showing this room"
        self.cancel()
        self._falling_back = True
        try:
            self.room_button.setChecked(True)  # the view reloads this room's records
        finally:
            self._falling_back = False
