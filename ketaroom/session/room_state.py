"""What the room's devices say, what the music is doing, and the room as the window renders it.

Plain data, light to import: the window's first frame renders these before the devices
(:mod:`ketaroom.session.devices`, which loads libVLC's and the bridge's modules) exist.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketaroom.core.targets import LightHealth, LightTarget


@dataclass(frozen=True)
class RoomReport:
    """Something a device says: ``kind`` is music, light, device_error, warning, health or
    note (worth recording, nothing wrong: not shown as a problem)."""

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


@dataclass(frozen=True)
class RoomState:
    """What the window renders of the room (the read model of
    :meth:`~ketaroom.session.service.RoomService.state`)."""

    music: MusicState | None
    """What the music engine confirmed; ``None`` when the player cannot say."""
    cap_pct: float
    """The volume limit here: the room's, and the preset's (running, else chosen)."""
    light: LightTarget | None
    """The light state the bridge last confirmed; ``None`` until it confirmed one."""
    light_health: LightHealth | None
    """How the lights last answered; ``None`` before their first answer."""
    emergency_held: bool
    """The emergency holds the running session (until Resume or Next)."""
    music_note: str | None = None
    """What the patient's never-play list left out of the music now (None: nothing)."""
    patient: str | None = None
    """The code of the patient linked to the session under way or just ended — resumed
    after a crash too (None: no patient)."""


class CueOrigin(enum.Enum):
    """When a cue fired, as the cue panel says it after a crash resume."""

    LIVE = "live"
    """In this process."""
    BEFORE_INTERRUPTION = "before"
    """Before the crash, and never acknowledged: it waits again after the resume."""
    WHILE_INTERRUPTED = "while"
    """Its time passed while the app was down (recorded at the resume)."""
