"""The Hue bridge emulator answers like a real v1 bridge: through phue and over plain HTTP."""

from __future__ import annotations

import http.client
import time

import pytest

from ketaroom.devices.hue_emulator import Fault, HueEmulator, main
from tests.integration.hue_fixtures import (
    USER,
    max_in_window,
    phue_bridge,
    raw,
    raw_json,
    wait_until,
)

pytestmark = pytest.mark.filterwarnings("ignore:The .warn. method:DeprecationWarning")




def error_types(answer: object) -> list[int]:
    assert isinstance(answer, list)
    return [entry["error"]["type"] for entry in answer if "error" in entry]


def test_address_and_port(emu: HueEmulator) -> None:
    assert emu.port > 0
    assert emu.address == f"127.0.0.1:{emu.port}"


def test_pairing_needs_link_button(emu: HueEmulator) -> None:
    bridge = phue_bridge(emu.address, USER)
    answer = bridge.request("POST", "/api", {"devicetype": "ketaroom#test"})
    assert error_types(answer) == [101]
    emu.press_link_button()
    answer = bridge.request("POST", "/api", {"devicetype": "ketaroom#test"})
    username = answer[0]["success"]["username"]
    assert isinstance(username, str) and len(username) >= 10
    # the new username works
    assert set(phue_bridge(emu.address, username).get_light()) == {"1", "2", "3"}


def test_lights_with_and_without_trailing_slash(emu: HueEmulator) -> None:
    bridge = phue_bridge(emu.address, USER)
    assert set(bridge.get_light()) == {"1", "2", "3"}  # phue asks for /lights/
    status, lights = raw_json(emu.address, "GET", f"/api/{USER}/lights")
    assert status == 200 and set(lights) == {"1", "2", "3"}
    light = bridge.get_light(2)
    assert light["type"] == "Extended color light"
    assert set(light["state"]) >= {"on", "bri", "ct", "xy", "colormode", "reachable"}


def test_full_state_config_and_groups(emu: HueEmulator) -> None:
    bridge = phue_bridge(emu.address, USER)
    full = bridge.get_api()
    assert set(full) >= {"lights", "groups", "config"}
    assert bridge.request("GET", f"/api/{USER}/config")["modelid"] == "BSB002"
    groups = bridge.get_group()
    assert groups["1"]["name"] == "Treatment room"
    assert groups["1"]["lights"] == ["1", "2", "3"]
    assert bridge.get_group(0)["lights"] == ["1", "2", "3"]
    assert bridge.get_group_id_by_name("Treatment room") == 1


def test_error_bodies(emu: HueEmulator) -> None:
    assert error_types(phue_bridge(emu.address, "nobody").get_light()) == [1]
    bridge = phue_bridge(emu.address, USER)
    assert error_types(bridge.request("GET", f"/api/{USER}/lights/9")) == [3]
    assert error_types(bridge.set_light(9, "on", True)[0]) == [3]
    assert error_types(bridge.request("GET", f"/api/{USER}/groups/7")) == [3]
    bad = bridge.set_light(1, {"on": True, "bri": 999})[0]
    assert error_types(bad) == [7]
    assert bad[-1]["error"]["address"] == "/lights/1/state/bri"
    assert error_types(bridge.set_light(1, {"on": True, "ct": 600})[0]) == [7]
    assert error_types(bridge.set_light(1, {"on": True, "xy": [1.5, 0.2]})[0]) == [7]
    assert error_types(bridge.set_light(1, {"transitiontime": -1})[0]) == [7]
    # light off: bri without on:true is not modifiable
    bridge.set_light(1, {"on": False, "transitiontime": 0})
    assert error_types(bridge.set_light(1, {"bri": 100})[0]) == [201]


def test_success_bodies_and_state(emu: HueEmulator) -> None:
    bridge = phue_bridge(emu.address, USER)
    answer = bridge.set_light(1, {"on": True, "bri": 200, "transitiontime": 0})[0]
    assert {"success": {"/lights/1/state/bri": 200}} in answer
    assert {"success": {"/lights/1/state/on": True}} in answer
    answer = bridge.set_group(1, {"on": True, "bri": 120, "ct": 370, "transitiontime": 0})[0]
    assert {"success": {"/groups/1/action/ct": 370}} in answer
    for light_id in (1, 2, 3):
        state = emu.light_state(light_id)
        assert (state["on"], state["bri"], state["ct"], state["colormode"]) == (
            True, 120, 370, "ct")
    bridge.set_group(0, {"on": True, "bri": 50, "xy": [0.5, 0.4], "transitiontime": 0})
    assert emu.target_state(3)["colormode"] == "xy"
    assert emu.target_state(3)["xy"] == [0.5, 0.4]


def test_transition_is_interpolated(emu: HueEmulator) -> None:
    bridge = phue_bridge(emu.address, USER)
    bridge.set_light(1, {"on": True, "bri": 10, "ct": 200, "transitiontime": 0})
    bridge.set_light(1, {"on": True, "bri": 210, "ct": 400, "transitiontime": 10})
    assert emu.target_state(1)["bri"] == 210
    mid = emu.light_state(1)
    assert 10 <= mid["bri"] < 210
    assert wait_until(lambda: 60 < emu.light_state(1)["bri"] < 190, 1.0)
    assert wait_until(lambda: emu.light_state(1)["bri"] == 210, 2.0)
    assert emu.light_state(1)["ct"] == 400


def test_off_with_transition_comes_back_dim(emu: HueEmulator) -> None:
    bridge = phue_bridge(emu.address, USER)
    bridge.set_light(1, {"on": True, "bri": 200, "transitiontime": 0})
    bridge.set_light(1, {"on": False, "transitiontime": 2})
    assert emu.light_state(1)["on"]  # still fading
    assert wait_until(lambda: not emu.light_state(1)["on"], 1.0)
    bridge.set_light(1, {"on": True, "transitiontime": 0})
    assert emu.light_state(1)["bri"] == 1  # why the adapter always sends bri with on


def test_light_rate_limit_429(emu: HueEmulator) -> None:
    path = f"/api/{USER}/lights/1/state"
    statuses = [raw(emu.address, "PUT", path, {"on": True})[0] for _ in range(14)]
    assert statuses[:10] == [200] * 10
    assert 429 in statuses[10:]
    ok_times = [t for t, m, p, _, s in emu.requests() if m == "PUT" and s == 200]
    assert max_in_window(ok_times) <= 10


def test_group_rate_limit_429(emu: HueEmulator) -> None:
    path = f"/api/{USER}/groups/1/action"
    statuses = [raw(emu.address, "PUT", path, {"on": True})[0] for _ in range(3)]
    assert statuses == [200, 200, 429]  # a burst of two, then 429
    time.sleep(1.05)  # the sliding window really has to pass
    assert raw(emu.address, "PUT", path, {"on": True})[0] == 200


def test_rate_limits_can_be_disabled() -> None:
    with HueEmulator(enforce_rate_limits=False) as emulator:
        path = f"/api/{USER}/groups/1/action"
        assert {raw(emulator.address, "PUT", path, {"on": True})[0] for _ in range(5)} == {200}


def test_request_log(emu: HueEmulator) -> None:
    before = time.monotonic()
    raw(emu.address, "PUT", f"/api/{USER}/groups/1/action", {"on": True, "bri": 5})
    (t, method, path, body, status), = emu.requests()
    assert before <= t <= time.monotonic()
    assert (method, path, body, status) == (
        "PUT", f"/api/{USER}/groups/1/action", {"on": True, "bri": 5}, 200)
    assert emu.request_log == emu.requests()


@pytest.mark.fault
def test_fault_down(emu: HueEmulator) -> None:
    emu.set_fault(Fault.DOWN)
    with pytest.raises((OSError, http.client.HTTPException)):
        raw(emu.address, "GET", f"/api/{USER}/lights")
    assert emu.requests()[-1][4] == 0
    emu.set_fault(Fault.NONE)
    assert raw(emu.address, "GET", f"/api/{USER}/lights")[0] == 200


@pytest.mark.fault
def test_fault_slow(emu: HueEmulator) -> None:
    emu.set_fault(Fault.SLOW, slow_ms=300)
    start = time.monotonic()
    assert raw(emu.address, "GET", f"/api/{USER}/config")[0] == 200
    assert time.monotonic() - start >= 0.29
    with pytest.raises(TimeoutError):
        raw(emu.address, "GET", f"/api/{USER}/config", timeout=0.1)


@pytest.mark.fault
def test_fault_storm_429(emu: HueEmulator) -> None:
    emu.set_fault(Fault.STORM_429)
    assert raw(emu.address, "GET", f"/api/{USER}/lights")[0] == 429
    assert raw(emu.address, "PUT", f"/api/{USER}/groups/1/action", {"on": True})[0] == 429
    with pytest.raises(ValueError):  # what phue does with a 429: JSON decode error
        phue_bridge(emu.address, USER).get_light()


@pytest.mark.fault
def test_fault_unauthorized(emu: HueEmulator) -> None:
    emu.set_fault(Fault.UNAUTHORIZED)
    bridge = phue_bridge(emu.address, USER)
    assert error_types(bridge.get_light()) == [1]
    assert error_types(bridge.set_group(1, {"on": True})[0]) == [1]


@pytest.mark.fault
def test_fault_internal_error(emu: HueEmulator) -> None:
    emu.set_fault(Fault.INTERNAL_ERROR)
    assert error_types(phue_bridge(emu.address, USER).set_group(1, {"on": True})[0]) == [901]


@pytest.mark.fault
def test_fault_drop(emu: HueEmulator) -> None:
    emu.set_fault(Fault.DROP)
    with pytest.raises((OSError, http.client.HTTPException)):
        raw(emu.address, "PUT", f"/api/{USER}/groups/1/action",
            {"on": True, "bri": 77, "transitiontime": 0})
    assert emu.target_state(1)["bri"] == 77  # processed, only the answer was lost


@pytest.mark.fault
def test_fault_garbage(emu: HueEmulator) -> None:
    emu.set_fault(Fault.GARBAGE)
    status, body = raw(emu.address, "GET", f"/api/{USER}/lights")
    assert status == 200
    with pytest.raises(ValueError):
        phue_bridge(emu.address, USER).get_light()
    assert body


def test_fault_parse() -> None:
    assert Fault.parse("storm-429") is Fault.STORM_429
    assert Fault.parse("SLOW") is Fault.SLOW
    with pytest.raises(ValueError):
        Fault.parse("melting")


def test_cli_arguments_parse() -> None:
    import argparse

    from ketaroom.devices.hue_emulator import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--port", "0", "--lights", "5", "--fault", "slow", "--slow-ms",
                              "200", "--link-button"])
    assert (args.lights, args.fault, args.slow_ms, args.link_button) == (
        5, Fault.SLOW, 200, True)
    assert callable(main)


@pytest.mark.fault
def test_fault_partial_applies_on_and_bri_refuses_colour(emu: HueEmulator) -> None:
    emu.set_fault(Fault.PARTIAL)
    status, answer = raw_json(emu.address, "PUT", f"/api/{USER}/groups/1/action",
                              {"on": True, "bri": 90, "ct": 450, "transitiontime": 0})
    assert status == 200
    assert [next(iter(e)) for e in answer] == ["success", "success", "success", "error"]
    assert error_types(answer) == [201]
    assert answer[-1]["error"]["address"] == "/groups/1/action/ct"
    state = emu.target_state(2)
    assert (state["bri"], state["ct"]) == (90, 366)  # bri applied, ct left as it was


@pytest.mark.fault
@pytest.mark.parametrize(("fault", "answer"), [(Fault.EMPTY, []),
                                               (Fault.OBJECT, {"result": "ok"})])
def test_fault_empty_or_object_answers_commands_only(emu: HueEmulator, fault: Fault,
                                                    answer: object) -> None:
    emu.set_fault(fault)
    assert raw_json(emu.address, "PUT", f"/api/{USER}/groups/1/action",
                    {"on": True, "bri": 90}) == (200, answer)
    assert emu.target_state(1)["bri"] == 254  # not applied
    status, groups = raw_json(emu.address, "GET", f"/api/{USER}/groups")
    assert status == 200 and groups["1"]["name"] == "Treatment room"


@pytest.mark.fault
def test_fault_drip_trickles_the_whole_answer(emu: HueEmulator) -> None:
    emu.set_fault(Fault.DRIP)
    conn = http.client.HTTPConnection(emu.address, timeout=5)
    try:
        conn.request("PUT", f"/api/{USER}/groups/1/action", '{"on": true, "bri": 60}')
        conn.sock.settimeout(1.5)
        first = conn.sock.recv(100)
        assert first == b"H"  # one byte, then a pause
        assert wait_until(lambda: emu.dripping == 1, 1.0)
        assert emu.target_state(1)["bri"] == 60  # processed before the answer drips
    finally:
        conn.close()


@pytest.mark.fault
def test_fault_huge_streams_an_endless_body(emu: HueEmulator) -> None:
    emu.set_fault(Fault.HUGE)
    conn = http.client.HTTPConnection(emu.address, timeout=5)
    try:
        conn.request("GET", f"/api/{USER}/groups/0")
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Content-Length") is None
        received = sum(len(response.read(1 << 20)) for _ in range(20))
        assert received >= 20 * (1 << 20) - 64
    finally:
        conn.close()


def test_a_group_action_gives_each_kind_of_light_what_it_takes() -> None:
    """Like a real bridge, a group action on mixed lights is no error: each light takes
    the parameters it has and ignores the rest, and one that takes several colour
    parameters shows them by precedence xy > ct > hue/sat."""
    kinds = {1: "color", 2: "ct", 3: "xy", 4: "dimmable"}
    with HueEmulator(lights=4, username=USER, light_kinds=kinds) as emu:
        status, answer = raw_json(emu.address, "PUT", f"/api/{USER}/groups/1/action",
                                  {"on": True, "bri": 90, "ct": 400, "xy": [0.2, 0.3],
                                   "transitiontime": 0})
        assert status == 200 and error_types(answer) == []
        assert {"success": {"/groups/1/action/ct": 400}} in answer
        states = {i: emu.target_state(i) for i in kinds}
        assert all((s["on"], s["bri"]) == (True, 90) for s in states.values())
        assert (states[1]["colormode"], states[1]["xy"]) == ("xy", [0.2, 0.3])
        assert (states[2]["colormode"], states[2]["ct"]) == ("ct", 400)
        assert (states[3]["colormode"], states[3]["xy"]) == ("xy", [0.2, 0.3])
        _, lights = raw_json(emu.address, "GET", f"/api/{USER}/lights")
        assert "xy" not in lights["2"]["state"] and "ct" not in lights["3"]["state"]
        assert set(lights["4"]["state"]) & {"ct", "xy", "colormode"} == set()


def test_rooms_are_groups() -> None:
    with HueEmulator(lights=4, rooms={"Room A": [1, 2], "Behandlungsraum": [3, 4]}) as two:
        status, groups = raw_json(two.address, "GET", f"/api/{two.username}/groups")
        assert status == 200
        assert {gid: (g["name"], g["lights"]) for gid, g in groups.items()} == {
            "1": ("Room A", ["1", "2"]), "2": ("Behandlungsraum", ["3", "4"])}
        assert two.groups() == [("1", "Room A", ["1", "2"]), ("2", "Behandlungsraum", ["3", "4"])]
        raw_json(two.address, "PUT", f"/api/{two.username}/groups/2/action",
                 {"on": True, "bri": 10, "transitiontime": 0})
        assert [two.target_state(i)["bri"] for i in (1, 2, 3, 4)] == [254, 254, 10, 10]


def test_cli_room_argument() -> None:
    import argparse

    from ketaroom.devices.hue_emulator import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--room", "Room A=1,2", "--room", "Behandlungsraum=3"])
    assert args.room == [("Room A", [1, 2]), ("Behandlungsraum", [3])]
    with pytest.raises(SystemExit):
        parser.parse_args(["--room", "Room A"])


def test_power_on_behaviour_like_firmware_1_50(emu: HueEmulator) -> None:
    status, light = raw_json(emu.address, "GET", f"/api/{USER}/lights/1")
    assert status == 200
    assert light["config"]["startup"] == {"mode": "safety", "configured": True}
    assert light["state"]["reachable"] is True
    answer = raw_json(emu.address, "PUT", f"/api/{USER}/lights/2/config",
                      {"startup": {"mode": "powerfail"}})
    assert answer == (200, [{"success": {"/lights/2/config/startup/mode": "powerfail"}}])
    assert raw_json(emu.address, "PUT", f"/api/{USER}/lights/2/config",
                    {"startup": {"mode": "bright"}})[1][0]["error"]["type"] == 7
    assert emu.startup_mode(2) == "powerfail"
    for lid in (1, 2):  # both dim and warm, then the power goes
        raw_json(emu.address, "PUT", f"/api/{USER}/lights/{lid}/state",
                 {"on": True, "bri": 30, "ct": 450, "transitiontime": 0})
        emu.power_cut(lid)
    assert raw_json(emu.address, "GET", f"/api/{USER}/lights")[1]["1"]["state"][
        "reachable"] is False
    raw_json(emu.address, "PUT", f"/api/{USER}/groups/1/action", {"bri": 200})
    assert emu.target_state(1)["bri"] == 30  # an unreachable light hears nothing
    emu.power_restore(1)
    emu.power_restore(2)
    safety, powerfail = emu.light_state(1), emu.light_state(2)
    assert (safety["on"], safety["bri"], safety["ct"]) == (True, 254, 366)
    assert (powerfail["on"], powerfail["bri"], powerfail["ct"]) == (True, 30, 450)
