"""A patient's preferences, and what they do to a session (pure).

:class:`PatientPreferences` is what carries over from one session of a patient to the
next (stored by :class:`~ketaroom.store.patients.PatientStore`); the functions below are
how a session honours them (``docs/presets.md``, "A patient's preferences"):

* **never play** (:func:`withhold`): a track whose file name (with or without its
  extension) or a playlist whose name is on the list is not played for this patient (the
  files a preset lists itself have no playlist name: only they can match);
  a phase whose every track is withheld plays silence. :class:`Withheld` says what was
  left out, in a sentence for the window and the record;
* **comfortable volume** (:func:`comfortable_volume`): every phase's volume is scaled so
  that the preset's loudest phase plays at the comfortable volume — the preset's shape
  (a quieter arrival, a louder journey) is kept — never above the preset's
  ``max_volume`` (the room's cap still applies on top, in the player);
* **warmer / dimmer** (:func:`adjust_light`): a phase's light is moved warmer and dimmer,
  never brighter or cooler than the preset asked, never dimmer than the preset's dimmest
  lit phase (a lit phase is never turned off), never warmer than the lamps go.

Matching is by name, case and Unicode form aside: ``Rain``, ``rain.ogg`` and ``RAIN.OGG``
all match ``rain.ogg``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import PurePath, PureWindowsPath
from typing import Any

from ketaroom.core.clinical import ClinicalInputError
from ketaroom.core.limits import KELVIN_MIN
from ketaroom.core.preset import Preset
from ketaroom.core.targets import SILENCE, LightTarget, MusicTarget

__all__ = [
    "MAX_ENTRY_CHARS",
    "MAX_NEVER_PLAY",
    "MIN_LIT_PCT",
    "WARMER_MAX_K",
    "PatientPreferences",
    "Withheld",
    "adjust_light",
    "comfortable_volume",
    "dimmest_lit_pct",
    "is_never_play",
    "loudest_phase_pct",
    "withhold",
]

MAX_NEVER_PLAY = 200
"""Entries a never-play list may hold (a list, not a library)."""
MAX_ENTRY_CHARS = 200
WARMER_MAX_K = 3000
MIN_LIT_PCT = 1.0
"""Dimming never takes a lit phase below this (it would read as off)."""


@dataclass(frozen=True)
class PatientPreferences:
    """What carries over from one session of a patient to the next."""

    volume_pct: float | None = None
    """The music volume the patient found comfortable (None: the preset's)."""
    never_play: tuple[str, ...] = ()
    """Track file names or playlist names never to play for this patient."""
    warmer_k: int = 0
    """Light colour temperature lowered by this many kelvin (within the lamps' range)."""
    dimmer_pct: float = 0.0
    """Light brightness lowered by this many percentage points (within the preset's)."""

    def __post_init__(self) -> None:
        if self.volume_pct is not None and not 0 <= self.volume_pct <= 100:
            raise ClinicalInputError("A comfortable volume is 0–100 %.")
        if not 0 <= self.warmer_k <= WARMER_MAX_K or not 0 <= self.dimmer_pct <= 100:
            raise ClinicalInputError(
                f"Light offsets: warmer 0–{WARMER_MAX_K} K, dimmer 0–100 %.")
        entries = tuple(dict.fromkeys(e.strip() for e in self.never_play if e.strip()))
        if len(entries) > MAX_NEVER_PLAY:
            raise ClinicalInputError(
                f"A never-play list holds at most {MAX_NEVER_PLAY} tracks or playlists.")
        if any(len(e) > MAX_ENTRY_CHARS or not e.isprintable() for e in entries):
            raise ClinicalInputError(
                f"A never-play entry is a file or playlist name of at most "
                f"{MAX_ENTRY_CHARS} characters.")
        object.__setattr__(self, "never_play", entries)

    @property
    def any(self) -> bool:
        """Whether anything differs from the preset's own settings."""
        return bool(self.volume_pct is not None or self.never_play or self.warmer_k
                    or self.dimmer_pct)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["never_play"] = list(self.never_play)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PatientPreferences:
        """Read back :meth:`to_dict` (unknown keys ignored)."""
        volume = data.get("volume_pct")
        return cls(volume_pct=float(volume) if volume is not None else None,
                   never_play=tuple(str(x) for x in data.get("never_play") or ()),
                   warmer_k=int(data.get("warmer_k") or 0),
                   dimmer_pct=float(data.get("dimmer_pct") or 0.0))

    def summary(self) -> str:
        """One line for the record: ``comfortable volume 35 % · never play: rain.ogg ·
        200 K warmer · 10 % dimmer`` (``as the preset`` when nothing is set)."""
        parts = []
        if self.volume_pct is not None:
            parts.append(f"comfortable volume {self.volume_pct:g} %")
        if self.never_play:
            parts.append("never play: " + ", ".join(self.never_play))
        if self.warmer_k:
            parts.append(f"{self.warmer_k} K warmer")
        if self.dimmer_pct:
            parts.append(f"{self.dimmer_pct:g} % dimmer")
        return " · ".join(parts) or "as the preset"


# ---------------------------------------------------------------------------- never play


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip()).casefold()


def _names(entry: str) -> set[str]:
    """The keys a name matches by: itself, its last path part, and that without suffix."""
    name = PureWindowsPath(entry).name if "\\" in entry else PurePath(entry).name
    return {_key(k) for k in (entry, name, PurePath(name).stem) if k.strip()}


def is_never_play(name: str, never_play: Iterable[str]) -> bool:
    """Whether a track file or playlist ``name`` (a path is fine) is on ``never_play``."""
    keys = {_key(e) for e in never_play}
    return bool(keys & _names(name))


@dataclass(frozen=True)
class Withheld:
    """What a patient's never-play list left out of a phase's (or a chosen) playlist."""

    playlist: str
    """The playlist as named (its label); empty for tracks a preset lists itself."""
    tracks: tuple[str, ...]
    """File names left out."""
    whole_playlist: bool
    """The playlist itself is on the list (or every track of it is): silence."""

    def message(self, *, manual: bool = False) -> str:
        """One calm sentence: what was not played and what plays instead (``manual``: a
        playlist the clinician chose, which is then not switched to)."""
        if self.whole_playlist:
            instead = "not played" if manual else "silence instead"
            if not self.playlist:
                return ("This phase's tracks are all on this patient's never-play list — "
                        f"{instead}")
            return f"Playlist {self.playlist} is on this patient's never-play list — {instead}"
        n = len(self.tracks)
        return f"Skipped {n} track{'s' if n != 1 else ''} this patient asked not to hear"


def withhold(target: MusicTarget, never_play: Iterable[str], *, silence_fade_s: float
             ) -> tuple[MusicTarget, Withheld | None]:
    """``target`` without what ``never_play`` names, and what was left out (None: nothing).

    A playlist on the list, or one whose every track is, becomes silence reached over
    ``silence_fade_s``; otherwise the remaining tracks play in their order.
    """
    never = tuple(never_play)
    if not never or not target.tracks:
        return target, None
    silence = MusicTarget((), 0.0, silence_fade_s, label=SILENCE.label)
    names = tuple(PurePath(t).name for t in target.tracks)
    if target.label and is_never_play(target.label, never):
        return silence, Withheld(target.label, names, True)
    kept = tuple(t for t in target.tracks if not is_never_play(PurePath(t).name, never))
    if len(kept) == len(target.tracks):
        return target, None
    left_out = tuple(PurePath(t).name for t in target.tracks if t not in kept)
    if not kept:
        return silence, Withheld(target.label, left_out, True)
    return replace(target, tracks=kept), Withheld(target.label, left_out, False)


# ---------------------------------------------------------------------------- volume


def loudest_phase_pct(preset: Preset) -> float:
    """The loudest volume the preset plays music at (each phase capped by ``max_volume``);
    0 when it plays none."""
    return max((min(p.music.volume_pct, preset.max_volume_pct) for p in preset.phases
                if p.music is not None and p.music.tracks), default=0.0)


def comfortable_volume(volume_pct: float, preset: Preset, comfortable_pct: float | None
                       ) -> float:
    """A phase's ``volume_pct`` (already capped by the preset) for a patient whose
    comfortable volume is ``comfortable_pct``: scaled by comfortable / loudest phase, never
    above the preset's ``max_volume``; unchanged without a comfortable volume."""
    loudest = loudest_phase_pct(preset)
    if comfortable_pct is None or loudest <= 0:
        return volume_pct
    return round(min(volume_pct * comfortable_pct / loudest, preset.max_volume_pct), 1)


# ---------------------------------------------------------------------------- light


def dimmest_lit_pct(preset: Preset) -> float | None:
    """The lowest brightness of the preset's lit phases (None when none is lit)."""
    return min((p.light.brightness_pct for p in preset.phases
                if p.light is not None and p.light.brightness_pct > 0), default=None)


def adjust_light(target: LightTarget, preset: Preset, preferences: PatientPreferences
                 ) -> LightTarget:
    """``target`` (a phase's light of ``preset``) made warmer and dimmer as the patient
    prefers: brightness lowered by ``dimmer_pct`` but not below the preset's dimmest lit
    phase (nor :data:`MIN_LIT_PCT`), a light that is off stays off; a colour temperature
    lowered by ``warmer_k`` but not below the lamps' :data:`~ketaroom.core.limits.KELVIN_MIN`;
    a ``color`` is kept. Never brighter or cooler than ``target``."""
    brightness = target.brightness_pct
    if preferences.dimmer_pct and brightness > 0:
        floor = max(dimmest_lit_pct(preset) or 0.0, MIN_LIT_PCT)
        brightness = max(brightness - preferences.dimmer_pct, min(floor, brightness))
    kelvin = target.kelvin
    if preferences.warmer_k and kelvin is not None:
        kelvin = max(kelvin - preferences.warmer_k, min(KELVIN_MIN, kelvin))
    return replace(target, brightness_pct=round(brightness, 1), kelvin=kelvin)
