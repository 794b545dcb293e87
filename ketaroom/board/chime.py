"""A soft chime for the nurse station (never played in a treatment room).

The sound is made at run time: two soft sine notes (a falling fifth) with a gentle
attack and a long decay, written once to a WAV file in the temp folder. libVLC plays it
(the room's own player library); where libVLC cannot, Qt's system beep stands in.
"""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from pathlib import Path

from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

RATE = 22_050
NOTES_HZ = (784.0, 523.25)
"""G5 then C5: clear across a room, not alarming."""
NOTE_S = 0.55
LEVEL = 0.22
"""Peak amplitude (of 1.0): soft."""


def chime_samples() -> list[int]:
    """16-bit mono samples of the chime."""
    samples: list[int] = []
    for hz in NOTES_HZ:
        for i in range(int(NOTE_S * RATE)):
            t = i / RATE
            envelope = min(1.0, t / 0.02) * math.exp(-4.5 * t)
            value = LEVEL * envelope * (math.sin(2 * math.pi * hz * t)
                                        + 0.25 * math.sin(4 * math.pi * hz * t)) / 1.25
            samples.append(int(value * 32_767))
    return samples


def write_chime(path: Path) -> Path:
    """Write the chime as a WAV file at ``path``."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        samples = chime_samples()
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


class Chime:
    """Rings the chime; :attr:`rung` counts the times it was asked to."""

    def __init__(self, audio: str = "default") -> None:
        """``audio``: ``default`` (the sound card), ``dummy`` (libVLC, silent) or
        ``none`` (count only)."""
        self.audio = audio
        self.rung = 0
        self._player = None
        if audio == "none":
            return
        try:
            import vlc

            file = write_chime(Path(tempfile.gettempdir()) / "ketaroom-board-chime.wav")
            options = ["--quiet", "--no-video"] + (["--aout=dummy"] if audio == "dummy" else [])
            instance = vlc.Instance(options)
            if instance is None:
                raise RuntimeError("libVLC did not start")
            self._player = instance.media_player_new()
            self._player.set_media(instance.media_new_path(str(file)))
        except Exception as error:  # no libVLC: the system beep will do
            log.warning("board chime: libVLC unavailable (%s); using the system beep", error)
            self._player = None

    def ring(self) -> None:
        self.rung += 1
        if self.audio == "none":
            return
        if self._player is None:
            QApplication.beep()
            return
        self._player.stop()
        self._player.play()

    def close(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player.release()
            self._player = None
