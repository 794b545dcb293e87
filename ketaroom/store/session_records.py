"""What a session record is once read: sessions, events, history lines, and their source.

:class:`SessionRecord`, :class:`EventRecord` and :class:`HistoryRow` are what both record
stores hand out, the room's :class:`~ketaroom.store.journal.Journal` and the clinic's
server (:class:`~ketaroom.store.central.reader.CentralRecords`); :class:`RecordSource` is
what the exports need of either. Separate from the journal so that readers of records
(exports, views, the clinic's server) depend on the records, not on SQLite.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "INCIDENT_KINDS",
    "EventRecord",
    "HistoryRow",
    "RecordSource",
    "SessionRecord",
    "decode_payload",
]


@dataclass(frozen=True)
class SessionRecord:
    """One session as stored, with ``status`` computed at read time."""

    id: int
    preset: str
    preset_path: str | None
    preset_yaml: str | None
    room: str
    patient_ref: str | None
    started_at: str
    ended_at: str | None
    status: str
    pid: int | None
    host: str | None
    planned_s: float | None
    speed: float
    operator: str | None
    kind: str = "clinical"
    patient: str | None = None
    """The patient's code (:mod:`ketaroom.store.patients`), when the session has one."""
    course_id: int | None = None
    course_number: int | None = None
    """The session's number in its course (1, 2, …); None for rehearsals."""

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.started_at)

    @property
    def ended(self) -> datetime | None:
        return datetime.fromisoformat(self.ended_at) if self.ended_at else None

    def to_dict(self, *, with_yaml: bool = True) -> dict[str, Any]:
        """A JSON-ready dict (``with_yaml=False`` drops the preset snapshot)."""
        out = asdict(self)
        if not with_yaml:
            out.pop("preset_yaml")
        return out


@dataclass(frozen=True)
class EventRecord:
    """One journal event. ``payload`` is the decoded JSON object."""

    id: int
    session_id: int
    seq: int
    kind: str
    wall: str
    session_t: float
    phase_index: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    refers_to: int | None = None

    @property
    def wall_dt(self) -> datetime:
        return datetime.fromisoformat(self.wall)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["payload"] = dict(self.payload)
        return out


@dataclass(frozen=True)
class HistoryRow:
    """One line of the session history (:meth:`~ketaroom.store.journal.Journal.history`)."""

    record: SessionRecord
    actual_s: float | None
    """The latest session time recorded (how far the session got)."""
    interruptions: int
    """Resumes after a crash, plus one if it is interrupted now."""
    incidents: int
    """Device errors and emergency presses."""


INCIDENT_KINDS = ("device_error", "emergency")
"""The event kinds a :class:`HistoryRow` counts as ``incidents``."""


class RecordSource(Protocol):
    """What the exports read: a :class:`~ketaroom.store.journal.Journal`, or the clinic's
    server (:class:`ketaroom.store.central.reader.CentralRecords`)."""

    def session(self, session_id: int) -> SessionRecord: ...

    def events(self, session_id: int) -> list[EventRecord]: ...


def decode_payload(payload: str | None) -> dict[str, Any]:
    """An event's stored payload text as a dict (kept readable if it is not an object)."""
    try:
        decoded = json.loads(payload) if payload else {}
    except ValueError:
        return {"raw": payload}
    return decoded if isinstance(decoded, dict) else {"value": decoded}
