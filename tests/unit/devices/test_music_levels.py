"""Unit tests for the dB volume math and ramps (ketaroom.devices.music.levels)."""

from __future__ import annotations

import itertools
import math

import pytest

from ketaroom.devices.music.levels import (
    FLOOR_DB,
    MAX_CHANGE_DB_PER_S,
    Ramp,
    db_to_amplitude,
    db_to_pct,
    pct_to_db,
    vlc_volume,
)


@pytest.mark.parametrize(("pct", "db"), [(100, 0.0), (50, -18.06), (10, -60.0), (0, FLOOR_DB)])
def test_pct_to_db_cubic_law(pct: float, db: float) -> None:
    assert pct_to_db(pct) == pytest.approx(db, abs=0.01)


@pytest.mark.parametrize("pct", [5.0, 12.5, 30.0, 40.0, 70.0, 100.0])
def test_round_trip(pct: float) -> None:
    assert db_to_pct(pct_to_db(pct)) == pytest.approx(pct)


def test_floor_is_silence() -> None:
    assert db_to_pct(FLOOR_DB) == 0.0
    assert db_to_amplitude(FLOOR_DB - 10) == 0.0
    assert vlc_volume(FLOOR_DB) == 0
    assert vlc_volume(-1e9) == 0


def test_vlc_volume_never_rounds_up_and_never_above_100() -> None:
    for i in range(0, 801):
        db = -80 + i * 0.1
        assert vlc_volume(db) <= db_to_pct(min(db, 0.0)) + 1e-6
    assert vlc_volume(6.0) == 100


def test_ramp_linear_in_db_and_clamped() -> None:
    r = Ramp.to(-60.0, 0.0, now=10.0, duration_s=2.0)
    assert r.value(9.0) == -60.0
    assert r.value(11.0) == pytest.approx(-30.0)
    assert r.value(12.5) == 0.0
    assert r.done(12.0) and not r.done(11.9)


def test_ramp_from_silence_starts_at_floor() -> None:
    r = Ramp.to(-math.inf, -20.0, now=0.0, duration_s=1.0)
    assert r.value(0.0) == FLOOR_DB


def test_ramp_is_monotonic_and_steps_are_small_at_40hz() -> None:
    r = Ramp.to(FLOOR_DB, pct_to_db(60), now=0.0, duration_s=8.0)
    values = [r.value(i / 40) for i in range(0, 8 * 40 + 1)]
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


def test_equal_power_crossfade_keeps_total_power() -> None:
    fade_in = Ramp.crossfade(FLOOR_DB, -10.0, now=0.0, duration_s=2.0)
    fade_out = Ramp.crossfade(-10.0, FLOOR_DB, now=0.0, duration_s=2.0)
    for i in range(1, 40):
        t = i * 0.05
        total = db_to_amplitude(fade_in.value(t)) ** 2 + db_to_amplitude(fade_out.value(t)) ** 2
        assert 10 * math.log10(total) == pytest.approx(-10.0, abs=0.01)
    assert fade_in.value(2.0) == -10.0 and fade_out.value(2.0) == FLOOR_DB
