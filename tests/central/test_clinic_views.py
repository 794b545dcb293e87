"""The history and patient views read the clinic's records off the main thread: "This room |
Clinic" against a real PostgreSQL, a server that never answers, and no server at all."""

from __future__ import annotations

import itertools
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog

from ketaroom.store.central.sync import sync
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from ketaroom.store.patients import PatientStore
from ketaroom.ui.history_view import HistoryView
from ketaroom.ui.patient_preferences import CLINIC_LINE, CLINIC_NONE
from ketaroom.ui.patient_view import PatientView
from ketaroom.ui.theme import apply_theme
from tests.central.courses import course_room

pytestmark = pytest.mark.gui

AWAY_LINE = "Clinic records unavailable — server away since "


@pytest.fixture
def room_a(tmp_path: Path, clinic_dsn: str) -> Iterator[Journal]:
    """Room A's journal (this PC), with Room A and Room B synced to the server."""
    data = course_room(tmp_path, "Room A", "PT-0042", days=[0, 2])
    room_b = course_room(tmp_path, "Room B", "pt-0042", days=[4])
    course_room(room_b.parent, "Room B", "PT-0100", days=[1])
    for folder in (data, room_b):
        sync(journal_path(folder), clinic_dsn)
    with Journal(journal_path(data)) as journal:
        yield journal


def _until_live(condition: Callable[[], bool], *, timeout_s: float = 30) -> float:
    """Spin the event loop until ``condition``; the longest the loop ever waited."""
    app = QApplication.instance()
    assert app is not None
    beats = [time.monotonic()]
    while not condition():
        assert time.monotonic() - beats[0] < timeout_s
        app.processEvents()
        beats.append(time.monotonic())
        time.sleep(0.005)
    return max((b - a for a, b in itertools.pairwise(beats)), default=0.0)


def _screenshot(widget: HistoryView | PatientView, name: str) -> None:
    folder = os.environ.get("KETAROOM_SCREENSHOT_DIR")
    if folder:
        QApplication.processEvents()  # the layout follows the data that just arrived
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / name))


def test_history_switches_to_the_clinic_and_exports_another_rooms_session(
        qtbot, tmp_path: Path, room_a: Journal, clinic_dsn: str, monkeypatch) -> None:
    apply_theme(QApplication.instance())
    view = HistoryView(room_a, dsn=lambda: clinic_dsn)
    qtbot.addWidget(view)
    view.resize(1180, 760)
    view.show()
    assert view.scope.isVisible() and not view.scope.clinic
    assert view.table.rowCount() == 2  # this room's
    view.scope.clinic_button.click()
    longest = _until_live(lambda: view.table.rowCount() == 4)
    assert longest < 0.5  # the read ran on a worker thread
    rooms = sorted(view.table.item(r, 1).text() for r in range(view.table.rowCount()))
    assert rooms == ["Room A", "Room A", "Room B", "Room B"]
    assert [view.patient_filter.itemText(i) for i in range(view.patient_filter.count())] == [
        "All patients", "PT-0042", "PT-0100"]
    view.search.setText('"in room b"')  # searched on the server, case ignored
    _until_live(lambda: view.table.rowCount() == 2)
    view.search.clear()
    view.show_patient("PT-0042")
    _until_live(lambda: view.table.rowCount() == 3)
    row = next(r for r in range(3) if view.table.item(r, 1).text() == "Room B")
    view.table.selectRow(row)
    _until_live(lambda: view.timeline.rowCount() > 0 and view.export_buttons["json"].isEnabled())
    assert "Room B" in view.detail_title.text()
    _screenshot(view, "history-clinic.png")

    out = tmp_path / "clinic-session.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, caption, suggested, filters: (str(out), filters)))
    assert view.export_selected("json") == out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = json.loads(out.read_text())
    assert doc["session"]["room"] == "Room B" and doc["session"]["patient"] == "PT-0042"
    assert doc["events"][0]["kind"] == "session_start"

    view.scope.room_button.click()  # back to this room: at once, from the journal
    assert view.table.rowCount() == 2 and view.status_label.text() == ""


def test_server_away_history_shows_this_room_with_one_calm_line(
        qtbot, room_a: Journal, silent_server: str) -> None:
    view = HistoryView(room_a, dsn=lambda: silent_server)
    qtbot.addWidget(view)
    view.show()
    view.scope.clinic_button.click()
    assert view.status_label.text() == "Reading the clinic's records…"
    longest = _until_live(lambda: not view.scope.clinic_button.isChecked())
    assert longest < 0.5  # libpq waited 2 s on the worker, never on the window
    line = view.status_label.text()
    assert line.startswith(AWAY_LINE) and line.endswith("; showing this room"), line
    assert view.table.rowCount() == 2 and view.scope.room_button.isChecked()


def test_patients_switch_to_the_clinic_course_and_back_when_the_server_is_away(
        qtbot, room_a: Journal, clinic_dsn: str, silent_server: str, tmp_path: Path,
        monkeypatch) -> None:
    apply_theme(QApplication.instance())
    dsn = [clinic_dsn]
    view = PatientView(PatientStore(room_a), dsn=lambda: dsn[0])
    qtbot.addWidget(view)
    view.resize(1180, 760)
    view.show()
    assert view.patients.rowCount() == 1
    assert view.due.text().startswith("Due today: PT-0042 session")  # this room's
    view.scope.clinic_button.click()
    _until_live(lambda: view.patients.rowCount() == 2)
    assert view.due.text() == (  # read with the list: Room B's patient too; PT-0042 once,
        # as the clinic spells the code, with the room of each open course
        "Due today in the clinic: PT-0100 session (Room B, since 07 Mar) · "
        "PT-0042 session (Room A, since 08 Mar; Room B, since 10 Mar)")
    assert view.select_patient("PT-0042")
    _until_live(lambda: view.sessions.rowCount() == 3)
    assert view.patients.item(0, 1).text() == "3"  # clinical sessions in every room
    assert [view.sessions.item(r, 0).toolTip().split(" · ")[-1] for r in range(3)] == [
        "Room A", "Room A", "Room B"]
    assert [line.split(" from ")[0] for line in view.courses.text().splitlines()] == [
        "Induction series (planned in Room A)", "Induction series (planned in Room B)"]
    assert not view.fu_button.isEnabled()  # follow-ups go to this room's sessions only
    assert view.export_buttons["pdf"].isEnabled()
    prefs = view.preferences  # not on the server: this room's, read-only, said calmly
    assert view.tabs.tabText(1) == "Preferences · this room"
    assert prefs.status.text() == CLINIC_LINE and prefs.status.objectName() == "saved"
    assert not prefs.save_button.isEnabled() and not prefs.volume.isEnabled()
    _screenshot(view, "patients-clinic.png")
    view.tabs.setCurrentIndex(1)
    _screenshot(view, "patients-clinic-preferences.png")
    view.tabs.setCurrentIndex(0)
    out = tmp_path / "clinic-course.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, caption, suggested, filters: (str(out), filters)))
    assert view.export_course("json") == out
    doc = json.loads(out.read_text())
    assert [s["room"] for s in doc["sessions"]] == ["Room A", "Room A", "Room B"]
    assert [c["room"] for c in doc["courses"]] == ["Room A", "Room B"]
    assert view.select_patient("PT-0100")  # only Room B knows them
    assert prefs.status.text() == CLINIC_NONE.format(code="PT-0100")
    assert prefs.status.objectName() == "saved"
    assert view.select_patient("PT-0042")
    _until_live(lambda: view.sessions.rowCount() == 3)

    dsn[0] = silent_server
    view.refresh()
    _until_live(lambda: not view.scope.clinic_button.isChecked())
    assert view.status.text().startswith(AWAY_LINE)
    assert view.patients.rowCount() == 1 and view.fu_button.isEnabled()
    assert view.due.text().startswith("Due today: ")
    assert view.tabs.tabText(1) == "Preferences" and prefs.save_button.isEnabled()


def test_without_a_records_server_there_is_no_toggle(qtbot, tmp_path: Path) -> None:
    with Journal(journal_path(tmp_path)) as journal:
        history, patients = HistoryView(journal), PatientView(PatientStore(journal))
        for view in (history, patients):
            qtbot.addWidget(view)
            view.show()
            assert not view.scope.isVisible() and not view.scope.clinic
