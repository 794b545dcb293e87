"""The wall times the records hold: written and read by one pair of functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ketaroom.store.wall_clock import local_now, parse_wall, wall_iso


def test_a_wall_time_is_written_to_the_millisecond_with_its_offset() -> None:
    moment = datetime(2026, 3, 14, 10, 42, 5, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert wall_iso(moment) == "2026-03-14T10:42:05.123+01:00"
    assert parse_wall(wall_iso(moment)) == moment.replace(microsecond=123000)
    assert parse_wall(wall_iso(moment)).utcoffset() == timedelta(hours=1)  # kept as written


def test_a_time_without_an_offset_is_local_time() -> None:
    naive = datetime(2026, 3, 14, 10, 42, 5)
    assert wall_iso(naive) == naive.astimezone().isoformat(timespec="milliseconds")
    assert parse_wall("2026-03-14T10:42:05") == naive.astimezone()


def test_now_is_local_and_aware() -> None:
    before = datetime.now(timezone.utc)
    now = local_now()
    assert now.tzinfo is not None and now.utcoffset() == now.astimezone().utcoffset()
    assert parse_wall(wall_iso()) >= before.replace(microsecond=before.microsecond // 1000 * 1000)
