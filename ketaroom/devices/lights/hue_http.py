"""The one HTTP request to a Hue bridge (API v1), for everything that talks to one.

Owns :func:`request_json`, used by the lights worker (through its phue ``Bridge``), the
emergency sender, pairing and the group listing. A bridge that stalls, drips its answer a
byte at a time or streams an endless body can never hold a caller for longer than
``timeout_s`` (an overall deadline from connect to the last byte: a watchdog shuts the
socket down when it passes) nor make it hold more than ``max_bytes`` of answer.

Also :func:`command_failures`, which checks the answer to a command (``PUT``/``POST``): the
bridge answers one ``{"success": …}`` or ``{"error": …}`` entry per parameter, and may
apply some parameters and refuse others.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from typing import Any

from ketaroom.devices.lights.base import (
    BridgeError,
    BridgeUnreachable,
    NotPaired,
    RateLimited,
)

MAX_ANSWER_BYTES = 2 * 1024 * 1024
"""A real bridge's whole state (``GET /api/<user>``) stays well below this."""
_CHUNK = 64 * 1024

__all__ = ["MAX_ANSWER_BYTES", "command_failures", "request_json"]


def request_json(address: str, method: str, path: str, body: Any, timeout_s: float, *,
                 max_bytes: int = MAX_ANSWER_BYTES) -> Any:
    """One request on its own connection; the parsed JSON answer.

    Raises :class:`BridgeUnreachable` (refused, dropped, no complete answer within
    ``timeout_s``), :class:`RateLimited` (HTTP 429), :class:`NotPaired` (Hue error 1 or 101)
    and :class:`BridgeError` (other HTTP status, not JSON, larger than ``max_bytes``, or an
    answer whose every entry is a Hue error). A list mixing successes and errors is
    returned as it is: see :func:`command_failures`.
    """
    conn = http.client.HTTPConnection(address, timeout=timeout_s)
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread

    watchdog = threading.Timer(timeout_s, cut)
    watchdog.daemon = True
    watchdog.start()
    too_slow = f"no complete answer within {timeout_s:g} s"
    try:
        payload = None if body is None else json.dumps(body)
        conn.request(method, path, payload,
                     {"Content-Type": "application/json"} if payload else {})
        response = conn.getresponse()
        raw = _read_capped(response, max_bytes)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError):
            raise BridgeUnreachable(too_slow) from exc
        raise BridgeUnreachable(_os_message(exc)) from exc
    finally:
        watchdog.cancel()
        conn.close()
    if expired.is_set():  # the cut may look like a (short) complete answer
        raise BridgeUnreachable(too_slow)
    if status == 429:
        raise RateLimited("the bridge answered HTTP 429 (too many commands)")
    if status != 200:
        raise BridgeError(f"the bridge answered HTTP {status}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BridgeError("the bridge answered something that is not JSON") from exc
    _raise_hue_errors(data)
    return data


def _read_capped(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    too_big = BridgeError(f"the bridge sent an answer larger than {max_bytes // 1024} KB; "
                          "ignored")
    length = response.getheader("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            data = b"".join(chunks)
            if response.length:  # read(amt) does not say when the answer stopped short
                raise http.client.IncompleteRead(data, response.length)
            return data
        total += len(chunk)
        if total > max_bytes:
            raise too_big
        chunks.append(chunk)


def _os_message(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError):
        return "connection closed without an answer"
    if isinstance(exc, http.client.IncompleteRead):
        return "connection dropped mid-answer"
    if isinstance(exc, http.client.BadStatusLine | http.client.LineTooLong):
        return "the answer was not HTTP"
    return str(exc) or type(exc).__name__


def _hue_error(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or "error" not in entry:
        return None
    return entry["error"] if isinstance(entry["error"], dict) else {}


def _raise_hue_errors(data: Any) -> None:
    """Hue errors come as HTTP 200 ``[{"error": {...}}]``; raised when nothing succeeded."""
    if not isinstance(data, list):
        return
    errors = [e for e in map(_hue_error, data) if e is not None]
    if not errors or len(errors) < len(data):
        return
    error = errors[0]
    kind = error.get("type")
    desc = str(error.get("description", "unknown error"))
    if kind == 1:
        raise NotPaired("the bridge does not accept ketaroom's username any more: "
                        "pair again (press the link button on the bridge, then Pair)")
    if kind == 101:
        raise NotPaired("press the link button on the bridge, then pair again within 30 s")
    if kind == 901:
        raise BridgeError(f"bridge internal error (901): {desc}", 901, transient=True)
    raise BridgeError(f"bridge error {kind}: {desc}", kind, transient=False)


def command_failures(answer: Any) -> list[str]:
    """What a command's answer says was *not* applied (``[]``: all of it was).

    The answer must be a non-empty list of ``success``/``error`` entries; anything else
    (``[]``, an object, a number) raises :class:`BridgeError` (not transient: whether the
    bridge applied the command is unknown, and sending it again would not tell either).
    """
    if not isinstance(answer, list) or not answer:
        what = "an empty list" if answer == [] else f"{type(answer).__name__} {answer!r}"[:80]
        raise BridgeError(f"the bridge answered the command with {what} instead of a list "
                          "of results", transient=False)
    failures = []
    for entry in answer:
        error = _hue_error(entry)
        if error is not None:
            where = str(error.get("address", "")).rsplit("/", 1)[-1] or "?"
            failures.append(f"{where} (error {error.get('type', '?')}: "
                            f"{error.get('description', 'refused')})")
        elif not (isinstance(entry, dict) and "success" in entry):
            raise BridgeError(f"the bridge answered the command with an odd entry "
                              f"{entry!r}"[:120], transient=False)
    return failures
