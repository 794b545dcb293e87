"""Wall times as the records hold them: ISO-8601 local time with its offset, in ms.

One writer (:func:`wall_iso`) and one reader (:func:`parse_wall`) of the text every
journal column and payload field of a time uses (``2026-03-14T10:42:05.123+01:00``), for
the journal, its write-behind buffer and the patient records alike.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["local_now", "parse_wall", "wall_iso"]


def local_now() -> datetime:
    """Now, in the local zone, with its offset."""
    return datetime.now().astimezone()


def wall_iso(moment: datetime | None = None) -> str:
    """``moment`` (default now; a naive one is local time) as stored, to the millisecond."""
    moment = local_now() if moment is None else moment
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.isoformat(timespec="milliseconds")


def parse_wall(text: str) -> datetime:
    """A stored time as an aware datetime, in the offset it was written with (a time
    written without one, by hand or by an old version, is local time)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.astimezone()
