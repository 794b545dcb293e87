"""The room's hardware over a window's life: which bridge, and the devices built on it.

:class:`RoomHardware` chooses the room's bridge (in demo mode the built-in emulator, started
here), builds the room's :class:`~ketaroom.session.devices.RoomDevices` and replaces them
when the settings change or a new session needs a fresh room (so that device reports are
never recorded into an older session); a room it replaces closes in the background, its
fades finishing on their own.

At start-up (issue 14: the window's first frame comes before libVLC and the bridge's client
are loaded) the devices are built on the ``ketaroom-room-open`` worker thread, after the
composition root's warm-up imports. Until they are up, a
:class:`~ketaroom.session.pending_room.PendingRoom` takes the live controls; a
:class:`DeviceArrival` holds what the new devices report meanwhile; on the main thread the
devices are then connected (``connect``: the service's report listener and light group),
installed, their held reports released and the held controls handed on, in that order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ketaroom.session.pending_room import PendingRoom

if TYPE_CHECKING:
    from ketaroom.devices.hue_emulator import HueEmulator
    from ketaroom.session.devices import RoomDevices
    from ketaroom.store.settings import BridgeSettings, Settings

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]

DEMO_GROUP = "Treatment room"
CLOSE_TIMEOUT_S = 3.0
ROOM_OPEN_TIMEOUT_S = 20.0
"""How long a session that needs the devices waits for them to come up (libVLC's own
start-up allowance is 15 s)."""


class BackgroundCloser:
    """Closes what may take a while (a room's fades, a recorder, a broker link) on threads
    of their own; :meth:`join` waits for them, bounded, when the window closes."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def close(self, fn: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=fn, name=f"ketaroom-close-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def join(self, timeout_s: float) -> None:
        for thread in self._threads:
            thread.join(timeout_s)


@dataclass(eq=False)
class DeviceArrival:
    """Devices being built on a worker thread. What they report before they are installed
    is held here (their listener is registered on the main thread, at installation)."""

    post: Post
    room: RoomDevices | None = None
    error: str | None = None
    installed: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    _held: list[Callable[[], None]] | None = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hold_or_post(self, fn: Callable[[], None]) -> None:
        """The devices' ``post`` (any thread): held until :meth:`release`."""
        with self._lock:
            if self._held is not None:
                self._held.append(fn)
                return
        self.post(fn)

    def release(self) -> None:
        """Run what was held (main thread, once the room's listener is registered)."""
        with self._lock:
            held, self._held = self._held or [], None
        for fn in held:
            fn()


class RoomHardware:
    """The room's bridge and devices (see the module docstring). Main thread, except the
    building that :meth:`open` hands to its worker."""

    def __init__(self, post: Post, closer: BackgroundCloser, *, settings: Callable[[], Settings],
                 options: Callable[[], dict[str, object]],
                 connect: Callable[[RoomDevices], None],
                 devices_factory: Callable[..., RoomDevices], force_demo: bool,
                 warm_up: Callable[[], None] | None) -> None:
        """``options``: the devices' options besides the bridge and the volume limit (read
        when a room is built); ``connect``: called with every room before it is installed;
        ``warm_up`` runs on the worker thread before the devices (the composition root's
        imports)."""
        self._post = post
        self._closer = closer
        self._settings = settings
        self._options = options
        self._connect = connect
        self._factory = devices_factory
        self.force_demo = force_demo
        """Demo mode asked for (``--demo``), until an admin chooses the room's bridge."""
        self._warm_up = warm_up
        self.bridge: BridgeSettings | None = None
        """The room's bridge (the emulator's in demo mode); ``None`` until chosen."""
        self.emulator: HueEmulator | None = None
        self.room: RoomDevices | PendingRoom = PendingRoom()
        """The room's devices; a :class:`PendingRoom` until :meth:`open` built them."""
        self.used = False
        """The room has served a session: the next one gets a fresh room."""
        self.stale = False
        """The bridge or audio settings changed during a session: the next one uses them."""
        self._arrival: DeviceArrival | None = None
        """Devices under way on a worker thread (:meth:`open`)."""
        self._ready_listeners: list[Callable[[str | None], None]] = []
        self._closed = False

    # -- the bridge -----------------------------------------------------------------------

    @property
    def demo(self) -> bool:
        """Demo mode: the built-in emulator (before the bridge is chosen: what the settings
        make)."""
        if self.bridge is None:
            return self.force_demo or self._settings().bridge is None
        return self.emulator is not None

    @property
    def light_group(self) -> str | None:
        """The room's own light group (``None``: the room set none; before the bridge is
        chosen: the one the settings name)."""
        if self.bridge is not None:
            return self.bridge.group
        planned = self._settings().bridge
        return DEMO_GROUP if self.force_demo or planned is None else planned.group

    def choose_bridge(self) -> None:
        """The room's bridge, or the built-in emulator (demo mode) when none is paired."""
        from ketaroom.store.settings import BridgeSettings

        bridge = self._settings().bridge
        if self.force_demo or bridge is None:
            if self.emulator is None:
                from ketaroom.devices.hue_emulator import HueEmulator

                self.emulator = HueEmulator(lights=3)
                self.emulator.start()
            self.bridge = BridgeSettings(self.emulator.address, self.emulator.username,
                                         DEMO_GROUP)
            return
        if self.emulator is not None:
            self._closer.close(self.emulator.stop, "emulator")
            self.emulator = None
        self.bridge = bridge

    # -- the devices ----------------------------------------------------------------------

    def devices(self) -> RoomDevices | None:
        """The room's devices once they are up."""
        room = self.room
        return None if isinstance(room, PendingRoom) else room

    def on_ready(self, listener: Callable[[str | None], None]) -> None:
        """``listener(problem)`` on the main thread when :meth:`open` is done: ``problem``
        is ``None``, or says why the devices did not start."""
        self._ready_listeners.append(listener)

    def open(self, max_volume_pct: float, *, wait: bool) -> None:
        """Build the devices (the bridge chosen): here, or with ``wait=False`` on a worker
        thread (after the warm-up) while the :class:`PendingRoom` holds the live controls."""
        arrival = DeviceArrival(self._post)
        self._arrival = arrival
        build = self._builder(max_volume_pct, arrival.hold_or_post)
        warm_up = None if wait else self._warm_up

        def work() -> None:
            try:
                if warm_up is not None:
                    warm_up()
                arrival.room = build()
            except Exception as exc:  # said to the window; the process keeps running
                log.exception("the room's devices did not start")
                arrival.error = f"The room's devices did not start: {exc}"
            arrival.done.set()
            if not wait:
                self._post(lambda: self._arrived(arrival))

        if wait:
            work()
            self._arrived(arrival)
        else:
            threading.Thread(target=work, name="ketaroom-room-open", daemon=True).start()

    def _arrived(self, arrival: DeviceArrival) -> None:
        """Install devices built by :meth:`open` (main thread), hand the held controls on,
        and tell the listeners; devices nobody waits for any more are closed."""
        if arrival.installed:
            return
        arrival.installed = True
        room = arrival.room
        if arrival is not self._arrival or self._closed:
            if room is not None:
                self.retire(room)
            return
        self._arrival = None
        if room is not None:
            self._connect(room)  # its light group before the held emergency
            pending, self.room = self.room, room
            arrival.release()
            if isinstance(pending, PendingRoom):
                pending.hand_over(room)
        for listener in self._ready_listeners:
            listener(arrival.error)

    def await_room(self, max_volume_pct: float) -> None:
        """A session needs the devices: wait (bounded) for those under way, else build
        them here."""
        arrival = self._arrival
        if arrival is not None and arrival.done.wait(ROOM_OPEN_TIMEOUT_S):
            self._arrived(arrival)
        if self.devices() is None:
            self.open(max_volume_pct, wait=True)

    def replace(self, max_volume_pct: float) -> None:
        """The bridge or audio settings changed (no session runs): new devices with them;
        devices still under way with the old settings start again."""
        if self.devices() is None:
            self.choose_bridge()
            self.open(max_volume_pct, wait=False)
            return
        self.retire(self.room)
        self.choose_bridge()
        self.room = self._new_room(max_volume_pct)
        self.used = False
        self.stale = False

    def renew(self, cap_pct: float) -> None:
        """A fresh room for a new session (once the devices are up), capped at
        ``cap_pct``: the bridge chosen again when the settings changed during the last
        session; the previous room's fades finish on their own."""
        if self.stale:
            self.choose_bridge()
            self.stale = False
            self.used = True
        if self.used:
            self.retire(self.room)
            self.room = self._new_room(cap_pct)
        else:
            self.room.set_max_volume(cap_pct)
        self.used = True

    def retire(self, room: RoomDevices | PendingRoom) -> None:
        self._closer.close(room.close, "room")

    def _builder(self, max_volume_pct: float, post: Post) -> Callable[[], RoomDevices]:
        """Builds the room's devices as the settings say now (callable on any thread)."""
        factory, options = self._factory, {
            **self._options(), "bridge": self.bridge, "max_volume_pct": max_volume_pct}
        return lambda: factory(post, **options)

    def _new_room(self, max_volume_pct: float) -> RoomDevices:
        room = self._builder(max_volume_pct, self._post)()
        self._connect(room)
        return room

    def close(self) -> None:
        """Close the devices (and those that come up too late for this window) and stop
        the emulator; bounded in time."""
        self._closed = True
        arrival, self._arrival = self._arrival, None
        if arrival is not None and arrival.done.wait(CLOSE_TIMEOUT_S) and arrival.room:
            self.retire(arrival.room)
        self.room.close()
        self._closer.join(CLOSE_TIMEOUT_S)
        if self.emulator is not None:
            self.emulator.stop()
