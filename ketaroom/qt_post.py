"""Hands callables from any thread to the Qt main thread.

Device workers, the recorder thread and APScheduler jobs must never touch widgets
or the session. They call :meth:`MainThreadPoster.post`; the callable travels as
the argument of a signal connected with ``Qt.QueuedConnection`` to a slot of an
object living on the main thread, so it runs there, in order, on the event loop.

Also home of :class:`SingletonGuard`, a workaround for a refcount bug of the Qt
binding (see :func:`top_up_singletons`).
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

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

SINGLETON_FLOOR = 1_000_000
"""References kept on None/True/False by :func:`top_up_singletons` (see there)."""


def top_up_singletons() -> int:
    """Work around a PySide6 6.12 refcount bug on CPython < 3.12; returns references added.

    With PySide6 6.12.0 on Python 3.11 every call of a Qt method returning ``void``
    (``QLabel.setText``, ``QTimer.start``…) drops one reference to ``None`` (and some
    calls one to ``True``/``False``) without having taken it. After a few thousand
    calls the interpreter aborts ("Fatal Python error: none_dealloc") — about a minute
    into a running session, or when the app exits. These objects are never freed, so
    raising their reference count is harmless; CPython 3.12+ makes them immortal and
    this does nothing there. Call it periodically (the app does, every second).
    """
    if sys.version_info >= (3, 12):
        return 0
    added = 0
    for obj in (None, True, False):
        # getrefcount counts its own argument: compare with one to spare.
        missing = SINGLETON_FLOOR - sys.getrefcount(obj)
        if missing > 0:
            ctypes.c_ssize_t.from_address(id(obj)).value += missing
            added += missing
    return added


class SingletonGuard(QObject):
    """Calls :func:`top_up_singletons` now and every ``interval_ms`` on the main thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        top_up_singletons()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start()

    def _on_timeout(self) -> None:
        top_up_singletons()
