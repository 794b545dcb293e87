"""Setting the room's devices up: find and pair a Hue bridge, list its groups, list audio
outputs, check the room and fix its lights' power-on behaviour — the calls the settings
dialogs and the room check make, as plain types the window may use.

Every call blocks (HTTP, mDNS, libVLC): the dialogs run them on a worker thread. The real
calls are wired in by the composition root (:func:`ketaroom.app.device_setup`); tests
inject their own. Errors arrive as :class:`BridgeSetupError` with a
:class:`BridgeProblem`, so the window never needs the lights' exception types.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketaroom.core.room_check import Check, RoomCheckResult
    from ketaroom.session.room_check import RoomCheckRequest

DEFAULT_OUTPUT_ID = "default"
"""The system's default audio output (always offered)."""


class BridgeProblem(enum.Enum):
    UNREACHABLE = "unreachable"
    """No answer at that address."""
    NOT_PAIRED = "not_paired"
    """The bridge does not know this PC (or its link button was not pressed yet)."""
    REFUSED = "refused"
    """The bridge answered with an error or with something unexpected."""


class BridgeSetupError(Exception):
    """A set-up call to the bridge failed; :attr:`problem` says how."""

    def __init__(self, problem: BridgeProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class AudioOutputChoice:
    """An audio output the room may use: libVLC's device id and what the system calls it."""

    id: str
    description: str


DEFAULT_OUTPUT = AudioOutputChoice(DEFAULT_OUTPUT_ID, "System default output")


def _check_room(request: RoomCheckRequest) -> RoomCheckResult:
    from ketaroom.session.room_check import check_room  # the bridge's and libVLC's modules

    return check_room(request)


def _fix_power_on(request: RoomCheckRequest) -> Check:
    from ketaroom.session.room_check import fix_power_on

    return fix_power_on(request)


@dataclass(frozen=True)
class DeviceSetup:
    """The blocking set-up calls (run them off the Qt main thread)."""

    discover_bridges: Callable[[float], list[tuple[str, str]]]
    """``timeout_s`` → ``[(bridge name, "host:port"), …]``; ``[]`` when none answered."""
    pair_bridge: Callable[[str], str]
    """``address`` → the new username; :class:`BridgeSetupError` (``NOT_PAIRED`` while the
    link button was not pressed)."""
    list_bridge_groups: Callable[[str, str], list[tuple[str, str]]]
    """``(address, username)`` → ``[(group id, name), …]``; :class:`BridgeSetupError`."""
    list_audio_outputs: Callable[[], list[AudioOutputChoice]]
    """The system default first, then every output libVLC reports (never raises)."""
    check_room: Callable[[RoomCheckRequest], RoomCheckResult] = _check_room
    """The room check (bounded; a device problem is a check, never an exception)."""
    fix_power_on: Callable[[RoomCheckRequest], Check] = _fix_power_on
    """Sets the room's lights' power-on behaviour to ``powerfail``; the ``fix`` check."""
