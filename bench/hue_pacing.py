"""Hue pacing under a slider storm: rate at the bridge, final state, slider-to-bridge latency.

A clinician drags the brightness slider: 100 :meth:`HueLights.apply` calls over 2 s,
each a distinct brightness, against the Hue emulator over real HTTP (phue). From the
emulator's request log (same monotonic clock, same process):

* peak commands per second to groups and to lights (sliding 1 s window; the bridge
  allows ~1/s to groups, ~10/s to lights, and the emulator answers 429 past that);
* whether the final state of every light equals the last slider value;
* slider-to-bridge latency: for each apply, the time until the bridge received a
  command carrying that value *or a newer one* (coalescing makes older values
  obsolete, so this is what the clinician sees).

``HueLights`` drives groups (one command per change, ~1/s). For comparison the same
storm goes through a small per-light sender (coalescing, paced to 10 commands/s across
the lights), to show what per-light commands would give.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import percentile
from ketaroom.core.targets import LightTarget
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.devices.lights import HueLights, target_to_body
from ketaroom.devices.lights.pacing import Pacer

STORM_CALLS = 100
STORM_S = 2.0
LIGHTS = 3
LATENCY_TARGET_MS = 150.0
GROUP_LIMIT = 1.0
LIGHT_LIMIT = 10.0


def _storm_targets(group: str | None) -> list[LightTarget]:
    """100 distinct brightness values (distinct ``bri`` at the bridge), warm white."""
    return [LightTarget(brightness_pct=float(1 + i), transition_s=0.4, kelvin=2700, group=group)
            for i in range(STORM_CALLS)]


def _peak_per_s(times: list[float]) -> int:
    """Most requests in any 1 s window starting at a request."""
    best = 0
    j = 0
    for i, t in enumerate(times):
        while j < len(times) and times[j] < t + 1.0:
            j += 1
        best = max(best, j - i)
    return best


def _analyse(emu: HueEmulator, applied: list[tuple[float, int]], kind: str,
             settle_s: float) -> dict[str, Any]:
    """``applied``: (monotonic time, bri) per apply, in order."""
    log = emu.requests()
    puts = [r for r in log if r[1] == "PUT" and r[4] == 200]
    groups = [r for r in puts if "/groups/" in r[2]]
    lights = [r for r in puts if "/lights/" in r[2]]
    index_of = {bri: i for i, (_, bri) in enumerate(applied)}
    sent = puts if kind == "light" else groups
    # per command: index of the slider value it carries
    carried = [(r[0], index_of.get((r[3] or {}).get("bri"), -1)) for r in sent]
    latencies: list[float] = []
    for i, (t_apply, _) in enumerate(applied):
        reached = next((t for t, j in carried if j >= i and t >= t_apply), None)
        if reached is not None:
            latencies.append((reached - t_apply) * 1000.0)
    last_bri = applied[-1][1]
    final_ok = all(emu.target_state(lid)["bri"] == last_bri for lid in range(1, LIGHTS + 1))
    last_sent_ok = bool(sent) and (sent[-1][3] or {}).get("bri") == last_bri
    rejected = sum(1 for r in log if r[1] == "PUT" and r[4] == 429)
    return {
        "applies": len(applied),
        "group_cmds": len(groups),
        "light_cmds": len(lights),
        "rejected_429": rejected,
        "peak_group_cmds_per_s": _peak_per_s([r[0] for r in groups]),
        "peak_light_cmds_per_s": _peak_per_s([r[0] for r in lights]),
        "final_state_is_last_request": final_ok and last_sent_ok,
        "latency_p50_ms": round(percentile(latencies, 50), 1),
        "latency_p95_ms": round(percentile(latencies, 95), 1),
        "latency_max_ms": round(max(latencies), 1) if latencies else None,
        "latency_samples": len(latencies),
        "settle_s": round(settle_s, 2),
    }


def _storm(apply: Any, targets: list[LightTarget]) -> list[tuple[float, int]]:
    applied: list[tuple[float, int]] = []
    begin = time.monotonic()
    for i, target in enumerate(targets):
        due = begin + i * STORM_S / len(targets)
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        applied.append((time.monotonic(), int(target_to_body(target)["bri"])))
        apply(target)
    return applied


def _storm_through(emu: HueEmulator, sender: Any, kind: str) -> dict[str, Any]:
    """Settle one target, rest, then storm ``sender`` and analyse the emulator's log."""
    try:
        sender.apply(LightTarget(brightness_pct=50, transition_s=0, kelvin=2700))
        if not sender.flush(5.0):
            raise RuntimeError("the emulator did not accept the first command")
        time.sleep(1.2)  # the pacer starts the storm from rest
        emu.clear_log()
        applied = _storm(sender.apply, _storm_targets(None))
        begin = time.monotonic()
        ok = sender.flush(10.0)
        settle = time.monotonic() - begin
    finally:
        sender.close()
    result = _analyse(emu, applied, kind, settle)
    result["flushed"] = ok
    return result


def group_storm() -> dict[str, Any]:
    with HueEmulator(lights=LIGHTS) as emu, tempfile.TemporaryDirectory() as tmp:
        lights = HueLights(emu.address, emu.username, "Treatment room", config_dir=Path(tmp))
        result = _storm_through(emu, lights, "group")
    result["targets"] = {"peak_group_cmds_per_s": GROUP_LIMIT, "peak_light_cmds_per_s": 0,
                         "final_state_is_last_request": True,
                         "latency_p95_ms": LATENCY_TARGET_MS}
    result["ok"] = (result["peak_group_cmds_per_s"] <= GROUP_LIMIT
                    and result["final_state_is_last_request"]
                    and result["latency_p95_ms"] < LATENCY_TARGET_MS)
    return result


class PerLightSender:
    """Comparison only: coalesce to the newest target, send it light by light, ≤10 cmds/s."""

    def __init__(self, address: str, username: str, lights: int) -> None:
        self._address = address
        self._user = username
        self._lights = lights
        self._pacer = Pacer(min_interval_s=0.105, window_s=1.0, burst=10)
        self._cond = threading.Condition()
        self._target: LightTarget | None = None
        self._seq = 0
        self._done_seq = 0
        self._closing = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def apply(self, target: LightTarget) -> None:
        with self._cond:
            self._target, self._seq = target, self._seq + 1
            self._cond.notify_all()

    def flush(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._done_seq < self._seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(3.0)

    def _put(self, light_id: int, body: dict[str, Any]) -> None:
        conn = http.client.HTTPConnection(self._address, timeout=2.0)
        try:
            conn.request("PUT", f"/api/{self._user}/lights/{light_id}/state", json.dumps(body))
            conn.getresponse().read()
        finally:
            conn.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._done_seq >= self._seq and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                target, seq = self._target, self._seq
            assert target is not None
            body = target_to_body(target)
            for light_id in range(1, self._lights + 1):
                # a newer target arrived: restart the round with it (older values are moot)
                with self._cond:
                    if self._seq != seq:
                        break
                wait = self._pacer.wait_s()
                if wait > 0:
                    time.sleep(wait)
                self._put(light_id, body)
                self._pacer.record()
            else:
                with self._cond:
                    self._done_seq = max(self._done_seq, seq)
                    self._cond.notify_all()


def per_light_storm() -> dict[str, Any]:
    with HueEmulator(lights=LIGHTS) as emu:
        result = _storm_through(emu, PerLightSender(emu.address, emu.username, LIGHTS), "light")
    result["note"] = ("latency = until the FIRST light got the value; all "
                      f"{LIGHTS} lights need {LIGHTS} commands at ≤10/s")
    result["targets"] = {"peak_light_cmds_per_s": LIGHT_LIMIT,
                         "latency_p95_ms": LATENCY_TARGET_MS}
    result["ok"] = (result["peak_light_cmds_per_s"] <= LIGHT_LIMIT
                    and result["final_state_is_last_request"])
    return result


def run(quick: bool = False) -> dict[str, Any]:
    return {"hue_pacing": group_storm(), "hue_pacing_per_light": per_light_storm()}


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
