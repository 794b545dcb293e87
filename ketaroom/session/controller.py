"""Connects a running session to the room and the record.

Session events become device targets and journal entries; device reports and the
clinician's actions (notes, vitals, cue acknowledgements, live music and light,
emergency) become journal entries too. Every record is also offered to ``emit`` as
a plain dict — rehearse prints them as JSON lines, the GUI shows them.

Runs entirely on the owner thread; nothing here blocks (the room and the recorder
do their slow work on their own threads).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ketaroom.core.playlists import playlist_tracks, show_path
from ketaroom.core.preferences import Withheld, withhold
from ketaroom.core.session import SILENCE_FADE_S, SessionEvent
from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget, MusicTarget, returning
from ketaroom.core.timeline import EventKind, Intent, IntentKind, Status
from ketaroom.core.vitals import VitalLimits, Vitals, check_vitals
from ketaroom.session.devices import RoomDevices, RoomReport
from ketaroom.session.recorder import SessionRecorder
from ketaroom.session.room_state import CueOrigin
from ketaroom.session.runner import SessionRunner
from ketaroom.store.record_schema import (
    DEVICE_REPORT_KINDS,
    CueAck,
    CueRef,
    CueStart,
    DeviceError,
    DeviceHealth,
    DeviceReport,
    Emergency,
    LightState,
    MusicMuted,
    MusicPlan,
    MusicSkip,
    MusicVolume,
    MusicWithheld,
    Note,
    NoteCorrection,
    NoteTags,
    OperatorIntent,
    Payload,
    PhaseStart,
    PreferencesApplied,
    RecordKind,
    SessionEnd,
    SessionStart,
    VitalsReading,
)
from ketaroom.store.session_records import EventRecord

Emit = Callable[[dict[str, Any]], None]
PLAYLIST_SWITCH_FADE_S = 6.0


@dataclass(frozen=True)
class CueRecord:
    """A cue that fired, for the panel: acknowledged or still waiting."""

    ticket: int
    phase_index: int
    cue_index: int
    t: float
    acknowledged: bool = False
    origin: CueOrigin = CueOrigin.LIVE


class SessionController:
    def __init__(self, runner: SessionRunner, room: RoomDevices, recorder: SessionRecorder,
                 *, emit: Emit | None = None, operator: str = "") -> None:
        self.runner = runner
        self.room = room
        self.recorder = recorder
        self.operator = operator
        self._emitters: list[Emit] = [emit] if emit is not None else []
        self.cues: list[CueRecord] = []
        self._emergency_hold = False
        """Emergency pressed: the session is paused and the room stays up until Resume."""
        self.music_note: str | None = None
        """What the patient's never-play list left out of the music playing now, in a
        sentence for the music panel (None: nothing)."""
        runner.on_event(self._on_session_event)
        runner.on_intent(self._on_intent)
        room.on_report(self._on_room_report)

    @property
    def session(self):
        return self.runner.session

    @property
    def emergency_held(self) -> bool:
        """Emergency pressed during the session, and neither Resume nor Next since."""
        return self._emergency_hold

    def add_emitter(self, emit: Emit) -> None:
        self._emitters.append(emit)

    def now_t(self) -> float:
        """Active session seconds now."""
        return self.session.state().active_s

    def _emit(self, record: dict[str, Any]) -> None:
        for emit in self._emitters:
            emit(record)

    def _record(self, entry: Payload, *, t: float | None = None,
                phase_index: int | None = None, refers_to: int | None = None,
                emit: bool = True) -> int:
        kind, payload = entry.kind, entry.to_payload()
        if t is None or phase_index is None:
            state = self.session.state()  # one timeline read for both
            t = state.active_s if t is None else t
            phase_index = state.phase_index if phase_index is None else phase_index
        ticket = self.recorder.record(kind, session_t=t, phase_index=phase_index,
                                      payload=payload, refers_to=refers_to)
        if emit:
            self._emit({"t": round(t, 3), "event": kind.value, **payload})
        return ticket

    # -- session events ----------------------------------------------------------------

    def _timeline_entry(self, event: SessionEvent, *, while_interrupted: bool = False
                        ) -> Payload:
        """The record of a timeline event (the schema's builder for its kind)."""
        timeline = event.event
        name = event.phase.name if event.phase is not None else None
        if event.kind is EventKind.SESSION_START:
            preset = self.session.preset
            return SessionStart(preset.name, [(p.name, p.planned_s) for p in preset.phases],
                                while_interrupted)
        if event.kind is EventKind.PHASE_START:
            assert timeline.phase_index is not None and name is not None
            return PhaseStart(timeline.phase_index, name, while_interrupted)
        if event.kind is EventKind.CUE:
            assert timeline.phase_index is not None and timeline.cue_index is not None
            assert name is not None and event.cue is not None
            return CueStart(timeline.phase_index, name, timeline.cue_index, event.cue.prompt,
                            event.cue.kind.value, while_interrupted)
        assert timeline.status is not None
        return SessionEnd(timeline.status.value, timeline.phase_index, name, while_interrupted)

    def _on_session_event(self, event: SessionEvent) -> None:
        t, kind = event.t, event.kind
        ticket = self._record(self._timeline_entry(event), t=t,
                              phase_index=event.event.phase_index)
        if kind is EventKind.SESSION_START and self.session.preferences is not None:
            self._record(PreferencesApplied(self.session.preferences), t=t)
        elif kind is EventKind.CUE:
            assert event.event.phase_index is not None and event.event.cue_index is not None
            self.cues.append(CueRecord(ticket, event.event.phase_index, event.event.cue_index, t))
        elif kind is EventKind.PHASE_START:
            self._emergency_hold = False  # Next: the clinician moved on
            self.room.apply(event.music, event.light)
            self._withheld(event.withheld, t=t)
            if event.music is not None:
                self._record(MusicPlan.from_target(event.music,
                                                   asked_fade_s=event.music_asked_s), t=t)
            if event.light is not None:
                self._record(LightState(event.light, asked_transition=event.light_asked_s),
                             t=t)
        elif kind is EventKind.SESSION_END:
            # The session is over: the music fades out gently; the light stays as it is.
            self.room.apply(MusicTarget((), 0.0, SILENCE_FADE_S, label="session ended"), None)
            assert event.event.status is not None
            self.recorder.end(event.event.status.value)

    def _withheld(self, withheld: Withheld | None, *, t: float | None = None,
                  manual: bool = False) -> None:
        """Say (music panel, record) what the never-play list left out, or that nothing was."""
        self.music_note = (withheld.message(manual=manual) if withheld is not None
                           else None)
        if withheld is not None:
            self._record(MusicWithheld(withheld, manual), t=t)

    def _on_intent(self, intent: Intent) -> None:
        if intent.kind is IntentKind.START:
            return  # recorded as session_start
        self._record(OperatorIntent(intent.kind.value, intent.amount_s), emit=False)
        if intent.kind is IntentKind.RESUME and self._emergency_hold:
            self._emergency_hold = False
            self.restore_room()

    def _on_room_report(self, report: RoomReport) -> None:
        if report.kind == "health":
            self._record(DeviceHealth(report.device, report.message, report.data),
                         emit=False)
            return
        if report.kind in ("device_error", "warning"):
            severity = "warning" if report.kind == "warning" else "error"
            self._record(DeviceError(report.device, report.message, severity, report.data))
            return
        # Device confirmations (a track started, a light state was sent) go to the record;
        # the desired states were already emitted at the phase start.
        kind = (RecordKind(report.kind) if report.kind in DEVICE_REPORT_KINDS
                else RecordKind.DEVICE)
        self._record(DeviceReport(kind, report.message, report.data), emit=False)

    def record_missed(self, events: Sequence[SessionEvent]) -> None:
        """Record what the timeline passed while the app was down (crash recovery).

        Phase starts and cues are recorded, marked, without touching the room (only the
        current phase's state is restored, by :meth:`restore_room`); an end reached
        meanwhile ends the record, so the session is not offered for resume again.
        """
        for event in events:
            ticket = self._record(self._timeline_entry(event, while_interrupted=True),
                                  t=event.t, phase_index=event.event.phase_index, emit=False)
            if event.kind is EventKind.CUE:
                assert event.event.phase_index is not None and event.event.cue_index is not None
                self.cues.append(CueRecord(ticket, event.event.phase_index,
                                           event.event.cue_index, event.t,
                                           origin=CueOrigin.WHILE_INTERRUPTED))
            elif event.kind is EventKind.SESSION_END and event.event.status is not None:
                self.recorder.end(event.event.status.value)

    def resume_cues(self, earlier: Sequence[EventRecord]) -> None:
        """Crash recovery: the cues among ``earlier`` (what the session recorded before the
        crash) that were never acknowledged wait again, oldest first, before any cue that
        fires from now on; acknowledging one records a ``cue_ack`` referring to it as
        usual. Call once, before :meth:`record_missed`. A cue the preset no longer has
        (the snapshot changed) is left on record only."""
        answered = {e.refers_to for e in earlier if e.kind == RecordKind.CUE_ACK}
        phases = self.session.preset.phases
        waiting = []
        for event in earlier:
            if event.kind != RecordKind.CUE or event.id in answered:
                continue
            phase, cue = event.payload.get("phase_index"), event.payload.get("cue_index")
            if not (isinstance(phase, int) and isinstance(cue, int)
                    and 0 <= phase < len(phases) and 0 <= cue < len(phases[phase].cues)):
                continue
            waiting.append(CueRecord(self.recorder.existing(event.id), phase, cue,
                                     event.session_t, origin=CueOrigin.BEFORE_INTERRUPTION))
        self.cues[:0] = waiting

    def restore_room(self) -> None:
        """Bring music and light to what the current phase wants (after a crash recovery,
        or Resume after an emergency); the light fades back over at least
        :data:`~ketaroom.core.targets.RETURN_TRANSITION_S` (never a jump from the
        emergency light, nor from whatever the room was left at)."""
        state = self.session.state()
        index = state.phase_index
        if index is None or state.status.ended:
            return
        light = self.session.desired_light(index)
        self.room.apply(self.session.phase_music(index)[0],
                        returning(light) if light is not None else None)

    def report(self, entry: Payload, *, emit: bool = True) -> None:
        """Record (and, with ``emit``, show) an entry the session's owner adds itself, such
        as rehearse saying that its records cannot be written, or what interrupted it."""
        self._record(entry, emit=emit)

    def warn(self, device: str, message: str, *, t: float | None = None) -> None:
        """Record and show a device warning (a skipped file…): the session goes on."""
        self._record(DeviceError(device, message, "warning"), t=t)

    # -- clinician actions ------------------------------------------------------------

    def note(self, text: str, tags: tuple[str, ...] = (), *, cue: int | None = None) -> int:
        """Record a new note. ``cue`` (a cue's ticket) makes it the note that cue asked
        for: the payload names the cue, and the cue counts as done."""
        answered = next((c for c in self.cues if c.ticket == cue), None)
        ref = (CueRef(answered.phase_index, answered.cue_index, answered.t)
               if answered is not None else None)
        ticket = self._record(Note(text, tags, self.operator, ref))
        if answered is not None:
            self.acknowledge_cue(answered.ticket)
        return ticket

    def correct_note(self, ticket: int, text: str, reason: str = "",
                     tags: tuple[str, ...] | None = None) -> int:
        return self._record(NoteCorrection(text, reason, self.operator, tags),
                            refers_to=ticket)

    def tag_note(self, ticket: int, tags: tuple[str, ...]) -> int:
        """The note's tags changed, its text did not: not a correction of what was written."""
        return self._record(NoteTags(tags, self.operator), refers_to=ticket)

    def vitals(self, reading: Vitals, limits: VitalLimits | None = None
               ) -> tuple[int, list[str]]:
        warnings = check_vitals(reading, limits)
        entry = VitalsReading(reading.sys, reading.dia, reading.hr, reading.spo2, warnings,
                              self.operator)
        return self._record(entry), warnings

    def acknowledge_cue(self, ticket: int) -> None:
        for i, cue in enumerate(self.cues):
            if cue.ticket == ticket and not cue.acknowledged:
                self.cues[i] = replace(cue, acknowledged=True)
                self._record(CueAck(self.operator), refers_to=ticket, emit=False)

    def emergency(self) -> None:
        """Lights up warm, music off — recorded.

        A session under way pauses and holds the room so: no phase start may dim the
        light or bring music back on its own. Resume brings the current phase's music
        and light back; Next starts the next phase (both are the clinician's choice).
        """
        self.room.emergency()
        status = self.session.state().status
        held = status is not Status.NOT_STARTED and not status.ended
        self._record(Emergency("Lights up / music off", EMERGENCY_LIGHT, self.operator, held))
        if held:
            self._emergency_hold = True
            self.runner.pause()  # refused (and harmless) when already paused

    def set_volume(self, pct: float) -> None:
        """Live volume while the clinician moves it; the record gets the whole gesture
        from :meth:`record_volume_change`."""
        self.room.set_volume(pct)

    def record_volume_change(self, start_pct: float, end_pct: float) -> None:
        """One clinician volume gesture (a drag, or keyboard steps), from start to end."""
        self._record(MusicVolume(end_pct, start_pct), emit=False)

    def set_muted(self, muted: bool) -> None:
        self.room.set_muted(muted)
        self._record(MusicMuted(muted), emit=False)

    def skip_track(self) -> None:
        self.room.skip_track()
        self._record(MusicSkip(), emit=False)

    def choose_playlist(self, playlist: Path, fade_s: float = PLAYLIST_SWITCH_FADE_S) -> None:
        """Play ``playlist`` for the rest of this phase, at the volume playing now."""
        try:
            tracks, skipped = playlist_tracks(playlist)
        except OSError as exc:
            self.warn("music", f"cannot read {show_path(playlist.name)}: {exc.strerror or exc}")
            return
        for s in skipped:
            self.warn("music", f"{show_path(playlist.name)}: {show_path(s.entry)}: {s.reason} "
                      "(skipped)")
        prefs = self.session.preferences
        withheld = None
        if prefs is not None:
            chosen, withheld = withhold(MusicTarget(tuple(tracks), 0.0, fade_s,
                                                    label=playlist.name),
                                        prefs.never_play, silence_fade_s=fade_s)
            tracks = list(chosen.tracks)
        self._withheld(withheld, manual=True)
        if withheld is not None and withheld.whole_playlist:
            return  # what plays now goes on
        target = self.room.switch_music(tuple(tracks), fade_s, playlist.name)
        self._record(MusicPlan.from_target(target, manual=True), emit=False)

    def set_light(self, target: LightTarget) -> None:
        self.room.set_light(target)
        self._record(LightState(target, manual=True), emit=False)
