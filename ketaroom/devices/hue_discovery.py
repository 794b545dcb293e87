"""Find Hue bridges on the local network by mDNS (``_hue._tcp.local.``) via zeroconf.

Owns: :func:`discover`, which blocks for about ``timeout_s`` (call it off the Qt main thread)
and never raises: any error (no network, no multicast, zeroconf missing) gives ``[]``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

HUE_SERVICE = "_hue._tcp.local."


def discover(timeout_s: float = 3.0) -> list[tuple[str, str]]:
    """``[(bridge name, "host:port"), …]`` found within ``timeout_s``; ``[]`` on any error."""
    try:
        return _discover(max(0.1, float(timeout_s)))
    except Exception as exc:  # never raise: discovery is a convenience
        log.info("Hue discovery failed: %s", exc)
        return []


def _discover(timeout_s: float) -> list[tuple[str, str]]:
    from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

    deadline = time.monotonic() + timeout_s
    names: list[str] = []
    lock = threading.Lock()

    def on_change(zeroconf: Any, service_type: str, name: str,
                  state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Added:
            with lock:
                if name not in names:
                    names.append(name)

    zc = Zeroconf()
    try:
        browser = ServiceBrowser(zc, HUE_SERVICE, handlers=[on_change])
        try:
            # browse for most of the time, keep the rest for resolving addresses
            time.sleep(max(0.05, timeout_s * 0.6))
        finally:
            browser.cancel()
        found: list[tuple[str, str]] = []
        with lock:
            pending = list(names)
        for name in pending:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 50:
                break
            info = zc.get_service_info(HUE_SERVICE, name, timeout=remaining_ms)
            if info is None:
                continue
            addresses = info.parsed_addresses()
            if not addresses:
                continue
            host = addresses[0]
            if ":" in host:
                host = f"[{host}]"
            label = name.removesuffix("." + HUE_SERVICE)
            port = info.port or 80
            found.append((label, f"{host}:{port}"))
        return found
    finally:
        zc.close()
