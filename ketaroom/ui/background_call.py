"""One blocking call at a time on a worker thread, its result delivered on the main thread.

What the window's dialogs and views use for anything slow (the bridge, the disk, the
clinic's server), so the window never waits on it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

__all__ = ["BackgroundCall"]


class BackgroundCall(QObject):
    """One blocking call at a time on a daemon thread; :attr:`done` arrives on the main thread.

    ``done(result, error)``: ``error`` is the exception the call raised, else ``None``. A call
    started again or :meth:`cancel` led makes the older one's result disappear unseen.
    """

    done = Signal(object, object)
    _finished = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._token = 0
        self._running: int | None = None
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return self._running is not None

    def start(self, fn: Callable[[], Any], name: str = "ketaroom-call") -> None:
        self._token += 1
        token = self._token
        self._running = token

        def work() -> None:
            try:
                result, error = fn(), None
            except Exception as exc:
                result, error = None, exc
            with contextlib.suppress(RuntimeError):  # the dialog is gone: nobody waits
                self._finished.emit(token, result, error)

        threading.Thread(target=work, name=name, daemon=True).start()

    def cancel(self) -> None:
        self._token += 1
        self._running = None

    def _on_finished(self, token: int, result: object, error: object) -> None:
        if token != self._token:
            return
        self._running = None
        self.done.emit(result, error)
