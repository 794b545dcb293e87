"""Clinical fields of the running session, beside notes & vitals (a tab).

Dose (mg, route, weight → mg/kg; esketamine 56/84 mg with the device lot), sedation
(MOAA/S 0–5), dissociation (0–4, with the REMS yes/no), *Ready to leave now*, adverse
events, the PHQ-9 before the session and the patient's reflection after it.

Everything goes to the session journal through the recorder, like notes (no Save button
for the scales; the dose is recorded :data:`DOSE_SAVE_MS` after typing stops). Input the
core checks refuse (``ketaroom.core.clinical``: 5000 mg, a PHQ-9 with a missing item) is
not recorded: a calm line under the panel says why. A dose past the clinic's limits is
recorded with its warning shown.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
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
from ketaroom.store.record_schema import (
    AdverseEvent,
    Dissociation,
    Dose,
    Payload,
    Phq9,
    ReadyToLeave,
    Reflection,
    Sedation,
)
from ketaroom.ui.widgets import Panel, muted_label

DOSE_SAVE_MS = 800
"""The dose is recorded this long after its fields stop changing (≤ 1 s, like notes)."""
PHQ9_ANSWERS = ("—", "0 not at all", "1 several days", "2 more than half the days",
                "3 nearly every day")
REMS_CHOICES = (("REMS: —", None), ("REMS: dissociation yes", True),
                ("REMS: dissociation no", False))

Recorder = Callable[[Payload], bool]
"""Records one clinical entry of the running session (``RoomService.record_clinical``)."""


def _scale(low: int, high: int, on_pick: Callable[[int], None]
           ) -> tuple[QHBoxLayout, QButtonGroup]:
    row = QHBoxLayout()
    group = QButtonGroup(row)
    group.setExclusive(True)
    for value in range(low, high + 1):
        button = QPushButton(str(value))
        button.setCheckable(True)
        button.setMinimumSize(44, 44)
        group.addButton(button, value)
        row.addWidget(button)
    row.addStretch(1)
    group.idClicked.connect(on_pick)
    return row, group


class ClinicalPanel(Panel):
    """The session's structured clinical fields; records through ``record``."""

    def __init__(self, record: Recorder, parent: QWidget | None = None) -> None:
        super().__init__("Clinical", parent)
        self._record = record
        self._by = ""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        form = QVBoxLayout(inner)
        form.setContentsMargins(0, 0, 8, 0)
        scroll.setWidget(inner)
        self.body.addWidget(scroll, 1)
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
        row.insertWidget(5, self.rems)
        form.addLayout(row)
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
        self.set_session(False)

    # -- building ---------------------------------------------------------------------------

    def _build_dose(self, form: QVBoxLayout) -> None:
        form.addWidget(QLabel("Dose"))
        grid = QGridLayout()
        self.drug = QComboBox()
        self.drug.addItem("Ketamine", "ketamine")
        self.drug.addItem("Esketamine", "esketamine")
        self.mg = QLineEdit()
        self.mg.setPlaceholderText("mg")
        self.mg.setValidator(QDoubleValidator(0.0, 100000.0, 1, self.mg))
        self.route = QComboBox()
        for route in ROUTES:
            self.route.addItem(route.upper() if len(route) <= 2 else route, route)
        self.weight = QLineEdit()
        self.weight.setPlaceholderText("weight kg")
        self.weight.setValidator(QDoubleValidator(0.0, 1000.0, 1, self.weight))
        self.per_kg = muted_label("— mg/kg")
        self.lot = QLineEdit()
        self.lot.setPlaceholderText("device lot")
        for widget in (self.mg, self.weight):
            widget.setFixedWidth(120)
        for widget in (self.drug, self.route, self.lot):
            widget.setMinimumWidth(80)
        grid.addWidget(self.drug, 0, 0)
        grid.addWidget(self.mg, 0, 1)
        grid.addWidget(self.route, 0, 2)
        grid.addWidget(self.weight, 1, 1)
        grid.addWidget(self.per_kg, 1, 2)
        grid.addWidget(self.lot, 1, 0)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)
        form.addLayout(grid)
        self.dose_saved = muted_label()
        form.addWidget(self.dose_saved)
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
        """Enable the fields for a running session (cleared for a new one)."""
        if active:
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
            for label in (self.dose_saved, self.ready_at, self.message, self.per_kg):
                label.clear()
        else:
            self.flush()
        for child in self.findChildren(QWidget):
            if isinstance(child, (QLineEdit, QComboBox, QPushButton, QPlainTextEdit)):
                child.setEnabled(active)
        self._active = active

    def flush(self) -> None:
        """Record a dose still waiting for its debounce (before the session ends)."""
        if self._dose_timer.isActive():
            self._dose_timer.stop()
            self._save_dose()

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _put(self, entry: Payload, done: str) -> bool:
        if not self._record(entry):
            self._say("No session is running: nothing recorded.")
            return False
        self._say(f"{done} · {datetime.now():%H:%M:%S}")
        return True

    # -- dose -------------------------------------------------------------------------------

    def _on_drug(self) -> None:
        esketamine = self.drug.currentData() == "esketamine"
        self.lot.setVisible(esketamine)
        if esketamine:
            self.route.setCurrentIndex(ROUTES.index("intranasal"))
            self.mg.setPlaceholderText("56 or 84 mg")
        else:
            self.mg.setPlaceholderText("mg")
        self._dose_changed()

    def _number(self, edit: QLineEdit) -> float | None:
        text = edit.text().strip().replace(",", ".")
        try:
            return float(text) if text else None
        except ValueError:
            return None

    def _dose_changed(self) -> None:
        mg, kg = self._number(self.mg), self._number(self.weight)
        self.per_kg.setText(f"{mg / kg:.2f} mg/kg" if mg and kg else "— mg/kg")
        if mg and self._active:
            self._dose_timer.start()

    def _save_dose(self) -> None:
        mg = self._number(self.mg)
        if mg is None:
            return
        try:
            dose = Dose.checked(mg, str(self.route.currentData()), self._number(self.weight),
                                drug=str(self.drug.currentData()), lot=self.lot.text().strip(),
                                by=self._by)
        except ClinicalInputError as exc:
            self.dose_saved.setText("Dose not recorded.")
            self._say(str(exc))
            return
        if self._put(dose, f"Dose {mg:g} mg {dose.route} recorded"):
            per_kg = f" · {dose.mg_per_kg:.2f} mg/kg" if dose.mg_per_kg else ""
            self.dose_saved.setText(f"Saved {datetime.now():%H:%M:%S}: {mg:g} mg{per_kg}")
            if dose.warnings:
                self._say("; ".join(dose.warnings) + " (recorded).")

    # -- scales and events ------------------------------------------------------------------

    def _on_sedation(self, moaas: int) -> None:
        self._put(Sedation(moaas, by=self._by), f"Sedation MOAA/S {moaas} recorded")

    def _on_dissociation(self) -> None:
        score = self.dissociation.checkedId()
        if score < 0:
            return
        rems = self.rems.currentData()
        self._put(Dissociation(score, rems, by=self._by), f"Dissociation {score} recorded")

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
