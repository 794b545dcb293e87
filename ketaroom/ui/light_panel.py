"""The light panel: brightness and warmth sliders, scene buttons and the bridge's health.

Emits :class:`~ketaroom.core.targets.LightTarget` values; the lights layer paces and
coalesces what reaches the bridge, and a drag is throttled here too so the journal
gets a few entries, not one per pixel. Health comes from the lights' reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSlider, QWidget

from ketaroom.core.targets import LightTarget
from ketaroom.ui.theme import COLORS
from ketaroom.ui.widgets import Panel, Throttle, icon_button, muted_label

SLIDER_THROTTLE_MS = 250
SLIDER_TRANSITION_S = 1.0
SCENE_TRANSITION_S = 8.0
KELVIN_MIN, KELVIN_MAX = 2000, 6500


@dataclass(frozen=True)
class Scene:
    name: str
    icon: str
    brightness_pct: float
    kelvin: int


SCENES = (
    Scene("Dim warm", "mdi6.weather-night", 20, 2200),
    Scene("Reading", "mdi6.book-open-variant", 60, 3000),
    Scene("Night", "mdi6.moon-waning-crescent", 5, 2000),
)

HEALTH_TEXT = {
    "ok": ("Bridge connected", "ok"),
    "degraded": ("Bridge busy or refusing some commands", "warn"),
    "unreachable": ("Bridge not reachable", "danger"),
    "not_paired": ("Bridge does not know this computer", "danger"),
}


class LightPanel(Panel):
    light_requested = Signal(object)
    """A :class:`LightTarget`."""

    def __init__(self, group: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Light", parent)
        self._group = group
        self.health_dot = QLabel("●")
        self.health = muted_label("Bridge: waiting for first answer")
        self.title_row.addWidget(self.health_dot)
        self.title_row.addWidget(self.health)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.brightness = self._slider(0, 100, "Brightness")
        self.warmth = self._slider(KELVIN_MIN, KELVIN_MAX, "Colour temperature: warm ← → cool")
        self.warmth.setPageStep(250)
        self.brightness_value = muted_label()
        self.warmth_value = muted_label()
        for value in (self.brightness_value, self.warmth_value):
            value.setMinimumWidth(62)
        grid.addWidget(muted_label("Bright"), 0, 0)
        grid.addWidget(self.brightness, 0, 1)
        grid.addWidget(self.brightness_value, 0, 2)
        grid.addWidget(muted_label("Warmth"), 1, 0)
        grid.addWidget(self.warmth, 1, 1)
        grid.addWidget(self.warmth_value, 1, 2)
        self.body.addLayout(grid)
        scenes = QHBoxLayout()
        scenes.setSpacing(6)
        self.scene_buttons = {}
        for scene in SCENES:
            button = icon_button(scene.name, scene.icon,
                                 tip=f"{scene.brightness_pct:g} %, {scene.kelvin} K")
            button.clicked.connect(lambda _=False, s=scene: self._on_scene(s))
            scenes.addWidget(button)
            self.scene_buttons[scene.name] = button
        self.body.addLayout(scenes)
        self.body.addStretch(1)
        self._throttle: Throttle[LightTarget] = Throttle(
            SLIDER_THROTTLE_MS, self.light_requested.emit, self)
        self.show_values(40, 2700)
        self.show_health("ok", "")
        self.health.setText("Bridge: waiting for first answer")
        self.brightness.valueChanged.connect(self._on_slider_moved)
        self.warmth.valueChanged.connect(self._on_slider_moved)


    def set_group(self, group: str | None) -> None:
        """The Hue group the sliders and scenes steer (after the room's bridge changed)."""
        self._group = group
    def _slider(self, low: int, high: int, tip: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(low, high)
        slider.setToolTip(tip)
        return slider

    def _target(self, transition_s: float) -> LightTarget:
        return LightTarget(float(self.brightness.value()), transition_s,
                           kelvin=self._kelvin(), group=self._group)

    def _kelvin(self) -> int:
        # Left is warm: the slider runs from 2000 K on the left to 6500 K on the right.
        return int(round(self.warmth.value() / 50.0) * 50)

    def _label_values(self) -> None:
        self.brightness_value.setText(f"{self.brightness.value()} %")
        self.warmth_value.setText(f"{self._kelvin()} K")

    def _on_slider_moved(self, _value: int) -> None:
        self._label_values()
        self._throttle.push(self._target(SLIDER_TRANSITION_S))

    def _on_scene(self, scene: Scene) -> None:
        self.show_values(scene.brightness_pct, scene.kelvin)
        self.light_requested.emit(LightTarget(scene.brightness_pct, SCENE_TRANSITION_S,
                                              kelvin=scene.kelvin, group=self._group))

    @property
    def moving(self) -> bool:
        return self.brightness.isSliderDown() or self.warmth.isSliderDown() or \
            self._throttle.busy

    def show_values(self, brightness_pct: float, kelvin: int | None) -> None:
        """Follow the session's light without sending anything back."""
        if self.moving:
            return
        for slider, value in ((self.brightness, brightness_pct), (self.warmth, kelvin)):
            if value is None:
                continue
            slider.blockSignals(True)
            slider.setValue(round(value))
            slider.blockSignals(False)
        self._label_values()

    def show_health(self, health: str, message: str) -> None:
        text, tone = HEALTH_TEXT.get(health, (health, "warn"))
        self.health_dot.setStyleSheet(f"color: {COLORS[tone]}; background: transparent;")
        self.health.setText(text)
        self.health.setToolTip(message or text)
