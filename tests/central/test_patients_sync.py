"""Patients and courses on the clinic's server: one patient per code across rooms,
names only when the room shares them, and an older server and outbox brought up to date."""

from __future__ import annotations

import sqlite3
from datetime import date

import psycopg

from ketaroom.store.central.reader import CentralPatients, CentralRecords
from ketaroom.store.central.sync import pending_count, sync
from ketaroom.store.course_report import load_course
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from ketaroom.store.patients import PatientStore
from ketaroom.ui.patient_view import IN_CLINIC, due_text
from tests.central.courses import course_room
from tests.central.records import assert_same


def _clinic_patients(dsn: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT code, display_name, birth_year, rooms FROM clinic_patients ORDER BY key")]


def test_one_code_typed_in_two_rooms_is_one_clinic_patient_with_both_rooms_course(
        tmp_path, clinic_dsn: str) -> None:
    room_a = course_room(tmp_path, "Room A", "PT-0042", days=[0, 2], display_name="A. Example",
                         birth_year=1979)
    room_b = course_room(tmp_path, "Room B", "pt-0042", days=[4], rehearsal_day=5)
    for data in (room_a, room_b):
        result = sync(journal_path(data), clinic_dsn)
        assert result.sent["patients"] == 1 and result.sent["courses"] == 1
        assert_same(clinic_dsn, journal_path(data))
        assert pending_count(journal_path(data)) == 0
    # merged by code without regard to case; the name stayed on the PC (not shared)
    assert _clinic_patients(clinic_dsn) == [("PT-0042", None, None, 2)]
    with CentralRecords(clinic_dsn) as central:
        report = load_course(CentralPatients(central), "Pt-0042")
        with_rehearsals = load_course(CentralPatients(central), "PT-0042",
                                      include_rehearsals=True)
        summaries = CentralPatients(central).summaries()
    assert [(r.session.room, r.session.course_number) for r in report.rows] == [
        ("Room A", 1), ("Room A", 2), ("Room B", 1)]
    assert [r.session.kind for r in with_rehearsals.rows][-1] == "rehearsal"
    assert [(c.kind, c.sessions_done) for c in report.courses] == [("induction", 2),
                                                                   ("induction", 1)]
    assert report.patient.display_name is None
    assert [r.measures["phq9"]["total"] for r in report.rows] == [18, 18, 9]
    with Journal(journal_path(room_a)) as journal:  # the same shapes as the local report
        local = load_course(journal, "PT-0042").to_dict()
    central_doc = report.to_dict()
    assert set(central_doc) == set(local)
    assert set(central_doc["sessions"][0]) == set(local["sessions"][0])
    assert central_doc["sessions"][0]["measures"] == local["sessions"][0]["measures"]
    [summary] = summaries
    assert (summary.code, summary.sessions, summary.rehearsals) == ("PT-0042", 3, 1)
    # nothing twice: a second sync sends no patient, course or session again
    assert sync(journal_path(room_b), clinic_dsn).total == 0


def test_the_clinic_due_line_names_each_patient_once_per_item_with_its_rooms(
        tmp_path, clinic_dsn: str) -> None:
    """PT-0042 has an open course in Room A and in Room B (typed pt-0042 there): one
    entry for their next session naming both rooms, each since its own date; their
    follow-ups likewise; never the patient twice without the room."""
    room_a = course_room(tmp_path, "Room A", "PT-0042", days=[0, 2])  # 4 and 6 March
    room_b = course_room(tmp_path, "Room B", "pt-0042", days=[4])  # 8 March
    course_room(room_b.parent, "Room B", "PT-0100", days=[1])  # 5 March
    for data in (room_a, room_b):
        sync(journal_path(data), clinic_dsn)
    today = date(2024, 3, 11)
    with CentralRecords(clinic_dsn) as central:
        due = CentralPatients(central).due(today)
    sessions = [(d.patient, d.room, d.due.day) for d in due if d.what == "session"]
    assert sessions == [("PT-0100", "Room B", 7), ("PT-0042", "Room A", 8),
                        ("PT-0042", "Room B", 10)]
    assert due_text(due, today, IN_CLINIC, rooms=True) == (
        "Due today in the clinic: "
        "PT-0042 follow-up 24h (Room A, since 05 Mar; Room B, since 09 Mar) · "
        "PT-0100 follow-up 24h (Room B, since 06 Mar) · "
        "PT-0100 session (Room B, since 07 Mar) · "
        "PT-0042 session (Room A, since 08 Mar; Room B, since 10 Mar) · "
        "PT-0042 follow-up 7d (Room A)")
    with Journal(journal_path(room_a)) as journal:  # this room's line: no rooms named
        local = PatientStore(journal).due(today)
    assert due_text(local, today) == (
        "Due today: PT-0042 follow-up 24h (since 05 Mar) · PT-0042 session (since 08 Mar)"
        " · PT-0042 follow-up 7d")


def test_names_go_only_when_the_room_shares_them_and_follow_changes(
        tmp_path, clinic_dsn: str) -> None:
    data = course_room(tmp_path, "Room A", "PT-7", days=[0], display_name="A. Example",
                       birth_year=1979)
    path = journal_path(data)
    sync(path, clinic_dsn)
    assert _clinic_patients(clinic_dsn) == [("PT-7", None, None, 1)]
    assert pending_count(path, share_names=True) == 1  # sharing would send the patient
    assert sync(path, clinic_dsn, share_names=True).sent["patients"] == 1
    assert _clinic_patients(clinic_dsn) == [("PT-7", "A. Example", 1979, 1)]
    assert sync(path, clinic_dsn, share_names=True).total == 0
    with Journal(path) as journal:
        PatientStore(journal).update_patient("PT-7", display_name="A. Other", birth_year=1980)
    assert sync(path, clinic_dsn, share_names=True).sent["patients"] == 1
    assert _clinic_patients(clinic_dsn) == [("PT-7", "A. Other", 1980, 1)]
    assert sync(path, clinic_dsn).sent["patients"] == 1  # sharing turned off: wiped
    assert _clinic_patients(clinic_dsn) == [("PT-7", None, None, 1)]


def test_a_server_and_outbox_from_before_patients_are_upgraded_and_filled_in(
        tmp_path, clinic_dsn: str) -> None:
    data = course_room(tmp_path, "Room A", "PT-9", days=[0, 2])
    path = journal_path(data)
    sync(path, clinic_dsn)
    # put back what the previous ketaroom left: schema 1 and an outbox without shapes
    with psycopg.connect(clinic_dsn) as conn:
        conn.execute("DROP INDEX events_words; DROP FUNCTION ketaroom_event_words(text);"
                     " DROP VIEW clinic_patients; DROP TABLE patients, courses;"
                     " ALTER TABLE sessions DROP COLUMN patient_local_id,"
                     " DROP COLUMN course_local_id, DROP COLUMN course_number;"
                     " UPDATE ketaroom_schema SET version = 1")
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM central_outbox WHERE tbl IN ('patients', 'courses')")
        raw.execute("ALTER TABLE central_outbox DROP COLUMN shape")
        raw.execute("ALTER TABLE central_outbox DROP COLUMN digest")
    result = sync(path, clinic_dsn)
    # the sessions went again (their new columns filled in); events were not re-sent
    assert (result.sent["sessions"], result.sent["events"]) == (2, 0)
    assert_same(clinic_dsn, path)
    with CentralRecords(clinic_dsn) as central:
        assert [s.patient for s in central.sessions()] == ["PT-9", "PT-9"]
    assert sync(path, clinic_dsn).total == 0


def test_a_course_that_goes_on_under_a_new_room_id_is_one_course(tmp_path, clinic_dsn: str
                                                                 ) -> None:
    """A retention purge that hands session ids out again gives the room a new id space on
    the server; the course it had stays one course there, with every session in it."""
    room = course_room(tmp_path, "Room A", "PT-0042", days=[0, 2])
    path = journal_path(room)
    first = sync(path, clinic_dsn).room_id
    with Journal(path) as journal:
        assert journal.purge_older_than(0) == 2  # retention: both sessions were old
        store = PatientStore(journal)
        [course] = store.courses("PT-0042")
        sid = journal.start_session(preset="IV ketamine", preset_path=None, preset_yaml=None,
                                    room="Room A", planned_s=2400.0, course_id=course.id)
        assert sid == 1  # SQLite hands the purged ids out again
        journal.append(sid, "session_start", session_t=0.0, payload={})
        journal.end_session(sid, "completed")
    assert sync(path, clinic_dsn).room_id != first
    with CentralRecords(clinic_dsn) as central:
        courses = CentralPatients(central).courses("PT-0042")
        report = load_course(CentralPatients(central), "PT-0042")
    assert [(c.uid, c.sessions_done) for c in courses] == [(course.uid, 3)]
    assert len(report.rows) == 3 and [c.uid for c in report.courses] == [course.uid]
    with psycopg.connect(clinic_dsn) as conn:  # the new id space has its own course row
        assert conn.execute("SELECT count(DISTINCT room_id) FROM courses").fetchone() == (2,)
