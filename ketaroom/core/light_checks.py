"""The checks of a phase's ``light:`` section: brightness, kelvin or colour, transition.

Separate from :mod:`ketaroom.core.preset_checks` (the preset and its phases, which use
this) so that each section of a phase has its own module, like
:mod:`ketaroom.core.music_checks`; the ranges are :mod:`ketaroom.core.limits`, shared with
the editor and the light previews.
"""

from __future__ import annotations

from typing import Any

from ketaroom.core.field_checks import FieldChecker, is_number, show_value
from ketaroom.core.limits import (
    BRIGHTNESS_MAX,
    BRIGHTNESS_MIN,
    COLOUR,
    DEFAULT_TRANSITION_S,
    KELVIN_MAX,
    KELVIN_MIN,
    LIGHT_TRANSITION_FLOOR_S,
)
from ketaroom.core.preset import LightSpec

__all__ = ["LIGHT_KEYS", "LightChecks"]

LIGHT_KEYS = ("brightness", "kelvin", "color", "transition")


class LightChecks(FieldChecker):
    """:class:`FieldChecker` plus the light section."""

    def light(self, node: Any, where: str, line: int) -> LightSpec | None:
        before = len(self.errors)
        found = self.section(node, where, line, LIGHT_KEYS, "a mapping with brightness and "
                             "kelvin or color (or null to keep the current light)")
        if found is None:
            return None
        values, lines, line = found

        brightness: float | None = None
        if "brightness" in values:
            brightness = self.number(values["brightness"], lines["brightness"][1],
                                     f"{where}.brightness", BRIGHTNESS_MIN, BRIGHTNESS_MAX)
        else:
            self.missing(line, where, "brightness")
        kelvin: int | None = None
        if "kelvin" in values:
            raw = values["kelvin"]
            k_line = lines["kelvin"][1]
            if not is_number(raw) or (isinstance(raw, float) and not float(raw).is_integer()):
                self.error(k_line, f"{where}.kelvin",
                           f"expected a whole number of kelvin ({KELVIN_MIN}-{KELVIN_MAX}), "
                           f"got {show_value(raw)}")
            elif not KELVIN_MIN <= raw <= KELVIN_MAX:
                self.error(k_line, f"{where}.kelvin",
                           f"{show_value(raw)} is out of range ({KELVIN_MIN}-{KELVIN_MAX})")
            else:
                kelvin = int(raw)
        color: str | None = None
        if "color" in values:
            raw = values["color"]
            c_line = lines["color"][1]
            if raw is None:
                self.error(c_line, f"{where}.color",
                           'expected a colour like "#ffb070", got nothing '
                           "(put it in quotes: # starts a comment in YAML)")
            elif not isinstance(raw, str) or not COLOUR.match(raw.strip()):
                self.error(c_line, f"{where}.color",
                           f'expected a colour like "#ffb070", got {show_value(raw)}')
            else:
                color = raw.strip().lower()
        if "kelvin" in values and "color" in values:
            self.error(lines["color"][0], where,
                       "give either kelvin or color, not both")
        transition = DEFAULT_TRANSITION_S
        if "transition" in values:
            got = self.duration(values["transition"], lines["transition"][1],
                                f"{where}.transition")
            if got is not None:
                self.floor(got, LIGHT_TRANSITION_FLOOR_S, lines["transition"][1],
                           f"{where}.transition", "the lights", "light transition")
            transition = got if got is not None else transition

        if len(self.errors) > before or brightness is None:
            return None
        return LightSpec(brightness_pct=brightness, transition_s=transition,
                         kelvin=kelvin, color=color)
