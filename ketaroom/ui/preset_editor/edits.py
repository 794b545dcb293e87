"""The changes the phase form makes to one phase of the document, in place (no Qt).

Each takes the phase's ruamel mapping (``None`` when no phase is shown: nothing happens)
so that comments and key order survive; new values start from :mod:`ketaroom.core.limits`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ketaroom.core import preset_yaml
from ketaroom.core.limits import DEFAULT_KELVIN
from ketaroom.ui.preset_editor.common import playlist_choices

Phase = CommentedMap | None

NEW_COLOUR = "#ffb070"
"""The colour a light section switched to *Colour* starts with."""
SHADES = ("Keep colour", "Temperature", "Colour")
"""The light's shade modes, in the form's order: neither key, ``kelvin``, ``color``."""


def set_phase(item: Phase, key: str, value: Any) -> None:
    if item is not None:
        preset_yaml.set_key(item, key, value, "phase")


def set_open(item: Phase, on: bool) -> None:
    """Open (waits for Next): the duration becomes the expected time, and back."""
    if item is None:
        return
    if on:
        previous = item.get("duration")
        preset_yaml.set_key(item, "duration", "open", "phase")
        if previous not in (None, "open"):
            preset_yaml.set_key(item, "expected", previous, "phase")
    else:
        expected = item.get("expected")
        preset_yaml.set_key(item, "duration", expected or "10m", "phase")
        preset_yaml.set_key(item, "expected", None, "phase")


def set_section(item: Phase, key: str, on: bool, playlist_dirs: list[Path]) -> None:
    """Add a fresh ``music``/``light`` section, or remove it (``on=False``)."""
    if item is None:
        return
    if not on:
        preset_yaml.set_key(item, key, None, "phase")
        return
    fresh = CommentedMap()
    if key == "music":
        choices = playlist_choices(playlist_dirs)
        fresh["playlist"] = choices[0] if choices else ""
        fresh["volume"] = 40
        fresh["fade"] = "5s"
    else:
        fresh["brightness"] = 50
        fresh["kelvin"] = DEFAULT_KELVIN
        fresh["transition"] = "10s"
    preset_yaml.set_key(item, key, fresh, "phase")


def set_in(item: Phase, section_key: str, key: str, value: Any) -> None:
    """Set ``key`` inside the phase's ``section_key`` (created when missing)."""
    if item is None:
        return
    section = preset_yaml.section(item, section_key, create=True)
    assert section is not None
    preset_yaml.set_key(section, key, value, section_key)


def set_playlist(item: Phase, text: str) -> None:
    """One playlist name, or several comma-separated files as a flow list."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > 1:
        seq = CommentedSeq([p for p in parts if p])
        seq.fa.set_flow_style()
        set_in(item, "music", "playlist", seq)
    else:
        set_in(item, "music", "playlist", text.strip())


def shade_of(light: Any) -> int:
    """The index in :data:`SHADES` of a light mapping."""
    if not isinstance(light, dict):
        return 0
    return 2 if "color" in light else 1 if "kelvin" in light else 0


def set_shade(item: Phase, mode: int) -> None:
    """Keep colour (0), a temperature (1) or a colour (2): the other key goes."""
    light = preset_yaml.section(item, "light") if item is not None else None
    if light is None:
        return
    if mode != 1:
        preset_yaml.set_key(light, "kelvin", None, "light")
    if mode != 2:
        preset_yaml.set_key(light, "color", None, "light")
    if mode == 1 and "kelvin" not in light:
        preset_yaml.set_key(light, "kelvin", DEFAULT_KELVIN, "light")
    if mode == 2 and "color" not in light:
        preset_yaml.set_key(light, "color", preset_yaml.scalar_from_text(NEW_COLOUR), "light")


def set_cue(item: Phase, row: int, key: str, value: Any) -> None:
    seq = item.get("cues") if item is not None else None
    if isinstance(seq, list) and 0 <= row < len(seq) and isinstance(seq[row], CommentedMap):
        preset_yaml.set_key(seq[row], key, value, "cue")
