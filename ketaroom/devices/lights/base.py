"""The lights contract: :class:`Lights` protocol, health, reports, errors, and the no-bridge
:class:`NullLights`.

Nothing above ``ketaroom.devices`` sees phue types or exceptions: adapters catch them and
re-raise or report these instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from ketaroom.core.targets import EMERGENCY_LIGHT, LightHealth, LightTarget
from ketaroom.devices.lights.conversions import TRANSITION_DS_MAX, describe_target

log = logging.getLogger(__name__)


class LightsError(Exception):
    """Base of everything the lights layer raises."""


class BridgeUnreachable(LightsError):
    """No answer: connection refused or dropped, timeout, DNS…"""


class NotPaired(LightsError):
    """The bridge does not know our username (pair again) or the link button was not pressed."""


class RateLimited(LightsError):
    """HTTP 429: too many commands to the bridge (from us or another app)."""


class BridgeError(LightsError):
    """The bridge answered with an error (e.g. 901 internal error, 7 invalid value) or garbage.

    ``transient`` errors are retried; the others mean this command will never succeed.
    """

    def __init__(self, message: str, hue_type: int | None = None, transient: bool = True) -> None:
        super().__init__(message)
        self.hue_type = hue_type
        self.transient = transient


@dataclass(frozen=True)
class LightReport:
    """Something to show and journal: a target applied, a device error, or a health change."""

    kind: str
    """``"light"`` | ``"device_error"`` | ``"warning"`` | ``"health"`` | ``"note"`` (worth
    recording, nothing wrong: e.g. a light shows the phase's colour as the nearest it can)."""
    message: str
    target: LightTarget | None
    health: LightHealth
    wall: float
    """``time.time()`` when it happened."""
    emergency: bool = False
    """About the emergency light (confirmed, or NOT confirmed: the clinician must know)."""


ReportCallback = Callable[[LightReport], None]


@runtime_checkable
class Lights(Protocol):
    """Drives the room's light group toward desired states. No method blocks on the network.

    Results (applied, failures, health changes) arrive through an ``on_report`` callback given
    at construction; adapters document which thread calls it.
    """

    def apply(self, target: LightTarget) -> None:
        """Non-blocking; coalesced: only the newest target per group matters. A target
        without a group goes to the room's group."""

    def use_group(self, group: str | None) -> None:
        """The room's group from now on (``None``: every light). Targets without a group,
        the emergency light and anything the adapter re-sends or watches by itself go to
        it, never to another group."""

    def emergency_up(self) -> None:
        """Jumps the queue: :data:`EMERGENCY_LIGHT` on the room's group, and no other,
        within about 1 s."""

    def flush(self, timeout_s: float) -> bool:
        """Wait until the latest target was sent or failed; True if it was sent OK."""

    def close(self) -> None: ...

    @property
    def health(self) -> LightHealth: ...


def reorient_ramp(duration_s: float = 240.0, group: str | None = None) -> LightTarget:
    """A gentle way back to the room: warm 2700 K, 70 %, over ``duration_s`` (capped at the
    bridge's longest transition, 65535 × 100 ms)."""
    duration_s = max(0.0, min(float(duration_s), TRANSITION_DS_MAX / 10.0))
    return LightTarget(brightness_pct=70.0, transition_s=duration_s, kelvin=2700, group=group)


class NullLights:
    """No bridge configured: accepts every target and reports it (kind ``"light"``) with a
    note, health always OK. ``on_report`` is called synchronously on the caller's thread."""

    def __init__(self, on_report: ReportCallback | None = None,
                 note: str = "no light bridge configured") -> None:
        self.note = note
        self.group: str | None = None
        """The room's group (:meth:`use_group`): the emergency light names it."""
        self._on_report = on_report
        self._lock = threading.Lock()
        self.targets: list[LightTarget] = []
        """Everything applied, in order (handy in tests)."""

    @property
    def health(self) -> LightHealth:
        return LightHealth.OK

    def apply(self, target: LightTarget) -> None:
        self._accept(target, f"Lights {describe_target(target)} ({self.note})")

    def use_group(self, group: str | None) -> None:
        self.group = group

    def emergency_up(self) -> None:
        self._accept(replace(EMERGENCY_LIGHT, group=self.group),
                     f"Emergency light {describe_target(EMERGENCY_LIGHT)} ({self.note})")

    def _accept(self, target: LightTarget, message: str) -> None:
        with self._lock:
            self.targets.append(target)
        log.info("%s", message)
        if self._on_report is not None:
            try:
                self._on_report(LightReport("light", message, target, LightHealth.OK,
                                            time.time()))
            except Exception:
                log.exception("on_report callback failed")

    def flush(self, timeout_s: float) -> bool:
        return True

    def close(self) -> None:
        pass
