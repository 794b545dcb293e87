"""Real audio files of every format music-scan reads, generated at test (or bench) time.

:func:`music` makes a music-like signal (pink noise under a slow chord, with a swelling
envelope) at a chosen RMS level; :func:`write_track` writes it as WAV (16/24-bit), FLAC
or OGG Vorbis through libsndfile, or as MP3, AAC (M4A) or Opus through Debian's ffmpeg
encoders (libmp3lame, the native AAC encoder, libopus). :func:`reference_lufs` is the
independent measurement (pyloudnorm, on the samples before encoding) that music-scan's
figures are checked against; :func:`true_peak_dbfs` (scipy's polyphase 4× oversampling)
is the reference for the true peak.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pyloudnorm
import soundfile as sf
from scipy.signal import resample_poly

FORMATS: dict[str, str] = {
    "wav16": "wav", "wav24": "wav", "flac": "flac", "ogg": "ogg",
    "mp3": "mp3", "m4a": "m4a", "opus": "opus",
}
"""Format name → file extension."""
_SNDFILE = {"wav16": ("WAV", "PCM_16"), "wav24": ("WAV", "PCM_24"),
            "flac": ("FLAC", "PCM_24"), "ogg": ("OGG", "VORBIS")}
_FFMPEG = {"mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
           "m4a": ["-c:a", "aac", "-b:a", "192k"],
           "opus": ["-c:a", "libopus", "-b:a", "160k"]}
CHUNK = 1 << 16


def music(seconds: float, sr: int = 44100, rms_dbfs: float = -20.0, channels: int = 2,
          seed: int = 0, loud_start_db: float = 0.0) -> np.ndarray:
    """A float32 (frames, channels) signal whose RMS is ``rms_dbfs`` (before any loud
    start); ``loud_start_db`` raises the first 2 s by that much."""
    rng = np.random.default_rng(seed)
    n = max(1, round(seconds * sr))
    t = np.arange(n) / sr
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    spectrum[1:] /= np.sqrt(freqs[1:])  # pink
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n)
    noise /= np.sqrt(np.mean(noise**2)) + 1e-12
    chord = sum(np.sin(2 * np.pi * f * t + seed) for f in (220.0, 277.2, 329.6)) / 3
    swell = 0.75 + 0.25 * np.sin(2 * np.pi * t / 7.0)
    mono = (0.5 * noise + chord) * swell
    out = np.stack([np.roll(mono, 37 * c) for c in range(channels)], axis=1)
    out *= 10 ** (rms_dbfs / 20) / (np.sqrt(np.mean(out**2)) + 1e-12)
    if loud_start_db:
        head = min(n, 2 * sr)
        out[:head] *= 10 ** (loud_start_db / 20)
    return out.astype(np.float32)


def have_encoder() -> bool:
    """Whether the ffmpeg executable (for MP3, AAC and Opus) is installed."""
    return shutil.which("ffmpeg") is not None


def write_track(path: Path, fmt: str, samples: np.ndarray, sr: int) -> Path:
    """Write ``samples`` to ``path`` (its extension is set from ``fmt``); returns the path."""
    path = Path(path).with_suffix("." + FORMATS[fmt])
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in _SNDFILE:
        container, subtype = _SNDFILE[fmt]
        # one big write of an OGG crashes libsndfile (design.md): write in chunks
        with sf.SoundFile(str(path), "w", sr, samples.shape[1], subtype, format=container) as f:
            for start in range(0, len(samples), CHUNK):
                f.write(samples[start:start + CHUNK])
        return path
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.wav"
        sf.write(str(source), samples, sr, subtype="FLOAT")
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(source),
                        *_FFMPEG[fmt], str(path)], check=True)
    return path


def reference_lufs(samples: np.ndarray, sr: int) -> float:
    """pyloudnorm's BS.1770 integrated loudness; mono is measured as played, on both
    speakers (dual mono)."""
    if samples.shape[1] == 1:
        samples = np.repeat(samples, 2, axis=1)
    return float(pyloudnorm.Meter(sr).integrated_loudness(samples.astype(np.float64)))


def sample_peak_dbfs(samples: np.ndarray) -> float:
    """The highest sample, in dBFS."""
    return float(20 * np.log10(np.max(np.abs(samples)) + 1e-12))


def true_peak_dbfs(samples: np.ndarray) -> float:
    """BS.1770-4 style true peak: the highest sample after 4× oversampling (scipy)."""
    return sample_peak_dbfs(resample_poly(samples.astype(np.float64), 4, 1, axis=0))
