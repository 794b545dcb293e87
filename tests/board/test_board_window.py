"""The board window against a real mosquitto: rooms appear, an emergency chimes, and
hostile messages on ``ketaroom/#`` neither crash nor freeze it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from ketaroom.board.chime import Chime
from ketaroom.board.feed import BoardFeed
from ketaroom.board.window import BoardWindow
from ketaroom.core.board import RoomSnapshot, parse_broker
from ketaroom.devices.mqtt import BoardPublisher
from tests.helpers.mosquitto import Mosquitto
from tests.helpers.waiting import wait_until

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def board(qtbot, broker: Mosquitto) -> Iterator[BoardWindow]:
    window = BoardWindow(BoardFeed(parse_broker(broker.address)), Chime("none"))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    yield window
    window.close()


@pytest.fixture
def room(broker: Mosquitto) -> Iterator[BoardPublisher]:
    publisher = BoardPublisher(parse_broker(broker.address), "Room A")
    publisher.start()
    assert wait_until(lambda: publisher.reachable, 10)
    yield publisher
    publisher.close()


def tile_says(board: BoardWindow, slug: str, name: str) -> str:
    tile = board.tiles.get(slug)
    return tile.labels[name].text() if tile is not None else ""


def test_a_room_appears_and_an_emergency_chimes_once(qtbot, board, room):
    room.offer(RoomSnapshot("Room A", "running", patient="PT-0042", phase="Onset",
                            phase_index=0, phase_remaining_s=90, session_elapsed_s=10))
    qtbot.waitUntil(lambda: tile_says(board, "room-a", "phase") == "Onset", timeout=5000)
    assert tile_says(board, "room-a", "patient") == "PT-0042"
    assert tile_says(board, "room-a", "remaining") in ("01:30", "01:29", "01:28")
    assert board.link_label.property("bad") is False
    for _ in range(2):  # the same emergency again: one chime only
        room.offer(RoomSnapshot("Room A", "emergency", phase="Onset", phase_index=0))
        qtbot.waitUntil(lambda: board.tiles["room-a"].kind == "emergency", timeout=5000)
    assert tile_says(board, "room-a", "status") == "EMERGENCY"
    assert board.chime.rung == 1


def test_hostile_messages_never_crash_or_freeze_the_board(qtbot, board, room, broker):
    room.offer(RoomSnapshot("Room A", "running", phase="Onset", phase_index=0))
    qtbot.waitUntil(lambda: "room-a" in board.tiles, timeout=5000)
    attacker = mqtt.Client(CallbackAPIVersion.VERSION2)
    attacker.connect("127.0.0.1", broker.port, 5)
    attacker.loop_start()
    try:
        hostile = [
            ("ketaroom/rooms/evil/state", b"\x00\xff garbage \xfe"),
            ("ketaroom/rooms/evil/state", b"x" * 10_000_000),
            ("ketaroom/rooms/evil/state", b'{"status": ["running"], "room": 5}'),
            ("ketaroom/rooms/evil/state", b'{"status": "running", "phase_remaining_s": "1e999",'
                                          b' "cues_due": {"a": 1}, "phase_index": -4,'
                                          b' "updated_at": 12}'),
            ("ketaroom/rooms/evil/state", b"[" * 50_000),
            ("ketaroom/rooms/evil/other", b'{"status": "running"}'),
            ("ketaroom/hello", b"hi"),
        ]
        for topic, body in hostile:
            attacker.publish(topic, body, qos=1).wait_for_publish(10)
        begin = time.monotonic()
        room.offer(RoomSnapshot("Room A", "running", phase="Peak", phase_index=1))
        qtbot.waitUntil(lambda: tile_says(board, "room-a", "phase") == "Peak", timeout=5000)
        assert time.monotonic() - begin < 5, "the board kept up"
        # the one well-formed but odd message is a room, with the bad fields dropped
        qtbot.waitUntil(lambda: "evil" in board.tiles, timeout=5000)
        assert tile_says(board, "evil", "remaining") == "open" or \
            tile_says(board, "evil", "remaining") == ""
        assert board.model.entry("evil").message.cues_due == ()
        qtbot.waitUntil(lambda: board.feed.refused >= 4, timeout=5000)  # 3 bad, 1 too big
    finally:
        attacker.disconnect()
        attacker.loop_stop()


def test_the_board_says_when_its_broker_is_gone(qtbot, board, broker):
    qtbot.waitUntil(lambda: board.link_label.property("bad") is False, timeout=5000)
    broker.stop()
    qtbot.waitUntil(lambda: board.link_label.property("bad") is True, timeout=10_000)
    assert "not connected" in board.link_label.text()
    broker.start()
    qtbot.waitUntil(lambda: board.link_label.property("bad") is False, timeout=10_000)
