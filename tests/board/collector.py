"""A plain paho subscriber for tests: collects every message on ``ketaroom/#``."""

from __future__ import annotations

import json
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


class Collector:
    def __init__(self, port: int, topic: str = "ketaroom/#") -> None:
        self.messages: list[tuple[str, dict[str, Any], bool]] = []
        self._lock = threading.Lock()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self._client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self._client.on_message = self._on_message
        self.subscribed = threading.Event()
        self._client.on_subscribe = lambda *_: self.subscribed.set()
        self._client.connect("127.0.0.1", port, 5)
        self._client.loop_start()
        if not self.subscribed.wait(10):
            raise RuntimeError("the test subscriber could not subscribe")

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(message.payload)
        except ValueError:
            body = {"raw": message.payload[:100]}
        with self._lock:
            self.messages.append((message.topic, body, bool(message.retain)))

    def on(self, topic: str) -> list[tuple[dict[str, Any], bool]]:
        with self._lock:
            return [(body, retained) for t, body, retained in self.messages if t == topic]

    def last(self, topic: str) -> dict[str, Any] | None:
        found = self.on(topic)
        return found[-1][0] if found else None

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
