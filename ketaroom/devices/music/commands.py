"""What the music worker thread is told, and the life of a deck, as types (no strings).

The public :class:`~ketaroom.devices.music.engine.VlcPlayer` methods and libVLC's event
callbacks put :data:`Command` values on the worker's queue; the worker dispatches on their
type. Each deck moves through :class:`DeckPhase`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from ketaroom.core.targets import MusicTarget


class DeckPhase(enum.Enum):
    """Where a deck (one libVLC MediaPlayer) is in its life."""

    IDLE = "idle"
    """Silent, nothing loaded that matters."""
    STARTING = "starting"
    """Loaded; waiting for its stream to run behind the safe-start pad."""
    PLAYING = "playing"
    """Audible (or fading in): the active deck."""
    OUT = "out"
    """Fading out (crossfade, silence or emergency), then idle."""


@dataclass(frozen=True)
class Apply:
    """A phase's music (or silence): crossfade into ``target``."""

    target: MusicTarget
    seq: int
    """Numbers the applies, for :meth:`VlcPlayer.flush`."""


@dataclass(frozen=True)
class SetVolume:
    pct: float


@dataclass(frozen=True)
class SetMaxVolume:
    pct: float


@dataclass(frozen=True)
class SetMuted:
    muted: bool


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class Emergency:
    pass


@dataclass(frozen=True)
class Close:
    pass


@dataclass(frozen=True)
class VlcEvent:
    """A libVLC event of ``deck``, posted from libVLC's thread (stale when ``gen`` moved)."""

    deck: int
    gen: int
    name: str
    """The ``vlc.EventType`` name (``MediaPlayerPlaying``…)."""


@dataclass(frozen=True)
class GainMeasured:
    """The loudness source measured ``path``: its playback gain (``None``: no usable
    measurement, the track keeps the safe default). Posted from the measuring thread."""

    path: Path
    gain_db: float | None


@dataclass(frozen=True)
class RefreshGains:
    """The loudness source's gains changed (a new loudness target): look them up again."""


Command = (Apply | SetVolume | SetMaxVolume | SetMuted | Skip | Emergency | Close | VlcEvent
           | GainMeasured | RefreshGains)
