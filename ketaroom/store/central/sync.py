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

Small tables whose rows change in place (``patients``: :attr:`Table.whole`) are not
marked by id: the sync keeps a digest of what it last sent and sends the whole table
again (upserted) when the digest differs. A patient's name and year of birth
(:attr:`Table.private`) go as NULL unless the room shares them (``share_names``; the
contract keeps them on the PC otherwise), and turning that on or off changes the
digest, so the server follows.

The outbox also keeps the columns each mark was made with (``shape``): when a newer
ketaroom sends more columns of a table, that table's mark starts again and its rows are
re-sent, so an upserted table (sessions) gets the new columns filled in on the server.

The sync is table-driven: :data:`TABLES` lists each journal table with its columns,
server name and key; a new journal table is one more entry (plus its server
migration in :mod:`.schema`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
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
    connect,
    ensure_schema,
    error_line,
)
from ketaroom.store.journal import ROOM_NAME_SQL, Journal

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
    ``purged`` tables lose rows to retention (their ids can come back). ``referred``
    tables hold what later rows point at by local id (a session's patient and course):
    under a new room id they are sent again, so the new id space is whole. ``whole``
    tables are small and change in place: sent whole (upserted) when their digest
    changed. ``private`` columns are sent as NULL unless the room shares names.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    open_when: str | None = None
    parent: str | None = None
    identity: str | None = None
    purged: bool = False
    referred: bool = False
    whole: bool = False
    private: tuple[str, ...] = ()

    def select_list(self, *, share_names: bool) -> str:
        """The local SELECT list (private columns as NULL unless shared)."""
        return ", ".join("NULL" if local in self.private and not share_names else f'"{local}"'
                         for local, _ in self.columns)

    @property
    def mutable(self) -> bool:
        """Rows may change after they were sent (upserted, not only inserted)."""
        return self.open_when is not None or self.whole

    @property
    def shape(self) -> str:
        """The server columns, as the outbox remembers them with the table's mark."""
        return ",".join(server for _, server in self.columns)

    @property
    def server_columns(self) -> tuple[str, ...]:
        return ("room_id", *(server for _, server in self.columns))


TABLES: tuple[Table, ...] = (
    Table(
        "patients",
        (("id", "local_id"), ("code", "code"), ("display_name", "display_name"),
         ("birth_year", "birth_year"), ("created_at", "created_at"),
         ("updated_at", "updated_at")),
        key=("local_id",),
        referred=True,
        whole=True,
        private=("display_name", "birth_year", "updated_at"),
    ),
    Table(
        "courses",
        (("id", "local_id"), ("uid", "uid"), ("patient_id", "patient_local_id"),
         ("kind", "kind"), ("planned_sessions", "planned_sessions"),
         ("spacing_days", "spacing_days"), ("started", "started"),
         ("created_at", "created_at")),
        key=("local_id",),
        referred=True,
    ),
    Table(
        "sessions",
        (("id", "local_id"), ("preset", "preset"), ("preset_path", "preset_path"),
         ("preset_yaml", "preset_yaml"), ("room", "room"), ("patient_ref", "patient_ref"),
         ("started_at", "started_at"), ("ended_at", "ended_at"), ("status", "status"),
         ("pid", "pid"), ("host", "host"), ("planned_s", "planned_s"), ("speed", "speed"),
         ("operator", "operator"), ("kind", "kind"), ("patient_id", "patient_local_id"),
         ("course_id", "course_local_id"), ("course_number", "course_number")),
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
    identity TEXT,
    shape TEXT,
    digest TEXT
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


def _upgrade_outbox(conn: sqlite3.Connection) -> None:
    """Give an outbox made before ``shape``/``digest`` existed those columns.

    The append-only tables' marks keep their rows (their columns did not change); the
    others' marks start again, so their rows go out once more with the new columns.
    """
    known = {row[1] for row in conn.execute("PRAGMA table_info(central_outbox)")}
    if "shape" in known:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("ALTER TABLE central_outbox ADD COLUMN shape TEXT")
        conn.execute("ALTER TABLE central_outbox ADD COLUMN digest TEXT")
        conn.executemany("UPDATE central_outbox SET shape = ? WHERE tbl = ?",
                         [(t.shape, t.name) for t in TABLES if not t.mutable])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check_shapes(conn: sqlite3.Connection) -> None:
    """Start again the mark of a table whose columns changed since it was set."""
    for table in TABLES:
        conn.execute("DELETE FROM central_outbox WHERE tbl = ? AND shape IS NOT ?",
                     (table.name, table.shape))


@contextlib.contextmanager
def _local(journal_path: Path) -> Iterator[sqlite3.Connection]:
    """The journal (created and migrated by :class:`Journal`) with the outbox tables."""
    Journal(journal_path).close()
    conn = sqlite3.connect(journal_path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.executescript(_OUTBOX)
        _upgrade_outbox(conn)
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
        "INSERT INTO central_outbox (tbl, synced_through, identity, shape) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (tbl) DO UPDATE SET synced_through = excluded.synced_through,"
        " identity = excluded.identity, shape = excluded.shape",
        (table.name, mark, identity, table.shape))


def _whole_rows(conn: sqlite3.Connection, table: Table, share_names: bool
                ) -> tuple[list[tuple[object, ...]], str | None]:
    """A whole table's rows as sent, and None when the server has them (same digest)."""
    rows = [tuple(r) for r in conn.execute(
        f'SELECT {table.select_list(share_names=share_names)} FROM "{table.name}" ORDER BY id')]
    digest = hashlib.sha256(json.dumps([table.shape, rows]).encode()).hexdigest()
    row = conn.execute("SELECT digest FROM central_outbox WHERE tbl = ?",
                       (table.name,)).fetchone()
    return rows, None if row is not None and row[0] == digest else digest


def _check_id_space(conn: sqlite3.Connection) -> bool:
    """Start a new room id if the journal's ids came back; True when it did.

    A purge that deleted the rows at or above a mark lets SQLite hand those ids out
    again: new rows would hide below the mark (never sent) or collide with the
    server's keys (dropped as duplicates). Seen as the highest id below the mark, or
    the row at the mark no longer being the one marked (its ``identity`` changed).
    The journal then gets a new room id — a new id space on the server — and the marks
    of the ``purged`` and ``referred`` tables start again (the patients and courses are
    sent again under the new id, as its sessions point at them); what the server holds
    stays under the old id. A course is then on the server twice, under both ids, with the
    same ``uid``: the readers count it once.
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
                             [(t.name,) for t in TABLES if t.purged or t.referred])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True
    return False


def _waiting(conn: sqlite3.Connection, share_names: bool) -> int:
    waiting = 0
    for table in TABLES:
        if table.whole:
            rows, digest = _whole_rows(conn, table, share_names)
            waiting += len(rows) if digest is not None else 0
        else:
            waiting += conn.execute(f'SELECT count(*) FROM "{table.name}" WHERE id > ?',
                                    (_mark(conn, table),)).fetchone()[0]
    return waiting


def pending_count(journal_path: Path, *, share_names: bool = False) -> int:
    """Local rows not yet on the server (sessions still open count until they end; a
    patients table that changed counts whole)."""
    with _local(journal_path) as conn:
        _check_shapes(conn)
        return _waiting(conn, share_names)


def _upsert_sql(table: Table, staging: str) -> str:
    columns = ", ".join(f'"{c}"' for c in table.server_columns)
    key = ", ".join(("room_id", *table.key))
    if not table.mutable:
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


def _sync_whole(local: sqlite3.Connection, server: psycopg.Connection, table: Table, room: str,
                batch_rows: int, share_names: bool,
                on_batch: Callable[[str, int], None] | None) -> tuple[int, int]:
    """Send a :attr:`Table.whole` table when it changed; its digest after the last batch."""
    rows, digest = _whole_rows(local, table, share_names)
    if digest is None:
        return 0, 0
    batches = 0
    for start in range(0, len(rows), batch_rows):
        _send(server, table, room, rows[start:start + batch_rows])
        batches += 1
        if on_batch is not None:
            on_batch(table.name, len(rows[start:start + batch_rows]))
    local.execute(
        "INSERT INTO central_outbox (tbl, synced_through, shape, digest) VALUES (?, 0, ?, ?)"
        " ON CONFLICT (tbl) DO UPDATE SET shape = excluded.shape, digest = excluded.digest",
        (table.name, table.shape, digest))
    return len(rows), batches


def _sync_table(local: sqlite3.Connection, server: psycopg.Connection, journal: Journal,
                table: Table, room: str, batch_rows: int, share_names: bool,
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
            f'SELECT {table.select_list(share_names=share_names)}{open_col}'
            f' FROM "{table.name}"'
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
            _sync_table(local, server, journal, parent, room, batch_rows, share_names, None)
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
         share_names: bool = False,
         on_batch: Callable[[str, int], None] | None = None) -> SyncResult:
    """Copy everything the server lacks from the journal at ``journal_path`` to ``dsn``.

    Patients' display names and years of birth go only with ``share_names`` (the
    room setting ``central_share_names``); otherwise the server holds NULL for them.
    The server's ``rooms.name`` follows the journal's room name (:data:`ROOM_NAME_SQL`).
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
            _check_shapes(local)
            room = _room_id(local)
            latest = local.execute(ROOM_NAME_SQL).fetchone()
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
                    if table.whole:
                        count, done = _sync_whole(local, server, table, room, batch_rows,
                                                  share_names, on_batch)
                    else:
                        count, done = _sync_table(local, server, journal, table, room,
                                                  batch_rows, share_names, on_batch)
                    sent[table.name] = count
                    batches += done
            finally:
                journal.close()
    except psycopg.OperationalError as exc:
        raise CentralUnavailableError(error_line(exc)) from exc
    finally:
        server.close()
    return SyncResult(room, sent, batches, time.monotonic() - started)
