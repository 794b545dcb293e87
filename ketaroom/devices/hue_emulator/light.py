"""One emulated bulb: its kind, state, transitions, power-on behaviour and reachability.

Lights are colour bulbs (``Extended color light``, gamut C) unless the bridge's
``light_kinds`` makes some colour-temperature (``ct``: no ``xy``/``hue``/``sat``; ``ct``
153-454), colour-only (``xy``: ``Color light``, a Hue Bloom of gamut A: no ``ct``) or
dimmable-only (``dimmable``: ``bri`` only) bulbs (:data:`LIGHT_KINDS`). Every light lists
``capabilities.control`` as a real bridge does (``ct`` ``min``/``max``, ``colorgamuttype``
and ``colorgamut`` where it has them). A bulb given several colour parameters shows them by
the bridge's precedence, xy > ct > hue/sat; a transition is linear from where the light was.

Like firmware 1.50+, every light has ``config.startup`` (``mode``, one of
:data:`STARTUP_MODES`: ``safety`` — full bright warm white after a power cut, the factory
default —, ``powerfail`` — its last state —, or ``custom`` with ``customsettings``) and
``state.reachable``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

DEFAULT_TRANSITION_DS = 4
COLOUR_PARAMS = ("ct", "xy", "hue", "sat")
"""The state parameters a bulb may lack (``on`` and ``bri`` every kind of bulb has)."""
STARTUP_MODES = ("safety", "powerfail", "custom")
SAFETY_STATE = {"on": True, "bri": 254, "ct": 366, "colormode": "ct"}
"""What a light at power-on behaviour ``safety`` shows after a power cut."""
SAFETY_XY = (0.4573, 0.41)
"""That warm white (``ct`` 366) on a light that takes only ``xy``."""

_NUMERIC = ("bri", "ct", "hue", "sat")


@dataclass(frozen=True)
class LightKind:
    """What a kind of bulb is called and which state parameters it has."""

    type: str
    modelid: str
    productname: str
    params: tuple[str, ...]
    """Of ``bri``, ``ct``, ``xy``, ``hue``, ``sat`` (``on`` every light has)."""
    control: dict[str, Any]


LIGHT_KINDS = {
    "color": LightKind("Extended color light", "LCT015", "Hue color lamp",
                   ("bri", "ct", "xy", "hue", "sat"),
                   {"mindimlevel": 1000, "maxlumen": 806, "colorgamuttype": "C",
                    "colorgamut": [[0.6915, 0.3083], [0.17, 0.7], [0.1532, 0.0475]],
                    "ct": {"min": 153, "max": 500}}),
    "ct": LightKind("Color temperature light", "LTW001", "Hue white ambiance lamp", ("bri", "ct"),
                {"mindimlevel": 1000, "maxlumen": 806, "ct": {"min": 153, "max": 454}}),
    "dimmable": LightKind("Dimmable light", "LWB010", "Hue white lamp", ("bri",),
                      {"mindimlevel": 5000, "maxlumen": 806}),
    "xy": LightKind("Color light", "LLC012", "Hue bloom", ("bri", "xy", "hue", "sat"),
                {"mindimlevel": 10000, "maxlumen": 120, "colorgamuttype": "A",
                 "colorgamut": [[0.704, 0.296], [0.2151, 0.7106], [0.138, 0.08]]}),
}
"""``light_kinds`` values: a colour bulb (the default), colour temperature, dimmable only,
colour only (no ``ct``)."""


class Light:
    """One emulated bulb: target state plus a linear transition from where it was."""

    def __init__(self, light_id: int, kind: str = "color") -> None:
        self.light_id = light_id
        self.kind = LIGHT_KINDS[kind]
        self.name = f"{self.kind.productname} {light_id}"
        self.end: dict[str, Any] = {
            "on": False, "bri": 254, "ct": 366, "xy": list(SAFETY_XY), "hue": 8418, "sat": 140,
            "colormode": "ct" if "ct" in self.kind.params else "xy",
        }
        self.start: dict[str, Any] = copy.deepcopy(self.end)
        self.t0 = 0.0
        self.duration_s = 0.0
        self.reachable = True
        self.startup_mode = "safety"
        self.custom: dict[str, Any] = {}
        """``customsettings`` of power-on behaviour ``custom`` (``bri``, ``ct``…)."""

    def power_on(self, now: float) -> None:
        """Mains power comes back: the state the power-on behaviour says, at once."""
        last = self.current(now)
        if self.startup_mode == "safety":
            self.end = {**self.end, **SAFETY_STATE}
            if "ct" not in self.kind.params:  # a colour-only light: the same warm white in xy
                self.end.update(xy=list(SAFETY_XY), colormode="xy")
        elif self.startup_mode == "custom":
            self.end = {**self.end, "on": True, **self.custom}
            if "xy" in self.custom or "ct" in self.custom:
                self.end["colormode"] = "xy" if "xy" in self.custom else "ct"
        else:
            self.end = last
        self.start = copy.deepcopy(self.end)
        self.duration_s = 0.0
        self.reachable = True

    def current(self, now: float) -> dict[str, Any]:
        if self.duration_s <= 0 or now >= self.t0 + self.duration_s:
            return copy.deepcopy(self.end)
        frac = max(0.0, (now - self.t0) / self.duration_s)
        state = copy.deepcopy(self.end)
        for key in _NUMERIC:
            a, b = self.start[key], self.end[key]
            state[key] = round(a + (b - a) * frac)
        state["xy"] = [round(a + (b - a) * frac, 4)
                       for a, b in zip(self.start["xy"], self.end["xy"], strict=True)]
        if self.start["on"] and not self.end["on"]:
            state["on"] = True  # fading out: still lit until the transition ends
        return state

    def apply(self, params: dict[str, Any], now: float) -> None:
        """Apply validated ``params`` (those the bulb lacks are ignored); the transition starts
        from the current modelled state."""
        params = {k: v for k, v in params.items()
                  if k not in COLOUR_PARAMS or k in self.kind.params}
        current = self.current(now)
        was_on = current["on"]
        end = copy.deepcopy(self.end)
        for key in ("on", *_NUMERIC, "xy"):
            if key in params:
                end[key] = copy.deepcopy(params[key])
        if "xy" in params:
            end["colormode"] = "xy"
        elif "ct" in params:
            end["colormode"] = "ct"
        elif "hue" in params or "sat" in params:
            end["colormode"] = "hs"
        tt = int(params.get("transitiontime", DEFAULT_TRANSITION_DS))
        start = current
        if not was_on and end["on"]:
            start = {**current, "on": False, "bri": 1}  # fades up from the dimmest level
            if "bri" not in params:
                end["bri"] = current["bri"]
        if was_on and not end["on"] and tt > 0:
            end["bri"] = 1  # the real bridge reports bri 1 after an off-with-transition
        self.start, self.end = start, end
        self.t0, self.duration_s = now, tt / 10.0

    def describe(self, now: float) -> dict[str, Any]:
        state = {k: copy.deepcopy(self.end[k]) for k in ("on", *self.kind.params)}
        state.update(alert="none", mode="homeautomation", reachable=self.reachable)
        if {"ct", "xy"} & set(self.kind.params):  # a ct-only bulb stays in colormode ct
            state.update(effect="none", colormode=self.end["colormode"])
        startup: dict[str, Any] = {"mode": self.startup_mode, "configured": True}
        if self.startup_mode == "custom":
            startup["customsettings"] = copy.deepcopy(self.custom)
        return {
            "state": state, "type": self.kind.type, "name": self.name,
            "config": {"archetype": "sultanbulb", "function": "mixed",
                       "direction": "omnidirectional", "startup": startup},
            "modelid": self.kind.modelid, "manufacturername": "Signify Netherlands B.V.",
            "productname": self.kind.productname,
            "uniqueid": f"00:17:88:01:00:00:00:{self.light_id:02x}-0b", "swversion": "1.88.1",
            "capabilities": {"control": copy.deepcopy(self.kind.control)},
        }
