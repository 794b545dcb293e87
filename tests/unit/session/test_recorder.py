"""The recorder never loses an entry: not even when the disk refuses the session's own row."""

from __future__ import annotations

from pathlib import Path

from ketaroom.session.recorder import RecorderHealth, SessionRecorder
from ketaroom.store.journal import Journal
from tests.helpers.fakes import phase, preset
from tests.helpers.waiting import wait_until


def full(journal: Journal, full: bool) -> None:
    """Simulate a full disk: no new page may be allocated (or lift it)."""
    conn = journal._conn
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages if full else 1_000_000}")


def test_entries_wait_in_memory_until_the_disk_takes_them(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "sessions.sqlite3")
    journal._conn.execute("PRAGMA journal_mode = DELETE")  # type: ignore[union-attr]
    full(journal, True)
    recorder = SessionRecorder(journal, synchronous=True)
    big = preset(phase("A", 60), name="x" * 200_000)  # the session row needs new pages
    assert recorder.begin(big, room="Room 1") is None
    first = recorder.record("note", session_t=1.0, payload={"text": "before"})
    recorder.record("note_correction", session_t=2.0, payload={"text": "fixed"},
                    refers_to=first)
    recorder.end("completed")
    health = recorder.health
    assert health.pending == 3 and health.error and "could not be recorded" in health.error
    full(journal, False)
    recorder._retry()
    assert recorder.health.pending == 0 and recorder.health.error is None
    assert recorder.session_id is not None
    events = journal.events(recorder.session_id)
    assert [e.kind for e in events] == ["note", "note_correction"]
    assert events[1].refers_to == events[0].id
    assert journal.session(recorder.session_id).status == "completed"
    recorder.close()
    journal.close()


def test_background_recorder_keeps_order(tmp_path: Path) -> None:
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        recorder = SessionRecorder(journal)
        session_id = recorder.begin(preset(phase("A", 60)), room="Room 1")
        for i in range(50):
            recorder.record("note", session_t=float(i), payload={"text": str(i)})
        assert recorder.flush(5.0)
        recorder.close()
        assert session_id is not None
        texts = [e.payload["text"] for e in journal.events(session_id)]
        assert texts == [str(i) for i in range(50)]


def test_background_recorder_reports_a_refusing_disk_at_once(tmp_path: Path) -> None:
    """What the window's banner hears: the first refused entry, not only the end."""
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        journal._conn.execute("PRAGMA journal_mode = DELETE")  # type: ignore[union-attr]
        heard: list[RecorderHealth] = []
        recorder = SessionRecorder(journal, on_health=heard.append)
        recorder.begin(preset(phase("A", 60)), room="Room 1")
        full(journal, True)
        recorder.record("note", session_t=1.0, payload={"text": "y" * 20_000})
        assert wait_until(lambda: any(h.pending for h in heard), 5.0)
        assert heard[-1].pending == 1 and heard[-1].error and "full" in heard[-1].error
        full(journal, False)
        recorder.record("note", session_t=2.0, payload={"text": "after"})
        assert wait_until(lambda: heard[-1].pending == 0, 5.0)
        assert heard[-1].error is None
        recorder.end("completed")
        assert recorder.flush(5.0)
        recorder.close()
        assert recorder.session_id is not None
        assert [e.session_t for e in journal.events(recorder.session_id)] == [1.0, 2.0]


PRESET_AS_LOADED = """\
name: Stored as it ran
phases:
  - name: Settle
    duration: 5m
"""


def test_the_stored_yaml_is_the_one_loaded_not_the_file_now(tmp_path: Path) -> None:
    """The file changes between loading and Start: the record keeps what was validated
    and runs (the preset's source text), not the file's new content."""
    from ketaroom.core.validation import load_preset

    path = tmp_path / "preset.yaml"
    path.write_text(PRESET_AS_LOADED, encoding="utf-8")
    loaded = load_preset(path).preset
    assert loaded is not None and loaded.source == PRESET_AS_LOADED
    path.write_text(PRESET_AS_LOADED.replace("5m", "50m"), encoding="utf-8")
    journal = Journal(tmp_path / "sessions.sqlite3")
    recorder = SessionRecorder(journal, synchronous=True)
    session_id = recorder.begin(loaded, room="Room 1")
    assert session_id is not None
    stored = journal.session(session_id)
    assert stored.preset_yaml == PRESET_AS_LOADED
    assert stored.preset_path == str(path)
    path.unlink()  # and a file gone by Start changes nothing either
    again = recorder_begin(journal, loaded)
    assert journal.session(again).preset_yaml == PRESET_AS_LOADED


def recorder_begin(journal: Journal, loaded) -> int:
    session_id = SessionRecorder(journal, synchronous=True).begin(loaded, room="Room 1")
    assert session_id is not None
    return session_id


def test_a_preset_built_in_code_stores_no_yaml(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "sessions.sqlite3")
    session_id = recorder_begin(journal, preset(phase("A", 60)))
    assert journal.session(session_id).preset_yaml is None
