"""Screenshots of the patient's course in the window, for docs/ui.md (evidence to look at).

Run with ``KETAROOM_SCREENSHOT_DIR=docs/screenshots`` (offscreen is fine): the patient
picker before Start, a session with its patient and clinical fields, a patient's course.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gui.test_patient_course import click, measures, start_for, stop

pytestmark = [pytest.mark.gui, pytest.mark.skipif(
    not os.environ.get("KETAROOM_SCREENSHOT_DIR"),
    reason="set KETAROOM_SCREENSHOT_DIR to write the patient screenshots")]


def test_screenshot_patient_course(qtbot, make_window) -> None:
    out = Path(os.environ["KETAROOM_SCREENSHOT_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    window = make_window(patient=None)
    window.resize(1280, 720)
    store = window.service.patients
    for code in ("PT-0007", "PT-0011", "PT-0042"):
        store.add_patient(code)
    store.start_course("PT-0007", "maintenance", planned_sessions=4, spacing_days=14)
    picker = window.patient_picker
    picker.refresh_codes()
    qtbot.keyClicks(picker.code, "PT-0043")
    qtbot.keyClicks(picker.name, "A. Example")
    qtbot.keyClicks(picker.birth_year, "1979")
    qtbot.wait(200)
    window.grab().save(str(out / "patient-picker.png"))

    picker.code.clear()
    sid = 0
    for dose, moaas, score, words in ((35, 4, 2, "The fear was smaller than I thought."),
                                      (40, 3, 3, "I could look at it from further away.")):
        sid = start_for(qtbot, window, "PT-0043")
        panel = window.clinical_panel
        window.record_tabs.setCurrentWidget(panel)
        qtbot.keyClicks(panel.weight, "70")
        qtbot.keyClicks(panel.mg, str(dose))
        click(qtbot, panel.sedation.button(moaas))
        click(qtbot, panel.dissociation.button(score))
        panel.rems.setCurrentIndex(1)
        for i, answer in enumerate(panel.phq9):
            answer.setCurrentIndex(1 + (i + dose) % 3)
        click(qtbot, panel.phq9_button)
        qtbot.waitUntil(lambda s=sid: measures(window, s)["dose"] is not None, timeout=2000)
        if dose == 40:
            qtbot.wait(300)
            window.grab().save(str(out / "session-with-patient.png"))
        stop(qtbot, window)
        panel.reflection.setPlainText(words)
        click(qtbot, panel.reflection_button)
    window._on_open_patients()
    view = window._side_windows["patients"]
    view.resize(1280, 720)
    view.select_patient("PT-0043")
    view.fu_mood.setValue(7)
    qtbot.keyClicks(view.fu_sleep, "slept 8 h")
    click(qtbot, view.fu_button)
    view.select_patient("PT-0043")
    qtbot.wait(200)
    view.grab().save(str(out / "patient-course.png"))
    assert sid


def test_screenshot_clinical_checks_and_dose_limit(qtbot, make_window, data_dir) -> None:
    """The Clinical tab mid-session: a check due, one done, a dose above the clinic's
    limit waiting for confirmation; and the clinic's dose limits in Room settings."""
    from ketaroom.core.clinical import DoseLimits
    from ketaroom.store.paths import presets_dir
    from ketaroom.ui.room_settings import RoomSettingsDialog
    from tests.gui.test_clinical_checks import CHECKS

    out = Path(os.environ["KETAROOM_SCREENSHOT_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    (presets_dir(data_dir) / "checks.yaml").write_text(CHECKS, encoding="utf-8")
    window = make_window(preset="checks.yaml", patient=None,
                         dose_limits=DoseLimits({**DoseLimits().mg_per_kg, "iv": 0.8}))
    window.resize(1280, 720)
    start_for(qtbot, window, "PT-0043")
    panel = window.clinical_panel
    window.record_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.slots._lines[1].text().endswith("— due"), timeout=3000)
    click(qtbot, panel.sedation.button(3))
    click(qtbot, panel.dissociation.button(2))
    qtbot.keyClicks(panel.weight, "70")
    qtbot.keyClicks(panel.mg, "70")
    qtbot.waitUntil(panel.confirm_dose.isVisible, timeout=2000)
    qtbot.wait(200)
    window.grab().save(str(out / "clinical-checks.png"))
    panel.resize(panel.width(), 1300)  # the whole tab, as it scrolls
    panel.grab().save(str(out / "clinical-tab.png"))

    dialog = RoomSettingsDialog(window.service.settings, data_dir, window.service.gate,
                                window.service.device_setup)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    dialog.reveal(dialog.dose_limits)
    dialog.grab().save(str(out / "room-settings-dose-limits.png"))
    dialog.dose_limits.change_button.click()
    editor = dialog.dose_limits.editor
    qtbot.waitExposed(editor)
    editor.grab().save(str(out / "dose-limits.png"))
    editor.reject()
