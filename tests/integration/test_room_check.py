"""``ketaroom room-check`` against the bridge emulator over real HTTP, as scripts run it.

The test room: "Room A" (group 1) has light 1 at the factory power-on behaviour ``safety``,
light 2 at ``powerfail`` and light 3 switched off at the wall (unreachable, ``safety``);
"Room B" (group 2, lights 4 and 5, both ``safety``) is another room whose lights
``--fix`` must never touch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ketaroom.devices.hue_emulator import Fault, HueEmulator
from ketaroom.devices.lights.conversions import colour_for
from ketaroom.store.settings import BridgeSettings, RoomProfile, Settings, save_settings
from tests.integration.hue_fixtures import USER, raw

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rooms() -> Iterator[HueEmulator]:
    emulator = HueEmulator(lights=5, username=USER,
                           rooms={"Room A": [1, 2, 3], "Room B": [4, 5]},
                           startup_modes={2: "powerfail"})
    emulator.start()
    emulator.power_cut(3)
    yield emulator
    emulator.stop()


def room_check(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETAROOM_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ketaroom", "room-check", *args],
                          capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)


def as_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data = json.loads(done.stdout)
    assert set(data) == {"ok", "checks"}
    for check in data["checks"]:
        assert set(check) == {"name", "status", "message", "lights"}
        assert check["status"] in ("ok", "warning", "error")
    return data


def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in data["checks"]}


def bridge_args(emu: HueEmulator | str, group: str = "Room A") -> list[str]:
    """``emu``: an emulator of this process, or the address of one in another."""
    address = emu if isinstance(emu, str) else emu.address
    return ["--bridge", address, "--username", USER, "--group", group, "--audio", "dummy"]


def test_room_check_json_reports_safety_and_unreachable_lights(rooms: HueEmulator,
                                                                 tmp_path: Path) -> None:
    done = room_check(*bridge_args(rooms), "--json", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    data = as_json(done)
    checks = by_name(data)
    assert data["ok"] is True
    assert [c["name"] for c in data["checks"]] == ["bridge", "lights", "reachable", "power-on",
                                                   "audio", "disk", "clock"]
    assert checks["bridge"]["status"] == "ok"
    assert checks["lights"] == {"name": "lights", "status": "ok",
                                "message": "3 lights in 'Room A' (group 1)",
                                "lights": ["1", "2", "3"]}
    assert checks["reachable"]["status"] == "warning"
    assert checks["reachable"]["lights"] == ["3"]
    assert checks["power-on"]["status"] == "warning"
    assert checks["power-on"]["lights"] == ["1", "3"]
    assert "full bright white after a power cut" in checks["power-on"]["message"]
    assert checks["clock"]["status"] in ("ok", "warning")


def test_group_by_id_and_text_output(rooms: HueEmulator, tmp_path: Path) -> None:
    done = room_check(*bridge_args(rooms, group="2"), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 lights in 'Room B' (group 2)" in done.stdout
    assert done.stdout.strip().endswith("room ready")


def test_fix_changes_only_the_rooms_reachable_safety_lights(rooms: HueEmulator,
                                                            tmp_path: Path) -> None:
    done = room_check(*bridge_args(rooms), "--json", "--fix", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    checks = by_name(as_json(done))
    assert checks["fix"]["status"] == "warning"  # light 3 could not be reached
    assert checks["fix"]["lights"] == ["1"]
    assert "light 1 now keeps its last state" in checks["fix"]["message"]
    assert "unreachable, not changed: 3" in checks["fix"]["message"]
    assert [rooms.startup_mode(i) for i in range(1, 6)] == [
        "powerfail", "powerfail", "safety", "safety", "safety"]  # Room B untouched
    puts = [r[2] for r in rooms.requests() if r[1] == "PUT"]
    assert puts == [f"/api/{USER}/lights/1/config"]
    # the check after the fix: light 3 is the one left
    assert checks["power-on"]["lights"] == ["3"]


def test_fix_custom_sets_dim_warm_and_survives_a_power_cut(rooms: HueEmulator,
                                                           tmp_path: Path) -> None:
    rooms.power_restore(3)
    done = room_check(*bridge_args(rooms), "--json", "--fix", "custom", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert by_name(as_json(done))["fix"]["lights"] == ["1", "3"]
    assert by_name(as_json(done))["power-on"]["status"] == "ok"
    rooms.power_cut(1)
    rooms.power_restore(1)
    state = rooms.light_state(1)
    assert state["on"] is True and state["bri"] == 20 and state["ct"] == 454


def test_fix_custom_gives_a_dimmable_only_light_brightness_only(tmp_path: Path) -> None:
    """A dimmable-only bulb takes no colour temperature: its dim power-on setting is
    ``bri`` alone (a real bridge refuses ``ct`` with error 6); a colour bulb also gets
    warm, and a colour-only light (no ``ct``) that warm white as a colour."""
    with HueEmulator(lights=3, username=USER, rooms={"Room A": [1, 2, 3]},
                     light_kinds={2: "dimmable", 3: "xy"}) as emulator:
        done = room_check(*bridge_args(emulator), "--json", "--fix", "custom",
                          data_dir=tmp_path)
        assert done.returncode == 0, done.stderr
        fix = by_name(as_json(done))["fix"]
        assert (fix["status"], fix["lights"]) == ("ok", ["1", "2", "3"])
        lights = json.loads(raw(emulator.address, "GET", f"/api/{USER}/lights")[1])
        emulator.power_cut(3)
        emulator.power_restore(3)
        after_power_cut = emulator.light_state(3)
    assert lights["2"]["config"]["startup"]["customsettings"] == {"bri": 20}
    assert lights["1"]["config"]["startup"]["customsettings"] == {"bri": 20, "ct": 454}
    assert lights["3"]["config"]["startup"]["customsettings"] == {"bri": 20,
                                                                  "xy": colour_for(454)}
    assert (after_power_cut["bri"], after_power_cut["colormode"]) == (20, "xy")
    assert after_power_cut["xy"] == pytest.approx([0.505, 0.415], abs=0.003)  # 2203 K


def test_fix_says_which_lights_were_bright_and_which_unknown(tmp_path: Path) -> None:
    """A light whose power-on behaviour the bridge states oddly (diyHue takes any mode) is
    fixed too, and the fix never claims it was full bright white."""
    with HueEmulator(lights=2, username=USER, rooms={"Room A": [1, 2]},
                     startup_modes={1: "safety", 2: "lastonstate"}) as emulator:
        done = room_check(*bridge_args(emulator), "--json", "--fix", data_dir=tmp_path)
        assert emulator.startup_mode(2) == "powerfail"
    assert done.returncode == 0, done.stderr
    assert by_name(as_json(done))["fix"]["message"] == (
        "lights 1, 2 now keep their last state after a power cut (was full bright white or "
        "unknown)")


def test_dead_bridge_is_one_error_check_without_traceback(tmp_path: Path) -> None:
    emulator = HueEmulator(lights=1, username=USER)
    emulator.start()
    address = emulator.address
    emulator.stop()
    done = room_check("--bridge", address, "--username", USER, "--audio", "none", "--json",
                      data_dir=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    data = as_json(done)
    assert data["ok"] is False
    bridge = by_name(data)["bridge"]
    assert bridge["status"] == "error" and "connection refused" in bridge["message"]
    assert "\n" not in bridge["message"]


def test_unknown_user_says_pair_again(rooms: HueEmulator, tmp_path: Path) -> None:
    done = room_check("--bridge", rooms.address, "--username", "stranger", "--audio", "none",
                      "--json", data_dir=tmp_path)
    assert done.returncode == 1
    assert "pair again" in by_name(as_json(done))["bridge"]["message"]


@pytest.mark.fault
@pytest.mark.parametrize(("fault", "fix", "words"), [
    (Fault.EMPTY_READS, False, "answered group 1 with an empty list"),
    (Fault.HUGE, False, "larger than 2048 KB"),
    (Fault.DRIP, False, "no complete answer within 2 s"),
    (Fault.EMPTY, True, "with an empty list instead of a list of results"),
    (Fault.OBJECT, True, "with dict {'result': 'ok'} instead of a list"),
])
def test_odd_answers_are_bounded_and_said_in_one_line(rooms: HueEmulator, tmp_path: Path,
                                                      fault: Fault, fix: bool,
                                                      words: str) -> None:
    rooms.set_fault(fault)
    done = room_check(*bridge_args(rooms, group="1"), "--json",
                      *(["--fix"] if fix else []), data_dir=tmp_path)
    assert "Traceback" not in done.stderr
    checks = by_name(as_json(done))
    failed = checks["fix"] if fix else checks["bridge"]
    assert done.returncode == 1
    assert failed["status"] == "error"
    assert words in failed["message"] and "\n" not in failed["message"]
    assert rooms.startup_mode(1) == "safety"


def test_without_bridge_uses_the_rooms_settings_and_no_bridge_is_demo(
        rooms: HueEmulator, tmp_path: Path) -> None:
    demo = room_check("--audio", "none", "--json", data_dir=tmp_path)
    assert demo.returncode == 0
    assert by_name(as_json(demo))["bridge"]["status"] == "warning"
    assert "demo mode" in by_name(as_json(demo))["bridge"]["message"]
    save_settings(tmp_path, Settings(rooms=[RoomProfile(
        name="A", bridge=BridgeSettings(rooms.address, USER, "1"), audio="none",
        unreachable_blocks_start=True)], current_room="A"))
    done = room_check("--json", data_dir=tmp_path)
    checks = by_name(as_json(done))
    assert checks["lights"]["lights"] == ["1", "2", "3"]
    assert checks["reachable"]["status"] == "error"  # the room says: it blocks
    assert done.returncode == 1


def test_bridge_without_username_is_a_usage_error(tmp_path: Path) -> None:
    done = room_check("--bridge", "127.0.0.1:9", data_dir=tmp_path)
    assert done.returncode == 2
    assert "--username" in done.stderr


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[Callable[..., tuple[str, str]]]:
    """``ketaroom bridge-emulator ARGS…`` as a separate process; gives its address and its
    banner once it serves; stopped (SIGTERM, then waited for) after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[str, str]:
        env = {**os.environ, "KETAROOM_DATA_DIR": str(tmp_path)}
        process = subprocess.Popen(
            [sys.executable, "-m", "ketaroom", "bridge-emulator", "--username", USER, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        started.append(process)
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # ends with "Ctrl+C to stop." once it serves
            lines.append(line)
            if line.startswith("Ctrl+C"):
                break
        banner = "".join(lines)
        assert banner.startswith("Hue bridge emulator at "), banner + process.stderr.read()
        return banner.split()[4], banner

    yield start
    for process in started:
        process.terminate()
        process.communicate(timeout=10)


def test_emulator_cli_starts_a_real_room_with_its_faults(
        emulator_process: Callable[..., tuple[str, str]], tmp_path: Path) -> None:
    """The real-room faults from the command line: a light at ``safety``, one switched off
    at the wall, and a second room — then ``room-check --fix`` against that process."""
    address, banner = emulator_process(
        "--lights", "5", "--room", "Room A=1,2,3", "--room", "Room B=4,5",
        "--startup-mode", "powerfail", "--startup", "1=safety", "--startup", "4=safety",
        "--unreachable", "3", "--light-kind", "2=dimmable", "--light-kind", "5=ct")
    assert "power-on safety: lights 1, 4\n" in banner
    assert "ct: lights 5\ndimmable: lights 2\n" in banner
    assert "power-on powerfail: lights 2, 3, 5\n" in banner
    assert "unreachable: lights 3\n" in banner
    status, body = raw(address, "GET", f"/api/{USER}/lights")
    lights = json.loads(body)
    assert status == 200
    assert {i: lights[i]["config"]["startup"]["mode"] for i in lights} == {
        "1": "safety", "2": "powerfail", "3": "powerfail", "4": "safety", "5": "powerfail"}
    assert [i for i in lights if not lights[i]["state"]["reachable"]] == ["3"]
    assert [lights[i]["type"] for i in ("1", "2", "5")] == [
        "Extended color light", "Dimmable light", "Color temperature light"]
    done = room_check(*bridge_args(address), "--json", "--fix", data_dir=tmp_path)
    checks = by_name(as_json(done))
    assert done.returncode == 0, done.stderr
    assert checks["reachable"]["lights"] == ["3"]
    assert checks["fix"]["lights"] == ["1"]
    lights = json.loads(raw(address, "GET", f"/api/{USER}/lights")[1])
    assert lights["1"]["config"]["startup"]["mode"] == "powerfail"
    assert lights["4"]["config"]["startup"]["mode"] == "safety"  # Room B untouched


@pytest.mark.parametrize(("args", "words"), [
    (["--unreachable", "9"], "no light 9: the emulator has lights 1–3"),
    (["--startup", "2=bright"], "expected ID=MODE with MODE one of safety, powerfail, custom"),
    (["--unreachable", "x"], "expected a light id"),
    (["--light-kind", "2=rgb"], "expected ID=KIND with KIND one of color, ct, dimmable, xy"),
])
def test_emulator_cli_refuses_lights_it_does_not_have(tmp_path: Path, args: list[str],
                                                      words: str) -> None:
    done = subprocess.run([sys.executable, "-m", "ketaroom", "bridge-emulator", *args],
                          capture_output=True, text=True, timeout=30, cwd=ROOT,
                          env={**os.environ, "KETAROOM_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_test_sound_is_said_in_the_audio_check(tmp_path: Path) -> None:
    """``--test-sound`` plays through real libVLC (dummy output) and the audio check says
    what played and how loud; the JSON keeps its shape. (Its level under a room limit
    below 20 %, heard through amem: tests/integration/test_test_sound.py.)"""
    done = room_check("--audio", "dummy", "--test-sound", "--json", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    audio = by_name(as_json(done))["audio"]
    assert audio == {"name": "audio", "status": "ok", "lights": [], "message":
                     "silent audio output (dummy); test sound played: test-sound.ogg at "
                     "20 %, faded in from silence and out"}
    silent = room_check("--audio", "none", "--test-sound", "--json", data_dir=tmp_path)
    assert silent.returncode == 0, silent.stderr
    assert by_name(as_json(silent))["audio"]["message"] == (
        "no music in this room (audio none); no test sound played")
