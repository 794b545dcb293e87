"""The lights adapter acts on its room's group alone (two rooms, one bridge, real HTTP).

Room A has no group of its own in its settings: its sessions run on a preset's fallback
``light_group`` ("Room A"), which the session service hands to the adapter
(:meth:`HueLights.use_group`). Room B next door is on the same bridge. Whatever the adapter
does by itself — the emergency light (on the emergency sender's own connection, with its
own deadline and retries), the watch for lights lost and back, the re-send when the bridge
answers again — must reach Room A's lights and never Room B's: checked on the emulator's
light states and in its request log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.targets import EMERGENCY_LIGHT, RETURN_TRANSITION_S, LightTarget
from ketaroom.devices.hue_emulator import Fault, HueEmulator
from ketaroom.devices.lights import HueLights, LightReport, target_to_body
from tests.integration.hue_fixtures import USER, raw_json, wait_until

PHASE = LightTarget(brightness_pct=20, transition_s=0.0, kelvin=2200, group="Room A")
NEXT_DOOR = LightTarget(brightness_pct=60, transition_s=0.0, kelvin=4000)
"""What Room B's own session set on its lights."""
EMERGENCY_BODY = {k: v for k, v in target_to_body(EMERGENCY_LIGHT).items()
                  if k != "transitiontime"}


@pytest.fixture
def two_rooms() -> Iterator[HueEmulator]:
    emulator = HueEmulator(lights=3, username=USER, rooms={"Room A": [1, 2], "Room B": [3]})
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def room_a(two_rooms: HueEmulator, tmp_path: Path
           ) -> Iterator[Callable[..., tuple[HueLights, list[LightReport]]]]:
    """Room A's lights adapter, as the room builds it: no group of its own (``None``), then
    pointed at the session's fallback group; its phase light sent and confirmed, and Room B
    set by its own session."""
    made: list[HueLights] = []

    def make(**options: Any) -> tuple[HueLights, list[LightReport]]:
        reports: list[LightReport] = []
        lights = HueLights(two_rooms.address, USER, None, on_report=reports.append,
                           config_dir=tmp_path, backoff_initial_s=0.2, backoff_max_s=0.5,
                           **options)
        made.append(lights)
        lights.use_group("Room A")
        lights.apply(PHASE)
        assert lights.flush(5.0)
        raw_json(two_rooms.address, "PUT", f"/api/{USER}/lights/3/state",
                 target_to_body(NEXT_DOOR))
        two_rooms.clear_log()
        return lights, reports

    yield make
    two_rooms.stop()  # ends any drip, so that closing need not wait for it
    for lights in made:
        lights.close()


def at_emergency_light(emu: HueEmulator, light_id: int) -> bool:
    state = emu.target_state(light_id)
    return all(state.get(k) == v for k, v in EMERGENCY_BODY.items())


def room_b_untouched(emu: HueEmulator) -> None:
    """Light 3 still has what Room B's session set; no request ever named Room B, its
    group (2), or every light (group 0)."""
    state = emu.target_state(3)
    assert {k: state[k] for k in ("on", "bri", "ct")} == {
        k: v for k, v in target_to_body(NEXT_DOOR).items() if k != "transitiontime"}
    for _t, method, path, _body, _status in emu.requests():
        assert not path.endswith(("/lights/3/state", "/groups/2/action", "/groups/0/action")), \
            (method, path)


def commands(emu: HueEmulator) -> list[str]:
    return [path for _t, method, path, _b, _s in emu.requests() if method == "PUT"]


def test_emergency_lights_the_sessions_fallback_group_only(
        two_rooms: HueEmulator, room_a: Callable[..., tuple[HueLights, list[LightReport]]]
        ) -> None:
    lights, reports = room_a()
    lights.emergency_up()
    assert wait_until(lambda: at_emergency_light(two_rooms, 1)
                      and at_emergency_light(two_rooms, 2), 3.0)
    assert lights.flush(3.0)
    assert commands(two_rooms) == [f"/api/{USER}/groups/1/action"]
    room_b_untouched(two_rooms)
    confirmed = [r for r in reports if r.emergency and r.kind == "light"]
    assert confirmed and confirmed[0].target is not None
    assert confirmed[0].target.group == "Room A"  # the record says where it went


@pytest.mark.fault
def test_emergency_on_its_own_connection_while_the_worker_is_stuck(
        two_rooms: HueEmulator, room_a: Callable[..., tuple[HueLights, list[LightReport]]]
        ) -> None:
    """The lights worker is stuck in a dripping request; the emergency sender's own
    connection still lights Room A, and only Room A."""
    lights, _ = room_a(request_timeout_s=60.0)
    two_rooms.set_fault(Fault.DRIP)
    lights.apply(LightTarget(brightness_pct=5, transition_s=0.2, kelvin=2200, group="Room A"))
    assert wait_until(lambda: two_rooms.dripping >= 1, 3.0)
    two_rooms.set_fault(Fault.NONE)
    lights.emergency_up()
    assert wait_until(lambda: at_emergency_light(two_rooms, 1)
                      and at_emergency_light(two_rooms, 2), 5.0)
    assert two_rooms.dripping >= 1  # it landed while the worker was still stuck
    assert f"/api/{USER}/groups/1/action" in commands(two_rooms)
    room_b_untouched(two_rooms)


@pytest.mark.fault
def test_emergency_past_its_deadline_is_retried_on_the_rooms_group_only(
        two_rooms: HueEmulator, room_a: Callable[..., tuple[HueLights, list[LightReport]]]
        ) -> None:
    """Each try has its own deadline: a bridge that drips makes the try fail (told at
    once); the retries that follow, and the one that lands, go to Room A alone."""
    lights, reports = room_a(request_timeout_s=0.5)
    two_rooms.set_fault(Fault.DRIP)
    lights.emergency_up()
    assert wait_until(lambda: any(r.emergency and r.kind == "device_error"
                                  for r in reports), 5.0)
    assert not at_emergency_light(two_rooms, 3)
    two_rooms.set_fault(Fault.NONE)
    assert wait_until(lambda: any(r.emergency and r.kind == "light" for r in reports), 6.0)
    assert at_emergency_light(two_rooms, 1) and at_emergency_light(two_rooms, 2)
    tries = commands(two_rooms)
    assert len(tries) >= 2 and set(tries) == {f"/api/{USER}/groups/1/action"}
    room_b_untouched(two_rooms)


def test_the_watch_follows_the_rooms_group(
        two_rooms: HueEmulator, room_a: Callable[..., tuple[HueLights, list[LightReport]]]
        ) -> None:
    """Room B's light cut off at the wall is none of Room A's business; Room A's is told,
    and given Room A's light back with a fade."""
    _lights, reports = room_a(probe_interval_s=0.2)
    two_rooms.power_cut(3)
    two_rooms.power_cut(2)
    assert wait_until(lambda: any("Light 2 is unreachable" in r.message for r in reports), 5.0)
    assert not any("Light 3" in r.message for r in reports)
    two_rooms.power_restore(2)  # full bright white (power-on behaviour "safety")
    bri = target_to_body(PHASE)["bri"]
    assert wait_until(lambda: two_rooms.target_state(2)["bri"] == bri, 5.0)
    puts = [(path, body) for _t, method, path, body, _s in two_rooms.requests()
            if method == "PUT"]
    assert [path for path, _ in puts] == [f"/api/{USER}/lights/2/state"]
    assert puts[0][1]["transitiontime"] >= round(RETURN_TRANSITION_S * 10)
    room_b_untouched(two_rooms)


@pytest.mark.fault
def test_bridge_back_after_a_power_cut_gives_the_room_its_light_gently_and_no_other_group(
        two_rooms: HueEmulator, room_a: Callable[..., tuple[HueLights, list[LightReport]]]
        ) -> None:
    """The bridge and Room A's lights lose power together; Room B's session sets its light
    meanwhile. When the bridge answers again, Room A's lights (driven light by light) get
    the phase's light back with a fade — and the target this adapter once sent to Room B
    (the clinician steered it before a group was set) is not sent again."""
    lights, reports = room_a(probe_interval_s=0.2)
    lights.apply(LightTarget(brightness_pct=10, transition_s=0.0, kelvin=2000, group="Room B"))
    assert lights.flush(3.0)
    raw_json(two_rooms.address, "PUT", f"/api/{USER}/lights/3/state",
             target_to_body(NEXT_DOOR))  # Room B's own session moved on since
    two_rooms.set_fault(Fault.DOWN)
    assert wait_until(lambda: any(r.kind == "health" and r.health.value == "unreachable"
                                  for r in reports), 5.0)
    for light in (1, 2):
        two_rooms.power_cut(light)
        two_rooms.power_restore(light)  # full bright white
    two_rooms.clear_log()
    two_rooms.set_fault(Fault.NONE)
    bri = target_to_body(PHASE)["bri"]
    assert wait_until(lambda: [two_rooms.target_state(i)["bri"] for i in (1, 2)] == [bri] * 2,
                      5.0)
    puts = [(path, body) for _t, method, path, body, _s in two_rooms.requests()
            if method == "PUT"]
    assert sorted(path for path, _ in puts) == [f"/api/{USER}/lights/{i}/state" for i in (1, 2)]
    assert all(body["transitiontime"] >= round(RETURN_TRANSITION_S * 10) for _, body in puts)
    assert lights.flush(3.0)
    room_b_untouched(two_rooms)
