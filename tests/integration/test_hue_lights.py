"""HueLights against the emulator over real HTTP, through phue: coalescing, pacing, faults,
recovery, emergency light, pairing. Polls with deadlines; never sleeps blindly."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget
from ketaroom.devices.hue_emulator import Fault, HueEmulator
from ketaroom.devices.hue_groups import list_groups
from ketaroom.devices.lights import (
    BridgeError,
    BridgeUnreachable,
    HueLights,
    LightHealth,
    LightReport,
    NotPaired,
    hex_to_xy,
    pair,
    percent_to_bri,
    target_to_body,
)
from tests.integration.hue_fixtures import USER, max_in_window, wait_until

pytestmark = pytest.mark.filterwarnings("ignore:The .warn. method:DeprecationWarning")


class Reports:
    """Thread-safe collector for ``on_report`` (called from the worker thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[LightReport] = []

    def __call__(self, report: LightReport) -> None:
        with self._lock:
            self._items.append(report)

    @property
    def items(self) -> list[LightReport]:
        with self._lock:
            return list(self._items)

    def of(self, kind: str) -> list[LightReport]:
        return [r for r in self.items if r.kind == kind]

    def has(self, kind: str, health: LightHealth | None = None) -> bool:
        return any(health is None or r.health is health for r in self.of(kind))




@pytest.fixture
def make_lights(emu: HueEmulator, tmp_path: Any) -> Iterator[Callable[..., tuple[HueLights,
                                                                               Reports]]]:
    made: list[HueLights] = []

    def factory(**kwargs: Any) -> tuple[HueLights, Reports]:
        reports = Reports()
        kwargs.setdefault("backoff_max_s", 1.0)
        kwargs.setdefault("backoff_initial_s", 0.25)
        lights = HueLights(emu.address, kwargs.pop("username", USER), kwargs.pop("group", None),
                           on_report=reports, config_dir=tmp_path, **kwargs)
        made.append(lights)
        return lights, reports

    yield factory
    for lights in made:
        lights.close()


def group_puts(emu: HueEmulator) -> list[tuple[float, str, str, Any, int]]:
    return [r for r in emu.requests() if r[1] == "PUT" and "/groups/" in r[2]]


def timed_apply(lights: HueLights, target: LightTarget) -> float:
    start = time.perf_counter()
    lights.apply(target)
    return time.perf_counter() - start


def matches(emu: HueEmulator, target: LightTarget, light_id: int = 1) -> bool:
    want = target_to_body(target)
    state = emu.target_state(light_id)
    return all(state[k] == v for k, v in want.items() if k != "transitiontime")


def test_target_reaches_the_bridge(emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights()
    target = LightTarget(brightness_pct=60, transition_s=0.5, kelvin=2700)
    lights.apply(target)
    assert lights.flush(3.0)
    for light_id in (1, 2, 3):
        state = emu.target_state(light_id)
        assert (state["on"], state["bri"], state["ct"]) == (True, 152, 370)
    assert wait_until(lambda: emu.light_state(1)["bri"] == 152, 2.0)
    assert reports.has("light", LightHealth.OK)
    assert reports.of("light")[-1].target == target
    assert lights.health is LightHealth.OK
    (put,) = group_puts(emu)
    assert put[2] == f"/api/{USER}/groups/0/action"
    assert put[3] == {"on": True, "bri": 152, "ct": 370, "transitiontime": 5}


def test_group_by_name_colour_and_time_scale(emu: HueEmulator,
                                              make_lights: Callable[..., Any]) -> None:
    lights, _ = make_lights(group="Treatment room", time_scale=10.0)
    lights.apply(LightTarget(brightness_pct=40, transition_s=30, color="#ff0000"))
    assert lights.flush(3.0)
    puts = [r for r in emu.requests() if r[1] == "PUT"]  # 3 lights: light by light
    assert sorted(r[2] for r in puts) == [f"/api/{USER}/lights/{i}/state" for i in (1, 2, 3)]
    assert {r[3]["transitiontime"] for r in puts} == {30}  # 30 s rehearsed 10× faster
    assert emu.target_state(2)["colormode"] == "xy"
    assert emu.target_state(2)["bri"] == 101


def test_unknown_group_is_a_device_error_not_retried(emu: HueEmulator,
                                                     make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights()
    lights.apply(LightTarget(brightness_pct=50, transition_s=1, kelvin=3000, group="Kitchen"))
    assert not lights.flush(3.0)
    assert wait_until(lambda: reports.has("device_error"), 2.0)
    assert "Kitchen" in reports.of("device_error")[0].message
    assert group_puts(emu) == []


def test_off_then_on_always_sends_bri(emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    lights, _ = make_lights()
    lights.apply(LightTarget(brightness_pct=0, transition_s=0.2))
    assert lights.flush(3.0)
    assert wait_until(lambda: not emu.light_state(1)["on"], 2.0)
    lights.apply(LightTarget(brightness_pct=30, transition_s=0.2))
    assert lights.flush(3.0)
    assert emu.target_state(1)["bri"] == percent_to_bri(30) and emu.target_state(1)["on"]


def test_slider_storm_is_coalesced_and_paced(emu: HueEmulator,
                                             make_lights: Callable[..., Any]) -> None:
    lights, _ = make_lights()
    assert lights.flush(2.0)  # initial probe done
    durations = []
    start = time.monotonic()
    targets = [LightTarget(brightness_pct=20 + i, transition_s=0.4, kelvin=2200 + 40 * i)
               for i in range(50)]
    for i, target in enumerate(targets):
        durations.append(timed_apply(lights, target))
        # spread 50 moves over ~1 s, like a dragged slider (deadline pacing, not a blind sleep)
        while time.monotonic() < start + (i + 1) * 0.019:
            time.sleep(0.002)
    assert time.monotonic() - start < 1.2
    assert max(durations) < 0.05
    assert lights.flush(4.0)
    assert matches(emu, targets[-1])
    puts = group_puts(emu)
    assert len(puts) <= 3, f"{len(puts)} commands for 50 moves"
    assert all(status == 200 for *_, status in puts)
    assert max_in_window([t for t, *_ in puts]) <= 1  # stricter than the bridge (burst 2)
    light_puts = [r for r in emu.requests() if r[1] == "PUT" and "/lights/" in r[2]]
    assert max_in_window([t for t, *_ in light_puts]) <= 10


@pytest.mark.fault
def test_bridge_down_then_back(emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights(request_timeout_s=0.5)
    lights.apply(LightTarget(brightness_pct=50, transition_s=0.2, kelvin=3000))
    assert lights.flush(3.0)
    emu.set_fault(Fault.DOWN)
    durations = [timed_apply(lights, LightTarget(brightness_pct=70, transition_s=0.2,
                                                 kelvin=2700))]
    assert wait_until(lambda: lights.health is LightHealth.UNREACHABLE, 3.0)
    assert wait_until(lambda: reports.has("device_error", LightHealth.UNREACHABLE), 1.0)
    assert reports.has("health", LightHealth.UNREACHABLE)
    assert not lights.flush(0.3)
    final = LightTarget(brightness_pct=35, transition_s=0.2, kelvin=4000)
    for pct in (60, 65, 45):
        durations.append(timed_apply(lights, LightTarget(brightness_pct=pct, transition_s=1)))
    durations.append(timed_apply(lights, final))
    assert max(durations) < 0.5
    assert wait_until(lambda: len([r for r in emu.requests() if r[4] == 0]) >= 2, 3.0)
    errors_while_down = len(reports.of("device_error"))
    emu.set_fault(Fault.NONE)
    assert wait_until(lambda: matches(emu, final), 4.0)
    assert wait_until(lambda: lights.health is LightHealth.OK, 1.0)
    assert reports.has("health", LightHealth.OK)
    assert errors_while_down == 1  # one report per failure episode, no spam
    assert lights.flush(2.0)


@pytest.mark.fault
def test_reconciles_after_outage_while_idle(emu: HueEmulator,
                                            make_lights: Callable[..., Any]) -> None:
    lights, _ = make_lights(request_timeout_s=0.5, probe_interval_s=0.3)
    target = LightTarget(brightness_pct=50, transition_s=0.2, kelvin=3000)
    lights.apply(target)
    assert lights.flush(3.0)
    emu.set_fault(Fault.DOWN)
    assert wait_until(lambda: lights.health is LightHealth.UNREACHABLE, 3.0)
    emu.set_fault(Fault.NONE)
    # meanwhile the lamps lost power and came back at their defaults
    emu._lights[1].apply({"on": True, "bri": 254, "ct": 153, "transitiontime": 0}, 0.0)
    assert not matches(emu, target)
    assert wait_until(lambda: matches(emu, target), 4.0)
    assert lights.health is LightHealth.OK


@pytest.mark.fault
def test_storm_429_backs_off_then_applies(emu: HueEmulator,
                                          make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights(backoff_initial_s=0.25, backoff_max_s=2.0)
    # the room's lights are read (as long before any session): what is refused is the command
    assert wait_until(lambda: reports.has("health", LightHealth.OK), 2.0)
    emu.set_fault(Fault.STORM_429)
    storm_start = time.monotonic()
    final = LightTarget(brightness_pct=25, transition_s=0.2, kelvin=2500)
    lights.apply(final)
    assert wait_until(lambda: reports.has("device_error", LightHealth.DEGRADED), 2.0)
    assert lights.health is LightHealth.DEGRADED
    assert "429" in reports.of("device_error")[0].message
    assert wait_until(lambda: time.monotonic() - storm_start > 2.0 and
                      len([p for p in group_puts(emu) if p[4] == 429]) >= 3, 4.0)
    rejected = [p for p in group_puts(emu) if p[4] == 429]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(rejected)]
    assert gaps == sorted(gaps) or max(gaps) >= 0.9  # growing delays, not hammering
    assert len(rejected) <= 6
    emu.set_fault(Fault.NONE)
    assert wait_until(lambda: matches(emu, final), 4.0)
    assert wait_until(lambda: lights.health is LightHealth.OK, 1.0)
    assert len(reports.of("device_error")) == 1


@pytest.mark.fault
def test_unauthorized_means_not_paired(emu: HueEmulator,
                                       make_lights: Callable[..., Any]) -> None:
    emu.set_fault(Fault.UNAUTHORIZED)
    lights, reports = make_lights()
    lights.apply(LightTarget(brightness_pct=40, transition_s=1, kelvin=2700))
    assert wait_until(lambda: lights.health is LightHealth.NOT_PAIRED, 3.0)
    assert wait_until(lambda: reports.has("device_error", LightHealth.NOT_PAIRED), 1.0)
    assert "pair" in reports.of("device_error")[0].message.lower()
    emu.set_fault(Fault.NONE)
    assert wait_until(lambda: lights.health is LightHealth.OK, 3.0)
    assert lights.flush(3.0)


@pytest.mark.fault
def test_unknown_username_means_not_paired(make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights(username="stranger")
    assert wait_until(lambda: lights.health is LightHealth.NOT_PAIRED, 3.0)
    assert wait_until(lambda: reports.of("device_error"), 1.0)  # reported just after
    assert "pair" in reports.of("device_error")[0].message.lower()


@pytest.mark.fault
@pytest.mark.parametrize(("fault", "health"), [
    (Fault.INTERNAL_ERROR, LightHealth.DEGRADED),
    (Fault.GARBAGE, LightHealth.DEGRADED),
    (Fault.DROP, LightHealth.UNREACHABLE),
])
def test_other_faults_reported_then_recovered(emu: HueEmulator, make_lights: Callable[..., Any],
                                              fault: Fault, health: LightHealth) -> None:
    lights, reports = make_lights()
    assert lights.flush(2.0)
    emu.set_fault(fault)
    final = LightTarget(brightness_pct=55, transition_s=0.2, kelvin=3500)
    lights.apply(final)
    assert wait_until(lambda: reports.has("device_error", health), 3.0)
    assert lights.health is health
    emu.set_fault(Fault.NONE)
    assert wait_until(lambda: matches(emu, final) and lights.health is LightHealth.OK, 4.0)


@pytest.mark.fault
def test_slow_bridge_never_blocks_apply(emu: HueEmulator,
                                        make_lights: Callable[..., Any]) -> None:
    lights, _ = make_lights(request_timeout_s=2.0)
    assert lights.flush(2.0)
    emu.set_fault(Fault.SLOW, slow_ms=2000)
    lights.apply(LightTarget(brightness_pct=10, transition_s=1))
    durations = [timed_apply(lights, LightTarget(brightness_pct=20 + i, transition_s=1))
                 for i in range(20)]
    assert max(durations) < 0.05
    start = time.perf_counter()
    assert not lights.flush(0.2)  # bounded even while the worker is stuck in a request
    assert time.perf_counter() - start < 0.5
    emu.set_fault(Fault.NONE)
    assert wait_until(lambda: emu.target_state(1)["bri"] == target_to_body(
        LightTarget(brightness_pct=39, transition_s=1))["bri"], 8.0)


def test_emergency_jumps_the_queue(emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights()
    lights.apply(LightTarget(brightness_pct=10, transition_s=0.2, kelvin=6000))
    assert lights.flush(3.0)  # just sent: the pacer would now wait ~1 s
    for pct in range(11, 30):
        lights.apply(LightTarget(brightness_pct=pct, transition_s=5, kelvin=6000))
    start = time.monotonic()
    lights.emergency_up()
    assert wait_until(lambda: abs(emu.light_state(1)["bri"] - 203) <= 2
                      and abs(emu.light_state(1)["ct"] - 370) <= 2, 1.5)
    reached = time.monotonic() - start
    sent = [t for t, *_ in group_puts(emu) if t >= start]
    assert sent and sent[0] - start < 0.3
    assert reached < 1.5
    assert all(p[4] == 200 for p in group_puts(emu))
    assert wait_until(lambda: any(r.message.startswith("Emergency")
                                  for r in reports.of("light")), 1.0)
    assert lights.flush(2.0)
    # the pending targets were dropped: the room stays at the emergency light
    assert emu.target_state(1)["bri"] == 203
    assert len(group_puts(emu)) == 2


def test_emergency_never_waits_behind_a_light_by_light_round(
        emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    """A small room is driven light by light (up to 10 commands a second, a slider's
    targets queued behind each other): the emergency light goes out at once anyway."""
    lights, _ = make_lights(group="1")
    lights.apply(LightTarget(brightness_pct=10, transition_s=0.2, kelvin=6000))
    assert lights.flush(3.0)
    for pct in range(11, 40):  # a drag: a round is under way, the light pacer is busy
        lights.apply(LightTarget(brightness_pct=pct, transition_s=5, kelvin=6000))
    start = time.monotonic()
    lights.emergency_up()
    assert wait_until(lambda: all(abs(emu.light_state(i)["bri"] - 203) <= 2
                                  for i in (1, 2, 3)), 1.5)
    sent = [t for t, *_ in group_puts(emu) if t >= start]
    assert sent and sent[0] - start < 0.3
    assert lights.flush(3.0)
    assert all(emu.target_state(i)["bri"] == 203 for i in (1, 2, 3))  # and stays


def test_emergency_on_the_rooms_group_only(emu: HueEmulator,
                                          make_lights: Callable[..., Any]) -> None:
    """Another group once given a target is not the room's: the emergency light goes to the
    room's group (:meth:`HueLights.use_group`) alone — every light only when that is it."""
    lights, _ = make_lights(group="1")
    lights.apply(LightTarget(brightness_pct=10, transition_s=0.2, group="0"))
    assert lights.flush(3.0)
    lights.emergency_up()
    assert lights.flush(3.0)
    paths = [p[2] for p in group_puts(emu) if p[3] and p[3].get("bri") == 203]
    assert paths == [f"/api/{USER}/groups/1/action"]
    lights.use_group(None)  # a room whose sessions use every light
    lights.emergency_up()
    assert lights.flush(3.0)
    paths = [p[2] for p in group_puts(emu) if p[3] and p[3].get("bri") == 203]
    assert paths == [f"/api/{USER}/groups/1/action", f"/api/{USER}/groups/0/action"]
    assert max_in_window([t for t, *_ in group_puts(emu)]) <= 2


@pytest.mark.parametrize("group", ["1", None], ids=["light by light", "group command"])
def test_a_warmth_change_never_hurries_the_fade_under_way(
        emu: HueEmulator, make_lights: Callable[..., Any], group: str | None) -> None:
    """The clinician touches only the warmth during a phase's slow fade up: sent over 1 s,
    the brightness would jump to the fade's end; it keeps the fade's pace instead. A
    brightness the clinician chooses is sent as asked."""
    lights, reports = make_lights(group=group)
    lights.apply(LightTarget(brightness_pct=10, transition_s=0, kelvin=2700))
    assert lights.flush(3.0)
    lights.apply(LightTarget(brightness_pct=70, transition_s=20, kelvin=2700))  # the phase
    assert lights.flush(3.0)
    emu.clear_log()
    lights.apply(LightTarget(brightness_pct=70, transition_s=1, kelvin=3500))  # warmth only
    assert lights.flush(3.0)
    times = [body["transitiontime"] for _t, method, _p, body, _s in emu.requests()
             if method == "PUT"]
    assert times and all(150 <= t <= 200 for t in times)  # what is left of the 20 s fade
    assert reports.of("light")[-1].target.transition_s >= 15  # the record says so
    emu.clear_log()
    lights.apply(LightTarget(brightness_pct=40, transition_s=1, kelvin=3500))  # brightness
    assert lights.flush(3.0)
    times = [body["transitiontime"] for _t, method, _p, body, _s in emu.requests()
             if method == "PUT"]
    assert times and set(times) == {10}


def test_pair(emu: HueEmulator) -> None:
    with pytest.raises(NotPaired, match="link button"):
        pair(emu.address)
    emu.press_link_button()
    username = pair(emu.address, devicetype="ketaroom#test")
    assert username and username != USER
    lights = HueLights(emu.address, username)
    try:
        assert wait_until(lambda: lights.flush(0.1) and lights.health is LightHealth.OK, 2.0)
    finally:
        lights.close()


def test_pair_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(BridgeUnreachable):
        pair(f"127.0.0.1:{port}", timeout_s=0.5)


def test_close_is_prompt(emu: HueEmulator) -> None:
    lights = HueLights(emu.address, USER)
    lights.apply(LightTarget(brightness_pct=10, transition_s=0.2))
    start = time.perf_counter()
    lights.close()
    assert time.perf_counter() - start < 2.5
    lights.apply(LightTarget(brightness_pct=20, transition_s=0.2))  # ignored, no error


def test_discovery_returns_a_list_without_raising() -> None:
    from ketaroom.devices.hue_discovery import discover

    start = time.monotonic()
    found = discover(timeout_s=0.3)
    assert isinstance(found, list)
    assert all(isinstance(name, str) and isinstance(addr, str) for name, addr in found)
    assert time.monotonic() - start < 3.0


# --------------------------------------------------------------------------- answers a real
# bridge can give (issue 12.8)


@pytest.mark.fault
def test_partial_success_is_applied_and_the_rest_reported_once(
        emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    """``[{"success"…}, {"error": 201…}]``: what succeeded counts as sent (no retry of it),
    what did not is a calm warning naming the parameter."""
    lights, reports = make_lights()
    assert lights.flush(2.0)
    emu.set_fault(Fault.PARTIAL)
    target = LightTarget(brightness_pct=30, transition_s=0.2, kelvin=2200)
    lights.apply(target)
    assert lights.flush(3.0)
    assert emu.target_state(1)["bri"] == target_to_body(target)["bri"]
    assert wait_until(lambda: reports.of("warning"), 1.0)
    (warning,) = reports.of("warning")
    assert "ct (error 201" in warning.message and "unexpected" not in warning.message
    assert not reports.of("device_error")
    assert lights.health is LightHealth.OK
    assert not wait_until(lambda: len(group_puts(emu)) > 1, 1.5)  # no retry storm


@pytest.mark.fault
@pytest.mark.parametrize(("fault", "words"), [
    (Fault.EMPTY, "an empty list"),
    (Fault.OBJECT, "dict {'result': 'ok'} instead of a list"),
])
def test_empty_or_object_answer_is_a_clear_error_not_retried(
        emu: HueEmulator, make_lights: Callable[..., Any], fault: Fault, words: str) -> None:
    lights, reports = make_lights()
    assert lights.flush(2.0)
    emu.set_fault(fault)
    lights.apply(LightTarget(brightness_pct=30, transition_s=0.2, kelvin=2200))
    assert not lights.flush(3.0)
    assert wait_until(lambda: reports.of("device_error"), 1.0)
    (error,) = reports.of("device_error")
    assert words in error.message and "not retried" in error.message, error.message
    assert "unexpected error" not in error.message
    assert not wait_until(lambda: len(group_puts(emu)) > 1, 1.5)
    emu.set_fault(Fault.NONE)
    final = LightTarget(brightness_pct=45, transition_s=0.2, kelvin=2700)
    lights.apply(final)
    assert lights.flush(3.0) and matches(emu, final)


# --------------------------------------------------------------------------- stalled bridges
# (issue 13.1): every request has an overall deadline and a size cap; the emergency light
# has its own sender and never waits behind a stuck request


@pytest.mark.fault
def test_dripping_bridge_is_reported_within_the_deadline(
        emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    """One byte per second: the per-read timeout never fires; the overall deadline does."""
    lights, reports = make_lights(request_timeout_s=2.0)
    assert lights.flush(2.0)
    emu.set_fault(Fault.DRIP)
    lights.apply(LightTarget(brightness_pct=20, transition_s=0.2, kelvin=2200))
    assert wait_until(lambda: reports.has("device_error", LightHealth.UNREACHABLE), 6.0)
    assert "no complete answer within 2 s" in reports.of("device_error")[0].message
    assert lights.health is LightHealth.UNREACHABLE
    emu.set_fault(Fault.NONE)
    final = LightTarget(brightness_pct=50, transition_s=0.2, kelvin=2700)
    lights.apply(final)
    assert wait_until(lambda: matches(emu, final) and lights.health is LightHealth.OK, 10.0)


@pytest.mark.fault
def test_huge_answer_is_cut_off_and_reported(emu: HueEmulator,
                                            make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights()
    assert lights.flush(2.0)
    emu.set_fault(Fault.HUGE)
    lights.apply(LightTarget(brightness_pct=20, transition_s=0.2, kelvin=2200))
    assert wait_until(lambda: reports.has("device_error", LightHealth.DEGRADED), 5.0)
    assert "larger than" in reports.of("device_error")[0].message
    emu.set_fault(Fault.NONE)
    final = LightTarget(brightness_pct=50, transition_s=0.2, kelvin=2700)
    lights.apply(final)
    assert wait_until(lambda: matches(emu, final) and lights.health is LightHealth.OK, 10.0)


@pytest.mark.fault
def test_emergency_reaches_the_bridge_while_a_request_is_stuck(
        emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    """The worker is stuck in a dripping request (long deadline, so it stays stuck); the
    bridge is healthy again for new connections: the emergency light lands meanwhile."""
    lights, reports = make_lights(request_timeout_s=60.0)
    assert lights.flush(2.0)
    emu.set_fault(Fault.DRIP)
    lights.apply(LightTarget(brightness_pct=5, transition_s=0.2, kelvin=2200))
    assert wait_until(lambda: emu.dripping >= 1, 3.0)
    emu.set_fault(Fault.NONE)
    start = time.monotonic()
    lights.emergency_up()
    assert wait_until(lambda: matches(emu, EMERGENCY_LIGHT), 5.0)
    reached = time.monotonic() - start
    assert emu.dripping >= 1  # the other request is still stuck
    assert lights.flush(1.0)
    assert any(r.message.startswith("Emergency light") for r in reports.of("light"))
    print(f"emergency reached the bridge {reached * 1000:.0f} ms after emergency_up() "
          "while another request was stuck")
    emu.stop()  # ends the drip, so that close() need not wait for the stuck request


@pytest.mark.fault
def test_emergency_to_a_stalled_bridge_is_told_and_retried_until_it_lands(
        emu: HueEmulator, make_lights: Callable[..., Any]) -> None:
    lights, reports = make_lights(request_timeout_s=1.0)
    assert lights.flush(2.0)
    emu.set_fault(Fault.DRIP)
    lights.emergency_up()
    assert not lights.flush(4.0)  # bounded: one try timed out

    def told() -> list[LightReport]:
        return [r for r in reports.of("device_error")
                if r.message.startswith("Emergency light NOT confirmed")]

    assert wait_until(told, 3.0)
    assert "by hand" in told()[0].message
    emu.set_fault(Fault.NONE)
    assert wait_until(lambda: matches(emu, EMERGENCY_LIGHT), 6.0)
    assert wait_until(lambda: any(r.message.startswith("Emergency light")
                                  for r in reports.of("light")), 2.0)
    assert len(told()) == 1  # told once, not once per retry


@pytest.mark.fault
@pytest.mark.parametrize(("fault", "error", "words"), [
    (Fault.DRIP, BridgeUnreachable, "no complete answer within 2 s"),
    (Fault.HUGE, BridgeError, "larger than"),
])
@pytest.mark.parametrize("call", ["pair", "list_groups"])
def test_pairing_and_group_listing_are_bounded_too(emu: HueEmulator, fault: Fault,
                                                   error: type[Exception], words: str,
                                                   call: str) -> None:
    """The set-up dialog's requests share the lights' deadline and size cap."""
    emu.press_link_button()
    emu.set_fault(fault)
    with pytest.raises(error, match=words):
        if call == "pair":
            pair(emu.address, timeout_s=2.0)
        else:
            list_groups(emu.address, USER, timeout_s=2.0)


def light_storm(lights: HueLights) -> list[LightTarget]:
    """50 slider moves over ~1 s, like a dragged slider."""
    targets = [LightTarget(brightness_pct=20 + i, transition_s=0.4, kelvin=2200 + 40 * i)
               for i in range(50)]
    start = time.monotonic()
    for i, target in enumerate(targets):
        lights.apply(target)
        while time.monotonic() < start + (i + 1) * 0.019:
            time.sleep(0.002)
    return targets


def test_each_light_gets_only_what_its_type_takes(tmp_path: Any) -> None:
    """A dimmable-only bulb in a room driven light by light gets ``bri`` and never ``ct``
    (a real bridge refuses it; diyHue stored it and then failed every ``GET /lights`` with
    HTTP 500 until the next ``ct``); a colour-temperature bulb never gets ``xy`` (the
    colour comes as its warmest white, ``ct`` 454). No warnings: nothing is refused."""
    with HueEmulator(lights=3, username=USER, light_kinds={2: "dimmable", 3: "ct"}) as emu:
        reports = Reports()
        lights = HueLights(emu.address, USER, "Treatment room", on_report=reports,
                           config_dir=tmp_path)
        try:
            warm = LightTarget(brightness_pct=30, transition_s=0.2, kelvin=2200)
            lights.apply(warm)  # before any poll: the lights' types are read first
            assert lights.flush(3.0)
            lights.apply(LightTarget(brightness_pct=40, transition_s=0.2, color="#ff8800"))
            assert lights.flush(3.0)
            assert not wait_until(lambda: reports.of("warning"), 0.3)
        finally:
            lights.close()
        bodies = {lid: [r[3] for r in emu.requests()
                        if r[1] == "PUT" and r[2] == f"/api/{USER}/lights/{lid}/state"]
                  for lid in (1, 2, 3)}
        assert [b["bri"] for b in bodies[2]] == [75, 101]
        assert not any({"ct", "xy"} & set(b) for b in bodies[2])
        assert [b.get("ct") for b in bodies[3]] == [455, 454]
        assert not any("xy" in b for b in bodies[3])
        assert [b.get("ct") for b in bodies[1]] == [455, None] and "xy" in bodies[1][1]
        assert emu.target_state(2)["bri"] == 101 and emu.target_state(3)["ct"] == 454
        assert lights.health is LightHealth.OK and not reports.of("device_error")


@pytest.mark.parametrize(("count", "per_light"), [(4, True), (6, False)])
def test_small_rooms_go_light_by_light_big_rooms_by_group(tmp_path: Any, count: int,
                                                          per_light: bool) -> None:
    """Up to four lights: per-light commands within the 10/s budget (never a 429), the
    newest value on every light; six: the group command as before."""
    with HueEmulator(lights=count, username=USER) as emu:
        lights = HueLights(emu.address, USER, "Treatment room", config_dir=tmp_path)
        try:
            assert lights.flush(3.0)
            emu.clear_log()
            targets = light_storm(lights)
            assert lights.flush(5.0)
        finally:
            lights.close()
        puts = [r for r in emu.requests() if r[1] == "PUT"]
        assert all(status == 200 for *_, status in puts)  # never a 429
        assert all(matches(emu, targets[-1], i) for i in range(1, count + 1))
        by_light = [r for r in puts if "/lights/" in r[2]]
        assert bool(by_light) is per_light
        assert (len(puts) == len(by_light)) is per_light
        polls = [r for r in emu.requests() if r[1] == "GET" and r[2].endswith("/lights")]
        assert max_in_window([t for t, *_ in by_light + polls]) <= 10  # the poll shares it


def test_white_only_and_colour_only_lights_show_the_nearest_they_can(tmp_path: Any) -> None:
    """A colour-temperature bulb and a colour-only light (a Hue Bloom, gamut A) in the same
    room: a phase's colour reaches the first as the nearest white in its ``ct`` range and a
    phase's colour temperature the second as the locus colour, while the brightness, the
    on and the transition are those of the phase for both. Each light's approximation is
    said once, calmly (a ``note``), not at every phase; nothing is a warning."""
    with HueEmulator(lights=2, username=USER, light_kinds={1: "ct", 2: "xy"}) as emu:
        reports = Reports()
        lights = HueLights(emu.address, USER, "Treatment room", on_report=reports,
                           config_dir=tmp_path)
        phases = [LightTarget(brightness_pct=40, transition_s=0.3, color="#ffd8a8"),
                  LightTarget(brightness_pct=30, transition_s=0.3, kelvin=2700),
                  LightTarget(brightness_pct=20, transition_s=0.3, color="#ffb070"),
                  LightTarget(brightness_pct=25, transition_s=0.3, kelvin=3000)]
        seen = []
        try:
            for phase in phases:
                lights.apply(phase)
                assert lights.flush(3.0)
                seen.append((emu.target_state(1), emu.target_state(2)))
            assert wait_until(lambda: all(emu.light_state(i) == emu.target_state(i)
                                          for i in (1, 2)), 2.0)
        finally:
            lights.close()
        for phase, (white, colour) in zip(phases, seen, strict=True):
            bri = percent_to_bri(phase.brightness_pct)
            assert (white["on"], white["bri"], colour["on"], colour["bri"]) == (
                True, bri, True, bri)
        # the colours on the white bulb: the nearest white, then this bulb's warmest;
        # its colour temperatures as they were asked
        assert [w["ct"] for w, _ in seen] == [306, 370, 454, 333]
        assert {w["colormode"] for w, _ in seen} == {"ct"}
        # the whites on the colour-only light: on the Planckian locus
        assert seen[1][1]["xy"] == pytest.approx([0.4599, 0.4106], abs=0.003)
        assert seen[3][1]["xy"] == pytest.approx([0.4369, 0.4041], abs=0.003)
        assert {c["colormode"] for _, c in seen} == {"xy"}
        # and its colours as they were asked
        assert [seen[i][1]["xy"] for i in (0, 2)] == [list(hex_to_xy(c))
                                                      for c in ("#ffd8a8", "#ffb070")]
        bodies = [r[3] for r in emu.requests() if r[1] == "PUT" and "/lights/" in r[2]]
        assert all(r[4] == 200 for r in emu.requests())  # never an error 6, never refused
        assert all(b["transitiontime"] == 3 for b in bodies)
        notes = reports.of("note")
        assert sorted(n.message for n in notes) == [
            "Light 1 cannot show it exactly: colour #ffd8a8 shown as 3268 K, the nearest "
            "white it has",
            "Light 2 cannot show it exactly: 2700 K shown as colour xy "
            f"({seen[1][1]['xy'][0]:g}, {seen[1][1]['xy'][1]:g}), the nearest it can show"]
        assert all(n.health is LightHealth.OK for n in notes)
        assert not reports.of("warning") and not reports.of("device_error")


def test_the_rooms_light_is_read_before_anything_is_sent(tmp_path: Any) -> None:
    """Before its first target the room's group says what its lights show (the panel's
    first truth); the room next door and later probes say nothing more."""
    with HueEmulator(lights=3, username=USER, rooms={"Room A": [1, 2], "Room B": [3]}) as emu:
        for light in (1, 3):  # back from a power cut: full bright warm white (safety)
            emu.power_cut(light)
            emu.power_restore(light)
        reports = Reports()
        lights = HueLights(emu.address, USER, "Room A", on_report=reports, config_dir=tmp_path,
                           probe_interval_s=0.2)
        try:
            assert wait_until(lambda: reports.of("light"), 5)
            (read,) = reports.of("light")
            # light 1 at 100 % (bri 254, ct 366), light 2 off (0 %): the room at 50 %
            assert read.target == LightTarget(50.0, 0.0, kelvin=round(1e6 / 366))
            assert "read from the bridge" in read.message and "Room A" in read.message
            lights.apply(LightTarget(20.0, 3.0, kelvin=2200))
            assert lights.flush(5)
            probes = len([r for r in emu.requests() if r[1] == "GET" and r[2].endswith("/lights")])
            assert wait_until(lambda: len([r for r in emu.requests() if r[1] == "GET"
                                           and r[2].endswith("/lights")]) > probes + 1, 5)
            assert [r.target for r in reports.of("light")][1:] == [
                LightTarget(20.0, 3.0, kelvin=2200)], "no second read once a light was sent"
        finally:
            lights.close()


def test_a_room_whose_lights_answer_nothing_is_not_guessed(emu: HueEmulator, make_lights
                                                           ) -> None:
    for light in (1, 2, 3):
        emu.power_cut(light)  # unreachable: its state is not the room's
    _lights, reports = make_lights()
    assert wait_until(lambda: reports.has("warning"), 5)  # the watch saw them go
    assert not reports.of("light")
