"""Pure light conversions, pacing and back-off (no network, no phue)."""

from __future__ import annotations

import math

import pytest

from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget
from ketaroom.devices.lights import (
    NullLights,
    hex_to_xy,
    kelvin_to_mired,
    percent_to_bri,
    reorient_ramp,
    target_to_body,
    transition_ds,
)
from ketaroom.devices.lights.conversions import (
    LightCaps,
    bri_to_percent,
    fit_body,
    fit_emergency_body,
    light_params,
    lights_now,
)
from ketaroom.devices.lights.pacing import Backoff, Pacer


@pytest.mark.parametrize(("pct", "bri"), [
    (1, 1), (0.2, 1), (40, 101), (50, 126), (80, 203), (99, 251), (100, 254), (150, 254),
])
def test_percent_to_bri(pct: float, bri: int) -> None:
    assert percent_to_bri(pct) == bri


def test_percent_to_bri_zero_means_off() -> None:
    assert percent_to_bri(0) is None
    assert percent_to_bri(-5) is None
    assert percent_to_bri(math.nan) is None


def test_percent_to_bri_is_monotonic_and_in_range() -> None:
    values = [percent_to_bri(p / 10) for p in range(1, 1001)]
    assert all(v is not None and 1 <= v <= 254 for v in values)
    assert values == sorted(values)  # type: ignore[type-var]


@pytest.mark.parametrize(("kelvin", "mired"), [
    (2700, 370), (2000, 500), (6500, 154), (1000, 500), (10000, 153), (4000, 250),
])
def test_kelvin_to_mired(kelvin: int, mired: int) -> None:
    assert kelvin_to_mired(kelvin) == mired


def test_kelvin_to_mired_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        kelvin_to_mired(0)


@pytest.mark.parametrize(("color", "xy"), [
    ("#ff0000", (0.7006, 0.2993)),  # Philips' published wide-gamut red
    ("#00ff00", (0.1724, 0.7468)),
    ("#0000ff", (0.1355, 0.0399)),
    ("#ffffff", (0.3227, 0.329)),
])
def test_hex_to_xy(color: str, xy: tuple[float, float]) -> None:
    x, y = hex_to_xy(color)
    assert x == pytest.approx(xy[0], abs=0.002)
    assert y == pytest.approx(xy[1], abs=0.002)


def test_hex_to_xy_accepts_case_and_missing_hash_and_black() -> None:
    assert hex_to_xy("FFB070") == hex_to_xy("#ffb070")
    x, y = hex_to_xy("#000000")
    assert 0 < x < 1 and 0 < y < 1
    with pytest.raises(ValueError):
        hex_to_xy("#fff")
    with pytest.raises(ValueError):
        hex_to_xy("orange")


def test_warm_orange_is_warm() -> None:
    x, y = hex_to_xy("#ffb070")
    assert 0.45 < x < 0.55 and 0.38 < y < 0.45


@pytest.mark.parametrize(("seconds", "scale", "ds"), [
    (0.4, 1, 4), (30, 1, 300), (30, 10, 30), (1, 60, 0), (0, 1, 0), (-3, 1, 0),
    (240, 1, 2400), (10_000, 1, 65535), (0.05, 1, 0), (0.06, 1, 1),
])
def test_transition_ds(seconds: float, scale: float, ds: int) -> None:
    assert transition_ds(seconds, scale) == ds


def test_transition_ds_rejects_bad_scale() -> None:
    with pytest.raises(ValueError):
        transition_ds(1, 0)


def test_body_always_sends_bri_with_on() -> None:
    body = target_to_body(LightTarget(brightness_pct=60, transition_s=30, kelvin=2700))
    assert body == {"on": True, "bri": 152, "ct": 370, "transitiontime": 300}


def test_body_off_has_transition_and_no_bri() -> None:
    body = target_to_body(LightTarget(brightness_pct=0, transition_s=10, kelvin=2700), 2.0)
    assert body == {"on": False, "transitiontime": 50}


def test_body_colour_uses_xy() -> None:
    body = target_to_body(LightTarget(brightness_pct=40, transition_s=2, color="#ff0000"))
    assert body["xy"] == [pytest.approx(0.7006, abs=0.002), pytest.approx(0.2993, abs=0.002)]
    assert "ct" not in body and body["bri"] == 101


def test_emergency_body() -> None:
    assert target_to_body(EMERGENCY_LIGHT) == {"on": True, "bri": 203, "ct": 370,
                                               "transitiontime": 10}


def test_reorient_ramp() -> None:
    ramp = reorient_ramp()
    assert (ramp.brightness_pct, ramp.kelvin, ramp.transition_s) == (70.0, 2700, 240.0)
    assert target_to_body(ramp)["transitiontime"] == 2400
    assert reorient_ramp(99_999).transition_s == 6553.5


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacer_spacing_and_urgent_burst() -> None:
    clock = FakeClock()
    pacer = Pacer(min_interval_s=1.05, window_s=1.0, burst=2, margin_s=0.05, clock=clock)
    assert pacer.wait_s() == 0
    pacer.record()
    assert pacer.wait_s() == pytest.approx(1.05)
    assert pacer.wait_s(urgent=True) == 0  # the burst allowance
    clock.now += 0.1
    pacer.record()  # urgent one sent
    assert pacer.wait_s(urgent=True) == pytest.approx(0.95)  # window full until first leaves
    assert pacer.wait_s() == pytest.approx(1.05)
    clock.now += 1.05
    assert pacer.wait_s() == 0


def test_pacer_never_exceeds_limits_under_greedy_use() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock)
    sent: list[float] = []
    for step in range(2000):
        clock.now = 100.0 + step * 0.01
        if pacer.wait_s(urgent=step % 7 == 0) == 0:
            pacer.record()
            sent.append(clock.now)
    for i, t in enumerate(sent):
        assert sum(1 for u in sent[i:] if u < t + 1.0) <= 2


def test_backoff() -> None:
    backoff = Backoff(0.5, 8.0)
    assert [backoff.next_delay() for _ in range(7)] == [0.5, 1, 2, 4, 8, 8, 8]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_null_lights_reports_with_note() -> None:
    reports = []
    lights = NullLights(on_report=reports.append)
    lights.apply(LightTarget(brightness_pct=50, transition_s=3, kelvin=3000))
    lights.emergency_up()
    assert lights.flush(0.1)
    assert [r.kind for r in reports] == ["light", "light"]
    assert "no light bridge" in reports[0].message
    assert lights.targets[-1] == EMERGENCY_LIGHT
    assert lights.health.value == "ok"
    lights.close()


@pytest.mark.parametrize(("light_type", "params"), [
    ("Extended color light", {"bri", "ct", "xy"}),
    ("Color temperature light", {"bri", "ct"}),
    ("Color light", {"bri", "xy"}),
    ("Color dimmable light", {"bri", "xy"}),  # deCONZ
    ("Dimmable light", {"bri"}),
    ("Dimmable plug-in unit", {"bri"}),
    ("On/Off plug-in unit", set()),
    ("On/off light", set()),
])
def test_light_params_from_the_bridges_type(light_type: str, params: set[str]) -> None:
    assert light_params(light_type) == params


@pytest.mark.parametrize("light_type", ["Window covering device", "", None, 7])
def test_an_unknown_type_takes_everything(light_type: object) -> None:
    body = {"on": True, "bri": 75, "ct": 455, "transitiontime": 2}
    assert light_params(light_type) is None
    assert fit_body(body, LightCaps(light_params(light_type))) == body


def test_fit_body_keeps_on_and_transition_and_drops_what_the_light_lacks() -> None:
    body = target_to_body(LightTarget(brightness_pct=30, transition_s=0.2, kelvin=2200))
    assert fit_body(body, LightCaps(frozenset({"bri"}))) == {"on": True, "bri": 75,
                                                             "transitiontime": 2}
    off = target_to_body(LightTarget(brightness_pct=0, transition_s=1.0))
    assert fit_body(off, LightCaps(frozenset())) == off


def test_bri_to_percent_undoes_percent_to_bri() -> None:
    for pct in range(1, 101):
        bri = percent_to_bri(pct)
        assert bri is not None and round(bri_to_percent(bri)) == pct


def test_lights_now_is_the_rooms_mean_light() -> None:
    warm = {"on": True, "bri": 254, "ct": 370, "colormode": "ct", "reachable": True}
    dim_white_xy = {"on": True, "bri": 1, "xy": [0.4593, 0.4107], "colormode": "xy"}
    off = {"on": False, "bri": 200, "ct": 153, "colormode": "ct"}
    assert lights_now([warm, off]) == LightTarget(50.0, 0.0, kelvin=2703)
    shown = lights_now([warm, dim_white_xy])
    assert shown is not None and shown.brightness_pct == 50.0
    assert shown.kelvin is not None and abs(shown.kelvin - 2700) <= 15  # xy white → its K


def test_lights_now_leaves_out_colours_unreachable_lights_and_nonsense() -> None:
    red = {"on": True, "bri": 127, "xy": [0.675, 0.322], "colormode": "xy"}
    gone = {"on": True, "bri": 254, "ct": 153, "colormode": "ct", "reachable": False}
    shown = lights_now([red, gone, None, "x", {"on": True, "bri": "high"}])
    assert shown == LightTarget(50.0, 0.0, kelvin=None)  # a colour has no warmth
    assert lights_now([gone, None]) is None
    assert lights_now([{"on": False}]) == LightTarget(0.0, 0.0)  # a dark room is 0 %


def test_the_emergency_body_never_waits_to_know_the_lights() -> None:
    """Lights not read yet (or a member of unknown kind): the emergency's warm white goes
    as ``ct`` and as its locus ``xy`` at once, so any kind of light comes up warm; lights
    all known: fitted like any group command (no ``xy`` for colour bulbs' own white)."""
    body = target_to_body(EMERGENCY_LIGHT)
    for members in (None, [LightCaps()], [LightCaps(frozenset({"bri", "ct"})), LightCaps()]):
        sent = fit_emergency_body(body, members)
        assert sent["ct"] == body["ct"] and sent["bri"] == body["bri"] and sent["on"] is True
        x, y = sent["xy"]
        assert abs(x - 0.4593) < 0.003 and abs(y - 0.4107) < 0.003  # 2700 K on the locus
    known = [LightCaps(frozenset({"bri", "ct", "xy"})), LightCaps(frozenset({"bri", "ct"}))]
    assert fit_emergency_body(body, known) == body
