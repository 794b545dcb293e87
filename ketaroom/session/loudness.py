"""Track gains for the music player, from the music-library cache: :class:`LibraryLoudness`.

The player (``ketaroom.devices``) must not read the data folder, so the session layer
builds this :class:`~ketaroom.devices.music.LoudnessSource` and injects it. A lookup is a
``stat`` and one SQLite row (the ``music-scan`` cache, keyed by path, size and mtime); a
measurement is one ffmpeg process, run on this object's own thread — never on the music
worker's tick, never on the Qt main thread — and stored in the same cache, so a track
measured during a session is known to the next ``music-scan`` and the next session.

Gains are computed from the stored loudness and true peak with the room's target at the
moment of the lookup: ``gain_db = min(target − lufs, −1 − true_peak)``. The music (and the test
sound) shipped with ketaroom is mastered at −23 LUFS: unmeasured, it is known to need
``target + 23`` dB, lowered only (its peaks are not known), so it never waits at the safe
default.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from ketaroom.devices.music import LoudnessSource
from ketaroom.devices.music.api import GainSink
from ketaroom.music_library.cache import MusicCache, cache_path
from ketaroom.music_library.measure import Measurement, ScannerUnavailable
from ketaroom.music_library.scan import DEFAULT_TARGET_LUFS, TrackResult, scan
from ketaroom.shipped import RESOURCES_DIR

SHIPPED_LUFS = -23.0
"""The loudness every sound shipped in :data:`~ketaroom.shipped.RESOURCES_DIR` (the music and
the room check's test sound) is mastered at."""

log = logging.getLogger(__name__)


class LibraryLoudness(LoudnessSource):
    """Known gains from the cache; unknown tracks measured one at a time in the background.

    SQLite connections belong to the thread that opened them: each thread that looks a
    gain up gets its own connection to the cache file (``data_dir`` ``None``: an
    in-memory cache shared by nobody, so only this object's measurements are known).
    """

    def __init__(self, data_dir: Path | None, target_lufs: float = DEFAULT_TARGET_LUFS,
                 shipped_dir: Path = RESOURCES_DIR) -> None:
        self.target_lufs = float(target_lufs)
        self._shipped_dir = os.path.realpath(shipped_dir)
        self._path = cache_path(data_dir) if data_dir is not None else None
        self._local = threading.local()
        self._memory: dict[tuple[str, int, int], Measurement] = {}
        """What this object measured, by (path, size, mtime_ns): covers a cache that
        cannot be written."""
        self._lock = threading.Lock()
        self._queued: set[Path] = set()
        self._jobs: queue.Queue[tuple[Path, GainSink] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def _cache(self) -> MusicCache:
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = MusicCache(self._path)
            self._local.cache = cache
        return cache

    def known_gain_db(self, path: Path) -> float | None:
        """The gain of a measured, unchanged ``path`` at the current target, else None."""
        try:
            info = path.stat()
        except OSError:
            return None
        key = (os.path.realpath(path), info.st_size, info.st_mtime_ns)
        with self._lock:
            known = self._memory.get(key)
        if known is None:
            known = self._cache().get(*key)
        if known is None:
            return self._shipped_gain(key[0])
        return TrackResult(path, known, self.target_lufs).gain_db

    def _shipped_gain(self, real_path: str) -> float | None:
        """The gain of an unmeasured shipped track (None: not one of ours)."""
        if os.path.commonpath([real_path, self._shipped_dir]) != self._shipped_dir:
            return None
        return min(self.target_lufs - SHIPPED_LUFS, 0.0)

    def measure(self, paths: Sequence[Path], done: GainSink) -> None:
        """Queue ``paths`` (those not already queued) for measuring; ``done(path, gain)``
        is called on the measuring thread as each finishes."""
        with self._lock:
            if self._closed:
                return
            for path in paths:
                if path not in self._queued:
                    self._queued.add(path)
                    self._jobs.put((path, done))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ketaroom-loudness",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None or self._closed:
                return
            path, done = job
            gain = self._measure_one(path)
            with self._lock:
                self._queued.discard(path)
            try:
                done(path, gain)
            except Exception:  # the player's queue never raises; be safe anyway
                log.exception("loudness listener failed for %s", path)

    def _measure_one(self, path: Path) -> float | None:
        cached = self.known_gain_db(path)
        if cached is not None:
            return cached
        try:
            info = path.stat()
            with closing(scan([path], self._cache(), target_lufs=self.target_lufs,
                              jobs=1)) as results:
                result = next(iter(results), None)
        except (OSError, ScannerUnavailable) as exc:
            log.warning("cannot measure %s: %s", path, exc)
            return None
        if result is None:
            return None
        with self._lock:
            key = (os.path.realpath(path), info.st_size, info.st_mtime_ns)
            self._memory[key] = result.measurement
        return result.gain_db

    def close(self) -> None:
        """Stop the measuring thread after the file it measures (bounded wait)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._jobs.put(None)
        if thread is not None:
            thread.join(5.0)
