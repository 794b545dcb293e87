"""A phase that says ``transition: 0s`` never makes the lights jump (nothing may jump).

``ketaroom rehearse`` (the real command line, real time) drives the Hue emulator over real
HTTP: the preset's 0 s light transition arrives at the bridge as ``transitiontime`` of at
least the floor (deciseconds), the record says what was applied and what the preset asked,
and ``validate`` warns without refusing the preset.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ketaroom.core.limits import LIGHT_TRANSITION_FLOOR_S
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.devices.lights import percent_to_bri

PRESET = """\
name: Jumpy
phases:
  - name: At once
    duration: 1s
    light: {brightness: 35, kelvin: 2400, transition: 0s}
"""


def test_a_0s_phase_transition_reaches_the_bridge_at_the_floor(emu: HueEmulator,
                                                               tmp_path: Path) -> None:
    preset = tmp_path / "jumpy.yaml"
    preset.write_text(PRESET, encoding="utf-8")
    validate = subprocess.run([sys.executable, "-m", "ketaroom", "validate", str(preset)],
                              capture_output=True, text=True, timeout=60, check=False)
    assert validate.returncode == 0, validate.stdout  # still a valid preset
    assert "phases[0].light.transition: 0s would make the lights jump; 3s will be used" \
        in validate.stderr

    proc = subprocess.run(
        [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--bridge", emu.address,
         "--username", emu.username, "--audio", "none", "--json",
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines() if line]

    floor_ds = round(LIGHT_TRANSITION_FLOOR_S * 10)
    sent = [body for _, method, path, body, status in emu.request_log
            if method == "PUT" and status == 200 and isinstance(body, dict)
            and body.get("bri") == percent_to_bri(35)]
    assert sent, "the phase's light never reached the bridge"
    assert all(body["transitiontime"] >= floor_ds for body in sent), sent
    light = next(r for r in records if r["event"] == "light")
    assert (light["transition"], light["asked_transition"]) == (LIGHT_TRANSITION_FLOOR_S, 0.0)
