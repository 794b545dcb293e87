"""The music-scan cache on real SQLite: hits, misses, corrupt and unusable files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ketaroom.music_library.cache import SCHEMA_VERSION, MusicCache
from ketaroom.music_library.measure import Measurement, Status

OK = Measurement(Status.OK, None, 183.2, -17.4, -0.8, -15.0, "mp3")


def test_a_measurement_is_found_again_only_for_the_same_size_and_mtime(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite3"
    with MusicCache(db) as cache:
        cache.put("/m/a.mp3", 1000, 123_456_789, OK)

    with MusicCache(db) as cache:
        assert cache.notice is None
        assert cache.get("/m/a.mp3", 1000, 123_456_789) == OK
        assert cache.get("/m/a.mp3", 1001, 123_456_789) is None  # rewritten in place
        assert cache.get("/m/a.mp3", 1000, 123_456_790) is None  # touched
        assert cache.get("/m/b.mp3", 1000, 123_456_789) is None
    assert db.stat().st_mode & 0o777 == 0o600


def test_outcomes_that_say_nothing_about_the_content_are_not_kept(tmp_path: Path) -> None:
    with MusicCache(tmp_path / "c.sqlite3") as cache:
        cache.put("/m/a", 1, 1, Measurement(Status.ERROR, "decoding took longer than 600 s"))
        cache.put("/m/b", 1, 1, Measurement(Status.UNREADABLE, "Permission denied"))
        cache.put("/m/c", 1, 1, Measurement(Status.UNPLAYABLE, "not audio"))

        assert cache.get("/m/a", 1, 1) is None
        assert cache.get("/m/b", 1, 1) is None
        assert cache.get("/m/c", 1, 1) == Measurement(Status.UNPLAYABLE, "not audio")


def test_measurements_by_another_method_are_ignored(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    MusicCache(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("INSERT INTO measurement VALUES ('/m/a', 1, 1, 'old-meter/0', '{}')")

    with MusicCache(db) as cache:
        assert cache.get("/m/a", 1, 1) is None


def test_a_corrupt_cache_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    db.write_bytes(b"this is not a database" * 100)

    with MusicCache(db) as cache:
        assert cache.notice is not None
        assert "unreadable" in cache.notice and "c.sqlite3.corrupt" in cache.notice
        cache.put("/m/a", 1, 1, OK)

    assert (tmp_path / "c.sqlite3.corrupt").exists()
    with MusicCache(db) as cache:
        assert cache.notice is None
        assert cache.get("/m/a", 1, 1) == OK


def test_a_cache_from_a_newer_version_is_set_aside(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with MusicCache(db) as cache:
        assert cache.notice is not None
        cache.put("/m/a", 1, 1, OK)
        assert cache.get("/m/a", 1, 1) == OK


def test_a_junk_row_is_a_miss(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with MusicCache(db) as cache:
        cache.put("/m/a", 1, 1, OK)
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE measurement SET result = '{\"status\": \"loud\"}'")

    with MusicCache(db) as cache:
        assert cache.get("/m/a", 1, 1) is None


def test_a_cache_that_cannot_be_created_works_in_memory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")

    with MusicCache(tmp_path / "file" / "c.sqlite3") as cache:
        assert cache.notice is not None and "not saved" in cache.notice
        cache.put("/m/a", 1, 1, OK)
        assert cache.get("/m/a", 1, 1) == OK
