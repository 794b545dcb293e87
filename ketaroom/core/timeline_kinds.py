"""The timeline's words without the timeline: a session's :class:`Status` and the kinds of
its events (:class:`EventKind`).

:mod:`ketaroom.core.timeline` re-exports both; import them from here where the timeline
itself is not needed — the window's first frame shows a status before any session exists,
and importing the timeline (with the preset model it walks) cost it ~7 ms (issue 14).
"""

from __future__ import annotations

import enum


class Status(enum.Enum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"

    @property
    def ended(self) -> bool:
        return self in (Status.COMPLETED, Status.STOPPED)


class EventKind(enum.Enum):
    SESSION_START = "session_start"
    PHASE_START = "phase_start"
    CUE = "cue"
    SESSION_END = "session_end"
