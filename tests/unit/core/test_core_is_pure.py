"""ketaroom.core imports no Qt, device library or scheduler (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("PySide6", "vlc", "phue", "apscheduler", "shiboken6", "paho")


def test_core_imports_nothing_heavy():
    code = (
        "import sys, pkgutil, importlib, ketaroom.core as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module('ketaroom.core.' + m.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
