"""The clinic's ketamine dose limits in Room settings (clinic-wide, behind the admin PIN).

:class:`DoseLimitsRow` is one line of the settings dialog (the limits in short and
*Change…*); :class:`DoseLimitsDialog` edits them (mg/kg per route, mg per dose).

A dose above a limit (mg/kg for its route, or mg per dose) is not refused: the Clinical
tab asks the clinician to confirm it and records it with the warning. The spin boxes stop
at the plausibility ceilings of :mod:`ketaroom.core.clinical`, above which a dose is a
typo and always refused (5000 mg, IV over 5 mg/kg).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.clinical import (
    DEFAULT_MG_PER_KG,
    PLAUSIBLE_MG,
    PLAUSIBLE_MG_PER_KG,
    ROUTES,
    DoseLimits,
)
from ketaroom.ui.widgets import muted_label, spin_box

__all__ = ["DoseLimitsDialog", "DoseLimitsRow", "summary"]

_ROUTE_NAMES = {"iv": "IV", "im": "IM", "intranasal": "Intranasal", "oral": "Oral",
                "sublingual": "Sublingual"}


def summary(limits: DoseLimits) -> str:
    """``IV 1 · IM 1.5 · … mg/kg · 500 mg per dose``."""
    per_kg = " · ".join(f"{_ROUTE_NAMES[r]} {v:g}" for r, v in limits.mg_per_kg.items())
    return f"{per_kg} mg/kg · {limits.max_mg:g} mg per dose"


class DoseLimitsDialog(QDialog):
    """mg/kg per route and mg per dose; :meth:`limits` is what is shown."""

    def __init__(self, limits: DoseLimits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doseLimits")
        self.setWindowTitle("Ketamine dose limits")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18)
        layout.setSpacing(12)
        layout.addWidget(muted_label(
            "Ketamine doses above these need the clinician's confirmation (then recorded "
            "with the warning). Esketamine is 56 or 84 mg only; a dose no patient gets "
            f"(over {PLAUSIBLE_MG:g} mg, IV over {PLAUSIBLE_MG_PER_KG['iv']:g} mg/kg) is "
            "refused.", wrap=True))
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.per_kg: dict[str, QDoubleSpinBox] = {}
        for row, route in enumerate(ROUTES):
            box = spin_box(QDoubleSpinBox(), 0.1, PLAUSIBLE_MG_PER_KG[route], " mg/kg")
            box.setDecimals(2)
            box.setSingleStep(0.1)
            box.setValue(limits.mg_per_kg.get(route, DEFAULT_MG_PER_KG[route]))
            box.setAccessibleName(f"Clinic limit for ketamine {_ROUTE_NAMES[route]}")
            self.per_kg[route] = box
            grid.addWidget(QLabel(_ROUTE_NAMES[route]), row, 0)
            grid.addWidget(box, row, 1)
        self.max_mg: QSpinBox = spin_box(QSpinBox(), 1, PLAUSIBLE_MG, " mg")
        self.max_mg.setValue(round(limits.max_mg))
        self.max_mg.setAccessibleName("Clinic limit per ketamine dose")
        grid.addWidget(QLabel("Per dose (any route)"), len(ROUTES), 0)
        grid.addWidget(self.max_mg, len(ROUTES), 1)
        layout.addLayout(grid)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.ok_button = QPushButton("Use these limits")
        self.ok_button.setObjectName("primary")
        self.ok_button.clicked.connect(self.accept)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)

    def limits(self) -> DoseLimits:
        return DoseLimits({route: round(spin.value(), 2) for route, spin in self.per_kg.items()},
                          float(self.max_mg.value()))


class DoseLimitsRow(QWidget):
    """The limits in short and *Change…*; :meth:`limits` is what Save writes."""

    def __init__(self, limits: DoseLimits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._limits = limits
        self.editor: DoseLimitsDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.summary = muted_label(summary(limits), wrap=True)
        self.change_button = QPushButton("Change…")
        self.change_button.clicked.connect(self._on_change)
        row.addWidget(QLabel("Ketamine dose limits"))
        row.addWidget(self.summary, 1)
        row.addWidget(self.change_button)

    def limits(self) -> DoseLimits:
        return self._limits

    def _on_change(self) -> None:
        self.editor = DoseLimitsDialog(self._limits, self)
        self.editor.accepted.connect(self._on_accepted)
        self.editor.open()

    def _on_accepted(self) -> None:
        if self.editor is not None:
            self._limits = self.editor.limits()
            self.summary.setText(summary(self._limits))
