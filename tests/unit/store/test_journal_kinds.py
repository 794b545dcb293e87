"""Session kinds in the journal: ``clinical`` or ``rehearsal``, and the migration to them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ketaroom.store.journal import KINDS, Journal
from ketaroom.store.journal_schema import MIGRATIONS, SCHEMA_VERSION


def _start(journal: Journal, **kw: object) -> int:
    args: dict[str, object] = {"preset": "IV", "preset_path": None, "preset_yaml": None,
                               "room": "Room 1", "planned_s": 600.0}
    args.update(kw)
    return journal.start_session(**args)  # type: ignore[arg-type]


def test_new_sessions_are_clinical_unless_told(tmp_path: Path) -> None:
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        clinical = _start(journal)
        rehearsal = _start(journal, room="rehearse", kind="rehearsal")
        assert journal.session(clinical).kind == "clinical"
        assert journal.session(rehearsal).kind == "rehearsal"
        assert [s.id for s in journal.sessions()] == [clinical, rehearsal]
        assert [s.id for s in journal.sessions(include_rehearsals=False)] == [clinical]
        assert journal.session(rehearsal).to_dict(with_yaml=False)["kind"] == "rehearsal"


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        with pytest.raises(ValueError, match="kind"):
            _start(journal, kind="training")
        assert journal.sessions() == []
        _start(journal)
        # and the database itself refuses a kind written behind the journal's back
        with pytest.raises(sqlite3.IntegrityError), sqlite3.connect(journal.path) as raw:
            raw.execute("UPDATE sessions SET kind = 'demo'")
    assert KINDS == ("clinical", "rehearsal")


def test_migration_classifies_existing_sessions_by_their_origin(tmp_path: Path) -> None:
    """Before kinds, rehearse always recorded room ``rehearse`` (and later operator
    ``rehearse``); everything else was run from the window."""
    path = tmp_path / "sessions.sqlite3"
    raw = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        raw.executescript(script)
    rows = [("rehearse", None), ("rehearse", "rehearse"), ("Room 1", "dr-a"),
            ("Room 2", None)]
    for room, operator in rows:
        raw.execute("INSERT INTO sessions (preset, room, operator, started_at, status)"
                    " VALUES ('IV', ?, ?, '2026-01-02T10:00:00+01:00', 'completed')",
                    (room, operator))
    raw.execute("PRAGMA user_version = 3")
    raw.commit()
    raw.close()
    with Journal(path) as journal:
        assert journal.schema_version == SCHEMA_VERSION
        assert [s.kind for s in journal.sessions()] == [
            "rehearsal", "rehearsal", "clinical", "clinical"]
        assert [s.room for s in journal.sessions(include_rehearsals=False)] == [
            "Room 1", "Room 2"]
