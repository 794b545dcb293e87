"""Test audio: short tones written at test time, and an amem capture of both decks.

``Capture`` is a ``sample_sink`` for :class:`VlcPlayer`: it keeps every buffer per deck
with its wall time and (optionally) paces the amem output at real time, so wall-clock
fades line up with the audio.

Pacing follows each buffer's own date, like a real output with ``LEAD_S`` of buffer: amem
calls the sink on the decoder thread with ``pts`` = the libVLC clock time the buffer is due
(``libvlc_delay(pts)`` in libvlc.h), and the sink returns once ``now ≥ due − LEAD_S``.
Sleeping each buffer's duration instead adds the sink's own cost (the volume stage, the
copy, scheduling) to every buffer: the decoder falls ~20 ms/s further behind the input
clock, and libVLC's audio core *drops* any buffer more than 60 ms late ("buffer too late:
dropped", ``AOUT_MAX_PTS_DELAY``) — a real 23 ms hole in the capture that no product code
causes (seen on a loaded 2-core machine with libVLC 3.0.24).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import vlc

SR = 44100
LEAD_S = 0.1
"""How far ahead of its due time the capture consumes a buffer: a decoder stall up to
``LEAD_S`` + 60 ms costs no audio (see the module docstring)."""


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


def phase_breaks(buffers: list[np.ndarray], freq: float, tol_rad: float = 0.1) -> list[int]:
    """Indices ``i`` where buffer ``i`` does not continue buffer ``i − 1``'s sine.

    ``buffers``: one channel each, in order, of a steady ``freq`` Hz tone at any gain. Each
    buffer's phase is fitted by least squares (so a gain step between or inside buffers
    changes nothing); the next buffer must start where this one's phase, advanced by its
    sample count, says. A lost buffer of 1024 samples at 440 Hz shifts the phase by
    1.37 rad; a restart or any hole in the samples shows the same way. It needs neither
    the buffers' pts nor their timing.
    """
    omega = 2 * np.pi * freq / SR
    phases = []
    for x in buffers:
        t = np.arange(x.size)
        basis = np.stack([np.sin(omega * t), np.cos(omega * t)], axis=1)
        (a, b), *_ = np.linalg.lstsq(basis, x.astype(float), rcond=None)
        phases.append(np.arctan2(b, a))
    breaks = []
    for i in range(1, len(buffers)):
        expected = phases[i - 1] + omega * buffers[i - 1].size
        error = np.angle(np.exp(1j * (phases[i] - expected)))
        if abs(error) > tol_rad:
            breaks.append(i)
    return breaks


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
            ahead_s = (pts - vlc.libvlc_clock()) / 1e6
            time.sleep(max(0.0, ahead_s - LEAD_S))

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
