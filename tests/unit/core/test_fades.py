"""Nothing jumps: the floors under a phase's transitions, a running light fade's level, and
the pace of a clinician's brightness change (pure: ketaroom.core.fades)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ketaroom.core.clock import ManualClock
from ketaroom.core.fades import (
    MANUAL_MIN_S,
    MANUAL_PCT_PER_S,
    LightFade,
    gentle_light,
    gentle_music,
    manual_transition_s,
)
from ketaroom.core.limits import LIGHT_TRANSITION_FLOOR_S, MUSIC_FADE_FLOOR_S
from ketaroom.core.preset import LightSpec, MusicSpec
from ketaroom.core.session import Session
from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget, MusicTarget
from ketaroom.store.record_schema import LightState, MusicPlan
from tests.helpers.fakes import phase, preset


def test_a_short_light_transition_is_raised_to_the_floor_a_long_one_kept() -> None:
    for asked, sent in [(0.0, LIGHT_TRANSITION_FLOOR_S), (1.0, LIGHT_TRANSITION_FLOOR_S),
                        (LIGHT_TRANSITION_FLOOR_S, LIGHT_TRANSITION_FLOOR_S), (30.0, 30.0)]:
        target = LightTarget(40.0, asked, kelvin=2700, group="Room")
        assert gentle_light(target) == dataclasses.replace(target, transition_s=sent)


def test_a_short_music_fade_is_raised_to_the_floor_a_long_one_kept() -> None:
    for asked, played in [(0.0, MUSIC_FADE_FLOOR_S), (1.9, MUSIC_FADE_FLOOR_S), (8.0, 8.0)]:
        target = MusicTarget((Path("/a.ogg"),), 40.0, asked, label="calm.m3u")
        assert gentle_music(target) == dataclasses.replace(target, fade_s=played)


def test_the_emergency_keeps_its_own_fast_rule() -> None:
    assert EMERGENCY_LIGHT.transition_s < LIGHT_TRANSITION_FLOOR_S  # not floored: exempt


def test_a_session_sends_a_0s_phase_at_the_floor_and_says_what_the_preset_asked() -> None:
    music = MusicSpec((Path("/a.ogg"),), 40, 0.0, source="calm.m3u")
    jumpy = dataclasses.replace(phase("A", 60), music=music, light=LightSpec(40, 0.0, 2700))
    calm = dataclasses.replace(phase("B", 60), music=dataclasses.replace(music, fade_s=8.0),
                               light=LightSpec(20, 30.0, 2200))
    clock = ManualClock(0)
    session = Session(preset(jumpy, calm), clock)
    session.start()
    first = session.poll()[-1]
    assert first.light is not None and first.music is not None
    assert first.light.transition_s == LIGHT_TRANSITION_FLOOR_S
    assert first.music.fade_s == MUSIC_FADE_FLOOR_S
    assert (first.light_asked_s, first.music_asked_s) == (0.0, 0.0)
    assert session.desired_light(0) == first.light  # crash resume and Resume send it too
    # the record: what was applied, and what the preset asked
    light = LightState(first.light, asked_transition=first.light_asked_s).to_payload()
    assert (light["transition"], light["asked_transition"]) == (LIGHT_TRANSITION_FLOOR_S, 0.0)
    plan = MusicPlan.from_target(first.music, asked_fade_s=first.music_asked_s).to_payload()
    assert (plan["fade"], plan["asked_fade"]) == (MUSIC_FADE_FLOOR_S, 0.0)
    clock.advance(61)
    second = session.poll()[-1]
    assert second.light is not None and second.music is not None
    assert (second.light.transition_s, second.music.fade_s) == (30.0, 8.0)
    assert (second.light_asked_s, second.music_asked_s) == (None, None)
    assert "asked_transition" not in LightState(second.light).to_payload()


def test_a_known_fade_is_a_straight_line_from_start_to_end() -> None:
    rising = LightFade(end_pct=80.0, duration_s=30.0, started_at=100.0, start_pct=20.0)
    assert rising.level(100.0) == 20.0
    assert rising.level(115.0) == pytest.approx(50.0)
    assert rising.level(130.0) == 80.0
    assert rising.level(500.0) == 80.0  # over: stays at the end
    assert rising.level(90.0) == 20.0  # a clock read before the start: not before it
    assert rising.running(129.9) and not rising.running(130.0)
    assert rising.bounds(115.0) == (pytest.approx(50.0), pytest.approx(50.0))
    dimming = LightFade(0.0, 10.0, 0.0, 60.0)  # to off
    assert dimming.level(5.0) == pytest.approx(30.0)
    instant = LightFade(40.0, 0.0, 0.0, 10.0)
    assert instant.level(0.0) == 40.0 and not instant.running(0.0)


def test_an_unknown_start_reads_as_the_end_and_bounds_say_how_far_off_it_may_be() -> None:
    first = LightFade(end_pct=60.0, duration_s=10.0, started_at=0.0)
    assert first.level(2.0) == 60.0
    low, high = first.bounds(5.0)
    assert (low, high) == (pytest.approx(30.0), pytest.approx(80.0))  # halfway from 0 or 100
    assert first.bounds(10.0) == (60.0, 60.0)  # over: it is at the end


def test_the_next_fade_starts_where_the_room_is() -> None:
    rising = LightFade(80.0, 30.0, 0.0, 20.0)
    manual = rising.then(25.0, 1.0, 15.0)  # dragged while the room is at 50 %
    assert manual == LightFade(25.0, 1.0, 15.0, pytest.approx(50.0))
    after = manual.then(30.0, 3.0, 20.0)
    assert after.start_pct == 25.0
    unknown = LightFade(60.0, 10.0, 0.0)
    assert unknown.then(30.0, 3.0, 5.0).start_pct is None  # still nobody knows
    assert unknown.then(30.0, 3.0, 10.0).start_pct == 60.0  # it had arrived


def test_a_manual_change_goes_at_a_gentle_pace_from_where_the_room_is() -> None:
    assert MANUAL_PCT_PER_S == 20.0  # the numbers below: points / 20, up to whole 100 ms
    rising = LightFade(80.0, 30.0, 0.0, 20.0)  # at 50 % after 15 s
    assert manual_transition_s(48.0, rising, 15.0) == MANUAL_MIN_S  # a nudge: the slider's
    assert manual_transition_s(75.0, rising, 15.0) == 1.3  # 25 points up
    assert manual_transition_s(10.0, rising, 15.0) == 2.0  # 40 points down
    settled = LightFade(5.0, 1.0, 0.0, 40.0)
    assert manual_transition_s(100.0, settled, 60.0) == 4.8  # a flick from 5 % to full
    # nothing known: paced as if the room could be anywhere from 0 to 100 %
    assert manual_transition_s(30.0, None, 0.0) == 3.5
    unknown = LightFade(60.0, 10.0, 0.0)  # halfway: 30-80 %
    assert manual_transition_s(60.0, unknown, 5.0) == 1.5
