"""JSON and CSV exports of one session (ketaroom.store.export)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ketaroom.store.export import (
    CSV_COLUMNS,
    event_summary,
    export_csv,
    export_json,
    parse_json_export,
)
from ketaroom.store.journal import Journal


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Journal, int]:
    j = Journal(tmp_path / "s.sqlite3")
    sid = j.start_session(
        preset="IV infusion 40 min",
        preset_path="/p/iv.yaml",
        preset_yaml="name: IV infusion 40 min\nphases: []\n",
        room="Room 3",
        planned_s=2400,
        patient_ref="PT-9",
        operator="nurse-b",
    )
    t0 = datetime(2025, 5, 6, 9, 30, 0).astimezone()

    def add(t: float, kind: str, **kw: object) -> int:
        return j.append(sid, kind, session_t=t, wall=t0 + timedelta(seconds=t), **kw)  # type: ignore[arg-type]

    add(0, "session_start", payload={"preset": "IV infusion 40 min"})
    add(0, "phase_start", phase_index=0, payload={"name": "Arrival"})
    add(
        60,
        "vitals",
        phase_index=0,
        payload={"sys": 131, "dia": 84, "hr": 77, "spo2": 98, "warnings": []},
    )
    note = add(90, "note", phase_index=0, payload={"text": "Anxious, ça va, 😊", "tags": ["obs"]})
    add(95, "note_correction", phase_index=0, refers_to=note, payload={"text": "Calmer"})
    add(100, "note", phase_index=0, payload={"text": '=HYPERLINK("x")', "tags": []})
    cue = add(120, "cue", phase_index=0, payload={"prompt": "Check BP", "kind": "vitals"})
    add(130, "cue_ack", phase_index=0, refers_to=cue, payload={"by": "nb"})
    add(140, "intent", phase_index=0, payload={"intent": "extend", "amount_s": 300})
    add(150, "device_error", phase_index=0, payload={"device": "music", "message": "bad.ogg"})
    add(160, "emergency", phase_index=0, payload={"text": "button"})
    add(170, "custom_kind", payload={"a": 1})
    add(200, "session_end", payload={"status": "stopped"})
    j.end_session(sid, "stopped")
    yield j, sid
    j.close()


def test_json_round_trips(recorded: tuple[Journal, int]) -> None:
    j, sid = recorded
    text = export_json(j, sid)
    document = json.loads(text)
    assert document["format"] == "ketaroom-session" and document["version"] == 1
    assert document["session"]["id"] == sid
    assert document["session"]["status"] == "stopped"
    assert len(document["events"]) == len(j.events(sid))
    session, events = parse_json_export(text)
    assert session == j.session(sid)
    assert events == j.events(sid)
    assert "😊" in text  # UTF-8, not escaped


def test_json_rejects_foreign_documents() -> None:
    with pytest.raises(ValueError):
        parse_json_export(json.dumps({"format": "other"}))
    with pytest.raises(ValueError):
        parse_json_export(json.dumps({"format": "ketaroom-session", "version": 99}))


def test_csv_columns_are_stable(recorded: tuple[Journal, int]) -> None:
    j, sid = recorded
    text = export_csv(j, sid)
    rows = list(csv.reader(io.StringIO(text)))
    assert (
        tuple(rows[0])
        == CSV_COLUMNS
        == (
            "session_id",
            "seq",
            "wall",
            "session_t",
            "phase_index",
            "kind",
            "summary",
            "payload_json",
        )
    )
    assert len(rows) == 1 + len(j.events(sid))
    assert all(len(r) == len(CSV_COLUMNS) for r in rows)


def test_csv_content(recorded: tuple[Journal, int]) -> None:
    j, sid = recorded
    rows = list(csv.DictReader(io.StringIO(export_csv(j, sid))))
    by_kind = {r["kind"]: r for r in rows}
    vitals = by_kind["vitals"]
    assert vitals["session_t"] == "60.000" and vitals["phase_index"] == "0"
    assert "131/84" in vitals["summary"]
    assert json.loads(vitals["payload_json"])["hr"] == 77
    assert by_kind["session_start"]["phase_index"] == ""
    assert datetime.fromisoformat(vitals["wall"]).tzinfo is not None
    notes = [r for r in rows if r["kind"] == "note"]
    assert "😊" in notes[0]["summary"]
    # a note that looks like a formula is defused in the summary, exact in the payload
    assert notes[1]["summary"].startswith("Note: ")
    assert json.loads(notes[1]["payload_json"])["text"].startswith("=HYPERLINK")
    assert by_kind["cue_ack"]["summary"] == "Cue acknowledged by nb: Check BP"
    assert by_kind["intent"]["summary"] == "Extend by 300 s"
    assert "Correction of event" in by_kind["note_correction"]["summary"]
    assert by_kind["custom_kind"]["summary"].startswith("custom_kind:")
    assert [int(r["seq"]) for r in rows] == list(range(1, len(rows) + 1))


def test_summary_formula_guard() -> None:
    from ketaroom.store.export import _spreadsheet_safe

    assert _spreadsheet_safe("=1+1") == "'=1+1"
    assert _spreadsheet_safe("-2") == "'-2"
    assert _spreadsheet_safe("ok") == "ok"


def test_unknown_session(recorded: tuple[Journal, int]) -> None:
    j, sid = recorded
    with pytest.raises(KeyError):
        export_csv(j, sid + 1)
    with pytest.raises(KeyError):
        export_json(j, sid + 1)


def test_event_summary_every_documented_kind(recorded: tuple[Journal, int]) -> None:
    j, sid = recorded
    events = j.events(sid)
    by_id = {e.id: e for e in events}
    for event in events:
        assert event_summary(event, by_id)
