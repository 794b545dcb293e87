"""Central records at clinic scale: the history view's *Clinic* search on the server.

Four rooms of 10,000 sessions each (40,000 sessions, five years of a four-room clinic;
``--quick``: 4 × 1,000) are made by the real :class:`~ketaroom.store.journal.Journal`
and filled straight through SQLite (:func:`tests.helpers.backlog.make_backlog`, 24
events a session: notes and cues among them), one session gets a reflection with a
phrase found nowhere else, and each room syncs through the real :func:`sync` into a
throw-away PostgreSQL 15 (:mod:`tests.helpers.postgres`, fsync off as in the tests).
Then, median of 5 through :meth:`CentralRecords.history` (what the history view runs
in *Clinic*): the newest 500 sessions; the phrase (1 hit); the phrase typed with accents
and its last word cut short (1 hit: accents folded, only the last word a prefix); a word
in every session's notes (newest 500 shown); a word in no session.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ketaroom.store.central.reader import CentralRecords
from ketaroom.store.central.sync import sync
from tests.helpers.backlog import make_backlog
from tests.helpers.postgres import missing_reason, running_server

TARGETS = {"search_s": 0.5, "history_s": 0.5}
ROOMS = ("A", "B", "C", "D")
EVENTS_PER_SESSION = 24
PHRASE = "lighthouse keeper"


def _median(action: Callable[[], object]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(5):
        began = time.monotonic()
        result = action()
        times.append(time.monotonic() - began)
    return round(statistics.median(times), 4), result


def _add_reflection(journal: Path, session_id: int) -> None:
    """The one session whose reflection holds :data:`PHRASE`."""
    conn = sqlite3.connect(journal)
    try:
        with conn:
            conn.execute(
                "INSERT INTO events (session_id, seq, kind, wall, session_t, phase_index,"
                " payload) SELECT ?, max(seq) + 1, 'reflection', max(wall), max(session_t),"
                " NULL, ? FROM events WHERE session_id = ?",
                (session_id, json.dumps({"text": f"The {PHRASE} waved at me"}), session_id))
    finally:
        conn.close()


def run(quick: bool = False) -> dict[str, Any]:
    reason = missing_reason()
    if reason is not None:
        raise RuntimeError(reason)
    per_room = 1_000 if quick else 10_000
    out: dict[str, Any] = {"sessions": per_room * len(ROOMS)}
    with tempfile.TemporaryDirectory() as tmp, running_server() as server:
        dsn = server.dsn()
        began = time.monotonic()
        events = 0
        for n, name in enumerate(ROOMS):
            room = Path(tmp) / f"room-{name}.sqlite3"
            events += make_backlog(room, sessions=per_room,
                                   events_per_session=EVENTS_PER_SESSION,
                                   room=f"Room {name}", patients=250)
            if n == 1:
                _add_reflection(room, per_room // 3)
            sync(room, dsn)
        out["events"] = events
        out["generate_and_sync_s"] = round(time.monotonic() - began, 1)
        with CentralRecords(dsn) as central:
            out["history_s"], rows = _median(lambda: central.history(limit=500))
            assert len(rows) == 500, len(rows)
            out["search_s"], rows = _median(
                lambda: central.history(search=f'"{PHRASE}"'))
            assert len(rows) == 1, len(rows)
            out["search_folded_s"], rows = _median(
                lambda: central.history(search='"lïghthöuse kee"'))
            assert len(rows) == 1, len(rows)
            out["search_common_s"], rows = _median(lambda: central.history(search="entry"))
            assert len(rows) == 500, len(rows)
            out["search_none_s"], rows = _median(lambda: central.history(search="zebra"))
            assert rows == [], len(rows)
    worst = max(out["search_s"], out["search_folded_s"], out["search_common_s"],
                out["search_none_s"])
    return {"central_search": {
        **out, "targets": TARGETS,
        "ok": worst <= TARGETS["search_s"] and out["history_s"] <= TARGETS["history_s"]}}
