"""The device-problem banner: non-blocking, says what is wrong and what to do.

One line per problem source (``lights``, ``music``, ``records``), newest first;
a source that recovers clears its own line, and the clinician may hide the
banner (it comes back only for a new problem). The session never waits for it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ketaroom.core.targets import NO_AUDIO_OUTPUT
from ketaroom.session.room_state import RoomReport
from ketaroom.ui.theme import icon
from ketaroom.ui.widgets import icon_button

ADVICE = {
    "lights": "The session goes on; lights keep their last state. Check that the Hue bridge "
              "has power and network — ketaroom reconnects by itself.",
    "lights_pair": "Pair again in Settings (press the bridge's link button).",
    "music": "The session goes on; the next track or phase will play. Check the music file "
             "or the audio output.",
    "records": "Entries are kept in memory and written as soon as the disk accepts them. "
               "Keep ketaroom open; check free disk space.",
    NO_AUDIO_OUTPUT: "Check that the speakers are switched on and their cable is plugged "
                     "into this computer. The room's speakers are chosen in Clinic → Room "
                     "settings → Audio output (used from the next session).",
}
"""What to do, by problem source (``lights``, ``music``, ``records``) or, where a problem has
advice of its own, by :attr:`RoomReport.problem`."""


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        sign = QLabel()
        sign.setPixmap(icon("mdi6.alert-outline", "warn_text").pixmap(28, 28))
        sign.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(sign)
        self._lines = QVBoxLayout()
        self._lines.setSpacing(2)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self._lines.addWidget(self.text)
        row.addLayout(self._lines, 1)
        self.hide_button = icon_button("Hide", "mdi6.close", tip="Hide until a new problem")
        self.hide_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide_button.clicked.connect(self._on_hide)
        row.addWidget(self.hide_button, 0, Qt.AlignmentFlag.AlignTop)
        self._problems: dict[str, tuple[str, str]] = {}
        self.hide()

    @property
    def problems(self) -> dict[str, tuple[str, str]]:
        return dict(self._problems)

    def report(self, source: str, message: str, advice: str | None = None) -> None:
        """Show (or update) the problem of ``source``."""
        what_to_do = advice if advice is not None else ADVICE.get(source, "")
        new = self._problems.get(source) != (message, what_to_do)
        self._problems.pop(source, None)
        self._problems = {source: (message, what_to_do), **self._problems}
        self._render()
        if new:
            self.show()

    def device_problem(self, report: RoomReport) -> None:
        """A device's ``device_error`` or ``warning``, with the advice for its problem."""
        self.report(report.device, f"{report.device.capitalize()}: {report.message}",
                    ADVICE.get(report.problem or "", ADVICE.get(report.device, "")))

    def clear(self, source: str) -> None:
        if self._problems.pop(source, None) is not None:
            self._render()
            if not self._problems:
                self.hide()

    def _render(self) -> None:
        # a small gap between problems, not a blank line: the banner stays compact
        parts = [f"<p style='margin-top:{6 if i else 0}px; margin-bottom:0'>"
                 f"<b>{_escape(message)}</b>" + (f"<br>{_escape(advice)}" if advice else "")
                 + "</p>" for i, (message, advice) in enumerate(self._problems.values())]
        self.text.setText("".join(parts))

    def _on_hide(self) -> None:
        self.hide()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
