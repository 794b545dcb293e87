"""The sedation and dissociation checks the running preset's cues ask for (Clinical tab).

One calm line per check the preset asks for (:func:`ketaroom.core.clinical.check_slots`):
"Sedation and dissociation at +50 min — due" in the warm problem colour once its cue has
fired and until both are recorded, muted while it is upcoming or done. :class:`CheckSlots`
also remembers which slot each recorded entry answered (:meth:`CheckSlots.answer`), so a
second check asks again while the first stays done. No pop-up, no sound.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ketaroom.core import clinical
from ketaroom.core.clinical import CheckSlot
from ketaroom.core.preset import Preset
from ketaroom.ui.widgets import muted_label

__all__ = ["CheckSlots", "slot_line"]

_SHOWN = {"sedation": "MOAA/S {}", "dissociation": "dissociation {}"}


def slot_line(slot: CheckSlot, answers: dict[str, dict[tuple[int, int], int]],
              now_s: float) -> tuple[str, bool]:
    """The line for ``slot`` and whether it is due now (fired, not all answered)."""
    what = " and ".join(slot.asks)
    when = f"{what[:1].upper()}{what[1:]} at +{round(slot.due_s / 60)} min"
    done = [_SHOWN[c].format(answers[c][slot.key]) for c in slot.asks
            if slot.key in answers[c]]
    if slot.fired_s is None or slot.fired_s > now_s:
        return f"{when} — upcoming", False
    if len(done) == len(slot.asks):
        return f"{when} — recorded: {', '.join(done)}", False
    recorded = f" ({', '.join(done)} recorded)" if done else ""
    return f"{when} — due{recorded}", True


class CheckSlots(QWidget):
    """The preset's check slots of the running session and their answers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 4)
        self._layout.setSpacing(2)
        self._lines: list[QLabel] = []
        self.slots: list[CheckSlot] = []
        self.answers: dict[str, dict[tuple[int, int], int]] = {c: {} for c in clinical.CHECKS}
        self.setVisible(False)

    def reset(self) -> None:
        """A new session: nothing answered yet."""
        self.answers = {c: {} for c in clinical.CHECKS}
        self.slots = []

    def show_slots(self, preset: Preset | None, fired: dict[tuple[int, int], float],
                   now_s: float) -> None:
        """Render the preset's slots with ``fired`` (cue → session time it fired)."""
        self.slots = clinical.check_slots(preset, fired) if preset is not None else []
        while len(self._lines) < len(self.slots):
            label = muted_label(wrap=True)
            self._layout.addWidget(label)
            self._lines.append(label)
        for label, slot in zip(self._lines, self.slots, strict=False):
            text, due = slot_line(slot, self.answers, now_s)
            label.setText(text)
            name = "problem" if due else "muted"
            if label.objectName() != name:
                label.setObjectName(name)
                label.style().unpolish(label)
                label.style().polish(label)
            label.setVisible(True)
        for label in self._lines[len(self.slots):]:
            label.setVisible(False)
        self.setVisible(bool(self.slots))

    def answer(self, check: str, value: int, now_s: float) -> CheckSlot | None:
        """The slot an entry of ``check`` made now answers (remembered with ``value``),
        or None when it answers none (see :func:`ketaroom.core.clinical.slot_answered`)."""
        slot = clinical.slot_answered(check, self.slots, self.answers[check], now_s)
        if slot is not None:
            self.answers[check][slot.key] = value
        return slot
