"""The clinic-wide search on the server: its full-text index (schema version 3), what it
finds, and a server of version 2 upgraded by the next sync."""

from __future__ import annotations

from pathlib import Path

import psycopg

from ketaroom.store.central.reader import WORDS_MATCH, CentralRecords
from ketaroom.store.central.schema import SCHEMA_VERSION
from ketaroom.store.central.sync import sync
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from ketaroom.store.record_schema import CueStart, Note, Reflection


def _room(tmp_path: Path) -> Path:
    """Three sessions: a reflection, a note with punctuation, a cue prompt."""
    path = journal_path(tmp_path / "room")
    path.parent.mkdir()
    entries = [Reflection("The lighthouse keeper waved at me"),
               Note("Calm; SpO₂ 97 %, it's fine", ("dose",)),
               CueStart(0, "Onset", 0, "Sedation check (MOAA/S)", "vitals")]
    with Journal(path) as journal:
        for entry in entries:
            sid = journal.start_session(preset="IV 40", preset_path=None, preset_yaml=None,
                                        room="Room A", planned_s=2400.0)
            journal.append(sid, entry.kind, session_t=5.0, payload=entry.to_payload())
            journal.end_session(sid, "completed")
    return path


def _found(dsn: str, search: str) -> list[int]:
    with CentralRecords(dsn) as records:
        return sorted(row.record.id for row in records.history(search=search))


def test_words_are_found_by_prefix_and_phrase_through_the_index(
        tmp_path: Path, clinic_dsn: str) -> None:
    sync(_room(tmp_path), clinic_dsn)
    lighthouse, note, cue = _found(clinic_dsn, "room a")  # the room column: all three
    assert _found(clinic_dsn, "LIGHTHO") == [lighthouse]  # a word's beginning, any case
    assert _found(clinic_dsn, '"lighthouse keeper"') == [lighthouse]
    assert _found(clinic_dsn, '"keeper lighthouse"') == []  # a phrase keeps its order
    assert _found(clinic_dsn, "house") == []  # words begin where they begin
    assert _found(clinic_dsn, "spo₂ it's") == [note]
    assert _found(clinic_dsn, "dose") == [note]  # its tags
    assert _found(clinic_dsn, "moaa/s") == [cue]  # a cue's prompt
    for odd in ("a & b | !c", "—", "'", "\\", "%_", "text"):  # never syntax; no JSON keys
        assert _found(clinic_dsn, odd) == []
    with psycopg.connect(clinic_dsn) as conn:  # the partial index answers the match
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            f"EXPLAIN {WORDS_MATCH}", ("'lighthouse':*",)))
    assert "events_words" in plan, plan


def test_a_version_2_server_is_upgraded_and_indexes_what_it_already_holds(
        tmp_path: Path, clinic_dsn: str) -> None:
    room = _room(tmp_path)
    sync(room, clinic_dsn)
    with psycopg.connect(clinic_dsn) as conn:  # as an older ketaroom left it
        conn.execute("DROP INDEX events_words")
        conn.execute("DROP FUNCTION ketaroom_event_words(text)")
        conn.execute("UPDATE ketaroom_schema SET version = 2")
    assert sync(room, clinic_dsn).sent["events"] == 0
    with psycopg.connect(clinic_dsn) as conn:
        assert conn.execute("SELECT version FROM ketaroom_schema").fetchall() == [
            (SCHEMA_VERSION,)]
    assert len(_found(clinic_dsn, "lighthouse")) == 1
