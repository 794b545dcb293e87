"""Messages from the broker to the board's Qt thread, coalesced per room.

paho calls :meth:`BoardFeed._take` on its own thread: the body is parsed and checked
there (:func:`~ketaroom.core.board.parse_payload`; anything unusable is counted and
dropped), and only the latest message of each room waits in :attr:`_pending`. One queued
``arrived`` signal tells the Qt thread to :meth:`drain` them, so however fast a broker
(or a hostile client) sends, the Qt thread's queue holds at most one event and the
pending set at most one message per room.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ketaroom.core.board import BrokerAddress, RoomMessage, parse_payload
from ketaroom.devices.mqtt import BoardSubscriber


class BoardFeed(QObject):
    """Room messages for the board; create and use it on the Qt thread."""

    arrived = Signal()
    """Messages wait in :meth:`drain` (emitted from paho's thread: connect it queued)."""
    link = Signal(bool, str)
    """The broker link changed: ``(connected, message)`` (from paho's thread)."""

    def __init__(self, address: BrokerAddress) -> None:
        super().__init__()
        self.address = address
        self.rejected = 0
        """Messages on ``ketaroom/rooms/+/state`` that were not a room's state."""
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[RoomMessage, float, bool]] = {}
        self._subscriber = BoardSubscriber(address, self._take, on_link=self.link.emit)

    @property
    def refused(self) -> int:
        """Messages refused so far: too big, or not a room's state."""
        return self.rejected + self._subscriber.dropped

    def start(self) -> None:
        self._subscriber.start()

    def close(self) -> None:
        self._subscriber.close()

    def drain(self) -> list[tuple[RoomMessage, float, bool]]:
        """The messages waiting (the latest per room, in arrival order), taken."""
        with self._lock:
            taken = list(self._pending.values())
            self._pending.clear()
        return taken

    def _take(self, topic: str, body: bytes, retained: bool, received_at: float) -> None:
        message = parse_payload(topic, body)
        if message is None:
            self.rejected += 1
            return
        with self._lock:
            was_empty = not self._pending
            self._pending.pop(message.slug, None)  # keep arrival order: latest last
            self._pending[message.slug] = (message, received_at, retained)
        if was_empty:
            self.arrived.emit()
