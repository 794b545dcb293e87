"""Unit tests for the dB volume math and ramps (ketaroom.devices.music.levels)."""

from __future__ import annotations

import itertools
import math

import pytest

from ketaroom.devices.music.levels import (
    FADE_RANGE_DB,
    FLOOR_DB,
    MAX_CHANGE_DB_PER_S,
    TRIM_MIN_DB,
    Ramp,
    db_to_amplitude,
    db_to_pct,
    pct_to_db,
    vlc_gain,
)

TICK_S = 1 / 40


@pytest.mark.parametrize(("pct", "db"), [(100, 0.0), (50, -18.06), (10, -60.0), (0, FLOOR_DB)])
def test_pct_to_db_cubic_law(pct: float, db: float) -> None:
    assert pct_to_db(pct) == pytest.approx(db, abs=0.01)


@pytest.mark.parametrize("pct", [0.5, 5.0, 12.5, 30.0, 40.0, 70.0, 100.0])
def test_round_trip(pct: float) -> None:
    assert db_to_pct(pct_to_db(pct)) == pytest.approx(pct)


def test_floor_is_silence() -> None:
    assert db_to_pct(FLOOR_DB) == 0.0
    assert db_to_amplitude(FLOOR_DB - 10) == 0.0
    assert vlc_gain(FLOOR_DB) == (0, 0.0)
    assert vlc_gain(-1e9) == (0, 0.0)


def _total(gain: tuple[int, float]) -> float:
    return pct_to_db(gain[0]) + gain[1]


def test_vlc_gain_is_exact_with_a_whole_percent_at_or_above() -> None:
    for i in range(0, 1500):
        db = -149.9 + i * 0.1
        vol, trim = vlc_gain(db)
        assert 1 <= vol <= 100
        assert TRIM_MIN_DB <= trim <= 0.0
        assert vol >= db_to_pct(db) - 1e-6  # whole percent at or above …
        assert vol - 1 < db_to_pct(db) or vol == 1  # … the next one up, not higher
        assert _total((vol, trim)) == pytest.approx(db, abs=1e-6)
    assert vlc_gain(6.0) == (100, 0.0)
    assert vlc_gain(0.0) == (100, 0.0)
    assert vlc_gain(pct_to_db(40)) == (40, pytest.approx(0.0, abs=1e-6))


def test_vlc_gain_resolves_sub_percent_steps() -> None:
    """An 8 s fade to 40 % (the issue-9 case): every 25 ms tick is a distinct level and
    no step is larger than the ramp's own slope."""
    r = Ramp.to(FLOOR_DB, pct_to_db(40), now=0.0, duration_s=8.0)
    sent = [vlc_gain(r.value(i * TICK_S)) for i in range(1, 8 * 40 + 1)]
    levels = [_total(g) for g in sent]
    steps = [b - a for a, b in itertools.pairwise(levels)]
    assert all(s > 0.1 for s in steps)  # 319 real changes in 8 s: 40 per second
    assert max(steps) == pytest.approx(FADE_RANGE_DB / (8 * 40), abs=1e-6)
    # the integer volume alone never exceeds the wanted level by more than one percent
    for (vol, _), db in zip(sent, levels, strict=True):
        assert vol - 1 < db_to_pct(db) + 1e-9


def test_ramp_linear_in_db_and_clamped() -> None:
    r = Ramp.to(-60.0, 0.0, now=10.0, duration_s=2.0)
    assert r.value(9.0) == -60.0
    assert r.value(11.0) == pytest.approx(-30.0)
    assert r.value(12.5) == 0.0
    assert r.done(12.0) and not r.done(11.9)


def test_fade_in_from_silence_starts_just_inaudible() -> None:
    r = Ramp.to(-math.inf, -20.0, now=0.0, duration_s=1.0)
    assert r.value(0.0) == FLOOR_DB  # silent until the fade begins
    assert r.value(1e-9) == pytest.approx(-20.0 - FADE_RANGE_DB)
    assert r.value(0.5) == pytest.approx(-20.0 - FADE_RANGE_DB / 2)
    assert r.value(1.0) == -20.0


def test_fade_out_goes_50_db_down_then_silence() -> None:
    r = Ramp.to(-10.0, FLOOR_DB, now=0.0, duration_s=2.0)
    assert r.value(1.0) == pytest.approx(-10.0 - FADE_RANGE_DB / 2)
    assert r.value(2.0 - 1e-9) == pytest.approx(-10.0 - FADE_RANGE_DB)
    assert r.value(2.0) == FLOOR_DB and r.done(2.0)


def test_ramp_is_monotonic_and_steps_are_small_at_40hz() -> None:
    r = Ramp.to(FLOOR_DB, pct_to_db(60), now=0.0, duration_s=8.0)
    values = [r.value(i / 40) for i in range(1, 8 * 40 + 1)]
    steps = [b - a for a, b in itertools.pairwise(values)]
    assert all(s >= 0 for s in steps)
    assert max(steps) < 0.25  # dB per tick


def test_limited_ramp_respects_rate() -> None:
    r = Ramp.limited(pct_to_db(20), pct_to_db(80), now=0.0)
    span = pct_to_db(80) - pct_to_db(20)
    assert r.duration_s == pytest.approx(span / MAX_CHANGE_DB_PER_S)
    for i in range(1, 100):
        t = r.duration_s * i / 100
        rate = (r.value(t) - r.value(t - 0.01)) / 0.01
        assert rate <= MAX_CHANGE_DB_PER_S + 1e-6


def test_limited_ramp_from_or_to_silence_covers_the_fade_range_only() -> None:
    up = Ramp.limited(FLOOR_DB, pct_to_db(50), now=0.0)
    down = Ramp.limited(pct_to_db(50), FLOOR_DB, now=0.0)
    assert up.duration_s == pytest.approx(FADE_RANGE_DB / MAX_CHANGE_DB_PER_S)
    assert down.duration_s == pytest.approx(FADE_RANGE_DB / MAX_CHANGE_DB_PER_S)


def test_equal_power_crossfade_keeps_total_power() -> None:
    fade_in = Ramp.crossfade(FLOOR_DB, -10.0, now=0.0, duration_s=2.0)
    fade_out = Ramp.crossfade(-10.0, FLOOR_DB, now=0.0, duration_s=2.0)
    for i in range(1, 40):
        t = i * 0.05
        total = db_to_amplitude(fade_in.value(t)) ** 2 + db_to_amplitude(fade_out.value(t)) ** 2
        assert 10 * math.log10(total) == pytest.approx(-10.0, abs=0.01)
    assert fade_in.value(2.0) == -10.0 and fade_out.value(2.0) == FLOOR_DB
    assert fade_in.value(1.0) == pytest.approx(-13.01, abs=0.01)  # −3 dB each midway


def test_equal_power_crossfade_tails_start_at_the_range_and_move_gently() -> None:
    """No 6–8 dB jumps per tick near silence (sin/cos had them): the tails are straight
    lines in dB, ≤ 2·FADE_RANGE_DB per fade duration, i.e. < 1 dB per tick at 3 s."""
    fade_in = Ramp.crossfade(FLOOR_DB, -10.0, now=0.0, duration_s=3.0)
    fade_out = Ramp.crossfade(-10.0, FLOOR_DB, now=0.0, duration_s=3.0)
    assert fade_in.value(1e-9) == pytest.approx(-10.0 - FADE_RANGE_DB, abs=0.01)
    assert fade_out.value(3.0 - 1e-9) == pytest.approx(-10.0 - FADE_RANGE_DB, abs=0.01)
    for ramp, sign in ((fade_in, 1), (fade_out, -1)):
        values = [ramp.value(i * TICK_S) for i in range(1, 120)]
        steps = [sign * (b - a) for a, b in itertools.pairwise(values)]
        assert all(s > 0 for s in steps)
        assert max(steps) < 0.84
