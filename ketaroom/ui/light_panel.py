"""The light panel: brightness and warmth sliders, scene buttons and the bridge's health.

Emits :class:`~ketaroom.core.targets.LightTarget` values; the lights layer paces and
coalesces what reaches the bridge, and a drag is throttled here too so the journal
gets a few entries, not one per pixel. Health comes from the lights' reports.

What the sliders show has one owner: the room. Every light state the bridge confirmed
(a phase, a scene, the emergency light, Resume, a drag) reaches :meth:`show_confirmed`
and the panel renders it — except while the clinician holds a slider, and except
confirmations of the clinician's own earlier drag values still arriving after a newer
one was sent (the bridge paces commands, so they lag). The first such state may be the
room's lights as read from the bridge before anything was sent. Until the bridge told
anything, and for a warmth no light shows, the value reads "—" and the handle is drawn
dim (``unknown`` property): the panel never invents a state.

The brightness shown is the level the room is at *now*: while a confirmed state is still
fading in (a phase's 30 s rise), the handle moves along with the lights
(:class:`~ketaroom.core.fades.LightFade`, from the level before, redrawn a few times a
second) and the value reads "32 → 60 %". A drag therefore starts from what the patient
sees, and goes out at a gentle pace from there (:func:`~ketaroom.core.fades.
manual_transition_s`); a warmth-only change keeps the fade's end, so the lights keep
the fade's pace.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSlider, QWidget

from ketaroom.core.fades import MANUAL_MIN_S, LightFade, manual_transition_s
from ketaroom.core.limits import BRIGHTNESS_MAX, BRIGHTNESS_MIN, KELVIN_MAX, KELVIN_MIN
from ketaroom.core.targets import LightHealth, LightTarget
from ketaroom.ui.theme import COLORS
from ketaroom.ui.widgets import Panel, Throttle, icon_button, muted_label

SLIDER_THROTTLE_MS = 250
FOLLOW_MS = 250
"""How often the handle follows a running fade."""
UNKNOWN = "—"
WARMTH_KEY_STEP_K = 100
"""An arrow key's warmth step: two of the 50 K steps the warmth is shown and sent in."""
SCENE_TRANSITION_S = 8.0


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
    LightHealth.OK: ("Bridge connected", "ok"),
    LightHealth.DEGRADED: ("Bridge busy or refusing some commands", "warn"),
    LightHealth.UNREACHABLE: ("Bridge not reachable", "danger"),
    LightHealth.NOT_PAIRED: ("Bridge does not know this computer", "danger"),
}


def _light_of(target: LightTarget) -> LightTarget:
    """The light a target asks for, whatever its fade (the lights may send a request over
    a longer fade than asked, so as not to hurry one under way)."""
    return replace(target, transition_s=0.0)


class LightPanel(Panel):
    light_requested = Signal(object)
    """A :class:`LightTarget`."""

    def __init__(self, group: Callable[[], str | None] = lambda: None,
                 parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``group``: the Hue group the sliders and scenes steer, asked at each change — the
        session's (the room's, else the preset's fallback; ``None``: the lights' default).
        ``clock``: seconds, for following a fade (monotonic)."""
        super().__init__("Light", parent)
        self._group = group
        self._clock = clock
        self.health_dot = QLabel("●")
        self.health = muted_label("Bridge: waiting for first answer")
        self.title_row.addWidget(self.health_dot)
        self.title_row.addWidget(self.health)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.brightness = self._slider(BRIGHTNESS_MIN, BRIGHTNESS_MAX, "Brightness")
        self.warmth = self._slider(KELVIN_MIN, KELVIN_MAX, "Colour temperature: warm ← → cool")
        self.warmth.setSingleStep(WARMTH_KEY_STEP_K)
        self.warmth.setPageStep(250)
        self.brightness_value = muted_label()
        self.warmth_value = muted_label()
        # wide enough for "99 → 100 %": the sliders keep their length when a fade's
        # arrow comes and goes (a handle never moves under the clinician's finger)
        widest = self.brightness_value.fontMetrics().horizontalAdvance("99 → 100 %") + 4
        for value in (self.brightness_value, self.warmth_value):
            value.setMinimumWidth(max(62, widest))
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
        self._throttle: Throttle[LightTarget] = Throttle(SLIDER_THROTTLE_MS,
                                                         self._send_manual, self)
        self._sent: list[LightTarget] = []
        """What this panel asked for since the room last confirmed something, oldest first."""
        self._confirmed: LightTarget | None = None
        """The newest state the room confirmed (``None``: nothing yet)."""
        self._fade: LightFade | None = None
        """The room's brightness, from the confirmed states (``None``: nothing yet)."""
        self._brightness_moved = False
        """The clinician moved the brightness since the room's state was last shown."""
        self._follow = QTimer(self)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self._on_follow)
        self._set_sliders(40, 2700)
        self.brightness_value.setText(UNKNOWN)
        self.warmth_value.setText(UNKNOWN)
        self._show_known(brightness=False, warmth=False)
        self.show_health(LightHealth.OK, "")
        self.health.setText("Bridge: waiting for first answer")
        self.brightness.valueChanged.connect(self._on_brightness_moved)
        self.warmth.valueChanged.connect(self._on_slider_moved)
        for slider in (self.brightness, self.warmth):
            slider.sliderReleased.connect(self._render_confirmed)

    def _slider(self, low: int, high: int, tip: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(low, high)
        slider.setToolTip(tip)
        return slider

    def _wanted(self) -> LightTarget:
        """The sliders' light. Its brightness is the fade's end unless the clinician moved
        the brightness: a warmth-only change must not stop a phase's fade where it is."""
        confirmed = self._confirmed
        brightness = (float(self.brightness.value())
                      if self._brightness_moved or confirmed is None
                      else confirmed.brightness_pct)
        return LightTarget(brightness, MANUAL_MIN_S, kelvin=self._kelvin(), group=self._group())

    def _kelvin(self) -> int:
        # Left is warm: the slider runs from 2000 K on the left to 6500 K on the right.
        return int(round(self.warmth.value() / 50.0) * 50)

    def _label_values(self) -> None:
        self.brightness_value.setText(f"{self.brightness.value()} %")
        self.warmth_value.setText(f"{self._kelvin()} K")

    def _on_brightness_moved(self, value: int) -> None:
        self._brightness_moved = True
        self._on_slider_moved(value)

    def _on_slider_moved(self, _value: int) -> None:
        self._label_values()
        self._throttle.push(self._wanted())

    def _send_manual(self, target: LightTarget) -> None:
        """A slider value, as it goes out: at a gentle pace from where the room is now."""
        self._send(replace(target, transition_s=manual_transition_s(
            target.brightness_pct, self._fade, self._clock())))

    def _on_scene(self, scene: Scene) -> None:
        self._send(LightTarget(scene.brightness_pct, SCENE_TRANSITION_S, kelvin=scene.kelvin,
                               group=self._group()))

    def _send(self, target: LightTarget) -> None:
        self._sent.append(target)
        self.light_requested.emit(target)

    @property
    def moving(self) -> bool:
        """The clinician holds a slider, or a moved value still waits to be sent."""
        return self.brightness.isSliderDown() or self.warmth.isSliderDown() or \
            self._throttle.pending

    @property
    def fading(self) -> bool:
        """The lights are still on their way to the newest confirmed state."""
        return self._fade is not None and self._fade.running(self._clock())

    @property
    def confirmed(self) -> LightTarget | None:
        """The newest light state the room confirmed (``None`` until it confirmed one)."""
        return self._confirmed

    def show_confirmed(self, target: LightTarget) -> None:
        """The room confirmed ``target`` (sent to the bridge): render it, unless it is not
        this panel's group or the clinician is busy with the sliders (see module docstring)."""
        if target.group not in (None, self._group()):
            return
        now = self._clock()
        end, duration = target.brightness_pct, target.transition_s
        self._fade = (self._fade.then(end, duration, now) if self._fade is not None
                      else LightFade(end, duration, now))
        self._confirmed = target
        self._follow.start()
        self._render_confirmed()

    def _on_follow(self) -> None:
        """Move the handle along with a running fade (a last time once it is over)."""
        if not self.fading:
            self._follow.stop()
        if not self._sent:  # else a request of ours is on its way: its confirmation redraws
            self._render_confirmed()

    def _render_confirmed(self) -> None:
        target, fade = self._confirmed, self._fade
        if target is None or fade is None:
            return
        now = self._clock()
        if self.moving or _light_of(target) in map(_light_of, self._sent[:-1]):
            return  # the newest request's own confirmation (or a newer state) follows
        self._sent.clear()
        self._brightness_moved = False
        self._show_known(brightness=True, warmth=target.kelvin is not None)
        self._set_sliders(fade.level(now), target.kelvin)
        self._label_values()
        if fade.running(now) and round(fade.level(now)) != round(target.brightness_pct):
            self.brightness_value.setText(
                f"{self.brightness.value()} → {round(target.brightness_pct)} %")
        if target.kelvin is None:
            self.warmth_value.setText(UNKNOWN)  # a colour, not a white: no warmth to show

    def _show_known(self, *, brightness: bool, warmth: bool) -> None:
        """Dim the handle of a slider whose value the room has not told (``—``)."""
        for slider, known in ((self.brightness, brightness), (self.warmth, warmth)):
            if slider.property("unknown") != (not known):
                slider.setProperty("unknown", not known)
                slider.style().unpolish(slider)
                slider.style().polish(slider)

    def _set_sliders(self, brightness_pct: float, kelvin: int | None) -> None:
        """Move the sliders without sending anything back."""
        for slider, value in ((self.brightness, brightness_pct), (self.warmth, kelvin)):
            if value is None:
                continue
            slider.blockSignals(True)
            slider.setValue(round(value))
            slider.blockSignals(False)

    def room_light(self, transition_s: float) -> LightTarget | None:
        """The light the room is in, as far as it confirmed (for "back to room light")."""
        target = self._confirmed
        if target is None:
            return None
        return LightTarget(target.brightness_pct, transition_s, kelvin=target.kelvin,
                           color=target.color, group=self._group())

    def show_health(self, health: LightHealth, message: str) -> None:
        text, tone = HEALTH_TEXT[health]
        self.health_dot.setStyleSheet(f"color: {COLORS[tone]}; background: transparent;")
        self.health.setText(text)
        self.health.setToolTip(message or text)
