"""``rehearse --patient``, ``patients [--json]`` and ``export --patient`` through subprocess."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

from ketaroom.store.journal import Journal
from ketaroom.store.patients import PatientStore
from ketaroom.store.record_schema import Dose, FollowUp, Phq9, Reflection, Sedation
from tests.cli.test_cli import ketaroom

DEMO = "resources/presets/demo-3min.yaml"


def _clinical_course(data: Path) -> list[int]:
    """PT-0042: an induction course of 6 every 3 days, two clinical sessions recorded."""
    data.mkdir(parents=True, exist_ok=True)
    with Journal(data / "sessions.sqlite3") as journal:
        store = PatientStore(journal)
        store.add_patient("PT-0042", display_name="Ann Example", birth_year=1980)
        course = store.start_course("PT-0042", "induction", planned_sessions=6,
                                    spacing_days=3, started=date.today() - timedelta(days=3))
        ids = []
        for n, total in enumerate((19, 12)):
            sid = journal.start_session(preset="IV 40", preset_path=None, preset_yaml=None,
                                        room=f"Room {n + 1}", planned_s=2400.0,
                                        course_id=course.id)
            store.record(sid, Phq9([3, 2, 2, 2, 2, 2, 2, 2, 2] if total == 19 else
                                   [2, 2, 1, 1, 2, 1, 1, 1, 1]), session_t=0)
            store.record(sid, Dose(35, "iv", 70.0))
            store.record(sid, Sedation(4))
            store.record(sid, Reflection(f"session {n + 1}: I can breathe"))
            store.record(sid, FollowUp("24h", 6 + n),
                         wall=datetime.now().astimezone() + timedelta(days=1))
            journal.end_session(sid, "completed")
            ids.append(sid)
        return ids


def test_rehearse_links_the_patient_and_never_counts_it_as_clinical(tmp_path: Path) -> None:
    first = ketaroom("rehearse", DEMO, "--speed", "400", "--audio", "none", "--patient",
                     "PT-0042", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    # the same code typed in another room, in another case: the same patient
    second = ketaroom("rehearse", DEMO, "--speed", "400", "--audio", "none", "--patient",
                      "pt-0042", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    listed = ketaroom("patients", "--json", data_dir=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [{
        "code": "PT-0042", "sessions": 0, "rehearsals": 2, "first_session": None,
        "last_session": None, "next_due": None}]
    sessions = json.loads(ketaroom("sessions", "--json", data_dir=tmp_path).stdout)
    assert [(s["kind"], s["patient"], s["course_number"]) for s in sessions] == [
        ("rehearsal", "PT-0042", None)] * 2


def test_rehearse_refuses_a_bad_code_before_running(tmp_path: Path) -> None:
    for code, message in (("PT 0042", "no spaces"), ("P" * 200, "at most 32 characters")):
        result = ketaroom("rehearse", DEMO, "--speed", "400", "--audio", "none",
                          "--patient", code, data_dir=tmp_path)
        assert result.returncode == 2
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as raw:
        assert raw.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
        assert raw.execute("SELECT COUNT(*) FROM patients").fetchone()[0] == 0


def test_patients_lists_clinical_counts_and_next_due(tmp_path: Path) -> None:
    ids = _clinical_course(tmp_path)
    ketaroom("rehearse", DEMO, "--speed", "400", "--audio", "none", "--patient", "PT-0042",
             data_dir=tmp_path)
    result = ketaroom("patients", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    (patient,) = json.loads(result.stdout)
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        started = [journal.session(i).started_at for i in ids]
    assert patient == {"code": "PT-0042", "sessions": 2, "rehearsals": 1,
                       "first_session": started[0], "last_session": started[1],
                       "next_due": (date.today() + timedelta(days=3)).isoformat()}
    assert "Ann" not in result.stdout  # the name stays out of listings
    plain = ketaroom("patients", data_dir=tmp_path).stdout.splitlines()
    assert plain[0].split() == ["PATIENT", "SESSIONS", "REHEARSALS", "FIRST", "LAST", "NEXT",
                                "DUE"]
    assert plain[1].split()[:3] == ["PT-0042", "2", "1"]
    assert ketaroom("patients", data_dir=tmp_path / "empty").stdout == \
        "No patients recorded yet.\n"


def test_export_patient_json_csv_and_pdf(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = _clinical_course(data)
    ketaroom("rehearse", DEMO, "--speed", "400", "--audio", "none", "--patient", "pt-0042",
             data_dir=data)
    result = ketaroom("export", "--patient", "pt-0042", "--format", "json", data_dir=data)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["patient"] == "PT-0042"
    assert [s["id"] for s in document["sessions"]] == ids  # oldest first, no rehearsal
    first = document["sessions"][0]
    assert set(first) >= {"id", "started_at", "ended_at", "preset", "room", "kind", "status",
                          "measures"}
    assert (first["room"], first["kind"], first["status"]) == ("Room 1", "clinical",
                                                               "completed")
    measures = first["measures"]
    assert measures["phq9"]["total"] == 19 and measures["phq9"]["band"] == "moderately severe"
    assert measures["dose"]["mg_per_kg"] == 0.5
    assert measures["follow_ups"][0]["after"] == "24h"
    assert measures["reflections"][0]["text"] == "session 1: I can breathe"
    assert "Ann" not in result.stdout

    with_rehearsals = json.loads(ketaroom("export", "--patient", "PT-0042", "--format", "json",
                                          "--include-rehearsals", data_dir=data).stdout)
    assert [s["kind"] for s in with_rehearsals["sessions"]] == ["clinical", "clinical",
                                                                 "rehearsal"]

    out_csv = tmp_path / "course.csv"
    assert ketaroom("export", "--patient", "PT-0042", "--format", "csv", "-o", str(out_csv),
                    data_dir=data).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [(r["id"], r["phq9_total"], r["course_number"]) for r in rows] == [
        (str(ids[0]), "19", "1"), (str(ids[1]), "12", "2")]

    out_pdf = tmp_path / "course.pdf"
    result = ketaroom("export", "--patient", "PT-0042", "--format", "pdf", "-o", str(out_pdf),
                      data_dir=data)
    assert result.returncode == 0, result.stderr
    assert out_pdf.read_bytes().startswith(b"%PDF")
    for path in (out_csv, out_pdf):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_export_patient_refusals(tmp_path: Path) -> None:
    _clinical_course(tmp_path)
    unknown = ketaroom("export", "--patient", "PT-9", "--format", "json", data_dir=tmp_path)
    assert (unknown.returncode, unknown.stderr) == (1, "ketaroom export: no patient PT-9\n")
    both = ketaroom("export", "1", "--patient", "PT-0042", "--format", "json",
                    data_dir=tmp_path)
    assert both.returncode == 2 and "one of them" in both.stderr
    neither = ketaroom("export", "--format", "json", data_dir=tmp_path)
    assert neither.returncode == 2
    pdf = ketaroom("export", "--patient", "PT-0042", "--format", "pdf", data_dir=tmp_path)
    assert pdf.returncode == 2 and "-o FILE" in pdf.stderr
    central = ketaroom("export", "--patient", "PT-0042", "--format", "json", "--postgres",
                       "postgresql://nobody@127.0.0.1:1/none", data_dir=tmp_path)
    assert (central.returncode, central.stderr) == (  # the server's course: one calm line
        1, "ketaroom export: the records server is away (no answer)\n")


def test_a_session_report_names_the_sessions_patient(tmp_path: Path) -> None:
    """The PDF's header says whose session it was (the code and its number in the
    course), not the empty free-text reference of older records."""
    sid = _clinical_course(tmp_path)[1]
    out = tmp_path / "session.pdf"
    exported = ketaroom("export", str(sid), "--format", "pdf", "-o", str(out),
                        data_dir=tmp_path)
    assert exported.returncode == 0, exported.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "PT-0042 · session 2" in text
