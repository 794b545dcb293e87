"""Calling something that might block forever (a FIFO read) without hanging the test suite."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def finishes(call: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Run ``call`` on a daemon thread and fail the test if it is still running after ``timeout``.

    Returns what the call returned, or the exception it raised.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed back to the test
            box["value"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"the call was still blocked after {timeout} s"
    return box["value"]
