"""Rooms and the board end to end, against a real mosquitto: two ``ketaroom rehearse
--mqtt … --room`` processes on one board, one of them killed; and a rehearsal whose
broker is not there at first."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaroom.board.chime import Chime
from ketaroom.board.feed import BoardFeed
from ketaroom.board.window import BoardWindow
from ketaroom.core.board import parse_broker
from ketaroom.shipped import PRESETS_DIR
from tests.board.collector import Collector
from tests.helpers.mosquitto import Mosquitto
from tests.helpers.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.gui]

DEMO = str(Path(PRESETS_DIR) / "demo-3min.yaml")  # Arrival 45 s, Deep 75 s, Return 60 s


def rehearse(address: str, room: str, data: Path, speed: float, *extra: str
             ) -> subprocess.Popen[str]:
    data.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "ketaroom", "rehearse", DEMO, "--speed", str(speed),
         "--audio", "none", "--mqtt", address, "--room", room, "--data-dir", str(data),
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_two_rooms_move_through_phases_and_a_killed_room_goes_offline(
        qtbot, broker: Mosquitto, tmp_path: Path, processes):
    board = BoardWindow(BoardFeed(parse_broker(broker.address)), Chime("none"))
    qtbot.addWidget(board)
    board.show()
    processes.append(rehearse(broker.address, "Room A", tmp_path / "a", 8))
    processes.append(rehearse(broker.address, "Room B", tmp_path / "b", 8))
    seen: dict[str, set[str]] = {"room-a": set(), "room-b": set()}

    def both_moved() -> bool:
        for slug, phases in seen.items():
            entry = board.model.entry(slug)
            if entry is not None and entry.message.phase:
                phases.add(entry.message.phase)
        return all({"Arrival", "Deep"} <= phases for phases in seen.values())

    qtbot.waitUntil(both_moved, timeout=40_000)
    tile = board.tiles["room-b"]
    assert tile.labels["room"].text() == "Room B"
    assert tile.kind in ("running", "cues")
    assert tile.labels["remaining"].text() not in ("", "open")
    killed = time.monotonic()
    os.kill(processes[1].pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: board.tiles["room-b"].kind == "offline", timeout=15_000)
    assert time.monotonic() - killed <= 15
    assert board.tiles["room-b"].labels["status"].text().startswith("OFFLINE")
    assert board.tiles["room-a"].kind != "offline", "the other room goes on"
    board.close()


def test_a_rehearsal_runs_without_its_broker_and_connects_when_it_comes(
        tmp_path: Path, processes):
    broker = Mosquitto(tmp_path)  # not running yet
    begun = time.monotonic()
    room = rehearse(broker.address, "Room A", tmp_path / "a", 20, "--json",
                    "--patient", "PT-0042")
    processes.append(room)
    time.sleep(2)
    assert room.poll() is None, "the session runs without the board's broker"
    broker.start()
    try:
        watcher = Collector(broker.port)
        try:
            assert wait_until(lambda: watcher.on("ketaroom/rooms/room-a/state"), 10)
            first = watcher.last("ketaroom/rooms/room-a/state")
            assert first is not None and first["room"] == "Room A"
            assert first["status"] in ("running", "ended")
            assert first["patient"] == "PT-0042", "the patient's code, nothing else"
        finally:
            watcher.close()
        out, err = room.communicate(timeout=60)
    finally:
        broker.stop()
    assert room.returncode == 0, err
    assert time.monotonic() - begun < 60, "the broker being away never slowed the session"
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    board_problems = [e for e in events if e.get("device") == "board"]
    assert board_problems and "unreachable" in board_problems[0]["message"]
    assert events[-1]["event"] == "session_end" and events[-1]["status"] == "completed"
    listed = subprocess.run([sys.executable, "-m", "ketaroom", "sessions", "--json",
                             "--data-dir", str(tmp_path / "a")],
                            capture_output=True, text=True, check=True)
    assert [s["room"] for s in json.loads(listed.stdout)] == ["Room A"]
