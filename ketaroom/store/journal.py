"""The session journal: an append-only SQLite record of everything that happened.

Owns ``sessions.sqlite3`` in the data directory: one row per session, an
append-only table of session events, and an audit trail. Nothing that happened in
a session may be lost, so

* the database runs in WAL mode with ``synchronous=FULL``: :meth:`Journal.append`
  returns only once the event is committed durably;
* the file (and its ``-wal``/``-shm`` companions) are created mode 0600;
* events are append-only, enforced by triggers in the database itself: UPDATE is
  refused always, DELETE only inside :meth:`Journal.purge_older_than` (retention);
  a mistaken note is corrected by a ``note_correction`` event that refers to it;
* a damaged file is moved aside (never deleted) by :meth:`Journal.open_or_recover`;
* a failing disk (read-only, full, I/O error) raises :class:`JournalWriteError`;
  :class:`~ketaroom.store.journal_buffer.BufferedJournalWriter` keeps a session going
  in memory and writes the backlog out, in order, as soon as the disk takes it again.

The schema version lives in ``PRAGMA user_version``; the schema and the migrations that
upgrade older files step by step are in :mod:`ketaroom.store.journal_schema`. What is
read comes back as the records of :mod:`ketaroom.store.session_records`. A session's
status is computed on read: an ended session has its stored status
(``completed``/``stopped``/``interrupted``); one with no end is ``running`` while the
process that started it is alive on this host (:mod:`ketaroom.store.process_owner`),
else ``interrupted`` (crash, power cut), which the app offers to resume. Every session
has a ``kind`` (:data:`KINDS`): ``clinical`` or ``rehearsal``.

Events: ``kind`` is a :class:`~ketaroom.store.record_schema.RecordKind` and ``payload``
a JSON object; what each kind carries is defined (with one builder per entry, used by
every writer) in :mod:`ketaroom.store.record_schema` and tabled in ``docs/records.md``.
``session_t`` is the session's timeline time in seconds (planned timeline, not wall
clock); ``refers_to`` points at the event an entry is about (``cue_ack`` → its cue,
``note_correction`` and ``note_tags`` → the note). This module writes two kinds itself:
``resume`` (:meth:`Journal.resume_session`) and the ``session_end`` of
:meth:`Journal.close_interrupted`.

Thread-safety: one connection opened with ``check_same_thread=False`` and guarded by
a lock, so a writer thread and the UI thread may share one :class:`Journal`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ketaroom.store.journal_schema import SCHEMA_VERSION, upgrade
from ketaroom.store.process_owner import owner_alive, process_token
from ketaroom.store.record_schema import Resume, SessionEnd
from ketaroom.store.search_terms import like_pattern, search_terms
from ketaroom.store.session_records import (
    INCIDENT_KINDS,
    EventRecord,
    HistoryRow,
    SessionRecord,
    decode_payload,
)
from ketaroom.store.wall_clock import local_now, parse_wall, wall_iso

FILE_MODE = 0o600
END_STATUSES = ("completed", "stopped", "interrupted")
KINDS = ("clinical", "rehearsal")
"""Session kinds: run from the window, or by ``ketaroom rehearse`` (left out of clinical
views and counts unless asked for)."""
ROOM_NAME_SQL = ("SELECT room FROM sessions WHERE room <> ''"
                 " ORDER BY kind = 'clinical' DESC, id DESC LIMIT 1")
"""This journal's room name: its latest clinical session's (a rehearsal may name no room
of the clinic: ``ketaroom rehearse`` without ``--room`` records ``rehearse``), else its
latest session's. The courses' room and the records server's ``rooms.name`` both use it."""

__all__ = [
    "END_STATUSES",
    "KINDS",
    "Journal",
    "JournalCorruptError",
    "JournalError",
    "JournalVersionError",
    "JournalWriteError",
]


class JournalError(Exception):
    """Base of every error the journal raises (no sqlite3 type escapes this module)."""


class JournalWriteError(JournalError):
    """The journal could not be written: read-only file system, disk full, I/O error."""


class JournalCorruptError(JournalError):
    """The file is not a usable SQLite database (see :meth:`Journal.open_or_recover`)."""


class JournalVersionError(JournalError):
    """The file was written by a newer ketaroom (schema version above ours)."""


_CORRUPT_MARKERS = ("not a database", "malformed", "corrupt", "encrypted")
_WORD = re.compile(r"\w")


# --------------------------------------------------------------------------- helpers


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return False
    return any(marker in str(exc).lower() for marker in _CORRUPT_MARKERS)


def _chmod_private(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.exists():
            os.chmod(path, FILE_MODE)


# --------------------------------------------------------------------------- journal


class Journal:
    """The session journal at ``path`` (created, migrated to the current schema).

    Raises :class:`JournalCorruptError` for a damaged file (use
    :meth:`open_or_recover` to move it aside), :class:`JournalVersionError` for a
    file from a newer ketaroom and :class:`JournalWriteError` when the file cannot
    be created.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._host = socket.gethostname()
        self._token = process_token(os.getpid())
        self._needs_reconnect = False
        self.read_only = False
        """True while the file could only be opened for reading."""
        self._conn: sqlite3.Connection | None = None
        self._conn = self._connect()

    # ---------------------------------------------------------------- opening

    @classmethod
    def open_or_recover(cls, path: Path | str) -> tuple[Journal, str | None]:
        """Open ``path``; if it is damaged, move it aside and start a fresh journal.

        Returns the journal and, when a file was moved aside, a message for a banner.
        The damaged file (and its -wal/-shm) is renamed to
        ``sessions.sqlite3.corrupt-<timestamp>`` and never overwritten or deleted.
        """
        path = Path(path)
        try:
            journal = cls(path)
            if journal._quick_check():
                return journal, None
            journal.close()
        except JournalCorruptError:
            pass
        moved = _move_aside(path)
        journal = cls(path)
        journal.audit("ketaroom", "journal_recovered", f"damaged journal moved to {moved.name}")
        message = (
            f"The session records file was damaged and has been set aside as {moved} "
            "(kept unchanged for recovery). A new, empty records file was started."
        )
        return journal, message

    def _connect(self, *, allow_read_only: bool = True) -> sqlite3.Connection:
        """Open read-write; if the disk refuses, fall back to read-only for reading.

        A read-only journal (read-only mount, folder permissions) can still be listed
        and exported; writes raise :class:`JournalWriteError` and each later write
        first tries to reopen read-write, so restored permissions heal it.
        """
        try:
            conn = self._connect_rw()
        except JournalWriteError as rw_error:
            if not allow_read_only or not self.path.is_file():
                raise
            conn = self._connect_ro(rw_error)
            self.read_only = True
            self._needs_reconnect = True
            return conn
        self.read_only = False
        return conn

    def _connect_ro(self, rw_error: JournalWriteError) -> sqlite3.Connection:
        uri = "file:" + urllib.parse.quote(str(self.path.absolute()))
        for options in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                conn = sqlite3.connect(
                    uri + options, uri=True, check_same_thread=False, isolation_level=None
                )
            except sqlite3.Error:
                continue
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.execute("SELECT count(*) FROM sessions").fetchone()
            except sqlite3.DatabaseError as exc:
                conn.close()
                if _is_corruption(exc):
                    raise JournalCorruptError(f"{self.path}: {exc}") from exc
                continue
            if version != SCHEMA_VERSION:
                conn.close()
                raise JournalWriteError(
                    f"{self.path} is read-only and has schema version {version}, "
                    f"not {SCHEMA_VERSION}: it cannot be upgraded here"
                ) from rw_error
            return conn
        raise rw_error

    def _connect_rw(self) -> sqlite3.Connection:
        path = self.path
        try:
            if not path.exists():
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
                os.close(fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise JournalWriteError(f"cannot create the journal {path}: {exc}") from exc
        _chmod_private(path)
        try:
            conn = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=10.0
            )
        except sqlite3.Error as exc:
            raise JournalWriteError(f"cannot open the journal {path}: {exc}") from exc
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA secure_delete = ON")  # purged records are overwritten
            self._migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _is_corruption(exc):
                raise JournalCorruptError(f"{path}: {exc}") from exc
            if isinstance(exc, JournalError):
                raise
            raise JournalWriteError(f"cannot open the journal {path}: {exc}") from exc
        except JournalError:
            conn.close()
            raise
        for suffix in ("-wal", "-shm"):
            _chmod_private(path.with_name(path.name + suffix))
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalVersionError(
                f"{self.path} has schema version {version}; this ketaroom knows up to "
                f"{SCHEMA_VERSION}. Update ketaroom to read it."
            )
        upgrade(conn, version)

    def _quick_check(self) -> bool:
        try:
            with self._lock:
                row = self._db().execute("PRAGMA quick_check").fetchone()
            return bool(row) and row[0] == "ok"
        except sqlite3.DatabaseError:
            return False

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError("the journal is closed")
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db().execute("PRAGMA user_version").fetchone()[0])

    # ---------------------------------------------------------------- writing

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One durable write transaction; disk failures become JournalWriteError."""
        with self._lock:
            if self._needs_reconnect:
                self._reconnect()
            conn = self._db()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                self._needs_reconnect = _wants_reconnect(exc)
                raise JournalWriteError(f"journal not writable: {exc}") from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except (sqlite3.OperationalError, OSError) as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                self._needs_reconnect = _wants_reconnect(exc)
                raise JournalWriteError(f"journal write failed: {exc}") from exc
            except sqlite3.IntegrityError as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise JournalError(str(exc)) from exc
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                self._needs_reconnect = True
                raise JournalWriteError(f"journal write failed: {exc}") from exc
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    def _reconnect(self) -> None:
        """After a write failure: reopen, so a file made writable again is used as such."""
        old = self._conn
        try:
            new = self._connect(allow_read_only=False)
        except JournalError as exc:
            raise JournalWriteError(str(exc)) from exc
        if old is not None:
            with contextlib.suppress(sqlite3.Error):
                old.close()
        self._conn = new
        self._needs_reconnect = False

    def start_session(
        self,
        *,
        preset: str,
        preset_path: str | None,
        preset_yaml: str | None,
        room: str,
        planned_s: float,
        speed: float = 1.0,
        patient_ref: str | None = None,
        operator: str | None = None,
        kind: str = "clinical",
        patient_id: int | None = None,
        course_id: int | None = None,
    ) -> int:
        """Record a new session owned by this process; returns its id.

        ``kind`` is one of :data:`KINDS`. ``patient_id`` and ``course_id`` link it to a
        patient and a course of theirs (:class:`~ketaroom.store.patients.PatientStore`);
        a clinical session in a course gets the next ``course_number``. The caller
        appends the ``session_start`` event itself.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        with self._write() as conn:
            number = None
            if course_id is not None:
                owner = conn.execute("SELECT patient_id FROM courses WHERE id = ?",
                                     (course_id,)).fetchone()
                if owner is None or patient_id not in (None, owner[0]):
                    raise JournalError(f"course {course_id} is not a course of this patient")
                patient_id = owner[0]
                if kind == "clinical":
                    number = conn.execute(
                        "SELECT COUNT(*) + 1 FROM sessions WHERE course_id = ?"
                        " AND kind = 'clinical'", (course_id,)).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO sessions (preset, preset_path, preset_yaml, room, patient_ref,"
                " started_at, status, pid, host, planned_s, speed, operator, proc_token, kind,"
                " patient_id, course_id, course_number)"
                " VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    preset,
                    preset_path,
                    preset_yaml,
                    room,
                    patient_ref,
                    wall_iso(),
                    os.getpid(),
                    self._host,
                    float(planned_s),
                    float(speed),
                    operator,
                    self._token,
                    kind,
                    patient_id,
                    course_id,
                    number,
                ),
            )
            return int(cur.lastrowid or 0)

    def append(
        self,
        session_id: int,
        kind: str,
        *,
        session_t: float,
        phase_index: int | None = None,
        payload: dict[str, Any] | None = None,
        refers_to: int | None = None,
        wall: datetime | None = None,
    ) -> int:
        """Append one event; it is committed durably (fsync'd) before this returns.

        ``kind`` is a :class:`~ketaroom.store.record_schema.RecordKind` (any other
        non-empty text is stored as given). Returns the event id. Raises
        :class:`JournalWriteError` if the disk refuses, :class:`JournalError` for an
        unknown session or ``refers_to``.
        """
        if not kind:
            raise ValueError("event kind must not be empty")
        kind = str(kind)  # a RecordKind is stored as its plain value
        body = json.dumps(payload or {}, ensure_ascii=False, sort_keys=True, default=str)
        with self._write() as conn:
            if refers_to is not None:
                owner = conn.execute(
                    "SELECT session_id FROM events WHERE id = ?", (refers_to,)
                ).fetchone()
                if owner is None or owner[0] != session_id:
                    raise JournalError(
                        f"refers_to={refers_to} is not an event of session {session_id}"
                    )
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE session_id = ?",
                (session_id,),
            ).fetchone()
            cur = conn.execute(
                "INSERT INTO events (session_id, seq, kind, wall, session_t, phase_index,"
                " payload, refers_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    row[0],
                    kind,
                    wall_iso(wall),
                    float(session_t),
                    phase_index,
                    body,
                    refers_to,
                ),
            )
            return int(cur.lastrowid or 0)

    def end_session(self, session_id: int, status: str) -> None:
        """Mark the session ended (``completed`` or ``stopped``); a second end is ignored.

        The caller appends the ``session_end`` event itself.
        """
        if status not in END_STATUSES:
            raise ValueError(f"status must be one of {END_STATUSES}, got {status!r}")
        self.session(session_id)  # raises for an unknown id
        with self._write() as conn:
            conn.execute(
                "UPDATE sessions SET ended_at = ?, status = ? WHERE id = ? AND ended_at IS NULL",
                (wall_iso(), status, session_id),
            )

    def close_interrupted(self, session_id: int) -> None:
        """Close a session found interrupted: status ``interrupted``, ``ended_at`` now.

        Appends a ``session_end`` event at the last recorded session time.
        """
        record = self.session(session_id)
        if record.ended_at is not None:
            return
        if record.status == "running":
            raise JournalError(f"session {session_id} is still running (pid {record.pid})")
        last_t = max((e.session_t for e in self.events(session_id)), default=0.0)
        with self._write() as conn:
            conn.execute(
                "UPDATE sessions SET ended_at = ?, status = 'interrupted'"
                " WHERE id = ? AND ended_at IS NULL",
                (wall_iso(), session_id),
            )
        entry = SessionEnd("interrupted", closed_after_interruption=True)
        self.append(session_id, entry.kind, session_t=last_t, payload=entry.to_payload())

    def resume_session(self, session_id: int, *, session_t: float) -> None:
        """Take over an interrupted session in this process (it shows as running again).

        Appends a ``resume`` event at ``session_t`` (the timeline point resumed at).
        """
        record = self.session(session_id)
        if record.ended_at is not None:
            raise JournalError(f"session {session_id} has ended ({record.status})")
        with self._write() as conn:
            conn.execute(
                "UPDATE sessions SET pid = ?, host = ?, proc_token = ? WHERE id = ?",
                (os.getpid(), self._host, self._token, session_id),
            )
        entry = Resume(record.pid, record.host)
        self.append(session_id, entry.kind, session_t=session_t, payload=entry.to_payload())

    def audit(self, user: str, action: str, detail: str = "") -> None:
        """Record who did what (export, purge, settings change, …)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO audit (wall, user, action, detail) VALUES (?, ?, ?, ?)",
                (wall_iso(), user, action, detail),
            )

    def purge_candidates(self, days: int) -> list[SessionRecord]:
        """Sessions :meth:`purge_older_than` would delete (to ask before deleting)."""
        if days < 0:
            raise ValueError("days must not be negative")
        cutoff = local_now() - timedelta(days=days)
        return [record for record in self.sessions()
                if record.status != "running" and parse_wall(record.started_at) < cutoff]

    def purge_older_than(self, days: int, *, user: str = "ketaroom") -> int:
        """Delete sessions (and their events) that started more than ``days`` ago.

        Running sessions are never purged. Deleted pages are overwritten
        (``secure_delete``). Returns the number of sessions removed; audited.
        """
        doomed = [record.id for record in self.purge_candidates(days)]
        if not doomed:
            return 0
        with self._lock, self._write() as conn:
            conn.execute("INSERT INTO purge_permit (token) VALUES (1)")
            for session_id in doomed:
                conn.execute(
                    "DELETE FROM events WHERE session_id = ? AND refers_to IS NOT NULL",
                    (session_id,),
                )
                conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
                conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            conn.execute("DELETE FROM purge_permit")
            conn.execute(
                "INSERT INTO audit (wall, user, action, detail) VALUES (?, ?, ?, ?)",
                (
                    wall_iso(),
                    user,
                    "purge",
                    f"{len(doomed)} session(s) older than {days} days: "
                    + ", ".join(map(str, doomed)),
                ),
            )
        return len(doomed)

    # ---------------------------------------------------------------- reading

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            conn = self._db()
            try:
                cur = conn.execute(sql, params)
                return list(cur.fetchall())
            except sqlite3.DatabaseError as exc:
                if _is_corruption(exc):
                    raise JournalCorruptError(f"{self.path}: {exc}") from exc
                raise JournalError(f"{self.path}: {exc}") from exc

    SESSION_SELECT = (
        "SELECT s.id, s.preset, s.preset_path, s.preset_yaml, s.room, s.patient_ref,"
        " s.started_at, s.ended_at, s.status, s.pid, s.host, s.planned_s, s.speed, s.operator,"
        " s.proc_token, s.kind, p.code, s.course_id, s.course_number"
        " FROM sessions s LEFT JOIN patients p ON p.id = s.patient_id"
    )
    """The query every session read starts with (``s``: sessions, ``p``: patients); add a
    ``WHERE`` and pass the rows to :meth:`session_from_row`."""

    def session_from_row(self, row: tuple[Any, ...]) -> SessionRecord:
        """A :class:`SessionRecord` from a row of :data:`SESSION_SELECT` (status computed)."""
        (sid, preset, preset_path, preset_yaml, room, patient_ref, started_at, ended_at,
         stored, pid, host, planned_s, speed, operator, token, kind, patient, course_id,
         course_number) = row  # fmt: skip
        if ended_at is not None:
            status = stored
        elif host == self._host and owner_alive(pid, token):
            status = "running"
        else:
            status = "interrupted"
        return SessionRecord(
            id=int(sid),
            preset=preset,
            preset_path=preset_path,
            preset_yaml=preset_yaml,
            room=room or "",
            patient_ref=patient_ref,
            started_at=started_at,
            ended_at=ended_at,
            status=status,
            pid=pid,
            host=host,
            planned_s=planned_s,
            speed=float(speed if speed is not None else 1.0),
            operator=operator,
            kind=kind,
            patient=patient,
            course_id=course_id,
            course_number=course_number,
        )

    def sessions(self, *, include_rehearsals: bool = True) -> list[SessionRecord]:
        """All sessions, oldest first, with computed status (clinical ones only when
        ``include_rehearsals`` is false)."""
        where = "" if include_rehearsals else " WHERE s.kind = 'clinical'"
        rows = self._read(f"{self.SESSION_SELECT}{where} ORDER BY s.id")
        return [self.session_from_row(tuple(r)) for r in rows]

    def session(self, session_id: int) -> SessionRecord:
        """One session; raises :class:`KeyError` for an unknown id."""
        rows = self._read(f"{self.SESSION_SELECT} WHERE s.id = ?", (session_id,))
        if not rows:
            raise KeyError(f"no session {session_id}")
        return self.session_from_row(tuple(rows[0]))

    def events(self, session_id: int, kinds: Sequence[str] = ()) -> list[EventRecord]:
        """A session's events in the order they were written (only ``kinds`` if given)."""
        only = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        rows = self._read(
            "SELECT id, session_id, seq, kind, wall, session_t, phase_index, payload, refers_to"
            f" FROM events WHERE session_id = ?{only} ORDER BY seq",
            (session_id, *map(str, kinds)),
        )
        return [
            EventRecord(
                id=int(eid),
                session_id=int(sid),
                seq=int(seq),
                kind=kind,
                wall=wall,
                session_t=float(session_t),
                phase_index=phase_index,
                payload=decode_payload(payload),
                refers_to=refers_to,
            )
            for eid, sid, seq, kind, wall, session_t, phase_index, payload, refers_to in rows
        ]

    def history(self, *, include_rehearsals: bool = False, patient: str | None = None,
                search: str = "", limit: int | None = 500) -> list[HistoryRow]:
        """The newest ``limit`` sessions (all with None), newest first, for the history.

        Clinical only unless ``include_rehearsals``; only ``patient``'s (a code, any case)
        when given. ``search``: every word (or ``"quoted phrase"``) occurs in the
        session's start time, preset, room, status, patient code or reference, operator
        (anywhere, case ignored for ASCII), or begins a word of the text, prompt or tags
        of one of its notes, cues, emergencies, reflections or adverse events (full-text
        index ``session_text`` of schema v7; case and accents ignored). Reads only the rows
        returned and their events' index, so it stays fast on a journal of tens of
        thousands of sessions.
        """
        where: list[str] = []
        params: list[Any] = []
        if not include_rehearsals:
            where.append("s.kind = 'clinical'")
        if patient is not None:
            where.append("p.code = ?")
            params.append(patient.strip())
        for term in search_terms(search):
            like = like_pattern(term)
            columns = ("s.started_at", "s.preset", "s.room", "s.status", "p.code",
                       "s.patient_ref", "s.operator")
            matches = [f"{c} LIKE ? ESCAPE '\\'" for c in columns]
            params += [like] * len(columns)
            if _WORD.search(term):  # the words of its entries (each word a prefix)
                matches.append("s.id IN (SELECT rowid FROM session_text"
                               " WHERE session_text MATCH ?)")
                params.append('"' + term.replace('"', '""') + '"*')
            where.append(f"({' OR '.join(matches)})")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._read(f"{self.SESSION_SELECT}{clause} ORDER BY s.started_at DESC, s.id DESC"
                          " LIMIT ?", (*params, -1 if limit is None else limit))
        records = [self.session_from_row(tuple(r)) for r in rows]
        facts: dict[int, tuple[float | None, int, int]] = {}
        for start in range(0, len(records), 500):  # SQLite's bound on parameters
            ids = [r.id for r in records[start:start + 500]]
            for sid, actual, resumes, incidents in self._read(
                    "SELECT session_id, MAX(session_t), SUM(kind = 'resume'),"
                    f" SUM(kind IN {INCIDENT_KINDS!r}) FROM events"
                    f" WHERE session_id IN ({', '.join('?' * len(ids))}) GROUP BY session_id",
                    tuple(ids)):
                facts[int(sid)] = (actual, int(resumes), int(incidents))
        out = []
        for record in records:
            actual, resumes, incidents = facts.get(record.id, (None, 0, 0))
            out.append(HistoryRow(record, actual, resumes + (record.status == "interrupted"),
                                  incidents))
        return out

    def session_patients(self) -> list[str]:
        """The codes of the patients with at least one session, sorted (the history's
        patient filter)."""
        rows = self._read("SELECT code FROM patients p WHERE EXISTS"
                          " (SELECT 1 FROM sessions s WHERE s.patient_id = p.id) ORDER BY code")
        return [str(r[0]) for r in rows]

    def interrupted_sessions(self) -> list[SessionRecord]:
        """Sessions with no end whose process is gone: candidates for resume."""
        return [s for s in self.sessions() if s.ended_at is None and s.status == "interrupted"]

    def audit_entries(self) -> list[dict[str, Any]]:
        rows = self._read("SELECT id, wall, user, action, detail FROM audit ORDER BY id")
        return [
            {"id": r[0], "wall": r[1], "user": r[2], "action": r[3], "detail": r[4]} for r in rows
        ]


def _wants_reconnect(exc: BaseException) -> bool:
    """A read-only or I/O failure may heal only with a fresh connection; a full disk not."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return not (name.startswith("SQLITE_FULL") or "full" in str(exc).lower())


def _move_aside(path: Path) -> Path:
    """Rename a damaged journal (and -wal/-shm) to ``<name>.corrupt-<timestamp>``."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists() or target.with_name(target.name + "-wal").exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    os.rename(path, target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            with contextlib.suppress(OSError):
                os.rename(companion, target.with_name(target.name + suffix))
    return target
