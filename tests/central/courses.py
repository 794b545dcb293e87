"""Rooms whose journals hold a patient's course: real patients, courses and measures."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from ketaroom.store.patients import PatientStore
from ketaroom.store.record_schema import Dissociation, Dose, Phq9, Sedation

FIRST_DAY = datetime(2024, 3, 4, 9, 0).astimezone()


def course_room(tmp_path: Path, room: str, code: str, *, days: list[int],
                display_name: str | None = None, birth_year: int | None = None,
                rehearsal_day: int | None = None) -> Path:
    """A data folder whose journal has patient ``code`` (spelled as given) with an
    induction course and one clinical session on each of ``days`` (days after
    :data:`FIRST_DAY`, with dose, sedation, dissociation and a PHQ-9 falling by day),
    and a rehearsal on ``rehearsal_day`` if given."""
    data = tmp_path / room.replace(" ", "-")
    data.mkdir(exist_ok=True)
    with Journal(journal_path(data)) as journal:
        store = PatientStore(journal)
        store.add_patient(code, display_name=display_name, birth_year=birth_year)
        course = store.start_course(code, "induction", planned_sessions=6, spacing_days=2,
                                    started=(FIRST_DAY + timedelta(days=min(days))).date())
        for day in days:
            t0 = FIRST_DAY + timedelta(days=day)
            sid = _started(journal, room, t0, course_id=course.id)
            store.record(sid, Dose(35, "iv", 70.0), wall=t0 + timedelta(minutes=2))
            store.record(sid, Sedation(4), wall=t0 + timedelta(minutes=20))
            store.record(sid, Dissociation(2), wall=t0 + timedelta(minutes=21))
            store.record(sid, Phq9([2] * 9 if day < 4 else [1] * 9),
                         wall=t0 + timedelta(minutes=40))
            journal.end_session(sid, "completed")
        if rehearsal_day is not None:
            patient = store.patient(code)
            sid = _started(journal, room, FIRST_DAY + timedelta(days=rehearsal_day),
                           kind="rehearsal", patient_id=patient.id)
            journal.end_session(sid, "completed")
    return data


def _started(journal: Journal, room: str, at: datetime, **link: object) -> int:
    sid = journal.start_session(preset=f"IV ketamine in {room}", preset_path=None,
                                preset_yaml=None, room=room, planned_s=2400.0,
                                **link)  # type: ignore[arg-type]
    journal.append(sid, "session_start", session_t=0.0, payload={}, wall=at)
    with sqlite3.connect(journal.path) as raw:  # as if recorded on that day
        raw.execute("UPDATE sessions SET started_at = ? WHERE id = ?",
                    (at.isoformat(timespec="milliseconds"), sid))
    return sid
