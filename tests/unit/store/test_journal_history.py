"""``Journal.history``: the history's listing and search, done in SQL (clinic scale)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from ketaroom.store import journal_schema
from ketaroom.store.central import schema as central_schema
from ketaroom.store.journal import Journal
from ketaroom.store.patients import PatientStore
from ketaroom.store.record_schema import CueStart, DeviceError, Note, NoteTags, Reflection
from ketaroom.store.search_terms import SEARCHED_KINDS, SEARCHED_KINDS_SQL


def _start(journal: Journal, room: str, **kw: object) -> int:
    return journal.start_session(preset=f"IV {room}", preset_path=None,  # type: ignore[arg-type]
                                 preset_yaml=None, room=room, planned_s=600.0, **kw)


def test_history_lists_newest_first_with_counts_and_filters(tmp_path: Path) -> None:
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        patient = PatientStore(journal).ensure_patient("PT-0042")
        first = _start(journal, "Room 1", patient_id=patient.id)
        journal.append(first, DeviceError.kind, session_t=12.5,
                       payload=DeviceError("lights", "bridge down").to_payload())
        note = journal.append(first, Note.kind, session_t=20.0,
                              payload=Note("calm, 100% settled_in", ["dose"]).to_payload())
        journal.append(first, NoteTags.kind, session_t=21.0, refers_to=note,
                       payload=NoteTags(["ready"]).to_payload())
        journal.end_session(first, "completed")
        second = _start(journal, "Room 2")
        journal.append(second, CueStart.kind, session_t=3.0,
                       payload=CueStart(0, "Arrival", 0, "Baseline BP", "vitals").to_payload())
        PatientStore(journal).record(second, Reflection("the sea was warm"))
        journal.end_session(second, "stopped")
        rehearsal = _start(journal, "rehearse", kind="rehearsal")
        journal.end_session(rehearsal, "completed")

        rows = journal.history()
        assert [r.record.id for r in rows] == [second, first]
        assert (rows[1].actual_s, rows[1].incidents, rows[1].interruptions) == (21.0, 1, 0)
        assert rows[1].record.patient == "PT-0042"
        assert [r.record.id for r in journal.history(include_rehearsals=True)] == [
            rehearsal, second, first]
        assert [r.record.id for r in journal.history(limit=1)] == [second]
        assert [r.record.id for r in journal.history(patient="pt-0042")] == [first]

        def found(query: str) -> list[int]:
            return [r.record.id for r in journal.history(search=query)]

        assert found("baseline") == [second]          # a cue's prompt
        assert found("SEA warm") == [second]          # a reflection, every word
        assert found('"sea was"') == [second]         # a phrase
        assert found("ready") == [first]              # a note's tags
        assert found("pt-0042 calm") == [first]       # patient code and note text
        assert found("room") == [second, first]
        assert found("100%") == [first] and found("settled_in") == [first]
        assert found("50%") == [] and found("text") == []  # payload keys are not text
        assert found("stopped") == [second]


def test_search_ignores_accents_and_forgets_purged_sessions(tmp_path: Path) -> None:
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        sid = _start(journal, "Room 1")
        journal.append(sid, Note.kind, session_t=1.0, payload=Note("Café au lait").to_payload())
        journal.end_session(sid, "completed")
        assert [r.record.id for r in journal.history(search="cafe")] == [sid]
        with journal._write() as conn:  # as if it had been recorded long ago
            conn.execute("UPDATE sessions SET started_at = '2020-01-01T10:00:00+00:00'")
        assert journal.purge_older_than(365) == 1
        with journal._write() as conn:
            assert conn.execute("SELECT COUNT(*) FROM session_text").fetchone()[0] == 0
        assert journal.history(search="cafe") == []


_KINDS_IN = re.compile(r"\bkind IN \(([^)]*)\)")


@pytest.mark.parametrize("migrations", [journal_schema.MIGRATIONS, central_schema.MIGRATIONS],
                         ids=["room", "server"])
def test_the_searched_kinds_are_those_the_newest_migration_indexes(
        migrations: list[str]) -> None:
    """A room's ``session_text`` trigger and the server's partial index ``events_words``
    were shipped naming the searched kinds in their migrations' text, which never changes:
    ``SEARCHED_KINDS`` (what the server's query names) must still be what the newest one
    names. Changing the kinds is a new migration of both databases."""
    lists = [found for script in migrations for found in _KINDS_IN.findall(script)]
    assert lists and lists[-1] == SEARCHED_KINDS_SQL


def test_a_journal_indexes_the_words_of_the_searched_kinds(tmp_path: Path) -> None:
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        sid = _start(journal, "Room 1")
        for kind in SEARCHED_KINDS:
            journal.append(sid, kind, session_t=1.0, payload={"text": f"word{kind.value}"})
        journal.append(sid, DeviceError.kind, session_t=2.0,
                       payload={"text": "wordnotsearched"})
        with sqlite3.connect(journal.path) as raw:
            (text,) = raw.execute("SELECT text FROM session_text WHERE rowid = ?",
                                  (sid,)).fetchone()
    assert sorted(text.split()) == sorted(f"word{kind.value}" for kind in SEARCHED_KINDS)
