"""The room's publisher against a real mosquitto: retained QoS 1 state, last will,
broker down at start, broker restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaroom.core.board import RoomSnapshot, parse_broker, state_topic
from ketaroom.devices.mqtt import KEEPALIVE_S, BoardPublisher
from tests.board.collector import Collector
from tests.helpers.mosquitto import Mosquitto
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.slow

TOPIC = state_topic("Room A")


def snapshot(phase: str = "Onset", index: int = 0, status: str = "running") -> RoomSnapshot:
    return RoomSnapshot("Room A", status, preset="demo", patient="PT-0042", phase=phase,
                        phase_index=index, phase_remaining_s=60.0, session_elapsed_s=5.0,
                        cues_due=("Check in",), lights="ok", music="ok")


class Links:
    """What the publisher said about its link, in order."""

    def __init__(self) -> None:
        self.said: list[tuple[bool, str]] = []
        self._lock = threading.Lock()

    def __call__(self, up: bool, message: str) -> None:
        with self._lock:
            self.said.append((up, message))

    def last(self) -> bool | None:
        with self._lock:
            return self.said[-1][0] if self.said else None


@pytest.fixture
def links() -> Links:
    return Links()


@pytest.fixture
def publisher(broker: Mosquitto, links: Links) -> Iterator[BoardPublisher]:
    room = BoardPublisher(parse_broker(broker.address), "Room A", on_link=links)
    room.start()
    yield room
    room.close()


def test_keepalive_is_within_the_contract():
    assert KEEPALIVE_S <= 10


def test_state_is_retained_and_read_by_a_late_subscriber(broker, publisher, links):
    assert wait_until(lambda: publisher.reachable, 10)
    assert wait_until(lambda: publisher.offer(snapshot()), 5)
    assert wait_until(lambda: links.last() is True, 5)
    first = Collector(broker.port)  # once it has the state, the broker has it
    try:
        assert wait_until(lambda: first.on(TOPIC), 5)
    finally:
        first.close()
    late = Collector(broker.port)
    try:
        assert wait_until(lambda: late.on(TOPIC), 5)
        body, retained = late.on(TOPIC)[0]
        assert retained, "a board that starts later must get the state at once"
        assert body["status"] == "running" and body["patient"] == "PT-0042"
        assert body["phase"] == "Onset" and body["cues_due"] == ["Check in"]
        assert body["updated_at"].endswith("Z")
    finally:
        late.close()


def test_publishes_on_change_and_a_heartbeat_not_on_every_tick(broker, publisher):
    live = Collector(broker.port)
    try:
        assert wait_until(lambda: publisher.reachable, 10)
        assert publisher.offer(snapshot())
        assert not publisher.offer(snapshot()), "nothing changed: no new message yet"
        assert publisher.offer(snapshot("Peak", 1)), "a new phase is published at once"
        assert wait_until(lambda: len(live.on(TOPIC)) >= 2, 5)
        assert live.last(TOPIC)["phase"] == "Peak"
        heard = len(live.on(TOPIC))
        assert wait_until(lambda: publisher.offer(snapshot("Peak", 1)), 6, 0.25), \
            "a running room speaks again within 5 s even when nothing changed"
        assert wait_until(lambda: len(live.on(TOPIC)) > heard, 5)
    finally:
        live.close()


def test_last_will_is_retained_offline_when_the_room_dies(broker, tmp_path: Path):
    script = (
        "import sys, time\n"
        "from ketaroom.core.board import RoomSnapshot, parse_broker\n"
        "from ketaroom.devices.mqtt import BoardPublisher\n"
        "p = BoardPublisher(parse_broker(sys.argv[1]), 'Room A')\n"
        "p.start()\n"
        "while not p.offer(RoomSnapshot('Room A', 'running', phase='Onset')):\n"
        "    time.sleep(0.05)\n"
        "print('up', flush=True)\n"
        "time.sleep(60)\n")
    room = subprocess.Popen([sys.executable, "-c", script, broker.address],
                            stdout=subprocess.PIPE, text=True)
    watcher = Collector(broker.port)
    try:
        assert room.stdout is not None and room.stdout.readline().strip() == "up"
        assert wait_until(lambda: (watcher.last(TOPIC) or {}).get("status") == "running", 5)
        os.kill(room.pid, signal.SIGKILL)
        assert wait_until(lambda: (watcher.last(TOPIC) or {}).get("status") == "offline", 15)
    finally:
        room.kill()
        room.wait(5)
        watcher.close()
    late = Collector(broker.port)
    try:
        assert wait_until(lambda: late.on(TOPIC), 5)
        body, retained = late.on(TOPIC)[-1]
        assert retained and body["status"] == "offline" and body["room"] == "Room A"
    finally:
        late.close()


def test_broker_down_at_start_then_there(tmp_path: Path, links: Links):
    broker = Mosquitto(tmp_path)  # not started yet
    room = BoardPublisher(parse_broker(broker.address), "Room A", on_link=links)
    room.start()
    try:
        assert wait_until(lambda: links.last() is False, 10), "unreachable is reported"
        begin = time.monotonic()
        for i in range(50):
            room.offer(snapshot(index=i))
        assert time.monotonic() - begin < 0.5, "offering a state never waits for the network"
        broker.start()
        assert wait_until(lambda: links.last() is True, 10)
        watcher = Collector(broker.port)
        try:
            assert wait_until(lambda: watcher.on(TOPIC), 5)
            assert watcher.last(TOPIC)["phase_index"] == 49, "the latest state, retained"
        finally:
            watcher.close()
    finally:
        room.close()
        broker.stop()


def test_state_is_republished_within_10_s_of_a_broker_restart(broker, publisher, links):
    assert wait_until(lambda: publisher.reachable, 10)
    assert publisher.offer(snapshot("Peak", 1))
    broker.stop()  # persistence false: the restarted broker remembers nothing
    assert wait_until(lambda: links.last() is False, 10)
    broker.start()
    restarted = time.monotonic()
    watcher = Collector(broker.port)
    try:
        assert wait_until(lambda: watcher.on(TOPIC), 10)
        assert time.monotonic() - restarted <= 10
        assert watcher.last(TOPIC)["phase"] == "Peak"
    finally:
        watcher.close()
