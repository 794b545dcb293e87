"""Preset validation: YAML text or file → :class:`~ketaroom.core.preset.Preset` plus problems.

This module owns the one validation path used by the CLI (``ketaroom validate``), the preset
editor and the loader. It never raises for bad input: every problem comes back as a
:class:`Problem` with ``file:line: message`` (line 1 where no better line exists), and the
whole file is checked so that *all* problems are reported at once.

Playlists (M3U reading, folders, the lookup order) live in :mod:`ketaroom.core.playlists`.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ketaroom.core.durations import (
    LIKE,
    DurationError,
    DurationOrderError,
    format_duration,
    parse_duration,
)
from ketaroom.core.limits import (
    BRIGHTNESS_MAX,
    BRIGHTNESS_MIN,
    COLOUR,
    DEFAULT_FADE_S,
    DEFAULT_TRANSITION_S,
    DEFAULT_VOLUME_PCT,
    KELVIN_MAX,
    KELVIN_MIN,
    LIGHT_TRANSITION_FLOOR_S,
    MAX_DURATION_S,
    MUSIC_FADE_FLOOR_S,
    VOLUME_MAX,
    VOLUME_MIN,
)
from ketaroom.core.names import name_key, visible
from ketaroom.core.playlists import (
    AUDIO_SUFFIXES,
    MISSING,
    PLAYLIST_SUFFIXES,
    entry_to_path,
    lookup,
    playlist_tracks,
    read_playlist,
    resolve_playlist,
    show_path,
    track_problem,
)
from ketaroom.core.preset import Cue, CueKind, LightSpec, MusicSpec, Phase, Preset
from ketaroom.core.safe_read import FileTooLargeError, NotARegularFileError, read_bytes

__all__ = [
    "AUDIO_SUFFIXES",
    "MAX_CUES_PER_PHASE",
    "MAX_NODES",
    "MAX_PHASES",
    "MAX_PRESET_BYTES",
    "MAX_TEXT_CHARS",
    "PLAYLIST_SUFFIXES",
    "LoadResult",
    "Problem",
    "load_preset",
    "read_playlist",
    "read_preset_bytes",
    "resolve_playlist",
    "validate_text",
]

MAX_PRESET_BYTES = 2 * 1024 * 1024
"""A preset is a small text file; :func:`load_preset` refuses anything larger."""
MAX_PHASES = 10_000
"""Phases in one preset (a real protocol has a handful)."""
MAX_CUES_PER_PHASE = 1_000
"""Cues in one phase."""
MAX_NODES = 1_000_000
"""Values (mappings, lists, keys, scalars) in a preset *with its aliases expanded*: a
``*alias`` counts as often as it is used, so a small file cannot stand for millions of cues."""
MAX_TEXT_CHARS = 20 * 1024 * 1024
"""Characters of text in a preset with its aliases expanded."""

TOP_KEYS = ("name", "description", "light_group", "max_volume", "phases")
PHASE_KEYS = ("name", "duration", "expected", "music", "light", "cues")
MUSIC_KEYS = ("playlist", "volume", "fade", "shuffle", "loop")
LIGHT_KEYS = ("brightness", "kelvin", "color", "transition")
CUE_KEYS = ("at", "prompt", "kind")

_COLOR = COLOUR
# The characters YAML (and ruamel's reader) refuses; checked first to give a line number.
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_SHOW_MAX = 40
_LONG_NUMBER = re.compile(r"\d{4000,}")


@dataclass(frozen=True)
class Problem:
    """One finding about a preset file, printed as ``file:line: message``."""

    path: str
    """The file as given by the caller."""
    line: int
    """1-based; 1 where no better line exists."""
    message: str
    """What is wrong, starting with ``where: `` when the finding has a field path."""
    where: str = ""
    """The dotted field path at fault (``phases[2].music.volume``, ``max_volume``); empty
    for the file as a whole (unreadable, not YAML, empty)."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    @property
    def detail(self) -> str:
        """The message without its leading ``where: ``."""
        prefix = f"{self.where}: "
        return self.message[len(prefix):] if self.where and self.message.startswith(prefix) \
            else self.message

    @property
    def area(self) -> str:
        """What the finding is about: ``music``, ``lights`` or ``preset``."""
        where = f".{self.where}"
        if re.search(r"\.music(?:[.\[]|$)", where):
            return "music"
        if re.search(r"\.(?:light|light_group)(?:[.\[]|$)", where):
            return "lights"
        return "preset"


@dataclass(frozen=True)
class LoadResult:
    """The outcome of validating one preset."""

    preset: Preset | None
    """``None`` when there are errors."""
    problems: tuple[Problem, ...]
    """Errors: the preset cannot be used."""
    warnings: tuple[Problem, ...]
    """Non-fatal findings (a missing track inside an m3u, a volume above ``max_volume``)."""

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------- helpers


def _show(value: Any) -> str:
    """A short, calm rendering of a YAML value for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        value = float(value)
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        text = str(value)
        if len(text) > _SHOW_MAX:
            text = text[: _SHOW_MAX - 1] + "…"
        return repr(text)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    tag = getattr(getattr(value, "tag", None), "value", None) or getattr(value, "tag", None)
    if isinstance(tag, str):
        return f"a value tagged {tag}"
    return "an unsupported value"


def _num(value: float) -> str:
    return _show(float(value))


def _line_of(node: Any, default: int = 1) -> int:
    try:
        return int(node.lc.line) + 1
    except Exception:
        return default


def _key_line(mapping: Any, key: Any, default: int) -> int:
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except Exception:
        return default


def _value_line(mapping: Any, key: Any, default: int) -> int:
    try:
        return int(mapping.lc.value(key)[0]) + 1
    except Exception:
        return default


def _item_line(seq: Any, index: int, default: int) -> int:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except Exception:
        return default


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "---", "%")):
            return number
    return 1


def _duration_text(seconds: float) -> str:
    """``0s``, ``1.5s``, ``3s``: a short duration as a preset would write it."""
    return f"{seconds:g}s" if seconds < 60 else format_duration(seconds)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Checker:
    """Collects problems for one file while walking its YAML tree."""

    def __init__(self, path: str, preset_dir: Path, playlist_dirs: Sequence[Path]) -> None:
        self.path = path
        self.preset_dir = preset_dir
        self.playlist_dirs = [Path(d) for d in playlist_dirs]
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.max_volume_pct = 100.0
        self._suggested: set[tuple[str, str]] = set()
        """(where, key) pairs already named by a "did you mean" on a misspelt key."""

    # -- reporting

    def error(self, line: int, where: str, message: str) -> None:
        text = f"{where}: {message}" if where else message
        self.errors.append(Problem(self.path, max(1, line), text, where))

    def warn(self, line: int, where: str, message: str) -> None:
        text = f"{where}: {message}" if where else message
        self.warnings.append(Problem(self.path, max(1, line), text, where))

    # -- generic mapping handling

    def keys(
        self, mapping: Any, where: str, allowed: Sequence[str], line: int
    ) -> Iterator[tuple[str, Any, int, int]]:
        """Yield ``(key, value, key_line, value_line)`` for allowed keys; report the others."""
        for key in list(mapping.keys()):
            key_line = _key_line(mapping, key, line)
            value = mapping[key]
            # An empty value has no token of its own: ruamel places it on the next line.
            value_line = key_line if value is None else _value_line(mapping, key, key_line)
            if not isinstance(key, str) or key not in allowed:
                self.unknown_key(key, key_line, where, allowed)
                continue
            yield key, value, key_line, value_line

    def unknown_key(self, key: Any, line: int, where: str, allowed: Sequence[str]) -> None:
        if key is None:
            shown = "null"
        elif isinstance(key, str | int | float):
            shown = _show(key)
        else:
            shown = "(a list or mapping used as a key)"
        close = difflib.get_close_matches(str(key).strip().lower(), allowed, n=1, cutoff=0.6)
        if close:
            self._suggested.add((where, close[0]))
            message = f"unknown key {shown}; did you mean '{close[0]}'?"
        else:
            message = f"unknown key {shown} (expected one of: {', '.join(allowed)})"
        self.error(line, where, message)

    def missing(self, line: int, where: str, key: str) -> None:
        if (where, key) in self._suggested:
            return  # "unknown key 'duraton'; did you mean 'duration'?" already says it
        self.error(line, where, f"missing required key '{key}'")

    # -- typed values (each returns None after reporting a problem)

    def text(self, value: Any, line: int, where: str, *, required: bool = True) -> str | None:
        """Text, NFC-normalised and stripped; ``required`` text must have visible characters."""
        if not isinstance(value, str):
            self.error(line, where, f"expected text, got {_show(value)}")
            return None
        if required and not value.strip():
            self.error(line, where, "must not be empty")
            return None
        if required and not visible(value):
            self.error(line, where, f"has no visible characters, got {_show(value)}")
            return None
        return unicodedata.normalize("NFC", str(value)).strip()

    def number(
        self, value: Any, line: int, where: str, low: float, high: float
    ) -> float | None:
        if not _is_number(value):
            self.error(line, where, f"expected a number, got {_show(value)}")
            return None
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            self.error(
                line, where, f"{_show(value)} is out of range ({_num(low)}-{_num(high)})"
            )
            return None
        return number

    def boolean(self, value: Any, line: int, where: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(line, where, f"expected true or false, got {_show(value)}")
            return None
        return bool(value)

    def duration(
        self, value: Any, line: int, where: str, *, allow_open: bool = False,
        positive: bool = False,
    ) -> float | None:
        like = LIKE + (", or open" if allow_open else "")
        if isinstance(value, bool) or not (isinstance(value, str) or _is_number(value)):
            self.error(line, where, f"expected {like}, got {_show(value)}")
            return None
        try:
            seconds = parse_duration(value if isinstance(value, str) else float(value))
        except DurationOrderError:
            self.error(line, where, f"units must appear once each, in h, m, s order, "
                       f"got {_show(value)}")
            return None
        except DurationError:
            if _is_number(value):
                self.error(line, where, f"must not be negative, got {_show(value)}")
            else:
                self.error(line, where, f"expected {like}, got {_show(value)}")
            return None
        except Exception:
            self.error(line, where, f"expected {like}, got {_show(value)}")
            return None
        if not math.isfinite(seconds):
            self.error(line, where, f"expected {like}, got {_show(value)}")
            return None
        if positive and seconds <= 0:
            self.error(line, where, f"must be longer than 0s, got {_show(value)}")
            return None
        if seconds > MAX_DURATION_S:
            self.error(line, where, f"{_show(value)} is too long "
                       f"(at most {format_duration(MAX_DURATION_S)})")
            return None
        return seconds

    def floor(self, seconds: float, floor_s: float, line: int, where: str, what: str,
              name: str) -> None:
        """Warn when a fade of ``seconds`` is shorter than ``floor_s``: a session uses the
        floor (:mod:`ketaroom.core.fades`), so the preset stays valid."""
        if seconds < floor_s:
            self.warn(line, where, f"{_duration_text(seconds)} would make {what} jump; "
                      f"{_duration_text(floor_s)} will be used (the shortest {name} a "
                      f"session allows)")

    # -- the preset

    def preset(self, doc: Any, text: str, path: Path) -> Preset | None:
        if not isinstance(doc, Mapping):
            line = _line_of(doc, _first_content_line(text))
            self.error(
                line, "",
                f"expected a mapping of keys (name, phases, …) at the top level, "
                f"got {_show(doc) if not isinstance(doc, str) else 'text'}",
            )
            return None
        top_line = _line_of(doc)
        values: dict[str, Any] = {}
        lines: dict[str, tuple[int, int]] = {}
        for key, value, key_line, value_line in self.keys(doc, "", TOP_KEYS, top_line):
            values[key] = value
            lines[key] = (key_line, value_line)

        name = description = light_group = None
        ok = True
        if "name" in values:
            name = self.text(values["name"], lines["name"][1], "name")
        else:
            self.missing(top_line, "", "name")
        ok &= name is not None
        if "description" in values and values["description"] is not None:
            description = self.text(
                values["description"], lines["description"][1], "description", required=False
            )
            ok &= description is not None
        if values.get("light_group") is not None:
            group = values["light_group"]
            line = lines["light_group"][1]
            if isinstance(group, str) and group.strip():
                light_group = group.strip()
            elif isinstance(group, int) and not isinstance(group, bool) and group >= 0:
                light_group = str(int(group))
            else:
                self.error(line, "light_group",
                           f"expected a Hue group name or number, got {_show(group)}")
                ok = False
            if light_group is not None:
                self.warn(lines["light_group"][0], "light_group",
                          "deprecated: the room's light group (Room settings, --group) always "
                          "wins; this one is used only in a room that has none")
        if "max_volume" in values:
            max_volume = self.number(values["max_volume"], lines["max_volume"][1],
                                     "max_volume", VOLUME_MIN, VOLUME_MAX)
            if max_volume is None:
                ok = False
            else:
                self.max_volume_pct = max_volume

        phases: list[Phase] = []
        if "phases" not in values:
            self.missing(top_line, "", "phases")
            ok = False
        else:
            raw = values["phases"]
            key_line, value_line = lines["phases"]
            if raw is None or (isinstance(raw, list) and not raw):
                self.error(key_line, "phases", "expected at least one phase")
                ok = False
            elif not isinstance(raw, list):
                self.error(value_line, "phases", f"expected a list of phases, got {_show(raw)}")
                ok = False
            elif len(raw) > MAX_PHASES:
                self.error(value_line, "phases", f"{len(raw):,} phases are more than a preset "
                           f"can have ({MAX_PHASES:,})")
                ok = False
            else:
                phases_ok = self.phases(raw, value_line, phases)
                ok &= phases_ok

        if not ok or self.errors or name is None:
            return None
        return Preset(
            name=name,
            phases=tuple(phases),
            description=description or "",
            light_group=light_group,
            max_volume_pct=self.max_volume_pct,
            path=path,
            source=text,
        )

    def phases(self, seq: list[Any], seq_line: int, out: list[Phase]) -> bool:
        ok = True
        seen: dict[str, tuple[str, int]] = {}
        for index, item in enumerate(seq):
            where = f"phases[{index}]"
            line = _item_line(seq, index, seq_line)
            if not isinstance(item, Mapping):
                self.error(line, where, f"expected a phase (a mapping with name and duration), "
                           f"got {_show(item)}")
                ok = False
                continue
            phase = self.phase(item, where, line, seen)
            if phase is None:
                ok = False
            else:
                out.append(phase)
        return ok

    def phase(
        self, item: Any, where: str, line: int, seen: dict[str, tuple[str, int]]
    ) -> Phase | None:
        line = _line_of(item, line)
        values: dict[str, Any] = {}
        lines: dict[str, tuple[int, int]] = {}
        before = len(self.errors)
        for key, value, key_line, value_line in self.keys(item, where, PHASE_KEYS, line):
            values[key] = value
            lines[key] = (key_line, value_line)

        name: str | None = None
        if "name" in values:
            name_line = lines["name"][1]
            name = self.text(values["name"], name_line, f"{where}.name")
            if name is not None:
                folded = name_key(name)
                if folded in seen:
                    first_where, first_line = seen[folded]
                    self.error(name_line, f"{where}.name",
                               f"duplicate phase name {_show(name)} "
                               f"(also {first_where}, line {first_line})")
                else:
                    seen[folded] = (where, name_line)
        else:
            self.missing(line, where, "name")

        duration_s: float | None = None
        is_open = False
        if "duration" in values:
            raw = values["duration"]
            d_line = lines["duration"][1]
            if isinstance(raw, str) and raw.strip().lower() == "open":
                is_open = True
            else:
                duration_s = self.duration(raw, d_line, f"{where}.duration",
                                           allow_open=True, positive=True)
        else:
            self.missing(line, where, "duration")

        expected_s: float | None = None
        if "expected" in values and values["expected"] is not None:
            e_line = lines["expected"][1]
            if "duration" in values and not is_open:
                self.error(lines["expected"][0], f"{where}.expected",
                           "only allowed with duration: open")
            else:
                expected_s = self.duration(values["expected"], e_line, f"{where}.expected",
                                           positive=True)

        music = None
        if values.get("music") is not None:
            music = self.music(values["music"], f"{where}.music", lines["music"][1])
        light = None
        if values.get("light") is not None:
            light = self.light(values["light"], f"{where}.light", lines["light"][1])

        cues: list[Cue] = []
        if values.get("cues") is not None:
            limit = duration_s if not is_open else expected_s
            self.cues(values["cues"], f"{where}.cues", lines["cues"][1], limit, cues)

        if len(self.errors) > before or name is None:
            return None
        if not is_open and duration_s is None:
            return None
        return Phase(
            name=name,
            duration_s=None if is_open else duration_s,
            expected_s=expected_s,
            music=music,
            light=light,
            cues=tuple(sorted(cues, key=lambda cue: cue.at_s)),
            line=line,
        )

    def music(self, node: Any, where: str, line: int) -> MusicSpec | None:
        if not isinstance(node, Mapping):
            self.error(line, where, f"expected a mapping with playlist, volume and fade "
                       f"(or null for silence), got {_show(node)}")
            return None
        line = _line_of(node, line)
        before = len(self.errors)
        values: dict[str, Any] = {}
        lines: dict[str, tuple[int, int]] = {}
        for key, value, key_line, value_line in self.keys(node, where, MUSIC_KEYS, line):
            values[key] = value
            lines[key] = (key_line, value_line)

        volume = min(DEFAULT_VOLUME_PCT, self.max_volume_pct)
        if "volume" in values:
            got = self.number(values["volume"], lines["volume"][1], f"{where}.volume",
                              VOLUME_MIN, VOLUME_MAX)
            if got is not None and got > self.max_volume_pct:
                self.warn(lines["volume"][1], f"{where}.volume",
                          f"{_num(got)} is above max_volume {_num(self.max_volume_pct)}; "
                          f"{_num(self.max_volume_pct)} will be used")
                got = self.max_volume_pct
            volume = got if got is not None else volume
        fade = DEFAULT_FADE_S
        if "fade" in values:
            got = self.duration(values["fade"], lines["fade"][1], f"{where}.fade")
            if got is not None:
                self.floor(got, MUSIC_FADE_FLOOR_S, lines["fade"][1], f"{where}.fade",
                           "the music", "fade")
            fade = got if got is not None else fade
        shuffle, loop = False, True
        if "shuffle" in values:
            got_b = self.boolean(values["shuffle"], lines["shuffle"][1], f"{where}.shuffle")
            shuffle = bool(got_b)
        if "loop" in values:
            got_b = self.boolean(values["loop"], lines["loop"][1], f"{where}.loop")
            loop = True if got_b is None else got_b

        tracks: list[Path] = []
        missing: list[str] = []
        source = ""
        if "playlist" not in values:
            self.missing(line, where, "playlist")
        else:
            key_line, value_line = lines["playlist"]
            source = self.playlist(values["playlist"], f"{where}.playlist", key_line,
                                   value_line, tracks, missing)

        if len(self.errors) > before:
            return None
        return MusicSpec(
            tracks=tuple(tracks),
            volume_pct=volume,
            fade_s=fade,
            source=source,
            shuffle=shuffle,
            loop=loop,
            missing=tuple(missing),
        )

    def playlist(
        self, value: Any, where: str, key_line: int, line: int,
        tracks: list[Path], missing: list[str],
    ) -> str:
        bases = [self.preset_dir, *self.playlist_dirs]
        if isinstance(value, list):
            if not value:
                self.error(line, where, "expected at least one audio file")
                return ""
            for index, entry in enumerate(value):
                item_line = _item_line(value, index, line)
                item_where = f"{where}[{index}]"
                if not isinstance(entry, str) or not entry.strip():
                    self.error(item_line, item_where,
                               f"expected an audio file path, got {_show(entry)}")
                    continue
                found = lookup(entry.strip(), bases)
                problem = track_problem(found) if found is not None else None
                if found is None:
                    self.error(item_line, item_where,
                               f"audio file {show_path(entry.strip())} not found"
                               f"{self.looked_in(entry.strip())}")
                elif problem is not None:
                    self.error(item_line, item_where,
                               f"audio file {show_path(entry.strip())}: {problem}")
                else:
                    tracks.append(found)
            return ""  # files listed in the preset have no playlist name
        if not isinstance(value, str) or not value.strip():
            self.error(line, where,
                       f"expected a playlist file name or a list of audio files, "
                       f"got {_show(value)}")
            return ""
        name = value.strip()
        found = resolve_playlist(name, self.preset_dir, self.playlist_dirs)
        if found is None:
            self.error(line, where, f"playlist {show_path(name)} not found{self.looked_in(name)}")
            return name
        try:
            got, skipped = playlist_tracks(found)
        except (OSError, ValueError) as exc:
            self.error(line, where, f"cannot read playlist {show_path(name)}: "
                       f"{exc.strerror if isinstance(exc, OSError) else exc}")
            return name
        tracks.extend(got)
        missing.extend(s.entry for s in skipped)
        if found.is_dir():
            if not got:
                self.error(line, where, f"folder {show_path(name)} has no audio files")
            return name
        if found.suffix.lower() not in PLAYLIST_SUFFIXES:  # a single audio file
            for s in skipped:
                self.error(line, where, f"audio file {show_path(name)}: {s.reason}")
            return name
        if not got:
            counts = Counter(s.reason for s in skipped)
            detail = (", ".join(f"{n} {reason}" for reason, n in counts.items())
                      if skipped else "it is empty")
            self.error(line, where,
                       f"playlist {show_path(name)} has no playable files ({detail})")
            return name
        for s in skipped:
            if s.reason == MISSING:
                text = f"lists a missing file: {show_path(s.entry)}"
            else:
                text = f"lists {show_path(s.entry)}: {s.reason}"
            self.warn(key_line, where, f"playlist {show_path(name)} {text} (skipped)")
        return name

    def looked_in(self, name: str) -> str:
        local = entry_to_path(name)
        if local is not None and local.is_absolute():
            return ""
        places = ["next to the preset", *(f"in {d}" for d in self.playlist_dirs)]
        return f" (looked {', '.join(places)})"

    def light(self, node: Any, where: str, line: int) -> LightSpec | None:
        if not isinstance(node, Mapping):
            self.error(line, where, f"expected a mapping with brightness and kelvin or color "
                       f"(or null to keep the current light), got {_show(node)}")
            return None
        line = _line_of(node, line)
        before = len(self.errors)
        values: dict[str, Any] = {}
        lines: dict[str, tuple[int, int]] = {}
        for key, value, key_line, value_line in self.keys(node, where, LIGHT_KEYS, line):
            values[key] = value
            lines[key] = (key_line, value_line)

        brightness: float | None = None
        if "brightness" in values:
            brightness = self.number(values["brightness"], lines["brightness"][1],
                                     f"{where}.brightness", BRIGHTNESS_MIN, BRIGHTNESS_MAX)
        else:
            self.missing(line, where, "brightness")
        kelvin: int | None = None
        if "kelvin" in values:
            raw = values["kelvin"]
            k_line = lines["kelvin"][1]
            if not _is_number(raw) or (isinstance(raw, float) and not float(raw).is_integer()):
                self.error(k_line, f"{where}.kelvin",
                           f"expected a whole number of kelvin ({KELVIN_MIN}-{KELVIN_MAX}), "
                           f"got {_show(raw)}")
            elif not KELVIN_MIN <= raw <= KELVIN_MAX:
                self.error(k_line, f"{where}.kelvin",
                           f"{_show(raw)} is out of range ({KELVIN_MIN}-{KELVIN_MAX})")
            else:
                kelvin = int(raw)
        color: str | None = None
        if "color" in values:
            raw = values["color"]
            c_line = lines["color"][1]
            if raw is None:
                self.error(c_line, f"{where}.color",
                           'expected a colour like "#ffb070", got nothing '
                           "(put it in quotes: # starts a comment in YAML)")
            elif not isinstance(raw, str) or not _COLOR.match(raw.strip()):
                self.error(c_line, f"{where}.color",
                           f'expected a colour like "#ffb070", got {_show(raw)}')
            else:
                color = raw.strip().lower()
        if "kelvin" in values and "color" in values:
            self.error(lines["color"][0], where,
                       "give either kelvin or color, not both")
        transition = DEFAULT_TRANSITION_S
        if "transition" in values:
            got = self.duration(values["transition"], lines["transition"][1],
                                f"{where}.transition")
            if got is not None:
                self.floor(got, LIGHT_TRANSITION_FLOOR_S, lines["transition"][1],
                           f"{where}.transition", "the lights", "light transition")
            transition = got if got is not None else transition

        if len(self.errors) > before or brightness is None:
            return None
        return LightSpec(brightness_pct=brightness, transition_s=transition,
                         kelvin=kelvin, color=color)

    def cues(
        self, node: Any, where: str, line: int, limit_s: float | None, out: list[Cue]
    ) -> None:
        if not isinstance(node, list):
            self.error(line, where, f"expected a list of cues, got {_show(node)}")
            return
        if len(node) > MAX_CUES_PER_PHASE:
            self.error(line, where, f"{len(node):,} cues are more than a phase can have "
                       f"({MAX_CUES_PER_PHASE:,})")
            return
        for index, item in enumerate(node):
            item_where = f"{where}[{index}]"
            item_line = _item_line(node, index, line)
            if not isinstance(item, Mapping):
                self.error(item_line, item_where,
                           f"expected a cue (a mapping with at and prompt), got {_show(item)}")
                continue
            cue = self.cue(item, item_where, _line_of(item, item_line), limit_s)
            if cue is not None:
                out.append(cue)

    def cue(self, node: Any, where: str, line: int, limit_s: float | None) -> Cue | None:
        before = len(self.errors)
        values: dict[str, Any] = {}
        lines: dict[str, tuple[int, int]] = {}
        for key, value, key_line, value_line in self.keys(node, where, CUE_KEYS, line):
            values[key] = value
            lines[key] = (key_line, value_line)
        at: float | None = None
        if "at" in values:
            at_line = lines["at"][1]
            at = self.duration(values["at"], at_line, f"{where}.at")
            if at is not None and limit_s is not None and at >= limit_s:
                self.error(at_line, f"{where}.at",
                           f"{format_duration(at)} is outside its phase "
                           f"(must be less than {format_duration(limit_s)})")
        else:
            self.missing(line, where, "at")
        prompt: str | None = None
        if "prompt" in values:
            prompt = self.text(values["prompt"], lines["prompt"][1], f"{where}.prompt")
        else:
            self.missing(line, where, "prompt")
        kind = CueKind.REMINDER
        if "kind" in values:
            raw = values["kind"]
            choices = [k.value for k in CueKind]
            if isinstance(raw, str) and raw.strip().lower() in choices:
                kind = CueKind(raw.strip().lower())
            else:
                self.error(lines["kind"][1], f"{where}.kind",
                           f"expected one of {' | '.join(choices)}, got {_show(raw)}")
        if len(self.errors) > before or at is None or prompt is None:
            return None
        return Cue(at_s=at, prompt=prompt, kind=kind)


# --------------------------------------------------------------------------- size


def _children(node: Any) -> list[Any]:
    """The values directly inside a mapping (each key, then its value) or a list."""
    if isinstance(node, Mapping):
        return [part for key in node for part in (key, node[key])]
    return list(node)


def _child_line(node: Any, index: int) -> int:
    """The line of ``_children(node)[index]``."""
    line = _line_of(node)
    if not isinstance(node, Mapping):
        return _item_line(node, index, line)
    key = list(node)[index // 2]
    key_line = _key_line(node, key, line)
    return key_line if index % 2 == 0 else _value_line(node, key, key_line)


def _expansion_problem(doc: Any) -> tuple[int, str] | None:
    """``(line, message)`` when the document, aliases expanded, is beyond what is read.

    Counts every value (a ``*alias`` as often as it is used) and every character of text,
    bottom-up with one count per distinct container, so the cost is that of the file as
    written, not of its expansion. Stops at the first container found over a limit and
    names the line of the value inside it that crossed the limit.
    """
    sizes: dict[int, tuple[int, int]] = {}
    """``id`` of each container measured → (values, characters) it stands for."""
    busy: set[int] = set()
    """Containers whose children are being measured. Meeting one again would be a cycle
    (ruamel reads a self-reference as null): it then fails instead of looping forever."""
    stack: list[Any] = [doc]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        children = _children(node)
        waiting = [child for child in children
                   if isinstance(child, Mapping | list) and id(child) not in sizes]
        if waiting and id(node) not in busy:
            busy.add(id(node))
            stack.extend(waiting)
            continue
        values, chars = 1, 0
        for index, child in enumerate(children):
            if isinstance(child, Mapping | list):
                child_values, child_chars = sizes[id(child)]
            else:
                child_values, child_chars = 1, len(child) if isinstance(child, str) else 0
            values, chars = values + child_values, chars + child_chars
            if values > MAX_NODES or chars > MAX_TEXT_CHARS:
                what = (f"over {MAX_NODES:,} values by here; a preset can have at most "
                        f"{MAX_PHASES:,} phases of {MAX_CUES_PER_PHASE:,} cues"
                        if values > MAX_NODES
                        else f"over {MAX_TEXT_CHARS:,} characters of text by here")
                return (_child_line(node, index), f"the preset is too large with its YAML "
                        f"aliases (*name) expanded ({what})")
        sizes[id(node)] = (values, chars)
        busy.discard(id(node))
        stack.pop()
    return None


# --------------------------------------------------------------------------- entry points


def _decode(data: str | bytes, report: Callable[[int, str], None]) -> str | None:
    """Text of the file, or ``None`` after reporting why it is not a text preset."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        nul = raw.find(b"\x00")
        if nul >= 0:
            report(raw.count(b"\n", 0, nul) + 1,
                   "this is a binary file (NUL byte), not a YAML preset")
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1]
            report(raw.count(b"\n", 0, exc.start) + 1,
                   f"not valid UTF-8 text (byte 0x{bad.hex()}); save the file as UTF-8")
            return None
    else:
        text = str(data)
        nul = text.find("\x00")
        if nul >= 0:
            report(text.count("\n", 0, nul) + 1,
                   "this is a binary file (NUL byte), not a YAML preset")
            return None
    if text.startswith("\ufeff"):
        text = text[1:]
    bad_char = _NON_PRINTABLE.search(text)
    if bad_char is not None:
        report(text.count("\n", 0, bad_char.start()) + 1,
               f"contains a control character U+{ord(bad_char.group()):04X} "
               f"that YAML does not allow")
        return None
    return text


def _parse(text: str, report: Callable[[int, str], None]) -> tuple[bool, Any]:
    """``(ok, document)``; on failure the problem has been reported."""
    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return True, yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "not valid YAML"
        report(line, f"YAML syntax error: {what}")
    except YAMLError as exc:
        report(1, f"YAML syntax error: {str(exc).splitlines()[0] if str(exc) else 'invalid'}")
    except RecursionError:
        report(1, "YAML is nested too deeply")
    except ValueError as exc:
        digits = _LONG_NUMBER.search(text)
        if digits is None:  # some other value ruamel could not convert
            report(1, f"YAML could not be read ({type(exc).__name__})")
        else:  # Python refuses to convert integers of more than 4,300 digits
            report(text.count("\n", 0, digits.start()) + 1,
                   f"a number of {len(digits.group()):,} digits is not a usable value")
    except Exception as exc:  # ruamel can trip over odd input; never let it escape
        report(1, f"YAML could not be read ({type(exc).__name__})")
    return False, None


def validate_text(
    text: str | bytes, path: str | Path, *, playlist_dirs: Sequence[Path] = ()
) -> LoadResult:
    """Validate preset YAML ``text`` that came from ``path``; never raises.

    ``path`` is used in messages (as given) and to find playlists next to the preset.
    ``playlist_dirs`` are searched after the preset's folder: the clinic's playlists folder,
    then the shipped ``playlists/``.
    """
    shown = str(path)
    errors: list[Problem] = []

    def report(line: int, message: str) -> None:
        errors.append(Problem(shown, max(1, line), message))

    decoded = _decode(text, report)
    if decoded is None:
        return LoadResult(None, tuple(errors), ())
    if not decoded.strip():
        report(1, "file is empty; a preset needs at least a name and phases")
        return LoadResult(None, tuple(errors), ())
    ok, doc = _parse(decoded, report)
    if not ok:
        return LoadResult(None, tuple(errors), ())
    if doc is None:
        report(1, "file is empty (only comments); a preset needs at least a name and phases")
        return LoadResult(None, tuple(errors), ())

    file_path = Path(shown)
    checker = _Checker(shown, file_path.parent, playlist_dirs)
    try:
        too_large = _expansion_problem(doc) if isinstance(doc, Mapping | list) else None
        if too_large is not None:
            checker.error(too_large[0], "", too_large[1])
            preset = None
        else:
            preset = checker.preset(doc, decoded, file_path)
    except RecursionError:
        checker.error(1, "", "preset is nested too deeply")
        preset = None
    except Exception as exc:  # a bug here must not crash the caller
        checker.error(1, "", f"internal error while validating ({type(exc).__name__}: {exc})")
        preset = None
    if checker.errors:
        preset = None
    problems = tuple(sorted(checker.errors, key=lambda p: p.line))
    found_warnings = tuple(sorted(checker.warnings, key=lambda p: p.line))
    return LoadResult(preset, problems, found_warnings)


def read_preset_bytes(path: Path) -> bytes | Problem:
    """The bytes of the preset file at ``path``, or the problem that stops reading it.

    Only a regular file of at most :data:`MAX_PRESET_BYTES` is read (see
    :mod:`ketaroom.core.safe_read`): a FIFO or a device never blocks the caller.
    """
    shown = str(path)
    try:
        return read_bytes(path, MAX_PRESET_BYTES)
    except IsADirectoryError:
        return Problem(shown, 1, "is a folder, not a preset file")
    except FileTooLargeError:
        return Problem(shown, 1, f"file is too large for a preset "
                                 f"(over {MAX_PRESET_BYTES // 1024 // 1024} MB)")
    except NotARegularFileError as exc:
        return Problem(shown, 1, f"{exc.strerror}; a preset must be a YAML file")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Problem(shown, 1, f"cannot read file: {reason}")


def load_preset(path: Path, *, playlist_dirs: Sequence[Path] = ()) -> LoadResult:
    """Read and validate the preset file at ``path``; never raises, never blocks."""
    data = read_preset_bytes(path)
    if isinstance(data, Problem):
        return LoadResult(None, (data,), ())
    return validate_text(data, path, playlist_dirs=playlist_dirs)
