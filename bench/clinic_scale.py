"""Records at clinic scale: a synthetic journal of five years of four rooms (~40,000 sessions).

The journal is made by the real :class:`~ketaroom.store.journal.Journal` (schema, triggers,
indexes, WAL) and filled in seconds with bulk inserts done inside SQLite (the history's
full-text index filled afterwards by the very script of migration v7): sessions from a
recursive query (one every ~66 minutes of five years, four rooms, 5 % rehearsals, about
3,300 patients with a 12-session course each), then every session's events from a template
of a real session's entries (phases, cues and acknowledgements, music and light with the
devices' reports, vitals, notes with tags, dose, sedation, dissociation, PHQ-9, reflection,
follow-up, a device error in one session of eight) — ~100 events a session, ~4 million in
all. ``--quick``: 4,000 sessions.

Measured (median of 5, warm cache, a fresh ``Journal`` as the app opens it):

* ``history_s`` — :meth:`Journal.history`: the newest 500 clinical sessions with their
  counts (what the history view lists); ``history_all_s`` the same for every session;
* ``search_s`` — :meth:`Journal.history` searching a phrase of one session's reflection
  (the full-text index of every session's notes), ``search_common_s`` a word in every
  session's notes (the newest 500 of them listed);
* ``patients_s`` — :meth:`PatientStore.summaries` (``ketaroom patients --json``);
* ``course_report_s`` — a 12-session course report (load + PDF) of one patient;
* ``db_mb`` — the file's size (after a WAL checkpoint), and ``generate_s``.
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

SESSIONS, QUICK_SESSIONS = 40_000, 4_000
PATIENTS_PER_SESSION = 12
"""Sessions per patient: one 12-session course each."""
YEARS = 5
TARGETS = {"history_s": 1.0, "search_s": 0.2, "patients_s": 1.0, "course_report_s": 2.0}
RUNS = 5


def _template() -> list[tuple[str, float, int | None, dict[str, Any]]]:
    """(kind, session_t, phase_index, payload) of one session's entries (``{N}``: the id)."""
    from ketaroom.core.targets import LightTarget
    from ketaroom.store import record_schema as rs

    out: list[tuple[str, float, int | None, dict[str, Any]]] = []

    def add(entry: Any, t: float, phase: int | None) -> None:
        out.append((str(entry.kind), t, phase, entry.to_payload()))

    phases = [("Arrival", 300.0), ("Dose", 120.0), ("Journey", 2400.0), ("Return", 900.0),
              ("Integration", 600.0)]
    add(rs.SessionStart("IV ketamine 40 min", phases), 0.0, 0)
    add(rs.Phq9([2, 2, 1, 2, 1, 1, 1, 1, 0]), 0.0, 0)
    t = 0.0
    for index, (name, length) in enumerate(phases):
        add(rs.PhaseStart(index, name), t, index)
        for step in range(4):  # music and light changes with the devices' reports
            light = LightTarget(brightness_pct=40 - 5 * step, kelvin=2700, transition_s=5.0)
            add(rs.LightState(light), t + step * 60, index)
            add(rs.DeviceReport(rs.RecordKind.LIGHT, "light state sent",
                                {"health": "ok", **rs.light_fields(light)}), t + step * 60 + 1,
                index)
            add(rs.MusicPlan("journey.m3u", ["a.ogg", "b.ogg"], 40.0, 5.0), t + step * 60,
                index)
            add(rs.DeviceReport(rs.RecordKind.MUSIC, "playing",
                                rs.music_report_fields(40.0, 5.0, "a.ogg")), t + step * 60 + 1,
                index)
        for cue in range(3):
            add(rs.CueStart(index, name, cue, f"Check in ({name})", "vitals"), t + 30 + cue,
                index)
            add(rs.CueAck("RN"), t + 40 + cue, index)
            add(rs.VitalsReading(128 + cue * 6, 82, 74, 98), t + 45 + cue, index)
        add(rs.Note(f"Patient {{N}} {name.lower()}: calm, breathing slow", ["observation"],
                    "Dr A"), t + 100, index)
        t += length
    add(rs.Dose(35, "iv", 70.0), 320.0, 1)
    add(rs.Sedation(4), 1500.0, 2)
    add(rs.Dissociation(2), 1510.0, 2)
    add(rs.ReadyToLeave("RN"), t, 4)
    add(rs.Reflection("Session {N}: I am not my thoughts"), t, 4)
    add(rs.FollowUp("24h", 7, sleep="well"), t, 4)
    add(rs.SessionEnd("completed", 4, "Integration"), t, 4)
    return out


def generate(path: Path, sessions: int) -> float:
    """Fill a new journal at ``path`` with ``sessions`` sessions; the seconds it took."""
    from ketaroom.store.journal import Journal
    from ketaroom.store.journal_schema import MIGRATIONS, split_sql

    begin = time.perf_counter()
    Journal(path).close()  # the real schema, triggers and indexes
    patients = max(1, sessions // PATIENTS_PER_SESSION)
    spacing_s = YEARS * 365 * 86400 / sessions
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous = OFF")
    raw.execute("BEGIN")
    raw.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO patients (id, code, preferences, created_at, updated_at)"
        " SELECT i, printf('PT-%05d', i), '{}', '2021-01-01T08:00:00.000+00:00',"
        " '2021-01-01T08:00:00.000+00:00' FROM n", (patients,))
    raw.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO courses (id, uid, patient_id, kind, planned_sessions, spacing_days,"
        " started, created_at) SELECT i, printf('course-%05d', i), i, 'maintenance', ?, 7,"
        " '2021-01-01', '2021-01-01T08:00:00.000+00:00' FROM n", (patients, PATIENTS_PER_SESSION))
    raw.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO sessions (id, preset, room, started_at, ended_at, status, planned_s,"
        " speed, operator, kind, patient_id, course_id, course_number)"
        " SELECT i, 'IV ketamine 40 min', 'Room ' || (i % 4 + 1),"
        " strftime('%Y-%m-%dT%H:%M:%S.000+00:00', '2021-01-01 08:00:00', '+' ||"
        "  CAST(i * ? AS INTEGER) || ' seconds'),"
        " strftime('%Y-%m-%dT%H:%M:%S.000+00:00', '2021-01-01 08:00:00', '+' ||"
        "  CAST(i * ? + 4320 AS INTEGER) || ' seconds'), 'completed', 4320.0, 1.0, 'Dr A',"
        " CASE WHEN i % 20 = 0 THEN 'rehearsal' ELSE 'clinical' END,"
        " (i - 1) % ? + 1, (i - 1) % ? + 1,"
        " CASE WHEN i % 20 = 0 THEN NULL ELSE (i - 1) / ? + 1 END FROM n",
        (sessions, spacing_s, spacing_s, patients, patients, patients))
    # The search index is filled as migration v7 fills it for an existing journal (its
    # per-entry trigger is dropped meanwhile, then made again by the same script).
    raw.execute("DROP TRIGGER events_text_insert")
    raw.execute("CREATE TEMP TABLE template (n INTEGER, kind TEXT, session_t REAL,"
                " phase_index INTEGER, payload TEXT)")
    raw.executemany("INSERT INTO template VALUES (?, ?, ?, ?, ?)",
                    [(n + 1, kind, t, phase, json.dumps(payload, sort_keys=True))
                     for n, (kind, t, phase, payload) in enumerate(_template())])
    raw.execute(
        "INSERT INTO events (session_id, seq, kind, wall, session_t, phase_index, payload)"
        " SELECT s.id, t.n, t.kind, strftime('%Y-%m-%dT%H:%M:%S.000+00:00', s.started_at,"
        " '+' || CAST(t.session_t AS INTEGER) || ' seconds'), t.session_t, t.phase_index,"
        " replace(t.payload, '{N}', s.id) FROM sessions s CROSS JOIN template t"
        " ORDER BY s.id, t.n")
    error = json.dumps({"device": "lights", "message": "bridge did not answer",
                        "severity": "error"})
    raw.execute(
        "INSERT INTO events (session_id, seq, kind, wall, session_t, payload)"
        " SELECT id, 1000, 'device_error', started_at, 900.0, ? FROM sessions WHERE id % 8 = 0",
        (error,))
    for statement in split_sql(MIGRATIONS[6]):
        raw.execute(statement)
    raw.execute("COMMIT")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.execute("ANALYZE")
    raw.close()
    return time.perf_counter() - begin


def _median(action: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        begin = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - begin)
    return round(statistics.median(times), 4), result


def measure(path: Path) -> dict[str, Any]:
    from ketaroom.store.course_report import load_course, render_course_pdf
    from ketaroom.store.journal import Journal
    from ketaroom.store.patients import PatientStore

    out: dict[str, Any] = {}
    with Journal(path) as journal:
        store = PatientStore(journal)
        out["history_s"], rows = _median(lambda: journal.history(limit=500))
        out["history_rows"] = len(rows)  # type: ignore[arg-type]
        out["history_all_s"], rows = _median(lambda: journal.history(limit=None))
        out["history_all_rows"] = len(rows)  # type: ignore[arg-type]
        rare = f'"Session {out["history_all_rows"] // 3}:"'  # one session's reflection
        out["search_s"], rows = _median(lambda: journal.history(search=rare))
        out["search_hits"] = len(rows)  # type: ignore[arg-type]
        out["search_common_s"], _ = _median(lambda: journal.history(search="calm"))
        out["patients_s"], summaries = _median(
            lambda: [s.to_dict() for s in store.summaries()])
        out["patients"] = len(summaries)  # type: ignore[arg-type]
        code = journal._read(
            "SELECT p.code FROM patients p JOIN sessions s ON s.patient_id = p.id"
            " WHERE s.kind = 'clinical' GROUP BY p.id HAVING COUNT(*) >= ? LIMIT 1",
            (PATIENTS_PER_SESSION,))[0][0]

        def report() -> int:
            data, _ = render_course_pdf(load_course(journal, code))
            return len(data)

        out["course_sessions"] = len(store.sessions(code))
        out["course_report_s"], size = _median(report)
        out["course_report_kb"] = round(int(size) / 1024, 1)  # type: ignore[call-overload]
        out["sessions"] = len(journal.sessions())
        out["events"] = journal._read("SELECT COUNT(*) FROM events")[0][0]
    out["db_mb"] = round(path.stat().st_size / 1e6, 1)
    return out


def run(quick: bool) -> dict[str, Any]:
    sessions = QUICK_SESSIONS if quick else SESSIONS
    with tempfile.TemporaryDirectory(prefix="ketaroom-clinic-") as tmp:
        path = Path(tmp) / "sessions.sqlite3"
        generated = generate(path, sessions)
        figures = measure(path)
    return {"clinic_scale": {"generate_s": round(generated, 1), **figures,
                             "targets": TARGETS}}
