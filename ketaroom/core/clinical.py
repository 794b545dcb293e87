"""Patients' codes, clinical fields and measures: what is valid, what needs attention.

Pure (no Qt, no storage), like :mod:`ketaroom.core.vitals`. Two kinds of check:

* *refused* — :class:`ClinicalInputError` (a :class:`ValueError`) with a message for the
  clinician: a patient code with spaces, a dose no patient gets (most likely a typo:
  5000 mg), a PHQ-9 with a missing item, a score off its scale;
* *clinic limits* — a real value that needs attention (a ketamine dose above the
  clinic's mg/kg limit for its route): accepted, recorded with the warning, flagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "COURSE_KINDS",
    "DRUGS",
    "ESKETAMINE_DOSES_MG",
    "FOLLOW_UP_AFTER",
    "PHQ9_ITEMS",
    "ROUTES",
    "ClinicalInputError",
    "DoseLimits",
    "check_dose",
    "check_scale",
    "next_due",
    "phq9_band",
    "phq9_total",
    "validate_code",
]


class ClinicalInputError(ValueError):
    """Input refused, with a message to show the clinician as it is."""


CODE_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,32}")
COURSE_KINDS = ("induction", "maintenance", "esketamine_rems")
DRUGS = ("ketamine", "esketamine")
ROUTES = ("iv", "im", "intranasal", "oral", "sublingual")
ESKETAMINE_DOSES_MG = (56, 84)
"""The esketamine nasal spray doses (two or three 28 mg devices)."""
FOLLOW_UP_AFTER = ("24h", "7d")

PLAUSIBLE_WEIGHT_KG = (20.0, 350.0)
PLAUSIBLE_MG_PER_KG: dict[str, float] = {
    "iv": 5.0, "im": 10.0, "intranasal": 5.0, "oral": 10.0, "sublingual": 10.0}
"""Above this a ketamine dose is no therapeutic dose at all (a typo): refused."""
PLAUSIBLE_MG = 1000.0
"""Above this a dose is refused whatever the weight."""


@dataclass(frozen=True)
class DoseLimits:
    """Clinic-set ketamine limits in mg/kg per route (above: recorded with a warning)."""

    mg_per_kg: dict[str, float] = field(default_factory=lambda: {
        "iv": 1.0, "im": 1.5, "intranasal": 1.5, "oral": 3.0, "sublingual": 3.0})


def validate_code(code: str) -> str:
    """A patient code as stored (surrounding blanks trimmed), or a clear refusal.

    1–32 characters of letters, digits, ``.``, ``_`` and ``-``: no spaces, no name.
    Codes are compared case-insensitively (``pt-0042`` is ``PT-0042``).
    """
    text = (code or "").strip()
    if not text:
        raise ClinicalInputError("A patient code is needed (for example PT-0042).")
    if len(text) > 32:
        raise ClinicalInputError(
            f"A patient code has at most 32 characters; this one has {len(text)}.")
    if not CODE_PATTERN.fullmatch(text):
        raise ClinicalInputError(
            f"The patient code {text!r} may hold only letters, digits, '.', '_' and '-' "
            "(no spaces), for example PT-0042.")
    return text


def check_dose(drug: str, mg: float, route: str, weight_kg: float | None,
               limits: DoseLimits | None = None) -> list[str]:
    """Warnings for a dose over the clinic's limits; refuses an implausible one.

    Esketamine is 56 or 84 mg intranasal. Ketamine is checked against the weight and
    route: above :data:`PLAUSIBLE_MG_PER_KG` (or :data:`PLAUSIBLE_MG` in all) it is
    refused, above the clinic's :class:`DoseLimits` it is accepted with a warning.
    """
    if drug not in DRUGS:
        raise ClinicalInputError(f"The drug must be one of {', '.join(DRUGS)}, not {drug!r}.")
    if route not in ROUTES:
        raise ClinicalInputError(f"The route must be one of {', '.join(ROUTES)}, not {route!r}.")
    if not mg > 0:
        raise ClinicalInputError("A dose is a number of mg above 0.")
    if weight_kg is not None and not PLAUSIBLE_WEIGHT_KG[0] <= weight_kg <= PLAUSIBLE_WEIGHT_KG[1]:
        low, high = PLAUSIBLE_WEIGHT_KG
        raise ClinicalInputError(f"A weight of {weight_kg:g} kg is not plausible ({low:g}–{high:g}"
                                 " kg): please check it.")
    if drug == "esketamine":
        if mg not in ESKETAMINE_DOSES_MG or route != "intranasal":
            raise ClinicalInputError(f"Esketamine is given intranasally, 56 or 84 mg; not "
                                     f"{mg:g} mg {route}.")
        return []
    if mg > PLAUSIBLE_MG:
        raise ClinicalInputError(f"A ketamine dose of {mg:g} mg is not plausible (at most "
                                 f"{PLAUSIBLE_MG:g} mg): please check it.")
    if weight_kg is None:
        return []
    per_kg = mg / weight_kg
    if per_kg > PLAUSIBLE_MG_PER_KG[route]:
        raise ClinicalInputError(
            f"{mg:g} mg for {weight_kg:g} kg is {per_kg:.2f} mg/kg: not plausible {route} "
            f"(at most {PLAUSIBLE_MG_PER_KG[route]:g} mg/kg). Please check dose and weight.")
    limit = (limits or DoseLimits()).mg_per_kg.get(route)
    if limit is not None and per_kg > limit:
        return [f"Dose {per_kg:.2f} mg/kg {route} is above the clinic limit {limit:g} mg/kg"]
    return []


def check_scale(label: str, value: int, low: int, high: int) -> int:
    """``value`` if it is a whole number on the scale ``low``–``high``, else a refusal."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ClinicalInputError(f"{label} is a whole number from {low} to {high}, "
                                 f"not {value!r}.")
    return value


PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
"""The nine PHQ-9 items ("Over the last 2 weeks, how often have you been bothered by any
of the following problems?"; 0 not at all … 3 nearly every day). The PHQ-9 was developed
by Drs. Spitzer, Williams, Kroenke and colleagues with an educational grant from Pfizer
Inc.; no permission is required to reproduce, translate, display or distribute it."""

_PHQ9_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe"),
               (27, "severe"))


def phq9_total(items: Sequence[int | None]) -> int:
    """The PHQ-9 total (0–27); refuses a missing item or one off the 0–3 scale."""
    if len(items) != len(PHQ9_ITEMS) or any(item is None for item in items):
        missing = [str(i + 1) for i, item in enumerate(items) if item is None]
        if len(items) < len(PHQ9_ITEMS):
            missing += [str(i + 1) for i in range(len(items), len(PHQ9_ITEMS))]
        which = f" (item {', '.join(missing)} missing)" if missing else ""
        raise ClinicalInputError(f"A PHQ-9 needs all nine items answered{which}.")
    return sum(check_scale(f"PHQ-9 item {i + 1}", item, 0, 3)  # type: ignore[arg-type]
               for i, item in enumerate(items))


def phq9_band(total: int) -> str:
    """The severity band of a PHQ-9 total: minimal, mild, moderate, moderately severe,
    severe."""
    return next(band for top, band in _PHQ9_BANDS if total <= top)


def next_due(started: date, spacing_days: int, planned: int,
             clinical_days: Sequence[date]) -> date | None:
    """When a course's next session is due: the course start before any session, else
    the last session + spacing; ``None`` once the planned sessions are done."""
    if len(clinical_days) >= planned:
        return None
    if not clinical_days:
        return started
    return max(clinical_days) + timedelta(days=spacing_days)
