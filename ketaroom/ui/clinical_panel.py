"""Clinical fields of the running session, beside notes & vitals (a tab).

Dose (drug and route, mg and weight in kg with their units beside them, mg/kg computed
live against the clinic's limit; esketamine 56/84 mg with the device lot), the sedation
and dissociation checks the preset's cues ask for (:mod:`ketaroom.ui.clinical_slots`),
sedation (MOAA/S 0–5), dissociation (0–4, with the REMS yes/no), *Ready to leave now*,
adverse events, the PHQ-9 before the session and the patient's reflection after it.

Everything goes to the session journal through the recorder, like notes (no Save button
for the scales; the dose is recorded :data:`DOSE_SAVE_MS` after typing stops). Input the
core checks refuse (``ketaroom.core.clinical``: 5000 mg, a PHQ-9 with a missing item) is
not recorded: a calm line under the panel says why. A dose past the clinic's limits (Room
settings) is recorded at once as entered, with its warning and ``confirmed: false`` (a
session that ends or a crash never loses a dose that was given), and *Confirm this dose*
records it again, confirmed. A dose still waiting for its debounce is recorded before
the session stops, another starts or the window closes
(:meth:`~ketaroom.session.service.RoomService.before_session_end`). A sedation or
dissociation entry records the cue it answers (or none: its own time).

After a crash resume the tab shows what the session recorded before the crash
(:meth:`ClinicalPanel.set_session` reads ``earlier_entries()``): the check lines done or
due, the latest sedation and dissociation, the dose (with its question, if it was never
confirmed), the ready-to-leave time, the latest PHQ-9 answers and the patient's
reflection.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.clinical import PHQ9_ITEMS, ROUTES, ClinicalInputError
from ketaroom.core.preset import Preset
from ketaroom.core.timeline import TimelineState
from ketaroom.session.controller import CueRecord
from ketaroom.store.record_schema import (
    AdverseEvent,
    CueRef,
    Dissociation,
    Dose,
    Payload,
    Phq9,
    ReadyToLeave,
    RecordKind,
    Reflection,
    Sedation,
)
from ketaroom.store.session_records import EventRecord
from ketaroom.store.settings import Settings
from ketaroom.ui.clinical_slots import CheckSlots
from ketaroom.ui.widgets import Panel, muted_label

DOSE_SAVE_MS = 800
"""The dose is recorded this long after its fields stop changing (≤ 1 s, like notes)."""
SLOTS_REFRESH_MS = 1000
PHQ9_ANSWERS = ("—", "0 not at all", "1 several days", "2 more than half the days",
                "3 nearly every day")
REMS_CHOICES = (("REMS: —", None), ("REMS: dissociation yes", True),
                ("REMS: dissociation no", False))



class ClinicalSource(Protocol):
    """What the panel reads and records through (``RoomService``)."""

    settings: Settings

    def record_clinical(self, entry: Payload) -> bool:
        """Record one clinical entry of the running session; False without one."""
        ...

    @property
    def session_preset(self) -> Preset | None: ...

    def session_state(self) -> TimelineState | None: ...

    def cues(self) -> list[CueRecord]: ...

    def earlier_entries(self) -> Sequence[EventRecord]:
        """Cues and clinical entries recorded before a crash resumed the session."""
        ...

    def before_session_end(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` before the session stops or is replaced, and at closing."""
        ...


def _scale(low: int, high: int, on_pick: Callable[[int], None]
           ) -> tuple[QHBoxLayout, QButtonGroup]:
    row = QHBoxLayout()
    group = QButtonGroup(row)
    group.setExclusive(True)
    for value in range(low, high + 1):
        button = QPushButton(str(value))
        button.setCheckable(True)
        button.setMinimumSize(44, 44)
        button.setObjectName("scaleStep")  # less padding: the whole scale fits the tab
        group.addButton(button, value)
        row.addWidget(button)
    row.addStretch(1)
    group.idClicked.connect(on_pick)
    return row, group


class ClinicalPanel(Panel):
    """The session's structured clinical fields; records through ``source``."""

    def __init__(self, source: ClinicalSource, parent: QWidget | None = None) -> None:
        super().__init__("Clinical", parent)
        self._source = source
        self._by = ""
        self._pending_dose: Dose | None = None
        """A dose above the clinic's limits, recorded unconfirmed, waiting for *Confirm this
        dose*."""
        self._confirmed: tuple[object, ...] | None = None
        """Drug, mg, route and weight of the dose last confirmed above the limits."""
        self._earlier_fired: dict[tuple[int, int], float] = {}
        """Cues that fired before a crash resumed the session (session time)."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        form = QVBoxLayout(inner)
        form.setContentsMargins(0, 0, 8, 0)
        scroll.setWidget(inner)
        self.body.addWidget(scroll, 1)
        self.slots = CheckSlots()  # first: what is due is what the tab is opened for
        form.addWidget(self.slots)
        self._build_dose(form)
        form.addWidget(QLabel("Sedation (MOAA/S 0–5)"))
        row, self.sedation = _scale(0, 5, self._on_sedation)
        form.addLayout(row)
        form.addWidget(QLabel("Dissociation (clinician-rated 0–4)"))
        row, self.dissociation = _scale(0, 4, lambda _score: self._on_dissociation())
        self.rems = QComboBox()
        for text, value in REMS_CHOICES:
            self.rems.addItem(text, value)
        self.rems.currentIndexChanged.connect(lambda _i: self._on_dissociation())
        form.addLayout(row)
        rems = QHBoxLayout()
        rems.addWidget(self.rems)
        rems.addStretch(1)
        form.addLayout(rems)
        ready = QHBoxLayout()
        self.ready_button = QPushButton("Ready to leave now")
        self.ready_button.setMinimumHeight(44)
        self.ready_button.clicked.connect(self._on_ready)
        self.ready_at = muted_label()
        ready.addWidget(self.ready_button)
        ready.addWidget(self.ready_at, 1)
        form.addLayout(ready)
        self._build_adverse(form)
        self._build_phq9(form)
        self._build_reflection(form)
        form.addStretch(1)
        self.message = muted_label(wrap=True)
        self.message.setObjectName("clinicalMessage")
        self.body.addWidget(self.message)
        self._dose_timer = QTimer(self)
        self._dose_timer.setSingleShot(True)
        self._dose_timer.setInterval(DOSE_SAVE_MS)
        self._dose_timer.timeout.connect(self._save_dose)
        self._slots_timer = QTimer(self)
        self._slots_timer.setInterval(SLOTS_REFRESH_MS)
        self._slots_timer.timeout.connect(self.refresh_slots)
        self._slots_timer.start()
        source.before_session_end(self.flush)
        self.set_session(False)

    # -- building ---------------------------------------------------------------------------

    def _build_dose(self, form: QVBoxLayout) -> None:
        """Drug and route; dose in mg and weight in kg with their units beside them; the
        mg/kg computed live with the clinic's limit; the esketamine device lot."""
        form.addWidget(QLabel("Dose"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.drug = QComboBox()
        self.drug.addItem("Ketamine", "ketamine")
        self.drug.addItem("Esketamine", "esketamine")
        self.drug.setAccessibleName("Drug")
        self.mg = QLineEdit()
        self.mg.setAccessibleName("Dose in mg")
        self.mg.setValidator(QDoubleValidator(0.0, 100000.0, 1, self.mg))
        self.route = QComboBox()
        self.route.setAccessibleName("Route")
        for route in ROUTES:
            self.route.addItem(_route_label(route), route)
        self.weight = QLineEdit()
        self.weight.setAccessibleName("Weight in kg")
        self.weight.setValidator(QDoubleValidator(0.0, 1000.0, 1, self.weight))
        self.per_kg = muted_label("— mg/kg", wrap=True)
        self.lot = QLineEdit()
        self.lot.setPlaceholderText("device lot")
        self.lot.setAccessibleName("Esketamine device lot")
        for edit in (self.mg, self.weight):
            edit.setFixedWidth(84)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        for combo in (self.drug, self.route):  # may shrink to the tab's width
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        self.lot_label = muted_label("Lot")
        # (row, column, widget, columns spanned): label, field, unit | label, field, unit
        cells = ((0, 0, muted_label("Drug"), 1), (0, 1, self.drug, 2),
                 (0, 3, muted_label("Route"), 1), (0, 4, self.route, 2),
                 (1, 0, muted_label("Dose"), 1), (1, 1, self.mg, 1), (1, 2, muted_label("mg"), 1),
                 (1, 3, muted_label("Weight"), 1), (1, 4, self.weight, 1),
                 (1, 5, muted_label("kg"), 1),
                 (2, 0, muted_label("Per kg"), 1), (2, 1, self.per_kg, 5),
                 (3, 0, self.lot_label, 1), (3, 1, self.lot, 5))
        for row, column, widget, span in cells:
            grid.addWidget(widget, row, column, 1, span)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(5, 1)
        form.addLayout(grid)
        self.dose_saved = muted_label(wrap=True)
        form.addWidget(self.dose_saved)
        self.dose_warning = QLabel(wordWrap=True)
        self.dose_warning.setObjectName("problem")
        self.confirm_dose = QPushButton("Confirm this dose")
        self.confirm_dose.setMinimumHeight(44)
        self.confirm_dose.clicked.connect(self._on_confirm_dose)
        confirm = QHBoxLayout()
        confirm.addWidget(self.confirm_dose)
        confirm.addStretch(1)
        form.addWidget(self.dose_warning)
        form.addLayout(confirm)
        self._show_confirm(False)
        self.drug.currentIndexChanged.connect(self._on_drug)
        for edit in (self.mg, self.weight, self.lot):
            edit.textEdited.connect(self._dose_changed)
        self.route.currentIndexChanged.connect(self._dose_changed)
        self._on_drug()

    def _build_adverse(self, form: QVBoxLayout) -> None:
        form.addWidget(QLabel("Adverse event"))
        self.adverse = QLineEdit()
        self.adverse.setPlaceholderText("What happened, what was done")
        row = QHBoxLayout()
        self.severity = QComboBox()
        for severity in ("mild", "moderate", "severe"):
            self.severity.addItem(severity, severity)
        self.adverse_button = QPushButton("Record adverse event")
        self.adverse_button.setMinimumHeight(44)
        self.adverse_button.clicked.connect(self._on_adverse)
        row.addWidget(self.adverse, 1)
        row.addWidget(self.severity)
        row.addWidget(self.adverse_button)
        form.addLayout(row)

    def _build_phq9(self, form: QVBoxLayout) -> None:
        form.addWidget(QLabel("PHQ-9 before the session (over the last 2 weeks)"))
        grid = QGridLayout()
        self.phq9: list[QComboBox] = []
        for i, item in enumerate(PHQ9_ITEMS):
            label = muted_label(f"{i + 1}. {item}", wrap=True)
            answer = QComboBox()
            answer.addItems(PHQ9_ANSWERS)
            grid.addWidget(label, i, 0)
            grid.addWidget(answer, i, 1)
            self.phq9.append(answer)
        grid.setColumnStretch(0, 1)
        form.addLayout(grid)
        self.phq9_button = QPushButton("Record PHQ-9")
        self.phq9_button.setMinimumHeight(44)
        self.phq9_button.clicked.connect(self._on_phq9)
        form.addWidget(self.phq9_button)

    def _build_reflection(self, form: QVBoxLayout) -> None:
        form.addWidget(QLabel("The patient's words: “what I want to remember”"))
        self.reflection = QPlainTextEdit()
        self.reflection.setFixedHeight(72)
        self.reflection_button = QPushButton("Record reflection")
        self.reflection_button.setMinimumHeight(44)
        self.reflection_button.clicked.connect(self._on_reflection)
        form.addWidget(self.reflection)
        form.addWidget(self.reflection_button)

    # -- state ------------------------------------------------------------------------------

    def set_session(self, active: bool, *, by: str = "") -> None:
        """Enable the fields for a running session: cleared for a new one, showing what
        was recorded before the crash for a resumed one."""
        if active:
            self._dose_timer.stop()  # the service flushed it into the session before
            self._by = by
            for edit in (self.mg, self.weight, self.lot, self.adverse):
                edit.clear()
            self.reflection.clear()
            for group in (self.sedation, self.dissociation):
                group.setExclusive(False)
                for button in group.buttons():
                    button.setChecked(False)
                group.setExclusive(True)
            for combo in (*self.phq9, self.rems):
                combo.setCurrentIndex(0)
            for label in (self.dose_saved, self.ready_at, self.message):
                label.clear()
            self._pending_dose = self._confirmed = None
            self._show_confirm(False)
            self.slots.reset()
            self._earlier_fired = {}
            self._restore(self._source.earlier_entries())
            self._show_per_kg()
            self.refresh_slots()
        else:
            self.flush()
        for child in self.findChildren(QWidget):
            if isinstance(child, (QLineEdit, QComboBox, QPushButton, QPlainTextEdit)):
                child.setEnabled(active)
        self._active = active

    def refresh_slots(self) -> None:
        """Show the preset's check slots: which cues fired, what was answered."""
        source = self._source
        state = source.session_state()
        if state is None:
            self.slots.show_slots(None, {}, 0.0)
            return
        fired = {**self._earlier_fired,
                 **{(c.phase_index, c.cue_index): c.t for c in source.cues()}}
        self.slots.show_slots(source.session_preset, fired, state.active_s)

    def _restore(self, entries: Sequence[EventRecord]) -> None:
        """Show what a crash-resumed session recorded before the crash: fired cues and
        the check answers (the slot lines), the latest scales, dose and ready time, the
        latest PHQ-9 answers and reflection."""
        dose: EventRecord | None = None
        latest: dict[str, EventRecord] = {}
        for entry in entries:
            p = entry.payload
            if entry.kind == RecordKind.CUE:
                try:
                    self._earlier_fired[(int(p["phase_index"]), int(p["cue_index"]))] = \
                        entry.session_t
                except (KeyError, TypeError, ValueError):
                    continue  # a cue entry without its place: no slot to mark
            elif entry.kind in (RecordKind.SEDATION, RecordKind.DISSOCIATION):
                self._restore_check(entry)
            elif entry.kind == RecordKind.DOSE:
                dose = entry
            elif entry.kind == RecordKind.READY_TO_LEAVE:
                self.ready_at.setText(f"Ready to leave at {entry.wall_dt:%H:%M}")
            elif entry.kind in (RecordKind.PHQ9, RecordKind.REFLECTION):
                latest[entry.kind] = entry  # corrected by recording again: the latest
        if dose is not None:
            self._restore_dose(dose)
        if RecordKind.PHQ9 in latest:
            self._restore_phq9(latest[RecordKind.PHQ9].payload.get("items"))
        if RecordKind.REFLECTION in latest:
            text = latest[RecordKind.REFLECTION].payload.get("text")
            self.reflection.setPlainText(text if isinstance(text, str) else "")
        if entries:
            self._say("Resumed: what was recorded before the interruption is shown.")

    def _restore_check(self, entry: EventRecord) -> None:
        sedation = entry.kind == RecordKind.SEDATION
        check, key = ("sedation", "moaas") if sedation else ("dissociation", "score")
        value = entry.payload.get(key)
        if not isinstance(value, int):
            return
        cue = entry.payload.get("cue")
        if isinstance(cue, dict) and isinstance(cue.get("phase_index"), int) \
                and isinstance(cue.get("cue_index"), int):
            self.slots.answers[check][(cue["phase_index"], cue["cue_index"])] = value
        button = (self.sedation if sedation else self.dissociation).button(value)
        if button is not None:
            button.setChecked(True)  # no click: nothing is recorded again
        if not sedation:
            rems = self.rems.findData(entry.payload.get("rems_dissociation"))
            with QSignalBlocker(self.rems):
                self.rems.setCurrentIndex(max(rems, 0))

    def _restore_phq9(self, items: object) -> None:
        """The recorded answers back in their fields (nothing for a malformed entry)."""
        if not (isinstance(items, list) and len(items) == len(self.phq9)):
            return
        for answer, item in zip(self.phq9, items, strict=True):
            valid = isinstance(item, int) and 0 <= item < len(PHQ9_ANSWERS) - 1
            answer.setCurrentIndex(item + 1 if valid else 0)

    def _restore_dose(self, entry: EventRecord) -> None:
        """The latest dose back in its fields; unconfirmed, its question asked again."""
        try:
            dose = Dose.from_payload(entry.payload)
        except ClinicalInputError:
            return
        with QSignalBlocker(self.drug), QSignalBlocker(self.route):
            self.drug.setCurrentIndex(max(self.drug.findData(dose.drug), 0))
            self.route.setCurrentIndex(max(self.route.findData(dose.route), 0))
        esketamine = dose.drug == "esketamine"
        self.lot.setVisible(esketamine)
        self.lot_label.setVisible(esketamine)
        self.mg.setText(f"{dose.mg:g}")
        self.weight.setText("" if dose.weight_kg is None else f"{dose.weight_kg:g}")
        self.lot.setText(dose.lot)
        per_kg = f" · {dose.mg_per_kg:.2f} mg/kg" if dose.mg_per_kg else ""
        when = f"{entry.wall_dt:%H:%M:%S}"
        if dose.confirmed:
            self._confirmed = _dose_key(dose) if dose.warnings else None
            self.dose_saved.setText(f"Saved {when}: {dose.mg:g} mg{per_kg}")
            return
        self._pending_dose = dose
        self.dose_saved.setText(f"Recorded {when} as entered, not confirmed: {dose.mg:g} mg"
                                f"{per_kg}, above the clinic's limit.")
        self._show_confirm(True, "; ".join(dose.warnings)
                           + ". Check dose and weight, or confirm it.")

    def _now_s(self) -> float:
        state = self._source.session_state()
        return state.active_s if state is not None else 0.0

    def flush(self) -> None:
        """Record a dose still waiting for its debounce (before the session ends)."""
        if self._dose_timer.isActive():
            self._dose_timer.stop()
            self._save_dose()

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _put(self, entry: Payload, done: str) -> bool:
        if not self._source.record_clinical(entry):
            self._say("No session is running: nothing recorded.")
            return False
        self._say(f"{done} · {datetime.now():%H:%M:%S}")
        return True

    # -- dose -------------------------------------------------------------------------------

    def _on_drug(self) -> None:
        esketamine = self.drug.currentData() == "esketamine"
        self.lot.setVisible(esketamine)
        self.lot_label.setVisible(esketamine)
        if esketamine:
            self.route.setCurrentIndex(ROUTES.index("intranasal"))
            self.mg.setPlaceholderText("56 or 84")
        else:
            self.mg.setPlaceholderText("")
        self._dose_changed()

    def _number(self, edit: QLineEdit) -> float | None:
        text = edit.text().strip().replace(",", ".")
        try:
            return float(text) if text else None
        except ValueError:
            return None

    def _show_per_kg(self) -> None:
        """mg/kg as typed, beside the clinic's limit for the route (warm when above)."""
        mg, kg = self._number(self.mg), self._number(self.weight)
        route = str(self.route.currentData())
        limit = self._source.settings.dose_limits.mg_per_kg.get(route)
        ketamine = self.drug.currentData() == "ketamine"
        shown = f"{mg / kg:.2f} mg/kg" if mg and kg else "— mg/kg"
        if ketamine and limit is not None:
            shown += f"  (clinic limit {limit:g} mg/kg {_route_label(route)})"
        self.per_kg.setText(shown)
        above = bool(ketamine and mg and kg and limit is not None and mg / kg > limit)
        name = "problem" if above else "muted"
        if self.per_kg.objectName() != name:
            self.per_kg.setObjectName(name)
            self.per_kg.style().unpolish(self.per_kg)
            self.per_kg.style().polish(self.per_kg)

    def _dose_changed(self) -> None:
        self._show_per_kg()
        if self._pending_dose is not None:  # a correction: the question is asked again
            self._pending_dose = None
            self._show_confirm(False)
        if self._number(self.mg) and self._active:
            self._dose_timer.start()

    def _show_confirm(self, shown: bool, warning: str = "") -> None:
        self.dose_warning.setText(warning)
        self.dose_warning.setVisible(shown)
        self.confirm_dose.setVisible(shown)

    def _save_dose(self) -> None:
        mg = self._number(self.mg)
        if mg is None:
            return
        try:
            dose = Dose.checked(mg, str(self.route.currentData()), self._number(self.weight),
                                drug=str(self.drug.currentData()), lot=self.lot.text().strip(),
                                by=self._by, limits=self._source.settings.dose_limits)
        except ClinicalInputError as exc:
            self.dose_saved.setText("Dose not recorded.")
            self._say(str(exc))
            return
        if dose.warnings and _dose_key(dose) != self._confirmed:
            self._ask_to_confirm(replace(dose, confirmed=False))
            return
        self._record_dose(dose)

    def _ask_to_confirm(self, dose: Dose) -> None:
        """Record a dose above the clinic's limits as entered, not confirmed (nothing a
        crash or the end of the session could lose), and ask for the confirmation."""
        if not self._put(dose, f"Dose {dose.mg:g} mg {_route_label(dose.route)} recorded "
                               "as entered, not confirmed"):
            self.dose_saved.setText("Dose not recorded.")
            return
        self._pending_dose = dose
        self.dose_saved.setText(f"Recorded {datetime.now():%H:%M:%S} as entered, not "
                                "confirmed: it is above the clinic's limit.")
        self._show_confirm(True, "; ".join(dose.warnings)
                           + ". Check dose and weight, or confirm it.")

    def _on_confirm_dose(self) -> None:
        dose, self._pending_dose = self._pending_dose, None
        self._show_confirm(False)
        if dose is not None:
            self._confirmed = _dose_key(dose)
            self._record_dose(replace(dose, confirmed=True, by=self._by))

    def _record_dose(self, dose: Dose) -> None:
        if self._put(dose, f"Dose {dose.mg:g} mg {_route_label(dose.route)} recorded"):
            per_kg = f" · {dose.mg_per_kg:.2f} mg/kg" if dose.mg_per_kg else ""
            self.dose_saved.setText(f"Saved {datetime.now():%H:%M:%S}: {dose.mg:g} mg"
                                    f"{per_kg}")
            if dose.warnings:
                self._say("; ".join(dose.warnings) + " (confirmed, recorded).")

    # -- scales and events ------------------------------------------------------------------

    def _answering(self, check: str, value: int) -> tuple[CueRef | None, str]:
        """The cue an entry answers (and how to say so), remembered for the slot lines."""
        now_s = self._now_s()
        slot = self.slots.answer(check, value, now_s)
        if slot is None:
            return None, ""
        return (CueRef(slot.phase_index, slot.cue_index, slot.due_s),
                f" for the check at +{round(slot.due_s / 60)} min")

    def _on_sedation(self, moaas: int) -> None:
        cue, said = self._answering("sedation", moaas)
        self._put(Sedation(moaas, by=self._by, cue=cue),
                  f"Sedation MOAA/S {moaas} recorded{said}")
        self.refresh_slots()

    def _on_dissociation(self) -> None:
        score = self.dissociation.checkedId()
        if score < 0:
            return
        cue, said = self._answering("dissociation", score)
        rems = self.rems.currentData()
        self._put(Dissociation(score, rems, by=self._by, cue=cue),
                  f"Dissociation {score} recorded{said}")
        self.refresh_slots()

    def _on_ready(self) -> None:
        if self._put(ReadyToLeave(by=self._by), "Ready to leave recorded"):
            self.ready_at.setText(f"Ready to leave at {datetime.now():%H:%M}")

    def _on_adverse(self) -> None:
        try:
            entry = AdverseEvent(self.adverse.text(), str(self.severity.currentData()),
                                 by=self._by)
        except ClinicalInputError as exc:
            self._say(str(exc))
            return
        if self._put(entry, "Adverse event recorded"):
            self.adverse.clear()

    def _on_phq9(self) -> None:
        items = [c.currentIndex() - 1 if c.currentIndex() > 0 else None for c in self.phq9]
        try:
            entry = Phq9(items)
        except ClinicalInputError as exc:
            self._say(f"{exc} Nothing recorded yet.")
            return
        self._put(entry, f"PHQ-9 {entry.total} recorded")

    def _on_reflection(self) -> None:
        try:
            entry = Reflection(self.reflection.toPlainText().strip())
        except ClinicalInputError as exc:
            self._say(str(exc))
            return
        self._put(entry, "Reflection recorded")


def _route_label(route: str) -> str:
    """``IV``, ``IM``; longer routes as they are (``intranasal``)."""
    return route.upper() if len(route) <= 2 else route


def _dose_key(dose: Dose) -> tuple[object, ...]:
    return (dose.drug, dose.mg, dose.route, dose.weight_kg)
