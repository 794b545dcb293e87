"""Test audio: short tones written at test time, and an amem capture of both decks.

``Capture`` is a ``sample_sink`` for :class:`VlcPlayer`: it keeps every buffer per deck
with its wall time and (optionally) sleeps for the buffer's duration, so the amem
output runs at real time and wall-clock fades line up with the audio.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 44100


def write_tone(path: Path, freq: float = 440.0, seconds: float = 3.0,
               amp: float = 0.9) -> Path:
    """A loud sine (≈ −4 dBFS RMS): any blast is obvious in the capture."""
    t = np.arange(int(SR * seconds)) / SR
    x = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    sf.write(str(path), np.stack([x, x], axis=1), SR)
    return path


def tone_rms_db(amp: float = 0.9) -> float:
    return float(20 * np.log10(amp / np.sqrt(2)))


def rms_db(x: np.ndarray) -> float:
    if x.size == 0:
        return -200.0
    v = x.astype(np.float64) / 32768.0
    return float(20 * np.log10(np.sqrt(np.mean(v * v)) + 1e-10))


@dataclass
class Chunk:
    wall: float
    pts: int
    samples: np.ndarray  # int16 interleaved stereo


@dataclass
class Capture:
    realtime: bool = True
    chunks: dict[int, list[Chunk]] = field(default_factory=lambda: {0: [], 1: []})
    lock: threading.Lock = field(default_factory=threading.Lock)
    starts: dict[int, int] = field(default_factory=lambda: {0: 0, 1: 0})

    def __call__(self, deck: int, data: bytes, pts: int) -> None:
        if pts == -1:
            with self.lock:
                self.starts[deck] += 1
                self.chunks[deck].append(Chunk(time.monotonic(), -1, np.zeros(0, np.int16)))
            return
        a = np.frombuffer(data, dtype=np.int16).copy()
        with self.lock:
            self.chunks[deck].append(Chunk(time.monotonic(), pts, a))
        if self.realtime:
            time.sleep(a.size / 2 / SR)

    def snapshot(self, deck: int) -> list[Chunk]:
        with self.lock:
            return list(self.chunks[deck])

    def streams(self, deck: int) -> list[np.ndarray]:
        """Samples of each separate start on ``deck`` (split at the start markers)."""
        out: list[list[np.ndarray]] = []
        for c in self.snapshot(deck):
            if c.pts == -1:
                out.append([])
            elif out:
                out[-1].append(c.samples)
        return [np.concatenate(s) if s else np.zeros(0, np.int16) for s in out]

    def window_db(self, deck: int, since: float, until: float) -> float:
        parts = [c.samples for c in self.snapshot(deck) if since <= c.wall <= until]
        return rms_db(np.concatenate(parts)) if parts else -200.0
