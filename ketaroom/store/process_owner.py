"""Is the process that started a session still running?

A session with no end is ``running`` while its process lives and ``interrupted`` once it
is gone (crash, power cut). The journal stores the pid and a :func:`process_token` with
each session and asks :func:`owner_alive` when it reads one. Separate from the journal:
this is about processes and the operating system (``/proc``, signals, the Windows API),
not about records.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["owner_alive", "process_token"]


def _pid_alive(pid: int | None) -> bool:
    """Is there a live process with this pid on this machine?"""
    if not pid or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    except OSError:
        return False
    return True


def process_token(pid: int) -> str | None:
    """``<boot_id>:<start ticks>`` for a Linux process: unique across pid reuse and reboots.

    Start ticks count from boot (monotonic), so wall-clock jumps (NTP at boot on a
    machine without RTC) cannot make a live session look dead. None where unknown.
    """
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat_text = Path(f"/proc/{pid}/stat").read_text()
        start_ticks = int(stat_text.rsplit(")", 1)[1].split()[19])  # field 22: starttime
    except (OSError, ValueError, IndexError):
        return None
    return f"{boot_id}:{start_ticks}"


def owner_alive(pid: int | None, token: str | None) -> bool:
    """Is the process that recorded (pid, token) still running?"""
    if token and sys.platform.startswith("linux"):
        if pid == os.getpid():
            return token == process_token(os.getpid())
        return bool(pid) and process_token(int(pid or 0)) == token
    return _pid_alive(pid)


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    try:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        process_query_limited_information = 0x1000
        still_active = 259
        handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return False
            return code.value == still_active
        finally:
            kernel32.CloseHandle(handle)
    except Exception:
        return False  # unknown: treat as interrupted

