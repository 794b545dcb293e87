"""A PIN file deleted or replaced outside ketaroom: the window says so (issue 13.15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ketaroom.store.admin_pin import AdminPin, admin_path
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.pin_dialog import PinPad

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("tamper", ["delete", "replace"])
def test_a_pin_file_changed_outside_ketaroom_is_a_recorded_reset(
        qtbot, make_window, data_dir: Path, tmp_path: Path, tamper: str) -> None:
    first: MainWindow = make_window()
    first.service.gate.set_first_pin("2580")  # chosen in ketaroom: fingerprinted
    qtbot.mouseClick(first.session_panel.start_button, Qt.MouseButton.LeftButton)
    first._on_stop()  # records exist
    first.close()
    assert "admin_pin" not in make_window().banner.problems  # nothing happened yet

    path = admin_path(data_dir)
    if tamper == "delete":
        path.unlink()
    else:
        known = AdminPin(tmp_path / "known.json")
        known.set_pin("0000")
        path.write_bytes(known.path.read_bytes())
    window = make_window()

    message, _ = window.banner.problems["admin_pin"]
    assert "admin PIN was reset" in message and window.banner.isVisible()
    with Journal(window.service.journal.path) as journal:
        reset = journal.audit_entries()[-1]
    assert reset["action"] == "admin_pin_reset"
    assert reset["user"] == window.service.operator
    assert ("deleted" if tamper == "delete" else "replaced") in reset["detail"]
    assert not window.service.gate.unlock("0000")
    pad = PinPad(window.service.gate)  # what the next admin action shows
    qtbot.addWidget(pad)
    assert pad.title.text() == "CHOOSE AN ADMIN PIN"
    assert "reset outside ketaroom" in pad.hint.text()


def test_a_new_clinic_without_a_pin_is_not_told_its_pin_was_reset(
        qtbot, make_window, data_dir: Path) -> None:
    """A clinic that tries `ketaroom rehearse` first, then runs sessions before it ever
    chooses a PIN: no PIN file was ever there, so none was deleted — no alarm at any start."""
    with Journal(journal_path(data_dir)) as journal:  # the README's first check
        rehearsal = journal.start_session(preset="Demo", preset_path=None, preset_yaml=None,
                                          room="rehearse", planned_s=180.0, kind="rehearsal")
        journal.end_session(rehearsal, "completed")
    first: MainWindow = make_window()
    assert "admin_pin" not in first.banner.problems
    qtbot.mouseClick(first.session_panel.start_button, Qt.MouseButton.LeftButton)
    first._on_stop()  # a clinical record now exists
    first.close()
    again = make_window()
    assert "admin_pin" not in again.banner.problems
    assert not again.service.gate.was_reset
