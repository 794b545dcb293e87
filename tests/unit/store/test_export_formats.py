"""JSON and CSV exports of one session (ketaroom.store.export)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ketaroom.store.export import (
    CSV_COLUMNS,
    EXPORT_MODE,
    FORMATS,
    ExportTargetError,
    event_summary,
    export_csv,
    export_json,
    export_session,
    parse_json_export,
    write_private,
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
    from ketaroom.store.export import csv_formula_safe

    assert csv_formula_safe("=1+1") == "'=1+1"
    assert csv_formula_safe("-2") == "'-2"
    assert csv_formula_safe("ok") == "ok"


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


# --------------------------------------------------------------------------- file safety


@pytest.fixture
def umask_zero():
    """Run the test under umask 000, where a careless export would come out 0666."""
    old = os.umask(0)
    yield
    os.umask(old)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("fmt", FORMATS)
def test_new_and_replaced_exports_are_0600(recorded, tmp_path, umask_zero, fmt):
    j, sid = recorded
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    new, old = out_dir / f"new.{fmt}", out_dir / f"old.{fmt}"
    old.write_text("previous export", encoding="utf-8")
    old.chmod(0o666)
    for out in (new, old):
        assert export_session(j, sid, fmt, out) == []
        assert stat.S_IMODE(out.stat().st_mode) == EXPORT_MODE == 0o600
    assert old.read_bytes() != b"previous export"
    assert listing(out_dir) == sorted([new.name, old.name])


def test_refused_targets_are_left_as_they_were(recorded, tmp_path, umask_zero):
    j, sid = recorded
    targets = {"folder": tmp_path / "folder", "fifo": tmp_path / "fifo"}
    targets["folder"].mkdir()
    os.mkfifo(targets["fifo"])
    with contextlib.suppress(PermissionError):  # root only: a private /dev/null twin
        os.mknod(tmp_path / "device", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        targets["device"] = tmp_path / "device"
    for name in list(targets):
        link = tmp_path / f"link-to-{name}"
        link.symlink_to(targets[name])
        targets[f"link to {name}"] = link
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere" / "x.pdf")
    targets["dangling symlink"] = dangling
    before = {p.name: (p.is_symlink(), stat.S_IFMT(p.lstat().st_mode)) for p in tmp_path.iterdir()}
    for what, target in targets.items():
        for fmt in FORMATS:
            with pytest.raises(ExportTargetError) as caught:
                export_session(j, sid, fmt, target)
            assert caught.value.filename == str(target), what
    after = {p.name: (p.is_symlink(), stat.S_IFMT(p.lstat().st_mode)) for p in tmp_path.iterdir()}
    assert after == before
    assert list(targets["folder"].iterdir()) == []


def test_a_symlink_to_a_file_replaces_the_file_privately(recorded, tmp_path, umask_zero):
    j, sid = recorded
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    export_session(j, sid, "json", link)
    assert link.is_symlink() and parse_json_export(real.read_text(encoding="utf-8"))
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_a_failure_mid_render_removes_the_temp_file(recorded, tmp_path, umask_zero, monkeypatch):
    """The temp file exists while the PDF renders; an exception there leaves nothing."""
    from ketaroom.store import export_pdf

    j, sid = recorded
    out = tmp_path / "report.pdf"
    out.write_bytes(b"the previous report")
    seen_during_render: list[list[str]] = []

    def broken_render(journal, session_id):
        seen_during_render.append(listing(tmp_path))
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(export_pdf, "render_pdf", broken_render)
    with pytest.raises(RuntimeError):
        export_session(j, sid, "pdf", out)
    [during] = seen_during_render
    assert len(during) == len(listing(tmp_path)) + 1  # the temp file, now gone
    [temp] = set(during) - set(listing(tmp_path))
    assert temp.startswith(".report.pdf.") and temp.endswith(".part")
    assert out.read_bytes() == b"the previous report"


def test_write_private_leaves_nothing_when_writing_fails(tmp_path, umask_zero):
    def half_then_fail(handle):
        handle.write(b"%PDF-1.4 half a patient report")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_private(tmp_path / "r.pdf", half_then_fail)
    assert listing(tmp_path) == []


def test_unknown_format_or_session_writes_nothing(recorded, tmp_path):
    j, sid = recorded
    with pytest.raises(ValueError):
        export_session(j, sid, "xml", tmp_path / "x.xml")
    with pytest.raises(KeyError):
        export_session(j, sid + 1, "json", tmp_path / "x.json")
    assert not [name for name in listing(tmp_path) if "x." in name]
