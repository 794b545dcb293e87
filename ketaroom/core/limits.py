"""The one set of preset limits: what the validator accepts, the editor offers and the
previews send.

Plain numbers and three small checks, no imports beyond the standard library, so a panel
can use them without loading the validator. The validator's checks
(:mod:`ketaroom.core.preset_checks` and the modules it builds on) report against these;
the preset editor's spin boxes, the light panel's warmth slider and the editor's live light
preview (:func:`ketaroom.ui.preview.light_from_section`) take their ranges from here.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "BRIGHTNESS_MAX",
    "BRIGHTNESS_MIN",
    "DEFAULT_FADE_S",
    "DEFAULT_KELVIN",
    "DEFAULT_TRANSITION_S",
    "DEFAULT_VOLUME_PCT",
    "KELVIN_MAX",
    "KELVIN_MIN",
    "KELVIN_STEP",
    "LIGHT_TRANSITION_FLOOR_S",
    "MAX_CUES_PER_PHASE",
    "MAX_DURATION_S",
    "MAX_PHASES",
    "MUSIC_FADE_FLOOR_S",
    "VOLUME_MAX",
    "VOLUME_MIN",
    "is_brightness",
    "is_colour",
    "is_kelvin",
]

KELVIN_MIN, KELVIN_MAX = 2000, 6500
"""Colour temperature, whole kelvin (the Hue range: 153-500 mired)."""
KELVIN_STEP = 100
"""The editor's spin box step."""
DEFAULT_KELVIN = 2700
"""A warm white: a new light section, or the editor's shade when switched to temperature."""
BRIGHTNESS_MIN, BRIGHTNESS_MAX = 0, 100
"""Percent; 0 is off."""
VOLUME_MIN, VOLUME_MAX = 0, 100
"""Percent, for a phase's ``volume`` and the preset's ``max_volume``."""
DEFAULT_VOLUME_PCT = 50.0
DEFAULT_FADE_S = 5.0
LIGHT_TRANSITION_FLOOR_S = 3.0
"""The shortest light transition a session sends for a phase: a preset's ``transition: 0s``
would make the lights jump at the phase start, so it goes out over this (``validate`` and
the editor warn). The emergency light is exempt: it has its own fast-but-not-a-flash 1 s."""
MUSIC_FADE_FLOOR_S = 2.0
"""The shortest music fade or crossfade a session uses for a phase (same rule as
:data:`LIGHT_TRANSITION_FLOOR_S`; the emergency's music off is exempt)."""
DEFAULT_TRANSITION_S = LIGHT_TRANSITION_FLOOR_S
"""A ``light:`` without ``transition`` fades over the floor."""
MAX_DURATION_S = 24 * 3600.0
"""The longest a phase, an expected time, a cue offset, a fade, a transition or one
extension can be: no clinic session comes near it, and every time computed from
validated values stays far from float and ``datetime`` limits."""
MAX_PHASES = 10_000
"""Phases in one preset (a real protocol has a handful)."""
MAX_CUES_PER_PHASE = 1_000
"""Cues in one phase."""

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
"""A light ``color``: ``#rrggbb`` (surrounding blanks are allowed and stripped)."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def is_brightness(value: Any) -> bool:
    """A number within :data:`BRIGHTNESS_MIN`-:data:`BRIGHTNESS_MAX`."""
    number = _number(value)
    return number is not None and BRIGHTNESS_MIN <= number <= BRIGHTNESS_MAX


def is_kelvin(value: Any) -> bool:
    """A whole number within :data:`KELVIN_MIN`-:data:`KELVIN_MAX`."""
    number = _number(value)
    return number is not None and number.is_integer() and KELVIN_MIN <= number <= KELVIN_MAX


def is_colour(value: Any) -> bool:
    """A ``#rrggbb`` string."""
    return isinstance(value, str) and COLOUR.match(value.strip()) is not None
