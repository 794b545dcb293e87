"""A library scan: cached results first, then every other file measured in parallel.

Each file to measure is one ffmpeg process (:func:`~ketaroom.music_library.measure.measure_file`);
a pool of :func:`default_jobs` threads keeps that many processes running, so every core
decodes (the threads only wait). Results come out as they are ready, each with the gain
playback adds to reach the clinic's target:

``gain_db = min(target − lufs, −1 dBTP − true peak)``

so a quiet track is raised only as far as its true peak allows, and a loud one is always
lowered. A track whose first seconds are more than :data:`LOUD_START_LU` above its
integrated loudness is flagged ``loud_start``.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketaroom.music_library.cache import MusicCache
from ketaroom.music_library.measure import Measurement, Status, find_ffmpeg, measure_file
from ketaroom.music_library.target import DEFAULT_TARGET_LUFS

PEAK_CEILING_DBTP = -1.0
"""No gain may push a track's true peak above this."""
LOUD_START_LU = 6.0
"""``loud_start`` when the first seconds peak more than this above the integrated level."""
COMMIT_EVERY_S = 2.0


def default_jobs() -> int:
    """One ffmpeg process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def gain_db(lufs: float, peak_dbfs: float, target_lufs: float = DEFAULT_TARGET_LUFS) -> float:
    """What playback adds (dB; negative lowers) so the track plays at ``target_lufs``
    without its true peak going above :data:`PEAK_CEILING_DBTP`."""
    return round(min(target_lufs - lufs, PEAK_CEILING_DBTP - peak_dbfs), 2)


@dataclass(frozen=True)
class TrackResult:
    """One line of ``music-scan``: a file, what it measured, and what playback does."""

    path: Path
    measurement: Measurement
    target_lufs: float = DEFAULT_TARGET_LUFS
    cached: bool = False

    @property
    def status(self) -> Status:
        """Shortcut to the measurement's status."""
        return self.measurement.status

    @property
    def gain_db(self) -> float | None:
        """The playback gain for an ``ok`` track; None otherwise."""
        m = self.measurement
        if m.status is not Status.OK or m.lufs is None or m.peak_dbfs is None:
            return None
        return gain_db(m.lufs, m.peak_dbfs, self.target_lufs)

    @property
    def loud_start(self) -> bool | None:
        """Whether the first seconds are much louder than the whole (None: not known)."""
        m = self.measurement
        if m.status is not Status.OK or m.start_lufs is None or m.lufs is None:
            return None
        return m.start_lufs - m.lufs > LOUD_START_LU

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``music-scan --json`` (see docs/cli.md)."""
        m = self.measurement
        return {"path": str(self.path), "status": m.status.value, "reason": m.reason,
                "duration_s": m.duration_s, "lufs": m.lufs, "peak_dbfs": m.peak_dbfs,
                "gain_db": self.gain_db, "start_lufs": m.start_lufs,
                "loud_start": self.loud_start, "codec": m.codec, "title": m.title,
                "artist": m.artist, "album": m.album, "cached": self.cached}


def scan(files: Sequence[Path], cache: MusicCache, *,
         target_lufs: float = DEFAULT_TARGET_LUFS, jobs: int | None = None,
         cancel: threading.Event | None = None) -> Iterator[TrackResult]:
    """Yield one :class:`TrackResult` per file: cached ones at once, the others as their
    measurement finishes (not in ``files`` order). Setting ``cancel`` stops starting new
    files; those already running finish and are yielded. Closing the iterator early
    (``break``, Ctrl+C) drops what has not started. Raises
    :class:`~ketaroom.music_library.measure.ScannerUnavailable` when something needs
    measuring and ffmpeg cannot run.
    """
    todo: list[tuple[Path, str, int, int]] = []
    workers = jobs or default_jobs()
    for path in files:
        try:
            info = path.stat()
        except OSError as exc:
            yield TrackResult(path, Measurement(
                Status.UNREADABLE, f"cannot read the file: {exc.strerror or exc}"), target_lufs)
            continue
        if not stat.S_ISREG(info.st_mode):
            yield TrackResult(path, Measurement(Status.UNSUPPORTED, "not a regular file"),
                              target_lufs)
            continue
        key = os.path.realpath(path)
        known = cache.get(key, info.st_size, info.st_mtime_ns)
        if known is not None:
            yield TrackResult(path, known, target_lufs, cached=True)
        else:
            todo.append((path, key, info.st_size, info.st_mtime_ns))
    if not todo:
        return
    ffmpeg = find_ffmpeg()
    pending = iter(todo)
    running: dict[Future[Measurement], tuple[Path, str, int, int]] = {}
    last_commit = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers,
                            thread_name_prefix="music-scan") as pool:
        try:
            while True:
                while len(running) < workers * 2 and not (
                        cancel is not None and cancel.is_set()):
                    item = next(pending, None)
                    if item is None:
                        break
                    running[pool.submit(measure_file, item[0], ffmpeg)] = item
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    path, key, size, mtime_ns = running.pop(future)
                    measurement = future.result()
                    cache.put(key, size, mtime_ns, measurement)
                    yield TrackResult(path, measurement, target_lufs)
                if time.monotonic() - last_commit > COMMIT_EVERY_S:
                    cache.commit()
                    last_commit = time.monotonic()
        finally:
            for future in running:
                future.cancel()
            cache.commit()
