"""music-scan speed: × real time per core, the 1,000-track projection, the unchanged rescan.

A generated library in a clinic's mix of formats (MP3 40 %, M4A/AAC 20 %, FLAC 20 %,
OGG Vorbis 10 %, Opus 5 %, WAV 5 %) is scanned by the real command line
(``python -m ketaroom music-scan --json``, a fresh data folder, one ffmpeg per core):

* **per format**: one file of each, measured alone (one ffmpeg process): seconds of
  audio per CPU second;
* **library**: the whole library with every core. The headline "× real time per core" is
  audio seconds ÷ CPU seconds spent (every ffmpeg and the command itself, from
  ``getrusage``): what one core does, whatever else the machine is running. 1,000 tracks
  of 3.6 minutes (60 hours) ÷ that speed ÷ cores is the projected time of a 1,000-track
  library on an otherwise idle machine. The wall-clock figures are printed too
  (``wall_speed_x_rt_per_core``, ``projected_1000_tracks_min_at_this_load``, with the load
  average before the run and ``cores_busy`` = CPU seconds ÷ wall seconds): on a shared
  machine they are lower. The full mode scans
  100 tracks (6 hours of audio), not 1,000 (60 hours, ~20 minutes here): the projection
  is linear in audio time, which the per-format runs show;
* **rescan**: 1,000 files (200 with ``--quick``; links to one 1-second WAV, since a
  rescan reads no audio) scanned once, then scanned again unchanged: the second run's
  wall time, process start included.

``--quick`` scans 8 tracks of about a minute (8 minutes of audio): each file's fixed cost
(starting ffmpeg, the Python command itself) weighs more there than in a real library.

Figures go to bench/results/latest.json through ``python -m bench music_scan``; running
this module alone prints them too.
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

from ketaroom.music_library.measure import find_ffmpeg, measure_file
from tests.helpers.music_files import music, write_track

SPEED_TARGET = 50.0
"""× real time per core (issue 16)."""
PROJECT_TRACKS, PROJECT_TRACK_S = 1000, 216.0
"""The issue's library: 1,000 tracks, about 60 hours."""
PROJECT_MAX_MIN = 15.0
RESCAN_MAX_S = 5.0
MIX = (("mp3", 8), ("m4a", 4), ("flac", 4), ("ogg", 2), ("opus", 1), ("wav16", 1))
"""Formats per 20 tracks."""


def _children_cpu_s() -> float:
    """CPU seconds (user + system) of every finished child process, grandchildren too."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scan(paths: list[Path], data: Path) -> tuple[float, float, list[dict]]:
    """Wall seconds and CPU seconds (ffmpegs and the command) of one
    ``music-scan --json`` run, and its rows."""
    command = [sys.executable, "-m", "ketaroom", "music-scan", *map(str, paths), "--json",
               "--data-dir", str(data)]
    cpu_before, begin = _children_cpu_s(), time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    took, cpu_s = time.monotonic() - begin, _children_cpu_s() - cpu_before
    if done.returncode not in (0, 1):
        raise RuntimeError(f"music-scan failed ({done.returncode}): {done.stderr}")
    return took, cpu_s, [json.loads(line) for line in done.stdout.splitlines()]


def _originals(root: Path, track_s: float) -> dict[str, Path]:
    """One generated track per format, 0.7–1.3 × ``track_s`` long (averaging ``track_s``)."""
    made = {}
    for i, (fmt, _) in enumerate(MIX):
        sr = 48000 if fmt == "opus" else 44100
        seconds = track_s * (0.7 + 0.6 * i / (len(MIX) - 1))
        print(f"  generating {fmt} ({seconds:.0f} s)", file=sys.stderr, flush=True)
        made[fmt] = write_track(root / "originals" / f"track-{fmt}", fmt,
                                music(seconds, sr, -30.0 + 3 * i, seed=i), sr)
    return made


def _library(root: Path, originals: dict[str, Path], tracks: int) -> Path:
    """``tracks`` copies of the originals in the mix's proportions, in album folders."""
    order = [fmt for fmt, weight in MIX for _ in range(weight)]
    library = root / "library"
    for n in range(tracks):
        fmt = order[n % len(order)]
        album = library / f"Album {n // 12:03d}"
        album.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(originals[fmt], album / f"{n % 12 + 1:02d} Track{originals[fmt].suffix}")
    return library


def run(quick: bool) -> dict[str, Any]:
    """Scan the generated library; see the module docstring."""
    cores = len(os.sched_getaffinity(0))
    tracks, track_s, rescan_files = (8, 60.0, 200) if quick else (100, PROJECT_TRACK_S, 1000)
    with tempfile.TemporaryDirectory(prefix="bench-music-") as tmp:
        root = Path(tmp)
        originals = _originals(root, track_s)
        per_format = {}
        ffmpeg = find_ffmpeg()
        for fmt, path in originals.items():
            cpu_before = _children_cpu_s()
            duration_s = measure_file(path, ffmpeg).duration_s or 0.0
            per_format[fmt] = round(duration_s / (_children_cpu_s() - cpu_before), 1)
            print(f"  {fmt}: {per_format[fmt]}× real time per CPU second", file=sys.stderr)
        library = _library(root, originals, tracks)
        load = os.getloadavg()[0]
        took, cpu_s, rows = _scan([library], root / "data-library")
        audio_s = sum(r["duration_s"] or 0.0 for r in rows)
        speed, wall_speed = audio_s / cpu_s, audio_s / took / cores
        projected_min = PROJECT_TRACKS * PROJECT_TRACK_S / speed / cores / 60
        print(f"  library: {len(rows)} tracks, {audio_s / 3600:.2f} h of audio in {took:.1f} s "
              f"({cpu_s:.1f} CPU s; load average {load:.1f} before)", file=sys.stderr)

        short = root / "short"
        write_track(short / "src", "wav16", music(1.0), 44100)
        for n in range(rescan_files):
            os.link(short / "src.wav", short / f"{n:04d}.wav")
        (short / "src.wav").unlink()
        first_s, _, _ = _scan([short], root / "data-short")
        rescan_s, _, rows_again = _scan([short], root / "data-short")
        assert all(r["cached"] for r in rows_again)
    scan = {
        "speed_x_rt_per_core": round(speed, 1), "cores": cores, "tracks": len(rows),
        "audio_h": round(audio_s / 3600, 2), "wall_s": round(took, 1), "cpu_s": round(cpu_s, 1),
        "per_format_x_rt_per_core": per_format,
        "wall_speed_x_rt_per_core": round(wall_speed, 1),
        "cores_busy": round(cpu_s / took, 2), "load_average_before": round(load, 1),
        "projected_1000_tracks_min": round(projected_min, 1),
        "projected_1000_tracks_min_at_this_load": round(
            PROJECT_TRACKS * PROJECT_TRACK_S / wall_speed / cores / 60, 1),
        "targets": {"speed_x_rt_per_core": SPEED_TARGET,
                    "projected_1000_tracks_min": PROJECT_MAX_MIN},
        "ok": speed >= SPEED_TARGET and projected_min <= PROJECT_MAX_MIN,
    }
    rescan = {"files": rescan_files, "first_scan_s": round(first_s, 2),
              "rescan_s": round(rescan_s, 2), "targets": {"rescan_s": RESCAN_MAX_S},
              "ok": rescan_s <= RESCAN_MAX_S}
    return {"music_scan": scan, "music_rescan": rescan}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=1))
