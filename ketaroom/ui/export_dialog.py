"""Exporting from a window: ask where (in Documents), write, audit, say how it went.

One flow for a session (the records view) and a course report (the patient view). The
file itself is written by the store's private writer (0600, all or nothing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from ketaroom.store.journal import Journal, JournalError

FORMATS = ("pdf", "csv", "json")

Say = Callable[..., None]
"""``say(text, problem=False)``: the window's status line."""


def export_folder(records_folder: Path) -> Path:
    """The user's documents folder, else the folder holding the records — never the
    program's working directory."""
    documents = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return records_folder


def export_with_dialog(parent: QWidget, *, title: str, suggested_name: str, fmt: str,
                       file_filter: str, journal: Journal, user: str, what: str,
                       write: Callable[[Path], list[str]], say: Say) -> Path | None:
    """Ask for a file, ``write`` it (returns the export's warnings), audit ``what`` was
    exported by ``user``; the path, or None when cancelled or failed (said on ``say``)."""
    suggested = export_folder(journal.path.parent) / suggested_name
    name, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), file_filter)
    if not name:
        return None
    path = Path(name)
    if not path.suffix:
        path = path.with_suffix(f".{fmt}")
    try:
        warnings = write(path)
    except (OSError, JournalError, KeyError, ValueError, RuntimeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        say(f"Could not export to {path}: {reason}", problem=True)
        return None
    with contextlib.suppress(JournalError):
        journal.audit(user, "export", f"{what} as {fmt} to {path}")
    say(" ".join([f"Saved {path}.", *(f"Note: {w}." for w in warnings)]),
        problem=bool(warnings))
    return path


def export_row(prefix: str, export: Callable[[str], object]
               ) -> tuple[QHBoxLayout, QLabel, dict[str, QPushButton]]:
    """The export row under a records view: a status line (see
    :func:`~ketaroom.ui.widgets.show_status`) and the :func:`export_buttons`."""
    row = QHBoxLayout()
    status = QLabel("")
    status.setObjectName("saved")
    status.setWordWrap(True)
    row.addWidget(status, 1)
    buttons = export_buttons(prefix, export)
    for button in buttons.values():
        row.addWidget(button)
    return row, status, buttons


def export_buttons(prefix: str, export: Callable[[str], object]) -> dict[str, QPushButton]:
    """One big button per format ("<prefix> PDF" …), each calling ``export(fmt)``."""
    buttons: dict[str, QPushButton] = {}
    for fmt in FORMATS:
        button = QPushButton(f"{prefix} {fmt.upper()}")
        button.setObjectName(f"export{fmt.upper()}")
        button.setMinimumHeight(44)
        button.clicked.connect(lambda _checked=False, f=fmt: export(f))
        buttons[fmt] = button
    return buttons

