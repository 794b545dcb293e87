"""The patient's course in the window: picker, clinical fields, history, patient view."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from ketaroom.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def start_for(qtbot, window: MainWindow, code: str) -> int:
    """Start a session for ``code`` (a new patient gets the default course of six)."""
    window.patient_picker.code.setText(code)
    click(qtbot, window.session_panel.start_button)
    live = window.live
    assert live is not None and live.session.state().status.value == "running"
    qtbot.waitUntil(lambda: live.session_id is not None, timeout=3000)
    assert live.session_id is not None
    return live.session_id


def stop(qtbot, window: MainWindow) -> None:
    """Stop the session (confirmed) and wait until Start can be pressed again."""
    click(qtbot, window.session_panel.stop_button)
    click(qtbot, window.session_panel.confirm.yes)
    qtbot.waitUntil(window.session_panel.start_button.isEnabled, timeout=3000)


def measures(window: MainWindow, session_id: int) -> dict[str, Any]:
    return window.service.patients.measures(session_id)


def test_clinical_fields_are_recorded_like_notes(qtbot, make_window) -> None:
    window = make_window(patient=None)
    sid = start_for(qtbot, window, "PT-0042")
    panel = window.clinical_panel
    window.record_tabs.setCurrentWidget(panel)

    qtbot.keyClicks(panel.weight, "70")
    qtbot.keyClicks(panel.mg, "5000")
    qtbot.waitUntil(lambda: "not plausible" in panel.message.text(), timeout=2000)
    assert panel.dose_saved.text() == "Dose not recorded."
    assert measures(window, sid)["dose"] is None  # refused, not saved silently

    panel.mg.clear()
    qtbot.keyClicks(panel.mg, "35")
    assert panel.per_kg.text() == "0.50 mg/kg  (clinic limit 1 mg/kg IV)"
    qtbot.waitUntil(lambda: (measures(window, sid)["dose"] or {}).get("mg") == 35,
                    timeout=2000)  # within a second of the last keystroke (+ the recorder)
    dose = measures(window, sid)["dose"]
    assert (dose["route"], dose["weight_kg"], dose["mg_per_kg"]) == ("iv", 70, 0.5)

    click(qtbot, panel.sedation.button(4))
    click(qtbot, panel.dissociation.button(3))
    panel.rems.setCurrentIndex(1)  # REMS: dissociation yes
    qtbot.waitUntil(lambda: len(measures(window, sid)["dissociation"]) == 2, timeout=2000)
    got = measures(window, sid)
    assert [s["moaas"] for s in got["sedation"]] == [4]
    assert got["dissociation"][-1]["score"] == 3
    assert got["dissociation"][-1]["rems_dissociation"] is True

    for i, answer in enumerate(panel.phq9[:8]):
        answer.setCurrentIndex(1 + i % 4)
    click(qtbot, panel.phq9_button)
    assert "item 9 missing" in panel.message.text()
    panel.phq9[8].setCurrentIndex(1)
    click(qtbot, panel.phq9_button)
    qtbot.waitUntil(lambda: measures(window, sid)["phq9"] is not None, timeout=2000)
    assert measures(window, sid)["phq9"]["total"] == 0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0

    panel.reflection.setPlainText("The fear was smaller than I thought.")
    click(qtbot, panel.reflection_button)
    click(qtbot, panel.ready_button)
    qtbot.waitUntil(lambda: measures(window, sid)["ready_to_leave"] is not None, timeout=2000)
    assert measures(window, sid)["reflections"][0]["text"].startswith("The fear")
    assert panel.ready_at.text().startswith("Ready to leave at")


def test_history_has_a_patient_column_and_filter(qtbot, make_window) -> None:
    from ketaroom.ui.history_view import SESSION_COLUMNS, HistoryView

    window = make_window(patient=None)
    first = start_for(qtbot, window, "PT-0001")
    stop(qtbot, window)
    second = start_for(qtbot, window, "PT-0002")
    stop(qtbot, window)
    view = HistoryView(window.service.journal)
    qtbot.addWidget(view)
    column = SESSION_COLUMNS.index("Patient")
    patients = {view._row_id(r): view.table.item(r, column).text()
                for r in range(view.table.rowCount())}
    assert patients == {first: "PT-0001", second: "PT-0002"}
    view.show_patient("PT-0002")
    assert view.visible_ids() == [second]
    view.patient_filter.setCurrentIndex(0)  # all patients
    assert sorted(view.visible_ids()) == sorted([first, second])


def test_course_of_care_from_the_window(qtbot, make_window, data_dir, tmp_path,
                                        monkeypatch) -> None:
    """Start-up says what is due; a new patient with a course of six runs session 1 with
    dose, sedation, dissociation, PHQ-9 and reflection; the patient view shows it, takes
    the 24 h follow-up, and exports the course report (0600)."""
    import json
    from datetime import date, timedelta

    from PySide6.QtWidgets import QFileDialog

    from ketaroom.store.journal import Journal
    from ketaroom.store.paths import journal_path
    from ketaroom.store.patients import PatientStore
    from ketaroom.ui.patient_view import PatientView, due_line

    with Journal(journal_path(data_dir)) as journal:  # a course planned earlier, due today
        PatientStore(journal).start_course("PT-0007", "maintenance", planned_sessions=4,
                                           spacing_days=14)
    window = make_window(patient=None)
    assert window.due_label.text() == "Due today: PT-0007 session"

    picker = window.patient_picker
    qtbot.keyClicks(picker.code, "PT-0042")
    picker.kind.setCurrentIndex(picker.kind.findData("induction"))
    picker.planned.setValue(6)
    picker.spacing.setValue(3)
    sid = start_for(qtbot, window, "PT-0042")
    assert "PT-0042 · session 1 of 6" in window.session_panel.phase_info.text()
    panel = window.clinical_panel
    qtbot.keyClicks(panel.weight, "80")
    qtbot.keyClicks(panel.mg, "40")
    click(qtbot, panel.sedation.button(3))
    click(qtbot, panel.dissociation.button(2))
    for answer in panel.phq9:
        answer.setCurrentIndex(2)  # 1 several days, nine times
    click(qtbot, panel.phq9_button)
    stop(qtbot, window)
    panel.reflection.setPlainText("I could look at it from further away.")
    click(qtbot, panel.reflection_button)  # after the end: straight into the record
    qtbot.waitUntil(lambda: measures(window, sid)["dose"] is not None, timeout=2000)

    store = window.service.patients
    tomorrow = date.today() + timedelta(days=1)
    assert "PT-0042 follow-up 24h" in due_line(store, tomorrow)
    window._on_open_patients()
    view = window._side_windows["patients"]
    assert isinstance(view, PatientView)
    assert view.select_patient("PT-0042")
    row = [view.sessions.item(0, c).text() for c in range(view.sessions.columnCount())]
    assert row[0] == f"1 of 6 · {date.today():%Y-%m-%d}" and row[1] == "40 mg iv · 0.50 mg/kg"
    assert row[2:6] == ["3", "2", "9 mild", "I could look at it from further away."]
    assert "Induction series" in view.courses.text() and "1 of 6 done" in view.courses.text()
    view.fu_after.setCurrentIndex(view.fu_after.findData("24h"))
    view.fu_mood.setValue(7)
    qtbot.keyClicks(view.fu_sleep, "slept well")
    click(qtbot, view.fu_button)
    assert view.sessions.item(0, 6).text() == "24h: mood 7"
    assert "PT-0042 follow-up 24h" not in due_line(store, tomorrow)
    assert "PT-0042 follow-up 7d" in due_line(store, date.today() + timedelta(days=7))

    out = tmp_path / "exports"
    out.mkdir()
    answers = iter([out / "course.pdf", out / "course.json"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda parent, caption, suggested, filters: (str(next(answers)), filters)))
    pdf = view.export_course("pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_mode & 0o777 == 0o600
    report = view.export_course("json")
    assert report is not None and report.stat().st_mode & 0o777 == 0o600
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["patient"] == "PT-0042" and [s["id"] for s in data["sessions"]] == [sid]
    assert data["sessions"][0]["measures"]["phq9"]["total"] == 9
