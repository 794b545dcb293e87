"""The clinic-wide search on the server: its full-text index (schema version 3, accents
folded since version 4), what it finds — as a room's own search finds it — and older
servers upgraded by the next sync."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import psycopg

from ketaroom.store.central.reader import WORDS_MATCH, CentralRecords, words_query
from ketaroom.store.central.schema import MIGRATIONS, SCHEMA_VERSION
from ketaroom.store.central.sync import sync
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from ketaroom.store.record_schema import CueStart, Note, Reflection

ENTRIES = [Reflection("The lighthouse keeper waved at me"),
           Note("Calm; SpO₂ 97 %, it's fine", ("dose",)),
           CueStart(0, "Onset", 0, "Sedation check (MOAA/S)", "vitals")]
"""Three sessions: a reflection, a note with punctuation, a cue prompt."""
ACCENTED = [Note("Frau Müller fühlte sich ruhig"),
            Note(unicodedata.normalize("NFD", "Café crème, then José slept")),  # decomposed
            Reflection("ÉTÉ À LA MER — Łódź"),
            Note("Muller came by")]
"""Four more: accents composed, decomposed, in capitals, a letter without a decomposition
(``ł``), and the same name without its accent."""


def _room(tmp_path: Path, entries: list = ENTRIES) -> Path:
    """A room whose sessions each hold one of ``entries`` (preset ``S1``, ``S2``…)."""
    path = journal_path(tmp_path / "room")
    path.parent.mkdir()
    with Journal(path) as journal:
        for n, entry in enumerate(entries, 1):
            sid = journal.start_session(preset=f"S{n}", preset_path=None, preset_yaml=None,
                                        room="Room A", planned_s=2400.0)
            journal.append(sid, entry.kind, session_t=5.0, payload=entry.to_payload())
            journal.end_session(sid, "completed")
    return path


def _found(dsn: str, search: str) -> list[int]:
    with CentralRecords(dsn) as records:
        return sorted(row.record.id for row in records.history(search=search))


def _presets(rows: list) -> list[str]:
    return sorted(row.record.preset for row in rows)


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
    query, words = words_query("lighthouse kee")
    with psycopg.connect(clinic_dsn) as conn:  # the partial index answers the match
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN {WORDS_MATCH}{query}", words))
    assert "events_words" in plan, plan


def test_in_a_phrase_only_the_last_word_is_a_prefix(tmp_path: Path, clinic_dsn: str) -> None:
    sync(_room(tmp_path), clinic_dsn)
    [lighthouse] = _found(clinic_dsn, "lighthouse")
    assert _found(clinic_dsn, '"lighthouse kee"') == [lighthouse]
    assert _found(clinic_dsn, '"lightho keeper"') == []  # a whole word before the last
    assert _found(clinic_dsn, '"the lighthouse keeper waved"') == [lighthouse]
    assert _found(clinic_dsn, '"it\'s fi"') == _found(clinic_dsn, "spo₂")  # "it's": one word


def test_accents_are_ignored_on_the_server_as_in_the_room(
        tmp_path: Path, clinic_dsn: str) -> None:
    """The same searches find the same sessions in the room's journal and on the server:
    case and accents ignored (composed or decomposed), a word by its beginning."""
    path = _room(tmp_path, ENTRIES + ACCENTED)
    sync(path, clinic_dsn)
    searches = {"muller": ["S4", "S7"], "MÜLLER": ["S4", "S7"], "müll": ["S4", "S7"],
                "fuhlte": ["S4"], "cafe": ["S5"], "crème": ["S5"], "jose": ["S5"],
                '"ete a"': ["S6"], '"a la mer"': ["S6"], '"été à la"': ["S6"],
                "lodz": [], "łódź": ["S6"], "lighthouse": ["S1"], '"frau muller"': ["S4"]}
    with Journal(path) as journal, CentralRecords(clinic_dsn) as central:
        for search, expected in searches.items():
            assert _presets(journal.history(search=search)) == expected, search
            assert _presets(central.history(search=search)) == expected, search


def test_a_version_3_server_is_upgraded_and_folds_what_it_already_holds(
        tmp_path: Path, clinic_dsn: str) -> None:
    room = _room(tmp_path, ACCENTED)
    sync(room, clinic_dsn)
    with psycopg.connect(clinic_dsn) as conn:  # as the previous ketaroom left it
        conn.execute("DROP INDEX events_words")
        conn.execute("DROP FUNCTION ketaroom_event_words(text), ketaroom_fold(text)")
        conn.execute(MIGRATIONS[2])
        conn.execute("UPDATE ketaroom_schema SET version = 3")
    assert sync(room, clinic_dsn).sent["events"] == 0  # folded on the server, not re-sent
    with psycopg.connect(clinic_dsn) as conn:
        assert conn.execute("SELECT version FROM ketaroom_schema").fetchall() == [
            (SCHEMA_VERSION,)]
    assert len(_found(clinic_dsn, "muller")) == 2


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
