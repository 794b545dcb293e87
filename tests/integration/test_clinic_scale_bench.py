"""The clinic-scale benchmark's synthetic journal is a journal the app reads as its own."""

from __future__ import annotations

from pathlib import Path

from bench import clinic_scale
from ketaroom.store.journal import Journal
from ketaroom.store.patients import PatientStore


def test_a_small_synthetic_journal_reads_like_a_recorded_one(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    clinic_scale.generate(path, 240)
    with Journal(path) as journal:
        assert len(journal.sessions()) == 240
        assert len(journal.sessions(include_rehearsals=False)) == 228
        store = PatientStore(journal)
        assert len(store.summaries()) == 20
        (summary,) = [s for s in store.summaries() if s.code == "PT-00001"]
        assert (summary.sessions, summary.next_due) == (12, None)
        measures = store.measures(journal.sessions()[0].id)
        assert measures["phq9"]["total"] == 11 and measures["dose"]["mg_per_kg"] == 0.5
        # the search index equals what the journal's own trigger writes
        assert [r.record.id for r in journal.history(search='"Session 237:"')] == [237]
        assert len(journal.history(search="calm", limit=None)) == 228
    figures = clinic_scale.measure(path)
    assert figures["search_hits"] == 1 and figures["course_sessions"] == 12
    assert figures["sessions"] == 240 and figures["events"] > 240 * 100
