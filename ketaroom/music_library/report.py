"""``ketaroom music-scan``: runs a scan and prints it (a contract: docs/cli.md).

Plain output is one line per file as it is measured, then a summary; ``--json`` is one
JSON object per line, flushed as each file is done (like ``rehearse --json``), and
nothing else on stdout. Notices (the cache was rebuilt) go to stderr.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import TextIO

from ketaroom.music_library.cache import MusicCache, cache_path
from ketaroom.music_library.files import find_audio
from ketaroom.music_library.measure import Measurement, ScannerUnavailable, Status
from ketaroom.music_library.scan import LOUD_START_LU, TrackResult, scan

EXIT_OK, EXIT_PROBLEMS, EXIT_NO_SCANNER = 0, 1, 3
"""0: every file is ``ok``; 1: some file is not, or a PATH does not exist; 3: ffmpeg
cannot run, nothing was measured (2 is a usage error, from argparse)."""


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def format_line(result: TrackResult) -> str:
    """One readable line: status, loudness, true peak, gain, duration, path, and why."""
    m = result.measurement
    if m.status is not Status.OK:
        return f"{m.status.value:<11} {result.path} — {m.reason}"
    assert m.lufs is not None and m.peak_dbfs is not None and result.gain_db is not None
    line = (f"{'ok':<11} {m.lufs:6.1f} LUFS  peak {m.peak_dbfs:5.1f} dBTP  "
            f"gain {result.gain_db:+5.1f} dB {_clock(m.duration_s):>7}  {result.path}")
    if result.loud_start and m.start_lufs is not None:
        line += (f"  — LOUD START: {m.start_lufs - m.lufs:+.1f} LU in the first seconds "
                 f"(over +{LOUD_START_LU:g})")
    return line


def run(paths: Sequence[Path], data_dir: Path | None, *, target_lufs: float,
        jobs: int | None, as_json: bool, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Scan ``paths`` with the cache in ``data_dir`` (None: no cache); print to ``out``
    and ``err`` (default: stdout and stderr); return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    begin = time.monotonic()
    found = find_audio(paths)
    counts: Counter[str] = Counter()
    cached = measured = 0
    audio_s = measured_audio_s = 0.0

    def emit(result: TrackResult) -> None:
        out.write((json.dumps(result.to_dict(), ensure_ascii=False) if as_json
                   else format_line(result)) + "\n")
        out.flush()
        counts[result.status.value] += 1

    for missing in found.missing:
        emit(TrackResult(missing, Measurement(Status.MISSING, "no such file or folder")))
    with MusicCache(cache_path(data_dir) if data_dir is not None else None) as cache:
        opening_notice = cache.notice
        if opening_notice:
            print(f"ketaroom music-scan: warning: {opening_notice}", file=err)
        try:
            with closing(scan(found.files, cache, target_lufs=target_lufs, jobs=jobs)) as results:
                for result in results:
                    emit(result)
                    audio_s += result.measurement.duration_s or 0.0
                    if result.cached:
                        cached += 1
                    else:
                        measured += 1
                        measured_audio_s += result.measurement.duration_s or 0.0
        except ScannerUnavailable as exc:
            print(f"ketaroom music-scan: {exc}", file=err)
            return EXIT_NO_SCANNER
        finally:
            if cache.notice and cache.notice != opening_notice:
                print(f"ketaroom music-scan: warning: {cache.notice}", file=err)
    if not as_json:
        took = time.monotonic() - begin
        tally = ", ".join(f"{n} {status}" for status, n in sorted(
            counts.items(), key=lambda kv: (kv[0] != "ok", kv[0]))) or "nothing found"
        skipped = sum(found.skipped.values())
        print(f"{sum(counts.values())} files: {tally}; {_clock(audio_s)} of audio; "
              f"{cached} unchanged since the last scan, {measured} measured "
              f"({_clock(measured_audio_s)} of audio) in {took:.1f} s"
              + (f"; {skipped} other files skipped (not audio)" if skipped else ""), file=out)
    return EXIT_OK if set(counts) <= {"ok"} else EXIT_PROBLEMS
