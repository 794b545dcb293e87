"""The room window with ``--mqtt``: its state reaches the broker, and its status line
says when the nurse-station board is unreachable (real mosquitto, real window)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ketaroom.app import build_main_window
from ketaroom.core.board import parse_broker, state_topic
from ketaroom.store.paths import presets_dir
from ketaroom.store.settings import Settings
from ketaroom.ui.theme import apply_theme
from tests.board.collector import Collector
from tests.helpers.mosquitto import Mosquitto
from tests.helpers.waiting import wait_until

pytestmark = [pytest.mark.gui, pytest.mark.slow]

PRESET = """\
name: Board window
phases:
  - name: Arrival
    duration: 10m
    light: {brightness: 40, kelvin: 2700, transition: 3s}
    cues:
      - at: 0s
        prompt: Check blood pressure
        kind: vitals
"""


def test_the_window_publishes_and_says_when_the_board_is_unreachable(qtbot, tmp_path: Path):
    folder = presets_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "board.yaml").write_text(PRESET, encoding="utf-8")
    app = QApplication.instance()
    assert app is not None
    apply_theme(app)  # type: ignore[arg-type]
    broker = Mosquitto(tmp_path)  # not running: the board is unreachable at first
    window = build_main_window(Settings(default_preset="board.yaml", room_name="Room 7"),
                               tmp_path, demo=True, audio="none",
                               board=parse_broker(broker.address))
    window.confirm_close = lambda: True  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: "unreachable" in window.board_label.text(), timeout=10_000)
        assert window.board_label.isVisible()
        window.patient_picker.code.setText("PT-0042")  # a clinical session has its patient
        window.session_panel.start_button.click()
        qtbot.waitUntil(lambda: window.service.session_state() is not None, timeout=5000)
        broker.start()
        qtbot.waitUntil(lambda: window.board_label.text().endswith("connected"),
                        timeout=10_000)
        watcher = Collector(broker.port)
        topic = state_topic("Room 7")
        try:
            assert wait_until(lambda: (watcher.last(topic) or {}).get("phase") == "Arrival", 10)
            state = watcher.last(topic)
            assert state is not None
            assert state["room"] == "Room 7" and state["status"] == "running"
            assert state["patient"] == "PT-0042", "the patient's code, never a name"
            window.close()
            assert wait_until(lambda: (watcher.last(topic) or {}).get("status") == "offline",
                              10), "a room whose window closes says so"
        finally:
            watcher.close()
    finally:
        window.close()
        broker.stop()


def test_the_broker_in_the_settings_is_used_and_a_new_one_taken_at_once(
        qtbot, tmp_path: Path, broker: Mosquitto):
    from ketaroom.store.settings import BoardBroker

    app = QApplication.instance()
    assert app is not None
    apply_theme(app)  # type: ignore[arg-type]
    (tmp_path / "other").mkdir()
    other = Mosquitto(tmp_path / "other")  # never started: the room's first broker is away
    settings = Settings(room_name="Room 8", board=BoardBroker(other.address))
    window = build_main_window(settings, tmp_path, demo=True, audio="none")
    window.confirm_close = lambda: True  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    watcher = Collector(broker.port)
    try:
        qtbot.waitUntil(lambda: "unreachable" in window.board_label.text(), timeout=10_000)
        window.service.apply_settings(Settings(room_name="Room 8",
                                               board=BoardBroker(broker.address)))
        qtbot.waitUntil(lambda: window.board_label.text().endswith("connected"),
                        timeout=10_000)
        qtbot.waitUntil(lambda: (watcher.last(state_topic("Room 8")) or {}).get("status")
                        == "idle", timeout=10_000)
    finally:
        watcher.close()
        window.close()
