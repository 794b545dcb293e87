"""A tag changed on a note after its text (``note_tags``) shows wherever the note does:
the history view's detail, the PDF's notes table (and the REMS section), the CSV
summary; the CSV and JSON keep the raw entries. Read back from a real journal written
by the session controller."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaroom.core.clock import ManualClock
from ketaroom.core.session import Session
from ketaroom.session.controller import SessionController
from ketaroom.session.devices import RoomDevices
from ketaroom.session.recorder import SessionRecorder
from ketaroom.session.runner import SessionRunner
from ketaroom.store.export import export_csv, export_json, export_pdf
from ketaroom.store.journal import Journal
from ketaroom.store.record_schema import RecordKind, current_note_tags
from tests.helpers.fakes import ManualWakeups, phase, preset


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Journal, int, dict[str, int]]]:
    """A session with a note tagged later (twice), and one whose text was corrected."""
    clock = ManualClock(0)
    p = preset(phase("Journey", 600), name="Esketamine 56")
    runner = SessionRunner(Session(p, clock), post=lambda fn: fn(), wakeups=ManualWakeups(clock))
    room = RoomDevices(lambda fn: fn(), audio="none")
    journal = Journal(tmp_path / "sessions.sqlite3")
    recorder = SessionRecorder(journal, synchronous=True)
    sid = recorder.begin(p, room="Room 1", operator="RN")
    assert sid is not None
    controller = SessionController(runner, room, recorder, operator="RN")
    runner.start()
    calm = controller.note("Calm, talking about the sea")
    controller.tag_note(calm, ("ready",))
    controller.tag_note(calm, ("ready", "calm-music"))
    dose = controller.note("56 mg given", ("dose",))
    controller.correct_note(dose, "56 mg given intranasally", "detail")
    runner.stop()
    recorder.flush()
    room.close()
    recorder.close()
    events = journal.events(sid)
    notes = [e for e in events if e.kind == RecordKind.NOTE]
    yield journal, sid, {"calm": notes[0].id, "dose": notes[1].id}
    journal.close()


def test_current_tags_of_each_note(recorded) -> None:
    journal, sid, ids = recorded
    tags = current_note_tags(journal.events(sid))
    assert tags == {ids["calm"]: ["ready", "calm-music"], ids["dose"]: ["dose"]}


def test_csv_summarises_the_tag_change_and_json_keeps_the_raw_entries(recorded) -> None:
    journal, sid, ids = recorded
    rows = list(csv.DictReader(io.StringIO(export_csv(journal, sid))))
    summaries = [(r["kind"], r["summary"]) for r in rows if r["kind"].startswith("note")]
    assert summaries == [
        ("note", "Note: Calm, talking about the sea"),  # the entry as written
        ("note_tags", f"Tags of note {ids['calm']}: ready"),
        ("note_tags", f"Tags of note {ids['calm']}: ready, calm-music"),
        ("note", "Note: 56 mg given [dose]"),
        ("note_correction", f"Correction of event {ids['dose']}: 56 mg given intranasally"),
    ]
    document = json.loads(export_json(journal, sid))
    raw = [e for e in document["events"] if e["kind"] == "note_tags"]
    assert [(e["refers_to"], e["payload"]["tags"]) for e in raw] == [
        (ids["calm"], ["ready"]), (ids["calm"], ["ready", "calm-music"])]


def test_history_detail_shows_the_note_with_its_tags_now(recorded) -> None:
    from ketaroom.ui.history_view import matches, summarise, timeline_rows

    journal, sid, ids = recorded
    record, events = journal.session(sid), journal.events(sid)
    rows = {row.event_id: row for row in timeline_rows(record, events)}
    assert rows[ids["calm"]].details == "Note: Calm, talking about the sea [ready, calm-music]"
    assert rows[ids["dose"]].details == "Note: 56 mg given [dose]"
    changes = [row for row in rows.values() if row.kind == RecordKind.NOTE_TAGS]
    assert [(row.what, row.details) for row in changes] == [
        ("Tags", f"Tags of note {ids['calm']}: ready"),
        ("Tags", f"Tags of note {ids['calm']}: ready, calm-music")]
    assert matches(summarise(record, events), "calm-music")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_pdf_notes_table_shows_the_tags_now(recorded, tmp_path: Path) -> None:
    journal, sid, _ids = recorded
    out = tmp_path / "report.pdf"
    export_pdf(journal, sid, out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    notes = text[text.index("Clinical notes"):]
    lines = notes.splitlines()
    at = next(i for i, line in enumerate(lines) if "Calm, talking about the sea" in line)
    assert lines[at].rstrip().endswith("ready,")  # the Tags column, wrapped
    assert "calm-music" in lines[at + 1]
    assert "tags set at" in text
    # tagged "ready" only afterwards, it still marks when the patient may leave
    assert "(note tagged 'ready')" in text
