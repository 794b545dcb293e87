"""Clinic-wide reading: every room's records on the server, as the journal's records.

:class:`CentralRecords` answers ``sessions()``, ``session(id)`` and ``events(id)`` like
:class:`~ketaroom.store.journal.Journal`, with the same :class:`SessionRecord` and
:class:`EventRecord` objects, so the listing and the exports (JSON, CSV, PDF) are the
local code fed from server rows. A session's ``id`` here is the server's own id
(unique across rooms); :meth:`CentralRecords.origin` gives its room id and the id it
has in its room's journal. Events keep their room's ids, so ``refers_to`` still
points inside the session. :meth:`CentralRecords.history` and
:meth:`CentralRecords.session_patients` answer the history view like the journal's.

:class:`CentralPatients` answers like :class:`~ketaroom.store.patients.PatientStore`
(``patient``, ``courses``, ``sessions``, ``summaries``, ``events``), so the course report
(:func:`ketaroom.store.course_report.load_course`) reads a patient's course across every
room. A patient is one per code without regard to case (``clinic_patients``); courses
and sessions are found through each room's own patient row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import psycopg

from ketaroom.store.central.schema import (
    SCHEMA_VERSION,
    CentralSchemaError,
    CentralUnavailableError,
    connect,
    error_line,
    server_version,
)
from ketaroom.store.patients import (
    Course,
    Due,
    Patient,
    PatientPreferences,
    PatientSummary,
    due_items,
    due_since,
)
from ketaroom.store.search_terms import SEARCHED_KINDS_SQL, like_pattern, search_terms
from ketaroom.store.session_records import (
    INCIDENT_KINDS,
    EventRecord,
    HistoryRow,
    SessionRecord,
    decode_payload,
)

__all__ = ["WORDS_MATCH", "CentralPatients", "CentralRecords", "words_query"]

_SESSION_SELECT = (
    "SELECT s.id, s.preset, s.preset_path, s.preset_yaml, s.room, s.patient_ref, s.started_at,"
    " s.ended_at, s.status, s.pid, s.host, s.planned_s, s.speed, s.operator, s.kind,"
    " s.room_id, s.local_id,"
    " (SELECT cp.code FROM clinic_patients cp WHERE cp.key = lower(p.code)),"
    " c.id, s.course_number FROM sessions s"
    " LEFT JOIN patients p ON p.room_id = s.room_id AND p.local_id = s.patient_local_id"
    " LEFT JOIN courses c ON c.room_id = s.room_id AND c.local_id = s.course_local_id")
"""Every session read (``s``: sessions, ``p``: the room's patient row, ``c``: course); the
patient's code is the clinic's spelling (``clinic_patients``), whichever room typed it."""
WORDS_MATCH = (
    "SELECT e.room_id, e.session_local_id FROM events e"
    f" WHERE e.kind IN ({SEARCHED_KINDS_SQL}) AND ketaroom_event_words(e.payload) @@ ")
"""The sessions (room id, local id) with an entry whose words match a tsquery (SQL to
follow, :func:`words_query`): the partial GIN index ``events_words`` answers it."""
_SEARCH_WORD = re.compile(r"[^\W_]")
"""A typed word with a letter or digit: one the parser makes a word of."""
_SEARCHED = ("s.started_at", "s.preset", "s.room", "s.status", "p.code", "s.patient_ref",
             "s.operator")


class CentralRecords:
    """Read-only view of the server's records (a context manager closing the connection).

    Raises :class:`CentralUnavailableError` when the server cannot be reached and
    :class:`CentralSchemaError` when its schema is newer than ours, or older (a sync
    upgrades it; reading never writes); an empty server (never synced) reads as no
    sessions.
    """

    def __init__(self, dsn: str) -> None:
        self._conn = connect(dsn)
        self._origin: dict[int, tuple[str, int]] = {}
        try:
            self._version = server_version(self._conn)
        except psycopg.Error as exc:
            self._conn.close()
            raise CentralUnavailableError(error_line(exc)) from exc
        if self._version > SCHEMA_VERSION:
            self._conn.close()
            raise CentralSchemaError(
                f"the records server has schema version {self._version}, newer than this "
                f"ketaroom's {SCHEMA_VERSION}: update ketaroom in this room")
        if 0 < self._version < SCHEMA_VERSION:
            self._conn.close()
            raise CentralSchemaError(
                f"the records server has schema version {self._version}, older than this "
                f"ketaroom's {SCHEMA_VERSION}: sync this room once (ketaroom sync) to "
                "upgrade it")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> CentralRecords:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self._version == 0:
            return []
        try:
            with self._conn.transaction():
                return list(self._conn.execute(sql, params).fetchall())
        except psycopg.OperationalError as exc:
            raise CentralUnavailableError(error_line(exc)) from exc

    def _session(self, row: tuple[Any, ...]) -> SessionRecord:
        (sid, preset, preset_path, preset_yaml, room, patient_ref, started_at, ended_at,
         status, pid, host, planned_s, speed, operator, kind, room_id, local_id, patient,
         course_id, course_number) = row  # fmt: skip
        self._origin[int(sid)] = (str(room_id), int(local_id))
        return SessionRecord(
            id=int(sid), preset=preset, preset_path=preset_path, preset_yaml=preset_yaml,
            room=room or "", patient_ref=patient_ref, started_at=started_at,
            ended_at=ended_at, status=status, pid=pid, host=host, planned_s=planned_s,
            speed=float(speed), operator=operator, kind=kind, patient=patient,
            course_id=course_id, course_number=course_number)

    def select_sessions(self, where: str = "", params: tuple[Any, ...] = (), *,
                        order: str = "s.started_at::timestamptz, s.id") -> list[SessionRecord]:
        """Sessions matching ``where`` (SQL on ``s``, ``p``, ``c`` of the session select)."""
        rows = self._read(f"{_SESSION_SELECT}{where} ORDER BY {order}", params)
        return [self._session(row) for row in rows]

    def sessions(self, *, include_rehearsals: bool = True) -> list[SessionRecord]:
        """Every room's sessions, by start time (clinical only unless asked)."""
        return self.select_sessions("" if include_rehearsals else " WHERE s.kind = 'clinical'")

    def session(self, session_id: int) -> SessionRecord:
        """One session by server id; :class:`KeyError` when there is none."""
        found = self.select_sessions(" WHERE s.id = %s", (session_id,))
        if not found:
            raise KeyError(f"no session {session_id}")
        return found[0]

    def history(self, *, include_rehearsals: bool = False, patient: str | None = None,
                search: str = "", limit: int | None = 500) -> list[HistoryRow]:
        """The clinic's newest ``limit`` sessions, newest first, like
        :meth:`Journal.history <ketaroom.store.journal.Journal.history>`: a search word
        (or ``"quoted phrase"``) occurs in the session's fields (anywhere, case ignored),
        or its words begin words of the text, prompt or tags of one of its notes, cues,
        emergencies, reflections or adverse events (in that order for a phrase), found
        through the server's full-text index (:data:`WORDS_MATCH`)."""
        where: list[str] = []
        params: list[Any] = []
        if not include_rehearsals:
            where.append("s.kind = 'clinical'")
        if patient is not None:
            where.append("lower(p.code) = lower(%s)")
            params.append(patient.strip())
        for term in search_terms(search):
            matches = [f"{c} ILIKE %s" for c in _SEARCHED]
            params += [like_pattern(term)] * len(_SEARCHED)
            query, words = words_query(term)
            if words:  # the words of its entries, through events_words
                matches.append(f"(s.room_id, s.local_id) IN ({WORDS_MATCH}{query})")
                params += words
            where.append(f"({' OR '.join(matches)})")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        params.append(limit)  # LIMIT NULL: all
        records = self.select_sessions(
            clause, tuple(params), order="s.started_at::timestamptz DESC, s.id DESC LIMIT %s")
        facts = {int(sid): (actual, int(resumes), int(incidents))
                 for sid, actual, resumes, incidents in self._read(
                     "SELECT s.id, max(e.session_t), count(*) FILTER (WHERE e.kind = 'resume'),"
                     " count(*) FILTER (WHERE e.kind = ANY(%s)) FROM sessions s"
                     " JOIN events e ON e.room_id = s.room_id AND e.session_local_id = s.local_id"
                     " WHERE s.id = ANY(%s) GROUP BY s.id",
                     (list(INCIDENT_KINDS), [r.id for r in records]))}
        out = []
        for record in records:
            actual, resumes, incidents = facts.get(record.id, (None, 0, 0))
            out.append(HistoryRow(record, actual, resumes + (record.status == "interrupted"),
                                  incidents))
        return out

    def session_patients(self) -> list[str]:
        """The codes of the clinic's patients with a session, sorted (the history filter)."""
        return [str(code) for (code,) in self._read(
            "SELECT cp.code FROM clinic_patients cp WHERE EXISTS (SELECT 1 FROM patients p"
            " JOIN sessions s ON s.room_id = p.room_id AND s.patient_local_id = p.local_id"
            " WHERE lower(p.code) = cp.key) ORDER BY cp.code")]

    def origin(self, session_id: int) -> tuple[str, int]:
        """(room id, id in that room's journal) of a session read before."""
        return self._origin[session_id]

    def events(self, session_id: int, kinds: Sequence[str] = ()) -> list[EventRecord]:
        """A session's events in the order they were written (``session_id`` = server id;
        only ``kinds`` if given)."""
        only = " AND e.kind = ANY(%s)" if kinds else ""
        rows = self._read(
            "SELECT e.local_id, e.seq, e.kind, e.wall, e.session_t, e.phase_index, e.payload,"
            " e.refers_to FROM sessions s JOIN events e ON e.room_id = s.room_id"
            f" AND e.session_local_id = s.local_id WHERE s.id = %s{only} ORDER BY e.seq",
            (session_id, *([list(map(str, kinds))] if kinds else [])))
        return [
            EventRecord(
                id=int(eid), session_id=session_id, seq=int(seq), kind=kind, wall=wall,
                session_t=float(session_t), phase_index=phase_index,
                payload=decode_payload(payload), refers_to=refers_to)
            for eid, seq, kind, wall, session_t, phase_index, payload, refers_to in rows
        ]


_COURSE_SELECT = (
    "SELECT c.id, c.uid, (SELECT cp.code FROM clinic_patients cp WHERE cp.key = lower(p.code)),"
    " c.kind, c.planned_sessions, c.spacing_days, c.started, r.name FROM courses c"
    " JOIN patients p ON p.room_id = c.room_id AND p.local_id = c.patient_local_id"
    " JOIN rooms r ON r.room_id = c.room_id")
"""Every course read: its patient's code as the clinic spells it, its room's name now."""


class CentralPatients:
    """The clinic's patients on the server, answering like
    :class:`~ketaroom.store.patients.PatientStore` (read-only) over ``records``."""

    def __init__(self, records: CentralRecords) -> None:
        self.records = records

    def patient(self, code: str) -> Patient:
        """The clinic's patient with this code (any case); :class:`KeyError` if none.

        ``id`` is 0 (a patient has an id only in each room); the name and year of birth
        are there only when a room shares them.
        """
        rows = self.records._read("SELECT code, display_name, birth_year, created_at"
                                  " FROM clinic_patients WHERE key = lower(%s)", (code.strip(),))
        if not rows:
            raise KeyError(f"no patient {code.strip()}")
        found, display_name, birth_year, created_at = rows[0]
        return Patient(0, found, display_name, birth_year, PatientPreferences(), created_at)

    def courses(self, code: str) -> list[Course]:
        """The patient's courses in every room, oldest first."""
        return self._courses(" WHERE lower(p.code) = lower(%s)", (code.strip(),))

    def _courses(self, where: str, params: tuple[Any, ...]) -> list[Course]:
        """The courses, one per ``uid``: a room whose ids began again after a purge sent
        its courses again under its new room id (see ``_check_id_space`` in
        :mod:`~ketaroom.store.central.sync`); the first copy stands for the course and the
        sessions of every copy count in it."""
        rows = self.records._read(f"{_COURSE_SELECT}{where} ORDER BY c.started, c.id", params)
        first: dict[str, int] = {}
        for row in rows:
            first.setdefault(row[1], int(row[0]))
        days: dict[int, list[date]] = {}
        for course_id, uid, started_at in self.records._read(
                "SELECT c.id, c.uid, s.started_at FROM sessions s JOIN courses c ON c.room_id ="
                " s.room_id AND c.local_id = s.course_local_id WHERE s.kind = 'clinical'"
                " AND c.id = ANY(%s) ORDER BY s.started_at::timestamptz",
                ([int(r[0]) for r in rows],)):
            days.setdefault(first.get(uid, int(course_id)), []).append(_day(started_at))
        return [Course(id=int(r[0]), uid=r[1], patient=r[2], kind=r[3],
                       planned_sessions=int(r[4]), spacing_days=int(r[5]),
                       started=date.fromisoformat(r[6]),
                       session_days=tuple(days.get(int(r[0]), ())), room=r[7] or None)
                for r in rows if first[r[1]] == int(r[0])]

    def sessions(self, code: str, *, include_rehearsals: bool = False) -> list[SessionRecord]:
        """The patient's sessions in every room, oldest first (clinical unless asked)."""
        kind = "" if include_rehearsals else " AND s.kind = 'clinical'"
        return self.records.select_sessions(f" WHERE lower(p.code) = lower(%s){kind}",
                                            (code.strip(),))

    def events(self, session_id: int, kinds: Sequence[str] = ()) -> list[EventRecord]:
        return self.records.events(session_id, kinds)

    def due(self, until: date) -> list[Due]:
        """What is due up to ``until`` across the clinic, like :meth:`PatientStore.due
        <ketaroom.store.patients.PatientStore.due>` (``session_id``: the server's id;
        ``room``: the name the course's or session's room has now)."""
        rows = self.records._read(
            "SELECT s.id, (SELECT cp.code FROM clinic_patients cp WHERE cp.key = lower(p.code)),"
            " s.started_at, array_remove(array_agg(e.payload), NULL), nullif(r.name, '')"
            " FROM sessions s JOIN rooms r ON r.room_id = s.room_id"
            " JOIN patients p ON p.room_id = s.room_id AND p.local_id = s.patient_local_id"
            " LEFT JOIN events e ON e.room_id = s.room_id AND e.session_local_id = s.local_id"
            " AND e.kind = 'follow_up' WHERE s.kind = 'clinical'"
            " AND s.started_at::timestamptz >= %s GROUP BY s.id, p.code, r.name",
            (due_since(until),))
        return due_items(self._courses("", ()), [tuple(r) for r in rows], until)

    def summaries(self) -> list[PatientSummary]:
        """One :class:`PatientSummary` per clinic patient, by code (every room counted)."""
        rows = self.records._read(
            "SELECT cp.code, count(s.id) FILTER (WHERE s.kind = 'clinical'),"
            " count(s.id) FILTER (WHERE s.kind = 'rehearsal'),"
            " (array_agg(s.started_at ORDER BY s.started_at::timestamptz)"
            "  FILTER (WHERE s.kind = 'clinical'))[1],"
            " (array_agg(s.started_at ORDER BY s.started_at::timestamptz DESC)"
            "  FILTER (WHERE s.kind = 'clinical'))[1]"
            " FROM clinic_patients cp JOIN patients p ON lower(p.code) = cp.key"
            " LEFT JOIN sessions s ON s.room_id = p.room_id AND s.patient_local_id = p.local_id"
            " GROUP BY cp.key, cp.code ORDER BY cp.code")
        latest = {course.patient.lower(): course for course in self._courses("", ())}
        return [PatientSummary(code=code, sessions=int(clinical), rehearsals=int(rehearsals),
                               first_session=first, last_session=last,
                               next_due=latest[code.lower()].next_due
                               if code.lower() in latest else None)
                for code, clinical, rehearsals, first, last in rows]


def words_query(term: str) -> tuple[str, list[str]]:
    """``term`` (a word, or a phrase) as a tsquery expression and its parameters: each
    typed word one quoted tsquery token, folded like the index (``ketaroom_fold``:
    accents ignored) and split by the parser that made it, the words in order (``<->``),
    only the last one a prefix, like a room's search (``"in room b"`` → ``'in' <-> 'room'
    <-> 'b':*``). Punctuation typed in the search box is never syntax. No words (only
    punctuation): ``("", [])``."""
    tokens = ["'" + w.lower().replace("\\", "\\\\").replace("'", "''") + "'"
              for w in term.split() if _SEARCH_WORD.search(w)]
    if not tokens:
        return "", []
    tokens[-1] += ":*"
    one = "to_tsquery('simple', ketaroom_fold(%s))"
    return "(" + " <-> ".join([one] * len(tokens)) + ")", tokens


def _day(text: str) -> date:
    return datetime.fromisoformat(text).date()
