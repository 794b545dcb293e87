"""``ketaroom install-desktop``: the freedesktop menu entry and icon for the current user.

Owns where they go (``$XDG_DATA_HOME``, default ``~/.local/share``: ``applications/`` for the
entry, ``icons/hicolor/scalable/apps/`` for the SVG icon) and the ``Exec`` line, which
names the ``ketaroom`` this command was run as: the one-folder build's executable, or the
virtual environment's launcher, so the menu starts the same installation.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ketaroom.shipped import DESKTOP_FILE, ICON_FILE

APP_ID = "ketaroom"


@dataclass(frozen=True)
class Installed:
    """The two files written."""

    desktop_file: Path
    icon_file: Path


def data_home() -> Path:
    """``$XDG_DATA_HOME`` when set to an absolute path, else ``~/.local/share`` (the spec)."""
    chosen = os.environ.get("XDG_DATA_HOME", "")
    return Path(chosen) if os.path.isabs(chosen) else Path.home() / ".local" / "share"


def launcher() -> str:
    """The command that starts this installation of ketaroom (an absolute path if known)."""
    if getattr(sys, "frozen", False):  # the one-folder build
        return str(Path(sys.executable).resolve())
    script = Path(sys.argv[0])
    if script.name == APP_ID and script.is_file():
        return str(script.resolve())
    return shutil.which(APP_ID) or APP_ID


def quote_exec(argument: str) -> str:
    """One ``Exec`` argument, quoted as the Desktop Entry Specification asks when needed."""
    if not any(c in argument for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def entry_text(command: str) -> str:
    """The shipped ``.desktop`` file with ``Exec`` and ``TryExec`` naming ``command``."""
    lines = []
    for line in DESKTOP_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={quote_exec(command)}"
        elif line.startswith("TryExec="):
            line = f"TryExec={command}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def install(home: Path | None = None, command: str | None = None) -> Installed:
    """Write the entry and the icon under ``home`` (default :func:`data_home`)."""
    root = data_home() if home is None else home
    apps = root / "applications"
    icons = root / "icons" / "hicolor" / "scalable" / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    desktop_file = apps / f"{APP_ID}.desktop"
    desktop_file.write_text(entry_text(command or launcher()), encoding="utf-8")
    icon_file = icons / f"{APP_ID}.svg"
    shutil.copyfile(ICON_FILE, icon_file)
    return Installed(desktop_file, icon_file)
