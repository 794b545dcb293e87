"""Measuring one real file with ffmpeg: every status, odd rates and channels, loud starts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from ketaroom.music_library import TrackResult
from ketaroom.music_library.measure import (
    FFMPEG_ENV,
    ScannerUnavailable,
    Status,
    find_ffmpeg,
    measure_file,
)
from tests.helpers.music_files import have_encoder, music, reference_lufs, write_track

pytestmark = pytest.mark.skipif(not have_encoder(),
                                reason="ffmpeg is not installed (.ci/install installs it)")


@pytest.fixture
def ffmpeg() -> str:
    return find_ffmpeg()


@pytest.mark.parametrize(("fmt", "sr", "channels"), [
    ("wav16", 8000, 2), ("wav24", 96000, 2), ("wav16", 44100, 1), ("flac", 96000, 1),
])
def test_odd_rates_and_mono_measure_right(tmp_path: Path, ffmpeg: str, fmt: str, sr: int,
                                          channels: int) -> None:
    samples = music(6.0, sr, -24.0, channels=channels, seed=sr)
    path = write_track(tmp_path / "t", fmt, samples, sr)

    m = measure_file(path, ffmpeg)

    assert m.status is Status.OK, m.reason
    assert m.lufs == pytest.approx(reference_lufs(samples, sr), abs=0.5)
    assert m.duration_s == pytest.approx(6.0, abs=0.01)
    assert m.peak_dbfs is not None and m.peak_dbfs >= 20 * np.log10(np.abs(samples).max()) - 0.1


def test_mono_is_measured_as_played_on_two_speakers(tmp_path: Path, ffmpeg: str) -> None:
    samples = music(6.0, 44100, -24.0, channels=1)
    path = write_track(tmp_path / "mono", "wav16", samples, 44100)
    mono_lufs = pyloudnorm.Meter(44100).integrated_loudness(samples.astype(np.float64))

    m = measure_file(path, ffmpeg)

    assert m.lufs == pytest.approx(mono_lufs + 3.0, abs=0.3)


def test_a_loud_start_is_flagged_and_a_steady_one_is_not(tmp_path: Path, ffmpeg: str) -> None:
    sr = 44100
    jolt = music(20.0, sr, -30.0, loud_start_db=12.0)
    steady = music(20.0, sr, -30.0)
    jolt_m = measure_file(write_track(tmp_path / "jolt", "flac", jolt, sr), ffmpeg)
    steady_m = measure_file(write_track(tmp_path / "steady", "flac", steady, sr), ffmpeg)
    meter = pyloudnorm.Meter(sr, block_size=0.4)
    momentary = [meter.integrated_loudness(jolt[end - int(0.4 * sr):end].astype(np.float64))
                 for end in range(int(0.4 * sr), 5 * sr + 1, sr // 10)]

    assert jolt_m.start_lufs == pytest.approx(max(momentary), abs=1.0)
    assert TrackResult(Path("j"), jolt_m).loud_start is True
    assert TrackResult(Path("s"), steady_m).loud_start is False


def test_empty_and_zero_length_files(tmp_path: Path, ffmpeg: str) -> None:
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    no_frames = tmp_path / "no_frames.wav"
    sf.write(str(no_frames), np.zeros((0, 2), np.float32), 44100)

    assert measure_file(empty, ffmpeg).status is Status.EMPTY
    m = measure_file(no_frames, ffmpeg)
    assert m.status is Status.EMPTY, m
    assert m.reason


def test_broken_files_get_a_reason(tmp_path: Path, ffmpeg: str) -> None:
    garbage = tmp_path / "song.mp3"
    garbage.write_bytes(bytes(range(256)) * 40)
    flac = write_track(tmp_path / "whole", "flac", music(8.0), 44100)
    truncated = tmp_path / "truncated.flac"
    truncated.write_bytes(flac.read_bytes()[:5000])

    for path in (garbage, truncated):
        m = measure_file(path, ffmpeg)
        assert m.status is Status.UNPLAYABLE, (path, m)
        assert m.reason and "@" not in m.reason and str(tmp_path) not in m.reason


def test_files_without_audio_are_unsupported(tmp_path: Path, ffmpeg: str) -> None:
    image = tmp_path / "cover.jpg"
    video = tmp_path / "clip.mp4"
    for target, source in ((image, ["-frames:v", "1"]), (video, ["-t", "1", "-c:v", "mpeg4"])):
        subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "color=red:s=16x16",
                        *source, str(target)], check=True)

    for path in (image, video):
        m = measure_file(path, ffmpeg)
        assert m.status is Status.UNSUPPORTED, m
        assert m.reason is not None and "no audio" in m.reason


@pytest.mark.parametrize(("name", "codec"), [
    ("song.wma", ["-c:a", "wmav2"]), ("song.m4a", ["-c:a", "alac"]),
    ("song.aiff", ["-c:a", "pcm_s16be"]), ("song.mka", ["-c:a", "libvorbis"]),
])
def test_other_formats_clinics_have(tmp_path: Path, ffmpeg: str, name: str,
                                    codec: list[str]) -> None:
    source = write_track(tmp_path / "source", "wav16", music(3.0), 44100)
    path = tmp_path / name
    subprocess.run([ffmpeg, "-v", "error", "-i", str(source), *codec, str(path)], check=True)

    m = measure_file(path, ffmpeg)

    assert m.status is Status.OK, m
    assert m.duration_s == pytest.approx(3.0, abs=0.1)  # WMA pads its last frame


@pytest.mark.parametrize("ext", ["mp3", "ogg", "m4a", "flac"])
def test_title_artist_and_album_come_from_the_tags(tmp_path: Path, ffmpeg: str,
                                                   ext: str) -> None:
    source = write_track(tmp_path / "source", "wav16", music(2.0), 44100)
    path = tmp_path / f"tagged.{ext}"
    subprocess.run([ffmpeg, "-v", "error", "-i", str(source), "-metadata", "title=Stille Nacht",
                    "-metadata", "artist=Ólafur & Co", "-metadata", "album=Calm: Vol. 2",
                    str(path)], check=True)

    m = measure_file(path, ffmpeg)

    assert (m.title, m.artist, m.album) == ("Stille Nacht", "Ólafur & Co", "Calm: Vol. 2")


def test_midi_is_unsupported(tmp_path: Path, ffmpeg: str) -> None:
    midi = tmp_path / "lullaby.mid"
    midi.write_bytes(b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60MTrk\x00\x00\x00\x04"
                     b"\x00\xff\x2f\x00")

    m = measure_file(midi, ffmpeg)

    assert m.status is Status.UNSUPPORTED
    assert m.reason is not None and "MIDI" in m.reason


def test_protected_m4a_is_drm(tmp_path: Path, ffmpeg: str) -> None:
    m4a = write_track(tmp_path / "bought", "m4a", music(3.0), 44100).read_bytes()
    entry = m4a.index(b"mp4a", m4a.index(b"stsd"))
    protected = tmp_path / "bought.m4p"
    protected.write_bytes(m4a[:entry] + b"drms" + m4a[entry + 4:])

    m = measure_file(protected, ffmpeg)

    assert m.status is Status.DRM
    assert m.reason


def test_silence_and_too_short(tmp_path: Path, ffmpeg: str) -> None:
    silence = tmp_path / "silence.wav"
    sf.write(str(silence), np.zeros((44100 * 3, 2), np.float32), 44100)
    blip = write_track(tmp_path / "blip", "wav16", music(0.2, rms_dbfs=-20.0), 44100)

    assert measure_file(silence, ffmpeg).status is Status.SILENT
    short = measure_file(blip, ffmpeg)
    assert short.status is Status.TOO_SHORT, short
    assert short.duration_s == pytest.approx(0.2, abs=0.01)


def test_awkward_file_names(tmp_path: Path, ffmpeg: str) -> None:
    path = write_track(tmp_path / "-01 http:Intro ü", "ogg", music(3.0), 44100)

    assert measure_file(path, ffmpeg).status is Status.OK


def test_a_decoder_that_takes_too_long_is_given_up(tmp_path: Path, ffmpeg: str) -> None:
    path = write_track(tmp_path / "long", "flac", music(60.0), 44100)

    m = measure_file(path, ffmpeg, timeout_s=0.001)

    assert m.status is Status.ERROR
    assert m.reason is not None and "longer than" in m.reason


def test_no_ffmpeg_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FFMPEG_ENV, "/nonexistent/ffmpeg")

    with pytest.raises(ScannerUnavailable, match="apt-get install"):
        find_ffmpeg()
