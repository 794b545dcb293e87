"""Crash recovery, pure part: journaled intents (wall times) → intents on a new clock."""

from __future__ import annotations

import pytest

from ketaroom.core.clock import ManualClock
from ketaroom.core.recovery import RecoveryMode, active_at, rebuild_intents
from ketaroom.core.session import Session
from ketaroom.core.timeline import Intent, IntentKind, Status, timeline_at
from tests.helpers.fakes import phase, preset

P = preset(phase("Arrival", 60, cues=(10, 30)), phase("Deep", 120), phase("Return", 60))
WALL0 = 1_800_000_000.0
"""Wall time (epoch s) of the session start."""
NOW_CLOCK = 5000.0
"""The new process's clock when it resumes."""


def rebuilt(intents=(), *, crash=70.0, now=200.0, mode=RecoveryMode.PAUSED, speed=1.0,
            crashed_t=None, start_wall=WALL0):
    """Intents rebuilt for a crash ``crash`` s and a resume ``now`` s after WALL0."""
    return rebuild_intents(
        start_wall, [(k, WALL0 + at, amount) for k, at, amount in intents],
        now_clock=NOW_CLOCK, now_wall=WALL0 + now, crashed_wall=WALL0 + crash, mode=mode,
        speed=speed, crashed_t=crashed_t)


def state(intents):
    return timeline_at(P, intents, NOW_CLOCK)


def test_running_resume_stands_where_the_plan_says_for_the_wall_time():
    s = state(rebuilt(mode=RecoveryMode.RUNNING, now=200))
    assert s.status is Status.RUNNING
    assert s.phase_index == 2  # 200 s into a 60+120+60 plan: Return
    assert s.active_s == pytest.approx(200)
    assert s.phase_elapsed_s == pytest.approx(20)


def test_running_resume_past_the_end_is_completed():
    s = state(rebuilt(mode=RecoveryMode.RUNNING, now=900))
    assert s.status is Status.COMPLETED


def test_paused_resume_stands_where_it_was_at_the_crash():
    at_crash = timeline_at(P, [Intent(IntentKind.START, 0.0)], 70.0)
    s = state(rebuilt(crash=70, now=3600))
    assert s.status is Status.PAUSED
    assert s.phase_index == at_crash.phase_index == 1
    assert s.active_s == pytest.approx(at_crash.active_s)
    assert s.phase_elapsed_s == pytest.approx(at_crash.phase_elapsed_s)
    assert s.paused_s == pytest.approx(3600 - 70)
    # and it runs on from there once resumed
    intents = [*rebuilt(crash=70, now=3600), Intent(IntentKind.RESUME, NOW_CLOCK)]
    later = timeline_at(P, intents, NOW_CLOCK + 110)
    assert later.phase_index == 2
    assert later.phase_elapsed_s == pytest.approx(0)


def test_pause_before_the_crash_is_respected():
    journal = [("pause", 20, None), ("resume", 50, None)]
    paused = state(rebuilt(journal, crash=100, now=150))
    assert paused.status is Status.PAUSED
    assert paused.active_s == pytest.approx(70)
    assert paused.phase_index == 1
    running = state(rebuilt(journal, crash=100, now=200, mode=RecoveryMode.RUNNING))
    assert running.active_s == pytest.approx(170)
    assert running.paused_s == pytest.approx(30)
    assert running.phase_index == 1


def test_session_paused_at_the_crash_stays_paused_in_either_mode():
    journal = [("pause", 40, None)]
    for mode in RecoveryMode:
        s = state(rebuilt(journal, crash=70, now=500, mode=mode))
        assert s.status is Status.PAUSED
        assert s.active_s == pytest.approx(40)
        assert s.phase_index == 0


def test_extend_before_the_crash_is_respected():
    journal = [("extend", 50, 30.0)]
    paused = state(rebuilt(journal, crash=70))
    assert paused.phase_index == 0
    assert paused.phase_remaining_s == pytest.approx(20)
    running = state(rebuilt(journal, crash=70, now=85, mode=RecoveryMode.RUNNING))
    assert running.phase_index == 0  # without the extension it would be Deep
    assert state(rebuilt(journal, crash=70, now=95, mode=RecoveryMode.RUNNING)).phase_index == 1


def test_next_before_the_crash_is_respected():
    journal = [("next", 20, None)]
    s = state(rebuilt(journal, crash=70))
    assert s.phase_index == 1
    assert s.phase_elapsed_s == pytest.approx(50)
    assert s.spans[0].skipped_s == pytest.approx(40)
    running = state(rebuilt(journal, crash=70, now=150, mode=RecoveryMode.RUNNING))
    assert running.phase_index == 2  # Deep began at 20 and ran its 120 s


def test_stop_before_the_crash_is_respected():
    s = state(rebuilt([("stop", 30, None)], crash=31, now=500, mode=RecoveryMode.PAUSED))
    assert s.status is Status.STOPPED
    assert s.active_s == pytest.approx(30)


def test_speed_scales_wall_seconds_to_session_seconds():
    # rehearse --speed 20: 3.5 wall seconds are 70 session seconds
    s = state(rebuilt(crash=3.5, now=10, speed=20))
    assert s.phase_index == 1
    assert s.active_s == pytest.approx(70)


def test_crash_just_after_a_phase_began_does_not_resume_in_the_phase_before():
    # Deep began at t=60 (3 s wall at speed 20); the session_start was recorded 20 ms
    # late, the phase_start only 5 ms late: by wall times alone the crash is at t=59.7.
    late_start = WALL0 + 0.020
    by_wall = state(rebuilt(crash=3.005, now=10, speed=20, start_wall=late_start))
    assert by_wall.phase_index == 0
    fixed = state(rebuilt(crash=3.005, now=10, speed=20, start_wall=late_start, crashed_t=60.0))
    assert fixed.phase_index == 1
    assert fixed.active_s == pytest.approx(60)


def test_unknown_and_start_kinds_are_skipped_and_clock_never_goes_back():
    journal = [("start", 0, None), ("bogus", 5, None), ("pause", 30, None),
               ("resume", 10, None)]  # wall clock stepped back between the two
    intents = rebuilt(journal, crash=70, now=80, mode=RecoveryMode.RUNNING)
    assert [i.kind for i in intents] == [IntentKind.START, IntentKind.PAUSE, IntentKind.RESUME]
    ats = [i.at for i in intents]
    assert ats == sorted(ats)
    assert all(at <= NOW_CLOCK for at in ats)


def test_intents_never_land_after_now():
    intents = rebuilt([("pause", 500, None)], crash=600, now=100, mode=RecoveryMode.PAUSED)
    assert max(i.at for i in intents) == NOW_CLOCK


def test_second_crash_after_a_paused_resume():
    # First crash at 70 s, resumed paused 1000 s later: the app journals the synthetic
    # pause at the crash wall time and the clinician's resume; a second crash follows.
    journal = [("pause", 70, None), ("resume", 1070, None)]
    s = state(rebuilt(journal, crash=1100, now=1100, mode=RecoveryMode.PAUSED))
    assert s.active_s == pytest.approx(100)
    assert s.phase_index == 1


def test_rebuilt_intents_drive_a_session():
    clock = ManualClock(NOW_CLOCK)
    session = Session(P, clock, intents=rebuilt(crash=70, now=100))
    assert session.state().phase_index == 1
    assert session.resume() is not None
    clock.advance(110)
    assert session.state().phase_index == 2


def test_active_at():
    intents = [Intent(IntentKind.START, 10), Intent(IntentKind.PAUSE, 20),
               Intent(IntentKind.RESUME, 30), Intent(IntentKind.STOP, 50)]
    assert active_at(intents, 5) == 0
    assert active_at(intents, 25) == 10
    assert active_at(intents, 40) == 20
    assert active_at(intents, 99) == 30


def test_rejects_bad_speed():
    with pytest.raises(ValueError):
        rebuilt(speed=0)
