"""Central records: sync a years-long backlog of one room to a real PostgreSQL.

A journal is made by the real :class:`~ketaroom.store.journal.Journal` and filled
straight through SQLite (:func:`tests.helpers.backlog.make_backlog`): 10,000 sessions
of 100 events (1,000,000 events, five years of a busy room) or, with ``--quick``, 500
sessions / 50,000 events. A throw-away PostgreSQL 15 (:mod:`tests.helpers.postgres`,
fsync off as in the tests) receives it through the real :func:`sync`; then three more
rooms sync a tenth of that each, sharing patient codes, and the first 12 sessions of
one patient's course (across the four rooms) are read back from the server: sessions
and every event, as the export reads them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from ketaroom.store.central.reader import CentralRecords
from ketaroom.store.central.sync import sync
from tests.helpers.backlog import make_backlog
from tests.helpers.postgres import missing_reason, running_server

TARGETS = {"events_per_s": 20_000, "course_s": 2.0}
PATIENTS = 40
"""Patient codes per room: every patient then has a course of 12 or more sessions."""


def _db_size(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def run(quick: bool = False) -> dict[str, Any]:
    reason = missing_reason()
    if reason is not None:
        raise RuntimeError(reason)
    sessions = 500 if quick else 10_000
    per_session = 100
    with tempfile.TemporaryDirectory() as tmp, running_server() as server:
        dsn = server.dsn()
        made = time.monotonic()
        room = Path(tmp) / "room-a.sqlite3"
        events = make_backlog(room, sessions=sessions, events_per_session=per_session,
                              room="Room A", patients=PATIENTS)
        generated_s = time.monotonic() - made
        result = sync(room, dsn)
        assert result.sent["events"] == events, result.sent
        one_room = _db_size(dsn)
        for name in ("B", "C", "D"):
            other = Path(tmp) / f"room-{name}.sqlite3"
            make_backlog(other, sessions=sessions // 10, events_per_session=per_session,
                         room=f"Room {name}", patients=PATIENTS)
            sync(other, dsn)
        four_rooms = _db_size(dsn)
        began = time.monotonic()
        with CentralRecords(dsn) as central:
            course = [s for s in central.sessions() if s.patient_ref == "P001"][:12]
            course_events = sum(len(central.events(s.id)) for s in course)
        course_s = time.monotonic() - began
        rooms_in_course = len({s.room for s in course})
    rate = events / result.seconds
    return {
        "central_sync": {
            "sessions": sessions, "events": events, "generated_s": round(generated_s, 1),
            "total_s": round(result.seconds, 2), "events_per_s": round(rate),
            "batches": result.batches, "server_db_mb": round(one_room / 1e6, 1),
            "server_db_mb_four_rooms": round(four_rooms / 1e6, 1),
            "targets": {"events_per_s": TARGETS["events_per_s"]},
            "ok": rate >= TARGETS["events_per_s"],
        },
        "central_course": {
            "rooms": 4, "sessions_read": len(course), "rooms_in_course": rooms_in_course,
            "events_read": course_events, "course_s": round(course_s, 3),
            "targets": {"course_s": TARGETS["course_s"]},
            "ok": len(course) == 12 and course_s <= TARGETS["course_s"],
        },
    }
