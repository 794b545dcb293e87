"""Room settings' "Clinic records server": the address, *Test connection*, and names.

:class:`RecordsServerField` edits the settings' ``central_dsn`` (a libpq URI such as
``postgresql://ketaroom:PASSWORD@records.clinic:5432/clinic?sslmode=require``; empty: no
server) and ``central_share_names``. A saved password is never shown: the field shows
:data:`~ketaroom.core.dsn.MASK` in its place and :meth:`RecordsServerField.dsn` puts
it back (a password typed over the mask replaces it). The settings file holding it is
written 0600 like the board's password. *Test connection* connects on a worker thread
(a server that does not answer keeps libpq waiting up to its timeout, never the window)
and says in words what it found, or why not.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from ketaroom.core.dsn import hide_password_in, mask_password, unmask_password
from ketaroom.ui.background_call import BackgroundCall
from ketaroom.ui.bridge_setup import say
from ketaroom.ui.widgets import check_box, muted_label

__all__ = ["PLACEHOLDER", "RecordsServerField", "dsn_problem"]

PLACEHOLDER = "postgresql://ketaroom@records.clinic:5432/clinic?sslmode=require — empty: none"


def dsn_problem(dsn: str) -> str:
    """Why ``dsn`` is not a records-server address libpq accepts ("" when it is; the
    password never appears in the reason)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(dsn)
    except (psycopg.Error, ValueError) as exc:
        text = hide_password_in(str(exc).strip(), dsn)
        first = text.splitlines()[0] if text else type(exc).__name__
        return f"Clinic records server: not a valid address ({first})."
    return ""


def _test_connection(dsn: str) -> str:
    from ketaroom.store.central.schema import check_server

    return check_server(dsn)


class RecordsServerField(QWidget):
    """The records server's address, its *Test connection* button and result line, and
    whether patients' names and years of birth go to it."""

    def __init__(self, dsn: str | None, share_names: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._saved = dsn
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.address = QLineEdit(mask_password(dsn or ""))
        self.address.setPlaceholderText(PLACEHOLDER)
        self.address.setCursorPosition(0)  # the start of the address, not its options
        self.address.setAccessibleName("Clinic records server (PostgreSQL address)")
        self.address.setToolTip("A libpq address; the password may also be in the room "
                                "user's ~/.pgpass. A saved password is shown as dots.")
        self.address.textEdited.connect(lambda _text: say(self.result, ""))
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.share_names = check_box("Also send patients' names and years of birth")
        self.share_names.setChecked(share_names)
        self.share_names.setToolTip(
            "Off: only the patient code leaves this PC (names stay here and appear only in "
            "an export the clinic makes). On: the clinic's own server holds them too.")
        self.result = muted_label(wrap=True)
        self.result.setObjectName("recordsServerResult")
        self.result.hide()
        grid.addWidget(QLabel("Clinic records server"), 0, 0)
        grid.addWidget(self.address, 0, 1)
        grid.addWidget(self.test_button, 0, 2)
        grid.addWidget(self.share_names, 1, 1, 1, 2)
        grid.addWidget(self.result, 2, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        self._call = BackgroundCall(self)
        self._call.done.connect(self._on_tested)

    def dsn(self) -> str | None:
        """The address as meant (the saved password back in place of the mask); None
        when the field is empty."""
        text = self.address.text().strip()
        return unmask_password(text, self._saved) if text else None

    def problem(self) -> str:
        """Why the address cannot be saved ("" when it can, or is empty)."""
        dsn = self.dsn()
        return dsn_problem(dsn) if dsn else ""

    def test_connection(self) -> None:
        """Connect on a worker thread; the result line says what happened."""
        dsn = self.dsn()
        problem = "Type the server's address first." if dsn is None else self.problem()
        if problem:
            say(self.result, problem, problem=True)
            return
        assert dsn is not None
        self.test_button.setEnabled(False)
        say(self.result, "Connecting to the records server…")
        self._call.start(lambda: _test_connection(dsn), "ketaroom-records-test")

    @property
    def testing(self) -> bool:
        return self._call.busy

    def cancel(self) -> None:
        """Forget a test under way (the dialog closes)."""
        self._call.cancel()

    def _on_tested(self, result: object, error: object) -> None:
        self.test_button.setEnabled(True)
        if error is None:
            say(self.result, str(result))
        else:
            say(self.result, f"Not connected: {error}.", problem=True)
