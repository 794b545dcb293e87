"""One finding about a preset file: :class:`Problem`, printed as ``file:line: message``.

Separate from :mod:`ketaroom.core.validation` because every stage of validation makes
problems — reading the file, parsing its YAML, the field checks
(:mod:`ketaroom.core.field_checks` and the section checks built on it) — while
``validation`` drives those stages: defined there, the checks would have to import the
module that imports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """One finding about a preset file, printed as ``file:line: message``."""

    path: str
    """The file as given by the caller."""
    line: int
    """1-based; 1 where no better line exists."""
    message: str
    """What is wrong, starting with ``where: `` when the finding has a field path."""
    where: str = ""
    """The dotted field path at fault (``phases[2].music.volume``, ``max_volume``); empty
    for the file as a whole (unreadable, not YAML, empty)."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    @property
    def detail(self) -> str:
        """The message without its leading ``where: ``."""
        prefix = f"{self.where}: "
        return self.message[len(prefix):] if self.where and self.message.startswith(prefix) \
            else self.message

    @property
    def area(self) -> str:
        """What the finding is about: ``music``, ``lights`` or ``preset``."""
        where = f".{self.where}"
        if re.search(r"\.music(?:[.\[]|$)", where):
            return "music"
        if re.search(r"\.(?:light|light_group)(?:[.\[]|$)", where):
            return "lights"
        return "preset"

