"""The clinic's own music library: find audio files, measure their loudness, cache it.

Owns ``ketaroom music-scan`` below the command line: which files count
(:mod:`.files`), how one file is decoded and measured (:mod:`.measure`, ffmpeg's EBU R128
meter), the per-file results cache in the data folder (:mod:`.cache`) and the parallel
scan that ties them together with the playback gain (:mod:`.scan`). Pure Python plus an
``ffmpeg`` executable: no Qt, no libVLC.
"""

from ketaroom.music_library.measure import Measurement, Status
from ketaroom.music_library.scan import DEFAULT_TARGET_LUFS, TrackResult, gain_db, scan

__all__ = ["DEFAULT_TARGET_LUFS", "Measurement", "Status", "TrackResult", "gain_db", "scan"]
