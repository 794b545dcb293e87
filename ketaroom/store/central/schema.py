"""The central server's schema: versioned, forward-only, created by ketaroom itself.

``ketaroom_schema`` holds one row, the version. :data:`MIGRATIONS` ``[n]`` moves a
database from version n to n + 1; all pending ones run in ONE transaction behind an
advisory lock, so two rooms starting at once migrate once and a failure leaves the
previous version intact. A server whose version is above :data:`SCHEMA_VERSION`
(a newer ketaroom migrated it) is refused before anything is written.

Everything here works with an ordinary role that owns the database (or holds CREATE
on its ``public`` schema): no superuser, no extensions. See docs/central-records.md.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ketaroom.core.dsn import hide_password_in

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "CentralError",
    "CentralSchemaError",
    "CentralUnavailableError",
    "check_server",
    "connect",
    "ensure_schema",
    "error_line",
    "server_version",
]

_LOCK_KEY = 0x6B657461  # "keta": pg_advisory_xact_lock key for migrations

_V1 = """
CREATE TABLE rooms (
    room_id uuid PRIMARY KEY,
    name text NOT NULL DEFAULT '',
    host text,
    first_sync timestamptz NOT NULL DEFAULT now(),
    last_sync timestamptz
);
CREATE TABLE sessions (
    id bigserial PRIMARY KEY,
    room_id uuid NOT NULL REFERENCES rooms (room_id),
    local_id bigint NOT NULL,
    preset text NOT NULL,
    preset_path text,
    preset_yaml text,
    room text NOT NULL DEFAULT '',
    patient_ref text,
    started_at text NOT NULL,
    ended_at text,
    status text NOT NULL,
    pid integer,
    host text,
    planned_s double precision,
    speed double precision NOT NULL DEFAULT 1.0,
    operator text,
    kind text NOT NULL DEFAULT 'clinical',
    UNIQUE (room_id, local_id)
);
CREATE INDEX sessions_patient ON sessions (patient_ref);
CREATE TABLE events (
    room_id uuid NOT NULL,
    session_local_id bigint NOT NULL,
    seq integer NOT NULL,
    local_id bigint NOT NULL,
    kind text NOT NULL,
    wall text NOT NULL,
    session_t double precision NOT NULL,
    phase_index integer,
    payload text NOT NULL DEFAULT '{}',
    refers_to bigint,
    PRIMARY KEY (room_id, session_local_id, seq),
    FOREIGN KEY (room_id, session_local_id) REFERENCES sessions (room_id, local_id)
);
CREATE TABLE audit (
    room_id uuid NOT NULL REFERENCES rooms (room_id),
    local_id bigint NOT NULL,
    wall text NOT NULL,
    "user" text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL DEFAULT '',
    PRIMARY KEY (room_id, local_id)
);
"""

_V2 = """
CREATE TABLE patients (
    room_id uuid NOT NULL REFERENCES rooms (room_id),
    local_id bigint NOT NULL,
    code text NOT NULL,
    display_name text,
    birth_year integer,
    created_at text NOT NULL,
    updated_at text,
    PRIMARY KEY (room_id, local_id)
);
CREATE INDEX patients_code ON patients (lower(code));
CREATE TABLE courses (
    id bigserial UNIQUE,
    room_id uuid NOT NULL REFERENCES rooms (room_id),
    local_id bigint NOT NULL,
    uid text NOT NULL,
    patient_local_id bigint NOT NULL,
    kind text NOT NULL,
    planned_sessions integer NOT NULL,
    spacing_days integer NOT NULL,
    started text NOT NULL,
    created_at text NOT NULL,
    PRIMARY KEY (room_id, local_id)
);
ALTER TABLE sessions ADD COLUMN patient_local_id bigint, ADD COLUMN course_local_id bigint,
    ADD COLUMN course_number integer;
CREATE INDEX sessions_room_patient ON sessions (room_id, patient_local_id);
CREATE VIEW clinic_patients AS
SELECT lower(code) AS key,
       (array_agg(code ORDER BY created_at::timestamptz, room_id, local_id))[1] AS code,
       (array_agg(display_name ORDER BY updated_at::timestamptz DESC NULLS LAST)
           FILTER (WHERE display_name IS NOT NULL OR birth_year IS NOT NULL))[1]
           AS display_name,
       (array_agg(birth_year ORDER BY updated_at::timestamptz DESC NULLS LAST)
           FILTER (WHERE display_name IS NOT NULL OR birth_year IS NOT NULL))[1]
           AS birth_year,
       (array_agg(created_at ORDER BY created_at::timestamptz))[1] AS created_at,
       count(*) AS rooms
FROM patients GROUP BY lower(code);
"""
"""Patients and courses (journal schema v5). ``patients`` holds each room's own row of a
patient (key: room id + local id); ``clinic_patients`` merges them into one per code
without regard to case: the spelling first created, the name and year of birth of the
room that changed them last (NULL unless a room shares them), the earliest creation.
``courses`` are each room's (a course is planned in one room); ``id`` is clinic-wide.
Sessions gain their room's patient and course ids and the number in the course."""

_V3_WORDS_KINDS_SQL = ("'note', 'note_correction', 'note_tags', 'cue', 'emergency',"
                       " 'reflection', 'adverse_event'")
"""The kinds whose words the server indexes (``events_words``) as v3 and v4 were shipped
with (their text never changes): the
:data:`~ketaroom.store.search_terms.SEARCHED_KINDS` of that version, which a test holds
to it."""

_V3 = f"""
CREATE FUNCTION ketaroom_event_words(payload text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    doc jsonb;
BEGIN
    BEGIN
        doc := payload::jsonb;
    EXCEPTION WHEN others THEN
        RETURN to_tsvector('simple', payload);
    END;
    IF jsonb_typeof(doc) <> 'object' THEN
        RETURN to_tsvector('simple', payload);
    END IF;
    RETURN to_tsvector('simple', coalesce(doc ->> 'text', '') || ' '
                       || coalesce(doc ->> 'prompt', '') || ' ' || coalesce(doc ->> 'tags', ''));
END
$$;
CREATE INDEX events_words ON events USING gin (ketaroom_event_words(payload))
    WHERE kind IN ({_V3_WORDS_KINDS_SQL});
"""
"""Full-text search of the clinic's records: the words of each note, cue prompt, tags,
emergency, reflection and adverse event (what a room's ``session_text`` holds), in a GIN
index on a tsvector expression (``simple`` configuration: no stemming, case ignored).
Built-in only: no extension, no superuser. A payload that is not a JSON object (a
hand-made record) has all its text indexed instead of failing the sync; that exception
block is a subtransaction, so the function is PARALLEL UNSAFE (the default): a parallel
plan calling it would fail."""

_COMBINING_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
"""The combining diacritical marks (PostgreSQL regular expression) folding removes."""

_V4 = f"""
DO $fold$
BEGIN
    IF current_setting('server_encoding') = 'UTF8'
            AND current_setting('server_version_num')::integer >= 130000 THEN
        EXECUTE $create$CREATE OR REPLACE FUNCTION ketaroom_fold(words text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
            AS $body$ SELECT regexp_replace(normalize(words, NFD),
                                            '{_COMBINING_MARKS}', '', 'g') $body$$create$;
    ELSE
        EXECUTE $create$CREATE OR REPLACE FUNCTION ketaroom_fold(words text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $body$ SELECT words $body$$create$;
    END IF;
END
$fold$;
DROP INDEX events_words;
CREATE OR REPLACE FUNCTION ketaroom_event_words(payload text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    doc jsonb;
BEGIN
    BEGIN
        doc := payload::jsonb;
    EXCEPTION WHEN others THEN
        RETURN to_tsvector('simple', ketaroom_fold(payload));
    END;
    IF jsonb_typeof(doc) <> 'object' THEN
        RETURN to_tsvector('simple', ketaroom_fold(payload));
    END IF;
    RETURN to_tsvector('simple', ketaroom_fold(
        coalesce(doc ->> 'text', '') || ' ' || coalesce(doc ->> 'prompt', '') || ' '
        || coalesce(doc ->> 'tags', '')));
END
$$;
CREATE INDEX events_words ON events USING gin (ketaroom_event_words(payload))
    WHERE kind IN ({_V3_WORDS_KINDS_SQL});
"""
"""Accents ignored, like a room's search (``Müller`` is found by ``muller``): the indexed
words are folded by ``ketaroom_fold`` (canonical decomposition, NFD, with the combining
marks removed: built-in ``normalize`` and ``regexp_replace``, no ``unaccent`` extension),
and a search folds its words with the same function. The index is rebuilt over what the
server holds. A server that cannot fold (PostgreSQL 12, or a database not in UTF-8) gets
a ``ketaroom_fold`` that changes nothing: its search ignores case only, as before."""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4]
"""``MIGRATIONS[n]`` upgrades the server from version n to n + 1 (never edit a shipped one)."""

SCHEMA_VERSION = len(MIGRATIONS)


class CentralError(Exception):
    """Base of the central records errors; ``str()`` is one line for the user."""


class CentralUnavailableError(CentralError):
    """The server cannot be reached or refuses us (away, wrong password, TLS)."""


class CentralSchemaError(CentralError):
    """The server's schema is newer than this ketaroom (nothing was written)."""


def connect(dsn: str, *, timeout_s: float = 5.0) -> psycopg.Connection:
    """A connection to ``dsn`` (libpq URI or key=value), or :class:`CentralUnavailableError`.

    The message is one line naming the cause (away, password, TLS) without the DSN's
    password. ``timeout_s`` applies unless the address sets its own ``connect_timeout``.
    """
    try:
        given = "connect_timeout" in conninfo_to_dict(dsn)
    except (psycopg.ProgrammingError, ValueError, TypeError) as exc:
        raise CentralUnavailableError("the records server address is not valid: "
                                      + hide_password_in(str(exc), dsn)) from exc
    timeout = {} if given else {"connect_timeout": max(1, round(timeout_s))}
    try:
        return psycopg.connect(dsn, **timeout)  # the address's own timeout wins
    except psycopg.Error as exc:
        raise CentralUnavailableError(error_line(exc)) from exc


def error_line(exc: BaseException) -> str:
    """The useful line of a libpq error (its first line, or the cause we recognise)."""
    text = str(exc).strip()
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return "the records server refused the user name or password"
    if "does not exist" in lowered and "database" in lowered:
        return "the records server has no such database"
    if "ssl" in lowered or "certificate" in lowered:
        first = next((line for line in text.splitlines() if line.strip()), text)
        return f"secure connection to the records server failed: {first.strip()}"
    if "refused" in lowered or "timeout" in lowered or "could not" in lowered:
        return "the records server is away (no answer)"
    first = next((line for line in text.splitlines() if line.strip()), text)
    return f"records server: {first.strip()}"


def server_version(conn: psycopg.Connection) -> int:
    """The server's schema version (0 for an empty database); reads only."""
    row = conn.execute("SELECT to_regclass('ketaroom_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    found = conn.execute("SELECT max(version) FROM ketaroom_schema").fetchone()
    return int(found[0] or 0) if found else 0


def ensure_schema(conn: psycopg.Connection) -> int:
    """Bring the server to :data:`SCHEMA_VERSION`; returns the version found before.

    Raises :class:`CentralSchemaError` (one line, nothing written) for a newer server.
    """
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            found = server_version(conn)
            if found > SCHEMA_VERSION:
                raise CentralSchemaError(
                    f"the records server has schema version {found}, newer than this "
                    f"ketaroom's {SCHEMA_VERSION}: update ketaroom in this room")
            if found == SCHEMA_VERSION:
                return found
            if found == 0:
                conn.execute("CREATE TABLE ketaroom_schema (version integer NOT NULL)")
                conn.execute("INSERT INTO ketaroom_schema (version) VALUES (0)")
            for version in range(found, SCHEMA_VERSION):
                conn.execute(MIGRATIONS[version])
                conn.execute("UPDATE ketaroom_schema SET version = %s", (version + 1,))
            return found
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CentralUnavailableError(
            "the records server's role may not create tables: see docs/central-records.md"
        ) from exc
    except psycopg.OperationalError as exc:
        raise CentralUnavailableError(error_line(exc)) from exc


def check_server(dsn: str) -> str:
    """Connect to ``dsn`` and say in words what was found (Room settings' *Test
    connection*); :class:`CentralError` with one line when it cannot be used."""
    conn = connect(dsn)
    try:
        found = server_version(conn)
        release = conn.info.server_version
        tls = " over TLS" if conn.pgconn.ssl_in_use else " (not encrypted)"
    except psycopg.Error as exc:
        raise CentralUnavailableError(error_line(exc)) from exc
    finally:
        conn.close()
    server = f"Connected{tls} to PostgreSQL {release // 10000}.{release % 10000}"
    if found > SCHEMA_VERSION:
        raise CentralSchemaError(
            f"{server}, but its records have schema version {found}, newer than this "
            f"ketaroom's {SCHEMA_VERSION}: update ketaroom in this room")
    if found == 0:
        return f"{server}: an empty database; the first sync creates the tables."
    if found < SCHEMA_VERSION:
        return (f"{server}: records of schema version {found}; the next sync upgrades them "
                f"to {SCHEMA_VERSION}.")
    return f"{server}: the clinic's records are there and up to date."
