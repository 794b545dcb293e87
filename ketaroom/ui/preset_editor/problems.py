"""The editor's checks: the list of the validator's findings, and which field each is about.

:func:`field_key` maps a :attr:`Problem.where <ketaroom.core.validation.Problem.where>`
(``phases[2].music.volume``) to the phase it is in and the form field at fault
(``phase.music.volume``); :func:`mark_fields` flags those fields; :class:`ProblemList`
lists every finding, errors first (clicking one selects its phase).
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from ketaroom.core.validation import LoadResult, Problem

__all__ = ["ProblemList", "field_key", "mark_fields", "plain_place"]

_PHASE = re.compile(r"^phases\[(\d+)\](?:\.(.*))?$")
_INDEXED = re.compile(r"^(\w+)\[(\d+)\]$")
_ITEM_NAMES = {"phases": "Phase", "cues": "cue", "playlist": "playlist entry"}
_LINE_ROLE = Qt.ItemDataRole.UserRole
_MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
_WHERE_ROLE = Qt.ItemDataRole.UserRole + 2


def field_key(where: str) -> tuple[int | None, str]:
    """``(phase index or None, field key)`` for a problem's field path.

    Top-level paths are their own key (``max_volume``); inside a phase the key starts
    with ``phase.``: a cue's problem belongs to the cue table (``phase.cues``), a playlist
    entry's to the playlist (``phase.music.playlist``), the phase itself to its name.
    """
    found = _PHASE.match(where)
    if found is None:
        return None, where
    rest = found.group(2) or ""
    if rest.startswith("cues"):
        rest = "cues"
    elif rest.startswith("music.playlist"):
        rest = "music.playlist"
    return int(found.group(1)), f"phase.{rest}" if rest else "phase.name"


def plain_place(where: str) -> str:
    """A problem's field path as an admin reads it: ``phases[1].cues[2].at`` → ``Phase 2 ·
    cue 3 · at`` (counted from 1, as the editor's table counts)."""
    words = []
    for part in where.split("."):
        item = _INDEXED.match(part)
        words.append(f"{_ITEM_NAMES.get(item[1], item[1])} {int(item[2]) + 1}" if item
                     else part.replace("_", " "))
    return " · ".join(words)


def mark_fields(problems: tuple[Problem, ...], phase_index: int,
                fields: dict[str, QWidget]) -> list[str]:
    """Flag the fields at fault (the ``problem`` property, the messages as tooltip) for
    the top level and phase ``phase_index``; returns that phase's messages."""
    flagged: dict[str, list[str]] = {}
    phase_messages: list[str] = []
    for problem in problems:
        if not problem.where:
            continue
        phase, key = field_key(problem.where)
        if phase is not None:
            if phase != phase_index:
                continue
            phase_messages.append(problem.detail)
        flagged.setdefault(key, []).append(problem.message)
    for key, widget in fields.items():
        messages = flagged.get(key, [])
        if bool(widget.property("problem")) != bool(messages):
            widget.setProperty("problem", bool(messages))
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        widget.setToolTip("\n".join(messages))
    return phase_messages


class ProblemList(QListWidget):
    """Every error and note of the last validation, or one calm line when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="problems")
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumHeight(110)

    def show_result(self, result: LoadResult | None) -> None:
        self.clear()
        if result is None:
            return
        for problem, warning in [(p, False) for p in result.problems] + [
                (w, True) for w in result.warnings]:
            heading = f"Line {problem.line}" + (f" · {plain_place(problem.where)}"
                                                 if problem.where else "")
            note = "Note: " if warning else ""
            item = QListWidgetItem(f"{heading}\n{note}{problem.detail}")
            item.setData(_LINE_ROLE, problem.line)
            item.setData(_WHERE_ROLE, problem.where)
            item.setData(_MESSAGE_ROLE, f"Line {problem.line}: {note}{problem.message}")
            item.setToolTip(str(problem))
            self.addItem(item)
        if not result.problems:
            item = QListWidgetItem("No problems: this preset is ready to run."
                                   if not result.warnings else "Ready to run (see notes).")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(_MESSAGE_ROLE, item.text())
            self.insertItem(0, item)

    def messages(self) -> list[str]:
        """The messages shown, as ``Line N: message`` (the calm line when none)."""
        return [self.item(i).data(_MESSAGE_ROLE) for i in range(self.count())]

    @staticmethod
    def place_of(item: QListWidgetItem) -> tuple[int | None, Any]:
        """``(phase index from the field path or None, line or None)`` of a listed item."""
        where = item.data(_WHERE_ROLE)
        phase = field_key(where)[0] if isinstance(where, str) else None
        return phase, item.data(_LINE_ROLE)
