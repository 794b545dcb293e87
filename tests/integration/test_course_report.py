"""The course report: rendered and read back with poppler, and its REMS completeness."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ketaroom.core.clinical import DoseLimits
from ketaroom.store.course_report import load_course, rems_missing
from ketaroom.store.export import export_course
from ketaroom.store.journal import Journal
from ketaroom.store.patients import PatientStore
from ketaroom.store.record_schema import (
    AdverseEvent,
    Dissociation,
    Dose,
    FollowUp,
    Phq9,
    ReadyToLeave,
    Reflection,
    Sedation,
    VitalsReading,
)

PHQ9 = ([3, 2, 2, 3, 2, 2, 2, 2, 1], [2, 2, 2, 2, 2, 1, 2, 1, 1], [2, 1, 1, 2, 1, 1, 1, 1, 0])


def _session(journal: Journal, course_id: int, started: datetime, preset: str) -> int:
    sid = journal.start_session(preset=preset, preset_path=None, preset_yaml=None,
                                room="Room 1", planned_s=2400.0, course_id=course_id)
    with sqlite3.connect(journal.path) as raw:  # as if recorded on that day
        raw.execute("UPDATE sessions SET started_at = ? WHERE id = ?",
                    (started.isoformat(timespec="milliseconds"), sid))
    return sid


def _vitals(journal: Journal, sid: int, at: datetime, sys_bp: int) -> None:
    journal.append(sid, VitalsReading.kind, session_t=0, wall=at,
                   payload=VitalsReading(sys_bp, 85, 70, 98).to_payload())


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    """PT-0042: three ketamine sessions (PHQ-9 19 → 10) and one esketamine session whose
    discharge blood pressure was never taken."""
    with Journal(tmp_path / "sessions.sqlite3") as j:
        store = PatientStore(j)
        store.add_patient("PT-0042", display_name="A. Example", birth_year=1979)
        first_day = datetime.now().astimezone() - timedelta(days=9)
        course = store.start_course("PT-0042", "induction", planned_sessions=6,
                                    spacing_days=3, started=first_day.date())
        for n, items in enumerate(PHQ9):
            t0 = first_day + timedelta(days=3 * n)
            sid = _session(j, course.id, t0, "IV ketamine 40 min")
            store.record(sid, Phq9(items), wall=t0)
            _vitals(j, sid, t0 + timedelta(minutes=1), 130)
            store.record(sid, Dose(35, "iv", 70.0), wall=t0 + timedelta(minutes=2))
            _vitals(j, sid, t0 + timedelta(minutes=25), 150 - n)
            store.record(sid, Sedation(4), wall=t0 + timedelta(minutes=20))
            store.record(sid, Dissociation(2), wall=t0 + timedelta(minutes=21))
            store.record(sid, Reflection(f"Remember number {n + 1}"),
                         wall=t0 + timedelta(minutes=60))
            store.record(sid, FollowUp("24h", 5 + n, sleep="slept well"),
                         wall=t0 + timedelta(days=1))
            if n == 1:
                store.record(sid, AdverseEvent("Nausea", action="ondansetron 4 mg"),
                             wall=t0 + timedelta(minutes=40))
            j.end_session(sid, "completed")
        rems = store.start_course("PT-0042", "esketamine_rems", planned_sessions=8,
                                  spacing_days=7, started=date.today())
        t0 = datetime.now().astimezone() - timedelta(hours=3)
        sid = _session(j, rems.id, t0, "Esketamine 84")
        _vitals(j, sid, t0, 124)
        store.record(sid, Dose(84, "intranasal", drug="esketamine", lot="23K118"),
                     wall=t0 + timedelta(minutes=5))
        _vitals(j, sid, t0 + timedelta(minutes=45), 146)
        store.record(sid, Sedation(5), wall=t0 + timedelta(minutes=30))
        store.record(sid, Dissociation(1, rems_dissociation=False),
                     wall=t0 + timedelta(minutes=31))
        store.record(sid, ReadyToLeave(), wall=t0 + timedelta(minutes=130))
        j.end_session(sid, "completed")
        yield j


def test_rems_completeness_per_session(journal: Journal) -> None:
    report = load_course(journal, "pt-0042")
    assert [row.rems for row in report.rows] == [False, False, False, True]
    assert [row.missing() for row in report.rows] == [None, None, None, ["BP at discharge"]]
    esketamine = report.rows[-1]
    bp = esketamine.measures["bp"]  # linked to their slots by time around the dose
    assert (bp["baseline"]["sys"], bp["post_dose"]["sys"], bp["discharge"]) == (124, 146, None)
    ready = datetime.fromisoformat(esketamine.measures["ready_to_leave"])
    _vitals(journal, esketamine.session.id, ready, 128)
    row = load_course(journal, "PT-0042").rows[-1]
    assert rems_missing(row.measures) == []
    assert row.measures["bp"]["discharge"]["sys"] == 128
    assert load_course(journal, "PT-0042").to_dict()["sessions"][-1]["measures"][
        "rems_missing"] == []


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_course_pdf_reads_like_a_clinic_document(journal: Journal, tmp_path: Path) -> None:
    out = tmp_path / "course.pdf"
    assert export_course(journal, "PT-0042", "pdf", out) == []
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Course report · PT-0042" in text and "A. Example" in text
    courses = text[text.index("Courses"):text.index("Sessions", text.index("Courses"))]
    assert "Room" in courses and courses.count("Room 1") == 2  # where each was planned
    for heading in ("Courses", "Sessions", "PHQ-9 trend", "Esketamine REMS monitoring",
                    "Adverse events", "Reflections — what I want to remember", "Follow-ups"):
        assert heading in text
    assert "3 of 6" in text and "1 of 8" in text
    assert "PHQ-9 19 (moderately severe) → 10 (moderate): -9 over 3 measurements." in text
    assert "missing: BP at discharge" in text
    assert text.index("Remember number 1") < text.index("Remember number 3")
    assert "35 mg IV (0.5" in text and "esk. 84 mg intranasal" in text
    assert "ondansetron 4 mg" in text and "7/10" in text
    assert "ketaroom patient PT-0042" in text and "Page 1 of" in text
    assert "Clinician signature" in text
    sessions = text[text.index("Sessions"):text.index("Blood pressure (mmHg)")]
    assert "146/85" in sessions  # a blood pressure never breaks over two lines
    assert "MOAA/S" in sessions and "PHQ-9" in sessions  # short headings stay whole
    bp_table = text[text.index("Blood pressure (mmHg)"):]
    line = next(x for x in bp_table.splitlines() if "30 Nov" in x or "124/85" in x)
    assert "124/85" in line and "146/85" in line  # esketamine: baseline and +40 min


def test_course_csv_has_the_bp_slots(journal: Journal) -> None:
    from ketaroom.store.course_report import CSV_COLUMNS, course_csv

    rows = course_csv(load_course(journal, "PT-0042")).splitlines()
    assert CSV_COLUMNS[-5:] == ("bp_baseline", "bp_post_dose", "bp_discharge", "course_room",
                                "dose_confirmed")  # new columns go last
    assert rows[-1].endswith(",124/85,146/85,,Room 1,")
    assert rows[1].endswith(",130/85,,150/85,Room 1,")  # no reading near +40 min


def test_a_course_says_which_room_planned_it_and_an_unconfirmed_dose_says_so(
        journal: Journal) -> None:
    from ketaroom.store.course_report import course_csv

    report = load_course(journal, "PT-0042")
    assert [c["room"] for c in report.to_dict()["courses"]] == ["Room 1", "Room 1"]
    first = report.rows[0].session.id
    over = Dose.checked(84, "iv", 70.0, limits=DoseLimits({"iv": 1.0}))
    PatientStore(journal).record(first, replace(over, confirmed=False))
    rows = course_csv(load_course(journal, "PT-0042")).splitlines()
    assert rows[1].endswith(",Room 1,no")
    with sqlite3.connect(journal.path) as raw:  # the room was renamed since
        raw.execute("UPDATE sessions SET room = 'Quiet room' WHERE id = ?", (first,))
        raw.execute("UPDATE sessions SET room = '' WHERE id > ?", (first,))
    assert [c.room for c in PatientStore(journal).courses("PT-0042")] == ["Quiet room"] * 2


def test_unknown_patient_touches_no_file(journal: Journal, tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        export_course(journal, "PT-1", "json", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_course_pdf_never_breaks_a_word_it_has_room_for(journal: Journal,
                                                         tmp_path: Path) -> None:
    """A long room name and a rehearsal's number stay whole in the sessions table, and
    the header's session count is not cut short."""
    with sqlite3.connect(journal.path) as raw:
        raw.execute("UPDATE sessions SET room = 'Behandlungsraum'")
    sid = journal.start_session(preset="Demo", preset_path=None, preset_yaml=None,
                                room="Behandlungsraum", planned_s=180.0, kind="rehearsal",
                                patient_id=PatientStore(journal).patient("PT-0042").id)
    journal.end_session(sid, "completed")
    out = tmp_path / "course.pdf"
    assert export_course(journal, "PT-0042", "pdf", out, include_rehearsals=True) == []
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    sessions = text[text.index("Sessions\n"):text.index("Blood pressure (mmHg)")]
    assert sessions.count("Behandlungsraum") == 5 and "reh." in sessions
    assert "4 clinical, 1 rehearsal" in text


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_course_pdf_keeps_a_preset_and_a_room_name_on_one_line(journal: Journal,
                                                               tmp_path: Path) -> None:
    """Names are widened to one line where the page allows ("Room 1" was "Room" over "1"
    in the bold REMS row, "IV ketamine 40 min" ended in "min" on a line of its own); a name
    too long for that breaks between its words, never inside one."""
    out = tmp_path / "course.pdf"
    assert export_course(journal, "PT-0042", "pdf", out) == []
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    sessions = text[text.index("Sessions\n"):text.index("Blood pressure (mmHg)")]
    assert sessions.count("IV ketamine 40 min") == 3 and sessions.count("Room 1") == 4
    assert "Esketamine 84" in sessions
    long_name = "Integration room beside the garden entrance"
    with sqlite3.connect(journal.path) as raw:
        raw.execute("UPDATE sessions SET room = ?", (long_name,))
    assert export_course(journal, "PT-0042", "pdf", out) == []
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    sessions = text[text.index("Sessions\n"):text.index("Blood pressure (mmHg)")]
    words = sessions.split()
    for word in long_name.split():
        assert words.count(word) >= 4, word  # every word whole in every row
    assert sessions.count("IV ketamine 40 min") == 3
