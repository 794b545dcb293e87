"""The clinic's music library behind the window: :class:`MusicLibrary` (no Qt).

Owns the list of library folders (``music-folders.json`` in the data folder), scans them
on a worker thread (:class:`LibraryScan`: results as they finish, files done, time left,
cancellable) with the music-scan cache, and saves playlists as M3U8 with paths relative
to the playlist into the clinic's playlists folder. The window (``ketaroom.ui``) reaches
the library only through this object and never blocks on it.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ketaroom.core.atomic_file import write_atomic
from ketaroom.core.safe_read import read_text
from ketaroom.music_library.cache import MusicCache, cache_path
from ketaroom.music_library.files import find_audio
from ketaroom.music_library.measure import ScannerUnavailable
from ketaroom.music_library.scan import DEFAULT_TARGET_LUFS, TrackResult, scan
from ketaroom.store.paths import playlists_dir

FOLDERS_FILE = "music-folders.json"
_UNSAFE_NAME = re.compile(r"[^\w .()-]+")


@dataclass(frozen=True)
class ScanProgress:
    """How far a scan is: ``done`` of ``total`` files, and a guess at the time left."""

    done: int
    total: int
    left_s: float | None
    """``None`` until enough files were measured to guess."""


class LibraryScan:
    """One scan on its own thread. ``on_result`` gets each :class:`TrackResult`,
    ``on_progress`` a :class:`ScanProgress` after each, ``on_done`` the error text (or
    ``None``) at the end — all on the scan thread: the window re-emits them as signals."""

    def __init__(self, folders: Sequence[Path], data_dir: Path | None, target_lufs: float,
                 on_result: Callable[[TrackResult], None],
                 on_progress: Callable[[ScanProgress], None],
                 on_done: Callable[[str | None], None]) -> None:
        self._cancel = threading.Event()
        self._args = (list(folders), data_dir, target_lufs)
        self._callbacks = (on_result, on_progress, on_done)
        self._thread = threading.Thread(target=self._run, name="ketaroom-library-scan",
                                        daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Start no more files; those being measured finish (a second or so)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def join(self, timeout_s: float) -> bool:
        """Wait (bounded) for the scan to end; True when it did."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        folders, data_dir, target = self._args
        on_result, on_progress, on_done = self._callbacks
        error: str | None = None
        try:
            files = find_audio(folders).files
            started, measured_s, measured = time.monotonic(), 0.0, 0
            on_progress(ScanProgress(0, len(files), None))
            with MusicCache(cache_path(data_dir) if data_dir is not None else None) as cache, \
                    closing(scan(files, cache, target_lufs=target, cancel=self._cancel)) as results:
                for done, result in enumerate(results, 1):
                    on_result(result)
                    if not result.cached:
                        measured += 1
                        measured_s = time.monotonic() - started
                    left = None
                    if measured >= 2:
                        left = measured_s / measured * (len(files) - done)
                    on_progress(ScanProgress(done, len(files), left))
        except ScannerUnavailable as exc:
            error = str(exc)
        except OSError as exc:
            error = f"the library cannot be read: {exc}"
        on_done(error)


class MusicLibrary:
    """The library folders, scans of them, and playlists built from them."""

    def __init__(self, data_dir: Path,
                 target_lufs: Callable[[], float] = lambda: DEFAULT_TARGET_LUFS) -> None:
        self.data_dir = Path(data_dir)
        self._target = target_lufs

    @property
    def playlists_dir(self) -> Path:
        return playlists_dir(self.data_dir)

    def folders(self) -> list[Path]:
        """The library folders, in the order they were added (unreadable file: none)."""
        try:
            data = json.loads(read_text(self.data_dir / FOLDERS_FILE, 1_000_000))
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        return [Path(p) for p in data if isinstance(p, str) and p]

    def add_folder(self, folder: Path) -> list[Path]:
        """Add ``folder`` (once); returns the folders."""
        folders = self.folders()
        folder = Path(os.path.abspath(folder))
        if folder not in folders:
            folders.append(folder)
            write_atomic(self.data_dir / FOLDERS_FILE,
                         json.dumps([str(p) for p in folders], indent=2) + "\n")
        return folders

    def scan(self, on_result: Callable[[TrackResult], None],
             on_progress: Callable[[ScanProgress], None],
             on_done: Callable[[str | None], None]) -> LibraryScan:
        """Scan every library folder in the background (cached files come at once)."""
        return LibraryScan(self.folders(), self.data_dir, self._target(), on_result,
                           on_progress, on_done)

    def save_playlist(self, name: str, tracks: Sequence[Path]) -> Path:
        """Write ``tracks`` as ``<name>.m3u8`` into the clinic's playlists folder, each
        path relative to that folder; returns the file. Raises ``ValueError`` for an empty
        name or list, ``OSError`` when it cannot be written."""
        stem = _UNSAFE_NAME.sub("", name).strip()
        if not stem or not tracks:
            raise ValueError("a playlist needs a name and at least one track")
        folder = self.playlists_dir
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}.m3u8"
        lines = ["#EXTM3U"]
        for track in tracks:
            lines.append(Path(os.path.relpath(os.path.abspath(track), folder)).as_posix())
        write_atomic(target, "\n".join(lines) + "\n")
        return target
