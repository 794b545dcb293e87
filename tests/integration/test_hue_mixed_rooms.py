"""Rooms that mix lights showing both, only whites and only colours, driven by group
commands (the emergency light, rooms of more than four lights, "all lights"), against the
emulator over real HTTP: every light ends up with the nearest it can show, at the
brightness asked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.devices.lights import HueLights, LightReport, hex_to_xy, percent_to_bri
from ketaroom.devices.lights.colorimetry import locus_distance, mccamy_cct
from tests.integration.hue_fixtures import USER, raw_json, wait_until

pytestmark = pytest.mark.filterwarnings("ignore:The .warn. method:DeprecationWarning")

BLUE = "#2040ff"
EMERGENCY_BRI = percent_to_bri(EMERGENCY_LIGHT.brightness_pct)


class Notes:
    """The ``note`` reports (``on_report`` is called from the adapter's threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[LightReport] = []

    def __call__(self, report: LightReport) -> None:
        if report.kind == "note":
            with self._lock:
                self._items.append(report)

    @property
    def messages(self) -> list[str]:
        with self._lock:
            return sorted(r.message for r in self._items)


@pytest.fixture
def room(tmp_path: Any) -> Iterator[Any]:
    """``room(kinds, group)``: an emulator whose lights are of ``kinds`` (id → kind), all
    in "Treatment room", and a :class:`HueLights` on ``group``; both stopped afterwards."""
    made: list[Any] = []

    def build(kinds: dict[int, str], group: str | None = "Treatment room"
              ) -> tuple[HueEmulator, HueLights, Notes]:
        emu = HueEmulator(lights=len(kinds), username=USER, light_kinds=kinds)
        emu.start()
        notes = Notes()
        lights = HueLights(emu.address, USER, group, on_report=notes, config_dir=tmp_path)
        made.extend([lights, emu])
        return emu, lights, notes

    yield build
    for thing in made:
        thing.close() if isinstance(thing, HueLights) else thing.stop()


def warm_white(state: dict[str, Any]) -> bool:
    """The light shows 2700 K: ``ct`` 370, or an ``xy`` on the locus there."""
    if state.get("colormode") == "ct":
        return abs(state["ct"] - 370) <= 1
    xy = (state["xy"][0], state["xy"][1])
    return locus_distance(xy) < 0.002 and abs(mccamy_cct(xy) - 2700) < 40


def lit_at(emu: HueEmulator, light_ids: range, bri: int) -> bool:
    return all((emu.target_state(i)["on"], emu.target_state(i)["bri"]) == (True, bri)
               for i in light_ids)


def paint_blue(emu: HueEmulator, light_ids: range) -> None:
    """A colour left on the lights by someone else (another app, the Hue app)."""
    for i in light_ids:
        status, _ = raw_json(emu.address, "PUT", f"/api/{USER}/lights/{i}/state",
                             {"on": True, "bri": 40, "xy": list(hex_to_xy(BLUE)),
                              "transitiontime": 0})
        assert status == 200


@pytest.mark.parametrize("cold", [False, True], ids=["after a colour phase",
                                                     "before the lights are read"])
def test_the_emergency_brings_every_kind_of_light_up_warm(room: Any, cold: bool) -> None:
    """A colour bulb, a White ambiance bulb and a colour-only light, all blue: after
    ``emergency_up()`` each is on at the emergency brightness and shows a warm white —
    the colour-only light too (it has no ``ct``: it gets the locus colour of 2700 K).
    Also when the emergency comes before the adapter has read what the lights are."""
    emu, lights, _notes = room({1: "color", 2: "ct", 3: "xy"})
    if cold:
        paint_blue(emu, range(1, 4))  # and the emergency at once, without waiting
    else:
        lights.apply(LightTarget(brightness_pct=30, transition_s=0.2, color=BLUE))
        assert lights.flush(3.0)
        assert emu.target_state(3)["xy"] == list(hex_to_xy(BLUE))
    lights.emergency_up()
    assert wait_until(lambda: lit_at(emu, range(1, 4), EMERGENCY_BRI), 3.0)
    assert lights.flush(3.0)
    states = [emu.target_state(i) for i in range(1, 4)]
    assert all(warm_white(state) for state in states), states
    assert states[1]["colormode"] == "ct" and states[2]["colormode"] == "xy"
    assert all(r[4] == 200 for r in emu.requests())  # nothing refused


def test_the_emergency_keeps_colour_bulbs_on_their_own_white_without_a_colour_only_light(
        room: Any) -> None:
    emu, lights, _notes = room({1: "color", 2: "ct", 3: "color"})
    lights.apply(LightTarget(brightness_pct=30, transition_s=0.2, color=BLUE))
    assert lights.flush(3.0)
    lights.emergency_up()
    assert lights.flush(3.0)
    puts = [r[3] for r in emu.requests() if r[1] == "PUT" and "/groups/" in r[2]]
    assert puts and "xy" not in puts[-1]
    assert all((emu.target_state(i)["colormode"], emu.target_state(i)["ct"]) == ("ct", 370)
               for i in range(1, 4))
    assert lit_at(emu, range(1, 4), EMERGENCY_BRI)


@pytest.mark.parametrize("group", ["Treatment room", None], ids=["big room", "all lights"])
def test_a_big_mixed_room_shows_each_phase_as_near_as_each_light_can(
        room: Any, group: str | None) -> None:
    """Six lights, so one group command a phase: a blue phase leaves the White ambiance
    bulbs at their warmest white (not the temperature of the phase before), a warm phase
    reaches the colour-only light as the locus colour; every light has the phase's
    brightness; each approximation is noted once per light, not at every phase."""
    kinds = {1: "color", 2: "color", 3: "ct", 4: "ct", 5: "xy", 6: "dimmable"}
    emu, lights, notes = room(kinds, group)
    phases = [LightTarget(brightness_pct=30, transition_s=0.2, kelvin=4000),
              LightTarget(brightness_pct=25, transition_s=0.2, color=BLUE),
              LightTarget(brightness_pct=35, transition_s=0.2, kelvin=2700)]
    seen = []
    for phase in phases:
        lights.apply(phase)
        assert lights.flush(5.0)
        seen.append({i: emu.target_state(i) for i in kinds})
        assert lit_at(emu, range(1, 7), percent_to_bri(phase.brightness_pct))
    assert not [r for r in emu.requests() if r[1] == "PUT" and "/lights/" in r[2]]
    for i in (3, 4):  # White ambiance: the phase's whites as asked, a blue as the warmest
        assert [s[i]["ct"] for s in seen] == [250, 454, 370]
    for i in (1, 2, 5):  # colour lights: the blue as asked, the whites on the locus
        assert seen[1][i]["xy"] == list(hex_to_xy(BLUE))
        assert mccamy_cct(tuple(seen[0][i]["xy"])) == pytest.approx(4000, abs=40)
        assert warm_white(seen[2][i])
    assert all(r[4] == 200 for r in emu.requests())
    assert notes.messages == [
        "Light 3 cannot show it exactly: colour #2040ff shown as 2203 K, the nearest white "
        "it has",
        "Light 4 cannot show it exactly: colour #2040ff shown as 2203 K, the nearest white "
        "it has",
        f"Light 5 cannot show it exactly: 4000 K shown as colour xy ({seen[0][5]['xy'][0]:g}, "
        f"{seen[0][5]['xy'][1]:g}), the nearest it can show"]
