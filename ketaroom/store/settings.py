"""Clinic settings: the treatment rooms, which one this PC is in, and clinic-wide values.

One JSON file (mode 0600) under the data directory. A clinic with several treatment rooms
keeps one :class:`RoomProfile` per room (its name, the Hue bridge and light group it pairs
with or none for demo mode, the audio output device, the room's volume cap and the preset
offered first); each PC chooses its room (``current_room``). *Extend* step, vital-sign
alert limits and ketamine dose limits are clinic-wide.

Compatibility: :class:`Settings` still answers ``room_name``, ``bridge``, ``max_volume_pct``,
``default_preset`` and ``audio`` (the current room's values), and still accepts them as
keyword arguments (they then describe the current room), so code written for the single-room
file keeps working. Files written before room profiles (no ``rooms`` key) are migrated on
read into one room. Files are written with ``"version": 2`` plus the current room's values
at the top level, so an older ketaroom still starts with this PC's room; those top-level
copies are ignored on read when ``rooms`` is present.

Reading never raises: a missing or damaged file gives the defaults (or what could be used)
plus a calm ``problem`` message for the window. Saving is atomic (temp file + rename).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ketaroom.core.atomic_file import write_atomic
from ketaroom.core.clinical import PLAUSIBLE_MG, PLAUSIBLE_MG_PER_KG, DoseLimits
from ketaroom.core.safe_read import read_text
from ketaroom.core.vitals import PLAUSIBLE, VitalLimits
from ketaroom.music_library.target import DEFAULT_TARGET_LUFS
from ketaroom.store.paths import settings_path

FILE_MODE = 0o600
FILE_VERSION = 2
DEFAULT_ROOM = "Treatment room"
AUDIO_MODES = ("default", "dummy", "none")
MAX_SETTINGS_BYTES = 1024 * 1024
"""A settings file is a few KB; a larger one is not read."""
LOUDNESS_TARGET_RANGE = (-40.0, -10.0)
"""Loudness targets (LUFS) a room may set: −23 is broadcast (EBU R128), −14 streaming."""
MAX_ROOMS = 100
"""Rooms read from the file; more are ignored (with the banner)."""
MAX_TEXT_CHARS = 1000
"""Longest text value (room name, bridge address…) taken from the file."""
_MAX_INT_DIGITS = 30
"""Longer JSON integers are read as unusable values, not as numbers (Python refuses to
convert more than 4,300 digits, and no setting needs more than a few)."""


@dataclass(frozen=True)
class BridgeSettings:
    address: str
    """``host`` or ``host:port``."""
    username: str
    group: str | None = None
    """Hue group id; ``None``: group 0 (all lights)."""


@dataclass(frozen=True)
class BoardBroker:
    """The clinic's MQTT broker for the nurse-station board (clinic-wide). The settings
    file holding the password is written 0600."""

    address: str
    """``HOST[:PORT]`` (1883, or 8883 with TLS, when no port is given)."""
    username: str | None = None
    password: str | None = None
    tls: bool = False


@dataclass(frozen=True)
class RoomProfile:
    """What a clinic sets once per treatment room."""

    name: str = DEFAULT_ROOM
    bridge: BridgeSettings | None = None
    """``None``: no bridge paired, the room runs in demo mode."""
    max_volume_pct: float = 80.0
    default_preset: str = ""
    """File name (or path) of the preset selected at start-up."""
    audio: str = "default"
    """libVLC audio output: ``default``, ``dummy`` (silent) or ``none``."""
    audio_device: str | None = None
    """libVLC output device id (see ``list_audio_outputs``); ``None``: the system default."""
    loudness_target: float = DEFAULT_TARGET_LUFS
    """Integrated loudness (LUFS) every track of the clinic's music is played at."""
    unreachable_blocks_start: bool = False
    """The room check's unreachable light is an error that blocks Start (default: a warning)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "bridge": asdict(self.bridge) if self.bridge is not None else None,
            "max_volume": self.max_volume_pct,
            "default_preset": self.default_preset,
            "audio": self.audio,
            "audio_device": self.audio_device,
            "loudness_target": self.loudness_target,
            "unreachable_blocks_start": self.unreachable_blocks_start,
        }


class _Keep:
    """Marks a keyword argument that was not given (``None`` is a real value for bridge)."""

    def __repr__(self) -> str:
        return "<keep>"


_KEEP: Any = _Keep()
_ROOM_ALIASES = {"room_name": "name", "bridge": "bridge", "max_volume_pct": "max_volume_pct",
                 "default_preset": "default_preset", "audio": "audio",
                 "audio_device": "audio_device"}


@dataclass(frozen=True, init=False)
class Settings:
    """All rooms, this PC's room, and clinic-wide values. Immutable; build a new one to change.

    ``Settings(room_name=…, bridge=…, max_volume_pct=…, default_preset=…, audio=…,
    audio_device=…)`` sets those values on the current room (creating the default room when
    ``rooms`` is empty), so single-room callers keep working.
    """

    rooms: tuple[RoomProfile, ...]
    """At least one room; names are unique."""
    current_room: str
    """Name of the room this PC is in (always one of ``rooms``)."""
    extend_step_min: float
    vital_limits: VitalLimits
    retention_days: int
    """Session records older than this are offered for deletion at start-up; 0 keeps all."""
    problem: str | None = field(compare=False)
    """Why the file could not be used as written (shown to the user), if so."""
    board: BoardBroker | None = None
    """Where every room publishes its state for the nurse-station board; None: nowhere."""
    central_dsn: str | None = None
    """The clinic's records server (libpq URI, docs/central-records.md): the window syncs
    this PC's journal to it in the background; None: no central records."""
    dose_limits: DoseLimits = field(default_factory=DoseLimits)
    """Ketamine doses above these need the clinician's confirmation (then recorded with
    the warning)."""
    central_share_names: bool = False
    """Send patients' display names and years of birth to the records server too. Off by
    default: the contract keeps them on this PC (only the code goes) unless the clinic
    decides its own server may hold them (docs/central-records.md)."""

    def __init__(self, *, rooms: Sequence[RoomProfile] = (), current_room: str = "",
                 extend_step_min: float = 5.0, vital_limits: VitalLimits | None = None,
                 retention_days: int = 0, problem: str | None = None, room_name: str = _KEEP,
                 bridge: BridgeSettings | None = _KEEP, max_volume_pct: float = _KEEP,
                 default_preset: str = _KEEP, audio: str = _KEEP,
                 audio_device: str | None = _KEEP, central_dsn: str | None = None,
                 central_share_names: bool = False,
                 board: BoardBroker | None = None,
                 dose_limits: DoseLimits | None = None) -> None:
        given = {"room_name": room_name, "bridge": bridge, "max_volume_pct": max_volume_pct,
                 "default_preset": default_preset, "audio": audio, "audio_device": audio_device}
        listed = _unique_rooms(rooms) or [RoomProfile()]
        index = next((i for i, room in enumerate(listed) if room.name == current_room), 0)
        changes = {_ROOM_ALIASES[k]: v for k, v in given.items() if v is not _KEEP}
        if changes:
            listed[index] = replace(listed[index], **changes)
            listed = _unique_rooms(listed)
        object.__setattr__(self, "rooms", tuple(listed))
        object.__setattr__(self, "current_room", listed[index].name)
        object.__setattr__(self, "extend_step_min", float(extend_step_min))
        object.__setattr__(self, "vital_limits", vital_limits or VitalLimits())
        object.__setattr__(self, "retention_days", int(retention_days))
        object.__setattr__(self, "problem", problem)
        object.__setattr__(self, "board", board)
        object.__setattr__(self, "central_dsn", central_dsn or None)
        object.__setattr__(self, "dose_limits", dose_limits or DoseLimits())
        object.__setattr__(self, "central_share_names", bool(central_share_names))

    # -- the current room's view (single-room API) -----------------------------------------

    @property
    def room(self) -> RoomProfile:
        """This PC's room."""
        return self.room_named(self.current_room) or self.rooms[0]

    @property
    def room_name(self) -> str:
        return self.room.name

    @property
    def bridge(self) -> BridgeSettings | None:
        """``None``: no bridge paired yet, the app runs in demo mode."""
        return self.room.bridge

    @property
    def max_volume_pct(self) -> float:
        return self.room.max_volume_pct

    @property
    def loudness_target(self) -> float:
        """This room's loudness target (LUFS) for the clinic's music."""
        return self.room.loudness_target

    @property
    def default_preset(self) -> str:
        return self.room.default_preset

    @property
    def audio(self) -> str:
        return self.room.audio

    @property
    def audio_device(self) -> str | None:
        return self.room.audio_device

    def room_named(self, name: str) -> RoomProfile | None:
        return next((room for room in self.rooms if room.name == name), None)

    # -- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        legacy = self.room.to_json()
        legacy["room_name"] = legacy.pop("name")
        return {
            "version": FILE_VERSION,
            "current_room": self.current_room,
            "rooms": [room.to_json() for room in self.rooms],
            "extend_step_min": self.extend_step_min,
            "vital_limits": asdict(self.vital_limits),
            "retention_days": self.retention_days,
            "dose_limits": {"mg_per_kg": dict(self.dose_limits.mg_per_kg),
                            "max_mg": self.dose_limits.max_mg},
            **({"board": asdict(self.board)} if self.board is not None else {}),
            **({"central_dsn": self.central_dsn} if self.central_dsn else {}),
            **({"central_share_names": True} if self.central_share_names else {}),
            **{k: v for k, v in legacy.items() if k != "audio_device"},
        }

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        """Build from a decoded JSON object; unusable values fall back to defaults."""
        if not isinstance(data, dict):
            return cls(problem="settings file is not a JSON object; using defaults")
        reader = _Reader(data)
        extend = reader.number("extend_step_min", 5.0, 0.5, 60)
        retention = int(reader.number("retention_days", 0, 0, 36_500))
        limits = _limits(data.get("vital_limits"), reader.bad)
        if "rooms" in data:
            rooms = _rooms(data["rooms"], reader.bad)
            current = data.get("current_room")
            if not isinstance(current, str) or not any(r.name == current for r in rooms):
                if rooms:
                    reader.bad.append("current_room")
                current = ""
        else:  # a single-room file from before room profiles
            rooms = [_room(reader, "room_name")]
            current = rooms[0].name
        settings = cls(rooms=rooms, current_room=current, extend_step_min=extend,
                       vital_limits=limits, retention_days=retention,
                       central_dsn=reader.optional_text("central_dsn"),
                       central_share_names=data.get("central_share_names") is True,
                       board=_board(data.get("board"), reader.bad),
                       dose_limits=_dose_limits(data.get("dose_limits"), reader.bad))
        if reader.bad:
            settings = replace(settings, problem="settings: ignored unusable "
                               + ", ".join(reader.bad) + " (defaults used)")
        return settings


def _unique_rooms(rooms: Sequence[RoomProfile]) -> list[RoomProfile]:
    """Rooms with blank names named, and repeated names made unique (``Room (2)``)."""
    out: list[RoomProfile] = []
    seen: set[str] = set()
    next_number: dict[str, int] = {}
    """Per repeated name, the suffix to try next (so 10,000 equal names stay linear)."""
    for room in rooms:
        name = room.name.strip() or DEFAULT_ROOM
        candidate, n = name, next_number.get(name, 2)
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        next_number[name] = n
        seen.add(candidate)
        out.append(room if candidate == room.name else replace(room, name=candidate))
    return out


class _Reader:
    """Typed look-ups in one JSON object; the keys it had to ignore collect in ``bad``."""

    def __init__(self, data: dict[str, Any], prefix: str = "",
                 bad: list[str] | None = None) -> None:
        self.data = data
        self.prefix = prefix
        self.bad: list[str] = [] if bad is None else bad

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not low <= value <= high:
            self.bad.append(self.prefix + key)
            return default
        return float(value)

    def text(self, key: str, default: str, choices: Sequence[str] = ()) -> str:
        value = self.data.get(key, default)
        if not _usable_text(value) or (choices and value not in choices):
            self.bad.append(self.prefix + key)
            return default
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if not _usable_text(value):
            self.bad.append(self.prefix + key)
            return None
        return value


def _usable_text(value: Any) -> bool:
    """A string of sane length that can be written back as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str) or len(value) > MAX_TEXT_CHARS:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Unusable:
    """A JSON value that cannot be a setting (an integer of thousands of digits)."""


def _room(reader: _Reader, name_key: str) -> RoomProfile:
    base = RoomProfile()
    bridge_bad: list[str] = []
    bridge = _bridge(reader.data.get("bridge"), bridge_bad)
    reader.bad.extend(reader.prefix + key for key in bridge_bad)
    return RoomProfile(
        name=reader.text(name_key, base.name).strip() or base.name,
        bridge=bridge,
        max_volume_pct=reader.number("max_volume", base.max_volume_pct, 0, 100),
        default_preset=reader.text("default_preset", base.default_preset),
        audio=reader.text("audio", base.audio, AUDIO_MODES),
        audio_device=reader.optional_text("audio_device"),
        loudness_target=reader.number("loudness_target", base.loudness_target,
                                      *LOUDNESS_TARGET_RANGE),
        unreachable_blocks_start=reader.data.get("unreachable_blocks_start") is True,
    )


def _rooms(value: Any, bad: list[str]) -> list[RoomProfile]:
    if not isinstance(value, list):
        bad.append("rooms")
        return []
    if len(value) > MAX_ROOMS:
        bad.append(f"rooms after the first {MAX_ROOMS}")
        value = value[:MAX_ROOMS]
    rooms: list[RoomProfile] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            bad.append(f"rooms[{index}]")
            continue
        rooms.append(_room(_Reader(item, f"rooms[{index}].", bad), "name"))
    if not value:
        bad.append("rooms (empty)")
    if len({room.name for room in rooms}) != len(rooms):
        bad.append("rooms (repeated names renamed)")
    return rooms


def _bridge(value: Any, bad: list[str]) -> BridgeSettings | None:
    if value is None:
        return None
    if (not isinstance(value, dict) or not _usable_text(value.get("address"))
            or not _usable_text(value.get("username")) or not value["address"]):
        bad.append("bridge")
        return None
    group = value.get("group")
    if group is None or group == "":
        group = None
    elif isinstance(group, int) and not isinstance(group, bool) and 0 <= group < 10**6:
        group = str(group)
    elif not _usable_text(group):
        bad.append("bridge.group")
        group = None
    return BridgeSettings(value["address"], value["username"], group)


def _board(value: Any, bad: list[str]) -> BoardBroker | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not _usable_text(value.get("address")) \
            or not value["address"]:
        bad.append("board")
        return None
    reader = _Reader(value, "board.", bad)
    tls = value.get("tls", False)
    if not isinstance(tls, bool):
        bad.append("board.tls")
        tls = False
    return BoardBroker(value["address"], reader.optional_text("username"),
                       reader.optional_text("password"), tls)


def _limits(value: Any, bad: list[str]) -> VitalLimits:
    if value is None:
        return VitalLimits()
    if not isinstance(value, dict):
        bad.append("vital_limits")
        return VitalLimits()
    known = {f.name for f in fields(VitalLimits)}
    chosen = {k: v for k, v in value.items()
              if k in known and isinstance(v, int) and not isinstance(v, bool)
              and PLAUSIBLE[k.split("_")[0]][0] <= v <= PLAUSIBLE[k.split("_")[0]][1]}
    if len(chosen) != len(value):
        bad.append("vital_limits")
    return VitalLimits(**chosen)


def _dose_limits(value: Any, bad: list[str]) -> DoseLimits:
    """The clinic's dose limits; a limit that cannot be one keeps its default."""
    if value is None:
        return DoseLimits()
    if not isinstance(value, dict):
        bad.append("dose_limits")
        return DoseLimits()
    reader = _Reader(value, "dose_limits.", bad)
    per_kg = value.get("mg_per_kg")
    if not isinstance(per_kg, dict):
        bad.append("dose_limits.mg_per_kg")
        per_kg = {}
    routes = _Reader(per_kg, "dose_limits.mg_per_kg.", bad)
    defaults = DoseLimits()
    return DoseLimits(
        {route: routes.number(route, default, 0.01, PLAUSIBLE_MG_PER_KG[route])
         for route, default in defaults.mg_per_kg.items()},
        reader.number("max_mg", defaults.max_mg, 1, PLAUSIBLE_MG))


def load_settings(data_dir: Path) -> Settings:
    """The settings in ``data_dir``, or the defaults (never raises)."""
    path = settings_path(data_dir)
    try:
        raw = read_text(path, MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Settings(problem=f"could not read {path.name}: {reason}; using defaults")
    except UnicodeDecodeError:
        return Settings(problem=f"could not read {path.name}: not UTF-8 text; using defaults")
    try:
        data = json.loads(raw, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        return Settings(problem=f"{path.name}:{exc.lineno}: not valid JSON; using defaults")
    except RecursionError:
        return Settings(problem=f"{path.name}: nested too deeply; using defaults")
    except ValueError:  # anything else json refuses; the file is kept as it is
        return Settings(problem=f"{path.name}: not valid JSON; using defaults")
    return Settings.from_json(data)


def _parse_int(digits: str) -> int | _Unusable:
    return _Unusable() if len(digits.lstrip("-")) > _MAX_INT_DIGITS else int(digits)


def save_settings(data_dir: Path, settings: Settings) -> Path:
    """Write atomically (temp file + rename), mode 0600."""
    path = settings_path(data_dir)
    text = json.dumps(settings.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text, mode=FILE_MODE)
    return path
