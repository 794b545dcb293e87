"""The room's links to the rest of the clinic, as the window's service keeps them.

:class:`BoardConnection`: the nurse-station board (MQTT), when the command line or the
settings name a broker; the room's state goes there through a
:class:`~ketaroom.session.board.BoardLink`, and the broker coming and going is told to the
window and recorded in a running session like any device problem.
:class:`RecordsSyncLink`: the background copy of the journal to the clinic's records
server (PostgreSQL), when the settings name one.

Neither ever waits for the network on the main thread: the publisher and the sync work on
threads of their own and their news comes back through ``post``. paho and psycopg are
imported only when a broker or a server is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketaroom.core.board import BrokerAddress
    from ketaroom.session.board import BoardLink
    from ketaroom.session.room_hardware import BackgroundCloser
    from ketaroom.session.room_state import RoomReport
    from ketaroom.store.central.background import BackgroundSync, SyncStatus
    from ketaroom.store.record_schema import DeviceError, DeviceHealth
    from ketaroom.store.settings import Settings

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


class BoardConnection:
    """The room's link to the nurse-station board (see the module docstring). Main thread."""

    def __init__(self, post: Post, closer: BackgroundCloser, *,
                 override: BrokerAddress | None,
                 record: Callable[[DeviceHealth | DeviceError], None]) -> None:
        """``override``: ``--mqtt`` on the command line, which wins over the settings'
        broker; ``record`` records the broker coming or going into a running session."""
        self._post = post
        self._closer = closer
        self._override = override
        self._record = record
        self.link: BoardLink | None = None
        """Publishes the room's state to the board, or None (no broker set)."""
        self.reachable: bool | None = None
        """The board's broker answers (None: not known yet, or no board)."""
        self._listeners: list[Callable[[bool, str], None]] = []

    def on_link(self, listener: Callable[[bool, str], None]) -> None:
        """``listener(reachable, message)`` on the main thread when the broker comes or
        goes."""
        self._listeners.append(listener)

    def start(self, settings: Settings) -> None:
        """Publish to the command line's broker, else to the settings' (if any)."""
        self._start(self._override or _settings_broker(settings), settings.room_name)

    def settings_changed(self, old: Settings, new: Settings) -> None:
        """The settings name another broker or room: leave the old broker (in the
        background, its last state stays there) and publish to the new one — unless the
        command line named the broker."""
        if (new.board, new.room_name) == (old.board, old.room_name) or self._override is not None:
            return
        if self.link is not None:
            self._closer.close(self.link.publisher.close, "board")
            self.link = None
            self.reachable = None
        self._start(_settings_broker(new), new.room_name)

    def on_room_report(self, report: RoomReport) -> None:
        """A report of the room's devices: the board shows their health words."""
        if self.link is not None:
            self.link.on_room_report(report)

    def _start(self, address: BrokerAddress | None, room_name: str) -> None:
        if address is None:
            return
        from ketaroom.devices.mqtt import BoardPublisher  # paho only when a board is set
        from ketaroom.session.board import BoardLink

        def on_link(reachable: bool, message: str) -> None:  # paho's thread
            self._post(lambda: self._linked(reachable, message))

        publisher = BoardPublisher(address, room_name, on_link=on_link)
        publisher.start()
        self.link = BoardLink(publisher, room_name)

    def _linked(self, reachable: bool, message: str) -> None:
        """The broker came or went: recorded in a running session, and told."""
        from ketaroom.session.board import link_report

        self.reachable = reachable
        self._record(link_report(reachable, message))
        for listener in self._listeners:
            listener(reachable, message)


def _settings_broker(settings: Settings) -> BrokerAddress | None:
    if settings.board is None:
        return None
    from ketaroom.session.board import broker_of

    try:
        return broker_of(settings.board)
    except ValueError as exc:
        log.warning("nurse-station board: unusable broker address in the settings: %s", exc)
        return None


class RecordsSyncLink:
    """The background sync of the journal to the clinic's records server. Main thread."""

    def __init__(self, post: Post, journal_path: Callable[[], Path]) -> None:
        """``journal_path`` is read when a sync starts (it opens the records)."""
        self._post = post
        self._journal_path = journal_path
        self.sync: BackgroundSync | None = None
        """Syncs the journal to the clinic's records server, when one is set."""
        self._listeners: list[Callable[[SyncStatus], None]] = []

    def on_status(self, listener: Callable[[SyncStatus], None]) -> None:
        """Tell ``listener`` (on the main thread) each background sync's outcome."""
        self._listeners.append(listener)
        if self.sync is not None and self.sync.attempted:
            listener(self.sync.status)

    def update(self, settings: Settings) -> None:
        """Start, re-point or stop the background sync for the settings' records server
        (never waits: a sync under way finishes, or is cut short and resent, by itself)."""
        dsn, share = settings.central_dsn, settings.central_share_names
        if self.sync is not None and dsn:
            self.sync.set_dsn(dsn, share_names=share)
            return
        if self.sync is not None:
            self.sync.stop(timeout_s=0)
            self.sync = None
        if dsn:
            from ketaroom.store.central.background import BackgroundSync

            self.sync = BackgroundSync(
                self._journal_path(), dsn, share_names=share,
                on_status=lambda status: self._post(lambda: self._status(status)))
            self.sync.start()

    def _status(self, status: SyncStatus) -> None:
        for listener in self._listeners:
            listener(status)

    def stop(self, timeout_s: float) -> None:
        """Stop syncing (a batch cut short is resent next time)."""
        if self.sync is not None:
            self.sync.stop(timeout_s)
