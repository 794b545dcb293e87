"""During a session the lights adapter watches its room's lights (real HTTP, emulator).

A light switched off at the wall is reported once; when its power comes back (at full bright
white: power-on behaviour ``safety``) it alone is given the phase's light again with a
transition, and lights of another room are never watched nor touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaroom.core.targets import RETURN_TRANSITION_S, LightTarget
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.devices.lights import HueLights, LightReport
from tests.integration.hue_fixtures import USER, wait_until

PHASE = LightTarget(brightness_pct=20, transition_s=0.0, kelvin=2200)


@pytest.fixture
def two_rooms() -> Iterator[HueEmulator]:
    emulator = HueEmulator(lights=4, username=USER, rooms={"Room A": [1, 2], "Room B": [3, 4]})
    emulator.start()
    yield emulator
    emulator.stop()


def test_lost_light_reported_once_and_given_its_light_back(two_rooms: HueEmulator,
                                                           tmp_path: Path) -> None:
    reports: list[LightReport] = []
    lights = HueLights(two_rooms.address, USER, "Room A", on_report=reports.append,
                       config_dir=tmp_path, probe_interval_s=0.3)
    try:
        lights.apply(PHASE)
        assert wait_until(lambda: two_rooms.target_state(2)["bri"] < 100, 5.0)
        phase_bri = two_rooms.target_state(2)["bri"]
        two_rooms.power_cut(2)
        two_rooms.power_cut(3)  # another room's light: none of this room's business
        assert wait_until(lambda: any("Light 2 is unreachable" in r.message
                                      for r in reports), 5.0)
        wait_until(lambda: False, 1.0)  # three more polls
        lost = [r for r in reports if "unreachable" in r.message]
        assert [r.message for r in lost] == [
            "Light 2 is unreachable (switched off at the wall?); the other lights go on"]
        two_rooms.clear_log()
        two_rooms.power_restore(2)
        assert two_rooms.light_state(2)["bri"] == 254  # safety: full bright after the cut
        assert wait_until(lambda: two_rooms.target_state(2)["bri"] == phase_bri, 5.0)
        assert any("Light 2 is back" in r.message for r in reports)
        puts = [r for r in two_rooms.requests() if r[1] == "PUT"]
        assert [r[2] for r in puts] == [f"/api/{USER}/lights/2/state"]  # only the one back
        assert puts[0][3]["transitiontime"] == round(RETURN_TRANSITION_S * 10)  # a fade
        assert two_rooms.target_state(3)["bri"] == 254  # Room B never touched
        polls = [r for r in two_rooms.requests() if r[1] == "GET" and r[2].endswith("/lights")]
        assert polls
    finally:
        lights.close()
