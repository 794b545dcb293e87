"""The SQLite session journal: records, durability, schema, status, corruption, purge."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ketaroom.store import paths
from ketaroom.store.journal import (
    Journal,
    JournalCorruptError,
    JournalError,
    JournalVersionError,
    JournalWriteError,
)
from ketaroom.store.journal_schema import MIGRATIONS, SCHEMA_VERSION


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "sessions.sqlite3")
    yield j
    j.close()


def _start(j: Journal, **kw: object) -> int:
    args: dict[str, object] = {
        "preset": "IV infusion 40 min",
        "preset_path": "/presets/iv.yaml",
        "preset_yaml": "name: IV infusion 40 min\n",
        "room": "Room 1",
        "planned_s": 2400.0,
    }
    args.update(kw)
    return j.start_session(**args)  # type: ignore[arg-type]


def test_create_append_read(journal: Journal) -> None:
    sid = _start(journal, patient_ref="PT-1", operator="dr-a", speed=1.0)
    first = journal.append(sid, "session_start", session_t=0.0, payload={"preset": "x"})
    note = journal.append(
        sid, "note", session_t=61.5, phase_index=0, payload={"text": "calm ✓", "tags": ["obs"]}
    )
    fix = journal.append(
        sid, "note_correction", session_t=70, payload={"text": "very calm"}, refers_to=note
    )
    assert first < note < fix
    record = journal.session(sid)
    assert record.preset == "IV infusion 40 min"
    assert record.patient_ref == "PT-1"
    assert record.operator == "dr-a"
    assert record.status == "running"
    assert record.pid == os.getpid()
    assert datetime.fromisoformat(record.started_at).tzinfo is not None
    events = journal.events(sid)
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.kind for e in events] == ["session_start", "note", "note_correction"]
    assert events[1].payload == {"text": "calm ✓", "tags": ["obs"]}
    assert events[1].phase_index == 0 and events[1].session_t == 61.5
    assert events[2].refers_to == note
    assert events[1].wall_dt.tzinfo is not None
    assert events[1].to_dict()["payload"]["tags"] == ["obs"]


def test_explicit_wall_kept_and_naive_wall_gets_local_zone(journal: Journal) -> None:
    sid = _start(journal)
    aware = datetime(2025, 3, 1, 10, 0, 5).astimezone()
    journal.append(sid, "note", session_t=1, wall=aware)
    journal.append(sid, "note", session_t=2, wall=datetime(2025, 3, 1, 10, 0, 6))
    walls = [e.wall_dt for e in journal.events(sid)]
    assert walls[0] == aware
    assert walls[1].tzinfo is not None


def test_end_session_statuses(journal: Journal) -> None:
    done = _start(journal)
    stopped = _start(journal)
    journal.end_session(done, "completed")
    journal.end_session(stopped, "stopped")
    journal.end_session(stopped, "completed")  # a second end is ignored
    by_id = {s.id: s for s in journal.sessions()}
    assert by_id[done].status == "completed" and by_id[done].ended_at
    assert by_id[stopped].status == "stopped"
    with pytest.raises(ValueError):
        journal.end_session(done, "finished")
    with pytest.raises(KeyError):
        journal.end_session(999, "completed")


def test_events_are_append_only(journal: Journal) -> None:
    sid = _start(journal)
    journal.append(sid, "note", session_t=1, payload={"text": "original"})
    raw = sqlite3.connect(journal.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE events SET payload = '{}'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM events")
    raw.close()
    assert journal.events(sid)[0].payload["text"] == "original"


def test_bad_references_refused(journal: Journal) -> None:
    sid = _start(journal)
    other = _start(journal)
    foreign = journal.append(other, "note", session_t=1)
    with pytest.raises(JournalError):
        journal.append(sid, "note_correction", session_t=2, refers_to=foreign)
    with pytest.raises(JournalError):
        journal.append(sid, "note_correction", session_t=2, refers_to=12345)
    with pytest.raises(JournalError):
        journal.append(4242, "note", session_t=1)
    assert journal.events(sid) == []


def test_durable_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    j = Journal(path)
    sid = _start(j)
    for i in range(20):
        j.append(sid, "vitals", session_t=i * 60, payload={"sys": 120 + i, "dia": 80})
    j.close()
    again = Journal(path)
    assert len(again.events(sid)) == 20
    assert again.events(sid)[-1].payload["sys"] == 139
    again.close()


def test_append_survives_process_death_without_close(tmp_path: Path) -> None:
    """A child appends and dies at once (no close, no atexit): the events are there."""
    path = tmp_path / "sessions.sqlite3"
    code = (
        "import os, sys\n"
        "from ketaroom.store.journal import Journal\n"
        "j = Journal(sys.argv[1])\n"
        "sid = j.start_session(preset='p', preset_path=None, preset_yaml=None, room='r',"
        " planned_s=60)\n"
        "j.append(sid, 'note', session_t=3.0, payload={'text': 'last words'})\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=_repo_root())
    j = Journal(path)
    [session] = j.sessions()
    assert [e.payload.get("text") for e in j.events(session.id)] == ["last words"]
    j.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_file_modes(tmp_path: Path) -> None:
    folder = paths.data_dir(tmp_path / "data")
    j = Journal(paths.journal_path(folder))
    sid = _start(j)
    j.append(sid, "note", session_t=1)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("sessions.sqlite3", "sessions.sqlite3-wal", "sessions.sqlite3-shm"):
        target = folder / name
        assert target.exists(), name
        assert stat.S_IMODE(target.stat().st_mode) == 0o600, name
    j.close()


def test_wal_and_full_sync(journal: Journal) -> None:
    conn = journal._db()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_user_version_set(journal: Journal) -> None:
    assert journal.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    raw = sqlite3.connect(journal.path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_migration_from_v0_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE leftover (x)")  # a real SQLite file at user_version 0
    raw.commit()
    raw.close()
    j = Journal(path)
    assert j.schema_version == SCHEMA_VERSION
    sid = _start(j, operator="op")
    j.append(sid, "note", session_t=1)
    assert j.session(sid).operator == "op"
    j.close()


def test_migration_from_v1_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    raw = sqlite3.connect(path)
    raw.executescript(MIGRATIONS[0])
    raw.execute(
        "INSERT INTO sessions (preset, room, started_at, status, pid, host, planned_s, speed)"
        " VALUES ('old preset', 'R', '2024-01-02T10:00:00+01:00', 'completed', 1, 'h', 60, 1)"
    )
    raw.execute("UPDATE sessions SET ended_at = '2024-01-02T10:01:00+01:00'")
    raw.execute(
        "INSERT INTO events (session_id, seq, kind, wall, session_t, payload)"
        " VALUES (1, 1, 'note', '2024-01-02T10:00:30+01:00', 30, '{\"text\": \"hi\"}')"
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    j = Journal(path)
    assert j.schema_version == SCHEMA_VERSION
    old = j.session(1)
    assert old.preset == "old preset" and old.status == "completed" and old.operator is None
    [event] = j.events(1)
    assert event.payload == {"text": "hi"} and event.refers_to is None
    j.append(1, "note_correction", session_t=40, refers_to=event.id, payload={"text": "hello"})
    j.audit("tester", "migrated")
    assert j.audit_entries()[-1]["action"] == "migrated"
    j.close()


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.commit()
    raw.close()
    with pytest.raises(JournalVersionError):
        Journal(path)
    # and open_or_recover does not treat it as damage
    with pytest.raises(JournalVersionError):
        Journal.open_or_recover(path)
    assert path.exists()


def test_status_running_completed_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    j = Journal(path)
    mine = _start(j)
    done = _start(j)
    j.end_session(done, "completed")
    code = (
        "import os, sys\n"
        "from ketaroom.store.journal import Journal\n"
        "j = Journal(sys.argv[1])\n"
        "sid = j.start_session(preset='crashy', preset_path=None, preset_yaml=None,"
        " room='r', planned_s=60)\n"
        "j.append(sid, 'phase_start', session_t=0, phase_index=0)\n"
        "j.append(sid, 'note', session_t=12.5, payload={'text': 'before crash'})\n"
        "print(sid, flush=True)\n"
        "sys.stdin.readline()\n"  # wait until the parent has looked
        "os._exit(1)\n"  # crash: no end_session, no close
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=_repo_root(),
    )
    assert child.stdout is not None and child.stdin is not None
    crashed = int(child.stdout.readline())
    assert j.session(crashed).status == "running"  # its process is alive
    assert crashed not in [s.id for s in j.interrupted_sessions()]
    child.stdin.write("\n")
    child.stdin.close()
    child.wait(timeout=30)
    statuses = {s.id: s.status for s in j.sessions()}
    assert statuses == {mine: "running", done: "completed", crashed: "interrupted"}
    assert [s.id for s in j.interrupted_sessions()] == [crashed]
    j.close()


def test_close_interrupted_and_resume(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    j = Journal(path)
    sid = _start(j)
    j.append(sid, "note", session_t=42.0)
    other = _start(j)
    # Pretend both were started by a process that has since died.
    raw = sqlite3.connect(path)
    raw.execute("UPDATE sessions SET pid = ?", (_dead_pid(),))
    raw.commit()
    raw.close()
    assert {s.id for s in j.interrupted_sessions()} == {sid, other}
    j.close_interrupted(sid)
    closed = j.session(sid)
    assert closed.status == "interrupted" and closed.ended_at is not None
    last = j.events(sid)[-1]
    assert last.kind == "session_end" and last.session_t == 42.0
    assert last.payload["status"] == "interrupted"
    j.resume_session(other, session_t=10.0)
    assert j.session(other).status == "running"
    assert j.events(other)[-1].kind == "resume"
    assert [s.id for s in j.interrupted_sessions()] == []
    with pytest.raises(JournalError):
        j.close_interrupted(other)  # running again: not closable
    j.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_reused_pid_is_not_mistaken_for_the_session(tmp_path: Path) -> None:
    """A live process that merely got the same pid is not the session's owner."""
    j = Journal(tmp_path / "sessions.sqlite3")
    sid = _start(j)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        raw = sqlite3.connect(j.path)
        raw.execute("UPDATE sessions SET pid = ? WHERE id = ?", (sleeper.pid, sid))
        raw.commit()
        raw.close()
        assert j.session(sid).status == "interrupted"
    finally:
        sleeper.kill()
        sleeper.wait()
    j.close()


def test_wall_clock_jump_does_not_end_a_running_session(journal: Journal) -> None:
    sid = _start(journal)
    raw = sqlite3.connect(journal.path)
    raw.execute("UPDATE sessions SET started_at = '2001-01-01T00:00:00+00:00'")
    raw.commit()
    raw.close()
    assert journal.session(sid).status == "running"


def test_rows_without_process_token_fall_back_to_pid(journal: Journal) -> None:
    alive = _start(journal)
    dead = _start(journal)
    raw = sqlite3.connect(journal.path)
    raw.execute("UPDATE sessions SET proc_token = NULL")
    raw.execute("UPDATE sessions SET pid = ? WHERE id = ?", (_dead_pid(), dead))
    raw.commit()
    raw.close()
    assert journal.session(alive).status == "running"
    assert journal.session(dead).status == "interrupted"


def test_other_host_is_interrupted(journal: Journal) -> None:
    sid = _start(journal)
    raw = sqlite3.connect(journal.path)
    raw.execute("UPDATE sessions SET host = 'another-machine'")
    raw.commit()
    raw.close()
    assert journal.session(sid).status == "interrupted"


def test_corrupt_file_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    garbage = b"\x00\xffthis is not sqlite\x13\x37" * 500
    path.write_bytes(garbage)
    with pytest.raises(JournalCorruptError):
        Journal(path)
    j, message = Journal.open_or_recover(path)
    assert message and "damaged" in message
    aside = sorted(tmp_path.glob("sessions.sqlite3.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes() == garbage  # kept unchanged
    assert str(aside[0]) in message
    sid = _start(j)
    j.append(sid, "note", session_t=1)
    assert j.audit_entries()[0]["action"] == "journal_recovered"
    j.close()
    # A second damaged file right away never overwrites the first one.
    path.unlink()
    for extra in tmp_path.glob("sessions.sqlite3-*"):
        extra.unlink()
    path.write_bytes(b"more garbage" * 400)
    j2, message2 = Journal.open_or_recover(path)
    assert message2
    kept = sorted(tmp_path.glob("sessions.sqlite3.corrupt-*"))
    assert len(kept) == 2
    assert garbage in {p.read_bytes() for p in kept}
    j2.close()


def test_damaged_pages_detected(tmp_path: Path) -> None:
    """A file with a valid header but scribbled pages fails quick_check and is set aside."""
    path = tmp_path / "sessions.sqlite3"
    j = Journal(path)
    sid = _start(j)
    for i in range(300):
        j.append(sid, "note", session_t=i, payload={"text": "x" * 200})
    j.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, min(len(data), page * 6)):
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    j2, message = Journal.open_or_recover(path)
    assert message is not None
    assert list(tmp_path.glob("sessions.sqlite3.corrupt-*"))
    assert j2.sessions() == []
    j2.close()


def test_healthy_file_not_touched_by_recover(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    j = Journal(path)
    _start(j)
    j.close()
    j2, message = Journal.open_or_recover(path)
    assert message is None and len(j2.sessions()) == 1
    assert not list(tmp_path.glob("*.corrupt-*"))
    j2.close()


def test_unwritable_location_raises_write_error(tmp_path: Path) -> None:
    """Works as root too: the parent of the journal is a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(JournalWriteError):
        Journal(blocker / "sessions.sqlite3")


def test_disk_full_raises_write_error_then_recovers(journal: Journal) -> None:
    sid = _start(journal)
    conn = journal._db()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the "disk" is now full
    with pytest.raises(JournalWriteError, match="full"):
        journal.append(sid, "note", session_t=1, payload={"text": "x" * 50_000})
    conn.execute("PRAGMA max_page_count = 1073741823")
    journal.append(sid, "note", session_t=2, payload={"text": "fits"})
    assert [e.session_t for e in journal.events(sid)] == [2.0]
    assert [e.seq for e in journal.events(sid)] == [1]


def test_concurrent_appends_from_threads(journal: Journal) -> None:
    sid = _start(journal)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                journal.append(sid, "light", session_t=i, payload={"thread": n})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = [e.seq for e in journal.events(sid)]
    assert seqs == list(range(1, 101))


def test_purge_older_than(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    j = Journal(path)
    old = _start(j, patient_ref="PT-OLD")
    note = j.append(old, "note", session_t=1, payload={"text": "SECRET-OLD-NOTE-4711"})
    j.append(old, "note_correction", session_t=2, refers_to=note, payload={"text": "fix"})
    j.end_session(old, "completed")
    old_running = _start(j)  # old but still running: never purged
    recent = _start(j)
    j.append(recent, "note", session_t=1)
    j.end_session(recent, "completed")
    raw = sqlite3.connect(path)
    long_ago = (datetime.now().astimezone() - timedelta(days=400)).isoformat()
    raw.execute(
        "UPDATE sessions SET started_at = ? WHERE id IN (?, ?)", (long_ago, old, old_running)
    )
    raw.commit()
    raw.close()
    with pytest.raises(ValueError):
        j.purge_older_than(-1)
    assert j.purge_older_than(365) == 1
    assert [s.id for s in j.sessions()] == [old_running, recent]
    assert j.events(old) == []
    assert len(j.events(recent)) == 1
    entry = j.audit_entries()[-1]
    assert entry["action"] == "purge" and str(old) in entry["detail"]
    assert j.purge_older_than(365) == 0
    j.close()
    # secure_delete: the purged text is not left behind in the file.
    assert b"SECRET-OLD-NOTE-4711" not in path.read_bytes()


def test_session_records_to_dict(journal: Journal) -> None:
    sid = _start(journal)
    record = journal.session(sid)
    d = record.to_dict()
    assert d["id"] == sid and d["status"] == "running" and "preset_yaml" in d
    assert "preset_yaml" not in record.to_dict(with_yaml=False)
    with pytest.raises(KeyError):
        journal.session(sid + 100)


def test_closed_journal_raises(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    j.close()
    with pytest.raises(JournalError):
        j.sessions()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[3]
