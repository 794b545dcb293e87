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
