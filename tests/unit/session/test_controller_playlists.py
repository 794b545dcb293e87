"""The controller's playlist switch ("Another playlist for this phase") with playlists as
clinics have them: skipped entries are warnings naming them, a FIFO never hangs it."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.clock import ManualClock
from ketaroom.core.session import Session
from ketaroom.session.controller import SessionController
from ketaroom.session.devices import RoomDevices
from ketaroom.session.recorder import SessionRecorder
from ketaroom.session.runner import SessionRunner
from ketaroom.store.journal import Journal
from tests.helpers.fakes import ManualWakeups, phase, preset


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[SessionController, list[dict[str, Any]]]]:
    clock = ManualClock(0)
    p = preset(phase("A", 600))
    runner = SessionRunner(Session(p, clock), post=lambda fn: fn(), wakeups=ManualWakeups(clock))
    room = RoomDevices(lambda fn: fn(), audio="none")  # plays nothing; keeps what it was asked
    recorder = SessionRecorder(Journal(tmp_path / "sessions.sqlite3"), synchronous=True)
    recorder.begin(p, room="test")
    records: list[dict[str, Any]] = []
    controller = SessionController(runner, room, recorder, emit=records.append)
    runner.start()
    yield controller, records
    room.close()


def warnings(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["severity"], r["message"]) for r in records if r["event"] == "device_error"]


def test_skipped_entries_are_warnings_naming_them(rig, tmp_path: Path) -> None:
    controller, records = rig
    track = tmp_path / "Album" / "01 – Calm.ogg"
    track.parent.mkdir()
    track.write_bytes(b"OggS and more")
    playlist = tmp_path / "evening.m3u"
    playlist.write_bytes("Album\\01 – Calm.ogg\r\nhttp://radio.example/live\r\n"
                         "Album\\gone.ogg\r\n".encode("cp1252"))
    controller.set_volume(40)
    controller.choose_playlist(playlist)
    assert warnings(records) == [
        ("warning", "'evening.m3u': 'http://radio.example/live': not a local file (skipped)"),
        ("warning", "'evening.m3u': 'Album\\gone.ogg': missing (skipped)"),
    ]
    assert controller.room.player.status().track == track.resolve()


def test_a_fifo_playlist_does_not_hang_the_controller(rig, tmp_path: Path) -> None:
    controller, records = rig
    fifo = tmp_path / "calm.m3u"
    os.mkfifo(fifo)
    done = threading.Event()

    def choose() -> None:
        controller.choose_playlist(fifo)
        done.set()

    threading.Thread(target=choose, daemon=True).start()
    assert done.wait(5), "choose_playlist blocked on a FIFO"
    assert warnings(records) == [("warning", "cannot read 'calm.m3u': not a regular file")]
