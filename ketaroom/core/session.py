"""A running session: the intent journal, the events it produced, and the room's desired state.

:class:`Session` is the only mutable session object. Intents are checked against the
current state (a pause while paused is refused, not journaled), appended with the
clock time, and :meth:`Session.poll` turns the pure timeline into the list of new
events since the last poll, each carrying the desired music and light state when a
phase begins. Something outside (the runner) decides *when* to poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketaroom.core.clock import Clock
from ketaroom.core.durations import MAX_DURATION_S
from ketaroom.core.fades import gentle_light, gentle_music
from ketaroom.core.preferences import (
    PatientPreferences,
    Withheld,
    adjust_light,
    comfortable_volume,
    withhold,
)
from ketaroom.core.preset import Cue, Phase, Preset
from ketaroom.core.targets import SILENCE, LightTarget, MusicTarget, light_group_for
from ketaroom.core.timeline import (
    EventKind,
    Intent,
    IntentKind,
    Status,
    TimelineEvent,
    TimelineReplay,
    TimelineState,
)

SILENCE_FADE_S = 6.0
"""Fade-out when a phase has no music."""


@dataclass(frozen=True)
class SessionEvent:
    """A timeline event with what it means for the room."""

    event: TimelineEvent
    phase: Phase | None = None
    cue: Cue | None = None
    music: MusicTarget | None = None
    """Set on PHASE_START: what should play now."""
    light: LightTarget | None = None
    """Set on PHASE_START when the phase changes the light."""
    withheld: Withheld | None = None
    """Set on PHASE_START when the patient's never-play list left something out."""
    music_asked_s: float | None = None
    """Set on PHASE_START when the preset's music fade was shorter than the floor
    (:func:`~ketaroom.core.fades.gentle_music`): what it asked; ``music`` has the floor."""
    light_asked_s: float | None = None
    """Likewise for the preset's light transition (:func:`~ketaroom.core.fades.gentle_light`)."""

    @property
    def kind(self) -> EventKind:
        return self.event.kind

    @property
    def t(self) -> float:
        return self.event.t

    def to_dict(self) -> dict[str, object]:
        """The JSON form used by ``rehearse --json`` and the journal."""
        out: dict[str, object] = {"t": round(self.t, 3), "event": self.kind.value}
        if self.event.phase_index is not None:
            out["phase_index"] = self.event.phase_index
        if self.phase is not None:
            out["phase"] = self.phase.name
        if self.cue is not None:
            out.update(cue_index=self.event.cue_index, prompt=self.cue.prompt,
                       cue_kind=self.cue.kind.value)
        if self.event.status is not None:
            out["status"] = self.event.status.value
        return out


def phase_music(preset: Preset, phase: Phase, preferences: PatientPreferences | None = None
                ) -> tuple[MusicTarget, Withheld | None]:
    """Desired music for ``phase``, volume capped by the preset's ``max_volume``, as the
    patient's ``preferences`` want it (comfortable volume, never-play list; see
    :mod:`ketaroom.core.preferences`), and what the never-play list left out. It fades in
    over at least :data:`~ketaroom.core.limits.MUSIC_FADE_FLOOR_S` (:func:`gentle_music`)."""
    if phase.music is None or not phase.music.tracks:
        return MusicTarget((), 0.0, SILENCE_FADE_S, label=SILENCE.label), None
    spec = phase.music
    volume = min(spec.volume_pct, preset.max_volume_pct)
    if preferences is not None:
        volume = comfortable_volume(volume, preset, preferences.volume_pct)
    target = gentle_music(MusicTarget(
        tracks=spec.tracks,
        volume_pct=volume,
        fade_s=spec.fade_s,
        shuffle=spec.shuffle,
        loop=spec.loop,
        label=spec.source,
    ))
    if preferences is None:
        return target, None
    return withhold(target, preferences.never_play, silence_fade_s=SILENCE_FADE_S)


def light_target(preset: Preset, phase: Phase, room_group: str | None = None,
                 preferences: PatientPreferences | None = None) -> LightTarget | None:
    """Desired light for ``phase`` in a room whose group is ``room_group`` (see
    :func:`light_group_for`), warmer and dimmer as the patient's ``preferences`` want it
    (:func:`~ketaroom.core.preferences.adjust_light`), fading over at least
    :data:`~ketaroom.core.limits.LIGHT_TRANSITION_FLOOR_S` (:func:`gentle_light`); ``None``
    when the phase keeps the current light."""
    if phase.light is None:
        return None
    spec = phase.light
    target = gentle_light(LightTarget(spec.brightness_pct, spec.transition_s, spec.kelvin,
                                      spec.color, light_group_for(room_group,
                                                                  preset.light_group)))
    return adjust_light(target, preset, preferences) if preferences is not None else target


def _raised(asked_s: float | None, applied_s: float | None) -> float | None:
    """``asked_s`` (what the preset says) when the floor made ``applied_s`` longer, else
    ``None``."""
    if asked_s is None or applied_s is None or applied_s <= asked_s:
        return None
    return asked_s


class Session:
    """One session of one preset on one clock, in a room whose light group is ``room_group``
    (it wins over the preset's ``light_group``), for a patient whose ``preferences`` it
    honours (None: the preset as written)."""

    def __init__(self, preset: Preset, clock: Clock, *, open_as_expected: bool = False,
                 intents: Sequence[Intent] = (), room_group: str | None = None,
                 preferences: PatientPreferences | None = None) -> None:
        self.preset = preset
        self.clock = clock
        self.room_group = room_group
        self.preferences = preferences if preferences is not None and preferences.any else None
        self.open_as_expected = open_as_expected
        self._intents: list[Intent] = list(intents)
        self._emitted = 0
        self._replay = TimelineReplay(preset, open_as_expected=open_as_expected)
        """Continues from the previous read, so a tick costs what happened since."""

    @property
    def intents(self) -> tuple[Intent, ...]:
        return tuple(self._intents)

    @property
    def light_group(self) -> str | None:
        """The group this session's lights use (:func:`light_group_for`: the room's, else
        the preset's fallback; ``None``: every light)."""
        return light_group_for(self.room_group, self.preset.light_group)

    def state(self, now: float | None = None) -> TimelineState:
        return self._replay.state(self._intents, self.clock.now() if now is None else now)

    # -- intents ---------------------------------------------------------------

    def start(self) -> Intent | None:
        return self._give(IntentKind.START, {Status.NOT_STARTED})

    def pause(self) -> Intent | None:
        return self._give(IntentKind.PAUSE, {Status.RUNNING})

    def resume(self) -> Intent | None:
        return self._give(IntentKind.RESUME, {Status.PAUSED})

    def next(self) -> Intent | None:
        return self._give(IntentKind.NEXT, {Status.RUNNING, Status.PAUSED})

    def extend(self, seconds: float) -> Intent | None:
        if not 0 < seconds <= MAX_DURATION_S:  # also refuses NaN
            return None
        return self._give(IntentKind.EXTEND, {Status.RUNNING, Status.PAUSED}, seconds)

    def stop(self) -> Intent | None:
        return self._give(IntentKind.STOP, {Status.RUNNING, Status.PAUSED})

    def _give(self, kind: IntentKind, allowed: set[Status], amount_s: float = 0.0
              ) -> Intent | None:
        """Journal the intent if the session is in an ``allowed`` state; return it."""
        now = self.clock.now()
        if self._intents:
            now = max(now, self._intents[-1].at)
        if self.state(now).status not in allowed:
            return None
        intent = Intent(kind, now, amount_s)
        self._intents.append(intent)
        return intent

    # -- events ----------------------------------------------------------------

    def poll(self, now: float | None = None) -> list[SessionEvent]:
        """Events that happened since the previous poll, in order."""
        events = self.state(now).events
        new = events[self._emitted:]
        self._emitted = len(events)
        return [self.describe(event) for event in new]

    def describe(self, event: TimelineEvent) -> SessionEvent:
        if event.phase_index is None:
            return SessionEvent(event)
        phase = self.preset.phases[event.phase_index]
        if event.kind is EventKind.CUE:
            assert event.cue_index is not None
            return SessionEvent(event, phase, cue=phase.cues[event.cue_index])
        music, withheld = self.phase_music(event.phase_index)
        light = light_target(self.preset, phase, self.room_group, self.preferences)
        asked_fade = phase.music.fade_s if phase.music is not None and music.tracks else None
        asked_transition = phase.light.transition_s if phase.light is not None else None
        return SessionEvent(
            event, phase, music=music, withheld=withheld, light=light,
            music_asked_s=_raised(asked_fade, music.fade_s),
            light_asked_s=_raised(asked_transition,
                                  light.transition_s if light is not None else None))

    def phase_music(self, phase_index: int) -> tuple[MusicTarget, Withheld | None]:
        """The music of phase ``phase_index`` for this session's patient, and what their
        never-play list left out (see :func:`phase_music`)."""
        return phase_music(self.preset, self.preset.phases[phase_index], self.preferences)

    def next_wakeup(self) -> float | None:
        """Clock time at which :meth:`poll` will next have something new."""
        return self.state().next_event_at

    def desired_light(self, phase_index: int) -> LightTarget | None:
        """The light the room should have during ``phase_index``: the latest phase that set it."""
        for phase in reversed(self.preset.phases[: phase_index + 1]):
            target = light_target(self.preset, phase, self.room_group, self.preferences)
            if target is not None:
                return target
        return None
