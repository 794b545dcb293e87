"""The clinic's ketamine dose limits, a section of Room settings (clinic-wide, admin PIN).

A dose above a limit (mg/kg for its route, or mg per dose) is not refused: the Clinical
tab asks the clinician to confirm it and records it with the warning. The spin boxes stop
at the plausibility ceilings of :mod:`ketaroom.core.clinical`, above which a dose is a
typo and always refused (5000 mg, IV over 5 mg/kg).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ketaroom.core.clinical import (
    DEFAULT_MG_PER_KG,
    PLAUSIBLE_MG,
    PLAUSIBLE_MG_PER_KG,
    ROUTES,
    DoseLimits,
)
from ketaroom.ui.widgets import muted_label, spin_box

__all__ = ["DoseLimitsForm"]

_ROUTE_NAMES = {"iv": "IV", "im": "IM", "intranasal": "Intranasal", "oral": "Oral",
                "sublingual": "Sublingual"}


class DoseLimitsForm(QWidget):
    """mg/kg per route and mg per dose; :meth:`limits` is what is shown."""

    def __init__(self, limits: DoseLimits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(muted_label(
            "Ketamine doses above these need the clinician's confirmation (then recorded "
            "with the warning). Esketamine is 56 or 84 mg only; a dose no patient gets "
            f"(over {PLAUSIBLE_MG:g} mg, IV over {PLAUSIBLE_MG_PER_KG['iv']:g} mg/kg) is "
            "refused.", wrap=True))
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.per_kg: dict[str, QDoubleSpinBox] = {}
        cells = [*ROUTES, "max_mg"]
        for index, key in enumerate(cells):
            row, col = divmod(index, 3)
            if key == "max_mg":
                spin: QDoubleSpinBox | QSpinBox = spin_box(QSpinBox(), 1, PLAUSIBLE_MG, " mg")
                spin.setValue(round(limits.max_mg))
                spin.setAccessibleName("Clinic limit per ketamine dose")
                self.max_mg = spin
                label = QLabel("Per dose")
            else:
                box = spin_box(QDoubleSpinBox(), 0.1, PLAUSIBLE_MG_PER_KG[key], " mg/kg")
                box.setDecimals(2)
                box.setSingleStep(0.1)
                box.setValue(limits.mg_per_kg.get(key, DEFAULT_MG_PER_KG[key]))
                box.setAccessibleName(f"Clinic limit for ketamine {_ROUTE_NAMES[key]}")
                self.per_kg[key] = spin = box
                label = QLabel(_ROUTE_NAMES[key])
            grid.addWidget(label, row, col * 2)
            grid.addWidget(spin, row, col * 2 + 1)
        layout.addLayout(grid)

    def limits(self) -> DoseLimits:
        return DoseLimits({route: round(spin.value(), 2) for route, spin in self.per_kg.items()},
                          float(self.max_mg.value()))

