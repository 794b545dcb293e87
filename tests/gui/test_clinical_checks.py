"""The Clinical tab: checks the preset's cues ask for, units beside the dose, the clinic's
dose limits (confirm above them, refused when implausible)."""

from __future__ import annotations

import pytest

from ketaroom.core.clinical import DoseLimits
from ketaroom.store.paths import presets_dir
from tests.gui.test_patient_course import click, measures, start_for

pytestmark = pytest.mark.gui

CHECKS = """\
name: GUI checks
phases:
  - name: Monitoring
    duration: 10m
    cues:
      - at: 0s
        prompt: Sedation and dissociation check, SpO₂
        kind: vitals
      - at: 1s
        prompt: Sedation (MOAA/S)
        kind: reminder
      - at: 9m
        prompt: Sedation and dissociation check before discharge
        kind: vitals
"""


def test_the_checks_the_preset_asks_for_show_when_due_and_are_answered(
        qtbot, make_window, data_dir) -> None:
    (presets_dir(data_dir) / "checks.yaml").write_text(CHECKS, encoding="utf-8")
    window = make_window(preset="checks.yaml", patient=None)
    sid = start_for(qtbot, window, "PT-0042")
    panel = window.clinical_panel
    window.record_tabs.setCurrentWidget(panel)
    lines = panel.slots._lines
    qtbot.waitUntil(lambda: lines[0].text() == "Sedation and dissociation at +0 min — due",
                    timeout=3000)
    assert lines[0].objectName() == "problem" and lines[0].isVisible()
    assert lines[2].text() == "Sedation and dissociation at +9 min — upcoming"
    assert lines[2].objectName() == "muted"

    click(qtbot, panel.sedation.button(3))
    assert "recorded for the check at +0 min" in panel.message.text()
    assert lines[0].text() == "Sedation and dissociation at +0 min — due (MOAA/S 3 recorded)"
    click(qtbot, panel.dissociation.button(2))
    assert lines[0].text() == ("Sedation and dissociation at +0 min — recorded: MOAA/S 3, "
                               "dissociation 2")
    assert lines[0].objectName() == "muted"

    qtbot.waitUntil(lambda: lines[1].text().endswith("— due"), timeout=3000)
    click(qtbot, panel.sedation.button(4))  # answers the second cue, the first stays done
    qtbot.waitUntil(lambda: len(measures(window, sid)["dissociation"]) == 1
                    and len(measures(window, sid)["sedation"]) == 2, timeout=3000)
    got = measures(window, sid)
    assert [(s["moaas"], s["cue"]["cue_index"]) for s in got["sedation"]] == [(3, 0), (4, 1)]
    assert got["dissociation"][0]["cue"]["phase_index"] == 0
    assert lines[1].text().endswith("— recorded: MOAA/S 4")


def test_an_entry_without_a_cue_is_recorded_with_its_time(qtbot, make_window) -> None:
    window = make_window(patient=None)  # its only cue asks for blood pressure
    sid = start_for(qtbot, window, "PT-0042")
    panel = window.clinical_panel
    assert not panel.slots.isVisibleTo(panel)
    click(qtbot, panel.sedation.button(5))
    qtbot.waitUntil(lambda: measures(window, sid)["sedation"] != [], timeout=3000)
    entry = measures(window, sid)["sedation"][0]
    assert "cue" not in entry and entry["at"] and entry["moaas"] == 5


def test_the_dose_row_has_its_units_and_the_clinic_limit_needs_confirming(
        qtbot, make_window) -> None:
    limits = DoseLimits({**DoseLimits().mg_per_kg, "iv": 0.8}, max_mg=300)
    window = make_window(patient=None, dose_limits=limits)
    sid = start_for(qtbot, window, "PT-0042")
    panel = window.clinical_panel
    window.record_tabs.setCurrentWidget(panel)
    units = {label.text() for label in panel.findChildren(type(panel.per_kg))}
    assert {"Drug", "Route", "Dose", "mg", "Weight", "kg", "Per kg"} <= units
    assert panel.per_kg.text() == "— mg/kg  (clinic limit 0.8 mg/kg IV)"

    qtbot.keyClicks(panel.weight, "70")
    qtbot.keyClicks(panel.mg, "70")  # 1.00 mg/kg IV: above this clinic's 0.8
    assert panel.per_kg.text() == "1.00 mg/kg  (clinic limit 0.8 mg/kg IV)"  # live
    assert panel.per_kg.objectName() == "problem"
    qtbot.waitUntil(panel.confirm_dose.isVisible, timeout=2000)
    assert "above the clinic limit 0.8 mg/kg" in panel.dose_warning.text()
    assert "as entered, not confirmed" in panel.dose_saved.text()
    qtbot.waitUntil(lambda: measures(window, sid)["dose"] is not None, timeout=2000)
    entered = measures(window, sid)["dose"]  # on record at once, flagged, before the click
    assert (entered["mg"], entered["confirmed"]) == (70, False) and entered["warnings"]

    qtbot.keyClicks(panel.mg, "0")  # 700 mg: a correction withdraws the question …
    assert not panel.confirm_dose.isVisible()
    qtbot.waitUntil(lambda: "not plausible" in panel.message.text(), timeout=2000)
    assert not panel.confirm_dose.isVisible()  # … and 10 mg/kg IV is refused outright
    panel.mg.clear()
    qtbot.keyClicks(panel.mg, "70")
    qtbot.waitUntil(panel.confirm_dose.isVisible, timeout=2000)
    click(qtbot, panel.confirm_dose)
    qtbot.waitUntil(lambda: measures(window, sid)["dose"]["confirmed"], timeout=2000)
    dose = measures(window, sid)["dose"]
    assert dose["mg"] == 70 and dose["warnings"] == [
        "Dose 1.00 mg/kg iv is above the clinic limit 0.8 mg/kg"]
    assert "(confirmed, recorded)" in panel.message.text()
    assert not panel.confirm_dose.isVisible()
