"""Idle CPU during a running session, and memory growth over a 30-minute accelerated soak.

*Idle CPU* (child process): the real main window (offscreen, demo bridge emulator)
runs the shipped demo preset on the real clock; after a warm-up, the process's CPU
time (``resource.getrusage``: every thread — Qt, libVLC, lights worker, recorder,
emulator) is divided by the wall time. Measured three ways: with music through a real
audio output that plays at real time (libVLC's default output reaching a PulseAudio
server — a null sink works, see bench/README.md — the figure that counts, when one is
reachable), on libVLC's dummy output (which decodes faster than real time: an upper
bound) and with no audio. Target: < 2 % of one core.

*Memory soak* (child process): a 30-minute preset (six phases, music, light changes,
a cue every minute) is rehearsed at speed 60 through :func:`ketaroom.session.rehearse.
run_rehearsal` against the Hue emulator with libVLC's dummy output, after one short
warm-up rehearsal (libVLC plugins, SQLite, phue loaded). RSS is read from
``/proc/self/status`` before and after. Target: growth < 10 MB.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ketaroom.shipped import PLAYLISTS_DIR

CPU_TARGET_PCT = 2.0
RSS_TARGET_MB = 10.0
ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------- idle CPU (child)


def _cpu_child(audio: str, seconds: float) -> dict[str, Any]:
    from PySide6.QtCore import QTimer

    from bench.common import qt_app
    from ketaroom.app import build_main_window
    from ketaroom.store.settings import Settings

    app = qt_app()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ketaroom-bench-") as data:
        window = build_main_window(Settings(default_preset="demo-3min.yaml", audio=audio),
                                   Path(data), demo=True, audio=audio)
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        window.show()
        window.patient_picker.code.setText("PT-BENCH")  # a clinical session has one
        window.session_panel.start_button.click()
        marks: dict[str, float] = {}

        def begin() -> None:
            marks["cpu"], marks["wall"] = _cpu_s(), time.monotonic()

        def end() -> None:
            cpu, wall = _cpu_s() - marks["cpu"], time.monotonic() - marks["wall"]
            out.update(cpu_pct_one_core=round(100.0 * cpu / wall, 2), wall_s=round(wall, 1),
                       cpu_s=round(cpu, 3), running=window.live is not None
                       and not window.live.session.state().status.ended)
            app.quit()

        QTimer.singleShot(3000, begin)  # warm-up: first fade, first light command, probes
        QTimer.singleShot(int(3000 + seconds * 1000), end)
        app.exec()
        window.close()
    return out


# ------------------------------------------------------------------- memory soak (child)

SOAK_PRESET = """\
name: Soak 30 min
light_group: Treatment room
max_volume: 70
phases:
{phases}
"""
PHASE = """\
  - name: Phase {i}
    duration: {minutes}m
    music:
      playlist: {playlist}
      volume: {volume}
      fade: 8s
    light:
      brightness: {bri}
      kelvin: {kelvin}
      transition: 20s
    cues:
{cues}
"""


def _soak_preset(folder: Path, minutes_per_phase: int = 5, phases: int = 6) -> Path:
    lists = ["arrival.m3u", "onset.m3u", "deep.m3u", "deep.m3u", "return.m3u",
             "reorientation.m3u"]
    body = []
    for i in range(phases):
        cues = "".join(f"      - at: {m * 30}s\n        prompt: Check {i}.{m}\n        kind: "
                       f"{'vitals' if m % 2 else 'note'}\n"
                       for m in range(1, 2 * minutes_per_phase))
        playlist = PLAYLISTS_DIR / lists[i % len(lists)]
        body.append(PHASE.format(i=i + 1, minutes=minutes_per_phase, playlist=playlist,
                                 volume=30 + 5 * (i % 3), bri=10 + 15 * (i % 4),
                                 kelvin=2000 + 300 * i, cues=cues).rstrip("\n"))
    path = folder / "soak.yaml"
    path.write_text(SOAK_PRESET.format(phases="\n".join(body)), encoding="utf-8")
    return path


def _rehearse(preset_path: Path, speed: float, data: Path, emu: Any) -> tuple[str, int]:
    from ketaroom.core.validation import load_preset
    from ketaroom.session.rehearse import run_rehearsal
    from ketaroom.store.journal import Journal
    from ketaroom.store.settings import BridgeSettings

    result = load_preset(preset_path)
    if result.preset is None:
        raise RuntimeError("; ".join(str(p) for p in result.problems))
    records: list[dict[str, Any]] = []
    journal = Journal(data / "sessions.sqlite3")
    try:
        status = run_rehearsal(result.preset, speed=speed, journal=journal, audio="dummy",
                               bridge=BridgeSettings(emu.address, emu.username, "Treatment room"),
                               emit=records.append).status
    finally:
        journal.close()
    return status, len(records)


def _soak_child(speed: float, minutes_per_phase: int) -> dict[str, Any]:
    import gc

    from ketaroom.devices.hue_emulator import HueEmulator

    with tempfile.TemporaryDirectory(prefix="ketaroom-soak-") as tmp, \
            HueEmulator(lights=3) as emu:
        folder = Path(tmp)
        warm = _soak_preset(folder, 1, 2)
        _rehearse(warm, 60.0, folder, emu)  # warm-up: everything loaded once
        gc.collect()
        before = _rss_mb()
        soak = _soak_preset(folder, minutes_per_phase, 6)
        begin = time.monotonic()
        status, records = _rehearse(soak, speed, folder, emu)
        took = time.monotonic() - begin
        gc.collect()
        after = _rss_mb()
    return {"rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
            "rss_growth_mb": round(after - before, 2), "status": status,
            "records": records, "session_min": 6 * minutes_per_phase, "speed": speed,
            "took_s": round(took, 1)}


# ------------------------------------------------------------------- parent


def _pulse_reachable() -> bool:
    """Whether a PulseAudio server answers (then libVLC's default output plays there)."""
    pactl = shutil.which("pactl")
    if pactl is None:
        return False
    try:
        return subprocess.run([pactl, "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _in_child(*args: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-W", "ignore", "-m", "bench.idle", *args],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    line = next((ln for ln in reversed(out.stdout.splitlines()) if ln.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"child failed ({out.returncode}): {out.stderr[-2000:]}")
    return dict(json.loads(line))


def run(quick: bool = False) -> dict[str, Any]:
    seconds = "6" if quick else "20"
    dummy = _in_child("--cpu", "dummy", seconds)
    none = _in_child("--cpu", "none", seconds)
    real = _in_child("--cpu", "default", seconds) if _pulse_reachable() else None
    main = real or dummy
    cpu = {**main, "audio_output": "pulseaudio (real time)" if real else
           "libVLC dummy (faster than real time: upper bound)",
           "cpu_pct_dummy_output": dummy["cpu_pct_one_core"],
           "cpu_pct_no_audio": none["cpu_pct_one_core"],
           "targets": {"cpu_pct_one_core": CPU_TARGET_PCT}}
    cpu["ok"] = main["cpu_pct_one_core"] < CPU_TARGET_PCT
    soak = _in_child("--soak", "60", "1" if quick else "5")
    soak["targets"] = {"rss_growth_mb": RSS_TARGET_MB}
    soak["ok"] = soak["rss_growth_mb"] < RSS_TARGET_MB and soak["status"] == "completed"
    return {"idle_cpu": cpu, "memory_soak": soak}


if __name__ == "__main__":
    if "--cpu" in sys.argv:
        i = sys.argv.index("--cpu")
        print(json.dumps(_cpu_child(sys.argv[i + 1], float(sys.argv[i + 2]))), flush=True)
        sys.exit(0)
    if "--soak" in sys.argv:
        i = sys.argv.index("--soak")
        print(json.dumps(_soak_child(float(sys.argv[i + 1]), int(sys.argv[i + 2]))),
              flush=True)
        sys.exit(0)
    print(json.dumps(run(quick=True), indent=1))
