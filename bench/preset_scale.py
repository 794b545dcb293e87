"""Preset size scaling: validate and rehearse time for presets of 100, 1,000 and 10,000 phases.

* *validate* — :func:`~ketaroom.core.validation.validate_text` on a generated preset of N
  short phases (each a name, a 1 s duration, a cue; every tenth also a light change), in
  CPU seconds of this process (the machine is shared: wall time also counts the others);
* *rehearse* — :func:`~ketaroom.session.rehearse.run_rehearsal` (the code behind
  ``ketaroom rehearse``; silent audio, demo lights, a temporary journal) runs the same
  preset at a speed where its session time is 1 s of real time, and stops (like Ctrl+C) at
  a time budget. The figures are the wall time and the phases reached, and phases/s over
  the last tenth reached (flat when the cost per phase does not grow with N).

Both should grow linearly with N: ``validate_us_per_phase`` and the rehearse phases/s about
the same at 100 and 10,000 phases. Target: at every size, per-phase validate time at most
twice, and rehearse phases/s at least half, the figures at 100 phases.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = (100, 1_000, 10_000)
REHEARSE_BUDGET_S = 120.0
QUICK_BUDGET_S = 20.0


def preset_text(phases: int) -> str:
    """A valid preset of ``phases`` one-second phases."""
    lines = ["name: Scale test", "phases:"]
    for index in range(phases):
        lines += [f"  - name: Phase {index}", "    duration: 1s",
                  "    cues:", "      - at: 0.5s", "        prompt: Check in"]
        if index % 10 == 0:
            lines.append("    light: {brightness: 40, kelvin: 2700, transition: 0s}")
    return "\n".join(lines) + "\n"


def _validate(text: str, phases: int) -> dict[str, Any]:
    from ketaroom.core.validation import validate_text

    begin = time.process_time()
    result = validate_text(text, Path("scale.yaml"))
    took = time.process_time() - begin
    assert result.ok and result.preset is not None and len(result.preset.phases) == phases, \
        [str(p) for p in result.problems[:3]]
    return {"validate_s": round(took, 3), "validate_us_per_phase": round(took / phases * 1e6, 1)}


def _rehearse(text: str, phases: int, budget_s: float) -> dict[str, Any]:
    from ketaroom.core.validation import validate_text
    from ketaroom.session.rehearse import run_rehearsal
    from ketaroom.store.journal import Journal

    preset = validate_text(text, Path("scale.yaml")).preset
    assert preset is not None
    starts: list[float] = []
    interrupted: list[bool] = []
    begin = time.perf_counter()

    def emit(record: dict[str, Any]) -> None:
        if record.get("event") == "phase_start":
            starts.append(time.perf_counter() - begin)
        if time.perf_counter() - begin > budget_s and not interrupted:
            interrupted.append(True)
            raise KeyboardInterrupt  # rehearse stops the session as on Ctrl+C

    with tempfile.TemporaryDirectory() as folder:
        journal, _ = Journal.open_or_recover(Path(folder) / "journal.sqlite")
        try:
            outcome = run_rehearsal(preset, speed=float(phases), journal=journal, audio="none",
                                   bridge=None, emit=emit)
        finally:
            journal.close()
    took = time.perf_counter() - begin
    tail = starts[-max(2, len(starts) // 10):]
    rate = (len(tail) - 1) / (tail[-1] - tail[0]) if len(tail) > 1 and tail[-1] > tail[0] \
        else float("nan")
    return {"rehearse_s": round(took, 2), "rehearse_phases_reached": len(starts),
            "rehearse_completed": outcome.status == "completed" and len(starts) == phases,
            "rehearse_phases_per_s_at_end": round(rate, 1)}


def run(quick: bool) -> dict[str, Any]:
    budget = QUICK_BUDGET_S if quick else REHEARSE_BUDGET_S
    out: dict[str, Any] = {}
    base: dict[str, Any] = {}
    for phases in SIZES:
        text = preset_text(phases)
        figure = {"phases": phases, "preset_kb": round(len(text.encode()) / 1024, 1),
                  **_validate(text, phases), **_rehearse(text, phases, budget)}
        base = base or figure
        figure["validate_growth"] = round(
            figure["validate_us_per_phase"] / base["validate_us_per_phase"], 2)
        figure["rehearse_slowdown"] = round(
            base["rehearse_phases_per_s_at_end"] / figure["rehearse_phases_per_s_at_end"], 2)
        figure["targets"] = {"validate_growth": 2.0, "rehearse_slowdown": 2.0}
        figure["ok"] = figure["validate_growth"] <= 2.0 and figure["rehearse_slowdown"] <= 2.0
        out[f"preset_scale_{phases}"] = figure
        print(f"{phases:>6} phases: " + ", ".join(f"{k}={v}" for k, v in figure.items()
                                                  if k not in ("phases", "targets")),
              flush=True)
    return out


if __name__ == "__main__":
    import sys

    run("--quick" in sys.argv)
