"""Pure conversions from a :class:`~ketaroom.core.targets.LightTarget` to Hue v1 values.

Owns: percent → ``bri``, kelvin → ``ct`` (mired), ``#rrggbb`` → CIE ``xy`` (Wide gamut D65),
seconds → ``transitiontime`` (100 ms units, scaled for rehearsal), the request body built
from them, and what one light can take of it (:func:`light_caps`, :func:`fit_body`: a
dimmable-only bulb gets no ``ct``; a colour on a colour-temperature bulb becomes the nearest
white it has, a colour temperature on a colour-only light the nearest colour it can show —
the maths in :mod:`~ketaroom.devices.lights.colorimetry`), and what a group of such lights
is sent at once (:func:`fit_group_body`). No I/O, no phue.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ketaroom.core.targets import LightTarget
from ketaroom.devices.lights.colorimetry import (
    GAMUTS,
    WHITE_DUV_MAX,
    XY,
    Gamut,
    clamp_to_gamut,
    locus_distance,
    mccamy_cct,
    planckian_xy,
)

BRI_MIN, BRI_MAX = 1, 254
MIRED_MIN, MIRED_MAX = 153, 500
TRANSITION_DS_MAX = 65535
"""The longest transition the bridge accepts (about 1 h 49 min)."""
LIGHT_PARAMS = ("bri", "ct", "xy")
"""The parameters of a light command that not every light can take (``on`` they all can)."""
_TYPE_PARAMS: tuple[tuple[str, frozenset[str]], ...] = (
    ("extended color", frozenset({"bri", "ct", "xy"})),
    ("color temperature", frozenset({"bri", "ct"})),
    ("color", frozenset({"bri", "xy"})),
    ("dimmable", frozenset({"bri"})),
    ("on/off", frozenset()),
    ("plug", frozenset()),
)
"""Words of a light's API v1 ``type`` (Hue, diyHue, deCONZ), first match wins → what it takes."""
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
D65_XY = (0.3127, 0.329)
"""White point; what black (no light) maps to — brightness carries the darkness."""


def percent_to_bri(brightness_pct: float) -> int | None:
    """Linear percent → ``bri`` like the Hue app: 1 % → 1, 40 % → 101 (≈102), 100 % → 254.

    Returns ``None`` for 0 % (or less): the light is to be turned off.
    Anything between 0 and 1 % is the dimmest level, 1.
    """
    if not math.isfinite(brightness_pct) or brightness_pct <= 0:
        return None
    pct = min(100.0, max(1.0, brightness_pct))
    return max(BRI_MIN, min(BRI_MAX, round(BRI_MIN + (pct - 1.0) * (BRI_MAX - BRI_MIN) / 99.0)))


def bri_to_percent(bri: int) -> float:
    """``bri`` → percent, the inverse of :func:`percent_to_bri` (1 → 1 %, 254 → 100 %)."""
    return 1.0 + (min(BRI_MAX, max(BRI_MIN, bri)) - BRI_MIN) * 99.0 / (BRI_MAX - BRI_MIN)


def kelvin_to_mired(kelvin: float) -> int:
    """Colour temperature in kelvin → ``ct`` in mired (1e6/K), clamped to 153-500."""
    if kelvin <= 0 or not math.isfinite(kelvin):
        raise ValueError(f"kelvin must be positive, got {kelvin!r}")
    return max(MIRED_MIN, min(MIRED_MAX, round(1e6 / kelvin)))



def _linearize(channel: float) -> float:
    """sRGB companding (gamma) removed, as in Philips' RGB → xy recipe."""
    return ((channel + 0.055) / 1.055) ** 2.4 if channel > 0.04045 else channel / 12.92


def hex_to_xy(color: str) -> tuple[float, float]:
    """``#rrggbb`` → CIE 1931 (x, y) through sRGB gamma and the Wide-gamut D65 matrix.

    Rounded to 4 decimals; the bridge maps points outside a lamp's gamut to the nearest one.
    """
    match = _HEX.match(color.strip())
    if not match:
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    value = match.group(1)
    r, g, b = (_linearize(int(value[i:i + 2], 16) / 255.0) for i in (0, 2, 4))
    x_ = r * 0.664511 + g * 0.154324 + b * 0.162028
    y_ = r * 0.283881 + g * 0.668433 + b * 0.047685
    z_ = r * 0.000088 + g * 0.072310 + b * 0.986039
    total = x_ + y_ + z_
    if total <= 0:
        return D65_XY
    return round(x_ / total, 4), round(y_ / total, 4)


def transition_ds(transition_s: float, time_scale: float = 1.0) -> int:
    """Seconds → ``transitiontime`` (100 ms units), divided by ``time_scale`` (rehearse runs
    N× faster), clamped to 0-65535."""
    if time_scale <= 0:
        raise ValueError("time_scale must be positive")
    if not math.isfinite(transition_s) or transition_s <= 0:
        return 0
    return max(0, min(TRANSITION_DS_MAX, round(transition_s * 10.0 / time_scale)))


def target_to_body(target: LightTarget, time_scale: float = 1.0) -> dict[str, Any]:
    """The group action / light state body for ``target``.

    0 % → ``{"on": false, "transitiontime": …}``. Otherwise ``on: true`` always comes with
    ``bri`` (a light turned off with a transition comes back at bri 1 otherwise), plus ``xy``
    for a colour or ``ct`` for a colour temperature (xy wins if both were given).
    """
    body: dict[str, Any] = {}
    bri = percent_to_bri(target.brightness_pct)
    if bri is None:
        body["on"] = False
    else:
        body["on"] = True
        body["bri"] = bri
        if target.color:
            body["xy"] = list(hex_to_xy(target.color))
        elif target.kelvin:
            body["ct"] = kelvin_to_mired(target.kelvin)
    body["transitiontime"] = transition_ds(target.transition_s, time_scale)
    return body


def light_params(light_type: object) -> frozenset[str] | None:
    """What of :data:`LIGHT_PARAMS` a light takes, from its ``type`` in ``GET /lights``
    (``"Dimmable light"`` → ``{"bri"}``); ``None`` for a type not known here (send it all).

    The type, not ``capabilities``: a bridge lists no ``capabilities.control`` for lights it
    has not certified (IKEA, Innr…), though they take ``ct``.
    """
    if not isinstance(light_type, str):
        return None
    text = light_type.casefold()
    return next((params for word, params in _TYPE_PARAMS if word in text), None)


@dataclass(frozen=True)
class LightCaps:
    """What one light can show, from its entry in ``GET /lights`` (:func:`light_caps`)."""

    params: frozenset[str] | None = None
    """What of :data:`LIGHT_PARAMS` it takes (:func:`light_params`); ``None``: unknown, send
    it everything as it is."""
    ct_range: tuple[int, int] = (MIRED_MIN, MIRED_MAX)
    """Its ``ct`` range in mired (``capabilities.control.ct``; else the bridge's)."""
    gamut: Gamut | None = None
    """The colours it can show (``capabilities.control.colorgamut``, else its
    ``colorgamuttype``); ``None``: not said, colours are sent as they are."""


def light_caps(info: object) -> LightCaps:
    """A light's :class:`LightCaps` from its entry in ``GET /lights``: ``type``, and
    ``capabilities.control``'s ``ct`` range and colour gamut where the bridge lists them
    (what is missing or odd falls back: the full ``ct`` range, no gamut)."""
    if not isinstance(info, dict):
        return LightCaps()
    capabilities = info.get("capabilities")
    control = capabilities.get("control") if isinstance(capabilities, dict) else None
    control = control if isinstance(control, dict) else {}
    return LightCaps(light_params(info.get("type")), _ct_range(control.get("ct")),
                     _gamut(control.get("colorgamut")) or GAMUTS.get(
                         str(control.get("colorgamuttype", "")).upper()))


def _ct_range(ct: object) -> tuple[int, int]:
    if isinstance(ct, dict):
        low, high = ct.get("min"), ct.get("max")
        if isinstance(low, int) and isinstance(high, int) \
                and MIRED_MIN <= low < high <= MIRED_MAX:
            return low, high
    return MIRED_MIN, MIRED_MAX


def _gamut(corners: object) -> Gamut | None:
    """``[[x, y], [x, y], [x, y]]`` (red, green, blue) as a :data:`Gamut`, if it is one."""
    if not isinstance(corners, list) or len(corners) != 3:
        return None
    points = []
    for corner in corners:
        if not (isinstance(corner, list) and len(corner) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool)
                        and 0.0 <= v <= 1.0 for v in corner)):
            return None
        points.append((float(corner[0]), float(corner[1])))
    return points[0], points[1], points[2]


def white_for(xy: XY, ct_range: tuple[int, int] = (MIRED_MIN, MIRED_MAX)) -> int:
    """The ``ct`` (mired) a colour-temperature bulb shows for the colour ``xy``: McCamy's
    colour temperature of it, within ``ct_range``. A colour that is no white (farther than
    :data:`~ketaroom.devices.lights.colorimetry.WHITE_DUV_MAX` from the locus: a red, a
    blue, a green) gets the warmest white: never a cold white where a colour was asked."""
    low, high = ct_range
    kelvin = mccamy_cct(xy)
    if locus_distance(xy) > WHITE_DUV_MAX or not 0 < kelvin < math.inf:
        return high
    return max(low, min(high, round(1e6 / kelvin)))


def colour_for(mired: int, gamut: Gamut | None = None) -> list[float]:
    """The ``xy`` a colour-only light shows for ``ct`` ``mired``: the Planckian locus
    there, moved into ``gamut`` (when the light says it) to the nearest colour it can show."""
    xy = planckian_xy(1e6 / mired)
    if gamut is not None:
        xy = clamp_to_gamut(xy, gamut)
    return [round(xy[0], 4), round(xy[1], 4)]


def _shows_only(caps: LightCaps, param: str) -> bool:
    """The light of ``caps`` takes ``param`` (``ct`` or ``xy``) and not the other one."""
    other = "xy" if param == "ct" else "ct"
    return caps.params is not None and param in caps.params and other not in caps.params


def _shared_ct_range(ranges: list[tuple[int, int]]) -> tuple[int, int]:
    """The ``ct`` range every one of ``ranges`` holds (where they share none: the warmest
    white the least warm of them reaches; each bulb clamps what it cannot show)."""
    high = min(h for _low, h in ranges)
    return min(high, max(low for low, _high in ranges)), high


def _gamut_area(gamut: Gamut) -> float:
    (rx, ry), (gx, gy), (bx, by) = gamut
    return abs((gx - rx) * (by - ry) - (bx - rx) * (gy - ry)) / 2.0


def fit_group_body(body: dict[str, Any], members: Iterable[LightCaps]) -> dict[str, Any]:
    """``body`` for a command to lights of ``members`` at once (a group action): the
    bridge gives each light what it takes of it and ignores the rest, so what a member
    cannot show is added in a form it can — a colour (``xy``) also as the ``ct`` of its
    nearest white (:func:`white_for`, within the ``ct`` range every white-only member has)
    when a member shows only whites, a colour temperature (``ct``) also as the ``xy`` of
    its locus colour (:func:`colour_for`, within the narrowest gamut the colour-only
    members report; unclamped when none does) when a member shows only colours.

    A light that takes both then gets both, and shows ``xy`` (the bridge's precedence:
    xy > ct > hue/sat). For a colour that is the colour asked; for a colour temperature a
    colour bulb shows the locus colour of that temperature instead of its own ``ct`` white
    — which is why ``xy`` is added only when the group really has a colour-only member.
    Members of unknown kind (``params`` ``None``) change nothing. Only the colour is
    added: ``on``, ``bri`` and the transition are as given."""
    members = list(members)
    fitted = dict(body)
    if "xy" in body and "ct" not in body:
        whites = [caps.ct_range for caps in members if _shows_only(caps, "ct")]
        if whites:
            fitted["ct"] = white_for((body["xy"][0], body["xy"][1]), _shared_ct_range(whites))
    elif "ct" in body and "xy" not in body:
        colours = [caps for caps in members if _shows_only(caps, "xy")]
        if colours:
            gamuts = [caps.gamut for caps in colours if caps.gamut is not None]
            fitted["xy"] = colour_for(body["ct"], min(gamuts, key=_gamut_area, default=None))
    return fitted


def fit_emergency_body(body: dict[str, Any], members: Iterable[LightCaps] | None
                       ) -> dict[str, Any]:
    """The emergency light's ``body`` for a group whose lights are ``members`` (``None``:
    not read yet): :func:`fit_group_body` when every member is known; else its colour
    temperature also as the ``xy`` of its locus colour, unclamped (a warm white lies inside
    every Hue gamut), so a light of any kind comes up warm — the emergency never waits for
    a read of the lights first."""
    known = None if members is None else list(members)
    if known is not None and all(caps.params is not None for caps in known):
        return fit_group_body(body, known)
    fitted = dict(body)
    if "ct" in body and "xy" not in body:
        fitted["xy"] = colour_for(body["ct"])
    return fitted


def fit_body(body: dict[str, Any], caps: LightCaps) -> dict[str, Any]:
    """``body`` as the light of ``caps`` can take it: without what it cannot (a real bridge
    refuses ``ct`` to a dimmable-only bulb with error 6; diyHue stores it and then fails
    every ``GET /lights`` with HTTP 500), a colour (``xy``) it cannot show as the nearest
    white (:func:`white_for`) when it takes ``ct``, and a colour temperature (``ct``) as
    the nearest colour (:func:`colour_for`) when it takes ``xy`` — :func:`fit_group_body`
    for a group of one, less what the light lacks. Only the colour ever changes: ``on``,
    ``bri`` and the transition are as given. ``caps.params`` ``None`` (unknown): all of
    it, as it is."""
    params = caps.params
    if params is None:
        return body
    return {k: v for k, v in fit_group_body(body, [caps]).items()
            if k not in LIGHT_PARAMS or k in params}


def approximation(target: LightTarget, fitted: dict[str, Any]) -> str | None:
    """What :func:`fit_body` made of ``target``'s colour, ``fitted`` being what a light was
    sent (``colour #ffb070 shown as 2012 K, the nearest white it has``); ``None`` when the
    light was sent the colour asked (or none)."""
    if target.color and "ct" in fitted and "xy" not in fitted:
        return (f"colour {target.color} shown as {round(1e6 / fitted['ct'])} K, "
                "the nearest white it has")
    if not target.color and target.kelvin and "xy" in fitted and "ct" not in fitted:
        x, y = fitted["xy"]
        return f"{target.kelvin} K shown as colour xy ({x:g}, {y:g}), the nearest it can show"
    return None


def _kelvin_shown(state: dict[str, Any]) -> float | None:
    """The colour temperature a light that is on shows: its ``ct`` in ``ct`` mode, the
    temperature of its ``xy`` when that is a white; ``None`` for a colour or no answer."""
    mode, ct, xy = state.get("colormode"), state.get("ct"), state.get("xy")
    if mode == "ct" and isinstance(ct, int) and not isinstance(ct, bool) and ct > 0:
        return 1e6 / ct
    if (mode == "xy" and isinstance(xy, list) and len(xy) == 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in xy)):
        point = (float(xy[0]), float(xy[1]))
        if locus_distance(point) <= WHITE_DUV_MAX:
            return mccamy_cct(point)
    return None


def lights_now(states: list[object]) -> LightTarget | None:
    """What the lights show now, as one light (their ``state`` from ``GET /lights``).

    The brightness is the mean of every light that answered, a light that is off counting
    as 0 %; the warmth the mean temperature of the lights on that show a white. ``None``
    when no light's state could be read."""
    levels: list[float] = []
    kelvins: list[float] = []
    for state in states:
        if not isinstance(state, dict) or state.get("reachable") is False:
            continue
        bri = state.get("bri")
        if state.get("on") is not True:
            levels.append(0.0)
        elif isinstance(bri, int) and not isinstance(bri, bool):
            levels.append(bri_to_percent(bri))
            kelvin = _kelvin_shown(state)
            if kelvin is not None:
                kelvins.append(kelvin)
    if not levels:
        return None
    kelvin = round(sum(kelvins) / len(kelvins)) if kelvins else None
    return LightTarget(float(round(sum(levels) / len(levels))), 0.0, kelvin=kelvin)


def describe_light(target: LightTarget) -> str:
    """The light itself, in short: ``60 %, 2700 K`` (or ``off``)."""
    if percent_to_bri(target.brightness_pct) is None:
        return "off"
    text = f"{target.brightness_pct:g} %"
    if target.color:
        text += f", colour {target.color}"
    elif target.kelvin:
        text += f", {target.kelvin} K"
    return text


def describe_target(target: LightTarget) -> str:
    """Short human description: ``60 %, 2700 K, over 30 s``."""
    return f"{describe_light(target)}, over {target.transition_s:g} s"
