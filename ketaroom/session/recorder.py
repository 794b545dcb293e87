"""Writes a session's record to the journal on a background thread.

The session (on the Qt main thread, or rehearse's loop) must never wait for the
disk, and nothing it records may be lost: :meth:`SessionRecorder.record` only puts
the entry on a queue and returns a *ticket*; the recorder thread appends entries in
order through a :class:`~ketaroom.store.journal_buffer.BufferedJournalWriter`, which keeps
them in memory while the disk refuses and writes them out as soon as it can.
Entries refer to earlier ones (a cue acknowledgement to its cue, a correction to
its note) by ticket; the thread maps tickets to journal ids.

If even the session's own row cannot be written (a full or read-only disk at
Start), the session still runs: entries wait in memory, in order, and the row and
the backlog are written as soon as the disk takes them.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ketaroom.core.preset import Preset
from ketaroom.store.journal import Journal, JournalError
from ketaroom.store.journal_buffer import BufferedJournalWriter
from ketaroom.store.record_schema import RecordKind

log = logging.getLogger(__name__)

RETRY_S = 2.0
"""How often a refused backlog is retried when nothing new arrives."""


@dataclass(frozen=True)
class _Entry:
    ticket: int
    kind: RecordKind | str
    session_t: float
    phase_index: int | None
    payload: dict[str, Any]
    refers_to: int | None
    wall: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass(frozen=True)
class _End:
    status: str


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
        self._write_lock = threading.RLock()
        self._on_health = on_health
        self._writer = BufferedJournalWriter(journal, on_change=self._health_changed)
        self._queue: queue.Queue[_Entry | _End | None] = queue.Queue()
        self._tickets = itertools.count(1)
        self._ids: dict[int, int] = {}
        self.session_id: int | None = None
        self._session_fields: dict[str, Any] | None = None
        self._begin_error: str | None = None
        self._waiting: list[_Entry | _End] = []
        """Entries held while the session's row cannot be written yet."""
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="ketaroom-recorder", daemon=True)
        self._thread.start()

    def begin(self, preset: Preset, *, room: str, speed: float = 1.0,
              operator: str | None = None, patient_ref: str | None = None,
              kind: str = "clinical", patient_id: int | None = None,
              course_id: int | None = None) -> int | None:
        """Create the session row for ``preset`` (one small synchronous write); its id.

        ``patient_id`` and ``course_id`` link it to a patient and course
        (:class:`~ketaroom.store.patients.PatientStore`).

        The preset's YAML is stored with the session so the record (and a crash recovery)
        keeps the protocol exactly as it ran: the text it was validated from
        (:attr:`Preset.source`), never the file re-read now, which may have been edited
        since it was loaded. Returns ``None`` when the disk refuses: the row is written
        later (see module docstring).
        """
        self._session_fields = dict(
            preset=preset.name, preset_path=str(preset.path or ""),
            preset_yaml=preset.source, room=room, planned_s=preset.planned_s,
            speed=speed, operator=operator, patient_ref=patient_ref, kind=kind,
            patient_id=patient_id, course_id=course_id)
        with self._write_lock:
            self._ensure_session()
        return self.session_id

    def adopt(self, session_id: int, *, session_t: float) -> None:
        """Continue recording an interrupted session in this process (crash recovery).

        The journal marks it as ours again and records a ``resume`` event at ``session_t``.
        """
        self.journal.resume_session(session_id, session_t=session_t)
        self.session_id = session_id

    def existing(self, event_id: int) -> int:
        """A ticket for entry ``event_id``, already in the journal (recorded before a crash
        interrupted the session), so later entries can refer to it (a cue's
        acknowledgement). Call before queueing any entry that refers to it: the queue
        hands the mapping to the recorder thread."""
        ticket = next(self._tickets)
        self._ids[ticket] = event_id
        return ticket

    def record(self, kind: RecordKind | str, *, session_t: float,
               phase_index: int | None = None,
               payload: dict[str, Any] | None = None, refers_to: int | None = None) -> int:
        """Queue one entry; returns its ticket (for ``refers_to`` of later entries).

        ``kind`` and ``payload`` come from a builder of
        :mod:`ketaroom.store.record_schema` (``entry.kind``, ``entry.to_payload()``).
        """
        ticket = next(self._tickets)
        self._submit(_Entry(ticket, kind, session_t, phase_index, payload or {}, refers_to))
        return ticket

    def end(self, status: str) -> None:
        self._submit(_End(status))

    def _submit(self, item: _Entry | _End) -> None:
        if self._synchronous:
            self._write(item)
            return
        self._idle.clear()
        self._queue.put(item)

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything queued was handed to the journal; True if all was written."""
        self._idle.wait(timeout_s)
        return self._idle.is_set() and self.health.pending == 0

    def close(self, timeout_s: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout_s)

    @property
    def health(self) -> RecorderHealth:
        return RecorderHealth(len(self._waiting) + self._writer.pending_count,
                              self._begin_error or self._writer.last_error)

    def _health_changed(self) -> None:
        if self._on_health is not None:
            self._on_health(self.health)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=RETRY_S)
            except queue.Empty:
                self._retry()
                continue
            if item is None:
                return
            try:
                self._write(item)
            except Exception:  # the recorder thread must survive anything
                log.exception("could not record an entry")
            if self._queue.empty():
                self._idle.set()

    def _retry(self) -> None:
        with self._write_lock:
            if self._waiting:
                self._write_waiting()
            elif self._writer.pending_count:
                self._writer.retry()

    def _ensure_session(self) -> bool:
        """Whether the session's row exists, creating it if it is still owed."""
        if self.session_id is not None:
            return True
        if self._session_fields is None:
            return False
        try:
            self.session_id = self.journal.start_session(**self._session_fields)
        except JournalError as exc:
            self._begin_error = f"the session could not be recorded yet: {exc}"
            return False
        self._begin_error = None
        return True

    def _write(self, item: _Entry | _End) -> None:
        with self._write_lock:
            self._waiting.append(item)
            self._write_waiting()

    def _write_waiting(self) -> None:
        had = len(self._waiting)
        if self._ensure_session():
            assert self.session_id is not None
            waiting, self._waiting = self._waiting, []
            for item in waiting:
                self._write_one(self.session_id, item)
        if had != len(self._waiting) or self._waiting:
            self._health_changed()

    def _write_one(self, session_id: int, item: _Entry | _End) -> None:
        if isinstance(item, _End):
            self._writer.end_session(session_id, item.status)
            return
        refers_to = self._ids.get(item.refers_to) if item.refers_to is not None else None
        self._ids[item.ticket] = self._writer.append(
            session_id, item.kind, session_t=item.session_t, phase_index=item.phase_index,
            payload=item.payload, refers_to=refers_to, wall=item.wall)
