"""Public music types: reports, status, errors and the ``Player`` protocol.

This module owns the contract between the session layer and the music engine. It
imports neither Qt nor vlc, so ``ketaroom.core`` and the UI can use these types freely.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from ketaroom.core.targets import MusicTarget

ReportKind = Literal["music", "device_error", "warning", "state"]


class MusicError(Exception):
    """Any failure of the music device, re-raised as our own type."""


class AudioUnavailable(MusicError):
    """libVLC is missing (import failed, or ``vlc.Instance()`` returned None)."""


@dataclass(frozen=True)
class MusicReport:
    """Something the music engine wants the session / UI / journal to know.

    ``kind``: ``music`` (a track started), ``device_error`` (libVLC or playback
    failed; the session keeps running), ``warning`` (a track skipped — once per playlist —
    or an empty playlist → silence), ``state`` (silence reached, muted, emergency off, …).
    """

    kind: ReportKind
    message: str
    track: Path | None
    volume_pct: float
    fade_s: float
    wall: float
    problem: str | None = None
    """What went wrong, for a listener that must tell problems apart (the window's advice):
    :data:`~ketaroom.core.targets.NO_AUDIO_OUTPUT`, or ``None``."""


@dataclass(frozen=True)
class MusicStatus:
    """A snapshot for display. ``volume_pct`` is what the app asked for (current ramp
    value, after the cap, before mute); ``target_pct`` is where that ramp is heading."""

    track: Path | None
    volume_pct: float
    target_pct: float
    muted: bool
    playlist_label: str
    position_s: float | None
    length_s: float | None


ReportSink = Callable[[MusicReport], None]
GainSink = Callable[[Path, float | None], None]
"""Told a track's playback gain once it is measured (``None``: could not be measured)."""


class LoudnessSource(Protocol):
    """Where the player learns each track's loudness-normalising gain (dB added to the
    deck's level so the track plays at the clinic's target, its peak kept ≤ −1 dBFS).

    Built above the devices (the session layer, from the music-library cache), so the
    player never reads the data folder itself.
    """

    def known_gain_db(self, path: Path) -> float | None:
        """The gain of an already measured track (a quick cache lookup, no decoding);
        ``None`` when the track was never measured or changed since."""

    def measure(self, paths: Sequence[Path], done: GainSink) -> None:
        """Measure ``paths`` in the background, in order, and call ``done`` for each (on
        the measuring thread). Returns at once; never decodes on the caller's thread."""

SampleSink = Callable[[int, bytes, int], None]
"""Test hook: ``(deck_index, interleaved S16 stereo 44.1 kHz frames, pts_us)``; an empty
buffer with pts −1 marks the start of a new track on that deck."""


@runtime_checkable
class Player(Protocol):
    """The music device. Every method is non-blocking (except ``flush``/``close``);
    results arrive as :class:`MusicReport` through ``on_report`` — called on the music
    worker thread, so a Qt app must re-emit them as a queued signal."""

    def apply(self, target: MusicTarget) -> None:
        """Phase change: crossfade into ``target`` (or fade to silence)."""

    def set_volume(self, pct: float) -> None:
        """Clinician override until the next ``apply``; capped; rate-limited ramp."""

    def set_max_volume(self, pct: float) -> None:
        """Room / preset cap (percent)."""

    def set_muted(self, muted: bool) -> None:
        """Fade down fast (~0.5 s) or back up (~2 s)."""

    def skip(self) -> None:
        """Crossfade to the next track of the current playlist."""

    def refresh_gains(self) -> None:
        """The loudness source's gains changed (the clinic's loudness target): each track
        playing glides to its new gain (1 dB/s), one still starting takes it at once."""

    def emergency_off(self) -> None:
        """Silence within 2 s; a hard mute/stop path fires even if the fade is stuck."""

    def status(self) -> MusicStatus: ...

    def flush(self, timeout_s: float) -> bool:
        """Wait until the latest ``apply`` has started (a track is audible or silence
        was reached, or the playlist proved unplayable). True if it happened in time."""

    def close(self) -> None: ...
