"""The emulated bridge's HTTP side: a stdlib ``ThreadingHTTPServer`` on a daemon thread.

Owns: :class:`BridgeServer` (start, stop, the port, the answers still trickling out) and the
request handler, which hands every request to :meth:`HueEmulator.handle` and carries out the
faults that change whether and how an answer travels (``down``, ``slow``, ``garbage``,
``huge``, ``drip``, ``drop``). Like nginx on a real bridge it answers ``Server: nginx``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from ketaroom.devices.hue_emulator.faults import DRIP_INTERVAL_S, HUGE_BODY_BYTES, Fault

if TYPE_CHECKING:
    from ketaroom.devices.hue_emulator.bridge import HueEmulator


class BridgeServer:
    """Serves one :class:`HueEmulator`; :meth:`start` again after :meth:`stop` serves anew."""

    def __init__(self, bridge: HueEmulator) -> None:
        self._bridge = bridge
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._dripping = 0

    def start(self, host: str, port: int) -> None:
        if self._server is not None:
            return
        self._stopping.clear()
        server = _QuietServer((host, port), _make_handler(self._bridge, self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="hue-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # ends drips and huge bodies still being written
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return int(self._server.server_address[1])

    @property
    def dripping(self) -> int:
        """How many answers are trickling out right now (fault ``drip``)."""
        with self._lock:
            return self._dripping


def _make_handler(bridge: HueEmulator, owner: BridgeServer
                  ) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "nginx"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            fault, slow_ms = bridge.fault_setting()
            if fault is Fault.DOWN:
                bridge.record_request(self.command, self.path, _safe_json(raw), 0)
                self.close_connection = True
                return
            if fault is Fault.SLOW and slow_ms > 0:
                time.sleep(slow_ms / 1000.0)
            if fault is Fault.GARBAGE:
                bridge.record_request(self.command, self.path, _safe_json(raw), 200)
                self._send(200, b"<html><body>502 Bad Gateway</body></html>\x00\xff",
                           "text/html")
                return
            status, answer = bridge.handle(self.command, self.path, raw)
            if fault is Fault.HUGE:
                self._send_huge()
                return
            if status == 429:
                self._send(429, b"Too Many Requests", "text/plain")
                return
            if status == 404:
                self._send(404, b"Not Found", "text/plain")
                return
            data = json.dumps(answer).encode("utf-8")
            if fault is Fault.DRIP:
                self._drip(status, data)
                return
            if fault is Fault.DROP:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(status, data, "application/json")

        def _drip(self, status: int, data: bytes) -> None:
            """The whole answer, status line included, one byte at a time."""
            head = (f"HTTP/1.0 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n").encode("ascii")
            self.close_connection = True
            with owner._lock:
                owner._dripping += 1
            try:
                for byte in head + data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if owner._stopping.wait(DRIP_INTERVAL_S):
                        return
            finally:
                with owner._lock:
                    owner._dripping -= 1

        def _send_huge(self) -> None:
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()  # no Content-Length: the body ends when the connection does
            chunk = b"a" * (1024 * 1024)
            self.wfile.write(b'[{"success": {"/groups/0/action/on": "')
            for _ in range(HUGE_BODY_BYTES // len(chunk)):
                if owner._stopping.is_set():
                    return
                self.wfile.write(chunk)

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = _serve

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (timeout) before the answer is normal here: no traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        super().handle_error(request, client_address)


def _safe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None
