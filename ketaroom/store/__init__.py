"""Storage: the SQLite session journal, data-directory paths and session exports.

No Qt here. See :mod:`ketaroom.store.journal` for the schema and event kinds,
:mod:`ketaroom.store.export` for JSON/CSV/PDF reports, :mod:`ketaroom.store.paths`
for where files live.
"""

from ketaroom.store.journal import (
    BufferedJournalWriter,
    EventRecord,
    Journal,
    JournalCorruptError,
    JournalError,
    JournalVersionError,
    JournalWriteError,
    SessionRecord,
)
from ketaroom.store.paths import data_dir, journal_path, playlists_dir, presets_dir, settings_path

__all__ = [
    "BufferedJournalWriter",
    "EventRecord",
    "Journal",
    "JournalCorruptError",
    "JournalError",
    "JournalVersionError",
    "JournalWriteError",
    "SessionRecord",
    "data_dir",
    "journal_path",
    "playlists_dir",
    "presets_dir",
    "settings_path",
]
