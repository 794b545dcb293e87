"""The words of a history search, the entries whose words it finds, and ``LIKE``.

One parser of search terms, one list of the kinds whose words are searched
(:data:`SEARCHED_KINDS`) and one escaping of ``LIKE`` patterns for both histories: the
room's (:meth:`Journal.history <ketaroom.store.journal.Journal.history>`, SQLite) and the
clinic's (:meth:`CentralRecords.history
<ketaroom.store.central.reader.CentralRecords.history>`, PostgreSQL), so a search finds
the same sessions in either. Pure text; no database here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ketaroom.store.record_schema import RecordKind

__all__ = ["SEARCHED_KINDS", "SEARCHED_KINDS_SQL", "kinds_sql", "like_pattern", "search_terms"]

SEARCHED_KINDS: tuple[RecordKind, ...] = (
    RecordKind.NOTE, RecordKind.NOTE_CORRECTION, RecordKind.NOTE_TAGS, RecordKind.CUE,
    RecordKind.EMERGENCY, RecordKind.REFLECTION, RecordKind.ADVERSE_EVENT,
)
"""The kinds whose words (``text``, ``prompt``, ``tags``) a history search finds: what a
room's ``session_text`` (journal schema v7) and the server's ``events_words`` index (central
schema v3, v4) hold. Those shipped migrations keep the kinds they were written with; a test
holds this tuple to the newest of them, so changing it means a new migration of both."""


def kinds_sql(kinds: Iterable[str]) -> str:
    """``'note', 'cue'``: ``kinds`` as the list of an SQL ``IN (…)`` (kinds are plain
    lower-case names: nothing to escape)."""
    return ", ".join(f"'{kind}'" for kind in kinds)


SEARCHED_KINDS_SQL = kinds_sql(SEARCHED_KINDS)
""":data:`SEARCHED_KINDS` for ``kind IN (…)``; a query on the server must name exactly
these for PostgreSQL to use the partial index ``events_words``."""

_SEARCH_TERM = re.compile(r'"([^"]*)"|(\S+)')


def search_terms(search: str) -> list[str]:
    """The words and ``"quoted phrases"`` of a history search, in order (empty ones out)."""
    return [term for quoted, word in _SEARCH_TERM.findall(search) if (term := quoted or word)]


def like_pattern(term: str) -> str:
    """``%term%`` for a ``LIKE … ESCAPE '\\'`` (or ILIKE), its own ``%``, ``_`` and
    backslashes taken literally."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
