"""The window syncs in the background: its status line, and the session never waits."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ketaroom.app import build_main_window
from ketaroom.store.central.sync import pending_count
from ketaroom.store.paths import journal_path
from ketaroom.store.settings import Settings
from ketaroom.ui.main_window import MainWindow
from tests.central.records import assert_same
from tests.helpers.backlog import make_backlog

pytestmark = pytest.mark.gui


@pytest.fixture
def open_window(qtbot, tmp_path: Path) -> Iterator[Callable[[str | None], MainWindow]]:
    windows: list[MainWindow] = []

    def make(dsn: str | None) -> MainWindow:
        window = build_main_window(Settings(central_dsn=dsn), tmp_path, demo=True,
                                   audio="none")
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def test_the_window_syncs_and_says_when(qtbot, tmp_path: Path, clinic_dsn: str,
                                        open_window: Callable[[str], MainWindow]) -> None:
    make_backlog(journal_path(tmp_path), sessions=3, events_per_session=10)
    window = open_window(clinic_dsn)
    qtbot.waitUntil(lambda: window.records_label.text().startswith("records synced "),
                    timeout=30_000)
    assert window.records_label.isVisible()
    assert pending_count(journal_path(tmp_path)) == 0
    assert_same(clinic_dsn, journal_path(tmp_path))


def test_a_server_set_in_room_settings_is_synced_to_at_once(
        qtbot, tmp_path: Path, clinic_dsn: str,
        open_window: Callable[[str | None], MainWindow]) -> None:
    make_backlog(journal_path(tmp_path), sessions=2, events_per_session=4)
    window = open_window(None)
    assert window.service.records_sync is None and not window.records_label.isVisible()
    window._on_settings_saved(replace(window.settings, central_dsn=clinic_dsn))
    qtbot.waitUntil(lambda: window.records_label.text().startswith("records synced "),
                    timeout=30_000)
    assert_same(clinic_dsn, journal_path(tmp_path))


def test_server_away_the_line_counts_what_waits_and_the_window_stays_live(
        qtbot, tmp_path: Path, open_window: Callable[[str], MainWindow]) -> None:
    make_backlog(journal_path(tmp_path), sessions=2, events_per_session=5)
    # a server that takes the connection and never answers: libpq waits its 2 s timeout
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    away = f"postgresql://ketaroom:x@127.0.0.1:{port}/clinic?connect_timeout=2&sslmode=disable"
    window = open_window(away)
    beats: list[float] = []
    app = QApplication.instance()
    assert app is not None
    began = time.monotonic()
    while not window.records_label.text().startswith("server away since "):
        assert time.monotonic() - began < 30, window.records_label.text()
        app.processEvents()
        beats.append(time.monotonic())
        time.sleep(0.005)
    waiting = pending_count(journal_path(tmp_path))  # 12 rows, plus the window's own audit
    assert waiting >= 12
    assert window.records_label.text().endswith(f", {waiting} entries waiting")
    silent.close()
    took = time.monotonic() - began
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert took >= 1.5  # the attempt did hang on the silent server…
    assert max(gaps, default=0.0) < 0.5  # …and the event loop never waited for it
