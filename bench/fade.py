"""Fade smoothness: volume steps per second and the largest single step, in dB.

Two views of the same fades:

* *model* — the music engine's own ramp code (:class:`~ketaroom.devices.music.levels.Ramp`)
  sampled at the engine's tick (:data:`~ketaroom.devices.music.engine.TICK_S`) and
  quantised to the integer libVLC volume it really sends (:func:`vlc_volume`), for a phase
  fade-in (silence → 40 % over 8 s), an equal-power crossfade in and out, and a clinician
  volume change (60 % → 20 %, rate-limited);
* *measured* — a real :class:`~ketaroom.devices.music.VlcPlayer` fades a steady tone in
  (silence → 70 % over 3 s) while its ``sample_sink`` (amem) captures the output at real
  time; the gain of every captured buffer relative to the tone gives the steps heard.

"Largest step" counts only steps where the louder side is above −50 dB (below that the
integer volume's coarse dB steps near the −80 dB floor are inaudible). Target: ≥ 20 steps/s.
"""

from __future__ import annotations

import math
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from ketaroom.devices.music.engine import MAX_CHANGE_DB_PER_S, TICK_S
from ketaroom.devices.music.levels import FLOOR_DB, Ramp, pct_to_db, vlc_volume

STEPS_TARGET = 20.0
AUDIBLE_DB = -50.0
SR = 44100


def _vol_db(vol: int) -> float:
    return FLOOR_DB if vol <= 0 else 60.0 * math.log10(vol / 100.0)


def _model(ramp: Ramp) -> dict[str, Any]:
    sent: list[int] = []
    t = ramp.t0
    while t <= ramp.t0 + ramp.duration_s + TICK_S:
        sent.append(vlc_volume(ramp.value(t)))
        t += TICK_S
    changes = [(a, b) for a, b in pairwise(sent) if a != b]
    audible = [abs(_vol_db(b) - _vol_db(a)) for a, b in changes
               if max(_vol_db(a), _vol_db(b)) > AUDIBLE_DB]
    return {"duration_s": round(ramp.duration_s, 2), "ticks_per_s": round(1 / TICK_S, 1),
            "volume_changes_per_s": round(len(changes) / max(ramp.duration_s, 1e-9), 1),
            "max_step_db": round(max(audible), 2) if audible else 0.0}


def model() -> dict[str, Any]:
    start_20 = pct_to_db(60)
    return {
        "fade_in_8s_to_40pct": _model(Ramp.to(FLOOR_DB, pct_to_db(40), 0.0, 8.0)),
        "crossfade_in_8s_to_40pct": _model(Ramp.crossfade(FLOOR_DB, pct_to_db(40), 0.0, 8.0)),
        "crossfade_out_8s_from_40pct": _model(Ramp.crossfade(pct_to_db(40), FLOOR_DB, 0.0, 8.0)),
        "clinician_60_to_20pct": _model(Ramp.limited(start_20, pct_to_db(20), 0.0,
                                                     MAX_CHANGE_DB_PER_S)),
    }


def measured(fade_s: float = 3.0, volume_pct: float = 70.0) -> dict[str, Any]:
    import numpy as np
    import soundfile as sf

    from ketaroom.core.targets import MusicTarget
    from ketaroom.devices.music import VlcPlayer

    chunks: list[tuple[float, np.ndarray]] = []
    lock = threading.Lock()

    def sink(deck: int, data: bytes, pts: int) -> None:
        if pts == -1:
            return
        a = np.frombuffer(data, dtype=np.int16).astype(np.float64) / 32768.0
        with lock:
            chunks.append((time.monotonic(), a))
        time.sleep(a.size / 2 / SR)  # play at real time so wall-clock ramps line up

    amp = 0.5
    with tempfile.TemporaryDirectory(prefix="ketaroom-fade-") as tmp:
        path = Path(tmp) / "tone.wav"
        t = np.arange(int(SR * (fade_s + 3.0))) / SR
        x = (amp * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
        sf.write(str(path), np.stack([x, x], axis=1), SR)
        player = VlcPlayer("dummy", sample_sink=sink)
        try:
            player.apply(MusicTarget((path,), volume_pct, fade_s, label="tone"))
            player.flush(8.0)
            time.sleep(fade_s + 0.8)
        finally:
            player.close()
    ref_db = 20 * np.log10(amp / np.sqrt(2))
    levels: list[tuple[float, float, int]] = []
    for wall, a in chunks:
        rms = float(np.sqrt(np.mean(a * a))) if a.size else 0.0
        levels.append((wall, 20 * np.log10(rms + 1e-12) - ref_db, a.size // 2))
    gains = [g for _, g, _ in levels]
    target_db = pct_to_db(volume_pct)
    # the fade: from the first audible buffer after the silent safe start to the target
    silent_from = next(i for i, g in enumerate(gains) if g < -120)
    first = next(i for i in range(silent_from, len(gains)) if gains[i] > -120)
    last = next(i for i in range(first, len(gains)) if gains[i] >= target_db - 0.3)
    fade = levels[first:last + 1]
    pairs = list(pairwise(fade))
    steps = [abs(b[1] - a[1]) for a, b in pairs if abs(b[1] - a[1]) > 0.02]
    audible = [abs(b[1] - a[1]) for a, b in pairs if max(a[1], b[1]) > AUDIBLE_DB]
    span_s = fade[-1][0] - fade[0][0] if len(fade) > 1 else float("nan")
    return {
        "fade_s": fade_s, "volume_pct": volume_pct,
        "buffers": len(levels), "frames_per_buffer": int(np.median([n for *_, n in levels])),
        "audible_fade_s": round(span_s, 2),
        "steps": len(steps),
        "steps_per_s": round(len(steps) / span_s, 1) if span_s > 0 else None,
        "max_step_db": round(float(max(audible)), 2) if audible else None,
        "first_audible_gain_db": round(float(gains[first]), 1),
        "silent_start_s": round(levels[first][0] - levels[silent_from][0], 2),
        "buffer_ms": round(1000 * float(np.median([n for *_, n in levels])) / SR, 1),
        "reached_gain_db": round(float(gains[last]), 2),
        "target_gain_db": round(target_db, 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    modelled = model()
    real = measured()
    steps = real["steps_per_s"] or 0.0
    return {"fade": {
        "steps_per_s": steps,
        "max_step_db": real["max_step_db"],
        "measured": real,
        "model": modelled,
        "targets": {"steps_per_s": STEPS_TARGET},
        "ok": steps >= STEPS_TARGET,
    }}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
