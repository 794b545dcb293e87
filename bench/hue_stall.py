"""A stalled bridge: emergency latency while a request is stuck, and memory under a huge body.

* ``hue_stall_emergency``: the lights worker is stuck in a request whose answer drips one
  byte per second (``Fault.DRIP``, request deadline 60 s so it stays stuck); the bridge then
  answers new connections normally and :meth:`HueLights.emergency_up` is called. Figure: the
  time until the emulator holds the emergency light (from its own state, polled every 1 ms),
  over several runs.
* ``hue_stall_huge_body``: ``ketaroom rehearse`` (a subprocess) against a bridge that answers
  every request with an endless body (``Fault.HUGE``, up to 2 GB each). Figure: the peak RSS
  of that process (``os.wait4`` rusage), next to the same rehearsal against a healthy bridge.

``python -m bench.hue_stall`` prints the figures; ``run(quick)`` follows bench/__main__.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import percentile
from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget
from ketaroom.devices.hue_emulator import Fault, HueEmulator
from ketaroom.devices.lights import HueLights, target_to_body

EMERGENCY_TARGET_MS = 500.0
RSS_TARGET_MB = 200.0
PRESET = """\
name: Stall bench
phases:
  - {name: A, duration: 30s, light: {brightness: 40, kelvin: 2700, transition: 3s}}
  - {name: B, duration: 30s, light: {brightness: 20, kelvin: 2200, transition: 3s}}
"""


def _wait(predicate: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.001)
    return True


def _is_emergency(emu: HueEmulator) -> bool:
    want = target_to_body(EMERGENCY_LIGHT)
    state = emu.target_state(1)
    return all(state[k] == v for k, v in want.items() if k != "transitiontime")


def emergency_while_stuck_ms() -> float:
    """One run: ms from ``emergency_up()`` to the emergency light held by the bridge."""
    with HueEmulator(lights=3) as emu, tempfile.TemporaryDirectory() as config:
        lights = HueLights(emu.address, emu.username, request_timeout_s=60.0,
                           config_dir=Path(config))
        try:
            if not lights.flush(3.0):
                raise RuntimeError("the emulator did not answer")
            emu.set_fault(Fault.DRIP)
            lights.apply(LightTarget(brightness_pct=5, transition_s=0.2, kelvin=2200))
            if not _wait(lambda: emu.dripping >= 1, 3.0):
                raise RuntimeError("no request got stuck")
            emu.set_fault(Fault.NONE)
            start = time.perf_counter()
            lights.emergency_up()
            if not _wait(lambda: _is_emergency(emu), 10.0):
                return float("inf")
            elapsed_ms = (time.perf_counter() - start) * 1000.0
            if emu.dripping < 1:
                raise RuntimeError("the stuck request ended first: not measuring what we want")
            return elapsed_ms
        finally:
            emu.stop()  # ends the drip so that close() returns at once
            lights.close()


def rehearse_peak_rss_mb(fault: Fault) -> tuple[float, int, list[str]]:
    """(peak RSS in MB, exit code, lights device_error messages) of ``ketaroom rehearse``."""
    with HueEmulator(lights=3) as emu, tempfile.TemporaryDirectory() as folder:
        preset = Path(folder) / "stall.yaml"
        preset.write_text(PRESET, encoding="utf-8")
        emu.set_fault(fault)
        with tempfile.TemporaryFile() as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--speed", "10",
                 "--bridge", emu.address, "--username", emu.username, "--audio", "none",
                 "--json", "--data-dir", folder],
                stdout=out, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            records = [json.loads(line) for line in out.read().decode().splitlines() if line]
    errors = [r["message"] for r in records
              if r.get("event") == "device_error" and r.get("device") == "lights"]
    return usage.ru_maxrss / 1024.0, proc.returncode, errors


def run(quick: bool) -> dict[str, Any]:
    runs = 3 if quick else 10
    latencies = [emergency_while_stuck_ms() for _ in range(runs)]
    worst = max(latencies)
    huge_mb, huge_code, huge_errors = rehearse_peak_rss_mb(Fault.HUGE)
    healthy_mb, _, _ = rehearse_peak_rss_mb(Fault.NONE)
    return {
        "hue_stall_emergency": {
            "runs": runs, "median_ms": round(percentile(latencies, 50), 1),
            "max_ms": round(worst, 1),
            "targets": {"max_ms": EMERGENCY_TARGET_MS}, "ok": worst <= EMERGENCY_TARGET_MS,
        },
        "hue_stall_huge_body": {
            "peak_rss_mb": round(huge_mb, 1), "healthy_peak_rss_mb": round(healthy_mb, 1),
            "exit_code": huge_code, "first_device_error": huge_errors[0] if huge_errors else "",
            "targets": {"peak_rss_mb": RSS_TARGET_MB},
            "ok": huge_mb <= RSS_TARGET_MB and bool(huge_errors),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
