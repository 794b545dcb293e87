"""The session timeline: a pure function of (preset, journal of intents, now).

Times are session-clock seconds (see :mod:`ketaroom.core.clock`). *Active* time is
time the session has been running, not paused; the ``t`` of every event is active
time, which for a session without pauses or changes equals the planned offset.

Nothing here keeps state between calls: the session, the UI and the tests all ask
the same question — "given these intents, where are we at ``now``?" — and get the
same answer. Intents that make no sense in the state they arrive in (resume while
running, extend before start…) are ignored, so any journal is a valid input.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ketaroom.core.preset import Preset


class IntentKind(enum.Enum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    NEXT = "next"
    """Ends an open phase, or skips the rest of a timed one."""
    EXTEND = "extend"
    STOP = "stop"


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    at: float
    """Session-clock time at which the intent was given."""
    amount_s: float = 0.0
    """Seconds added by EXTEND."""


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


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened on the timeline, in order."""

    kind: EventKind
    t: float
    """Active session seconds."""
    at: float
    """Session-clock time."""
    phase_index: int | None = None
    cue_index: int | None = None
    status: Status | None = None
    """For SESSION_END: completed or stopped."""


@dataclass(frozen=True)
class PhaseSpan:
    """One phase as it actually ran (or is running)."""

    index: int
    start_t: float
    """Active time at which it began."""
    length_s: float
    """Planned length plus extensions (``inf`` for an open phase waiting for Next)."""
    extended_s: float = 0.0
    end_t: float | None = None
    """Active time at which it ended; ``None`` while current."""
    skipped_s: float = 0.0
    """Planned time left when Next ended it early."""


@dataclass(frozen=True)
class TimelineState:
    status: Status
    phase_index: int | None
    phase_elapsed_s: float
    phase_remaining_s: float | None
    """``None`` for an open phase with no expected time while it waits for Next."""
    active_s: float
    """Running time since start, pauses excluded."""
    elapsed_s: float
    """Clock time since start, pauses included (until the end)."""
    paused_s: float
    remaining_s: float
    """Planned active time left in the whole session (open phases count as expected)."""
    next_event_at: float | None
    """Session-clock time of the next automatic event, ``None`` when none can come."""
    spans: tuple[PhaseSpan, ...] = ()
    events: tuple[TimelineEvent, ...] = field(default=(), repr=False)


@dataclass
class _Walk:
    """Mutable bookkeeping while replaying the intents. Internal to :func:`timeline_at`."""

    preset: Preset
    open_as_expected: bool
    status: Status = Status.NOT_STARTED
    start_at: float = 0.0
    end_at: float | None = None
    paused_s: float = 0.0
    pause_began: float = 0.0
    phase: int = 0
    phase_start_t: float = 0.0
    extended_s: float = 0.0
    next_cue: int = 0
    spans: list[PhaseSpan] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)

    def active_at(self, at: float) -> float:
        paused = self.paused_s + (at - self.pause_began if self.status is Status.PAUSED else 0.0)
        return at - self.start_at - paused

    def clock_at(self, t: float) -> float:
        """Clock time at which active time ``t`` is reached if the session keeps running."""
        return self.start_at + self.paused_s + t

    def phase_length(self) -> float:
        phase = self.preset.phases[self.phase]
        if phase.is_open and not self.open_as_expected:
            return math.inf
        return phase.planned_s + self.extended_s

    def begin(self, at: float) -> None:
        self.status = Status.RUNNING
        self.start_at = at
        self.events.append(TimelineEvent(EventKind.SESSION_START, 0.0, at))
        self.enter_phase(0, 0.0, at)

    def enter_phase(self, index: int, t: float, at: float) -> None:
        self.phase, self.phase_start_t, self.extended_s, self.next_cue = index, t, 0.0, 0
        self.events.append(TimelineEvent(EventKind.PHASE_START, t, at, phase_index=index))

    def next_due(self) -> tuple[float, bool] | None:
        """Active time of the next automatic event and whether it is a phase end."""
        cues = self.preset.phases[self.phase].cues
        end_t = self.phase_start_t + self.phase_length()
        if self.next_cue < len(cues):
            cue_t = self.phase_start_t + cues[self.next_cue].at_s
            if cue_t < end_t:
                return cue_t, False
        return (end_t, True) if math.isfinite(end_t) else None

    def run_until(self, at: float) -> None:
        """Fire the automatic events (cues, phase ends) due up to clock time ``at``."""
        while self.status is Status.RUNNING:
            due = self.next_due()
            if due is None or self.clock_at(due[0]) > at:
                return
            t, is_phase_end = due
            if is_phase_end:
                self.close_phase(t, skipped_s=0.0)
                self.advance(t, self.clock_at(t))
            else:
                self.events.append(TimelineEvent(
                    EventKind.CUE, t, self.clock_at(t), self.phase, self.next_cue))
                self.next_cue += 1

    def close_phase(self, t: float, skipped_s: float) -> None:
        self.spans.append(PhaseSpan(self.phase, self.phase_start_t, self.phase_length(),
                                    self.extended_s, t, skipped_s))

    def advance(self, t: float, at: float) -> None:
        if self.phase + 1 < len(self.preset.phases):
            self.enter_phase(self.phase + 1, t, at)
        else:
            self.finish(t, Status.COMPLETED, at)

    def finish(self, t: float, status: Status, at: float) -> None:
        if self.status is Status.PAUSED:
            self.paused_s += at - self.pause_began
        self.status, self.end_at = status, at
        self.events.append(TimelineEvent(EventKind.SESSION_END, t, at, status=status))

    def apply(self, intent: Intent) -> None:
        kind, at = intent.kind, intent.at
        if self.status is Status.NOT_STARTED:
            if kind is IntentKind.START:
                self.begin(at)
            return
        if self.status.ended:
            return
        t = self.active_at(at)
        if kind is IntentKind.PAUSE and self.status is Status.RUNNING:
            self.status, self.pause_began = Status.PAUSED, at
        elif kind is IntentKind.RESUME and self.status is Status.PAUSED:
            self.paused_s += at - self.pause_began
            self.status = Status.RUNNING
        elif kind is IntentKind.EXTEND and intent.amount_s > 0:
            self.extended_s += intent.amount_s
        elif kind is IntentKind.NEXT:
            self.close_phase(t, skipped_s=self.planned_left(t))
            self.advance(t, at)
        elif kind is IntentKind.STOP:
            self.close_phase(t, skipped_s=self.planned_left(t))
            self.finish(t, Status.STOPPED, at)

    def planned_left(self, t: float) -> float:
        """Planned time of the current phase not yet run at active time ``t``."""
        planned = self.preset.phases[self.phase].planned_s + self.extended_s
        return max(0.0, self.phase_start_t + planned - t)


def timeline_at(
    preset: Preset,
    intents: Sequence[Intent],
    now: float,
    *,
    open_as_expected: bool = False,
) -> TimelineState:
    """Where the session stands at clock time ``now``.

    ``intents`` must be in the order they were given (their ``at`` never decreasing);
    intents later than ``now`` are not applied. With ``open_as_expected`` (rehearse),
    an open phase ends by itself after its expected time.
    """
    walk = _Walk(preset, open_as_expected)
    for intent in intents:
        if intent.at > now:
            break
        walk.run_until(intent.at)
        walk.apply(intent)
    walk.run_until(now)
    return _state(walk, now)


def _state(walk: _Walk, now: float) -> TimelineState:
    if walk.status is Status.NOT_STARTED:
        return TimelineState(Status.NOT_STARTED, None, 0.0, None, 0.0, 0.0, 0.0,
                             walk.preset.planned_s, None)
    end = walk.end_at if walk.end_at is not None else now
    active = walk.active_at(end)
    paused = walk.paused_s + (now - walk.pause_began if walk.status is Status.PAUSED else 0.0)
    spans = list(walk.spans)
    if walk.status.ended:
        last = spans[-1]
        phase_elapsed, phase_remaining, next_at = last.end_t - last.start_t, 0.0, None
        remaining = 0.0
    else:
        length = walk.phase_length()
        phase = walk.preset.phases[walk.phase]
        spans.append(PhaseSpan(walk.phase, walk.phase_start_t, length, walk.extended_s))
        phase_elapsed = active - walk.phase_start_t
        shown_length = length if math.isfinite(length) else (
            phase.expected_s + walk.extended_s if phase.expected_s is not None else None)
        phase_remaining = None if shown_length is None else max(0.0, shown_length - phase_elapsed)
        later = sum(p.planned_s for p in walk.preset.phases[walk.phase + 1:])
        remaining = (phase_remaining or 0.0) + later
        due = walk.next_due() if walk.status is Status.RUNNING else None
        next_at = walk.clock_at(due[0]) if due is not None else None
    return TimelineState(
        status=walk.status,
        phase_index=walk.phase,
        phase_elapsed_s=phase_elapsed,
        phase_remaining_s=phase_remaining,
        active_s=active,
        elapsed_s=end - walk.start_at,
        paused_s=paused,
        remaining_s=remaining,
        next_event_at=next_at,
        spans=tuple(spans),
        events=tuple(walk.events),
    )
