"""Storage: the SQLite session journal, data-directory paths and session exports.

No Qt here. See :mod:`ketaroom.store.journal` for the schema and event kinds,
:mod:`ketaroom.store.export` for JSON/CSV/PDF reports, :mod:`ketaroom.store.paths`
for where files live.

The names below are loaded on first use: importing any ``ketaroom.store.…`` module runs
this file, and the window's first frame needs the settings, not the journal (issue 14).
"""

from __future__ import annotations

from ketaroom.core.lazy import lazy_attributes

_HOMES = {
    **dict.fromkeys(("BufferedJournalWriter", "EventRecord", "Journal", "JournalCorruptError",
                     "JournalError", "JournalVersionError", "JournalWriteError",
                     "SessionRecord"), "ketaroom.store.journal"),
    **dict.fromkeys(("data_dir", "journal_path", "playlists_dir", "presets_dir",
                     "settings_path"), "ketaroom.store.paths"),
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_attributes(__name__, _HOMES)
