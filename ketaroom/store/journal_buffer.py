"""The write-behind buffer that keeps a session going when the disk refuses a write.

:class:`BufferedJournalWriter` writes through a :class:`~ketaroom.store.journal.Journal`;
when the disk is read-only, full or failing it keeps the events in memory, in order, and
writes the backlog out as soon as the disk takes it again. Separate from the journal,
which is durable or raises: this is the policy of what a running session does when it
raises.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ketaroom.store.journal import Journal, JournalError, JournalWriteError
from ketaroom.store.wall_clock import local_now

__all__ = ["BufferedJournalWriter"]


@dataclass
class _Pending:
    op: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    placeholder: int | None = None


class BufferedJournalWriter:
    """Writes through a :class:`Journal` without ever raising, so a session goes on.

    When the disk refuses a write, events are kept in memory in order and retried on
    the next :meth:`append` (or an explicit :meth:`retry`); nothing is written out of
    order. While buffered, :meth:`append` returns a provisional negative id; events
    that refer to it (``note_correction``, ``cue_ack``) are rewritten to the real id
    when flushed, and :meth:`resolve` maps it afterwards. ``on_change`` (optional) is
    called with no argument whenever :attr:`pending_count` or :attr:`last_error`
    changes, e.g. to post a banner update to the UI thread.
    """

    def __init__(self, journal: Journal, *, on_change: Callable[[], None] | None = None) -> None:
        self.journal = journal
        self._lock = threading.RLock()
        self._pending: list[_Pending] = []
        self._ids: dict[int, int] = {}
        self._next_placeholder = -1
        self._on_change = on_change
        self.last_error: str | None = None
        self.rejected: list[tuple[str, tuple[Any, ...], dict[str, Any], str]] = []
        """Items the journal refused for a reason other than the disk (kept, not lost)."""

    @property
    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    def resolve(self, event_id: int) -> int | None:
        """The real id for a provisional one (None while still buffered)."""
        if event_id >= 0:
            return event_id
        with self._lock:
            return self._ids.get(event_id)

    def append(self, session_id: int, kind: str, **kwargs: Any) -> int:
        """Like :meth:`Journal.append` but never raises; returns a real or provisional id."""
        with self._lock:
            try:
                placeholder = self._next_placeholder
                self._next_placeholder -= 1
                wall = kwargs.get("wall") or local_now()
                kwargs = {**kwargs, "wall": wall}
                self._pending.append(_Pending("append", (session_id, kind), kwargs, placeholder))
                self._flush()
                return self._ids.get(placeholder, placeholder)
            except Exception as exc:  # never raise into the session
                self._set_error(f"{type(exc).__name__}: {exc}")
                return placeholder

    def end_session(self, session_id: int, status: str) -> None:
        """Queue the end of a session behind any buffered events; never raises."""
        with self._lock:
            self._pending.append(_Pending("end", (session_id, status), {}))
            try:
                self._flush()
            except Exception as exc:
                self._set_error(f"{type(exc).__name__}: {exc}")

    def retry(self) -> bool:
        """Try to write the backlog now; True when nothing is left pending."""
        with self._lock:
            try:
                self._flush()
            except Exception as exc:
                self._set_error(f"{type(exc).__name__}: {exc}")
            return not self._pending

    def _flush(self) -> None:
        changed = False
        rejected_now = False
        while self._pending:
            item = self._pending[0]
            try:
                if item.op == "append":
                    kwargs = dict(item.kwargs)
                    ref = kwargs.get("refers_to")
                    if ref is not None and ref < 0:
                        kwargs["refers_to"] = self._ids.get(ref)
                    new_id = self.journal.append(*item.args, **kwargs)
                    if item.placeholder is not None:
                        self._ids[item.placeholder] = new_id
                else:
                    self.journal.end_session(*item.args)
            except JournalWriteError as exc:
                self._set_error(str(exc))
                return
            except (JournalError, KeyError, ValueError, TypeError) as exc:
                # Not a disk problem: this item can never be written. Keep the session
                # going and say so, rather than blocking everything behind it forever.
                self._pending.pop(0)
                self.rejected.append((item.op, item.args, item.kwargs, str(exc)))
                rejected_now = True
                self._set_error(f"could not record {item.op} {item.args}: {exc}")
                continue
            self._pending.pop(0)
            changed = True
        if changed and not rejected_now:
            self.last_error = None
        if changed or rejected_now:
            self._notify()

    def _set_error(self, message: str) -> None:
        self.last_error = message
        self._notify()

    def _notify(self) -> None:
        if self._on_change is not None:
            with contextlib.suppress(Exception):
                self._on_change()
