"""The room before its devices are up: holds the clinician's live controls, then hands them on.

The window shows its first frame before libVLC, the bridge's client and the journal are
loaded (issue 14: cold start). The light and music controls and the emergency button work
from that first frame: until the devices exist, :class:`PendingRoom` takes the same calls
as :class:`~ketaroom.session.devices.RoomDevices` and keeps the newest of each, in the order
they last happened; :meth:`PendingRoom.hand_over` then applies them to the real room, so a
slider moved (or the emergency pressed) while the room was being prepared takes effect the
moment it is ready. Skipping a track before any music plays has nothing to skip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ketaroom.core.targets import LightTarget
from ketaroom.session.room_state import MusicState

if TYPE_CHECKING:
    from ketaroom.session.devices import RoomDevices


class PendingRoom:
    """Stands in for the room's devices while they start (see the module docstring)."""

    def __init__(self) -> None:
        self.volume_pct = 0.0
        """The music volume wanted now (as :attr:`RoomDevices.volume_pct`)."""
        self._muted = False
        self._calls: dict[str, tuple[Any, ...]] = {}
        """The newest call of each kind, oldest first (a newer call moves to the end)."""

    def _hold(self, method: str, *args: Any) -> None:
        self._calls.pop(method, None)
        self._calls[method] = args

    def set_volume(self, pct: float) -> None:
        self.volume_pct = pct
        self._hold("set_volume", pct)

    def set_max_volume(self, pct: float) -> None:
        """A limit changed since the devices began to start (they start with the room's)."""
        self._hold("set_max_volume", pct)

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        self._hold("set_muted", muted)

    def skip_track(self) -> None:
        """Nothing plays yet: nothing to skip."""

    def refresh_gains(self) -> None:
        """Nothing plays yet: the player starts with the loudness target then in force."""

    def set_light(self, target: LightTarget) -> None:
        self._hold("set_light", target)

    def use_light_group(self, group: str | None) -> None:
        """Nothing to point yet: the service points the room's lights at the group it
        steers when they arrive, before the held calls are handed on."""

    def emergency(self) -> None:
        """Held like the rest: lights up warm (and music off) as soon as the room is up."""
        self._hold("emergency")

    def music_state(self) -> MusicState:
        """What a fresh music engine says: nothing plays, no volume yet (the slider keeps
        the clinician's value meanwhile, as it does with the engine), muted if asked."""
        return MusicState(None, 0.0, self._muted, "")

    def hand_over(self, room: RoomDevices) -> None:
        """Apply what was asked, in the order it was last asked, to the real room."""
        calls, self._calls = self._calls, {}
        for method, args in calls.items():
            getattr(room, method)(*args)

    def close(self) -> None:
        """Nothing to stop."""
