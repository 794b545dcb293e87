"""The room's records, each opened on first use: the journal, patients and the admin gate.

:class:`RoomRecords` is how the window's service (:mod:`ketaroom.session.service`) reaches
the data folder's records. Nothing is read before it is asked for (issue 14: the window's
first frame comes before the journal is loaded). A records file that cannot be used at all
never stops the room: the session is recorded in a temporary file, and
:attr:`RoomRecords.journal_message` says where.
"""

from __future__ import annotations

import tempfile
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketaroom.store.admin_pin import AdminGate
    from ketaroom.store.journal import Journal
    from ketaroom.store.patients import PatientStore


class RoomRecords:
    """The journal, patients, admin gate and operator of one data folder, opened lazily."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    @cached_property
    def operator(self) -> str:
        """Who is at the keyboard, for the record (the OS account; a shared PC shows the
        room)."""
        import getpass

        try:
            return getpass.getuser()
        except (OSError, KeyError, ImportError):
            return ""

    @cached_property
    def _journal(self) -> tuple[Journal, str | None]:
        return _open_journal(self.data_dir)

    @property
    def journal(self) -> Journal:
        return self._journal[0]

    @property
    def journal_message(self) -> str | None:
        """Set when the records file could not be used (the session is recorded elsewhere)."""
        return self._journal[1]

    @cached_property
    def patients(self) -> PatientStore:
        """Patients, courses and measures (the patient picker, view and clinical panel)."""
        from ketaroom.store.patients import PatientStore

        return PatientStore(self.journal)

    @cached_property
    def _admin(self) -> tuple[AdminGate, str | None]:
        from ketaroom.store.admin_pin import AdminGate, AdminPin, PinWatch, admin_path

        pin = AdminPin(admin_path(self.data_dir))
        message = PinWatch(pin, self.journal, self.operator).check(
            records_exist=_records_exist(self.journal))
        gate = AdminGate(pin)
        gate.was_reset = message is not None
        return gate, message

    @property
    def gate(self) -> AdminGate:
        """Guards presets, room profiles and settings; running sessions need no PIN."""
        return self._admin[0]

    @property
    def pin_message(self) -> str | None:
        """Set when the PIN file was deleted or replaced outside ketaroom (a reset)."""
        return self._admin[1]

    def close(self) -> None:
        """Close the journal, if it was opened."""
        if "_journal" in self.__dict__:
            self.journal.close()


def _open_journal(data_dir: Path) -> tuple[Journal, str | None]:
    """The records file, or — if it cannot be used at all — a temporary one, said plainly.

    A damaged file is set aside by :meth:`Journal.open_or_recover`. A file from a newer
    ketaroom or a folder that refuses writes must not stop the room from working: the
    session is then recorded in a temporary file whose place the banner names.
    """
    from ketaroom.store.journal import Journal, JournalError
    from ketaroom.store.paths import journal_path

    try:
        return Journal.open_or_recover(journal_path(data_dir))
    except (JournalError, OSError) as exc:
        spare = Path(tempfile.mkdtemp(prefix="ketaroom-records-")) / "sessions.sqlite3"
        return Journal(spare), (f"The session records could not be opened ({exc}). This "
                                f"session is recorded in {spare} instead; copy it before "
                                "the computer restarts.")


def _records_exist(journal: Journal) -> bool:
    """Whether any clinical session was recorded (unreadable records count as existing).

    Rehearsals do not count: ``ketaroom rehearse`` (the README's first check) records
    them before the window, and its PIN watch, ever ran."""
    from ketaroom.store.journal import JournalError

    try:
        return bool(journal.sessions(include_rehearsals=False))
    except JournalError:
        return True
