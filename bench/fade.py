"""Fade smoothness: volume steps per second and the largest single step, in dB.

Two views of the same fades:

* *model* — the music engine's own ramp code (:class:`~ketaroom.devices.music.levels.Ramp`)
  sampled at the engine's tick (:data:`~ketaroom.devices.music.engine.TICK_S`) and split
  into what it really sends (:func:`vlc_gain`: whole libVLC percent + equalizer-preamp
  trim), for a phase fade-in (silence → 40 % over 8 s), an equal-power crossfade in and
  out, and a clinician volume change (60 % → 20 %, rate-limited);
* *measured* — a real :class:`~ketaroom.devices.music.VlcPlayer` fades a steady OGG tone
  in (silence → 70 % over 3 s) while its ``sample_sink`` (amem) captures the output at
  real time; the gain of every captured buffer relative to the tone gives the steps
  heard. Durations are counted in samples (adummy's pace is not the wall clock's).
  OGG Vorbis blocks are 23 ms (a WAV's 50 ms would cap the measurable rate at 20/s).

"Largest step" counts only steps where the louder side is within 50 dB of the fade's
target (below that a step is inaudible), and not the entry from / exit to silence, which
by design happens 50 dB under the level. Target: ≥ 20 steps/s.
"""

from __future__ import annotations

import math
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from ketaroom.devices.music.engine import MAX_CHANGE_DB_PER_S, TICK_S
from ketaroom.devices.music.levels import FLOOR_DB, Ramp, pct_to_db, vlc_gain

STEPS_TARGET = 20.0
AUDIBLE_DB = -50.0
SR = 44100


def _sent_db(gain: tuple[int, float]) -> float:
    vol, trim = gain
    return FLOOR_DB if vol <= 0 else 60.0 * math.log10(vol / 100.0) + trim


def _model(ramp: Ramp) -> dict[str, Any]:
    sent: list[tuple[int, float]] = []
    t = ramp.t0
    while t <= ramp.t0 + ramp.duration_s + TICK_S:
        sent.append(vlc_gain(ramp.value(t)))
        t += TICK_S
    top = max(_sent_db(g) for g in sent)
    changes = [(a, b) for a, b in pairwise(sent) if abs(_sent_db(b) - _sent_db(a)) > 0.005]
    # the entry from / exit to silence happens 50 dB under the level: not a heard step
    audible = [abs(_sent_db(b) - _sent_db(a)) for a, b in changes
               if min(_sent_db(a), _sent_db(b)) > FLOOR_DB
               and max(_sent_db(a), _sent_db(b)) > top + AUDIBLE_DB]
    whole = sum(1 for a, b in pairwise(sent) if a[0] != b[0])
    return {"duration_s": round(ramp.duration_s, 2), "ticks_per_s": round(1 / TICK_S, 1),
            "volume_changes_per_s": round(len(changes) / max(ramp.duration_s, 1e-9), 1),
            "whole_percent_changes_per_s": round(whole / max(ramp.duration_s, 1e-9), 1),
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
    from tests.integration.audio_fixtures import Capture

    # paced by each buffer's due time: sleeping each buffer's length on top of the sink's
    # own cost falls behind until libVLC drops late buffers (see audio_fixtures)
    sink = Capture(realtime=True)

    amp = 0.5
    with tempfile.TemporaryDirectory(prefix="ketaroom-fade-") as tmp:
        path = Path(tmp) / "tone.ogg"
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
    for chunk in sink.snapshot(0):
        if chunk.pts == -1:
            continue
        wall, a = chunk.wall, chunk.samples.astype(np.float64) / 32768.0
        rms = float(np.sqrt(np.mean(a * a))) if a.size else 0.0
        levels.append((wall, 20 * np.log10(rms + 1e-12) - ref_db, a.size // 2))
    gains = [g for _, g, _ in levels]
    frames = [n for *_, n in levels]
    target_db = pct_to_db(volume_pct)
    # the fade: from its quietest sound (after the silent start) up to the target
    last = next(i for i, g in enumerate(gains) if g >= target_db - 0.3)
    first = min((i for i in range(last) if gains[i] > -120), key=lambda i: gains[i])
    fade = levels[first:last + 1]
    pairs = list(pairwise(fade))
    steps = [abs(b[1] - a[1]) for a, b in pairs if abs(b[1] - a[1]) > 0.02]
    audible = [abs(b[1] - a[1]) for a, b in pairs
               if max(a[1], b[1]) > target_db + AUDIBLE_DB]
    span_s = sum(frames[first:last]) / SR  # audio time, by sample count
    return {
        "fade_s": fade_s, "volume_pct": volume_pct,
        "buffers": len(levels), "frames_per_buffer": int(np.median(frames)),
        "audible_fade_s": round(span_s, 2),
        "steps": len(steps),
        "steps_per_s": round(len(steps) / span_s, 1) if span_s > 0 else None,
        "max_step_db": round(float(max(audible)), 2) if audible else None,
        "first_audible_gain_db": round(float(gains[first]), 1),
        "first_audible_below_target_db": round(float(gains[first] - target_db), 1),
        "silent_start_s": round(sum(frames[:first]) / SR, 2),
        "buffer_ms": round(1000 * float(np.median(frames)) / SR, 1),
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
