"""Hands callables from any thread to the Qt main thread.

Device workers, the recorder thread and APScheduler jobs must never touch widgets
or the session. They call :meth:`MainThreadPoster.post`; the callable travels as
the argument of a signal connected with ``Qt.QueuedConnection`` to a slot of an
object living on the main thread, so it runs there, in order, on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class MainThreadPoster(QObject):
    """Create on the main thread; :meth:`post` is safe from every thread."""

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> None:
        if not self._closed:
            self._posted.emit(fn)

    def close(self) -> None:
        """Drop everything posted from now on (the window is going away)."""
        self._closed = True

    def _on_posted(self, fn: Callable[[], None]) -> None:
        if self._closed:
            return
        try:
            fn()
        except Exception:  # one failing callback must not break the event loop
            log.exception("posted callable failed")


# --------------------------------------------------------------------------- binding workaround
