"""BufferedJournalWriter: a failing disk never stops a session nor loses its events."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ketaroom.store.journal import Journal, JournalWriteError
from ketaroom.store.journal_buffer import BufferedJournalWriter

UNLIMITED_PAGES = 1073741823


def _session(j: Journal) -> int:
    return j.start_session(preset="IV", preset_path=None, preset_yaml=None, room="R", planned_s=600)


def _fill_disk(j: Journal) -> None:
    conn = j._db()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def _free_disk(j: Journal) -> None:
    j._db().execute(f"PRAGMA max_page_count = {UNLIMITED_PAGES}")


def test_writes_through_when_healthy(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = _session(j)
    w = BufferedJournalWriter(j)
    eid = w.append(sid, "note", session_t=1.0, payload={"text": "ok"})
    assert eid > 0 and w.pending_count == 0 and w.last_error is None
    assert j.events(sid)[0].id == eid
    j.close()


def test_disk_full_buffers_in_order_then_flushes(tmp_path: Path) -> None:
    """Runs as root too: the 'disk' is filled with PRAGMA max_page_count."""
    j = Journal(tmp_path / "s.sqlite3")
    sid = _session(j)
    changes: list[int] = []
    w = BufferedJournalWriter(j, on_change=lambda: changes.append(w.pending_count))
    w.append(sid, "phase_start", session_t=0, phase_index=0)
    _fill_disk(j)
    big = w.append(sid, "note", session_t=10, payload={"text": "long " * 5000, "tags": []})
    fix = w.append(sid, "note_correction", session_t=11, refers_to=big, payload={"text": "s"})
    vit = w.append(sid, "vitals", session_t=12, payload={"sys": 130, "dia": 85})
    w.end_session(sid, "completed")
    assert big < 0 and fix < 0 and vit < 0  # provisional ids
    assert w.pending_count == 4
    assert w.last_error and "full" in w.last_error
    assert w.retry() is False
    assert [e.kind for e in j.events(sid)] == ["phase_start"]
    assert j.session(sid).ended_at is None
    assert changes  # the UI was told

    _free_disk(j)
    after = w.append(sid, "note", session_t=20, payload={"text": "after"})
    assert after > 0
    assert w.pending_count == 0 and w.last_error is None
    events = j.events(sid)
    assert [e.kind for e in events] == [
        "phase_start",
        "note",
        "note_correction",
        "vitals",
        "note",
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    # the correction points at the real id of the note it corrects
    assert w.resolve(big) == events[1].id
    assert events[2].refers_to == events[1].id
    # wall time is when it happened, not when it was finally written
    assert events[1].wall_dt <= events[4].wall_dt
    assert j.session(sid).status == "completed"
    j.close()


def test_retry_flushes_without_new_event(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = _session(j)
    w = BufferedJournalWriter(j)
    _fill_disk(j)
    w.append(sid, "note", session_t=1, payload={"text": "y" * 30000})
    assert w.pending_count == 1
    _free_disk(j)
    assert w.retry() is True
    assert w.pending_count == 0
    assert len(j.events(sid)) == 1
    j.close()


def test_never_raises_on_programming_errors(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = _session(j)
    w = BufferedJournalWriter(j)
    w.append(9999, "note", session_t=1)  # unknown session: kept aside, reported
    ok = w.append(sid, "note", session_t=2)
    assert ok > 0 and w.pending_count == 0
    assert len(w.rejected) == 1
    j.close()


def test_closed_journal_does_not_raise(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = _session(j)
    w = BufferedJournalWriter(j)
    j.close()
    w.append(sid, "note", session_t=1)  # must not raise
    assert w.last_error


def _chmod_is_effective(folder: Path) -> bool:
    os.chmod(folder, 0o500)
    try:
        return not os.access(folder, os.W_OK)
    finally:
        os.chmod(folder, 0o700)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    if not _chmod_is_effective(folder):
        pytest.skip("running as root: permissions do not stop writes (disk-full test covers it)")
    path = folder / "sessions.sqlite3"
    j = Journal(path)
    sid = _session(j)
    j.append(sid, "note", session_t=1, payload={"text": "before"})
    j.close()
    os.chmod(path, 0o400)
    os.chmod(folder, 0o500)
    try:
        ro = Journal(path)  # opens for reading
        assert ro.read_only
        assert [e.payload["text"] for e in ro.events(sid)] == ["before"]
        with pytest.raises(JournalWriteError):
            ro.append(sid, "note", session_t=2)
        w = BufferedJournalWriter(ro)
        w.append(sid, "note", session_t=3, payload={"text": "during"})
        w.append(sid, "vitals", session_t=4, payload={"sys": 120, "dia": 80})
        assert w.pending_count == 2 and w.last_error
    finally:
        os.chmod(folder, 0o700)
        os.chmod(path, 0o600)
    assert w.retry() is True
    assert not ro.read_only
    assert [e.kind for e in ro.events(sid)] == ["note", "note", "vitals"]
    ro.close()
