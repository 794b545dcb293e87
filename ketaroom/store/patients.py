"""Patients and their course of care, kept in the session journal (schema v5).

:class:`PatientStore` is the one API over the ``patients`` and ``courses`` tables and the
clinical entries of a session (``docs/records.md``, "Patients and courses"):

* a patient is a pseudonymous ``code`` chosen by the clinic (``PT-0042``; checked by
  :func:`~ketaroom.core.clinical.validate_code`), the same patient whatever its case
  (``pt-0042`` typed in another room), with an optional display name and year of birth
  that stay on this PC (only an export the clinic makes carries them);
* a :class:`Course` (``induction``, ``maintenance``, ``esketamine_rems``) plans a number
  of sessions at a spacing in days; a clinical session started with its ``course_id``
  (:meth:`Journal.start_session`) gets the next number in the course, and
  :attr:`Course.next_due` follows from the plan;
* :class:`~ketaroom.core.preferences.PatientPreferences` carry over from session to
  session (comfortable volume, tracks or playlists never to play, warmer/dimmer light
  offsets; a session honours them through :class:`~ketaroom.core.session.Session`);
* clinical fields and measures are journal entries of a session, built with the
  builders of :mod:`ketaroom.store.record_schema` (``Dose``, ``Sedation``,
  ``Dissociation``, ``ReadyToLeave``, ``AdverseEvent``, ``Phq9``, ``Reflection``,
  ``FollowUp``) and written by :meth:`PatientStore.record`; :meth:`PatientStore.measures`
  reads them back as one dict per session.

Invalid input raises :class:`~ketaroom.core.clinical.ClinicalInputError` (a
``ValueError``) with a message to show as it is; an unknown code or course raises
:class:`KeyError`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ketaroom.core import clinical
from ketaroom.core.clinical import ClinicalInputError
from ketaroom.core.preferences import PatientPreferences
from ketaroom.store.journal import ROOM_NAME_SQL, Journal, JournalError
from ketaroom.store.record_schema import CLINICAL_KINDS, Payload, RecordKind
from ketaroom.store.session_records import EventRecord, SessionRecord
from ketaroom.store.wall_clock import local_now, parse_wall, wall_iso

__all__ = [
    "Course",
    "Due",
    "Patient",
    "PatientPreferences",
    "PatientStore",
    "PatientSummary",
    "bp_by_slot",
    "due_by_patient",
    "due_items",
    "due_since",
    "session_measures",
]


@dataclass(frozen=True)
class Patient:
    """A patient as stored: ``code`` is how the clinic and every record name them."""

    id: int
    code: str
    display_name: str | None
    birth_year: int | None
    preferences: PatientPreferences
    created_at: str


@dataclass(frozen=True)
class Course:
    """A course of care and how far it has come (clinical sessions only)."""

    id: int
    uid: str
    """The course's natural key (stable across PCs, for central records)."""
    patient: str
    kind: str
    planned_sessions: int
    spacing_days: int
    started: date
    session_days: tuple[date, ...] = ()
    """The days of the course's clinical sessions so far, oldest first."""
    room: str | None = None
    """The room the course was planned in, by the name it has now (the room of its
    journal's latest session; on the server ``rooms.name``); None when not known yet."""

    @property
    def sessions_done(self) -> int:
        return len(self.session_days)

    @property
    def complete(self) -> bool:
        return self.sessions_done >= self.planned_sessions

    @property
    def next_due(self) -> date | None:
        """The start day before any session, else the last session + spacing; None when
        the planned sessions are done."""
        return clinical.next_due(self.started, self.spacing_days, self.planned_sessions,
                                 self.session_days)

    def label(self, number: int) -> str:
        """``session 3 of 6``."""
        return f"session {number} of {self.planned_sessions}"


@dataclass(frozen=True)
class PatientSummary:
    """One line of ``ketaroom patients`` (see :meth:`to_dict` for the JSON contract)."""

    code: str
    sessions: int
    """Clinical sessions."""
    rehearsals: int
    first_session: str | None
    last_session: str | None
    """Started-at of the first and last clinical session."""
    next_due: date | None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["next_due"] = self.next_due.isoformat() if self.next_due else None
        return out


@dataclass(frozen=True)
class Due:
    """Something due for a patient: the next session of a course, or a follow-up."""

    patient: str
    what: str
    """``session`` or ``follow-up 24h`` / ``follow-up 7d``."""
    due: date
    session_id: int | None = None
    """The session a follow-up is for."""
    room: str | None = None
    """Where: the room a course was planned in, the room of a follow-up's session (by
    the name it has now on the server); None when not known."""


_PATIENT_COLS = "id, code, display_name, birth_year, preferences, created_at"
_COURSE_SELECT = (
    "SELECT c.id, c.uid, p.code, c.kind, c.planned_sessions, c.spacing_days, c.started,"
    f" ({ROOM_NAME_SQL}) FROM courses c JOIN patients p ON p.id = c.patient_id"
)
"""Every course read; its room is this journal's (:data:`ROOM_NAME_SQL`, as the records
server names it)."""
_FOLLOW_UP_DAYS = {"24h": 1, "7d": 7}
_FEW_COURSES = 200


def _day(text: str) -> date:
    return datetime.fromisoformat(text).date()


class PatientStore:
    """Patients, courses and clinical entries in ``journal`` (see the module docstring).

    Shares the journal's connection and lock, so it is as thread-safe as the journal.
    """

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    # ---------------------------------------------------------------- patients

    def add_patient(self, code: str, *, display_name: str | None = None,
                    birth_year: int | None = None) -> Patient:
        """Create a patient; refuses a code already taken (in any case)."""
        code = clinical.validate_code(code)
        _check_birth_year(birth_year)
        now = wall_iso()
        try:
            with self.journal._write() as conn:
                conn.execute(
                    "INSERT INTO patients (code, display_name, birth_year, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?)",
                    (code, display_name or None, birth_year, now, now))
        except JournalError as exc:
            if "UNIQUE" not in str(exc):
                raise
            existing = self.patient(code).code
            raise ClinicalInputError(f"There is already a patient {existing}.") from exc
        return self.patient(code)

    def ensure_patient(self, code: str) -> Patient:
        """The patient with this code (any case), created if new."""
        code = clinical.validate_code(code)
        now = wall_iso()
        with self.journal._write() as conn:
            conn.execute("INSERT OR IGNORE INTO patients (code, created_at, updated_at)"
                         " VALUES (?, ?, ?)", (code, now, now))
        return self.patient(code)

    def patient(self, code: str) -> Patient:
        """The patient with this code (any case); :class:`KeyError` if there is none."""
        rows = self.journal._read(f"SELECT {_PATIENT_COLS} FROM patients WHERE code = ?",
                                  (code.strip(),))
        if not rows:
            raise KeyError(f"no patient {code.strip()}")
        return _patient(rows[0])

    def patient_by_id(self, patient_id: int) -> Patient:
        """The patient with this id; :class:`KeyError` if there is none."""
        rows = self.journal._read(f"SELECT {_PATIENT_COLS} FROM patients WHERE id = ?",
                                  (patient_id,))
        if not rows:
            raise KeyError(f"no patient with id {patient_id}")
        return _patient(rows[0])

    def code_of(self, patient_id: int) -> str | None:
        """The code of the patient with this id (None if there is none)."""
        rows = self.journal._read("SELECT code FROM patients WHERE id = ?", (patient_id,))
        return str(rows[0][0]) if rows else None

    def patients(self) -> list[Patient]:
        """Every patient, by code."""
        rows = self.journal._read(f"SELECT {_PATIENT_COLS} FROM patients ORDER BY code")
        return [_patient(r) for r in rows]

    def find_patients(self, text: str, *, limit: int = 20) -> list[Patient]:
        """Type-ahead: patients whose code starts with ``text`` or whose display name
        contains it (any case), by code."""
        needle = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self.journal._read(
            f"SELECT {_PATIENT_COLS} FROM patients WHERE code LIKE ? ESCAPE '\\'"
            " OR display_name LIKE ? ESCAPE '\\' ORDER BY code LIMIT ?",
            (f"{needle}%", f"%{needle}%", limit))
        return [_patient(r) for r in rows]

    def update_patient(self, code: str, *, display_name: str | None,
                       birth_year: int | None) -> Patient:
        """Set the display name and year of birth (None clears them)."""
        _check_birth_year(birth_year)
        patient = self.patient(code)
        with self.journal._write() as conn:
            conn.execute("UPDATE patients SET display_name = ?, birth_year = ?, updated_at = ?"
                         " WHERE id = ?",
                         (display_name or None, birth_year, wall_iso(), patient.id))
        return self.patient(code)

    def set_preferences(self, code: str, preferences: PatientPreferences) -> Patient:
        """Replace the patient's preferences."""
        patient = self.patient(code)
        with self.journal._write() as conn:
            conn.execute("UPDATE patients SET preferences = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(preferences.to_dict(), sort_keys=True), wall_iso(),
                          patient.id))
        return self.patient(code)

    # ---------------------------------------------------------------- courses

    def start_course(self, code: str, kind: str, *, planned_sessions: int, spacing_days: int,
                     started: date | None = None) -> Course:
        """Plan a course for the patient (created if new); ``started`` defaults to today."""
        if kind not in clinical.COURSE_KINDS:
            raise ClinicalInputError(
                f"A course is one of {', '.join(clinical.COURSE_KINDS)}, not {kind!r}.")
        clinical.check_scale("Planned sessions", planned_sessions, 1, 100)
        clinical.check_scale("Spacing in days", spacing_days, 0, 365)
        patient = self.ensure_patient(code)
        with self.journal._write() as conn:
            cur = conn.execute(
                "INSERT INTO courses (uid, patient_id, kind, planned_sessions, spacing_days,"
                " started, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, patient.id, kind, planned_sessions, spacing_days,
                 (started or date.today()).isoformat(), wall_iso()))
            course_id = int(cur.lastrowid or 0)
        return self.course(course_id)

    def course(self, course_id: int) -> Course:
        """One course; :class:`KeyError` if there is none."""
        found = self._courses(" WHERE c.id = ?", (course_id,))
        if not found:
            raise KeyError(f"no course {course_id}")
        return found[0]

    def courses(self, code: str) -> list[Course]:
        """The patient's courses, oldest first."""
        return self._courses(" WHERE p.code = ? ORDER BY c.started, c.id", (code.strip(),))

    def current_course(self, code: str) -> Course | None:
        """The patient's latest course while sessions remain in it, else None."""
        courses = self.courses(code)
        return courses[-1] if courses and not courses[-1].complete else None

    def _courses(self, where: str, params: tuple[Any, ...]) -> list[Course]:
        rows = self.journal._read(_COURSE_SELECT + where, params)
        days = self._session_days([int(r[0]) for r in rows])
        return [Course(id=int(r[0]), uid=r[1], patient=r[2], kind=r[3],
                       planned_sessions=int(r[4]), spacing_days=int(r[5]),
                       started=date.fromisoformat(r[6]), session_days=days.get(int(r[0]), ()),
                       room=r[7] or None)
                for r in rows]

    def _session_days(self, course_ids: Sequence[int]) -> dict[int, tuple[date, ...]]:
        """Each course's clinical session days, oldest first (one query: a few courses
        by id, many by reading every course's sessions)."""
        if not course_ids:
            return {}
        few = len(course_ids) <= _FEW_COURSES
        only = f" AND course_id IN ({','.join('?' * len(course_ids))})" if few else ""
        rows = self.journal._read(
            "SELECT course_id, started_at FROM sessions WHERE kind = 'clinical'"
            f" AND course_id IS NOT NULL{only} ORDER BY course_id, started_at",
            tuple(course_ids) if few else ())
        wanted = set(course_ids)
        out: dict[int, list[date]] = {}
        for course_id, started_at in rows:
            if course_id in wanted:
                out.setdefault(int(course_id), []).append(_day(started_at))
        return {k: tuple(v) for k, v in out.items()}

    # ---------------------------------------------------------------- sessions

    def sessions(self, code: str, *, include_rehearsals: bool = False) -> list[SessionRecord]:
        """The patient's sessions, oldest first (clinical only unless asked)."""
        kind = "" if include_rehearsals else " AND s.kind = 'clinical'"
        rows = self.journal._read(
            f"{Journal.SESSION_SELECT} WHERE p.code = ?{kind} ORDER BY s.started_at, s.id",
            (code.strip(),))
        return [self.journal.session_from_row(tuple(r)) for r in rows]

    def summaries(self) -> list[PatientSummary]:
        """One :class:`PatientSummary` per patient, by code (``ketaroom patients``)."""
        rows = self.journal._read(
            "SELECT p.id, p.code,"
            " COUNT(CASE WHEN s.kind = 'clinical' THEN 1 END),"
            " COUNT(CASE WHEN s.kind = 'rehearsal' THEN 1 END),"
            " MIN(CASE WHEN s.kind = 'clinical' THEN s.started_at END),"
            " MAX(CASE WHEN s.kind = 'clinical' THEN s.started_at END)"
            " FROM patients p LEFT JOIN sessions s ON s.patient_id = p.id"
            " GROUP BY p.id ORDER BY p.code")
        latest: dict[str, Course] = {}
        for course in self._courses(" ORDER BY c.started, c.id", ()):
            latest[course.patient] = course
        return [PatientSummary(code=code, sessions=int(clin), rehearsals=int(reh),
                               first_session=first, last_session=last,
                               next_due=latest[code].next_due if code in latest else None)
                for _pid, code, clin, reh, first, last in rows]

    def due(self, until: date) -> list[Due]:
        """What is due up to ``until`` (reminders): the next session of each course not
        complete, and the 24 h / 7 d follow-ups of clinical sessions not recorded yet
        (of the 8 days before ``until``), by date."""
        rows = self.journal._read(
            "SELECT s.id, p.code, s.started_at, (SELECT group_concat(e.payload, char(30))"
            " FROM events e WHERE e.session_id = s.id AND e.kind = ?), s.room"
            " FROM sessions s JOIN patients p ON p.id = s.patient_id"
            " WHERE s.kind = 'clinical' AND s.started_at >= ? ORDER BY s.started_at",
            (str(RecordKind.FOLLOW_UP), wall_iso(due_since(until))))
        return due_items(self._courses("", ()), [
            (sid, code, started_at, (payloads or "").split("\x1e"), room or None)
            for sid, code, started_at, payloads, room in rows], until)

    # ---------------------------------------------------------------- clinical entries

    def record(self, session_id: int, entry: Payload, *, session_t: float | None = None,
               wall: datetime | None = None) -> int:
        """Write a clinical field or measure (a builder of ``CLINICAL_KINDS``) to the
        session's journal; returns the event id.

        ``wall`` is when it was taken (default now; a follow-up is dated by it and
        refused before its session started); ``session_t`` defaults to the session's
        latest timeline time. Durable when this returns, like every journal entry.
        """
        if entry.kind not in CLINICAL_KINDS:
            raise ValueError(f"{entry.kind} is not a clinical field or measure")
        session = self.journal.session(session_id)
        moment = wall or local_now()
        if moment.tzinfo is None:
            moment = moment.astimezone()
        if entry.kind == RecordKind.FOLLOW_UP and moment < session.started:
            raise ClinicalInputError(
                f"A follow-up cannot be dated {moment:%Y-%m-%d %H:%M}, before its session "
                f"started ({session.started:%Y-%m-%d %H:%M}).")
        if session_t is None:
            rows = self.journal._read(
                "SELECT COALESCE(MAX(session_t), 0) FROM events WHERE session_id = ?",
                (session_id,))
            session_t = float(rows[0][0])
        return self.journal.append(session_id, entry.kind, session_t=session_t,
                                   payload=entry.to_payload(), wall=moment)

    def events(self, session_id: int, kinds: Sequence[str] = ()) -> list[EventRecord]:
        """A session's events (only ``kinds`` if given), as :meth:`Journal.events`."""
        return self.journal.events(session_id, kinds)

    def measures(self, session_id: int) -> dict[str, Any]:
        """The session's clinical fields and measures (see :func:`session_measures`)."""
        return session_measures(self.journal.events(
            session_id, (*CLINICAL_KINDS, RecordKind.VITALS)),
            started_at=self.journal.session(session_id).started_at)


def due_since(until: date) -> datetime:
    """The earliest session start whose follow-ups :func:`due_items` looks at."""
    return datetime.combine(until - timedelta(days=8), datetime.min.time()).astimezone()


def due_items(courses: Sequence[Course],
              sessions: Sequence[tuple[int, str, str, Sequence[str], str | None]],
              until: date) -> list[Due]:
    """What is due up to ``until``, by date: the next session of each of ``courses`` not
    complete (in the course's room), and the 24 h / 7 d follow-ups not recorded of
    ``sessions`` (``(id, patient code, started_at, payloads of its follow_up entries,
    room)``, clinical, started since :func:`due_since`). One rule for this room's
    journal and the clinic's server (where a patient may have courses in several
    rooms: :func:`due_by_patient` groups them)."""
    out = [Due(c.patient, "session", c.next_due, room=c.room)
           for c in courses if c.next_due is not None and c.next_due <= until]
    for session_id, code, started_at, payloads, room in sessions:
        done = {json.loads(p).get("after") for p in payloads if p}
        for after, days in _FOLLOW_UP_DAYS.items():
            day = _day(started_at) + timedelta(days=days)
            if after not in done and day <= until:
                out.append(Due(code, f"follow-up {after}", day, session_id, room))
    return sorted(out, key=lambda d: (d.due, d.patient, d.what, d.room or ""))


def due_by_patient(items: Sequence[Due], *, rooms: bool = True
                   ) -> list[tuple[str, str, list[tuple[str | None, date]]]]:
    """``items`` (by date) once per patient and kind (``session``, ``follow-up 24h``…),
    in the order each first comes due: ``(patient, what, [(room, due), …])`` with the
    earliest date of each room (a patient with open courses in two rooms is one entry
    naming both); without ``rooms``, one ``(None, earliest)``."""
    grouped: dict[tuple[str, str], dict[str | None, date]] = {}
    names: dict[str, str] = {}
    for item in items:
        key = item.patient.lower()
        names.setdefault(key, item.patient)
        places = grouped.setdefault((key, item.what), {})
        room = item.room if rooms else None
        places[room] = min(places.get(room, item.due), item.due)
    return [(names[key], what, list(places.items()))
            for (key, what), places in grouped.items()]


def session_measures(events: Sequence[EventRecord], *, started_at: str | None = None
                     ) -> dict[str, Any]:
    """A session's clinical fields and measures from its events (JSON-ready).

    ``dose`` (the latest), ``dosed_at`` (the first dose entry's wall time: when it was
    given), ``phq9`` (the latest), ``ready_to_leave`` (wall time) or None;
    lists of ``sedation``, ``dissociation`` (with ``cue`` when a preset's cue asked for
    it), ``adverse_events``, ``reflections``, ``follow_ups`` (each with ``at``, its wall
    time); ``bp_peak`` (highest systolic and diastolic of the vitals) or None; ``bp``:
    the readings of the ``baseline``, ``post_dose`` (about +40 min) and ``discharge``
    slots (``sys``, ``dia``, ``at``; None when no reading fills one) — see
    :func:`bp_by_slot`.
    """
    out: dict[str, Any] = {"dose": None, "dosed_at": None, "phq9": None,
                           "ready_to_leave": None,
                           "sedation": [], "dissociation": [], "adverse_events": [],
                           "reflections": [], "follow_ups": [], "bp_peak": None}
    readings: list[EventRecord] = []
    lists = {RecordKind.SEDATION: "sedation", RecordKind.DISSOCIATION: "dissociation",
             RecordKind.ADVERSE_EVENT: "adverse_events", RecordKind.REFLECTION: "reflections",
             RecordKind.FOLLOW_UP: "follow_ups"}
    latest = {RecordKind.DOSE: "dose", RecordKind.PHQ9: "phq9"}
    systolic: list[int] = []
    diastolic: list[int] = []
    for event in events:
        item = {**event.payload, "at": event.wall}
        if event.kind in lists:
            out[lists[RecordKind(event.kind)]].append(item)
        elif event.kind in latest:
            out[latest[RecordKind(event.kind)]] = item
            if event.kind == RecordKind.DOSE:
                out["dosed_at"] = out["dosed_at"] or event.wall
        elif event.kind == RecordKind.READY_TO_LEAVE:
            out["ready_to_leave"] = event.wall
        elif event.kind == RecordKind.VITALS:
            systolic += [v for v in [event.payload.get("sys")] if isinstance(v, int)]
            diastolic += [v for v in [event.payload.get("dia")] if isinstance(v, int)]
            if isinstance(event.payload.get("sys"), int):
                readings.append(event)
    if systolic or diastolic:
        out["bp_peak"] = {"sys": max(systolic, default=None), "dia": max(diastolic, default=None)}
    out["bp"] = bp_by_slot(readings, dosed=out["dosed_at"], ready=out["ready_to_leave"],
                           started=started_at)
    return out


def bp_by_slot(readings: Sequence[EventRecord], *, dosed: str | None, ready: str | None,
               started: str | None) -> dict[str, dict[str, Any] | None]:
    """The blood-pressure readings (vitals events with a systolic value) of the
    ``baseline``, ``post_dose`` and ``discharge`` slots, each ``{"sys", "dia", "at"}`` or
    None: :func:`ketaroom.core.clinical.bp_slots` on their wall times, with the first dose
    entry's time, the ready-to-leave time and the session start (all wall times)."""
    def seconds(text: str | None) -> float | None:
        return None if text is None else parse_wall(text).timestamp()

    slots = clinical.bp_slots([float(seconds(r.wall) or 0.0) for r in readings],
                              dosed_s=seconds(dosed), ready_s=seconds(ready),
                              start_s=seconds(started))

    def reading(index: int | None) -> dict[str, Any] | None:
        if index is None:
            return None
        event = readings[index]
        return {"sys": event.payload.get("sys"), "dia": event.payload.get("dia"),
                "at": event.wall}

    return {"baseline": reading(slots.baseline), "post_dose": reading(slots.post_dose),
            "discharge": reading(slots.discharge)}


def _patient(row: Sequence[Any]) -> Patient:
    pid, code, display_name, birth_year, preferences, created_at = row
    try:
        prefs = PatientPreferences.from_dict(json.loads(preferences or "{}"))
    except (ValueError, TypeError):
        prefs = PatientPreferences()
    return Patient(int(pid), code, display_name, birth_year, prefs, created_at)


def _check_birth_year(year: int | None) -> None:
    if year is not None:
        clinical.check_scale("Year of birth", year, 1900, date.today().year)

