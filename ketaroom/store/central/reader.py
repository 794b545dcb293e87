"""Clinic-wide reading: every room's records on the server, as the journal's records.

:class:`CentralRecords` answers ``sessions()``, ``session(id)`` and ``events(id)`` like
:class:`~ketaroom.store.journal.Journal`, with the same :class:`SessionRecord` and
:class:`EventRecord` objects, so the listing and the exports (JSON, CSV, PDF) are the
local code fed from server rows. A session's ``id`` here is the server's own id
(unique across rooms); :meth:`CentralRecords.origin` gives its room id and the id it
has in its room's journal. Events keep their room's ids, so ``refers_to`` still
points inside the session.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ketaroom.store.central.schema import (
    SCHEMA_VERSION,
    CentralSchemaError,
    CentralUnavailableError,
    _one_line,
    connect,
    server_version,
)
from ketaroom.store.journal import EventRecord, SessionRecord, decode_payload

__all__ = ["CentralRecords"]

_SESSION_COLS = (
    "id, preset, preset_path, preset_yaml, room, patient_ref, started_at, ended_at, status,"
    " pid, host, planned_s, speed, operator, kind, room_id, local_id")


class CentralRecords:
    """Read-only view of the server's records (a context manager closing the connection).

    Raises :class:`CentralUnavailableError` when the server cannot be reached and
    :class:`CentralSchemaError` when its schema is newer than ours; an empty server
    (never synced) reads as no sessions.
    """

    def __init__(self, dsn: str) -> None:
        self._conn = connect(dsn)
        self._origin: dict[int, tuple[str, int]] = {}
        try:
            self._version = server_version(self._conn)
        except psycopg.Error as exc:
            self._conn.close()
            raise CentralUnavailableError(_one_line(exc)) from exc
        if self._version > SCHEMA_VERSION:
            self._conn.close()
            raise CentralSchemaError(
                f"the records server has schema version {self._version}, newer than this "
                f"ketaroom's {SCHEMA_VERSION}: update ketaroom in this room")

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
            raise CentralUnavailableError(_one_line(exc)) from exc

    def _session(self, row: tuple[Any, ...]) -> SessionRecord:
        (sid, preset, preset_path, preset_yaml, room, patient_ref, started_at, ended_at,
         status, pid, host, planned_s, speed, operator, kind, room_id, local_id) = row  # fmt: skip
        self._origin[int(sid)] = (str(room_id), int(local_id))
        return SessionRecord(
            id=int(sid), preset=preset, preset_path=preset_path, preset_yaml=preset_yaml,
            room=room or "", patient_ref=patient_ref, started_at=started_at,
            ended_at=ended_at, status=status, pid=pid, host=host, planned_s=planned_s,
            speed=float(speed), operator=operator, kind=kind)

    def sessions(self, *, include_rehearsals: bool = True) -> list[SessionRecord]:
        """Every room's sessions, by start time (clinical only unless asked)."""
        where = "" if include_rehearsals else " WHERE kind = 'clinical'"
        rows = self._read(f"SELECT {_SESSION_COLS} FROM sessions{where}"
                          " ORDER BY started_at::timestamptz, id")
        return [self._session(row) for row in rows]

    def session(self, session_id: int) -> SessionRecord:
        """One session by server id; :class:`KeyError` when there is none."""
        rows = self._read(f"SELECT {_SESSION_COLS} FROM sessions WHERE id = %s", (session_id,))
        if not rows:
            raise KeyError(f"no session {session_id}")
        return self._session(rows[0])

    def origin(self, session_id: int) -> tuple[str, int]:
        """(room id, id in that room's journal) of a session read before."""
        return self._origin[session_id]

    def events(self, session_id: int) -> list[EventRecord]:
        """A session's events in the order they were written (``session_id`` = server id)."""
        rows = self._read(
            "SELECT e.local_id, e.seq, e.kind, e.wall, e.session_t, e.phase_index, e.payload,"
            " e.refers_to FROM sessions s JOIN events e ON e.room_id = s.room_id"
            " AND e.session_local_id = s.local_id WHERE s.id = %s ORDER BY e.seq",
            (session_id,))
        return [
            EventRecord(
                id=int(eid), session_id=session_id, seq=int(seq), kind=kind, wall=wall,
                session_t=float(session_t), phase_index=phase_index,
                payload=decode_payload(payload), refers_to=refers_to)
            for eid, seq, kind, wall, session_t, phase_index, payload, refers_to in rows
        ]
