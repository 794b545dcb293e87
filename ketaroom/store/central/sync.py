"""Copy a room's journal to the central server: an outbox of high-water marks.

The outbox lives in the journal file itself (two tables the journal never reads):
``central_room`` holds this journal's room id, a UUID made once, and
``central_outbox`` one high-water mark per table: every local row with ``id`` above
it is still to be sent. Rows that may still change (a session not ended yet, see
:attr:`Table.open_when`) hold the mark below them, so they are sent again until they
settle. Each batch is one server transaction (COPY into a temporary table, then
``INSERT … ON CONFLICT``, by the natural keys room id + local id); the mark moves only
after that transaction committed. A sync killed at any moment therefore resends at
most one batch, which the server's unique keys turn into no-ops: nothing twice,
nothing lost.

The sync is table-driven: :data:`TABLES` lists each journal table with its columns,
server name and key; a new journal table is one more entry (plus its server
migration in :mod:`.schema`).
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ketaroom.store.central.schema import (
    CentralUnavailableError,
    _one_line,
    connect,
    ensure_schema,
)
from ketaroom.store.journal import Journal

__all__ = ["BATCH_ROWS", "TABLES", "SyncResult", "Table", "pending_count", "room_id", "sync"]

BATCH_ROWS = 5000
"""Rows per server transaction: large enough for COPY to pay, small enough to resend."""


@dataclass(frozen=True)
class Table:
    """One journal table as the sync copies it.

    ``columns`` pairs each local column with its server column (the local ``id`` is
    always first, sent as ``local_id``). ``key`` is the server's natural key after
    ``room_id``; ``open_when`` (SQL on the local table) marks rows that may still
    change: they are sent again (upserted) until it is false; ``None`` means the
    table is append-only (``ON CONFLICT DO NOTHING``). ``parent`` names a table whose
    rows must reach the server first (a foreign key). ``identity`` (a column) tells a
    row from a later one given the same id: SQLite hands out the highest id again once
    the row holding it is deleted (retention purge), see :func:`_check_id_space`.
    ``purged`` tables lose rows to retention (their ids can come back).
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    open_when: str | None = None
    parent: str | None = None
    identity: str | None = None
    purged: bool = False

    @property
    def local_columns(self) -> str:
        return ", ".join(f'"{local}"' for local, _ in self.columns)

    @property
    def server_columns(self) -> tuple[str, ...]:
        return ("room_id", *(server for _, server in self.columns))


TABLES: tuple[Table, ...] = (
    Table(
        "sessions",
        (("id", "local_id"), ("preset", "preset"), ("preset_path", "preset_path"),
         ("preset_yaml", "preset_yaml"), ("room", "room"), ("patient_ref", "patient_ref"),
         ("started_at", "started_at"), ("ended_at", "ended_at"), ("status", "status"),
         ("pid", "pid"), ("host", "host"), ("planned_s", "planned_s"), ("speed", "speed"),
         ("operator", "operator"), ("kind", "kind")),
        key=("local_id",),
        open_when="ended_at IS NULL",
        identity="started_at",
        purged=True,
    ),
    Table(
        "events",
        (("id", "local_id"), ("session_id", "session_local_id"), ("seq", "seq"),
         ("kind", "kind"), ("wall", "wall"), ("session_t", "session_t"),
         ("phase_index", "phase_index"), ("payload", "payload"), ("refers_to", "refers_to")),
        key=("session_local_id", "seq"),
        parent="sessions",
        purged=True,
    ),
    Table(
        "audit",
        (("id", "local_id"), ("wall", "wall"), ("user", "user"), ("action", "action"),
         ("detail", "detail")),
        key=("local_id",),
    ),
)
"""Every journal table the sync copies, parents before children."""

_OUTBOX = """
CREATE TABLE IF NOT EXISTS central_room (room_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS central_outbox (
    tbl TEXT PRIMARY KEY,
    synced_through INTEGER NOT NULL,
    identity TEXT
);
"""


@dataclass
class SyncResult:
    """What one :func:`sync` did: rows sent per table and batches committed."""

    room_id: str
    sent: dict[str, int]
    batches: int
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.sent.values())


@contextlib.contextmanager
def _local(journal_path: Path) -> Iterator[sqlite3.Connection]:
    """The journal (created and migrated by :class:`Journal`) with the outbox tables."""
    Journal(journal_path).close()
    conn = sqlite3.connect(journal_path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.executescript(_OUTBOX)
        yield conn
    finally:
        conn.close()


def _room_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT room_id FROM central_room").fetchone()
    if row:
        return str(row[0])
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT room_id FROM central_room").fetchone()
        if row is None:
            conn.execute("INSERT INTO central_room (room_id) VALUES (?)", (str(uuid.uuid4()),))
            row = conn.execute("SELECT room_id FROM central_room").fetchone()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return str(row[0])


def room_id(journal_path: Path) -> str:
    """This journal's room id (a UUID made the first time and kept in the journal)."""
    with _local(journal_path) as conn:
        return _room_id(conn)


def _mark(conn: sqlite3.Connection, table: Table) -> int:
    row = conn.execute(
        "SELECT synced_through FROM central_outbox WHERE tbl = ?", (table.name,)).fetchone()
    return int(row[0]) if row else 0


def _set_mark(conn: sqlite3.Connection, table: Table, mark: int) -> None:
    identity = None
    if table.identity is not None:
        row = conn.execute(
            f'SELECT "{table.identity}" FROM "{table.name}" WHERE id = ?', (mark,)).fetchone()
        identity = None if row is None else str(row[0])
    conn.execute(
        "INSERT INTO central_outbox (tbl, synced_through, identity) VALUES (?, ?, ?)"
        " ON CONFLICT (tbl) DO UPDATE SET synced_through = excluded.synced_through,"
        " identity = excluded.identity",
        (table.name, mark, identity))


def _check_id_space(conn: sqlite3.Connection) -> bool:
    """Start a new room id if the journal's ids came back; True when it did.

    A purge that deleted the rows at or above a mark lets SQLite hand those ids out
    again: new rows would hide below the mark (never sent) or collide with the
    server's keys (dropped as duplicates). Seen as the highest id below the mark, or
    the row at the mark no longer being the one marked (its ``identity`` changed).
    The journal then gets a new room id — a new id space on the server — and the marks
    of the ``purged`` tables start again; what the server holds stays under the old id.
    """
    for table in TABLES:
        if table.identity is None:
            continue
        row = conn.execute("SELECT synced_through, identity FROM central_outbox WHERE tbl = ?",
                           (table.name,)).fetchone()
        if row is None or not row[0]:
            continue
        mark, identity = int(row[0]), row[1]
        top = conn.execute(f'SELECT coalesce(max(id), 0) FROM "{table.name}"').fetchone()[0]
        at_mark = conn.execute(f'SELECT "{table.identity}" FROM "{table.name}" WHERE id = ?',
                               (mark,)).fetchone()
        if top >= mark and (at_mark is None or str(at_mark[0]) == identity):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("UPDATE central_room SET room_id = ?", (str(uuid.uuid4()),))
            conn.executemany("DELETE FROM central_outbox WHERE tbl = ?",
                             [(t.name,) for t in TABLES if t.purged])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True
    return False


def _waiting(conn: sqlite3.Connection) -> int:
    return sum(
        conn.execute(f'SELECT count(*) FROM "{t.name}" WHERE id > ?', (_mark(conn, t),))
        .fetchone()[0] for t in TABLES)


def pending_count(journal_path: Path) -> int:
    """Local rows not yet on the server (sessions still open count until they end)."""
    with _local(journal_path) as conn:
        return _waiting(conn)


def _upsert_sql(table: Table, staging: str) -> str:
    columns = ", ".join(f'"{c}"' for c in table.server_columns)
    key = ", ".join(("room_id", *table.key))
    if table.open_when is None:
        action = "DO NOTHING"
    else:
        changed = [c for c in table.server_columns if c not in ("room_id", *table.key)]
        sets = ", ".join(f'"{c}" = excluded."{c}"' for c in changed)
        old = ", ".join(f'{table.name}."{c}"' for c in changed)
        new = ", ".join(f'excluded."{c}"' for c in changed)
        action = f"DO UPDATE SET {sets} WHERE ({old}) IS DISTINCT FROM ({new})"
    return (f'INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {staging}'
            f" ON CONFLICT ({key}) {action}")


def _send(server: psycopg.Connection, table: Table, room: str,
          rows: list[tuple[object, ...]]) -> None:
    """One batch, one server transaction: COPY to a temp table, then insert by key."""
    staging = f"_in_{table.name}"
    columns = ", ".join(f'"{c}"' for c in table.server_columns)
    with server.transaction():
        server.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS"
            f" AS SELECT {columns} FROM {table.name} WITH NO DATA")
        with server.cursor().copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((room, *row))
        server.execute(_upsert_sql(table, staging))
        server.execute("UPDATE rooms SET last_sync = now() WHERE room_id = %s", (room,))


def _sessions_statuses(journal: Journal, rows: list[tuple[object, ...]],
                       status_at: int, ended_at: int) -> list[tuple[object, ...]]:
    """Rows with the status the journal computes (an open session: running/interrupted)."""
    out = []
    for row in rows:
        if row[ended_at] is None:  # not ended: the status is computed on read
            with contextlib.suppress(KeyError):
                row = (*row[:status_at], journal.session(int(row[0])).status,
                       *row[status_at + 1:])
        out.append(row)
    return out


def _sync_table(local: sqlite3.Connection, server: psycopg.Connection, journal: Journal,
                table: Table, room: str, batch_rows: int,
                on_batch: Callable[[str, int], None] | None) -> tuple[int, int]:
    """Send every row above the table's mark; returns (rows sent, batches).

    The mark follows each committed batch up to the first row still open; rows after
    an open one are sent too (they may be settled) but stay above the mark.
    """
    sent = batches = 0
    mark = after = _mark(local, table)
    held = False
    open_col = f", ({table.open_when})" if table.open_when else ", 0"
    local_names = [local_col for local_col, _ in table.columns]
    status_at = local_names.index("status") if table.name == "sessions" else -1
    while True:
        fetched = local.execute(
            f'SELECT {table.local_columns}{open_col} FROM "{table.name}"'
            " WHERE id > ? ORDER BY id LIMIT ?", (after, batch_rows)).fetchall()
        if not fetched:
            return sent, batches
        rows = [row[:-1] for row in fetched]
        if status_at >= 0:
            rows = _sessions_statuses(journal, rows, status_at, local_names.index("ended_at"))
        try:
            _send(server, table, room, rows)
        except psycopg.errors.ForeignKeyViolation:
            if table.parent is None:
                raise
            # a parent row written after the parent's pass (a session started meanwhile)
            parent = next(t for t in TABLES if t.name == table.parent)
            _sync_table(local, server, journal, parent, room, batch_rows, None)
            _send(server, table, room, rows)
        if not held:
            first_open = next((row[0] for row in fetched if row[-1]), None)
            held = first_open is not None
            new_mark = int(fetched[-1][0]) if first_open is None else int(first_open) - 1
            if new_mark > mark:
                _set_mark(local, table, new_mark)
                mark = new_mark
        after = int(fetched[-1][0])
        sent += len(rows)
        batches += 1
        if on_batch is not None:
            on_batch(table.name, len(rows))


def sync(journal_path: Path, dsn: str, *, batch_rows: int = BATCH_ROWS,
         on_batch: Callable[[str, int], None] | None = None) -> SyncResult:
    """Copy everything the server lacks from the journal at ``journal_path`` to ``dsn``.

    The server's ``rooms.name`` follows the room name of the latest session.
    Raises :class:`~.schema.CentralUnavailableError` (server away, password, TLS) and
    :class:`~.schema.CentralSchemaError` (server newer than us) before writing anything.
    ``on_batch(table, rows)`` is called after each committed batch.
    """
    started = time.monotonic()
    server = connect(dsn)
    try:
        ensure_schema(server)
        with _local(journal_path) as local:
            _room_id(local)  # made before the id space is checked against it
            _check_id_space(local)
            room = _room_id(local)
            latest = local.execute("SELECT room FROM sessions ORDER BY id DESC LIMIT 1").fetchone()
            room_name = str(latest[0] or "") if latest else ""
            with server.transaction():
                server.execute(
                    "INSERT INTO rooms (room_id, name, host) VALUES (%s, %s, %s)"
                    " ON CONFLICT (room_id) DO UPDATE SET host = excluded.host,"
                    " name = CASE WHEN excluded.name = '' THEN rooms.name"
                    " ELSE excluded.name END",
                    (room, room_name, socket.gethostname()))
            sent: dict[str, int] = {}
            batches = 0
            journal = Journal(journal_path)
            try:
                for table in TABLES:
                    count, done = _sync_table(local, server, journal, table, room, batch_rows,
                                              on_batch)
                    sent[table.name] = count
                    batches += done
            finally:
                journal.close()
    except psycopg.OperationalError as exc:
        raise CentralUnavailableError(_one_line(exc)) from exc
    finally:
        server.close()
    return SyncResult(room, sent, batches, time.monotonic() - started)
