"""The clinic's own music library: find audio files, measure their loudness, cache it.

Owns ``ketaroom music-scan`` below the command line: which files count
(:mod:`.files`), how one file is decoded and measured (:mod:`.measure`, ffmpeg's EBU R128
meter), the per-file results cache in the data folder (:mod:`.cache`) and the parallel
scan that ties them together with the playback gain (:mod:`.scan`). Pure Python plus an
``ffmpeg`` executable: no Qt, no libVLC.

The names below are loaded on first use (the settings need only the loudness target,
:mod:`.target`, and the window's first frame the settings: issue 14).
"""

from __future__ import annotations

from ketaroom.core.lazy import lazy_attributes

_HOMES = {"DEFAULT_TARGET_LUFS": "ketaroom.music_library.target",
          "Measurement": "ketaroom.music_library.measure",
          "Status": "ketaroom.music_library.measure",
          "TrackResult": "ketaroom.music_library.scan",
          "gain_db": "ketaroom.music_library.scan",
          "scan": "ketaroom.music_library.scan"}

__all__ = sorted(_HOMES)

__getattr__ = lazy_attributes(__name__, _HOMES)
