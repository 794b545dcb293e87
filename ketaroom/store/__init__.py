"""Storage: the SQLite session journal, data-directory paths and session exports.

No Qt here. See :mod:`ketaroom.store.journal` for the session journal (its schema in
:mod:`ketaroom.store.journal_schema`, what it reads back in
:mod:`ketaroom.store.session_records`, the event kinds in
:mod:`ketaroom.store.record_schema`), :mod:`ketaroom.store.export` for JSON/CSV/PDF
reports, :mod:`ketaroom.store.paths` for where files live.

The names below are loaded on first use: importing any ``ketaroom.store.…`` module runs
this file, and the window's first frame needs the settings, not the journal (issue 14).
"""

from __future__ import annotations

from ketaroom.core.lazy import lazy_attributes

_HOMES = {
    **dict.fromkeys(("Journal", "JournalCorruptError", "JournalError", "JournalVersionError",
                     "JournalWriteError"), "ketaroom.store.journal"),
    "BufferedJournalWriter": "ketaroom.store.journal_buffer",
    **dict.fromkeys(("EventRecord", "SessionRecord"), "ketaroom.store.session_records"),
    **dict.fromkeys(("data_dir", "journal_path", "playlists_dir", "presets_dir",
                     "settings_path"), "ketaroom.store.paths"),
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_attributes(__name__, _HOMES)
