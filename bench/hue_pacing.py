"""Hue pacing under a slider storm: rate at the bridge, final state, slider-to-bridge latency.

A clinician drags the brightness slider: 100 :meth:`HueLights.apply` calls over 2 s,
each a distinct brightness, against the Hue emulator over real HTTP (phue). From the
emulator's request log (same monotonic clock, same process):

* peak commands per second to groups and to lights (sliding 1 s window; the bridge
  allows ~1/s to groups, ~10/s to lights, and the emulator answers 429 past that);
* whether the final state of every light equals the last slider value;
* slider-to-bridge latency: for each apply, the time until the bridge received a
  command carrying that value *or a newer one* (coalescing makes older values
  obsolete, so this is what the clinician sees) — for the *first* light, and for *every*
  light of the room (the time the last of them got it).

``HueLights`` drives rooms of up to four lights light by light (≤ 10 commands/s) and
bigger rooms by group command (~1/s): the storm runs for rooms of 1, 3, 4 and 6 lights.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import percentile
from ketaroom.core.targets import LightTarget
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.devices.lights import HueLights, target_to_body
from ketaroom.devices.lights.hue import PER_LIGHT_MAX

STORM_CALLS = 100
STORM_S = 2.0
ROOM_SIZES = (1, 3, 4, 6)
FIRST_LIGHT_TARGET_MS = 250.0
EVERY_LIGHT_TARGET_MS = 500.0
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


def _analyse(emu: HueEmulator, applied: list[tuple[float, int]], lights: int,
             settle_s: float) -> dict[str, Any]:
    """``applied``: (monotonic time, bri) per apply, in order."""
    log = emu.requests()
    puts = [r for r in log if r[1] == "PUT" and r[4] == 200]
    groups = [r for r in puts if "/groups/" in r[2]]
    per_light = [r for r in puts if "/lights/" in r[2]]
    index_of = {bri: i for i, (_, bri) in enumerate(applied)}

    def reach(light_id: int) -> list[tuple[float, int]]:
        """(time, slider index carried) of every command that reached ``light_id``."""
        return [(r[0], index_of.get((r[3] or {}).get("bri"), -1)) for r in puts
                if "/groups/" in r[2] or r[2].endswith(f"/lights/{light_id}/state")]

    carried = {lid: reach(lid) for lid in range(1, lights + 1)}
    first: list[float] = []
    every: list[float] = []
    for i, (t_apply, _) in enumerate(applied):
        times = [next((t for t, j in carried[lid] if j >= i and t >= t_apply), None)
                 for lid in carried]
        if all(t is not None for t in times):
            got = [t for t in times if t is not None]
            first.append((min(got) - t_apply) * 1000.0)
            every.append((max(got) - t_apply) * 1000.0)
    last_bri = applied[-1][1]
    final_ok = all(emu.target_state(lid)["bri"] == last_bri for lid in range(1, lights + 1))
    rejected = sum(1 for r in log if r[4] == 429)

    def stats(name: str, values: list[float]) -> dict[str, Any]:
        return {f"{name}_p50_ms": round(percentile(values, 50), 1),
                f"{name}_p95_ms": round(percentile(values, 95), 1),
                f"{name}_max_ms": round(max(values), 1) if values else None}

    return {
        "lights": lights,
        "path": "per-light" if per_light else "group",
        "applies": len(applied),
        "group_cmds": len(groups),
        "light_cmds": len(per_light),
        "rejected_429": rejected,
        "peak_group_cmds_per_s": _peak_per_s([r[0] for r in groups]),
        "peak_light_cmds_per_s": _peak_per_s([r[0] for r in per_light]),
        "final_state_is_last_request": final_ok,
        **stats("first_light", first),
        **stats("every_light", every),
        "latency_samples": len(first),
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


def room_storm(lights: int) -> dict[str, Any]:
    """Settle one target, rest, then storm ``HueLights`` on a room of ``lights`` lights."""
    with HueEmulator(lights=lights) as emu, tempfile.TemporaryDirectory() as tmp:
        sender = HueLights(emu.address, emu.username, "Treatment room", config_dir=Path(tmp))
        try:
            sender.apply(LightTarget(brightness_pct=50, transition_s=0, kelvin=2700))
            if not sender.flush(5.0):
                raise RuntimeError("the emulator did not accept the first command")
            time.sleep(1.2)  # the pacers start the storm from rest
            emu.clear_log()
            applied = _storm(sender.apply, _storm_targets(None))
            begin = time.monotonic()
            ok = sender.flush(10.0)
            settle = time.monotonic() - begin
        finally:
            sender.close()
        result = _analyse(emu, applied, lights, settle)
    result["flushed"] = ok
    per_light = lights <= PER_LIGHT_MAX
    result["targets"] = {"rejected_429": 0, "final_state_is_last_request": True,
                         **({"first_light_p95_ms": FIRST_LIGHT_TARGET_MS,
                             "every_light_p95_ms": EVERY_LIGHT_TARGET_MS,
                             "peak_light_cmds_per_s": LIGHT_LIMIT} if per_light else
                            {"peak_group_cmds_per_s": GROUP_LIMIT})}
    result["ok"] = (result["rejected_429"] == 0 and result["final_state_is_last_request"]
                    and ((result["first_light_p95_ms"] <= FIRST_LIGHT_TARGET_MS
                          and result["every_light_p95_ms"] <= EVERY_LIGHT_TARGET_MS
                          and result["peak_light_cmds_per_s"] <= LIGHT_LIMIT)
                         if per_light else result["peak_group_cmds_per_s"] <= GROUP_LIMIT))
    return result


def run(quick: bool = False) -> dict[str, Any]:
    return {f"hue_pacing_{n}_lights": room_storm(n) for n in ROOM_SIZES}


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
