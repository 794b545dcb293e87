"""One undo step of the preset editor: the document text before and after an edit."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

__all__ = ["Snapshot"]


class Snapshot(QUndoCommand):
    """One edit, already made when pushed. Edits of one field (``field:…`` keys) merge,
    so typing in a field is one step; undo and redo hand a text to ``restore``."""

    MERGE_ID = 7

    def __init__(self, restore: Callable[[str], None], before: str, after: str,
                 key: str) -> None:
        super().__init__(key)
        self.restore, self.before, self.after, self.key = restore, before, after, key
        self._applied = True  # the edit already happened when the command is pushed

    def id(self) -> int:
        return self.MERGE_ID if self.key.startswith("field:") else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, Snapshot) or other.key != self.key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self.restore(self.after)

    def undo(self) -> None:
        self.restore(self.before)
