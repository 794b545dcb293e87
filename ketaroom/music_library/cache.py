"""The music-scan cache: one SQLite file in the data folder, keyed by path, size and mtime.

A row holds what was measured (:class:`~ketaroom.music_library.measure.Measurement`,
never the gain, which depends on the target) for the file's absolute path as it was:
its size and modification time in nanoseconds. A file changed in place has another size
or mtime and is measured afresh; rows measured by another method
(:data:`~ketaroom.music_library.measure.METHOD`) are ignored.

The cache is only a speed-up: a file that is not a database, a schema from the future,
a read-only folder — any of these leaves the scan working. An unreadable cache is moved
aside and rebuilt (:attr:`MusicCache.notice` says so); one that cannot be written at all
is replaced by an in-memory one for this scan.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from ketaroom.music_library.measure import METHOD, UNCACHEABLE, Measurement

FILE_NAME = "music-scan.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS measurement (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    method TEXT NOT NULL,
    result TEXT NOT NULL
)
"""


def cache_path(data_dir: Path) -> Path:
    """Where the cache lives inside the data folder."""
    return Path(data_dir) / FILE_NAME


class MusicCache:
    """Measurements by (path, size, mtime_ns). Use as a context manager, or call close()."""

    def __init__(self, path: Path | None) -> None:
        """Open (or create) the cache at ``path``; ``None`` keeps it in memory."""
        self.path = path
        self.notice: str | None = None
        """Something a person should hear about the cache (rebuilt, not saved), or None."""
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError as exc:
            self._db = self._rebuild(exc)

    def _open(self, path: Path | None) -> sqlite3.Connection:
        db = sqlite3.connect(":memory:" if path is None else str(path))
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"schema version {version} is not {SCHEMA_VERSION}")
            db.execute(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.commit()
            db.execute("SELECT path, size, mtime_ns, method, result FROM measurement LIMIT 1")
        except sqlite3.DatabaseError:
            db.close()
            raise
        if path is not None:
            with contextlib.suppress(OSError):
                os.chmod(path, 0o600)
        return db

    def _rebuild(self, cause: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move an unusable cache file aside and start an empty one (in memory if need be)."""
        if self.path is not None and self.path.exists():
            aside = self.path.with_name(self.path.name + ".corrupt")
            try:
                os.replace(self.path, aside)
                for suffix in ("-wal", "-shm", "-journal"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
                self.notice = (f"the music-scan cache was unreadable ({cause}); it was moved "
                               f"to {aside.name} and every file is measured again")
                return self._open(self.path)
            except (OSError, sqlite3.DatabaseError):
                pass
        self.notice = (f"the music-scan cache cannot be used ({cause}); results are not "
                       "saved for next time")
        return self._open(None)

    def get(self, key: str, size: int, mtime_ns: int) -> Measurement | None:
        """The stored measurement of this very file (same size and mtime), or None."""
        try:
            row = self._db.execute(
                "SELECT result FROM measurement WHERE path = ? AND size = ? AND mtime_ns = ? "
                "AND method = ?", (key, size, mtime_ns, METHOD)).fetchone()
            return Measurement.from_dict(json.loads(row[0])) if row else None
        except (sqlite3.DatabaseError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, size: int, mtime_ns: int, measurement: Measurement) -> None:
        """Remember a measurement (not those that say nothing lasting about the file)."""
        if measurement.status in UNCACHEABLE:
            return
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO measurement (path, size, mtime_ns, method, result) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, size, mtime_ns, METHOD, json.dumps(measurement.to_dict())))
        except sqlite3.DatabaseError as exc:
            self.notice = f"the music-scan cache could not be written ({exc})"

    def commit(self) -> None:
        """Make what was put so far durable (called now and then during a long scan)."""
        try:
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            self.notice = f"the music-scan cache could not be written ({exc})"

    def close(self) -> None:
        """Commit and close."""
        self.commit()
        self._db.close()

    def __enter__(self) -> MusicCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
