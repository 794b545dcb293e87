"""The clinic's loudness target unless it sets another: the bundled tracks' level.

Its own module so that the settings can name it without loading the scanner (ffmpeg,
the results cache) — the window's first frame reads the settings.
"""

DEFAULT_TARGET_LUFS = -23.0
"""EBU R128 integrated loudness, LUFS."""
