"""The journal's SQLite schema and its forward-only migrations.

``MIGRATIONS[n]`` is the SQL script that upgrades a ``sessions.sqlite3`` from
``PRAGMA user_version`` n to n + 1; :data:`SCHEMA_VERSION` is the version this ketaroom
writes. Kept apart from :class:`~ketaroom.store.journal.Journal` (which opens the file,
refuses one from a newer ketaroom and calls :func:`upgrade`) so that the shape of the
records reads in one place, and so that a tool building a journal by hand
(``bench/clinic_scale.py``) can replay a migration without a :class:`Journal`.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "split_sql", "upgrade"]

_V1 = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    preset TEXT NOT NULL,
    preset_path TEXT,
    preset_yaml TEXT,
    room TEXT NOT NULL DEFAULT '',
    patient_ref TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    pid INTEGER,
    host TEXT,
    planned_s REAL,
    speed REAL NOT NULL DEFAULT 1.0
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    wall TEXT NOT NULL,
    session_t REAL NOT NULL,
    phase_index INTEGER,
    payload TEXT NOT NULL DEFAULT '{}',
    UNIQUE (session_id, seq)
);
"""

_V2 = """
ALTER TABLE sessions ADD COLUMN operator TEXT;
ALTER TABLE events ADD COLUMN refers_to INTEGER REFERENCES events(id);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    wall TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS purge_permit (token INTEGER);
CREATE INDEX IF NOT EXISTS events_refers_to ON events(refers_to);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only (delete only by retention purge)');
END;
"""

_V3 = """
ALTER TABLE sessions ADD COLUMN proc_token TEXT;
"""
"""``proc_token`` identifies the owning process across pid reuse and reboots (Linux:
``<boot_id>:<process start ticks>``; NULL where unknown)."""

_V4 = """
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'clinical'
    CHECK (kind IN ('clinical', 'rehearsal'));
UPDATE sessions SET kind = 'rehearsal' WHERE room = 'rehearse' OR operator = 'rehearse';
"""
"""``kind``: ``clinical`` (run from the window) or ``rehearsal`` (``ketaroom rehearse``).
Sessions recorded before the column existed are classified by what rehearse has always
written: room ``rehearse`` (every version) or operator ``rehearse`` (later versions)
marks a rehearsal; every other session was run from the window and is ``clinical``."""

_V5 = """
CREATE TABLE IF NOT EXISTS patients (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT,
    birth_year INTEGER,
    preferences TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS courses (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    kind TEXT NOT NULL CHECK (kind IN ('induction', 'maintenance', 'esketamine_rems')),
    planned_sessions INTEGER NOT NULL CHECK (planned_sessions >= 1),
    spacing_days INTEGER NOT NULL CHECK (spacing_days >= 0),
    started TEXT NOT NULL,
    created_at TEXT NOT NULL
);
ALTER TABLE sessions ADD COLUMN patient_id INTEGER REFERENCES patients(id);
ALTER TABLE sessions ADD COLUMN course_id INTEGER REFERENCES courses(id);
ALTER TABLE sessions ADD COLUMN course_number INTEGER;
CREATE INDEX IF NOT EXISTS sessions_patient ON sessions(patient_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_course ON sessions(course_id, kind);
CREATE INDEX IF NOT EXISTS sessions_kind_started ON sessions(kind, started_at);
CREATE INDEX IF NOT EXISTS courses_patient ON courses(patient_id);
"""
"""Patients and their courses of care (see :mod:`ketaroom.store.patients`). ``patients``:
a pseudonymous ``code`` unique without regard to case (the natural key), optional name
and year of birth, ``preferences`` (JSON). ``courses``: ``uid`` (natural key), kind,
plan. A session links to its patient and course; ``course_number`` counts the course's
clinical sessions (1, 2, …; rehearsals have none). Every earlier record is kept as it was:
the new columns are NULL for sessions recorded before."""

_V6 = """
CREATE INDEX IF NOT EXISTS events_session_kind ON events(session_id, kind);
"""
"""For the history at clinic scale (tens of thousands of sessions, millions of events): a
session's entries of some kinds (notes and prompts searched, incidents counted) without
reading all its events."""

_TEXT_OF_NEW = """CASE WHEN json_valid(NEW.payload) THEN
        COALESCE(json_extract(NEW.payload, '$.text'), '') || ' ' ||
        COALESCE(json_extract(NEW.payload, '$.prompt'), '') || ' ' ||
        COALESCE(json_extract(NEW.payload, '$.tags'), '')
    ELSE NEW.payload END"""
_V7_TEXT_KINDS_SQL = ("'note', 'note_correction', 'note_tags', 'cue', 'emergency',"
                      " 'reflection', 'adverse_event'")
"""The searched kinds as v7 was shipped with (its text never changes): the
:data:`~ketaroom.store.search_terms.SEARCHED_KINDS` of that version, which a test holds
to it."""

_V7 = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS session_text USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO session_text (rowid, text)
    SELECT session_id, group_concat({_TEXT_OF_NEW.replace("NEW.", "")}, ' ') FROM events
    WHERE kind IN ({_V7_TEXT_KINDS_SQL}) GROUP BY session_id;
CREATE TRIGGER IF NOT EXISTS events_text_insert AFTER INSERT ON events
WHEN NEW.kind IN ({_V7_TEXT_KINDS_SQL})
BEGIN
    INSERT OR REPLACE INTO session_text (rowid, text) VALUES (NEW.session_id,
        COALESCE((SELECT text FROM session_text WHERE rowid = NEW.session_id) || ' ', '')
        || {_TEXT_OF_NEW});
END;
CREATE TRIGGER IF NOT EXISTS sessions_text_delete AFTER DELETE ON sessions
BEGIN
    DELETE FROM session_text WHERE rowid = OLD.id;
END;
"""
"""The words of each session's notes, prompts, tags, reflections and adverse events, one
full-text row per session (SQLite FTS5, ``rowid`` = session id; kept by triggers, filled
from every earlier event), so the history search does not read millions of events."""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7]
"""``MIGRATIONS[n]`` upgrades a file from ``user_version`` n to n + 1."""

SCHEMA_VERSION = len(MIGRATIONS)


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Run the migrations from ``version`` up to :data:`SCHEMA_VERSION` on ``conn``
    (autocommit mode), each step in its own transaction, ``user_version`` set with it."""
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_sql(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1


def split_sql(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner ``;``)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
