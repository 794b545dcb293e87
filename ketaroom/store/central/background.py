"""Sync in the background: every minute on a worker thread, never blocking its owner.

:class:`BackgroundSync` runs :func:`~.sync.sync` on its own daemon thread every
``interval_s`` and reports a :class:`SyncStatus` through ``on_status`` (called on that
thread: a window posts it to its own thread). While the server is away it keeps the
time it went away and counts the entries waiting, read from the local outbox; the
backlog goes out with the first sync that reaches the server again. No Qt here.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ketaroom.store.central.schema import CentralError, CentralUnavailableError
from ketaroom.store.central.sync import pending_count, sync
from ketaroom.store.journal import JournalError

__all__ = ["DEFAULT_INTERVAL_S", "BackgroundSync", "SyncStatus"]

DEFAULT_INTERVAL_S = 60.0


@dataclass(frozen=True)
class SyncStatus:
    """The last attempt: when it synced, since when the server is away, what waits."""

    synced_at: datetime | None
    away_since: datetime | None
    waiting: int
    problem: str | None = None
    """A refusal that waiting will not cure (newer server schema, rights), or None."""

    def line(self) -> str:
        """The status line: ``records synced 10:42`` / ``server away since 10:30, 14 …``."""
        if self.problem is not None:
            return f"records not synced: {self.problem}"
        if self.away_since is not None:
            entries = "entry" if self.waiting == 1 else "entries"
            return (f"server away since {self.away_since:%H:%M}, "
                    f"{self.waiting} {entries} waiting")
        if self.synced_at is not None:
            return f"records synced {self.synced_at:%H:%M}"
        return "records not synced yet"


class BackgroundSync:
    """Sync ``journal_path`` to ``dsn`` every ``interval_s`` on a daemon thread."""

    def __init__(self, journal_path: Path, dsn: str, *,
                 on_status: Callable[[SyncStatus], None],
                 interval_s: float = DEFAULT_INTERVAL_S, share_names: bool = False) -> None:
        self._journal_path = Path(journal_path)
        self._dsn = dsn
        self._share_names = share_names
        self._on_status = on_status
        self._interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.status = SyncStatus(None, None, 0)
        """The outcome of the latest attempt (see :attr:`attempted`)."""
        self.attempted = False

    def start(self) -> None:
        """Start the thread; the first sync runs at once."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="central-sync",
                                            daemon=True)
            self._thread.start()

    def set_dsn(self, dsn: str, *, share_names: bool | None = None) -> None:
        """Use another server address (and names choice, when given) from the next sync
        (taken at once)."""
        self._dsn = dsn
        if share_names is not None:
            self._share_names = share_names
        self._wake.set()

    def sync_now(self) -> None:
        """Ask for a sync now (returns at once)."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop after the sync under way, if any (its batch is committed or not sent)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.status = self._attempt(self.status)
            self.attempted = True
            with contextlib.suppress(Exception):  # the owner's callback must not end us
                self._on_status(self.status)
            self._wake.wait(self._interval_s)
            self._wake.clear()

    def _attempt(self, last: SyncStatus) -> SyncStatus:
        now = datetime.now().astimezone()
        try:
            sync(self._journal_path, self._dsn, share_names=self._share_names)
        except CentralUnavailableError:
            return SyncStatus(last.synced_at, last.away_since or now, self._waiting())
        except CentralError as exc:
            return SyncStatus(last.synced_at, None, self._waiting(), problem=str(exc))
        except (JournalError, sqlite3.Error) as exc:
            return SyncStatus(last.synced_at, None, last.waiting, problem=str(exc))
        return SyncStatus(now, None, self._waiting())

    def _waiting(self) -> int:
        try:
            return pending_count(self._journal_path, share_names=self._share_names)
        except (JournalError, sqlite3.Error, OSError):
            return self.status.waiting
