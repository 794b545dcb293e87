"""MQTT for the nurse-station board (paho-mqtt 2.x, its v2 callback API).

:class:`BoardPublisher` is a room's side: it publishes the room's state (built by
:mod:`ketaroom.core.board`) retained at QoS 1, with a retained last will saying
``offline``. All network work happens on paho's own loop thread (``loop_start``):
:meth:`BoardPublisher.offer` only stores the state and queues a packet, so a broker that
is slow, down or gone never holds the session's owner thread. paho reconnects by itself
(``reconnect_delay_set``); on every (re)connection the latest state is published again.
Link changes (reachable / unreachable) are told to ``on_link`` — on paho's thread, so
the owner posts them to its own queue and reports them like any device problem.

:class:`BoardSubscriber` is the board's side: it subscribes to every room's state topic
and hands each message (topic, body, retained, arrival time) to ``on_message`` on
paho's thread; bodies over :data:`~ketaroom.core.board.MAX_PAYLOAD_BYTES` are dropped
there, unread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ketaroom.core.board import (
    HEARTBEAT_S,
    MAX_PAYLOAD_BYTES,
    STATE_FILTER,
    BrokerAddress,
    RoomSnapshot,
    build_payload,
    encode,
    offline_payload,
    room_slug,
    significant,
    state_topic,
)

log = logging.getLogger(__name__)

KEEPALIVE_S = 5
"""MQTT keepalive: the broker gives up on a silent room (and sends its will) after 1.5×."""
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 4
"""paho's reconnect back-off, so a restarted broker hears from the room within seconds."""
MAX_QUEUED = 32
"""Messages paho may hold while a connection stalls; past that a state is simply skipped
(a newer one follows, and the latest is republished on reconnection)."""
LIVE_STATUSES = ("running", "paused", "emergency")
"""A room in these states publishes at least every :data:`HEARTBEAT_S`."""

LinkReport = Callable[[bool, str], None]
"""``(reachable, message)``: the broker link changed (called on paho's thread)."""


def _client(address: BrokerAddress, role: str, slug: str) -> mqtt.Client:
    """A paho client (v2 callbacks, MQTT 3.1.1, clean session) set up for ``address``."""
    client_id = f"ketaroom-{role}-{slug}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv311, clean_session=True)
    client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
    client.max_queued_messages_set(MAX_QUEUED)
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(ca_certs=address.ca_file, cert_reqs=ssl.CERT_REQUIRED)
    return client


def _where(address: BrokerAddress) -> str:
    return f"{address.host}:{address.port}"


class BoardPublisher:
    """Publishes one room's state to the board's broker, from paho's loop thread."""

    def __init__(self, address: BrokerAddress, room: str, *,
                 on_link: LinkReport | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.address = address
        self.room = room
        self.topic = state_topic(room)
        self._on_link = on_link
        self._now = now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._latest: dict[str, Any] | None = None
        self._sent_key: dict[str, Any] | None = None
        self._sent_at = -float("inf")
        self._reachable: bool | None = None
        self._client = _client(address, "room", room_slug(room))
        self._client.will_set(self.topic, encode(offline_payload(room, now())), qos=1,
                              retain=True)
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_connect_fail = self._connect_failed

    @property
    def reachable(self) -> bool:
        """Connected to the broker now."""
        return self._client.is_connected()

    def start(self) -> None:
        """Connect in the background; returns at once, whether the broker is there or not."""
        self._client.connect_async(self.address.host, self.address.port, KEEPALIVE_S)
        self._client.loop_start()

    def offer(self, snapshot: RoomSnapshot) -> bool:
        """The room's state now: published when it changed, or when a live room's
        heartbeat is due. Never waits for the network. True when a message was queued."""
        payload = build_payload(snapshot, self._now())
        key = significant(payload)
        with self._lock:
            self._latest = payload
            due = (key != self._sent_key
                   or (snapshot.status in LIVE_STATUSES
                       and self._monotonic() - self._sent_at >= HEARTBEAT_S))
            if not due or not self._client.is_connected():
                return False
            self._sent_key, self._sent_at = key, self._monotonic()
        return self._send(payload)

    def close(self, final: RoomSnapshot | None = None, timeout_s: float = 2.0) -> None:
        """Publish ``final`` (if given and the broker is there), then disconnect cleanly:
        a clean disconnect sends no last will, so the board keeps the last state."""
        if final is not None and self._client.is_connected():
            info = self._client.publish(self.topic, encode(build_payload(final, self._now())),
                                        qos=1, retain=True)
            # the link may go away meanwhile: the broker then keeps what it had
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout_s)
        self._client.disconnect()
        self._client.loop_stop()

    def _send(self, payload: dict[str, Any]) -> bool:
        info = self._client.publish(self.topic, encode(payload), qos=1, retain=True)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def _tell(self, reachable: bool, message: str) -> None:
        if reachable == self._reachable:
            return
        self._reachable = reachable
        if self._on_link is not None:
            self._on_link(reachable, message)

    # -- paho's thread ----------------------------------------------------------------

    def _connected(self, _client: mqtt.Client, _userdata: Any, _flags: Any,
                   reason: Any, _properties: Any) -> None:
        if reason.is_failure:
            self._tell(False, f"the board's broker at {_where(self.address)} refused the "
                              f"room ({reason}); retrying")
            return
        with self._lock:
            latest = self._latest
            if latest is not None:
                self._sent_key, self._sent_at = significant(latest), self._monotonic()
        if latest is not None:
            self._send(latest)
        self._tell(True, f"the nurse-station board's broker at {_where(self.address)} "
                         "is reachable")

    def _disconnected(self, _client: mqtt.Client, _userdata: Any, _flags: Any,
                      reason: Any, _properties: Any) -> None:
        if reason.is_failure:
            self._tell(False, f"the nurse-station board is unreachable (broker at "
                              f"{_where(self.address)}: {reason}); reconnecting")

    def _connect_failed(self, _client: mqtt.Client, _userdata: Any) -> None:
        self._tell(False, f"the nurse-station board is unreachable (no broker at "
                          f"{_where(self.address)}); retrying")


MessageSink = Callable[[str, bytes, bool, float], None]
"""``(topic, body, retained, received_at)`` with ``received_at`` in ``time.time()``."""


class BoardSubscriber:
    """Subscribes to every room's state; each message goes to ``on_message`` (paho's
    thread). Oversized bodies are dropped before anyone reads them."""

    def __init__(self, address: BrokerAddress, on_message: MessageSink, *,
                 on_link: LinkReport | None = None) -> None:
        self.address = address
        self._sink = on_message
        self._on_link = on_link
        self._client = _client(address, "board", "nurse")
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_connect_fail = self._connect_failed
        self._client.on_message = self._message
        self.dropped = 0
        """Messages dropped unread (too big) or that could not be handed on."""

    def start(self) -> None:
        """Connect in the background (and keep reconnecting); returns at once."""
        self._client.connect_async(self.address.host, self.address.port, KEEPALIVE_S)
        self._client.loop_start()

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _connected(self, client: mqtt.Client, _userdata: Any, _flags: Any,
                   reason: Any, _properties: Any) -> None:
        if reason.is_failure:
            self._report(False, f"the broker at {_where(self.address)} refused ({reason})")
            return
        client.subscribe(STATE_FILTER, qos=1)  # again on every reconnection (clean session)
        self._report(True, f"connected to {_where(self.address)}")

    def _disconnected(self, _client: mqtt.Client, _userdata: Any, _flags: Any,
                      reason: Any, _properties: Any) -> None:
        self._report(False, f"lost the broker at {_where(self.address)} ({reason}); "
                            "reconnecting")

    def _connect_failed(self, _client: mqtt.Client, _userdata: Any) -> None:
        self._report(False, f"no broker at {_where(self.address)}; retrying")

    def _report(self, up: bool, message: str) -> None:
        if self._on_link is not None:
            self._on_link(up, message)

    def _message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage
                 ) -> None:
        received_at = time.time()
        try:
            body = message.payload
            if len(body) > MAX_PAYLOAD_BYTES:
                self.dropped += 1
                return
            self._sink(message.topic, bytes(body), bool(message.retain), received_at)
        except Exception:  # an exception here would end paho's loop thread: never
            self.dropped += 1
            log.exception("board: a message could not be handed on")
