"""A colour on a light that shows only whites, a white on one that shows only colours: the
locus, McCamy, the gamuts and what each kind of light is sent (pure, no network)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ketaroom.core.targets import LightTarget
from ketaroom.devices.lights.colorimetry import (
    GAMUTS,
    clamp_to_gamut,
    locus_distance,
    mccamy_cct,
    planckian_xy,
)
from ketaroom.devices.lights.conversions import (
    MIRED_MAX,
    MIRED_MIN,
    LightCaps,
    approximation,
    colour_for,
    fit_body,
    fit_group_body,
    hex_to_xy,
    light_caps,
    target_to_body,
    white_for,
)

CT_ONLY = LightCaps(frozenset({"bri", "ct"}), (153, 454))
XY_ONLY = LightCaps(frozenset({"bri", "xy"}), gamut=GAMUTS["A"])
BOTH = LightCaps(frozenset({"bri", "ct", "xy"}), gamut=GAMUTS["C"])


# ------------------------------------------------------------------ the locus and McCamy


@pytest.mark.parametrize(("kelvin", "xy"), [
    (2000, (0.5267, 0.4133)),
    (2700, (0.4599, 0.4106)),
    (4000, (0.3805, 0.3768)),
    (6500, (0.3135, 0.3237)),
])
def test_planckian_locus_at_known_points(kelvin: float, xy: tuple[float, float]) -> None:
    assert planckian_xy(kelvin) == pytest.approx(xy, abs=0.003)


def test_the_locus_spline_holds_only_where_it_is_valid() -> None:
    assert planckian_xy(1000) == planckian_xy(1667)
    assert planckian_xy(40000) == planckian_xy(25000)


def test_mccamy_gives_d65_as_6500_k() -> None:
    assert mccamy_cct((0.3127, 0.3290)) == pytest.approx(6500, abs=10)


def test_mccamy_is_within_25_k_on_the_locus_from_2000_to_6500_k() -> None:
    errors = {t: abs(mccamy_cct(planckian_xy(t)) - t) for t in range(2000, 6501, 50)}
    assert max(errors.values()) < 25, max(errors.items(), key=lambda item: item[1])
    assert max(e for t, e in errors.items() if t >= 2700) < 15


def test_whites_lie_on_the_locus_colours_far_from_it() -> None:
    assert locus_distance(planckian_xy(3000)) < 0.001
    assert locus_distance((0.3127, 0.3290)) < 0.01  # D65 is a white (a little green)
    for colour in ("#ff0000", "#00ff00", "#0000ff", "#ff00ff"):
        assert locus_distance(hex_to_xy(colour)) > 0.1, colour


# ------------------------------------------------------------------ gamuts


def test_a_point_inside_the_gamut_stays_put_one_outside_goes_to_the_nearest_edge() -> None:
    red, green, _blue = GAMUTS["B"]
    assert clamp_to_gamut((0.4, 0.4), GAMUTS["B"]) == (0.4, 0.4)
    x, y = clamp_to_gamut((0.1, 0.8), GAMUTS["B"])  # far beyond the green corner
    assert (x, y) == pytest.approx(green)
    x, y = clamp_to_gamut((0.7, 0.4), GAMUTS["B"])  # beyond the red-green edge
    cross = (green[0] - red[0]) * (y - red[1]) - (green[1] - red[1]) * (x - red[0])
    assert cross == pytest.approx(0, abs=1e-9) and red[0] > x > green[0]


def test_every_hue_gamut_holds_the_whites_a_preset_can_ask() -> None:
    for name, gamut in GAMUTS.items():
        for kelvin in range(2000, 6501, 100):
            xy = planckian_xy(kelvin)
            assert clamp_to_gamut(xy, gamut) == xy, (name, kelvin)


# ------------------------------------------------------------------ a colour as a white


def test_a_warm_colour_becomes_the_nearest_white_within_the_bulbs_range() -> None:
    xy = hex_to_xy("#ffd8a8")  # a pale apricot, near 3270 K
    assert white_for(xy) == round(1e6 / mccamy_cct(xy)) == 306
    assert white_for(hex_to_xy("#ffb070")) == 497  # 2012 K: the full range has it
    assert white_for(hex_to_xy("#ffb070"), (153, 454)) == 454  # this bulb's warmest


def test_a_cool_colour_is_clamped_at_the_cool_end() -> None:
    assert white_for(hex_to_xy("#a0c0ff")) == MIRED_MIN  # a sky blue white, near 24000 K
    assert white_for((0.3127, 0.3290), (200, 400)) == 200  # D65 on a bulb that stops at 5000 K


@pytest.mark.parametrize("colour", ["#ff0000", "#00ff00", "#0000ff", "#ff00ff", "#2040ff"])
def test_a_colour_that_is_no_white_becomes_the_warmest_white_never_a_cold_one(
        colour: str) -> None:
    assert white_for(hex_to_xy(colour)) == MIRED_MAX
    assert white_for(hex_to_xy(colour), (153, 454)) == 454


# ------------------------------------------------------------------ a white as a colour


def test_a_colour_temperature_becomes_the_locus_colour() -> None:
    assert colour_for(370) == pytest.approx([0.4599, 0.4106], abs=0.003)  # 2700 K
    assert colour_for(370, GAMUTS["A"]) == colour_for(370)  # inside: as it is


def test_a_colour_temperature_outside_the_gamut_goes_to_its_nearest_colour() -> None:
    narrow = ((0.5, 0.35), (0.3, 0.6), (0.15, 0.05))
    x, y = colour_for(500, narrow)  # 2000 K lies beyond the red-green edge
    assert (x, y) != pytest.approx(planckian_xy(2000), abs=0.001)
    assert clamp_to_gamut((x, y), narrow) == pytest.approx((x, y), abs=1e-4)
    assert math.dist((x, y), planckian_xy(2000)) < math.dist((0.5, 0.35), planckian_xy(2000))


# ------------------------------------------------------------------ what each light is sent


def test_a_colour_on_a_colour_temperature_bulb_is_sent_as_ct_and_nothing_else_changes() -> None:
    target = LightTarget(brightness_pct=40, transition_s=30, color="#ffd8a8")
    body = target_to_body(target)
    fitted = fit_body(body, CT_ONLY)
    assert fitted == {"on": True, "bri": 101, "ct": 306, "transitiontime": 300}
    assert approximation(target, fitted) == ("colour #ffd8a8 shown as 3268 K, the nearest "
                                             "white it has")


def test_a_kelvin_on_a_colour_only_light_is_sent_as_xy_and_nothing_else_changes() -> None:
    target = LightTarget(brightness_pct=40, transition_s=30, kelvin=2700)
    fitted = fit_body(target_to_body(target), XY_ONLY)
    assert set(fitted) == {"on", "bri", "xy", "transitiontime"}
    assert (fitted["on"], fitted["bri"], fitted["transitiontime"]) == (True, 101, 300)
    assert fitted["xy"] == pytest.approx([0.4599, 0.4106], abs=0.003)
    assert approximation(target, fitted) == (f"2700 K shown as colour xy ({fitted['xy'][0]:g}, "
                                             f"{fitted['xy'][1]:g}), the nearest it can show")


PLAIN_TARGETS = [
    LightTarget(brightness_pct=40, transition_s=3, kelvin=2700),
    LightTarget(brightness_pct=40, transition_s=3, color="#ff0000"),
    LightTarget(brightness_pct=0, transition_s=3, kelvin=2700),
    LightTarget(brightness_pct=60, transition_s=3),
]
"""A temperature, a colour, off, and brightness alone."""


@pytest.mark.parametrize("target", PLAIN_TARGETS)
def test_a_light_that_takes_both_or_a_target_without_colour_changes_nothing(
        target: LightTarget) -> None:
    body = target_to_body(target)
    assert fit_body(body, BOTH) == body
    assert approximation(target, body) is None
    for caps in (CT_ONLY, XY_ONLY):  # off, or no colour asked: no colour appears
        if "ct" not in body and "xy" not in body:
            assert fit_body(body, caps) == body


def test_a_dimmable_bulb_still_gets_no_colour_at_all() -> None:
    target = LightTarget(brightness_pct=40, transition_s=3, color="#ffd8a8")
    fitted = fit_body(target_to_body(target), LightCaps(frozenset({"bri"})))
    assert fitted == {"on": True, "bri": 101, "transitiontime": 30}
    assert approximation(target, fitted) is None


# ------------------------------------------------------------------ what a group is sent


def test_a_colour_to_a_group_with_a_white_only_bulb_also_carries_its_nearest_white() -> None:
    """The bridge gives each light what it takes: the white bulb its ``ct``, the colour
    lights the ``xy`` (which wins over ``ct`` on a light that takes both)."""
    target = LightTarget(brightness_pct=40, transition_s=30, color="#ffd8a8")
    body = target_to_body(target)
    fitted = fit_group_body(body, [BOTH, CT_ONLY, XY_ONLY])
    assert fitted == {**body, "ct": 306}
    assert fit_body(fitted, CT_ONLY) == fit_body(body, CT_ONLY)  # the per-light mapping
    assert fit_body(fitted, XY_ONLY)["xy"] == body["xy"]


def test_a_non_white_colour_to_a_group_gives_the_warmest_white_all_its_white_bulbs_have(
        ) -> None:
    body = target_to_body(LightTarget(brightness_pct=40, transition_s=3, color="#2040ff"))
    narrower = LightCaps(frozenset({"bri", "ct"}), (200, 400))
    assert fit_group_body(body, [CT_ONLY, narrower])["ct"] == 400
    assert fit_group_body(body, [CT_ONLY])["ct"] == 454


def test_a_kelvin_to_a_group_carries_a_colour_only_when_a_light_shows_only_colours() -> None:
    """Without a colour-only light a colour bulb keeps showing the temperature as ``ct``;
    with one, every colour light gets the locus colour of that temperature."""
    target = LightTarget(brightness_pct=80, transition_s=1, kelvin=2700)
    body = target_to_body(target)
    assert fit_group_body(body, [BOTH, CT_ONLY]) == body
    fitted = fit_group_body(body, [BOTH, CT_ONLY, XY_ONLY])
    assert fitted == {**body, "xy": fit_body(body, XY_ONLY)["xy"]}
    assert fitted["xy"] == pytest.approx(list(planckian_xy(1e6 / 370)), abs=0.001)


def test_a_kelvin_to_a_group_is_clamped_into_the_narrowest_colour_only_gamut() -> None:
    narrow = ((0.5, 0.35), (0.3, 0.6), (0.15, 0.05))
    body = target_to_body(LightTarget(brightness_pct=30, transition_s=3, kelvin=2000))
    wide_and_narrow = [XY_ONLY, LightCaps(frozenset({"bri", "xy"}), gamut=narrow)]
    assert fit_group_body(body, wide_and_narrow)["xy"] == colour_for(500, narrow)
    unknown_gamut = LightCaps(frozenset({"bri", "xy"}))
    assert fit_group_body(body, [unknown_gamut])["xy"] == colour_for(500)


@pytest.mark.parametrize("target", PLAIN_TARGETS)
def test_a_group_of_lights_that_take_both_or_are_unknown_is_sent_the_body_as_it_is(
        target: LightTarget) -> None:
    body = target_to_body(target)
    dimmable = LightCaps(frozenset({"bri"}))
    assert fit_group_body(body, [BOTH, LightCaps(), dimmable]) == body
    assert fit_group_body(body, []) == body
    fitted = fit_group_body(body, [CT_ONLY, XY_ONLY])  # only ever a colour is added
    assert {k: fitted[k] for k in body} == body
    assert set(fitted) - set(body) <= {"ct", "xy"}


# ------------------------------------------------------------------ what the bridge says


def entry(light_type: str, control: Any) -> dict[str, Any]:
    return {"type": light_type, "capabilities": {"certified": True, "control": control}}


def test_caps_from_the_bridges_capabilities() -> None:
    caps = light_caps(entry("Color temperature light", {"ct": {"min": 153, "max": 454}}))
    assert caps == LightCaps(frozenset({"bri", "ct"}), (153, 454), None)
    listed = [[0.7, 0.3], [0.2, 0.7], [0.14, 0.08]]
    caps = light_caps(entry("Color light", {"colorgamuttype": "A", "colorgamut": listed}))
    assert caps.gamut == ((0.7, 0.3), (0.2, 0.7), (0.14, 0.08))  # the list wins
    assert light_caps(entry("Color light", {"colorgamuttype": "B"})).gamut == GAMUTS["B"]


@pytest.mark.parametrize("control", [
    None, {}, {"ct": {"min": 500, "max": 153}}, {"ct": {"min": 100, "max": 600}},
    {"ct": "warm"}, {"colorgamuttype": "other"}, {"colorgamut": [[0.7, 0.3]]},
    {"colorgamut": [[0.7, 0.3], [0.2, "x"], [0.1, 0.1]]},
])
def test_caps_a_bridge_does_not_say_or_says_oddly_fall_back(control: Any) -> None:
    caps = light_caps(entry("Color light", control))
    assert (caps.ct_range, caps.gamut) == ((MIRED_MIN, MIRED_MAX), None)
    assert light_caps({"type": "Color temperature light"}).ct_range == (MIRED_MIN, MIRED_MAX)
    assert light_caps(None) == LightCaps()
