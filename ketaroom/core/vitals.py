"""Vital-sign readings and the checks a clinic sets on them.

Two kinds of check: *plausibility* (a value no living patient has, most likely a
typo — refused) and *clinic limits* (a real reading that needs attention, e.g.
systolic above 180 — accepted, recorded, and flagged).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Vitals:
    sys: int | None = None
    """Systolic blood pressure, mmHg."""
    dia: int | None = None
    """Diastolic blood pressure, mmHg."""
    hr: int | None = None
    """Heart rate, beats per minute."""
    spo2: int | None = None
    """Oxygen saturation, percent."""

    def to_dict(self) -> dict[str, int | None]:
        return asdict(self)

    @property
    def empty(self) -> bool:
        return all(v is None for v in asdict(self).values())


PLAUSIBLE: dict[str, tuple[int, int]] = {
    "sys": (50, 300), "dia": (20, 200), "hr": (20, 250), "spo2": (50, 100)}


@dataclass(frozen=True)
class VitalLimits:
    """Clinic-set alert limits (defaults follow common post-ketamine monitoring practice)."""

    sys_max: int = 180
    sys_min: int = 90
    dia_max: int = 110
    hr_max: int = 120
    hr_min: int = 50
    spo2_min: int = 92


LABELS = {"sys": "Systolic", "dia": "Diastolic", "hr": "Heart rate", "spo2": "SpO₂"}


def implausible(reading: Vitals) -> list[str]:
    """Values outside what a living patient can have (most likely typos)."""
    problems = []
    for key, (low, high) in PLAUSIBLE.items():
        value = getattr(reading, key)
        if value is not None and not low <= value <= high:
            problems.append(f"{LABELS[key]} {value} is not plausible ({low}–{high})")
    if reading.sys is not None and reading.dia is not None and reading.dia >= reading.sys:
        problems.append("Diastolic must be lower than systolic")
    return problems


def check_vitals(reading: Vitals, limits: VitalLimits | None = None) -> list[str]:
    """Warnings for readings outside the clinic's limits."""
    lim = limits or VitalLimits()
    checks = [
        ("sys", reading.sys, lim.sys_min, lim.sys_max, "mmHg"),
        ("dia", reading.dia, None, lim.dia_max, "mmHg"),
        ("hr", reading.hr, lim.hr_min, lim.hr_max, "bpm"),
        ("spo2", reading.spo2, lim.spo2_min, None, "%"),
    ]
    warnings = []
    for key, value, low, high, unit in checks:
        if value is None:
            continue
        if high is not None and value > high:
            warnings.append(f"{LABELS[key]} {value} {unit} is above the clinic limit {high}")
        if low is not None and value < low:
            warnings.append(f"{LABELS[key]} {value} {unit} is below the clinic limit {low}")
    return warnings
