"""The words of a history search, and how one is matched with ``LIKE``.

One parser of search terms and one escaping of ``LIKE`` patterns for both histories: the
room's (:meth:`Journal.history <ketaroom.store.journal.Journal.history>`, SQLite) and the
clinic's (:meth:`CentralRecords.history
<ketaroom.store.central.reader.CentralRecords.history>`, PostgreSQL), so a search finds
the same sessions in either. Pure text; no database here.
"""

from __future__ import annotations

import re

__all__ = ["like_pattern", "search_terms"]

_SEARCH_TERM = re.compile(r'"([^"]*)"|(\S+)')


def search_terms(search: str) -> list[str]:
    """The words and ``"quoted phrases"`` of a history search, in order (empty ones out)."""
    return [term for quoted, word in _SEARCH_TERM.findall(search) if (term := quoted or word)]


def like_pattern(term: str) -> str:
    """``%term%`` for a ``LIKE … ESCAPE '\\'`` (or ILIKE), its own ``%``, ``_`` and
    backslashes taken literally."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
