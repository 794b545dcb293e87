"""The smallest valid audio file, for tests that need a real track but never hear it."""

from __future__ import annotations

import wave
from pathlib import Path


def write_wav(path: Path) -> Path:
    """A tiny valid WAV file (10 ms of silence)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 80)
    return path
