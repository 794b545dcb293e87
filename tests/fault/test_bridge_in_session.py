"""Bridge faults *during a running session* (rehearse's loop, real HueLights, emulator).

The adapter-level cases (down, slow, 429, 901, garbage, drop, unauthorized) are in
tests/integration/test_hue_lights.py; here the question is what the session does:
it keeps time, records a ``device_error`` the clinician can act on, never crashes,
and the room ends in the state the preset asked for once the bridge is healthy.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.targets import LightTarget
from ketaroom.devices.hue_emulator import Fault, HueEmulator
from ketaroom.devices.lights import target_to_body
from tests.fault.helpers import in_background, rehearse, wait_until, write_preset

pytestmark = [pytest.mark.fault,
              pytest.mark.filterwarnings("ignore:The .warn. method:DeprecationWarning")]

SPEED = 20.0
# 120 session seconds = 6 real seconds at speed 20; the light changes at every phase.
PRESET = """\
name: Flap
phases:
  - name: A
    duration: 30s
    light: {brightness: 40, kelvin: 2700, transition: 3s}
    cues:
      - {at: 15s, prompt: Check, kind: vitals}
  - name: B
    duration: 30s
    light: {brightness: 20, kelvin: 2200, transition: 3s}
  - name: C
    duration: 30s
    light: {brightness: 70, kelvin: 3000, transition: 3s}
    cues:
      - {at: 10s, prompt: Note, kind: note}
  - name: D
    duration: 30s
    light: {brightness: 55, kelvin: 2700, transition: 3s}
"""
FINAL = LightTarget(brightness_pct=55, transition_s=3, kelvin=2700)
PLANNED_STARTS = [0.0, 30.0, 60.0, 90.0]
PLANNED_CUES = [15.0, 70.0]


@pytest.fixture
def emu() -> Iterator[HueEmulator]:
    emulator = HueEmulator(lights=3)
    emulator.start()
    yield emulator
    emulator.stop()


def final_light_is(emu: HueEmulator, target: LightTarget) -> bool:
    want = target_to_body(target)
    return all(all(emu.target_state(i)[k] == v for k, v in want.items()
                   if k != "transitiontime") for i in (1, 2, 3))


def assert_kept_time(run, tolerance_s: float = 1.0) -> None:
    """Every phase start and cue came with its planned ``t``, and no later than
    ``tolerance_s`` real seconds after its planned moment (a blocked loop would be
    seconds late: the bridge's requests take up to 2 s each)."""
    starts = run.of("phase_start")
    assert [r["t"] for r in starts] == PLANNED_STARTS
    assert [r["t"] for r in run.of("cue")] == PLANNED_CUES
    for record in (*starts, *run.of("cue"), *run.of("session_end")):
        assert run.arrival_of(record) <= record["t"] / SPEED + tolerance_s, record
    assert run.of("session_end")[-1]["status"] == "completed"


def test_flapping_bridge_keeps_time_and_restores_the_light(emu: HueEmulator,
                                                           tmp_path: Path) -> None:
    """Down/up every 0.5 s for 5 s while phases change: no crash, on time, final light."""
    preset = write_preset(tmp_path, PRESET)

    def flap() -> None:
        end = time.monotonic() + 5.0
        down = True
        while time.monotonic() < end:
            emu.set_fault(Fault.DOWN if down else Fault.NONE)
            down = not down
            time.sleep(0.5)
        emu.set_fault(Fault.NONE)

    flapper = in_background(flap)
    run = rehearse(preset, speed=SPEED, data_dir=tmp_path, emulator=emu)
    flapper.join()
    assert run.status == "completed"
    assert_kept_time(run)
    errors = [r for r in run.of("device_error") if r.get("device") == "lights"]
    assert errors, "an unreachable bridge must be recorded"
    assert all("not answering" in r["message"] for r in errors)
    # the bridge answers again: the room converges on the last phase's light
    assert wait_until(lambda: final_light_is(emu, FINAL), 8.0), emu.target_state(1)


@pytest.mark.parametrize(("fault", "words"), [
    (Fault.GARBAGE, "not JSON"),
    (Fault.DROP, "dropped mid-answer"),
])
def test_garbage_or_dropped_answers_are_device_errors_then_recover(
        emu: HueEmulator, tmp_path: Path, fault: Fault, words: str) -> None:
    preset = write_preset(tmp_path, PRESET)

    def spoil_then_heal() -> None:
        emu.set_fault(fault)
        time.sleep(2.0)
        emu.set_fault(Fault.NONE)

    healer = in_background(spoil_then_heal)
    run = rehearse(preset, speed=SPEED, data_dir=tmp_path, emulator=emu)
    healer.join()
    assert run.status == "completed"
    assert_kept_time(run)
    errors = [r for r in run.of("device_error") if r.get("device") == "lights"]
    assert errors and words in errors[0]["message"], errors
    assert wait_until(lambda: final_light_is(emu, FINAL), 8.0)


def test_unauthorized_mid_session_says_pair_again(emu: HueEmulator, tmp_path: Path) -> None:
    """The bridge forgot our user during the session: a clear 'pair again' message."""
    preset = write_preset(tmp_path, PRESET)

    def forget_user() -> None:
        time.sleep(1.0)  # phase A's light went out fine
        emu.set_fault(Fault.UNAUTHORIZED)

    injector = in_background(forget_user)
    run = rehearse(preset, speed=SPEED, data_dir=tmp_path, emulator=emu)
    injector.join()
    assert run.status == "completed"
    assert_kept_time(run)
    errors = [r for r in run.of("device_error") if r.get("device") == "lights"]
    assert len(errors) == 1, errors  # one episode, not one message per retry
    message = errors[0]["message"].lower()
    assert "pair" in message and "link button" in message
    assert errors[0]["health"] == "not_paired"


# --------------------------------------------------------------------------- stalled bridge
# (issue 13.1), through the real command line

MEMORY_LIMIT_BYTES = 1536 * 1024**2
"""Address-space cap for the rehearse subprocess: an unfixed client reading a 2 GB answer
fails on it instead of swapping the test machine."""


@dataclass
class CliRun:
    code: int
    records: list[dict[str, Any]]
    stderr: str
    maxrss_mb: float


def rehearse_cli(preset: Path, emu: HueEmulator, data_dir: Path) -> CliRun:
    """``ketaroom rehearse --json`` in a subprocess; its exit code, records and peak RSS."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--speed", str(SPEED),
             "--bridge", emu.address, "--username", emu.username, "--group", "Treatment room",
             "--audio", "none", "--json", "--data-dir", str(data_dir)],
            stdout=out, stderr=err, preexec_fn=limit)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if proc.returncode is None and proc.poll() is None:
                proc.kill()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        records = [json.loads(line) for line in out.read().decode().splitlines() if line]
        return CliRun(proc.returncode, records, err.read().decode(), usage.ru_maxrss / 1024)


@pytest.mark.parametrize(("fault", "words"), [
    (Fault.DRIP, "no complete answer within"),
    (Fault.HUGE, "larger than"),
])
def test_rehearse_reports_a_stalled_or_flooding_bridge(emu: HueEmulator, tmp_path: Path,
                                                       fault: Fault, words: str) -> None:
    """The session keeps time and ends (exit 0, as docs/cli.md says: it ran to the end), and
    the bridge's problem is a ``device_error``; memory stays small."""
    preset = write_preset(tmp_path, PRESET)
    emu.set_fault(fault)
    run = rehearse_cli(preset, emu, tmp_path)
    assert run.code == 0, run.stderr
    assert run.records[-1] == {**run.records[-1], "event": "session_end", "status": "completed"}
    errors = [r for r in run.records if r["event"] == "device_error"
              and r.get("device") == "lights"]
    assert errors and words in errors[0]["message"], (errors, run.stderr[-2000:])
    assert run.maxrss_mb < 400, run.maxrss_mb
    print(f"{fault.value}: peak RSS of the rehearse process {run.maxrss_mb:.0f} MB")
