"""The room check's verdicts: pure rules from what the devices said (no I/O here).

Owns :class:`Check` and :class:`RoomCheckResult` (the ``room-check --json`` shape, a
contract: see docs/cli.md) and the rules that turn a room's facts into checks: the lights of
the room's group (present, ``reachable``, power-on behaviour), the audio output, free disk
for records and the clock. The facts are gathered by ``ketaroom.session.room_check``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Status = Literal["ok", "warning", "error"]
_SEVERITY: tuple[Status, ...] = ("ok", "warning", "error")

SAFE_STARTUP_MODES = ("powerfail", "custom")
"""Power-on behaviours that do not light a dim room up at full bright after a power cut."""
DISK_ERROR_BYTES = 50 * 1024**2
"""Below this, a session's record may not fit: the check fails."""
DISK_WARNING_BYTES = 1024**3
TEST_SOUND_MAX_PCT = 20.0
"""The audio check's optional test sound plays at this level at most (and never above the
room's volume limit)."""


@dataclass(frozen=True)
class Check:
    """One line of the room check."""

    name: str
    status: Status
    message: str
    lights: tuple[str, ...] = ()
    """The Hue light ids this check is about (empty when none)."""
    short: str = ""
    """A few words for the window's one line (default: the message up to its first ":")."""

    @property
    def headline(self) -> str:
        return self.short or self.message.split(": ", 1)[0]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message,
                "lights": list(self.lights)}


@dataclass(frozen=True)
class LightInfo:
    """What the bridge says about one light of the room."""

    id: str
    name: str
    present: bool
    reachable: bool
    startup_mode: str | None
    """``config.startup.mode``; ``None`` when the light's firmware does not say (before 1.50)."""
    light_type: str = ""
    """The bridge's ``type`` ("Dimmable light"…): what power-on settings it can take."""


@dataclass(frozen=True)
class RoomCheckResult:
    """Every check, in order; ``ok`` when none is an error."""

    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(c.status != "error" for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.to_json() for c in self.checks]}

    def find(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def summary(self) -> str:
        """One calm line for the window, e.g. "Room check: 3 lights ready · audio ok"."""
        problems = [c for c in self.checks if c.status != "ok"]
        problems.sort(key=lambda c: c.status != "error")  # an error first, then in order
        if problems:
            more = f" · {len(problems) - 1} more" if len(problems) > 1 else ""
            return f"Room check: {problems[0].headline}{more}"
        parts = []
        lights = self.find("lights")
        if lights is not None and lights.lights:
            n = len(lights.lights)
            parts.append(f"{n} light{'s' if n != 1 else ''} ready")
        audio = self.find("audio")
        if audio is not None:
            parts.append("audio ok")
        return "Room check: " + (" · ".join(parts) or "all ok")


def _ids(lights: Sequence[LightInfo]) -> tuple[str, ...]:
    return tuple(light.id for light in lights)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def light_checks(group_label: str, lights: Sequence[LightInfo], *,
                 unreachable_is_error: bool = False) -> list[Check]:
    """``lights`` (present), ``reachable`` and ``power-on`` checks of the room's group."""
    if not lights:
        return [Check("lights", "error", f"{group_label} has no lights")]
    checks = []
    missing = [light for light in lights if not light.present]
    present = [light for light in lights if light.present]
    if missing:
        checks.append(Check("lights", "error",
                            f"{_plural(len(missing), 'light')} of {group_label} missing from "
                            f"the bridge: {', '.join(_ids(missing))}", _ids(missing)))
    else:
        checks.append(Check("lights", "ok",
                            f"{_plural(len(lights), 'light')} in {group_label}", _ids(lights)))
    unreachable = [light for light in present if not light.reachable]
    if unreachable:
        checks.append(Check(
            "reachable", "error" if unreachable_is_error else "warning",
            f"{_plural(len(unreachable), 'light')} unreachable: "
            f"{', '.join(_ids(unreachable))} (switched off at the wall?)", _ids(unreachable)))
    else:
        checks.append(Check("reachable", "ok", "every light reachable", _ids(present)))
    safety = [light for light in present if light.startup_mode == "safety"]
    unknown = [light for light in present
               if light.startup_mode is not None and light.startup_mode != "safety"
               and light.startup_mode not in SAFE_STARTUP_MODES]
    silent = [light for light in present if light.startup_mode is None]
    odd = unknown + silent
    not_known = (f"power-on behaviour unknown for {_plural(len(odd), 'light')}: "
                 f"{', '.join(_ids(odd))}")
    if safety:
        flagged = [light for light in present if light in safety or light in odd]
        checks.append(Check(
            "power-on", "warning",
            f"{_plural(len(safety), 'light')} full bright white after a power cut: "
            f"{', '.join(_ids(safety))}" + (f"; {not_known}" if odd else ""), _ids(flagged),
            f"{_plural(len(safety), 'light')} bright after a power cut"))
    elif odd:
        checks.append(Check("power-on", "warning", not_known, _ids(odd)))
    else:
        checks.append(Check("power-on", "ok", "every light keeps a dim state after a power cut",
                            _ids(present)))
    return checks


def audio_check(mode: str, device: str | None, outputs: Sequence[str] | None) -> Check:
    """``outputs``: the device ids libVLC reports (``None``: libVLC cannot be used)."""
    if mode == "none":
        return Check("audio", "ok", "no music in this room (audio none)")
    if mode == "dummy":
        return Check("audio", "ok", "silent audio output (dummy)")
    if outputs is None:
        return Check("audio", "error", "libVLC is not available: no music can play")
    if not outputs:
        return Check("audio", "warning", "no audio device found: the music may be silent")
    if device is not None and device not in outputs:
        return Check("audio", "warning",
                     f"the room's speakers ({device}) are not connected; "
                     "the system default output will play")
    return Check("audio", "ok", f"audio output {device or 'system default'}")


def with_test_sound(audio: Check, status: Status, words: str) -> Check:
    """The audio check once the test sound was tried: its words after the output's, and the
    worse of the two statuses (the ``--json`` shape stays the same)."""
    worse = max(audio.status, status, key=_SEVERITY.index)
    return replace(audio, status=worse, message=f"{audio.message}; {words}")


def disk_check(folder: str, free_bytes: int | None) -> Check:
    if free_bytes is None:
        return Check("disk", "error", f"the data folder {folder} cannot be read")
    free_mb = free_bytes // 1024**2
    if free_bytes < DISK_ERROR_BYTES:
        return Check("disk", "error", f"only {free_mb} MB free for records in {folder}")
    if free_bytes < DISK_WARNING_BYTES:
        return Check("disk", "warning", f"{free_mb} MB free for records in {folder}")
    return Check("disk", "ok", f"{free_bytes / 1024**3:.1f} GB free for records")


def clock_check(ntp_synchronized: bool | None) -> Check:
    """Never an error: a record's times matter, but a session can run without NTP."""
    if ntp_synchronized is None:
        return Check("clock", "warning", "clock synchronisation unknown")
    if not ntp_synchronized:
        return Check("clock", "warning", "the clock is not synchronised (NTP)")
    return Check("clock", "ok", "clock synchronised (NTP)")
