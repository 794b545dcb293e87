"""Pure conversions from a :class:`~ketaroom.core.targets.LightTarget` to Hue v1 values.

Owns: percent → ``bri``, kelvin → ``ct`` (mired), ``#rrggbb`` → CIE ``xy`` (Wide gamut D65),
seconds → ``transitiontime`` (100 ms units, scaled for rehearsal), the request body built
from them, and what one light can take of it (:func:`light_params`, :func:`fit_body`: a
dimmable-only bulb gets no ``ct``). No I/O, no phue.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ketaroom.core.targets import LightTarget

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


def fit_body(body: dict[str, Any], params: frozenset[str] | None) -> dict[str, Any]:
    """``body`` without what the light cannot take (``params`` from :func:`light_params`;
    ``None``: unknown, all of it). A real bridge refuses ``ct`` to a dimmable-only bulb
    with error 6; diyHue stores it and then fails every ``GET /lights`` with HTTP 500."""
    if params is None:
        return body
    return {k: v for k, v in body.items() if k not in LIGHT_PARAMS or k in params}


def describe_target(target: LightTarget) -> str:
    """Short human description: ``60 %, 2700 K, over 30 s``."""
    if percent_to_bri(target.brightness_pct) is None:
        text = "off"
    else:
        text = f"{target.brightness_pct:g} %"
        if target.color:
            text += f", colour {target.color}"
        elif target.kelvin:
            text += f", {target.kelvin} K"
    return f"{text}, over {target.transition_s:g} s"
