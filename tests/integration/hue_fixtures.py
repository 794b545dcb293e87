"""Shared helpers for the Hue emulator and adapter tests (the ``emu`` fixture: conftest)."""

from __future__ import annotations

import http.client
import json
import os
import tempfile
import warnings
from collections.abc import Iterable
from typing import Any

from tests.helpers.waiting import wait_until  # noqa: F401 - re-exported for the tests

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    import phue


def raw(address: str, method: str, path: str, body: Any = None,
        timeout: float = 3.0) -> tuple[int, bytes]:
    """One plain HTTP request; returns (status, body bytes)."""
    conn = http.client.HTTPConnection(address, timeout=timeout)
    try:
        conn.request(method, path, None if body is None else json.dumps(body))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def raw_json(address: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, data = raw(address, method, path, body)
    return status, json.loads(data) if status == 200 else None


def phue_bridge(address: str, username: str) -> phue.Bridge:
    """A stock phue Bridge (never registers, never writes ~/.python_hue)."""
    path = os.path.join(tempfile.gettempdir(), "ketaroom-test-phue.json")
    return phue.Bridge(address, username=username, config_file_path=path)


def max_in_window(times: Iterable[float], window_s: float = 1.0) -> int:
    """Largest number of events that fall within any half-open window of ``window_s``."""
    ts = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ts):
        while ts[lo] <= t - window_s:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


USER = "ketaroom-demo"
