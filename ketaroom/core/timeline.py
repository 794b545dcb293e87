"""The session timeline: a pure function of (preset, journal of intents, now).

Times are session-clock seconds (see :mod:`ketaroom.core.clock`). *Active* time is
time the session has been running, not paused; the ``t`` of every event is active
time, which for a session without pauses or changes equals the planned offset.

:func:`timeline_at` keeps no state between calls: the session, the UI and the tests all
ask the same question — "given these intents, where are we at ``now``?" — and get the
same answer. Intents that make no sense in the state they arrive in (resume while
running, extend before start…) are ignored, so any journal is a valid input.

:class:`TimelineReplay` gives the same answers for a running session without replaying
the whole journal at every tick: while intents are only appended and ``now`` never goes
back, each call costs only what happened since the previous one (otherwise it replays
from the start), so a session of N phases costs O(N) in all, not O(N²).
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, overload

from ketaroom.core.durations import MAX_DURATION_S
from ketaroom.core.timeline_kinds import EventKind as EventKind  # callers import them here too
from ketaroom.core.timeline_kinds import Status as Status

if TYPE_CHECKING:
    from ketaroom.core.preset import Preset

_T = TypeVar("_T")


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


class _Prefix(Sequence[_T]):
    """An immutable view of the first ``n`` items of an append-only list, plus ``extra``.

    Compares, hashes and prints like the tuple of its items. Lets a
    :class:`TimelineState` hand out the events so far without copying them at every tick.
    """

    __slots__ = ("_extra", "_items", "_n")

    def __init__(self, items: list[_T], n: int, extra: tuple[_T, ...] = ()) -> None:
        self._items, self._n, self._extra = items, n, extra

    def __len__(self) -> int:
        return self._n + len(self._extra)

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[_T, ...]: ...

    def __getitem__(self, index: int | slice) -> _T | tuple[_T, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return tuple(self)[index]
            head = self._items[start:max(start, min(stop, self._n))]
            return (*head, *self._extra[max(0, start - self._n):max(0, stop - self._n)])
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("timeline index out of range")
        return self._items[index] if index < self._n else self._extra[index - self._n]

    def __iter__(self) -> Iterator[_T]:
        yield from itertools.islice(self._items, self._n)
        yield from self._extra

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Prefix | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


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
    spans: Sequence[PhaseSpan] = ()
    """Every phase begun so far, in order (immutable; compares like a tuple)."""
    events: Sequence[TimelineEvent] = field(default=(), repr=False)
    """Every event so far, in order (immutable; compares like a tuple)."""


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
        elif kind is IntentKind.EXTEND and 0 < intent.amount_s <= MAX_DURATION_S:
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


class TimelineReplay:
    """:func:`timeline_at` for one preset, continuing from the previous call when it can.

    Gives exactly the answers of :func:`timeline_at`. When ``intents`` starts with the
    intents applied so far and no new intent nor ``now`` is earlier than the last ``now``
    asked about, only the new intents and the time since are replayed; otherwise the
    journal is replayed from the start.
    """

    def __init__(self, preset: Preset, *, open_as_expected: bool = False) -> None:
        self.preset = preset
        self.open_as_expected = open_as_expected
        self._later = _planned_after(preset)
        self._walk = _Walk(preset, open_as_expected)
        self._applied = 0
        self._last: Intent | None = None
        self._until = -math.inf

    def _can_continue(self, intents: Sequence[Intent], now: float) -> bool:
        applied = self._applied
        if now < self._until or len(intents) < applied:
            return False
        if applied and intents[applied - 1] != self._last:
            return False
        return len(intents) == applied or intents[applied].at >= self._until

    def state(self, intents: Sequence[Intent], now: float) -> TimelineState:
        """Where the session stands at clock time ``now`` (see :func:`timeline_at`)."""
        if not self._can_continue(intents, now):
            self._walk = _Walk(self.preset, self.open_as_expected)
            self._applied, self._last = 0, None
        walk = self._walk
        for index in range(self._applied, len(intents)):
            intent = intents[index]
            if intent.at > now:
                break
            walk.run_until(intent.at)
            walk.apply(intent)
            self._applied, self._last = index + 1, intent
        walk.run_until(now)
        self._until = now
        return _state(walk, now, self._later)


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
    return TimelineReplay(preset, open_as_expected=open_as_expected).state(intents, now)


def _planned_after(preset: Preset) -> list[float]:
    """``out[i]``: planned seconds of the phases after phase ``i``; ``out[-1]``: all of them."""
    out = [0.0] * (len(preset.phases) + 1)
    total = 0.0
    for index in range(len(preset.phases) - 1, -1, -1):
        out[index] = total
        total += preset.phases[index].planned_s
    out[-1] = total
    return out


def _state(walk: _Walk, now: float, later: Sequence[float]) -> TimelineState:
    if walk.status is Status.NOT_STARTED:
        return TimelineState(Status.NOT_STARTED, None, 0.0, None, 0.0, 0.0, 0.0,
                             later[-1], None)
    end = walk.end_at if walk.end_at is not None else now
    active = walk.active_at(end)
    paused = walk.paused_s + (now - walk.pause_began if walk.status is Status.PAUSED else 0.0)
    current: tuple[PhaseSpan, ...] = ()
    if walk.status.ended:
        last = walk.spans[-1]
        phase_elapsed, phase_remaining, next_at = last.end_t - last.start_t, 0.0, None
        remaining = 0.0
    else:
        length = walk.phase_length()
        phase = walk.preset.phases[walk.phase]
        current = (PhaseSpan(walk.phase, walk.phase_start_t, length, walk.extended_s),)
        phase_elapsed = active - walk.phase_start_t
        shown_length = length if math.isfinite(length) else (
            phase.expected_s + walk.extended_s if phase.expected_s is not None else None)
        phase_remaining = None if shown_length is None else max(0.0, shown_length - phase_elapsed)
        remaining = (phase_remaining or 0.0) + later[walk.phase]
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
        spans=_Prefix(walk.spans, len(walk.spans), current),
        events=_Prefix(walk.events, len(walk.events)),
    )
