"""Writes a session's record to the journal on a background thread.

The session (on the Qt main thread, or rehearse's loop) must never wait for the
disk, and nothing it records may be lost: :meth:`SessionRecorder.record` only puts
the entry on a queue and returns a *ticket*; the recorder thread appends entries in
order through a :class:`~ketaroom.store.journal.BufferedJournalWriter`, which keeps
them in memory while the disk refuses and writes them out as soon as it can.
Entries refer to earlier ones (a cue acknowledgement to its cue, a correction to
its note) by ticket; the thread maps tickets to journal ids.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ketaroom.core.preset import Preset
from ketaroom.store.journal import BufferedJournalWriter, Journal

log = logging.getLogger(__name__)

RETRY_S = 2.0
"""How often a refused backlog is retried when nothing new arrives."""


def _read_text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class _Entry:
    ticket: int
    kind: str
    session_t: float
    phase_index: int | None
    payload: dict[str, Any]
    refers_to: int | None
    wall: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass(frozen=True)
class RecorderHealth:
    pending: int
    error: str | None


class SessionRecorder:
    """Records one session. ``on_health`` is called from the recorder thread."""

    def __init__(self, journal: Journal, *, synchronous: bool = False,
                 on_health: Callable[[RecorderHealth], None] | None = None) -> None:
        """With ``synchronous`` (headless rehearse), :meth:`record` writes before returning,
        so whatever was reported to the outside world is already on disk."""
        self.journal = journal
        self._synchronous = synchronous
        self._write_lock = threading.Lock()
        self._on_health = on_health
        self._writer = BufferedJournalWriter(journal, on_change=self._health_changed)
        self._queue: queue.Queue[_Entry | Callable[[], None] | None] = queue.Queue()
        self._tickets = itertools.count(1)
        self._ids: dict[int, int] = {}
        self.session_id: int | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="ketaroom-recorder", daemon=True)
        self._thread.start()

    def begin(self, preset: Preset, *, room: str, speed: float = 1.0,
              operator: str | None = None) -> int:
        """Create the session row for ``preset`` (one small synchronous write); its id.

        The preset's file is stored with the session so the record (and a crash resume)
        keeps the protocol exactly as it ran, even if the file is edited later.
        """
        self.session_id = self.journal.start_session(
            preset=preset.name, preset_path=str(preset.path or ""),
            preset_yaml=_read_text(preset.path), room=room, planned_s=preset.planned_s,
            speed=speed, operator=operator)
        return self.session_id

    def adopt(self, session_id: int, *, session_t: float) -> None:
        """Continue recording an interrupted session in this process (crash resume).

        The journal marks it as ours again and records a ``resume`` event at ``session_t``.
        """
        self.journal.resume_session(session_id, session_t=session_t)
        self.session_id = session_id

    def record(self, kind: str, *, session_t: float, phase_index: int | None = None,
               payload: dict[str, Any] | None = None, refers_to: int | None = None) -> int:
        """Queue one entry; returns its ticket (for ``refers_to`` of later entries)."""
        ticket = next(self._tickets)
        entry = _Entry(ticket, kind, session_t, phase_index, payload or {}, refers_to)
        if self._synchronous:
            self._write(entry)
            return ticket
        self._idle.clear()
        self._queue.put(entry)
        return ticket

    def end(self, status: str) -> None:
        session_id = self.session_id
        if session_id is None:
            return
        self._idle.clear()
        self._queue.put(lambda: self._writer.end_session(session_id, status))

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything queued was handed to the journal; True if all was written."""
        self._idle.wait(timeout_s)
        return self._idle.is_set() and self._writer.pending_count == 0

    def close(self, timeout_s: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout_s)

    @property
    def health(self) -> RecorderHealth:
        return RecorderHealth(self._writer.pending_count, self._writer.last_error)

    def _health_changed(self) -> None:
        if self._on_health is not None:
            self._on_health(self.health)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=RETRY_S)
            except queue.Empty:
                if self._writer.pending_count:
                    self._writer.retry()
                continue
            if item is None:
                return
            try:
                if isinstance(item, _Entry):
                    self._write(item)
                else:
                    item()
            except Exception:  # the recorder thread must survive anything
                log.exception("could not record an entry")
            if self._queue.empty():
                self._idle.set()

    def _write(self, entry: _Entry) -> None:
        if self.session_id is None:
            log.error("entry %s recorded before the session began; dropped", entry.kind)
            return
        with self._write_lock:
            refers_to = self._ids.get(entry.refers_to) if entry.refers_to is not None else None
            event_id = self._writer.append(
                self.session_id, entry.kind, session_t=entry.session_t,
                phase_index=entry.phase_index, payload=entry.payload, refers_to=refers_to,
                wall=entry.wall)
            self._ids[entry.ticket] = event_id
