"""Golden exports of a rich recorded session: CSV, JSON and the PDF's text.

Recorded before the record schema and the readers' dispatch tables were introduced;
the exports of existing records must stay byte-identical. The session mixes every
kind the app writes today with older payload spellings (``kind``/``volume_pct``/
``brightness_pct``) that journals of earlier versions hold. Regenerate (only for an
intended change, and review the diff) with ``KETAROOM_REGEN_GOLDEN=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ketaroom.store.export import export_csv, export_json, export_pdf
from ketaroom.store.journal import Journal

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc)
YAML = """name: Esketamine REMS 84 mg
phases:
  - name: Arrival
    duration: 10m
  - name: Journey
    duration: 40m
  - name: Integration
    duration: open
    expected: 20m
"""


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def record_rich_session(j: Journal) -> int:
    """Every kind the app writes, in the shapes its writers give them (and older ones)."""
    sid = j.start_session(preset="Esketamine REMS 84 mg", preset_path="/presets/rems.yaml",
                          preset_yaml=YAML, room="Room 3", planned_s=4200,
                          patient_ref="PT-7", operator="Dr. A")  # fmt: skip

    def at(t: float, kind: str, payload: dict, *, phase: int | None = None,
           refers_to: int | None = None, paused: float = 0.0) -> int:
        return j.append(sid, kind, session_t=t, phase_index=phase, payload=payload,
                        refers_to=refers_to, wall=T0 + timedelta(seconds=t + paused))

    plan = [{"name": "Arrival", "planned_s": 600.0}, {"name": "Journey", "planned_s": 2400.0},
            {"name": "Integration", "planned_s": 1200.0}]
    at(0, "session_start", {"preset": "Esketamine REMS 84 mg", "phases": plan})
    at(0, "phase_start", {"phase_index": 0, "phase": "Arrival"}, phase=0)
    at(0, "music", {"playlist": "calm.m3u", "tracks": ["a.flac", "b.flac"], "volume": 30.0,
                    "fade": 8.0}, phase=0)
    at(0, "light", {"brightness": 60.0, "transition": 4.0, "kelvin": 2700}, phase=0)
    at(2, "music", {"message": "playing a.flac", "reported": True, "volume": 30.0,
                    "fade": 8.0, "track": "/music/a.flac"}, phase=0)
    at(3, "light", {"message": "sent", "reported": True, "health": "ok", "brightness": 60.0,
                    "transition": 4.0, "kelvin": 2700}, phase=0)
    at(60, "intent", {"intent": "extend", "amount_s": 300.0}, phase=0)
    at(90, "vitals", {"sys": 124, "dia": 80, "hr": 70, "spo2": 98.0, "warnings": [],
                      "by": "Dr. A"}, phase=0)
    cue = at(120, "cue", {"phase_index": 0, "phase": "Arrival", "cue_index": 0,
                          "prompt": "Baseline vitals", "cue_kind": "vitals"}, phase=0)
    at(150, "cue_ack", {"by": "Dr. A"}, phase=0, refers_to=cue)
    old_cue = at(200, "cue", {"prompt": "Old-style reminder", "kind": "reminder"}, phase=0)
    dose = at(240, "note", {"text": "Spravato 84 mg", "tags": ["dose"], "by": "Dr. A",
                            "cue": {"phase_index": 0, "cue_index": 0, "t": 120.0}}, phase=0)
    at(260, "note_correction", {"text": "Spravato 84 mg intranasal", "reason": "detail",
                                "by": "Dr. A", "tags": ["dose"]}, phase=0, refers_to=dose)
    del old_cue
    at(300, "music", {"manual": True, "volume": 45.0, "from_volume": 30.0}, phase=0)
    at(310, "music", {"manual": True, "muted": True}, phase=0)
    at(320, "music", {"manual": True, "muted": False}, phase=0)
    at(330, "music", {"manual": True, "skip": True}, phase=0)
    at(340, "music", {"manual": True, "playlist": "rain.m3u", "tracks": ["r.flac"],
                      "volume": 45.0, "fade": 6.0}, phase=0)
    at(350, "light", {"manual": True, "brightness": 20.0, "transition": 2.0,
                      "color": "#ff8800"}, phase=0)
    at(360, "music", {"playlist": "old.m3u", "volume_pct": 35}, phase=0)
    at(361, "light", {"brightness_pct": 40, "kelvin": 2200}, phase=0)
    at(900, "phase_start", {"phase_index": 1, "phase": "Journey"}, phase=1)
    at(950, "device_health", {"device": "lights", "message": "bridge back", "health": "ok"},
       phase=1)
    for t in (1000, 1010, 1020):
        at(t, "device_error", {"device": "lights", "message": "Hue bridge unreachable",
                               "severity": "error", "health": "lost"}, phase=1)
    at(1030, "device_error", {"device": "music", "message": "skipped b.flac",
                              "severity": "warning"}, phase=1)
    at(1040, "device_error", {"device": "records", "error": "disk full"}, phase=1)
    at(1100, "vitals", {"sys": 150, "dia": 95, "hr": 90, "spo2": 96.0,
                        "warnings": ["BP high", "HR high"], "by": "Dr. A"}, phase=1)
    wrong = at(1200, "note", {"text": "BP 15/95", "tags": [], "by": "Dr. A"}, phase=1)
    at(1210, "note_correction", {"text": "BP 150/95", "reason": "typo", "by": "Dr. A"},
       phase=1, refers_to=wrong)
    at(1300, "intent", {"intent": "pause"}, phase=1)
    at(1300, "intent", {"intent": "resume"}, phase=1, paused=90)
    at(1400, "emergency", {"text": "Lights up / music off", "brightness": 100.0,
                           "transition": 1.0, "kelvin": 3000, "by": "Dr. A",
                           "session_held": True}, phase=1, paused=90)
    at(1500, "intent", {"intent": "pause", "amount_s": None, "synthetic": True,
                        "reason": "resumed paused after an interruption"}, phase=1, paused=90)
    at(1500, "resume", {"previous_pid": 4242, "previous_host": "clinic-pc"}, phase=1,
       paused=300)
    at(1500, "cue", {"phase_index": 1, "phase": "Journey", "cue_index": 0,
                     "prompt": "Check in", "cue_kind": "note", "while_interrupted": True},
       phase=1, paused=300)
    at(1510, "device", {"message": "something else", "reported": True}, phase=1, paused=300)
    at(1520, "signal", {"signal": "SIGTERM"}, phase=1, paused=300)
    at(1530, "records", {"message": "records could not be written", "pending": 2}, phase=1,
       paused=300)
    at(3300, "intent", {"intent": "next"}, phase=1, paused=300)
    at(3300, "phase_start", {"phase_index": 2, "phase": "Integration"}, phase=2, paused=300)
    at(3400, "note", {"text": "Alert and oriented; ready", "tags": ["ready"], "by": "Dr. A"},
       phase=2, paused=300)
    at(4000, "intent", {"intent": "stop"}, phase=2, paused=300)
    at(4000, "session_end", {"phase_index": 2, "status": "stopped"}, phase=2, paused=300)
    j.end_session(sid, "stopped")
    with sqlite3.connect(j.path) as raw:  # the row's process facts: fixed for the golden
        raw.execute("UPDATE sessions SET started_at = ?, ended_at = ?, pid = 1234,"
                    " host = 'clinic-pc', proc_token = NULL WHERE id = ?",
                    (T0.isoformat(timespec="milliseconds"),
                     (T0 + timedelta(seconds=4300)).isoformat(timespec="milliseconds"), sid))
    return sid


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("KETAROOM_REGEN_GOLDEN"):
        path.write_bytes(text.encode("utf-8"))
    assert text == path.read_bytes().decode("utf-8")


@pytest.fixture
def recorded(tmp_path: Path):
    j = Journal(tmp_path / "sessions.sqlite3")
    sid = record_rich_session(j)
    yield j, sid
    j.close()


def test_csv_export_is_unchanged(recorded) -> None:
    j, sid = recorded
    _check("rich_session.csv", export_csv(j, sid))


def test_json_export_is_unchanged(recorded) -> None:
    j, sid = recorded
    _check("rich_session.json", export_json(j, sid))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_pdf_text_is_unchanged(recorded, tmp_path: Path) -> None:
    j, sid = recorded
    out = tmp_path / "report.pdf"
    export_pdf(j, sid, out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    text = re.sub(r"generated \d{4}-\d\d-\d\d \d\d:\d\d", "generated <now>", text)
    _check("rich_session.pdf.txt", text)
