"""The board's chime: a short, soft WAV made at run time, played through libVLC."""

from __future__ import annotations

import wave
from pathlib import Path

from ketaroom.board.chime import LEVEL, Chime, chime_samples, write_chime


def test_the_chime_is_short_and_soft(tmp_path: Path):
    path = write_chime(tmp_path / "chime.wav")
    with wave.open(str(path)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.5 <= seconds <= 2.0
    peak = max(abs(s) for s in chime_samples()) / 32_767
    assert 0.05 < peak <= LEVEL, "audible, never loud"


def test_ringing_through_libvlc_counts_and_never_raises(qtbot):
    chime = Chime("dummy")
    try:
        chime.ring()
        chime.ring()
        assert chime.rung == 2
    finally:
        chime.close()
