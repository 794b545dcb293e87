"""Loudness-normalised playback through real libVLC, heard through amem capture.

Tracks are steady tones written at an exact file loudness (pyloudnorm), measured by the
real music-library scan (ffmpeg) into the real cache, and played by :class:`VlcPlayer`
with the session layer's :class:`LibraryLoudness`. What the capture hears is measured
with pyloudnorm again: the gain path is judged on the samples that would reach the
speakers, not on what the engine meant to send.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from ketaroom.core.targets import MusicTarget
from ketaroom.devices.music import VlcPlayer
from ketaroom.devices.music.api import GainSink
from ketaroom.devices.music.engine import SAFE_GAIN_DB
from ketaroom.devices.music.levels import pct_to_db
from ketaroom.music_library.cache import MusicCache, cache_path
from ketaroom.music_library.scan import scan
from ketaroom.session.loudness import LibraryLoudness
from tests.helpers.music_files import have_encoder
from tests.integration.audio_fixtures import SR, Capture, rms_db

vlc = pytest.importorskip("vlc")
if vlc.Instance(["--aout=adummy", "--quiet"]) is None:  # pragma: no cover
    pytest.skip("libVLC plugins missing", allow_module_level=True)
pytestmark = pytest.mark.skipif(not have_encoder(), reason="ffmpeg is not installed")

VOLUME_PCT = 50.0
"""Deck volume of every test (−18 dB): room for a quiet track's positive gain."""
LEVEL_DB = pct_to_db(VOLUME_PCT)
TARGET = -23.0
METER = pyloudnorm.Meter(SR)


def write_at_lufs(path: Path, lufs: float, seconds: float, freq: float = 997.0,
                  clicks_dbfs: float | None = None) -> Path:
    """A steady stereo tone whose integrated loudness is ``lufs``; ``clicks_dbfs`` adds a
    one-sample click of that peak every 0.25 s (a high peak that barely moves loudness)."""
    t = np.arange(int(SR * seconds)) / SR
    x = np.sin(2 * np.pi * freq * t)
    stereo = np.stack([x, x], axis=1)
    stereo *= 10 ** ((lufs - METER.integrated_loudness(stereo)) / 20)
    if clicks_dbfs is not None:
        stereo[:: SR // 4, :] = 10 ** (clicks_dbfs / 20)
    sf.write(str(path), stereo.astype(np.float32), SR, subtype="PCM_24")
    return path


def captured_lufs(samples: np.ndarray) -> float:
    """pyloudnorm's integrated loudness of interleaved S16 stereo samples."""
    stereo = samples.reshape(-1, 2).astype(np.float64) / 32768.0
    return float(METER.integrated_loudness(stereo))


def pre_scan(data_dir: Path, files: Sequence[Path]) -> dict[Path, float | None]:
    """Measure ``files`` into the data folder's cache (as ``ketaroom music-scan`` would)."""
    with MusicCache(cache_path(data_dir)) as cache, closing(scan(files, cache)) as results:
        return {r.path: r.gain_db for r in results}


def wait_for(pred: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)  # the poll interval of this wait
    return False


def stream_seconds(cap: Capture, deck: int) -> float:
    streams = cap.streams(deck)
    return len(streams[0]) / 2 / SR if streams else 0.0


def part(cap: Capture, deck: int, start_s: float, end_s: float) -> np.ndarray:
    """Interleaved samples of the deck's first start between two times into the track."""
    return cap.streams(deck)[0][int(start_s * SR) * 2:int(end_s * SR) * 2]


@pytest.fixture
def loudness(tmp_path: Path) -> Iterator[LibraryLoudness]:
    (tmp_path / "data").mkdir()
    source = LibraryLoudness(tmp_path / "data", TARGET)
    yield source
    source.close()


def play(cap: Capture, loudness: object, target: MusicTarget) -> VlcPlayer:
    player = VlcPlayer(sample_sink=cap, seed=1, loudness=loudness)  # type: ignore[arg-type]
    player.apply(target)
    assert player.flush(8)
    return player


def test_tracks_20_db_apart_play_within_1_lu(tmp_path: Path,
                                             loudness: LibraryLoudness) -> None:
    """A −13 and a −33 LUFS track, scanned first, played in sequence (crossfade at the
    end of the first): each settles at the target plus the deck's level, within 1 LU of
    each other; without normalisation they would be 20 LU apart."""
    loud = write_at_lufs(tmp_path / "loud.wav", -13.0, 5.0, 997.0)
    quiet = write_at_lufs(tmp_path / "quiet.wav", -33.0, 5.0, 660.0)
    gains = pre_scan(tmp_path / "data", [loud, quiet])
    assert gains[loud] == pytest.approx(-10.0, abs=0.3)
    assert gains[quiet] == pytest.approx(10.0, abs=0.3)
    cap = Capture(realtime=True)
    player = play(cap, loudness, MusicTarget((loud, quiet), VOLUME_PCT, 1.0, loop=False))
    try:
        assert wait_for(lambda: stream_seconds(cap, 1) >= 3.5, 15)
    finally:
        player.close()
    first, second = part(cap, 0, 1.5, 3.5), part(cap, 1, 1.5, 3.5)
    first_lufs, second_lufs = captured_lufs(first), captured_lufs(second)
    print(f"\nloud file −13 LUFS played at {first_lufs:.2f} LUFS, quiet file −33 LUFS at "
          f"{second_lufs:.2f} LUFS: difference {abs(first_lufs - second_lufs):.2f} LU "
          f"(deck at {VOLUME_PCT:g} % = {LEVEL_DB:.1f} dB)")
    assert abs(first_lufs - second_lufs) <= 1.0
    assert first_lufs == pytest.approx(TARGET + LEVEL_DB, abs=1.0)
    assert second_lufs == pytest.approx(TARGET + LEVEL_DB, abs=1.0)


class HeldLoudness:
    """The real :class:`LibraryLoudness`, whose results are held back until ``release``:
    lets the test hear the safe default before the measurement lands mid-track."""

    def __init__(self, inner: LibraryLoudness) -> None:
        self.inner = inner
        self.released = threading.Event()

    def known_gain_db(self, path: Path) -> float | None:
        return self.inner.known_gain_db(path) if self.released.is_set() else None

    def measure(self, paths: Sequence[Path], done: GainSink) -> None:
        def later(path: Path, gain: float | None) -> None:
            self.released.wait(30)
            done(path, gain)

        self.inner.measure(paths, later)


def test_unscanned_loud_track_starts_at_the_safe_default_and_glides(
        tmp_path: Path, loudness: LibraryLoudness) -> None:
    """A −6 LUFS track never scanned: quiet for its first 200 ms, then at the safe default
    gain, then — once measured in the background — a slow glide down to the target, no
    window ever louder than the safe default level."""
    blast = write_at_lufs(tmp_path / "blast.wav", -6.0, 12.0)
    held = HeldLoudness(loudness)
    cap = Capture(realtime=True)
    player = play(cap, held, MusicTarget((blast,), VOLUME_PCT, 0.5, loop=False))
    try:
        assert wait_for(lambda: stream_seconds(cap, 0) >= 2.0)
        held.released.set()
        assert wait_for(lambda: stream_seconds(cap, 0) >= 11.0, 15)
    finally:
        player.close()
    stream = cap.streams(0)[0]
    safe = -6.0 + LEVEL_DB + SAFE_GAIN_DB
    normal = TARGET + LEVEL_DB
    tone_rms = rms_db(part(cap, 0, 1.0, 2.0))
    assert captured_lufs(part(cap, 0, 1.0, 2.0)) == pytest.approx(safe, abs=0.5)
    file_rms = tone_rms - LEVEL_DB - SAFE_GAIN_DB  # the tone as written in the file
    assert rms_db(stream[: int(SR * 0.2) * 2]) <= file_rms - 40
    win = int(SR * 0.1) * 2
    levels = [rms_db(stream[i:i + win]) for i in range(0, int(10.5 * SR) * 2, win)]
    assert max(levels) <= tone_rms + 0.3
    steps = np.diff(levels[12:])  # from 1.2 s: the glide and after
    assert np.max(np.abs(steps)) <= 0.35, np.round(steps, 2)
    assert captured_lufs(part(cap, 0, 10.0, 11.0)) == pytest.approx(normal, abs=0.5)


def test_peak_rule_limits_a_quiet_track_with_high_peaks(
        tmp_path: Path, loudness: LibraryLoudness) -> None:
    """A −33 LUFS track with clicks at −4 dBFS would need +10 dB, but its peak may rise
    only to −1 dBFS (at 0 dB deck level): it plays 3 dB up, not 10, and its clicks,
    heard relative to the deck's level, stay at −1 dBFS at most."""
    spiky = write_at_lufs(tmp_path / "spiky.wav", -33.0, 4.0, clicks_dbfs=-4.0)
    gain = pre_scan(tmp_path / "data", [spiky])[spiky]
    assert gain is not None and gain < 5.0
    cap = Capture(realtime=True)
    player = play(cap, loudness, MusicTarget((spiky,), VOLUME_PCT, 0.3, loop=False))
    try:
        assert wait_for(lambda: stream_seconds(cap, 0) >= 3.0)
    finally:
        player.close()
    body = part(cap, 0, 0.5, 3.0).astype(np.float64) / 32768.0
    peak_dbfs = 20 * np.log10(np.max(np.abs(body))) - LEVEL_DB
    assert -1.5 <= peak_dbfs <= -1.0 + 0.2
    written, _ = sf.read(str(spiky))
    heard = captured_lufs(part(cap, 0, 0.5, 3.0)) - LEVEL_DB
    assert heard == pytest.approx(METER.integrated_loudness(written) + gain, abs=0.5)
    assert heard < TARGET - 5


def test_a_new_target_glides_the_track_playing_there(tmp_path: Path,
                                                     loudness: LibraryLoudness) -> None:
    """Issue 16: the clinic lowers the loudness target by 3 LU mid-track: the track
    playing glides down 3 dB at 1 dB/s (no step over 0.35 dB per 100 ms) and settles at the
    new target; it does not wait for the next track."""
    track = write_at_lufs(tmp_path / "steady.wav", -23.0, 8.0)
    assert pre_scan(tmp_path / "data", [track])[track] == pytest.approx(0.0, abs=0.3)
    cap = Capture(realtime=True)
    player = play(cap, loudness, MusicTarget((track,), VOLUME_PCT, 0.3, loop=False))
    try:
        assert wait_for(lambda: stream_seconds(cap, 0) >= 1.5)
        loudness.target_lufs = TARGET - 3.0  # what RoomService.apply_settings does
        player.refresh_gains()
        assert wait_for(lambda: stream_seconds(cap, 0) >= 6.0, 10)
    finally:
        player.close()
    before, after = part(cap, 0, 1.0, 1.5), part(cap, 0, 5.0, 5.8)  # faded in; glided
    assert captured_lufs(before) == pytest.approx(TARGET + LEVEL_DB, abs=0.5)
    assert captured_lufs(after) == pytest.approx(TARGET - 3.0 + LEVEL_DB, abs=0.5)
    win = int(SR * 0.1) * 2
    stream = cap.streams(0)[0]
    levels = [rms_db(stream[i:i + win])
              for i in range(int(1.0 * SR) * 2, int(5.8 * SR) * 2, win)]
    steps = np.diff(levels)
    assert np.max(np.abs(steps)) <= 0.35, np.round(steps, 2)  # a glide, never a step
    assert levels[-1] - levels[0] == pytest.approx(-3.0, abs=0.4)
