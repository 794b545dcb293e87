"""The record schema: every kind of journal event, and the payload each one carries.

One place says what a session's record holds. Writers (the session controller,
rehearse, crash resume, the journal itself) build each payload with one of the
builders below and never spell a key by hand; readers (exports, PDF report, history
view, crash resume) read the fields documented here, through the accessors at the end
where older journals spell a field differently. No Qt, no devices: only the core's
target types.

The stored strings are a contract: a kind's value and a payload's keys are what the
journal has always held, so files written by any earlier version read unchanged (see
``docs/records.md`` for the table of kinds and fields, and the spellings of older
files that readers still accept).

Each builder is a frozen dataclass with a class attribute ``kind`` (a
:class:`RecordKind`) and ``to_payload()`` (the JSON object stored). Key order in the
payload is the order the session's live feed (``rehearse --json``) prints; the journal
stores payloads with sorted keys.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from ketaroom.core import clinical
from ketaroom.core.preferences import PatientPreferences, Withheld
from ketaroom.core.targets import LightTarget, MusicTarget

__all__ = [
    "CLINICAL_KINDS",
    "CUE_KINDS",
    "DEVICE_REPORT_KINDS",
    "INTENTS",
    "NOTE_FOLLOW_UPS",
    "AdverseEvent",
    "CueAck",
    "CueRef",
    "CueStart",
    "DeviceError",
    "DeviceHealth",
    "DeviceReport",
    "Dissociation",
    "Dose",
    "Emergency",
    "FollowUp",
    "LightState",
    "MusicMuted",
    "MusicPlan",
    "MusicSkip",
    "MusicVolume",
    "MusicWithheld",
    "Note",
    "NoteCorrection",
    "NoteTags",
    "OperatorIntent",
    "Payload",
    "PhaseStart",
    "Phq9",
    "PreferencesApplied",
    "ReadyToLeave",
    "RecordKind",
    "Reflection",
    "Resume",
    "Sedation",
    "SessionEnd",
    "SessionStart",
    "Signal",
    "SyntheticPause",
    "VitalsReading",
    "brightness",
    "cue_kind",
    "current_note_tags",
    "dose_confirmed",
    "light_fields",
    "music_report_fields",
    "note_root",
    "phase_name",
    "preferences_of",
    "volume",
]


class RecordKind(enum.StrEnum):
    """The ``kind`` column of a journal event (the stored string is the value)."""

    SESSION_START = "session_start"
    PHASE_START = "phase_start"
    CUE = "cue"
    CUE_ACK = "cue_ack"
    INTENT = "intent"
    NOTE = "note"
    NOTE_CORRECTION = "note_correction"
    NOTE_TAGS = "note_tags"
    VITALS = "vitals"
    MUSIC = "music"
    LIGHT = "light"
    DEVICE = "device"
    DEVICE_ERROR = "device_error"
    DEVICE_HEALTH = "device_health"
    EMERGENCY = "emergency"
    SIGNAL = "signal"
    RESUME = "resume"
    SESSION_END = "session_end"
    DOSE = "dose"
    SEDATION = "sedation"
    DISSOCIATION = "dissociation"
    READY_TO_LEAVE = "ready_to_leave"
    ADVERSE_EVENT = "adverse_event"
    PHQ9 = "phq9"
    REFLECTION = "reflection"
    FOLLOW_UP = "follow_up"
    PREFERENCES = "preferences"


CUE_KINDS = ("reminder", "vitals", "note")
"""Values of a cue's ``cue_kind``."""

INTENTS = ("pause", "resume", "next", "extend", "stop")
"""Values of an ``intent`` event's ``intent``."""

DEVICE_REPORT_KINDS = (RecordKind.MUSIC, RecordKind.LIGHT, RecordKind.DEVICE)
"""Kinds a device confirmation (``reported: true``) is recorded as."""


class Payload(Protocol):
    """What every builder is: a kind and the payload stored for it."""

    kind: ClassVar[RecordKind]

    def to_payload(self) -> dict[str, Any]: ...


def _interrupted(out: dict[str, Any], while_interrupted: bool) -> dict[str, Any]:
    if while_interrupted:
        out["while_interrupted"] = True
    return out


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class SessionStart:
    """The preset and its planned phases, as the session started."""

    kind: ClassVar[RecordKind] = RecordKind.SESSION_START
    preset: str
    phases: Sequence[tuple[str, float | None]]
    """``(name, planned_s)`` of each phase (an open phase: its expected length)."""
    while_interrupted: bool = False

    def to_payload(self) -> dict[str, Any]:
        return _interrupted({"preset": self.preset,
                             "phases": [{"name": name, "planned_s": planned}
                                        for name, planned in self.phases]},
                            self.while_interrupted)


@dataclass(frozen=True)
class PhaseStart:
    """A phase began (the event's ``phase_index`` is set too)."""

    kind: ClassVar[RecordKind] = RecordKind.PHASE_START
    phase_index: int
    phase: str
    """The phase's name."""
    while_interrupted: bool = False
    """Passed while the app was down (recorded at crash resume, the room untouched)."""

    def to_payload(self) -> dict[str, Any]:
        return _interrupted({"phase_index": self.phase_index, "phase": self.phase},
                            self.while_interrupted)


@dataclass(frozen=True)
class CueStart:
    """A cue fired: what the clinician is asked to do."""

    kind: ClassVar[RecordKind] = RecordKind.CUE
    phase_index: int
    phase: str
    cue_index: int
    prompt: str
    cue_kind: str
    """One of :data:`CUE_KINDS`."""
    while_interrupted: bool = False

    def to_payload(self) -> dict[str, Any]:
        return _interrupted({"phase_index": self.phase_index, "phase": self.phase,
                             "cue_index": self.cue_index, "prompt": self.prompt,
                             "cue_kind": self.cue_kind}, self.while_interrupted)


@dataclass(frozen=True)
class SessionEnd:
    """The session ended: ``completed``, ``stopped`` or ``interrupted``."""

    kind: ClassVar[RecordKind] = RecordKind.SESSION_END
    status: str
    phase_index: int | None = None
    phase: str | None = None
    while_interrupted: bool = False
    closed_after_interruption: bool = False
    """Written by :meth:`Journal.close_interrupted` (the clinic closed a crashed session)."""

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.phase_index is not None:
            out["phase_index"] = self.phase_index
        if self.phase is not None:
            out["phase"] = self.phase
        out["status"] = self.status
        if self.closed_after_interruption:
            out["closed_after_interruption"] = True
        return _interrupted(out, self.while_interrupted)


@dataclass(frozen=True)
class OperatorIntent:
    """The clinician paused, resumed, skipped (``next``), extended or stopped."""

    kind: ClassVar[RecordKind] = RecordKind.INTENT
    intent: str
    """One of :data:`INTENTS`."""
    amount_s: float | None = None
    """Only for ``extend`` (written only then)."""

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"intent": self.intent}
        if self.intent == "extend":
            out["amount_s"] = self.amount_s
        return out


@dataclass(frozen=True)
class SyntheticPause:
    """The pause a crash resume places at the crash (``resumed paused``)."""

    kind: ClassVar[RecordKind] = RecordKind.INTENT
    reason: str

    def to_payload(self) -> dict[str, Any]:
        return {"intent": "pause", "amount_s": None, "synthetic": True, "reason": self.reason}


@dataclass(frozen=True)
class Resume:
    """This process took over an interrupted session (crash recovery)."""

    kind: ClassVar[RecordKind] = RecordKind.RESUME
    previous_pid: int | None
    previous_host: str | None

    def to_payload(self) -> dict[str, Any]:
        return {"previous_pid": self.previous_pid, "previous_host": self.previous_host}


@dataclass(frozen=True)
class Signal:
    """What interrupted a rehearsal (a stop follows)."""

    kind: ClassVar[RecordKind] = RecordKind.SIGNAL
    signal: str
    """``SIGINT``, ``SIGTERM`` or ``SIGHUP``."""

    def to_payload(self) -> dict[str, Any]:
        return {"signal": self.signal}


# --------------------------------------------------------------------------- clinician


@dataclass(frozen=True)
class CueAck:
    """A cue was acknowledged (the event ``refers_to`` the cue)."""

    kind: ClassVar[RecordKind] = RecordKind.CUE_ACK
    by: str

    def to_payload(self) -> dict[str, Any]:
        return {"by": self.by}


@dataclass(frozen=True)
class CueRef:
    """The cue a note answers."""

    phase_index: int
    cue_index: int
    t: float

    def to_payload(self) -> dict[str, Any]:
        return {"phase_index": self.phase_index, "cue_index": self.cue_index,
                "t": round(self.t, 3)}


@dataclass(frozen=True)
class Note:
    """A clinical note. Tag ``dose`` marks the administered dose, ``ready`` the patient
    may leave."""

    kind: ClassVar[RecordKind] = RecordKind.NOTE
    text: str
    tags: Sequence[str] = ()
    by: str = ""
    cue: CueRef | None = None

    def to_payload(self) -> dict[str, Any]:
        return _with_cue({"text": self.text, "tags": list(self.tags), "by": self.by},
                         self.cue)


def _with_cue(out: dict[str, Any], cue: CueRef | None) -> dict[str, Any]:
    """``out`` with the cue it answers, when it answers one."""
    if cue is not None:
        out["cue"] = cue.to_payload()
    return out


@dataclass(frozen=True)
class NoteCorrection:
    """A note's text corrected (``refers_to`` the note); ``tags`` when they changed too."""

    kind: ClassVar[RecordKind] = RecordKind.NOTE_CORRECTION
    text: str
    reason: str = ""
    by: str = ""
    tags: Sequence[str] | None = None

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "reason": self.reason, "by": self.by}
        if self.tags is not None:
            out["tags"] = list(self.tags)
        return out


@dataclass(frozen=True)
class NoteTags:
    """A note's tags changed, its text did not (``refers_to`` the note); the new tags."""

    kind: ClassVar[RecordKind] = RecordKind.NOTE_TAGS
    tags: Sequence[str]
    by: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {"tags": list(self.tags), "by": self.by}


@dataclass(frozen=True)
class VitalsReading:
    """A vitals reading and the clinic limits it crossed."""

    kind: ClassVar[RecordKind] = RecordKind.VITALS
    sys: int | None = None
    dia: int | None = None
    hr: int | None = None
    spo2: int | None = None
    warnings: Sequence[str] = ()
    by: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {"sys": self.sys, "dia": self.dia, "hr": self.hr, "spo2": self.spo2,
                "warnings": list(self.warnings), "by": self.by}


@dataclass(frozen=True)
class Emergency:
    """The emergency button: lights up (the light sent is part of the payload), music off."""

    kind: ClassVar[RecordKind] = RecordKind.EMERGENCY
    text: str
    light: LightTarget
    by: str
    session_held: bool
    """The session was under way, so it paused and holds the room until Resume or Next."""

    def to_payload(self) -> dict[str, Any]:
        return {"text": self.text, **light_fields(self.light), "by": self.by,
                "session_held": self.session_held}


# --------------------------------------------------------------------------- clinical fields
# Each builder refuses implausible input (ClinicalInputError, a ValueError) when built.


@dataclass(frozen=True)
class Dose:
    """The dose given: ``mg`` of ``drug`` by ``route``; ``mg_per_kg`` follows from
    ``weight_kg``. Esketamine: 56 or 84 mg intranasal with the device ``lot``.
    ``warnings``: the clinic limits crossed (see :func:`clinical.check_dose`);
    ``confirmed`` (written only with warnings): False while the clinician has not yet
    confirmed a dose above the clinic's limits — it is recorded as entered at once, so
    the record never misses a dose that was given — True once they have."""

    kind: ClassVar[RecordKind] = RecordKind.DOSE
    mg: float
    route: str
    weight_kg: float | None = None
    drug: str = "ketamine"
    lot: str = ""
    warnings: Sequence[str] = ()
    by: str = ""
    confirmed: bool = True

    def __post_init__(self) -> None:
        clinical.check_dose(self.drug, self.mg, self.route, self.weight_kg)

    @classmethod
    def checked(cls, mg: float, route: str, weight_kg: float | None = None, *,
                drug: str = "ketamine", lot: str = "", by: str = "",
                limits: clinical.DoseLimits | None = None) -> Dose:
        """The dose with the clinic ``limits`` it crosses as its ``warnings`` (how the
        window records a dose); refused when implausible."""
        return cls(mg, route, weight_kg, drug, lot,
                   clinical.check_dose(drug, mg, route, weight_kg, limits), by)

    @property
    def mg_per_kg(self) -> float | None:
        return round(self.mg / self.weight_kg, 3) if self.weight_kg else None

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"drug": self.drug, "mg": self.mg, "route": self.route,
                               "weight_kg": self.weight_kg, "mg_per_kg": self.mg_per_kg}
        if self.lot:
            out["lot"] = self.lot
        out.update(warnings=list(self.warnings), by=self.by)
        if self.warnings:
            out["confirmed"] = self.confirmed
        return out

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Dose:
        """The dose a ``dose`` entry recorded (:class:`clinical.ClinicalInputError` when it
        cannot be one: a hand-made or damaged entry)."""
        try:
            weight = payload.get("weight_kg")
            return cls(float(payload["mg"]), str(payload["route"]),
                       None if weight is None else float(weight),
                       str(payload.get("drug") or "ketamine"), str(payload.get("lot") or ""),
                       tuple(map(str, payload.get("warnings") or ())),
                       str(payload.get("by") or ""), dose_confirmed(payload))
        except (KeyError, TypeError, ValueError) as exc:
            raise clinical.ClinicalInputError(f"Not a dose entry: {exc}") from exc


@dataclass(frozen=True)
class Sedation:
    """Sedation observed on the MOAA/S scale (5 responds readily … 0 no response)."""

    kind: ClassVar[RecordKind] = RecordKind.SEDATION
    moaas: int
    by: str = ""
    cue: CueRef | None = None
    """The preset's cue that asked for it (None: taken without one)."""

    def __post_init__(self) -> None:
        clinical.check_scale("MOAA/S", self.moaas, 0, 5)

    def to_payload(self) -> dict[str, Any]:
        return _with_cue({"moaas": self.moaas, "by": self.by}, self.cue)


@dataclass(frozen=True)
class Dissociation:
    """The clinician-rated dissociation (0 none … 4 severe) and, for esketamine REMS,
    whether the patient was dissociated (``rems_dissociation``, yes/no)."""

    kind: ClassVar[RecordKind] = RecordKind.DISSOCIATION
    score: int
    rems_dissociation: bool | None = None
    by: str = ""
    cue: CueRef | None = None
    """The preset's cue that asked for it (None: taken without one)."""

    def __post_init__(self) -> None:
        clinical.check_scale("Dissociation", self.score, 0, 4)

    def to_payload(self) -> dict[str, Any]:
        return _with_cue({"score": self.score, "rems_dissociation": self.rems_dissociation,
                          "by": self.by}, self.cue)


@dataclass(frozen=True)
class ReadyToLeave:
    """The clinician judged the patient ready to leave (the event's ``wall`` is when)."""

    kind: ClassVar[RecordKind] = RecordKind.READY_TO_LEAVE
    by: str = ""
    with_escort: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {"by": self.by, "with_escort": self.with_escort}


@dataclass(frozen=True)
class AdverseEvent:
    """An adverse event (nausea, vomiting, agitation, hypertension, …) and what was done."""

    kind: ClassVar[RecordKind] = RecordKind.ADVERSE_EVENT
    text: str
    severity: str = "mild"
    action: str = ""
    by: str = ""

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise clinical.ClinicalInputError("An adverse event needs a description.")
        if self.severity not in ("mild", "moderate", "severe"):
            raise clinical.ClinicalInputError("Severity is mild, moderate or severe.")

    def to_payload(self) -> dict[str, Any]:
        return {"text": self.text, "severity": self.severity, "action": self.action,
                "by": self.by}


# --------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class Phq9:
    """A PHQ-9 (nine items 0–3; every one answered), its total and severity band."""

    kind: ClassVar[RecordKind] = RecordKind.PHQ9
    items: Sequence[int | None]

    def __post_init__(self) -> None:
        clinical.phq9_total(self.items)

    @property
    def total(self) -> int:
        return clinical.phq9_total(self.items)

    def to_payload(self) -> dict[str, Any]:
        return {"items": list(self.items), "total": self.total,
                "band": clinical.phq9_band(self.total)}


@dataclass(frozen=True)
class Reflection:
    """The patient's own words after the session: "what I want to remember"."""

    kind: ClassVar[RecordKind] = RecordKind.REFLECTION
    text: str

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise clinical.ClinicalInputError("A reflection needs some words.")

    def to_payload(self) -> dict[str, Any]:
        return {"text": self.text}


@dataclass(frozen=True)
class FollowUp:
    """After-effects at ``after`` (``24h`` or ``7d``): mood 0–10, sleep, side effects,
    notes. Recorded on the session it follows, dated by the event's ``wall`` (never
    before the session: :meth:`PatientStore.record` checks)."""

    kind: ClassVar[RecordKind] = RecordKind.FOLLOW_UP
    after: str
    mood: int
    sleep: str = ""
    side_effects: str = ""
    notes: str = ""
    by: str = ""

    def __post_init__(self) -> None:
        if self.after not in clinical.FOLLOW_UP_AFTER:
            raise clinical.ClinicalInputError("A follow-up is at 24h or 7d.")
        clinical.check_scale("Mood", self.mood, 0, 10)

    def to_payload(self) -> dict[str, Any]:
        return {"after": self.after, "mood": self.mood, "sleep": self.sleep,
                "side_effects": self.side_effects, "notes": self.notes, "by": self.by}


CLINICAL_KINDS = (RecordKind.DOSE, RecordKind.SEDATION, RecordKind.DISSOCIATION,
                  RecordKind.READY_TO_LEAVE, RecordKind.ADVERSE_EVENT, RecordKind.PHQ9,
                  RecordKind.REFLECTION, RecordKind.FOLLOW_UP)
"""The structured clinical fields and measures (a session's ``measures`` in exports)."""


# --------------------------------------------------------------------------- music / light


@dataclass(frozen=True)
class MusicPlan:
    """Music wanted: a phase's, or a playlist the clinician chose (``manual``)."""

    kind: ClassVar[RecordKind] = RecordKind.MUSIC
    playlist: str
    tracks: Sequence[str]
    """File names only."""
    volume: float
    """Percent."""
    fade: float
    """Seconds, as played (a phase's at least :data:`~ketaroom.core.limits.MUSIC_FADE_FLOOR_S`)."""
    manual: bool = False
    asked_fade: float | None = None
    """The preset's shorter fade, when the floor replaced it (``asked_fade`` in the record)."""

    @classmethod
    def from_target(cls, target: MusicTarget, *, manual: bool = False,
                    asked_fade_s: float | None = None) -> MusicPlan:
        return cls(target.label, [Path(t).name for t in target.tracks], target.volume_pct,
                   target.fade_s, manual, asked_fade_s)

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manual": True} if self.manual else {}
        out.update(playlist=self.playlist, tracks=list(self.tracks), volume=self.volume,
                   fade=self.fade)
        if self.asked_fade is not None:
            out["asked_fade"] = self.asked_fade
        return out


@dataclass(frozen=True)
class MusicVolume:
    """One clinician volume gesture (a drag, or keyboard steps), percent, one decimal."""

    kind: ClassVar[RecordKind] = RecordKind.MUSIC
    volume: float
    from_volume: float

    def to_payload(self) -> dict[str, Any]:
        return {"manual": True, "volume": round(self.volume, 1),
                "from_volume": round(self.from_volume, 1)}


@dataclass(frozen=True)
class MusicMuted:
    kind: ClassVar[RecordKind] = RecordKind.MUSIC
    muted: bool

    def to_payload(self) -> dict[str, Any]:
        return {"manual": True, "muted": self.muted}


@dataclass(frozen=True)
class MusicSkip:
    kind: ClassVar[RecordKind] = RecordKind.MUSIC

    def to_payload(self) -> dict[str, Any]:
        return {"manual": True, "skip": True}


@dataclass(frozen=True)
class PreferencesApplied:
    """The patient's preferences this session honours, as they were at its start."""

    kind: ClassVar[RecordKind] = RecordKind.PREFERENCES
    preferences: PatientPreferences

    def to_payload(self) -> dict[str, Any]:
        prefs = self.preferences
        return {"message": f"Patient preferences: {prefs.summary()}",
                "volume_pct": prefs.volume_pct, "never_play": list(prefs.never_play),
                "warmer_k": prefs.warmer_k, "dimmer_pct": prefs.dimmer_pct}


@dataclass(frozen=True)
class MusicWithheld:
    """What the patient's never-play list left out of a playlist (``manual``: one the
    clinician chose)."""

    kind: ClassVar[RecordKind] = RecordKind.PREFERENCES
    withheld: Withheld
    manual: bool = False

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manual": True} if self.manual else {}
        withheld = self.withheld
        out.update(message=withheld.message(manual=self.manual), playlist=withheld.playlist,
                   withheld=list(withheld.tracks), whole_playlist=withheld.whole_playlist)
        return out


def preferences_of(payload: Mapping[str, Any]) -> PatientPreferences | None:
    """The preferences a ``preferences`` entry of :class:`PreferencesApplied` holds (None
    for a :class:`MusicWithheld` entry or one that cannot be read)."""
    if "never_play" not in payload:
        return None
    try:
        return PatientPreferences.from_dict(payload)
    except (ValueError, TypeError):
        return None


def light_fields(target: LightTarget) -> dict[str, Any]:
    """A light state's fields: ``brightness`` (%), ``transition`` (s), and ``kelvin``,
    ``color``, ``group`` when set."""
    out: dict[str, Any] = {"brightness": target.brightness_pct,
                           "transition": target.transition_s}
    if target.kelvin is not None:
        out["kelvin"] = target.kelvin
    if target.color is not None:
        out["color"] = target.color
    if target.group is not None:
        out["group"] = target.group
    return out


@dataclass(frozen=True)
class LightState:
    """Light wanted: a phase's, or the clinician's (``manual``)."""

    kind: ClassVar[RecordKind] = RecordKind.LIGHT
    target: LightTarget
    """As sent (a phase's over at least :data:`~ketaroom.core.limits.
    LIGHT_TRANSITION_FLOOR_S`)."""
    manual: bool = False
    asked_transition: float | None = None
    """The preset's shorter transition, when the floor replaced it (``asked_transition``
    in the record)."""

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manual": True} if self.manual else {}
        out.update(light_fields(self.target))
        if self.asked_transition is not None:
            out["asked_transition"] = self.asked_transition
        return out


# --------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class DeviceReport:
    """A device confirms what it did (a track started, a light state was sent).

    ``kind`` is ``music``, ``light`` or ``device`` (anything else a device says);
    ``data`` is the device's own fields (music: ``volume``, ``fade``, ``track``; light:
    ``health`` and the light fields).
    """

    report_kind: RecordKind
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> RecordKind:  # type: ignore[override]
        return self.report_kind

    def to_payload(self) -> dict[str, Any]:
        return {"message": self.message, "reported": True, **self.data}


@dataclass(frozen=True)
class DeviceError:
    """A device failed (``severity`` ``error``) or skipped something (``warning``).

    ``device`` is ``lights``, ``music``, ``records``, ``preset``, …
    """

    kind: ClassVar[RecordKind] = RecordKind.DEVICE_ERROR
    device: str
    message: str
    severity: str = "error"
    data: Mapping[str, Any] = field(default_factory=dict)
    """Extra fields from the device (e.g. ``health``)."""

    def to_payload(self) -> dict[str, Any]:
        return {"device": self.device, "message": self.message, "severity": self.severity,
                **self.data}


@dataclass(frozen=True)
class DeviceHealth:
    """A device recovering, or changing state, without an error."""

    kind: ClassVar[RecordKind] = RecordKind.DEVICE_HEALTH
    device: str
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)
    """``health`` and whatever else the device says."""

    def to_payload(self) -> dict[str, Any]:
        return {"device": self.device, "message": self.message, **self.data}


def music_report_fields(volume_pct: float, fade_s: float, track: object = None
                        ) -> dict[str, Any]:
    """The fields of a music device's report: ``volume`` (%), ``fade`` (s), ``track``."""
    out: dict[str, Any] = {"volume": round(volume_pct, 1), "fade": fade_s}
    if track is not None:
        out["track"] = str(track)
    return out


# --------------------------------------------------------------------------- reading


def cue_kind(payload: Mapping[str, Any]) -> str:
    """A cue's kind: ``cue_kind`` (written now), ``kind`` (older files), else reminder."""
    return str(payload.get("cue_kind") or payload.get("kind") or "reminder")


def volume(payload: Mapping[str, Any]) -> Any:
    """A music entry's volume: ``volume`` (written), ``volume_pct`` (older files)."""
    return payload.get("volume_pct", payload.get("volume"))


def brightness(payload: Mapping[str, Any]) -> Any:
    """A light entry's brightness: ``brightness`` (written), ``brightness_pct`` (older)."""
    return payload.get("brightness_pct", payload.get("brightness"))


def dose_confirmed(payload: Mapping[str, Any]) -> bool:
    """Whether a dose entry stands as confirmed: False only for a dose above the clinic's
    limits recorded before the clinician confirmed it (``confirmed: false``); entries
    written before the field existed were recorded only once confirmed."""
    return payload.get("confirmed") is not False


def phase_name(payload: Mapping[str, Any]) -> str:
    """A phase start's phase name: ``phase`` (written), ``name`` (older files)."""
    return str(payload.get("name") or payload.get("phase") or "")


class _Event(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def refers_to(self) -> int | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...


NOTE_FOLLOW_UPS = (RecordKind.NOTE_CORRECTION, RecordKind.NOTE_TAGS)
"""Entries that refer to a note (or to an earlier follow-up of it)."""


def note_root(event: _Event, by_id: Mapping[int, _Event]) -> int | None:
    """The id of the note a correction or tag change refers to (through earlier ones)."""
    seen: set[int] = set()
    current: _Event | None = event
    while current is not None and current.refers_to is not None and current.id not in seen:
        seen.add(current.id)
        target = by_id.get(current.refers_to)
        if target is None:
            return None
        if target.kind == RecordKind.NOTE:
            return target.id
        current = target
    return None


def current_note_tags(events: Iterable[_Event]) -> dict[int, list[str]]:
    """Each note's tags now (note id → tags): its own, replaced in journal order by a
    ``note_correction`` carrying ``tags`` or a ``note_tags`` entry.

    Journal order is ``seq`` order (the order the journal wrote them; every reader lists
    a session's events by ``seq``); ``events`` are put in it here, so the answer never
    depends on the order a caller gathered them in. The one rule for a note's tags:
    :meth:`ketaroom.store.session_facts.NoteRow.current_tags` asks it too.
    """
    events = sorted(events, key=lambda e: e.seq)
    by_id = {e.id: e for e in events}
    tags: dict[int, list[str]] = {}
    for event in events:
        if event.kind == RecordKind.NOTE:
            tags[event.id] = [str(t) for t in event.payload.get("tags") or []]
        elif event.kind in NOTE_FOLLOW_UPS and "tags" in event.payload:
            root = note_root(event, by_id)
            if root is not None and root in tags:
                tags[root] = [str(t) for t in event.payload.get("tags") or []]
    return tags
