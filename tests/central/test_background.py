"""BackgroundSync: the status line while the server is away and once it is back."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

from ketaroom.store.central.background import BackgroundSync, SyncStatus
from ketaroom.store.central.sync import pending_count
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from tests.central.records import assert_same
from tests.helpers.backlog import make_backlog
from tests.helpers.postgres import _free_port


def _next(statuses: queue.Queue[SyncStatus]) -> SyncStatus:
    return statuses.get(timeout=30)


def test_away_then_back_the_backlog_goes_out_and_the_line_says_so(
        tmp_path: Path, clinic_dsn: str) -> None:
    path = journal_path(tmp_path)
    make_backlog(path, sessions=2, events_per_session=6)
    statuses: queue.Queue[SyncStatus] = queue.Queue()
    away = f"postgresql://ketaroom:x@127.0.0.1:{_free_port()}/clinic?connect_timeout=1"
    background = BackgroundSync(path, away, on_status=statuses.put, interval_s=0.2)
    began = time.monotonic()
    background.start()
    try:
        first = _next(statuses)
        assert first.away_since is not None and first.waiting == 14
        assert first.line() == f"server away since {first.away_since:%H:%M}, 14 entries waiting"
        with Journal(path) as journal:  # the room goes on recording meanwhile
            journal.audit("tester", "export", "while away")
        second = _next(statuses)
        assert second.away_since == first.away_since and second.waiting == 15
        background.set_dsn(clinic_dsn)
        while (status := _next(statuses)).synced_at is None:
            assert time.monotonic() - began < 30
        assert status.line() == f"records synced {status.synced_at:%H:%M}"
        assert status.away_since is None and status.waiting == 0
    finally:
        background.stop()
    assert pending_count(path) == 0
    assert_same(clinic_dsn, path)


def test_stop_returns_promptly_and_the_callback_runs_off_the_caller_thread(
        tmp_path: Path, clinic_dsn: str) -> None:
    path = journal_path(tmp_path)
    make_backlog(path, sessions=1, events_per_session=3)
    threads: queue.Queue[str] = queue.Queue()
    background = BackgroundSync(path, clinic_dsn, interval_s=60,
                                on_status=lambda _s: threads.put(threading.current_thread().name))
    background.start()
    assert threads.get(timeout=30) == "central-sync"
    began = time.monotonic()
    background.stop()
    assert time.monotonic() - began < 5  # woken, not left to sleep its 60 s
