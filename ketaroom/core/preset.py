"""The preset (session protocol) model, built by :mod:`ketaroom.core.validation`."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_OPEN_PHASE_S = 60.0
"""How long an open phase lasts in rehearse when it names no ``expected`` time."""


class CueKind(enum.Enum):
    VITALS = "vitals"
    NOTE = "note"
    REMINDER = "reminder"


@dataclass(frozen=True)
class MusicSpec:
    """What a phase plays. ``tracks`` are resolved, existing audio files in play order."""

    tracks: tuple[Path, ...]
    volume_pct: float
    fade_s: float
    source: str = ""
    """The playlist's name as written in the preset, for display and the never-play list;
    empty when the preset lists the phase's files itself (they have no playlist name)."""
    shuffle: bool = False
    loop: bool = True
    missing: tuple[str, ...] = ()
    """Entries of the playlist that do not exist (warned about, skipped)."""


@dataclass(frozen=True)
class LightSpec:
    """The light a phase moves to. Exactly one of ``kelvin`` and ``color`` may be set."""

    brightness_pct: float
    transition_s: float
    kelvin: int | None = None
    color: str | None = None
    """``#rrggbb`` hex colour."""


@dataclass(frozen=True)
class Cue:
    at_s: float
    prompt: str
    kind: CueKind = CueKind.REMINDER


@dataclass(frozen=True)
class Phase:
    name: str
    duration_s: float | None
    """``None`` for an open phase (waits for Next)."""
    expected_s: float | None = None
    """For open phases: the expected length, for display and rehearse."""
    music: MusicSpec | None = None
    """``None`` means silence: fade out."""
    light: LightSpec | None = None
    """``None`` means keep the current light."""
    cues: tuple[Cue, ...] = ()
    line: int = 1
    """Line of the phase in its file, for messages."""

    @property
    def is_open(self) -> bool:
        return self.duration_s is None

    @property
    def planned_s(self) -> float:
        """Planned length: the duration, or for an open phase its expected time."""
        if self.duration_s is not None:
            return self.duration_s
        return self.expected_s if self.expected_s is not None else DEFAULT_OPEN_PHASE_S


@dataclass(frozen=True)
class Preset:
    name: str
    phases: tuple[Phase, ...]
    description: str = ""
    light_group: str | None = None
    max_volume_pct: float = 100.0
    path: Path | None = None
    source: str | None = field(default=None, compare=False, repr=False)
    """The YAML text this preset was validated from (``None`` when built in code): what
    the session record stores, so it keeps the protocol that ran even if the file on
    disk changed after loading."""

    @property
    def planned_s(self) -> float:
        return sum(phase.planned_s for phase in self.phases)
