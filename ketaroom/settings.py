"""The room profile: one JSON file (mode 0600) under the data directory.

Owns what a clinic sets once per treatment room: its name, the Hue bridge it pairs
with (or none: demo mode), the room's volume cap, the preset offered first, how much
*Extend* adds, and the vital-sign alert limits. Reading never raises: a missing or
damaged file gives the defaults plus a calm ``problem`` message for the window.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ketaroom.core.vitals import VitalLimits
from ketaroom.store.paths import settings_path

FILE_MODE = 0o600


@dataclass(frozen=True)
class BridgeSettings:
    address: str
    """``host`` or ``host:port``."""
    username: str
    group: str | None = None


@dataclass(frozen=True)
class Settings:
    room_name: str = "Treatment room"
    bridge: BridgeSettings | None = None
    """``None``: no bridge paired yet, the app runs in demo mode."""
    max_volume_pct: float = 80.0
    default_preset: str = ""
    """File name (or path) of the preset selected at start-up."""
    extend_step_min: float = 5.0
    audio: str = "default"
    """libVLC audio output: ``default``, ``dummy`` (silent) or ``none``."""
    vital_limits: VitalLimits = field(default_factory=VitalLimits)
    problem: str | None = field(default=None, compare=False)
    """Why the file could not be used as written (shown to the user), if so."""

    def to_json(self) -> dict[str, Any]:
        return {
            "room_name": self.room_name,
            "bridge": asdict(self.bridge) if self.bridge is not None else None,
            "max_volume": self.max_volume_pct,
            "default_preset": self.default_preset,
            "extend_step_min": self.extend_step_min,
            "audio": self.audio,
            "vital_limits": asdict(self.vital_limits),
        }

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        """Build from a decoded JSON object; unusable values fall back to defaults."""
        if not isinstance(data, dict):
            return cls(problem="settings file is not a JSON object; using defaults")
        base = cls()
        bad: list[str] = []

        def number(key: str, default: float, low: float, high: float) -> float:
            value = data.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not low <= value <= high:
                bad.append(key)
                return default
            return float(value)

        def text(key: str, default: str) -> str:
            value = data.get(key, default)
            if not isinstance(value, str):
                bad.append(key)
                return default
            return value

        bridge = _bridge(data.get("bridge"), bad)
        limits = _limits(data.get("vital_limits"), bad)
        settings = replace(
            base,
            room_name=text("room_name", base.room_name) or base.room_name,
            bridge=bridge,
            max_volume_pct=number("max_volume", base.max_volume_pct, 0, 100),
            default_preset=text("default_preset", base.default_preset),
            extend_step_min=number("extend_step_min", base.extend_step_min, 0.5, 60),
            audio=text("audio", base.audio),
            vital_limits=limits,
        )
        if bad:
            settings = replace(settings, problem="settings: ignored unusable "
                               + ", ".join(bad) + " (defaults used)")
        return settings


def _bridge(value: Any, bad: list[str]) -> BridgeSettings | None:
    if value is None:
        return None
    if (not isinstance(value, dict) or not isinstance(value.get("address"), str)
            or not isinstance(value.get("username"), str) or not value["address"]):
        bad.append("bridge")
        return None
    group = value.get("group")
    return BridgeSettings(value["address"], value["username"],
                          str(group) if group not in (None, "") else None)


def _limits(value: Any, bad: list[str]) -> VitalLimits:
    if value is None:
        return VitalLimits()
    if not isinstance(value, dict):
        bad.append("vital_limits")
        return VitalLimits()
    known = {f.name for f in fields(VitalLimits)}
    chosen = {k: v for k, v in value.items()
              if k in known and isinstance(v, int) and not isinstance(v, bool)}
    if len(chosen) != len(value):
        bad.append("vital_limits")
    return VitalLimits(**chosen)


def load_settings(data_dir: Path) -> Settings:
    """The room profile in ``data_dir``, or the defaults (never raises)."""
    path = settings_path(data_dir)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(problem=f"could not read {path.name}: {exc}; using defaults")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return Settings(problem=f"{path.name}:{exc.lineno}: not valid JSON; using defaults")
    return Settings.from_json(data)


def save_settings(data_dir: Path, settings: Settings) -> Path:
    """Write atomically (temp file + rename), mode 0600."""
    path = settings_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(settings.to_json(), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
