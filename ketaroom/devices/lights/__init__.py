"""Lights: the :class:`Lights` contract and its adapters (Hue over phue, and no-bridge).

Modules: ``base`` (protocol, health, reports, errors, :class:`NullLights`), ``conversions``
(pure Hue value conversions), ``pacing`` (rate pacing and back-off), ``hue``
(:class:`HueLights`, :func:`pair`). phue is only imported when a :class:`HueLights` starts.
"""

from ketaroom.devices.lights.base import (
    BridgeError,
    BridgeUnreachable,
    LightHealth,
    LightReport,
    Lights,
    LightsError,
    NotPaired,
    NullLights,
    RateLimited,
    reorient_ramp,
)
from ketaroom.devices.lights.conversions import (
    describe_target,
    hex_to_xy,
    kelvin_to_mired,
    percent_to_bri,
    target_to_body,
    transition_ds,
)
from ketaroom.devices.lights.hue import HueLights, pair

__all__ = [
    "BridgeError",
    "BridgeUnreachable",
    "HueLights",
    "LightHealth",
    "LightReport",
    "Lights",
    "LightsError",
    "NotPaired",
    "NullLights",
    "RateLimited",
    "describe_target",
    "hex_to_xy",
    "kelvin_to_mired",
    "pair",
    "percent_to_bri",
    "reorient_ramp",
    "target_to_body",
    "transition_ds",
]
