"""Whites and colours in CIE 1931 xy, for lights that show only one of them.

Owns: the Planckian locus (:func:`planckian_xy`, Kim et al.'s cubic spline, 1667-25000 K),
McCamy's correlated colour temperature of a chromaticity (:func:`mccamy_cct`), how far a
chromaticity lies from the locus (:func:`locus_distance`, Δuv in CIE 1960 uv: whether it is
a white at all), and the Hue colour gamuts (:data:`GAMUTS`, :func:`clamp_to_gamut`).
Pure maths, no I/O.

Their errors, checked by the unit tests: the spline gives 2700 K as (0.4593, 0.4107), the
exact locus (0.4599, 0.4106); McCamy read back on the spline is within 25 K over
2000-6500 K (13 K from 2700 K up, 1 K at 6500 K; 21 K near 2000 K, 37 K at 1667 K)
and gives D65 (0.3127, 0.3290) as 6505 K. Above 6500 K McCamy drifts (125 K low at
10000 K), where no Hue bulb's ``ct`` reaches anyway (153 mired ≈ 6536 K).
"""

from __future__ import annotations

import functools
import math

XY = tuple[float, float]
Gamut = tuple[XY, XY, XY]
"""The red, green and blue corners of what a light can show, in CIE 1931 xy."""

GAMUTS: dict[str, Gamut] = {
    "A": ((0.704, 0.296), (0.2151, 0.7106), (0.138, 0.08)),
    "B": ((0.675, 0.322), (0.409, 0.518), (0.167, 0.04)),
    "C": ((0.6915, 0.3083), (0.17, 0.7), (0.1532, 0.0475)),
}
"""Philips Hue gamuts by ``capabilities.control.colorgamuttype``: A (LivingColors, Bloom,
Iris, LightStrips), B (the first Hue colour bulbs), C (Hue colour bulbs since 2016)."""

LOCUS_MIN_K, LOCUS_MAX_K = 1667.0, 25000.0
"""Where Kim et al.'s spline of the Planckian locus holds."""
WHITE_DUV_MAX = 0.05
"""Farther than this from the locus (Δuv) a chromaticity has no meaningful colour
temperature (CIE 15): it is a colour, not a white."""


def planckian_xy(kelvin: float) -> XY:
    """The Planckian locus at ``kelvin`` (clamped into 1667-25000 K) in CIE 1931 xy, by Kim
    et al.'s cubic spline (US patent 7,024,034)."""
    t = min(LOCUS_MAX_K, max(LOCUS_MIN_K, float(kelvin)))
    if t <= 4000.0:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t <= 2222.0:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000.0:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return x, y


def mccamy_cct(xy: XY) -> float:
    """McCamy's (1992) correlated colour temperature of ``xy``, in kelvin.

    Meant for whites (see :func:`locus_distance`); far from the locus its cubic gives
    anything, even a negative number or infinity."""
    x, y = xy
    if y == 0.1858:
        return math.inf
    n = (x - 0.3320) / (0.1858 - y)
    return 449.0 * n**3 + 3525.0 * n**2 + 6823.3 * n + 5520.33


def _uv(xy: XY) -> XY:
    """CIE 1931 xy → CIE 1960 uv (where distances to the locus are measured)."""
    x, y = xy
    d = -2.0 * x + 12.0 * y + 3.0
    return 4.0 * x / d, 6.0 * y / d


@functools.cache
def _locus_uv() -> tuple[XY, ...]:
    """The locus sampled every mired from 25000 K to 1667 K, in uv."""
    return tuple(_uv(planckian_xy(1e6 / mired)) for mired in range(40, 601))


def locus_distance(xy: XY) -> float:
    """How far ``xy`` lies from the Planckian locus between 1667 and 25000 K: Δuv, without
    its sign (within 0.001 of the exact value: the locus is sampled every mired)."""
    u, v = _uv(xy)
    return min(math.hypot(u - lu, v - lv) for lu, lv in _locus_uv())


def _nearest_on_segment(p: XY, a: XY, b: XY) -> XY:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2
    t = min(1.0, max(0.0, t))
    return ax + t * dx, ay + t * dy


def _cross(o: XY, a: XY, b: XY) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def clamp_to_gamut(xy: XY, gamut: Gamut) -> XY:
    """``xy`` when the light can show it, else the nearest point it can (on the edge of
    its gamut), as the bridge itself does."""
    red, green, blue = gamut
    sides = (_cross(red, green, xy), _cross(green, blue, xy), _cross(blue, red, xy))
    if all(s >= 0 for s in sides) or all(s <= 0 for s in sides):
        return xy
    edges = ((red, green), (green, blue), (blue, red))
    return min((_nearest_on_segment(xy, a, b) for a, b in edges),
               key=lambda q: math.hypot(q[0] - xy[0], q[1] - xy[1]))
