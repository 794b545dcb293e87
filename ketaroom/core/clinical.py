"""Patients' codes, clinical fields and measures: what is valid, what needs attention.

Pure (no Qt, no storage), like :mod:`ketaroom.core.vitals`. Two kinds of check:

* *refused* — :class:`ClinicalInputError` (a :class:`ValueError`) with a message for the
  clinician: a patient code with spaces, a dose no patient gets (most likely a typo:
  5000 mg), a PHQ-9 with a missing item, a score off its scale;
* *clinic limits* — a real value that needs attention (a ketamine dose above the
  clinic's :class:`DoseLimits`: mg/kg for its route, or mg per dose): accepted once the
  clinician confirms it, recorded with the warning, flagged.

Also when things are asked and measured: :func:`check_slots` (the sedation and
dissociation checks a preset's cues ask for) with :func:`slot_answered` (which of them an
entry answers), and :func:`bp_slots` (which blood-pressure reading is the baseline, the
one about 40 min after the dose and the one at discharge).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from ketaroom.core.preset import Preset

__all__ = [
    "CHECKS",
    "COURSE_KINDS",
    "DEFAULT_MAX_MG",
    "DEFAULT_MG_PER_KG",
    "DRUGS",
    "ESKETAMINE_DOSES_MG",
    "FOLLOW_UP_AFTER",
    "PHQ9_ITEMS",
    "PLAUSIBLE_MG",
    "PLAUSIBLE_MG_PER_KG",
    "ROUTES",
    "BpSlots",
    "CheckSlot",
    "ClinicalInputError",
    "DoseLimits",
    "bp_slots",
    "check_dose",
    "check_scale",
    "check_slots",
    "cue_asks",
    "next_due",
    "phq9_band",
    "phq9_total",
    "slot_answered",
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


DEFAULT_MG_PER_KG: dict[str, float] = {
    "iv": 1.0, "im": 1.5, "intranasal": 1.5, "oral": 3.0, "sublingual": 3.0}
"""Racemic ketamine, the top of common practice per route: IV 0.5–1.0 mg/kg over 40 min,
IM 0.5–1.5 mg/kg, intranasal up to 1.5 mg/kg, oral and sublingual (lozenges) up to about
3 mg/kg (low bioavailability)."""
DEFAULT_MAX_MG = 500.0
"""A single ketamine dose above this many mg needs confirming whatever the weight (the
largest sublingual lozenge doses in common use)."""


@dataclass(frozen=True)
class DoseLimits:
    """Clinic-set ketamine limits: mg/kg per route and mg per dose. A dose above one is
    recorded only once the clinician confirms it, with the warning. Esketamine has no
    limits to set: it is 56 or 84 mg, anything else is refused."""

    mg_per_kg: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MG_PER_KG))
    """Route → mg/kg; a route left out has no mg/kg limit."""
    max_mg: float = DEFAULT_MAX_MG

    def __post_init__(self) -> None:
        for route, limit in self.mg_per_kg.items():
            if route not in ROUTES or not 0 < limit <= PLAUSIBLE_MG_PER_KG[route]:
                raise ClinicalInputError(
                    f"A clinic limit for {route} must be above 0 and at most "
                    f"{PLAUSIBLE_MG_PER_KG.get(route, 0):g} mg/kg, not {limit!r}.")
        if not 0 < self.max_mg <= PLAUSIBLE_MG:
            raise ClinicalInputError(f"The clinic limit per dose must be above 0 and at most "
                                     f"{PLAUSIBLE_MG:g} mg, not {self.max_mg!r}.")


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
    refused, above the clinic's :class:`DoseLimits` (mg per dose, mg/kg for the route)
    each limit crossed is a warning.
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
    limits = limits or DoseLimits()
    warnings = []
    if mg > limits.max_mg:
        warnings.append(f"Dose {mg:g} mg is above the clinic limit {limits.max_mg:g} mg "
                        "per dose")
    if weight_kg is None:
        return warnings
    per_kg = mg / weight_kg
    if per_kg > PLAUSIBLE_MG_PER_KG[route]:
        raise ClinicalInputError(
            f"{mg:g} mg for {weight_kg:g} kg is {per_kg:.2f} mg/kg: not plausible {route} "
            f"(at most {PLAUSIBLE_MG_PER_KG[route]:g} mg/kg). Please check dose and weight.")
    limit = limits.mg_per_kg.get(route)
    if limit is not None and per_kg > limit:
        warnings.append(f"Dose {per_kg:.2f} mg/kg {route} is above the clinic limit "
                        f"{limit:g} mg/kg")
    return warnings


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
    from datetime import timedelta  # here: the settings need this module, not datetime

    return max(clinical_days) + timedelta(days=spacing_days)


# --------------------------------------------------------------------------- asked when

CHECKS = ("sedation", "dissociation")
"""The clinical checks a preset's cue can ask for."""
_CHECK_WORDS = {"sedation": ("sedation", "moaa"), "dissociation": ("dissociat",)}
SLOT_CORRECTION_S = 15 * 60.0
"""An entry made this long after its slot's cue, once the slot has an answer, corrects
that answer (a mis-tap re-rated) rather than standing alone."""


def cue_asks(prompt: str) -> tuple[str, ...]:
    """The :data:`CHECKS` a cue asks for: those its prompt names (any case; "MOAA/S"
    names sedation, "dissociated" dissociation), e.g. "Sedation and dissociation check"."""
    text = prompt.lower()
    return tuple(check for check in CHECKS if any(w in text for w in _CHECK_WORDS[check]))


@dataclass(frozen=True)
class CheckSlot:
    """A moment a preset's cue asks for sedation and/or dissociation."""

    phase_index: int
    cue_index: int
    asks: tuple[str, ...]
    planned_s: float
    """Planned session time of the cue (the phases' planned lengths before it)."""
    fired_s: float | None = None
    """Session time the cue fired (None: not yet)."""

    @property
    def key(self) -> tuple[int, int]:
        return (self.phase_index, self.cue_index)

    @property
    def due_s(self) -> float:
        """When it is (or was) due: when its cue fired, else when it is planned."""
        return self.fired_s if self.fired_s is not None else self.planned_s


def check_slots(preset: Preset, fired: Mapping[tuple[int, int], float] | None = None
                ) -> list[CheckSlot]:
    """The preset's cues that ask for a check, in session order; ``fired`` maps a cue's
    ``(phase_index, cue_index)`` to the session time it fired."""
    fired = fired or {}
    out = []
    start = 0.0
    for p, phase in enumerate(preset.phases):
        for c, cue in enumerate(phase.cues):
            asks = cue_asks(cue.prompt)
            if asks:
                out.append(CheckSlot(p, c, asks, start + cue.at_s, fired.get((p, c))))
        start += phase.planned_s
    return out


def slot_answered(check: str, slots: Sequence[CheckSlot],
                  answered: Mapping[tuple[int, int], object], now_s: float) -> CheckSlot | None:
    """The slot an entry of ``check`` made now answers, or None (an entry of its own).

    The oldest fired slot asking for ``check`` without an answer yet (``answered`` holds
    the slots of this check answered so far); else the latest fired one if it fired less
    than :data:`SLOT_CORRECTION_S` ago (a correction). A slot not fired yet is never
    answered: the entry is recorded with its own time.
    """
    fired = [s for s in slots if check in s.asks and s.fired_s is not None
             and s.fired_s <= now_s]
    open_slots = [s for s in fired if s.key not in answered]
    if open_slots:
        return min(open_slots, key=lambda s: s.due_s)
    if fired:
        latest = max(fired, key=lambda s: s.due_s)
        if now_s - latest.due_s < SLOT_CORRECTION_S:
            return latest
    return None


POST_DOSE_BP_MIN = 40
"""The blood pressure checked about this many minutes after the dose (peak effect)."""
POST_DOSE_WINDOW_MIN = 15
"""A reading within this many minutes of dose + :data:`POST_DOSE_BP_MIN` counts for it."""
DISCHARGE_BEFORE_MIN = 30
DISCHARGE_AFTER_MIN = 10
"""The discharge reading is the last one from this long before ready-to-leave up to this
long after it (a cuff taken just after the button was pressed)."""


@dataclass(frozen=True)
class BpSlots:
    """Which reading (index into the times given to :func:`bp_slots`) fills each slot."""

    baseline: int | None = None
    post_dose: int | None = None
    """About :data:`POST_DOSE_BP_MIN` minutes after the dose."""
    discharge: int | None = None


def bp_slots(times_s: Sequence[float], *, dosed_s: float | None,
             ready_s: float | None, start_s: float | None = None) -> BpSlots:
    """Link blood-pressure readings (their times, seconds on one clock) to their slots.

    * baseline — the last reading at or before the dose; without a dose time, the first;
    * post-dose — the reading nearest dose + 40 min (session start + 40 min without a
      dose time) within ±15 min, other than the baseline;
    * discharge — the last reading from 30 min before ready-to-leave to 10 min after it;
      without a ready time, the last reading if later than the post-dose one. Never the
      baseline; it may be the post-dose reading when that was the last before leaving.
    """
    indices = range(len(times_s))
    if dosed_s is None:
        baseline = 0 if times_s else None
    else:
        before = [i for i in indices if times_s[i] <= dosed_s]
        baseline = max(before, key=lambda i: times_s[i]) if before else None
    reference = dosed_s if dosed_s is not None else start_s
    if reference is None and baseline is not None:
        reference = times_s[baseline]
    post_dose = None
    if reference is not None:
        target = reference + POST_DOSE_BP_MIN * 60
        near = [i for i in indices if i != baseline and times_s[i] > reference
                and abs(times_s[i] - target) <= POST_DOSE_WINDOW_MIN * 60]
        post_dose = min(near, key=lambda i: abs(times_s[i] - target)) if near else None
    if ready_s is not None:
        window = [i for i in indices if i != baseline
                  and ready_s - DISCHARGE_BEFORE_MIN * 60 <= times_s[i]
                  <= ready_s + DISCHARGE_AFTER_MIN * 60]
    else:
        after = times_s[post_dose] if post_dose is not None else None
        window = [i for i in indices if i != baseline and i != post_dose
                  and (after is None or times_s[i] > after)
                  and (dosed_s is None or times_s[i] > dosed_s)]
    discharge = max(window, key=lambda i: (times_s[i], i)) if window else None
    return BpSlots(baseline, post_dose, discharge)
