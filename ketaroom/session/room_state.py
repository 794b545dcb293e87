"""What the room's devices say and what the music is doing, as the window receives them.

Plain data, light to import: the window's first frame renders these before the devices
(:mod:`ketaroom.session.devices`, which loads libVLC's and the bridge's modules) exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketaroom.core.targets import LightHealth, LightTarget


@dataclass(frozen=True)
class RoomReport:
    """Something a device says: ``kind`` is music, light, device_error, warning or health."""

    device: str
    """``music`` or ``lights``."""
    kind: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    """The report as the record stores it."""
    light: LightTarget | None = None
    """The light state the bridge confirmed (a ``light`` report of the lights)."""
    health: LightHealth | None = None
    """The lights' health when they reported (every report of the lights has it)."""
    problem: str | None = None
    """Which known problem this is, when the window has advice of its own for it
    (:data:`~ketaroom.core.targets.NO_AUDIO_OUTPUT`); ``None`` otherwise."""


@dataclass(frozen=True)
class MusicState:
    """What the music is doing, for display: the engine's confirmed state."""

    track: Path | None
    volume_pct: float
    """Where the volume is heading (the engine's target, capped)."""
    muted: bool
    playlist_label: str
