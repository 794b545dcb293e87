"""The timeline as a pure function: phases, cues, pause/resume/extend/next/stop."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaroom.core.clock import ManualClock
from ketaroom.core.durations import MAX_DURATION_S
from ketaroom.core.limits import MAX_PHASES
from ketaroom.core.session import Session
from ketaroom.core.timeline import (
    EventKind,
    Intent,
    IntentKind,
    Status,
    TimelineReplay,
    _Walk,
    timeline_at,
)
from tests.helpers.fakes import phase, preset

P = preset(phase("Arrival", 60, cues=(10, 30)), phase("Deep", 120), phase("Return", 60))
T0 = 100.0


def kinds(state):
    return [(e.kind, e.phase_index, e.cue_index, round(e.t, 6)) for e in state.events]


def test_not_started():
    state = timeline_at(P, [], 50.0)
    assert state.status is Status.NOT_STARTED
    assert state.phase_index is None
    assert state.remaining_s == 240


def test_runs_phases_and_cues_on_plan():
    state = timeline_at(P, [Intent(IntentKind.START, T0)], T0 + 70)
    assert state.status is Status.RUNNING
    assert state.phase_index == 1
    assert state.phase_elapsed_s == 10
    assert state.phase_remaining_s == 110
    assert state.remaining_s == 170
    assert state.next_event_at == T0 + 180
    assert kinds(state) == [
        (EventKind.SESSION_START, None, None, 0),
        (EventKind.PHASE_START, 0, None, 0),
        (EventKind.CUE, 0, 0, 10),
        (EventKind.CUE, 0, 1, 30),
        (EventKind.PHASE_START, 1, None, 60),
    ]


def test_completes_at_the_planned_end():
    state = timeline_at(P, [Intent(IntentKind.START, T0)], T0 + 1000)
    assert state.status is Status.COMPLETED
    assert state.elapsed_s == 240
    assert state.events[-1].kind is EventKind.SESSION_END
    assert state.events[-1].at == T0 + 240
    assert state.next_event_at is None


def test_pause_shifts_everything_exactly():
    intents = [Intent(IntentKind.START, T0), Intent(IntentKind.PAUSE, T0 + 5),
               Intent(IntentKind.RESUME, T0 + 25)]
    state = timeline_at(P, intents, T0 + 26)
    assert state.active_s == 6
    assert state.paused_s == 20
    assert state.next_event_at == T0 + 30  # cue at t=10 shifted by the 20 s pause
    paused = timeline_at(P, intents[:2], T0 + 500)
    assert paused.status is Status.PAUSED
    assert paused.next_event_at is None
    assert paused.active_s == 5
    assert paused.phase_index == 0


def test_extend_and_next():
    intents = [Intent(IntentKind.START, T0), Intent(IntentKind.EXTEND, T0 + 50, 30),
               Intent(IntentKind.NEXT, T0 + 70)]
    at_65 = timeline_at(P, intents, T0 + 65)
    assert at_65.phase_index == 0
    assert at_65.phase_remaining_s == 25
    state = timeline_at(P, intents, T0 + 71)
    assert state.phase_index == 1
    assert state.spans[0].extended_s == 30
    assert state.spans[0].skipped_s == 20
    assert state.spans[0].end_t == 70
    unskipped = timeline_at(P, intents[:2], T0 + 91)
    assert unskipped.phase_index == 1
    assert unskipped.spans[0].end_t == 90


def test_next_skips_remainder_and_cues():
    intents = [Intent(IntentKind.START, T0), Intent(IntentKind.NEXT, T0 + 20)]
    state = timeline_at(P, intents, T0 + 21)
    assert state.phase_index == 1
    assert state.spans[0].skipped_s == 40
    cue_indexes = [e.cue_index for e in state.events if e.kind is EventKind.CUE]
    assert cue_indexes == [0]


def test_open_phase_waits_for_next():
    p = preset(phase("Arrival", 10), phase("Talk", None, expected_s=30), phase("End", 10))
    state = timeline_at(p, [Intent(IntentKind.START, 0.0)], 500.0)
    assert state.phase_index == 1
    assert state.phase_remaining_s == 0
    assert state.next_event_at is None
    state = timeline_at(p, [Intent(IntentKind.START, 0.0), Intent(IntentKind.NEXT, 600.0)],
                        605.0)
    assert state.phase_index == 2
    rehearsed = timeline_at(p, [Intent(IntentKind.START, 0.0)], 45.0, open_as_expected=True)
    assert rehearsed.phase_index == 2


def test_stop_ends_and_ignores_later_intents():
    intents = [Intent(IntentKind.START, T0), Intent(IntentKind.STOP, T0 + 10),
               Intent(IntentKind.RESUME, T0 + 11), Intent(IntentKind.START, T0 + 12)]
    state = timeline_at(P, intents, T0 + 20)
    assert state.status is Status.STOPPED
    assert state.elapsed_s == 10
    assert state.events[-1].status is Status.STOPPED


def test_next_while_paused_stays_paused():
    intents = [Intent(IntentKind.START, T0), Intent(IntentKind.PAUSE, T0 + 5),
               Intent(IntentKind.NEXT, T0 + 10)]
    state = timeline_at(P, intents, T0 + 50)
    assert state.status is Status.PAUSED
    assert state.phase_index == 1
    assert state.phase_elapsed_s == 0
    assert state.events[-1].at == T0 + 10


intent_kinds = st.sampled_from([IntentKind.PAUSE, IntentKind.RESUME, IntentKind.NEXT,
                                IntentKind.EXTEND, IntentKind.STOP, IntentKind.START])
steps = st.lists(st.tuples(st.floats(0, 200), intent_kinds, st.floats(1, 300)), max_size=25)
durations = st.lists(st.floats(1, 600), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(durations, steps, st.floats(0, 5000))
def test_properties_hold_for_any_intents(lengths, raw_steps, probe):
    p = preset(*(phase(f"P{i}", d, cues=(d / 2,)) for i, d in enumerate(lengths)))
    at, intents = 0.0, [Intent(IntentKind.START, 0.0)]
    for gap, kind, amount in raw_steps:
        at += gap
        intents.append(Intent(kind, at, amount))
    intents.append(Intent(IntentKind.RESUME, at + 1))
    end = at + sum(lengths) + sum(i.amount_s for i in intents) + 10
    final = timeline_at(p, intents, end)
    # phases in order, never negative
    indexes = [e.phase_index for e in final.events if e.kind is EventKind.PHASE_START]
    assert indexes == sorted(indexes) and indexes == list(range(len(indexes)))
    assert all(b.at >= a.at - 1e-9 for a, b in itertools.pairwise(final.events))
    middle = timeline_at(p, intents, probe)
    for state in (middle, final):
        assert state.phase_remaining_s is None or state.phase_remaining_s >= 0
        assert state.remaining_s >= 0 and state.active_s >= -1e-9
    assert final.status.ended
    # elapsed = planned + extensions + paused - skipped remainder (over the phases run)
    run = final.spans
    planned = sum(p.phases[s.index].planned_s for s in run)
    extended = sum(s.extended_s for s in run)
    skipped = sum(s.skipped_s for s in run)
    assert math.isclose(final.elapsed_s, planned + extended + final.paused_s - skipped,
                        abs_tol=1e-6)


# -- incremental replay --------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(durations, steps, st.lists(st.tuples(st.floats(0, 3000), st.integers(0, 30)),
                                  min_size=1, max_size=12))
def test_replay_answers_exactly_like_timeline_at(lengths, raw_steps, probes):
    """Any journal prefix, ``now`` moving forwards and (sometimes) back: the same states."""
    p = preset(*(phase(f"P{i}", d, cues=(d / 2,)) for i, d in enumerate(lengths)))
    at, all_intents = 0.0, [Intent(IntentKind.START, 0.0)]
    for gap, kind, amount in raw_steps:
        at += gap
        all_intents.append(Intent(kind, at, amount))
    replay = TimelineReplay(p)
    for now, count in probes:
        journal = [i for i in all_intents if i.at <= now]
        assert replay.state(journal, now) == timeline_at(p, journal, now)
        assert replay.state(all_intents, now) == timeline_at(p, all_intents, now)
        prefix = all_intents[:count]  # later intents may arrive "in the past" of ``now``
        assert replay.state(prefix, now) == timeline_at(p, prefix, now)


def test_replay_notices_a_different_journal():
    replay = TimelineReplay(P)
    replay.state([Intent(IntentKind.START, T0)], T0 + 50)
    other = [Intent(IntentKind.START, T0 + 20)]
    assert replay.state(other, T0 + 50) == timeline_at(P, other, T0 + 50)


def test_a_session_of_n_phases_enters_each_phase_once(monkeypatch):
    """Ticking through a long session does not replay it from the start at every tick."""
    entered: list[int] = []
    original = _Walk.enter_phase

    def counting(self, index, t, at):
        entered.append(index)
        original(self, index, t, at)

    monkeypatch.setattr(_Walk, "enter_phase", counting)
    phases = 300
    clock = ManualClock(0.0)
    session = Session(preset(*(phase(f"P{i}", 1.0, cues=(0.5,)) for i in range(phases))), clock)
    session.start()
    events = session.poll()
    while not session.state().status.ended:
        due = session.next_wakeup()
        assert due is not None
        clock.set(due)
        events += session.poll()
    assert entered == list(range(phases))
    assert sum(e.kind is EventKind.PHASE_START for e in events) == phases


def test_state_sequences_are_immutable_views_that_compare_like_tuples():
    state = timeline_at(P, [Intent(IntentKind.START, T0)], T0 + 70)
    events = tuple(state.events)
    assert state.events == events and events == state.events and len(state.events) == 5
    assert state.events[1:3] == events[1:3] and state.events[-1] == events[-1]
    assert state.events[::2] == events[::2] and hash(state.events) == hash(events)
    assert state.spans[-1].end_t is None and state.spans[:1] == tuple(state.spans)[:1]
    with pytest.raises(IndexError):
        state.events[5]
    later = timeline_at(P, [Intent(IntentKind.START, T0)], T0 + 500)
    assert len(later.events) > len(events) and state.events == events


# -- limits --------------------------------------------------------------------------------


def test_an_extension_beyond_the_maximum_is_ignored():
    intents = [Intent(IntentKind.START, T0), Intent(IntentKind.EXTEND, T0 + 1, 1e29),
               Intent(IntentKind.EXTEND, T0 + 2, math.nan)]
    assert timeline_at(P, intents, T0 + 3).next_event_at == T0 + 10
    session = Session(P, ManualClock(T0))
    session.start()
    assert session.extend(1e29) is None and session.extend(math.nan) is None
    assert session.extend(MAX_DURATION_S) is not None


def test_the_longest_valid_session_stays_in_range():
    longest = preset(*(phase(f"P{i}", MAX_DURATION_S, cues=(MAX_DURATION_S - 1,))
                       for i in range(MAX_PHASES)))
    start = [Intent(IntentKind.START, T0), Intent(IntentKind.EXTEND, T0, MAX_DURATION_S)]
    state = timeline_at(longest, start, T0 + 1)
    assert state.remaining_s == MAX_PHASES * MAX_DURATION_S + MAX_DURATION_S - 1
    assert state.next_event_at == T0 + MAX_DURATION_S - 1
    end = timeline_at(longest, start, T0 + (MAX_PHASES + 1) * MAX_DURATION_S)
    assert end.status is Status.COMPLETED
    # the runner turns the furthest wake-up into a datetime without overflow
    assert datetime.now(timezone.utc) + timedelta(seconds=end.elapsed_s)
