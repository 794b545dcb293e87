"""A dose above the clinic's limits: recorded unconfirmed, then confirmed (records.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ketaroom.core.clinical import ClinicalInputError, DoseLimits
from ketaroom.store.course_report import _dose
from ketaroom.store.record_schema import Dose, dose_confirmed


def test_confirmed_is_written_only_with_warnings_and_read_back() -> None:
    within = Dose.checked(35, "iv", 70.0)
    assert "confirmed" not in within.to_payload() and dose_confirmed(within.to_payload())
    over = Dose.checked(84, "iv", 70.0, limits=DoseLimits({"iv": 1.0}), by="Dr A")
    entered = replace(over, confirmed=False).to_payload()
    assert entered["confirmed"] is False and not dose_confirmed(entered)
    assert dose_confirmed({**entered, "confirmed": True})
    assert dose_confirmed({k: v for k, v in entered.items() if k != "confirmed"})  # older
    assert Dose.from_payload(entered).to_payload() == entered
    assert _dose({"dose": entered}) == "84 mg IV (1.2 mg/kg), above the limit, not confirmed"
    assert _dose({"dose": {**entered, "confirmed": True}}) == "84 mg IV (1.2 mg/kg)"


def test_a_damaged_dose_entry_is_a_clear_error() -> None:
    with pytest.raises(ClinicalInputError, match="Not a dose entry"):
        Dose.from_payload({"route": "iv"})
    with pytest.raises(ClinicalInputError):
        Dose.from_payload({"mg": 5000, "route": "iv", "weight_kg": 70})  # implausible
