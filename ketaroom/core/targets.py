"""Desired device states: what the session wants the room to sound and look like.

The session produces targets; the device layers reconcile toward them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class MusicTarget:
    """Play ``tracks`` at ``volume_pct``, reaching it over ``fade_s``.

    An empty ``tracks`` means fade to silence over ``fade_s``.
    """

    tracks: tuple[Path, ...]
    volume_pct: float
    fade_s: float
    shuffle: bool = False
    loop: bool = True
    label: str = ""
    """Human name of what plays (playlist name), for display and logs."""

    @property
    def silent(self) -> bool:
        return not self.tracks or self.volume_pct <= 0


SILENCE = MusicTarget(tracks=(), volume_pct=0.0, fade_s=2.0, label="silence")


@dataclass(frozen=True)
class LightTarget:
    """Bring the light group to this state over ``transition_s``.

    ``brightness_pct`` 0 turns the lights off (with the transition). At most one of
    ``kelvin`` and ``color`` (``#rrggbb``) is set; neither means keep the colour.
    """

    brightness_pct: float
    transition_s: float
    kelvin: int | None = None
    color: str | None = None
    group: str | None = None
    """Hue group name or id; ``None`` means the room's default group."""


def light_group_for(room_group: str | None, preset_group: str | None) -> str | None:
    """The Hue group a session's light changes go to: rooms own hardware, presets do not.

    The room's group (Room settings in the window, ``--group`` on the command line), by id
    or by name, always wins; a preset's ``light_group`` only stands in for a room that has
    none. ``None``: the room's lights adapter uses its default (all lights).
    """
    for group in (room_group, preset_group):
        if group is not None and str(group).strip():
            return str(group).strip()
    return None


EMERGENCY_LIGHT = LightTarget(brightness_pct=80.0, transition_s=1.0, kelvin=2700)
"""Lights up, warm, fast but not a flash."""

RETURN_TRANSITION_S = 3.0
"""A light state given back — to a light after a power cut, to the room when the bridge
answers again, on Resume after the emergency, after a crash — fades over at least this
long: the lights may be anywhere (full bright white after a power cut), and nothing jumps."""


def returning(target: LightTarget) -> LightTarget:
    """``target`` given back: fading over at least :data:`RETURN_TRANSITION_S`."""
    return replace(target, transition_s=max(target.transition_s, RETURN_TRANSITION_S))


NO_AUDIO_OUTPUT = "no_audio_output"
"""The ``problem`` of a music report whose stream reaches no audio output (no sound
device): the window has advice of its own for it."""


class LightHealth(enum.Enum):
    """How the room's lights answer, from the lights' worker to the window's indicator."""

    OK = "ok"
    DEGRADED = "degraded"
    """Answering, but refusing or failing commands (rate limited, internal error, bad group)."""
    UNREACHABLE = "unreachable"
    NOT_PAIRED = "not_paired"
