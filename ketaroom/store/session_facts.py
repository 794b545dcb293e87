"""The facts of one recorded session, drawn from its events alone (no PDF, no Qt).

:func:`analyse` turns a session row and its journal events into :class:`SessionFacts`:
phases planned vs actual, vitals, notes with their corrections and tag changes, cues
with their acknowledgements, operator actions, device incidents (repeats folded) and
emergency presses. It reads only the journal, so the facts can be drawn for a session
recorded by any earlier ketaroom, or an interrupted one.

Separate from :mod:`ketaroom.store.export_pdf`, which lays these facts out on paper:
what a session was is one thing, how the report shows it another (the course report
asks only :func:`is_rems_session` and the REMS limits of this module).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ketaroom.core.durations import parse_duration
from ketaroom.store.record_schema import (
    RecordKind,
    current_note_tags,
    note_root,
    phase_name,
)
from ketaroom.store.session_records import EventRecord, SessionRecord

REMS_MIN_MONITORING_MIN = 120
"""Esketamine REMS: the patient is monitored at least this long from dose to leaving."""
REMS_POST_DOSE_CHECK_MIN = 40
"""Esketamine REMS: blood pressure is taken again about this long after the dose."""

__all__ = [
    "REMS_MIN_MONITORING_MIN",
    "REMS_POST_DOSE_CHECK_MIN",
    "CueRow",
    "IncidentRow",
    "NoteRow",
    "PhaseRow",
    "SessionFacts",
    "analyse",
    "as_number",
    "first_tagged",
    "is_rems_session",
    "local_time",
    "wall_time",
]


@dataclass
class PhaseRow:
    index: int
    name: str
    planned_start_s: float | None
    planned_s: float | None
    is_open: bool = False
    actual_start_s: float | None = None
    actual_wall: datetime | None = None
    actual_s: float | None = None
    reached: bool = False


@dataclass
class NoteRow:
    event: EventRecord
    corrections: list[EventRecord] = field(default_factory=list)
    tag_changes: list[EventRecord] = field(default_factory=list)
    """``note_tags`` entries: the note's tags changed, its text did not."""

    def current_tags(self) -> list[str]:
        """The note's tags now: as last set by a correction or a tag change."""
        return current_note_tags([self.event, *self.corrections, *self.tag_changes])[
            self.event.id]


@dataclass
class CueRow:
    event: EventRecord
    ack: EventRecord | None = None


@dataclass
class IncidentRow:
    first: EventRecord
    last: EventRecord
    count: int


@dataclass
class SessionFacts:
    """Everything the report shows, derived from the session row and its events."""

    session: SessionRecord
    events: list[EventRecord]
    phases: list[PhaseRow]
    vitals: list[EventRecord]
    notes: list[NoteRow]
    cues: list[CueRow]
    intents: list[EventRecord]
    incidents: list[IncidentRow]
    emergencies: list[EventRecord]
    start_wall: datetime
    end_wall: datetime | None
    end_t: float | None


def is_rems_session(session: SessionRecord) -> bool:
    """Esketamine sessions (preset named with "esketamine" or "REMS") get a REMS section."""
    name = (session.preset or "").lower()
    return "esketamine" in name or "rems" in name


def _planned_from_start(events: list[EventRecord]) -> list[PhaseRow]:
    """The plan the session itself recorded in its ``session_start`` payload."""
    for event in events:
        if event.kind != RecordKind.SESSION_START:
            continue
        phases = event.payload.get("phases")
        if not isinstance(phases, list) or not phases:
            return []
        rows: list[PhaseRow] = []
        clock: float | None = 0.0
        for index, phase in enumerate(phases):
            phase = phase if isinstance(phase, dict) else {}
            planned = as_number(phase.get("planned_s"))
            name = str(phase.get("name") or f"Phase {index + 1}")
            rows.append(PhaseRow(index, name, clock, planned, bool(phase.get("open"))))
            clock = clock + planned if clock is not None and planned is not None else None
        return rows
    return []


def _planned_phases(session: SessionRecord) -> list[PhaseRow]:
    """Phase names and planned lengths from the preset snapshot (tolerant of errors)."""
    if not session.preset_yaml:
        return []
    try:
        from ruamel.yaml import YAML

        doc = YAML(typ="safe", pure=True).load(session.preset_yaml)
    except Exception:
        return []
    phases = doc.get("phases") if isinstance(doc, dict) else None
    if not isinstance(phases, list):
        return []
    rows: list[PhaseRow] = []
    clock: float | None = 0.0
    for index, phase in enumerate(phases):
        if not isinstance(phase, dict):
            phase = {}
        name = str(phase.get("name", f"Phase {index + 1}"))
        duration = phase.get("duration")
        is_open = isinstance(duration, str) and duration.strip().lower() == "open"
        planned: float | None
        try:
            if is_open:
                expected = phase.get("expected")
                planned = parse_duration(expected) if expected is not None else None
            else:
                planned = parse_duration(duration)
        except (ValueError, TypeError):
            planned = None
        rows.append(PhaseRow(index, name, clock, planned, is_open))
        clock = clock + planned if clock is not None and planned is not None else None
    return rows


@dataclass
class _Collected:
    """What one pass over the events gathers, kind by kind (see :data:`_COLLECTORS`)."""

    by_id: dict[int, EventRecord]
    starts: list[EventRecord] = field(default_factory=list)
    session_starts: list[EventRecord] = field(default_factory=list)
    session_ends: list[EventRecord] = field(default_factory=list)
    notes: dict[int, NoteRow] = field(default_factory=dict)
    cues: dict[int, CueRow] = field(default_factory=dict)
    incidents: list[IncidentRow] = field(default_factory=list)
    vitals: list[EventRecord] = field(default_factory=list)
    intents: list[EventRecord] = field(default_factory=list)
    emergencies: list[EventRecord] = field(default_factory=list)


def _on_phase_start(found: _Collected, event: EventRecord) -> None:
    if event.phase_index is not None:
        found.starts.append(event)


def _on_note(found: _Collected, event: EventRecord) -> None:
    found.notes[event.id] = NoteRow(event)


def _on_note_follow_up(found: _Collected, event: EventRecord) -> None:
    root = note_root(event, found.by_id)
    if root is None or root not in found.notes:
        return
    row = found.notes[root]
    (row.corrections if event.kind == RecordKind.NOTE_CORRECTION else row.tag_changes
     ).append(event)


def _on_cue(found: _Collected, event: EventRecord) -> None:
    found.cues[event.id] = CueRow(event)


def _on_cue_ack(found: _Collected, event: EventRecord) -> None:
    row = found.cues.get(event.refers_to) if event.refers_to is not None else None
    if row is not None:
        row.ack = row.ack or event


def _on_device_error(found: _Collected, event: EventRecord) -> None:
    incidents = found.incidents
    if incidents and _incident_key(incidents[-1].first) == _incident_key(event):
        incidents[-1].last = event
        incidents[-1].count += 1
    else:
        incidents.append(IncidentRow(event, event, 1))


def _into(name: str) -> Callable[[_Collected, EventRecord], None]:
    def collect(found: _Collected, event: EventRecord) -> None:
        getattr(found, name).append(event)

    return collect


_COLLECTORS: dict[str, Callable[[_Collected, EventRecord], None]] = {
    RecordKind.SESSION_START: _into("session_starts"),
    RecordKind.PHASE_START: _on_phase_start,
    RecordKind.SESSION_END: _into("session_ends"),
    RecordKind.NOTE: _on_note,
    RecordKind.NOTE_CORRECTION: _on_note_follow_up,
    RecordKind.NOTE_TAGS: _on_note_follow_up,
    RecordKind.CUE: _on_cue,
    RecordKind.CUE_ACK: _on_cue_ack,
    RecordKind.DEVICE_ERROR: _on_device_error,
    RecordKind.VITALS: _into("vitals"),
    RecordKind.INTENT: _into("intents"),
    RecordKind.RESUME: _into("intents"),
    RecordKind.EMERGENCY: _into("emergencies"),
}
"""Kind → what the report takes from such an event; other kinds are not in the report."""


def _collect(events: list[EventRecord]) -> _Collected:
    found = _Collected({e.id: e for e in events})
    for event in events:
        collect = _COLLECTORS.get(event.kind)
        if collect is not None:
            collect(found, event)
    return found


def _plan(session: SessionRecord, events: list[EventRecord]) -> dict[int, PhaseRow]:
    """The planned phases: as recorded at the start, else from the preset snapshot."""
    plan = _planned_from_start(events) or _planned_phases(session)
    if plan and session.preset_yaml:
        # The YAML knows which phases are open; the recorded plan knows the lengths.
        for row, yaml_row in zip(plan, _planned_phases(session), strict=False):
            row.is_open = row.is_open or yaml_row.is_open
    return {row.index: row for row in plan}


def _planned_number(payload: dict[str, Any], key: str) -> float | None:
    value = payload.get(key)
    return float(value) if isinstance(value, int | float) else None


def _note_phase_start(row: PhaseRow, event: EventRecord) -> None:
    """What a phase start says about its phase's name and plan (filling gaps only)."""
    p = event.payload
    if phase_name(p):
        row.name = phase_name(p)
    if row.planned_s is None:
        row.planned_s = _planned_number(p, "planned_s")
    if row.planned_start_s is None:
        row.planned_start_s = _planned_number(p, "planned_start_s")


def _phase_rows(phases: dict[int, PhaseRow], starts: list[EventRecord],
                end_t: float | None) -> list[PhaseRow]:
    """The plan with each phase's actual start and length filled in."""
    for position, event in enumerate(starts):
        index = int(event.phase_index or 0)
        row = phases.setdefault(index, PhaseRow(index, f"Phase {index + 1}", None, None))
        _note_phase_start(row, event)
        if row.reached:
            continue  # a repeated start (e.g. after resume): the first one counts
        row.reached = True
        row.actual_start_s = event.session_t
        row.actual_wall = wall_time(event)
        following = [s.session_t for s in starts[position + 1 :] if s.phase_index != index]
        stop = following[0] if following else end_t
        if stop is not None:
            row.actual_s = max(0.0, stop - event.session_t)
    return [phases[i] for i in sorted(phases)]


def analyse(session: SessionRecord, events: list[EventRecord]) -> SessionFacts:
    """Derive the report's facts from a session and its events."""
    found = _collect(events)
    end_t = found.session_ends[-1].session_t if found.session_ends else None
    if found.session_starts:
        start_wall = wall_time(found.session_starts[0])
    else:
        start_wall = local_time(session.started_at)
    end_wall: datetime | None = None
    if found.session_ends:
        end_wall = wall_time(found.session_ends[-1])
    elif session.ended_at:
        end_wall = local_time(session.ended_at)
    return SessionFacts(
        session=session,
        events=events,
        phases=_phase_rows(_plan(session, events), found.starts, end_t),
        vitals=found.vitals,
        notes=list(found.notes.values()),
        cues=list(found.cues.values()),
        intents=found.intents,
        incidents=found.incidents,
        emergencies=found.emergencies,
        start_wall=start_wall,
        end_wall=end_wall,
        end_t=end_t,
    )


def _incident_key(event: EventRecord) -> tuple[str, str]:
    p = event.payload
    return (str(p.get("device", "")), str(p.get("message", p.get("error", ""))))


def local_time(text: str) -> datetime:
    """A stored wall time in the local zone of the machine making the report."""
    return datetime.fromisoformat(text).astimezone()


def wall_time(event: EventRecord) -> datetime:
    """When ``event`` was recorded, in the local zone of the machine making the report."""
    return local_time(event.wall)


def first_tagged(notes: list[NoteRow], tag: str) -> NoteRow | None:
    """The first note whose current tags include ``tag`` (lower case), if any."""
    for row in notes:
        if tag in [t.lower() for t in row.current_tags()]:
            return row
    return None


def as_number(value: Any) -> float | None:
    """A payload value as a finite number (a numeric string too; never a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None
