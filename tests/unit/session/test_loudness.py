"""LibraryLoudness: the player's track gains from the music-library cache, measured
in the background when unknown; the room's loudness target setting."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ketaroom.music_library.cache import MusicCache, cache_path
from ketaroom.music_library.measure import Measurement, Status
from ketaroom.session.loudness import LibraryLoudness
from ketaroom.store.paths import settings_path
from ketaroom.store.settings import load_settings
from tests.helpers.music_files import have_encoder


def store(data_dir: Path, path: Path, lufs: float, peak: float) -> None:
    info = path.stat()
    with MusicCache(cache_path(data_dir)) as cache:
        cache.put(str(path.resolve()), info.st_size, info.st_mtime_ns,
                  Measurement(Status.OK, lufs=lufs, peak_dbfs=peak, duration_s=1.0))


def test_known_gain_follows_the_target_and_the_peak(tmp_path: Path) -> None:
    track = tmp_path / "a.ogg"
    track.write_bytes(b"x" * 10)
    store(tmp_path, track, -13.0, -2.0)
    loudness = LibraryLoudness(tmp_path, -23.0, shipped_dir=tmp_path / "shipped")
    assert loudness.known_gain_db(track) == -10.0
    loudness.target_lufs = -10.0
    assert loudness.known_gain_db(track) == 1.0  # +3 wanted, the peak allows +1
    track.write_bytes(b"y" * 11)  # changed in place: not known any more
    assert loudness.known_gain_db(track) is None
    assert loudness.known_gain_db(tmp_path / "missing.ogg") is None


def test_shipped_music_is_known_without_measuring(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "calm.ogg").write_bytes(b"x")
    loudness = LibraryLoudness(tmp_path, -23.0, shipped_dir=shipped)
    assert loudness.known_gain_db(shipped / "calm.ogg") == 0.0
    loudness.target_lufs = -30.0
    assert loudness.known_gain_db(shipped / "calm.ogg") == -7.0
    loudness.target_lufs = -14.0
    assert loudness.known_gain_db(shipped / "calm.ogg") == 0.0  # never raised blind


@pytest.mark.skipif(not have_encoder(), reason="ffmpeg is not installed")
def test_unknown_tracks_are_measured_off_the_calling_thread(tmp_path: Path) -> None:
    sr = 44100
    t = np.arange(sr * 2) / sr
    x = 0.5 * np.sin(2 * np.pi * 440 * t)
    track = tmp_path / "tone.wav"
    sf.write(str(track), np.stack([x, x], axis=1), sr)
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all")
    loudness = LibraryLoudness(tmp_path, -23.0, shipped_dir=tmp_path / "shipped")
    got: dict[Path, float | None] = {}
    threads: set[str] = set()
    done = threading.Event()

    def on_gain(path: Path, gain: float | None) -> None:
        threads.add(threading.current_thread().name)
        got[path] = gain
        if len(got) == 2:
            done.set()

    try:
        loudness.measure([track, bad, track], on_gain)
        assert done.wait(30)
    finally:
        loudness.close()
    assert threads == {"ketaroom-loudness"}
    assert got[bad] is None
    assert got[track] is not None and got[track] < -5
    # stored in the music-scan cache: known at once next time
    again = LibraryLoudness(tmp_path, -23.0, shipped_dir=tmp_path / "shipped")
    assert again.known_gain_db(track) == pytest.approx(got[track])


def test_loudness_target_is_a_validated_room_setting(tmp_path: Path) -> None:
    assert load_settings(tmp_path).loudness_target == -23.0
    for value, expected in ((-18, -18.0), (-80, -23.0), ("loud", -23.0), (True, -23.0)):
        settings_path(tmp_path).write_text(json.dumps(
            {"rooms": [{"name": "A", "loudness_target": value}], "current_room": "A"}))
        settings = load_settings(tmp_path)
        assert settings.loudness_target == expected, value
        assert (settings.problem is None) == (value == -18), value
