"""The room check: gathers the room's facts and lets the core's rules judge them.

Owns :class:`RoomCheckRequest` (which room: bridge, group, audio, data folder),
:func:`check_room` (bridge and lights, audio output — with the optional test sound of
:mod:`ketaroom.session.test_sound` —, free disk, clock) and
:func:`fix_power_on` (``--fix``: the room's lights, and only those, to a power-on behaviour
that keeps a dim room dim). Used by ``ketaroom room-check`` and, through the window's
injected checker, by :class:`~ketaroom.session.service.RoomService`. Every call blocks for a
bounded time (each bridge request has the lights' overall deadline; ``timedatectl`` is given
2 s): run it off the Qt main thread. Nothing here raises for a device problem: it becomes a
check with status ``error`` or ``warning``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ketaroom.core.room_check import (
    SAFE_STARTUP_MODES,
    Check,
    LightInfo,
    RoomCheckResult,
    Status,
    audio_check,
    clock_check,
    disk_check,
    light_checks,
    with_test_sound,
)
from ketaroom.devices.hue_room import read_room, set_startup_mode
from ketaroom.devices.lights.base import BridgeUnreachable, LightsError, NotPaired
from ketaroom.devices.music import Player, ReportSink, create_player
from ketaroom.devices.music.outputs import probe_audio_outputs
from ketaroom.session.test_sound import play_test_sound

__all__ = ["RoomCheckRequest", "check_room", "fix_power_on", "ntp_synchronized"]

FIX_MODES = ("powerfail", "custom")
CLOCK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class RoomCheckRequest:
    """What to check: ``bridge`` ``None`` means no bridge paired (demo mode)."""

    data_dir: Path
    bridge: str | None = None
    username: str = ""
    group: str | None = None
    audio: str = "default"
    audio_device: str | None = None
    unreachable_blocks: bool = False
    """An unreachable light is an ``error`` (the room's setting), not a warning."""
    timeout_s: float = 2.0
    test_sound: bool = False
    """Also play the test sound (``--test-sound``; about 4 s more)."""
    max_volume_pct: float = 100.0
    """The room's volume limit: the test sound never plays above it."""


def ntp_synchronized() -> bool | None:
    """``timedatectl show -p NTPSynchronized``; ``None`` when it cannot say (no systemd)."""
    exe = shutil.which("timedatectl")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "show", "-p", "NTPSynchronized", "--value"],
                              capture_output=True, text=True, timeout=CLOCK_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip().lower()
    if done.returncode != 0 or value not in ("yes", "no"):
        return None
    return value == "yes"


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _audio_outputs() -> list[str] | None:
    found = probe_audio_outputs()
    return None if found is None else [o.id for o in found]


def _test_sound(request: RoomCheckRequest) -> tuple[Status, str]:
    """The test sound on a player of its own, on the room's output."""
    def make_player(sink: ReportSink) -> Player:
        return create_player(request.audio, on_report=sink, output_device=request.audio_device)

    return play_test_sound(make_player, request.max_volume_pct)


def _bridge_checks(request: RoomCheckRequest) -> tuple[list[Check], list[LightInfo]]:
    if request.bridge is None:
        return [Check("bridge", "warning",
                      "no bridge paired for this room: demo mode, no real lights to check")], []
    try:
        label, lights = read_room(request.bridge, request.username, request.group,
                                  request.timeout_s)
    except NotPaired as exc:
        return [Check("bridge", "error", f"bridge {request.bridge}: {exc}",
                      short="the bridge does not know this PC")], []
    except BridgeUnreachable as exc:
        return [Check("bridge", "error", f"bridge {request.bridge}: {exc}",
                      short="the Hue bridge is not answering")], []
    except LightsError as exc:
        return [Check("bridge", "error", f"bridge {request.bridge}: {exc}",
                      short="the Hue bridge answers oddly")], []
    checks = [Check("bridge", "ok", f"bridge {request.bridge} paired, room {label}")]
    checks += light_checks(label, lights, unreachable_is_error=request.unreachable_blocks)
    return checks, lights


def check_room(request: RoomCheckRequest, *,
               audio_outputs: Callable[[], Sequence[str] | None] = _audio_outputs,
               clock: Callable[[], bool | None] = ntp_synchronized,
               free_bytes: Callable[[Path], int | None] = _free_bytes,
               test_sound: Callable[[RoomCheckRequest], tuple[Status, str]] = _test_sound
               ) -> RoomCheckResult:
    """Every check of the room, in the contract's order. With ``request.test_sound`` the
    audio check also says how the test sound played (none when the room has no music or
    libVLC cannot be used)."""
    checks, _ = _bridge_checks(request)
    outputs = audio_outputs() if request.audio == "default" else ()
    audio = audio_check(request.audio, request.audio_device,
                        None if outputs is None else list(outputs))
    if request.test_sound and request.audio == "none":
        audio = with_test_sound(audio, "ok", "no test sound played")
    elif request.test_sound and audio.status != "error":
        audio = with_test_sound(audio, *test_sound(request))
    checks.append(audio)
    checks.append(disk_check(str(request.data_dir), free_bytes(request.data_dir)))
    checks.append(clock_check(clock()))
    return RoomCheckResult(tuple(checks))


def fix_power_on(request: RoomCheckRequest, mode: str = "powerfail") -> Check:
    """Set the power-on behaviour of the room's lights that would flash (only those).

    Returns a ``fix`` check saying what changed (``lights``: the ids changed), or why not.
    """
    if mode not in FIX_MODES:
        raise ValueError(f"power-on behaviour {mode!r}: one of {', '.join(FIX_MODES)}")
    checks, lights = _bridge_checks(request)
    if checks[0].status != "ok":
        return Check("fix", "error", f"nothing changed: {checks[0].message}")
    wanted = [light for light in lights if light.present and light.reachable
              and light.startup_mode not in SAFE_STARTUP_MODES]
    unreachable = [light.id for light in lights
                   if light.present and not light.reachable
                   and light.startup_mode not in SAFE_STARTUP_MODES]
    changed: list[str] = []
    failed: list[str] = []
    assert request.bridge is not None  # _bridge_checks said ok
    for light in wanted:
        try:
            set_startup_mode(request.bridge, request.username, light.id, mode,
                             request.timeout_s, light.light_type)
        except LightsError as exc:
            failed.append(f"light {light.id}: {exc}")
        else:
            changed.append(light.id)
    one = len(changed) == 1
    what = ((f"keep{'s' if one else ''} {'its' if one else 'their'} last state")
            if mode == "powerfail" else f"come{'s' if one else ''} on dim and warm")
    bright = {light.id for light in wanted if light.startup_mode == "safety"}
    was = " or ".join(w for w, some in (("full bright white", bright & set(changed)),
                                        ("unknown", set(changed) - bright)) if some)
    parts = []
    if changed:
        parts.append(f"light{'' if one else 's'} {', '.join(changed)} now "
                     f"{what} after a power cut (was {was})")
    if failed:
        parts.append("not changed: " + "; ".join(failed))
    if unreachable:
        parts.append(f"unreachable, not changed: {', '.join(unreachable)}")
    if not parts:
        parts.append("nothing to change: every light already keeps a dim state")
    status = "error" if failed else ("warning" if unreachable else "ok")
    return Check("fix", status, "; ".join(parts), tuple(changed))
