"""Patients, courses, clinical fields and measures in the journal (schema v5)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ketaroom.core.clinical import ClinicalInputError, DoseLimits
from ketaroom.store.journal import Journal
from ketaroom.store.journal_schema import SCHEMA_VERSION
from ketaroom.store.patients import PatientPreferences, PatientStore
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

V4_JOURNAL = Path(__file__).resolve().parents[2] / "data" / "journal_v4.sqlite3"
"""Written by ketaroom at schema v4 (commit 35e02aa, before patients): a ``rehearse
demo-3min`` run and a clinical session in Room 2 (patient ref PT-0042, a dose note with a
correction, a vitals reading), plus an audit entry."""


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    with Journal(tmp_path / "sessions.sqlite3") as j:
        yield j


def _start(journal: Journal, **kw: object) -> int:
    args: dict[str, object] = {"preset": "IV", "preset_path": None, "preset_yaml": None,
                               "room": "Room 1", "planned_s": 600.0}
    args.update(kw)
    return journal.start_session(**args)  # type: ignore[arg-type]


def _dump(path: Path, *tables: str) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as raw:
        return {t: raw.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables}


def test_migration_from_v4_keeps_every_record(tmp_path: Path) -> None:
    path = tmp_path / "sessions.sqlite3"
    shutil.copy(V4_JOURNAL, path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 4
    before = _dump(path, "sessions", "events", "audit")
    assert len(before["sessions"]) == 2 and len(before["events"]) > 10

    with Journal(path) as journal:
        assert journal.schema_version == SCHEMA_VERSION == 7
        sessions = journal.sessions()
        assert [(s.kind, s.room, s.patient) for s in sessions] == [
            ("rehearsal", "rehearse", None), ("clinical", "Room 2", None)]
        assert sessions[1].patient_ref == "PT-0042"
        assert [e.kind for e in journal.events(2)][:3] == ["session_start", "note", "vitals"]
        # earlier notes are in the history's full-text index (a correction's text too)
        assert [r.record.id for r in journal.history(search="36 mg")] == [2]
        # the migrated file takes patients and linked sessions at once
        store = PatientStore(journal)
        course = store.start_course("PT-0042", "induction", planned_sessions=6,
                                    spacing_days=3)
        new = _start(journal, course_id=course.id)
        assert journal.session(new).course_number == 1

    with sqlite3.connect(path) as raw:
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"sessions_patient", "sessions_course", "sessions_kind_started", "courses_patient",
            "events_session_kind"} <= indexes
    after = _dump(path, "sessions", "events", "audit")
    assert after["events"] == before["events"]
    assert after["audit"] == before["audit"]
    for old, migrated in zip(before["sessions"], after["sessions"], strict=False):
        assert migrated[: len(old)] == old
        assert migrated[len(old):] == (None, None, None)  # patient, course, number


def test_codes_are_checked_and_case_insensitive(journal: Journal) -> None:
    store = PatientStore(journal)
    with pytest.raises(ClinicalInputError, match="no spaces"):
        store.add_patient("PT 0042")
    with pytest.raises(ClinicalInputError, match="at most 32 characters; this one has 200"):
        store.add_patient("P" * 200)
    with pytest.raises(ClinicalInputError, match="needed"):
        store.ensure_patient("  ")
    created = store.add_patient("PT-0042", display_name="Ann Example", birth_year=1980)
    # the same code typed in another room, in another case: the same patient
    assert store.ensure_patient("pt-0042").id == created.id
    assert store.patient("Pt-0042").code == "PT-0042"
    with pytest.raises(ClinicalInputError, match="already a patient PT-0042"):
        store.add_patient("pt-0042")
    with pytest.raises(ClinicalInputError, match="Year of birth"):
        store.update_patient("PT-0042", display_name=None, birth_year=1200)
    with pytest.raises(KeyError):
        store.patient("PT-9999")
    assert [p.code for p in store.patients()] == ["PT-0042"]


def test_type_ahead_finds_by_code_prefix_or_name(journal: Journal) -> None:
    store = PatientStore(journal)
    store.add_patient("PT-0042", display_name="Ann Example")
    store.add_patient("PT-0100")
    store.add_patient("XY_1")
    assert [p.code for p in store.find_patients("pt-0")] == ["PT-0042", "PT-0100"]
    assert [p.code for p in store.find_patients("exam")] == ["PT-0042"]
    assert [p.code for p in store.find_patients("XY_")] == ["XY_1"]
    assert [p.code for p in store.find_patients("_")] == []  # a wildcard is literal


def test_preferences_carry_over(journal: Journal) -> None:
    store = PatientStore(journal)
    store.ensure_patient("PT-1")
    prefs = PatientPreferences(volume_pct=35.0, never_play=("rain.ogg", "Drums"),
                               warmer_k=300, dimmer_pct=10.0)
    assert store.set_preferences("PT-1", prefs).preferences == prefs
    assert store.patient("pt-1").preferences == prefs
    with pytest.raises(ClinicalInputError):
        PatientPreferences(volume_pct=140.0)


def test_course_numbers_and_next_due(journal: Journal) -> None:
    store = PatientStore(journal)
    start = date.today() - timedelta(days=10)
    course = store.start_course("PT-7", "induction", planned_sessions=2, spacing_days=3,
                                started=start)
    assert course.next_due == start and store.current_course("pt-7") == course
    rehearsal = _start(journal, kind="rehearsal", course_id=course.id)
    first = _start(journal, course_id=course.id)
    assert journal.session(rehearsal).course_number is None  # never counted
    assert journal.session(first).course_number == 1
    assert journal.session(first).patient == "PT-7"
    assert store.course(course.id).next_due == date.today() + timedelta(days=3)
    second = _start(journal, course_id=course.id)
    assert store.course(course.id).label(journal.session(second).course_number or 0) == \
        "session 2 of 2"
    assert store.course(course.id).next_due is None and store.current_course("PT-7") is None
    with pytest.raises(ClinicalInputError, match="induction"):
        store.start_course("PT-7", "weekly", planned_sessions=2, spacing_days=3)
    other = store.ensure_patient("PT-8")
    with pytest.raises(Exception, match="not a course of this patient"):
        _start(journal, patient_id=other.id, course_id=course.id)

    summary = {s.code: s for s in store.summaries()}
    assert summary["PT-7"].to_dict() == {
        "code": "PT-7", "sessions": 2, "rehearsals": 1,
        "first_session": journal.session(first).started_at,
        "last_session": journal.session(second).started_at, "next_due": None}
    assert summary["PT-8"].to_dict()["sessions"] == 0
    assert [s.id for s in store.sessions("pt-7")] == [first, second]
    assert [s.id for s in store.sessions("PT-7", include_rehearsals=True)] == [
        rehearsal, first, second]


def test_a_course_is_in_the_room_of_the_clinical_sessions_not_a_rehearsal(
        journal: Journal) -> None:
    """``ketaroom rehearse --patient`` without ``--room`` records the room ``rehearse``: it
    must not rename the room the course is planned in."""
    store = PatientStore(journal)
    course = store.start_course("PT-7", "induction", planned_sessions=6, spacing_days=3)
    _start(journal, course_id=course.id, room="Treatment room")
    _start(journal, kind="rehearsal", room="rehearse", patient_id=store.patient("PT-7").id)
    assert store.course(course.id).room == "Treatment room"


def test_clinical_fields_are_checked_and_read_back(journal: Journal) -> None:
    store = PatientStore(journal)
    session = _start(journal, patient_id=store.ensure_patient("PT-1").id)
    with pytest.raises(ClinicalInputError, match="5000 mg is not plausible"):
        Dose(5000, "iv", 70)
    with pytest.raises(ClinicalInputError, match="mg/kg: not plausible"):
        Dose(600, "iv", 70)
    with pytest.raises(ClinicalInputError, match="56 or 84"):
        Dose(60, "intranasal", drug="esketamine")
    with pytest.raises(ClinicalInputError, match="item 4 missing"):
        Phq9([1, 2, 1, None, 0, 0, 1, 2, 0])
    with pytest.raises(ClinicalInputError, match="item 9 missing"):
        Phq9([1] * 8)
    with pytest.raises(ClinicalInputError, match="MOAA/S"):
        Sedation(6)
    with pytest.raises(ClinicalInputError, match="Mood"):
        FollowUp("24h", 11)
    started = journal.session(session).started
    with pytest.raises(ClinicalInputError, match="before its session"):
        store.record(session, FollowUp("24h", 6), wall=started - timedelta(hours=2))
    with pytest.raises(ValueError, match="not a clinical field"):
        store.record(session, VitalsReading(120, 80))

    over = Dose.checked(84, "iv", 70.0, by="Dr A")
    assert over.warnings == ["Dose 1.20 mg/kg iv is above the clinic limit 1 mg/kg"]
    assert Dose.checked(84, "iv", 70.0, limits=DoseLimits({"iv": 1.5})).warnings == []
    assert Dose.checked(84, "intranasal", drug="esketamine", lot="L1").warnings == []
    dose = Dose(70, "iv", 70.0, warnings=["x"])
    assert dose.to_payload()["mg_per_kg"] == 1.0
    journal.append(session, VitalsReading.kind, session_t=1,
                   payload=VitalsReading(150, 95, 80, 98).to_payload())
    journal.append(session, VitalsReading.kind, session_t=2,
                   payload=VitalsReading(138, 99, 80, 98).to_payload())
    store.record(session, Phq9([2, 2, 1, 3, 1, 1, 2, 1, 0]), session_t=0)
    store.record(session, dose)
    store.record(session, Sedation(4))
    store.record(session, Dissociation(2, rems_dissociation=True))
    store.record(session, AdverseEvent("nausea", action="ondansetron 4 mg"))
    store.record(session, ReadyToLeave(by="nurse"))
    store.record(session, Reflection("I am not my thoughts"))
    store.record(session, FollowUp("24h", 7, sleep="well"),
                 wall=datetime.now().astimezone() + timedelta(days=1))
    measures = store.measures(session)
    assert measures["phq9"]["total"] == 13 and measures["phq9"]["band"] == "moderate"
    assert measures["dose"]["mg"] == 70 and measures["dose"]["warnings"] == ["x"]
    assert [s["moaas"] for s in measures["sedation"]] == [4]
    assert measures["dissociation"][0]["rems_dissociation"] is True
    assert measures["adverse_events"][0]["text"] == "nausea"
    assert measures["ready_to_leave"] is not None
    assert measures["reflections"][0]["text"] == "I am not my thoughts"
    assert measures["follow_ups"][0]["mood"] == 7
    assert measures["bp_peak"] == {"sys": 150, "dia": 99}
    # recorded at the session's latest timeline time unless told
    assert journal.events(session)[-1].session_t == 2.0


def test_due_lists_next_sessions_and_missing_follow_ups(journal: Journal) -> None:
    store = PatientStore(journal)
    course = store.start_course("PT-1", "maintenance", planned_sessions=4, spacing_days=1,
                                started=date.today() - timedelta(days=5))
    session = _start(journal, course_id=course.id)
    today = date.today()
    assert store.due(today) == []
    tomorrow = store.due(today + timedelta(days=1))
    assert [(d.patient, d.what) for d in tomorrow] == [("PT-1", "follow-up 24h"),
                                                      ("PT-1", "session")]
    store.record(session, FollowUp("24h", 5), wall=datetime.now().astimezone())
    assert [d.what for d in store.due(today + timedelta(days=7))] == [
        "session", "follow-up 7d"]
