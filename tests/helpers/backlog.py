"""A synthetic backlog of one room: a journal made by the real Journal, rows inserted fast.

Sessions and events look like the app's (session_start, phases, notes, vitals,
music, session_end, ended sessions) but are written with ``executemany`` straight
into the tables, so a million events take seconds rather than hours of sessions.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ketaroom.store.journal import Journal

_KINDS = ("phase_start", "music", "light", "note", "vitals", "cue", "cue_ack")


def make_backlog(journal_path: Path, *, sessions: int, events_per_session: int,
                 room: str = "Room A", patients: int = 97,
                 first_day: datetime | None = None) -> int:
    """Add ``sessions`` ended sessions of ``events_per_session`` events; returns events added.

    Session n is patient ``P{n % patients:03d}``'s, so each patient has a course.
    """
    Journal(journal_path).close()  # created and migrated by the real class
    start = first_day or datetime(2021, 1, 4, 9, 0, tzinfo=timezone.utc)
    conn = sqlite3.connect(journal_path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        first = (conn.execute("SELECT coalesce(max(id), 0) FROM sessions").fetchone()[0]) + 1
        added = 0
        session_rows = []
        event_rows = []
        for n in range(sessions):
            sid = first + n
            began = start + timedelta(hours=4 * n)
            session_rows.append((
                sid, "demo-3min", f"{room} preset", began.isoformat(timespec="milliseconds"),
                (began + timedelta(hours=2)).isoformat(timespec="milliseconds"), "completed",
                7200.0, f"P{n % patients:03d}", room, "clinical"))
            for seq in range(1, events_per_session + 1):
                if seq == 1:
                    kind, payload = "session_start", {"preset": "demo-3min"}
                elif seq == events_per_session:
                    kind, payload = "session_end", {"status": "completed"}
                else:
                    kind = _KINDS[seq % len(_KINDS)]
                    payload = {"i": seq, "text": f"entry {seq} of session {sid}"}
                wall = (began + timedelta(seconds=seq)).isoformat(timespec="milliseconds")
                event_rows.append((sid, seq, kind, wall, float(seq), seq % 5,
                                   json.dumps(payload)))
                added += 1
        conn.executemany(
            "INSERT INTO sessions (id, preset, preset_path, started_at, ended_at, status,"
            " planned_s, patient_ref, room, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            session_rows)
        conn.executemany(
            "INSERT INTO events (session_id, seq, kind, wall, session_t, phase_index, payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", event_rows)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return added
