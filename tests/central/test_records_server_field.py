"""Room settings' "Clinic records server": the password never shown, saved privately, and
*Test connection* against a real PostgreSQL, off the main thread."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ketaroom.core.dsn import MASK
from ketaroom.store.admin_pin import AdminGate, AdminPin, admin_path
from ketaroom.store.paths import settings_path
from ketaroom.store.settings import Settings, load_settings
from ketaroom.ui.theme import apply_theme
from tests.central.test_clinic_views import _until_live
from tests.gui.test_room_settings import PIN, settings_dialog
from tests.helpers.postgres import PASSWORD

pytestmark = pytest.mark.gui


@pytest.fixture
def gate(tmp_path: Path) -> AdminGate:
    gate = AdminGate(AdminPin(admin_path(tmp_path)))
    gate.set_first_pin(PIN)
    return gate


def test_a_saved_password_is_never_shown_and_is_kept_on_save(qtbot, tmp_path: Path,
                                                              gate: AdminGate,
                                                              clinic_dsn: str) -> None:
    apply_theme(QApplication.instance())
    dialog = settings_dialog(qtbot, Settings(room_name="Room 1", central_dsn=clinic_dsn),
                             tmp_path, gate)
    field = dialog.records_server
    assert PASSWORD not in field.address.text() and MASK in field.address.text()
    field.test_button.click()
    _until_live(lambda: not field.testing)
    assert field.result.text().startswith("Connected (not encrypted) to PostgreSQL 1")
    assert field.result.text().endswith(": an empty database; the first sync creates the tables.")
    field.share_names.setChecked(True)
    folder = os.environ.get("KETAROOM_SCREENSHOT_DIR")
    if folder:
        dialog.reveal(field)
        QApplication.processEvents()  # the layout follows the result line
        dialog.grab().save(str(Path(folder) / "room-settings-records-server.png"))
    with qtbot.waitSignal(dialog.settingsSaved, timeout=2000):
        dialog.save_button.click()
    saved = load_settings(tmp_path)
    assert saved.central_dsn == clinic_dsn and saved.central_share_names
    assert settings_path(tmp_path).stat().st_mode & 0o777 == 0o600


def test_test_connection_says_what_went_wrong_in_words(qtbot, tmp_path: Path, gate: AdminGate,
                                                       clinic_dsn: str) -> None:
    dialog = settings_dialog(qtbot, Settings(room_name="Room 1"), tmp_path, gate)
    field = dialog.records_server
    assert field.address.text() == "" and field.dsn() is None
    field.test_button.click()
    assert field.result.text() == "Type the server's address first."
    qtbot.keyClicks(field.address, clinic_dsn.replace(PASSWORD, "wrong"))
    field.test_button.click()
    _until_live(lambda: not field.testing)
    assert field.result.text() == ("Not connected: the records server refused the user name "
                                   "or password.")
    field.address.clear()
    qtbot.keyClicks(field.address, clinic_dsn.replace("sslmode=disable", "sslmode=require"))
    field.test_button.click()
    _until_live(lambda: not field.testing)
    assert field.result.text().startswith("Connected over TLS to PostgreSQL ")


def test_a_server_that_never_answers_keeps_the_dialog_live(qtbot, tmp_path: Path,
                                                          gate: AdminGate,
                                                          silent_server: str) -> None:
    dialog = settings_dialog(qtbot, Settings(room_name="Room 1"), tmp_path, gate)
    field = dialog.records_server
    qtbot.keyClicks(field.address, silent_server)
    field.test_button.click()
    assert field.result.text() == "Connecting to the records server…"
    assert not field.test_button.isEnabled()
    longest = _until_live(lambda: not field.testing)
    assert longest < 0.5  # libpq waited its 2 s on the worker thread
    assert field.result.text() == "Not connected: the records server is away (no answer)."


def test_an_address_libpq_cannot_read_is_not_saved(qtbot, tmp_path: Path,
                                                   gate: AdminGate) -> None:
    dialog = settings_dialog(qtbot, Settings(room_name="Room 1"), tmp_path, gate)
    qtbot.keyClicks(dialog.records_server.address, "records clinic")
    dialog.save_button.click()
    assert dialog.message.text().startswith("Clinic records server: not a valid address")
    assert not settings_path(tmp_path).exists()
    dialog.records_server.address.clear()  # libpq quotes a badly encoded password: hidden
    qtbot.keyClicks(dialog.records_server.address, "postgresql://k:se%zzcret@h/c")
    dialog.records_server.test_button.click()
    assert "not a valid address" in dialog.records_server.result.text()
    assert "zzcret" not in dialog.records_server.result.text()
