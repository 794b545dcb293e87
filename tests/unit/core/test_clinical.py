"""Clinical checks: patient codes, doses, scales, PHQ-9 bands, when the next session is due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ketaroom.core import clinical
from ketaroom.core.clinical import ClinicalInputError


@pytest.mark.parametrize(("total", "band"), [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"), (20, "severe"),
    (27, "severe")])
def test_phq9_bands(total: int, band: str) -> None:
    assert clinical.phq9_band(total) == band


def test_phq9_total_refuses_missing_and_off_scale_items() -> None:
    assert clinical.phq9_total([3] * 9) == 27
    with pytest.raises(ClinicalInputError, match=r"item 2, 5 missing"):
        clinical.phq9_total([1, None, 1, 1, None, 1, 1, 1, 1])
    with pytest.raises(ClinicalInputError, match="PHQ-9 item 3 is a whole number from 0 to 3"):
        clinical.phq9_total([1, 1, 4, 1, 1, 1, 1, 1, 1])
    with pytest.raises(ClinicalInputError):
        clinical.phq9_total([1] * 10)
    assert len(clinical.PHQ9_ITEMS) == 9


def test_codes() -> None:
    assert clinical.validate_code("  PT-0042 ") == "PT-0042"
    assert clinical.validate_code("a.b_c-1") == "a.b_c-1"
    assert clinical.validate_code("P" * 32) == "P" * 32
    for bad in ("", "P" * 33, "PT 42", "PT/42", "Jörg"):
        with pytest.raises(ClinicalInputError):
            clinical.validate_code(bad)


def test_doses_by_route_and_weight() -> None:
    assert clinical.check_dose("ketamine", 35, "iv", 70) == []
    assert clinical.check_dose("ketamine", 105, "im", 70) == []
    assert clinical.check_dose("ketamine", 140, "im", 70) == [
        "Dose 2.00 mg/kg im is above the clinic limit 1.5 mg/kg"]
    assert clinical.check_dose("ketamine", 200, "sublingual", 70) == []
    assert clinical.check_dose("ketamine", 500, "oral", None) == []  # no weight: total only
    with pytest.raises(ClinicalInputError, match="5000 mg is not plausible"):
        clinical.check_dose("ketamine", 5000, "iv", 70)
    with pytest.raises(ClinicalInputError, match="weight of 700 kg"):
        clinical.check_dose("ketamine", 35, "iv", 700)
    with pytest.raises(ClinicalInputError, match="route"):
        clinical.check_dose("ketamine", 35, "rectal", 70)
    with pytest.raises(ClinicalInputError, match="above 0"):
        clinical.check_dose("ketamine", 0, "iv", 70)
    assert clinical.check_dose("esketamine", 56, "intranasal", None) == []


def test_next_due() -> None:
    start = date(2026, 11, 2)
    assert clinical.next_due(start, 3, 6, []) == start
    days = [start, start + timedelta(days=4)]
    assert clinical.next_due(start, 3, 6, days) == start + timedelta(days=7)
    assert clinical.next_due(start, 3, 2, days) is None


def test_clinic_dose_limits_per_dose_and_per_route() -> None:
    limits = clinical.DoseLimits({"iv": 0.8}, max_mg=300)
    assert clinical.check_dose("ketamine", 56, "iv", 70, limits) == []
    assert clinical.check_dose("ketamine", 70, "iv", 70, limits) == [
        "Dose 1.00 mg/kg iv is above the clinic limit 0.8 mg/kg"]
    assert clinical.check_dose("ketamine", 140, "im", 70, limits) == []  # no im limit set
    assert clinical.check_dose("ketamine", 400, "oral", None, limits) == [
        "Dose 400 mg is above the clinic limit 300 mg per dose"]
    assert len(clinical.check_dose("ketamine", 400, "sublingual", 70, limits)) == 1
    with pytest.raises(ClinicalInputError, match="5000 mg is not plausible"):
        clinical.check_dose("ketamine", 5000, "oral", 70, limits)  # refused, not a warning
    assert clinical.DoseLimits().mg_per_kg == clinical.DEFAULT_MG_PER_KG
    with pytest.raises(ClinicalInputError, match="at most 5 mg/kg"):
        clinical.DoseLimits({"iv": 50})
    with pytest.raises(ClinicalInputError, match="at most 1000 mg"):
        clinical.DoseLimits(max_mg=5000)


def test_cues_ask_for_checks_by_name() -> None:
    assert clinical.cue_asks("Sedation and dissociation check, SpO₂") == (
        "sedation", "dissociation")
    assert clinical.cue_asks("MOAA/S") == ("sedation",)
    assert clinical.cue_asks("Patient dissociated?") == ("dissociation",)
    assert clinical.cue_asks("Check blood pressure") == ()


def test_check_slots_follow_the_preset_and_its_fired_cues() -> None:
    from ketaroom.core.preset import Cue, Phase
    from tests.helpers.fakes import preset

    p = preset(Phase("Dosing", 600.0, cues=(Cue(0.0, "Note the dose"),)),
               Phase("Monitoring", 6600.0, cues=(
                   Cue(1800.0, "Check BP at +40 min"),
                   Cue(3000.0, "Sedation and dissociation check"),
                   Cue(4800.0, "Sedation (MOAA/S)"))))
    slots = clinical.check_slots(p, {(1, 1): 3612.0})
    assert [(s.key, s.asks, s.planned_s, s.fired_s) for s in slots] == [
        ((1, 1), ("sedation", "dissociation"), 3600.0, 3612.0),
        ((1, 2), ("sedation",), 5400.0, None)]
    assert slots[0].due_s == 3612.0 and slots[1].due_s == 5400.0


def test_an_entry_answers_the_oldest_open_slot_then_corrects_the_latest() -> None:
    slots = [clinical.CheckSlot(1, 1, ("sedation", "dissociation"), 3600.0, 3600.0),
             clinical.CheckSlot(1, 2, ("sedation",), 5400.0, 5400.0),
             clinical.CheckSlot(1, 3, ("sedation",), 7000.0, None)]
    answer = clinical.slot_answered
    assert answer("sedation", slots, {}, 100.0) is None  # before any cue: its own entry
    assert answer("sedation", slots, {}, 5500.0) == slots[0]  # oldest open first
    assert answer("sedation", slots, {(1, 1): 3}, 5500.0) == slots[1]
    assert answer("dissociation", slots, {}, 5500.0) == slots[0]
    both = {(1, 1): 3, (1, 2): 4}
    assert answer("sedation", slots, both, 5400.0 + 60) == slots[1]  # a correction
    assert answer("sedation", slots, both, 5400.0 + 16 * 60) is None  # too late for that
    assert answer("dissociation", slots, {(1, 1): 2}, 9000.0) is None


def test_bp_slots_baseline_post_dose_and_discharge() -> None:
    m = 60.0
    # baseline at -5, dose at 0, readings at +20, +38, +55, +115; ready at +120
    times = [-5 * m, 20 * m, 38 * m, 55 * m, 115 * m]
    slots = clinical.bp_slots(times, dosed_s=0.0, ready_s=120 * m)
    assert slots == clinical.BpSlots(baseline=0, post_dose=2, discharge=4)
    # no dose time: the first reading is the baseline, +40 counts from the session start
    assert clinical.bp_slots([0.0, 41 * m], dosed_s=None, ready_s=None, start_s=0.0) == \
        clinical.BpSlots(0, 1, None)
    # no reading before the dose, none near +40, none near leaving
    assert clinical.bp_slots([10 * m, 90 * m], dosed_s=0.0, ready_s=200 * m) == \
        clinical.BpSlots(None, None, None)
    # without a ready time the last reading after the +40 one is the discharge
    assert clinical.bp_slots(times, dosed_s=0.0, ready_s=None) == clinical.BpSlots(0, 2, 4)
    # the +40 reading may be the last before leaving; the baseline never is
    assert clinical.bp_slots([-1 * m, 40 * m], dosed_s=0.0, ready_s=45 * m) == \
        clinical.BpSlots(0, 1, 1)
    assert clinical.bp_slots([-1 * m], dosed_s=0.0, ready_s=5 * m) == clinical.BpSlots(0)
    assert clinical.bp_slots([], dosed_s=0.0, ready_s=5 * m) == clinical.BpSlots()
