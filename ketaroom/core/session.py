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


def music_target(preset: Preset, phase: Phase) -> MusicTarget:
    """Desired music for ``phase``, volume capped by the preset's ``max_volume``."""
    if phase.music is None or not phase.music.tracks:
        return MusicTarget((), 0.0, SILENCE_FADE_S, label=SILENCE.label)
    spec = phase.music
    return MusicTarget(
        tracks=spec.tracks,
        volume_pct=min(spec.volume_pct, preset.max_volume_pct),
        fade_s=spec.fade_s,
        shuffle=spec.shuffle,
        loop=spec.loop,
        label=spec.source,
    )


def light_target(preset: Preset, phase: Phase, room_group: str | None = None
                 ) -> LightTarget | None:
    """Desired light for ``phase`` in a room whose group is ``room_group`` (see
    :func:`light_group_for`); ``None`` when the phase keeps the current light."""
    if phase.light is None:
        return None
    spec = phase.light
    return LightTarget(spec.brightness_pct, spec.transition_s, spec.kelvin, spec.color,
                       light_group_for(room_group, preset.light_group))


class Session:
    """One session of one preset on one clock, in a room whose light group is ``room_group``
    (it wins over the preset's ``light_group``)."""

    def __init__(self, preset: Preset, clock: Clock, *, open_as_expected: bool = False,
                 intents: Sequence[Intent] = (), room_group: str | None = None) -> None:
        self.preset = preset
        self.clock = clock
        self.room_group = room_group
        self.open_as_expected = open_as_expected
        self._intents: list[Intent] = list(intents)
        self._emitted = 0
        self._replay = TimelineReplay(preset, open_as_expected=open_as_expected)
        """Continues from the previous read, so a tick costs what happened since."""

    @property
    def intents(self) -> tuple[Intent, ...]:
        return tuple(self._intents)

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
        return SessionEvent(event, phase, music=music_target(self.preset, phase),
                            light=light_target(self.preset, phase, self.room_group))

    def next_wakeup(self) -> float | None:
        """Clock time at which :meth:`poll` will next have something new."""
        return self.state().next_event_at

    def desired_light(self, phase_index: int) -> LightTarget | None:
        """The light the room should have during ``phase_index``: the latest phase that set it."""
        for phase in reversed(self.preset.phases[: phase_index + 1]):
            target = light_target(self.preset, phase, self.room_group)
            if target is not None:
                return target
        return None
