"""Music device: crossfading playback of phase playlists through libVLC.

Public API: :func:`create_player`, :class:`Player`, :class:`VlcPlayer`,
:class:`NullPlayer`, :class:`MusicReport`, :class:`MusicStatus`, :class:`MusicError`,
:class:`AudioUnavailable`. Only :mod:`.vlc_backend` imports ``vlc``; nothing here
imports Qt. See :mod:`.engine` for the threading model and loudness invariants.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ketaroom.core.targets import NO_AUDIO_OUTPUT
from ketaroom.devices.music.api import (
    AudioUnavailable,
    LoudnessSource,
    MusicError,
    MusicReport,
    MusicStatus,
    Player,
    ReportSink,
    SampleSink,
)
from ketaroom.devices.music.engine import VlcPlayer
from ketaroom.devices.music.null import NullPlayer

__all__ = [
    "NO_AUDIO_OUTPUT",
    "AudioUnavailable",
    "LoudnessSource",
    "MusicError",
    "MusicReport",
    "MusicStatus",
    "NullPlayer",
    "Player",
    "SampleSink",
    "VlcPlayer",
    "create_player",
]

NO_LIBVLC_MESSAGE = "libVLC is not installed — music is off; the session keeps running"


def create_player(audio: str = "default", *, on_report: ReportSink | None = None,
                  time_scale: float = 1.0, vlc_args: Sequence[str] = (),
                  output_device: str | None = None,
                  loudness: LoudnessSource | None = None) -> Player:
    """Build the music player. ``audio``: ``default`` (real output), ``dummy``
    (libVLC with ``--aout=adummy``) or ``none`` (:class:`NullPlayer`). ``output_device``: a
    libVLC device id from :func:`.outputs.list_audio_outputs` (``None`` or ``"default"``:
    the system's choice; used with ``default`` only). ``loudness``: track gains for
    loudness-normalised playback (see :class:`LoudnessSource`). Never raises:
    without libVLC it returns a NullPlayer and reports a ``device_error``."""
    if audio == "none":
        return NullPlayer(on_report)
    if audio not in ("default", "dummy"):
        raise ValueError(f"audio must be default, dummy or none, not {audio!r}")
    try:
        device = None if output_device in (None, "", "default") else output_device
        return VlcPlayer(audio, on_report=on_report, time_scale=time_scale,
                         vlc_args=vlc_args, output_device=device, loudness=loudness)
    except AudioUnavailable:
        if on_report is not None:
            on_report(MusicReport("device_error", NO_LIBVLC_MESSAGE, None, 0.0, 0.0,
                                  time.time()))
        return NullPlayer(on_report)
