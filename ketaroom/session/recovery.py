"""Crash recovery, the app-level part: read an interrupted session back from the journal.

At start-up the app asks the journal for :meth:`~ketaroom.store.journal.Journal.
interrupted_sessions` (no end recorded, process gone) and, for each, shows
:class:`ketaroom.ui.recovery_dialog.RecoveryDialog`. This module does the rest:

* :func:`load_interrupted` — the preset (the snapshot stored with the session,
  re-validated; else the file at ``preset_path``), the intents, the start and crash
  wall times, and where the session stood. Never raises for a bad preset: the
  returned :class:`InterruptedSession` then carries ``error`` and can only be closed.
  Journal problems (unknown id, unreadable file, not interrupted) raise
  :class:`RecoveryError` with a message for a person, never a traceback.
* :func:`recovery_intents` — the session's intents on a new clock
  (:func:`ketaroom.core.recovery.rebuild_intents`).
* :func:`plan_recovery` — a ready :class:`~ketaroom.core.session.Session` with past events
  already consumed (the runner will not replay cues or phase starts), the music and
  light the room should have now, and the events the "kept running" gap skipped over.
* :func:`mark_recovered` — for a paused resume, journal the pause at the crash (so a
  second crash rebuilds the same timeline); ``recorder.adopt`` then records ``resume``.
* :func:`close_session` — "Close it (keep the record)".

Typical use in ``app.py``::

    for interrupted in find_interrupted(journal, playlist_dirs=dirs):
        dialog = RecoveryDialog(interrupted, parent)
        dialog.exec()
        if dialog.choice is RecoveryChoice.CLOSE:
            close_session(journal, interrupted.id)
        elif dialog.choice is not None:
            plan = plan_recovery(interrupted, dialog.choice.mode, clock)
            mark_recovered(journal, plan)          # before the recorder writes anything
            recorder.adopt(interrupted.id, session_t=plan.session_t)   # "resume" event
            runner = SessionRunner(plan.session, post, wakeups)  # past events consumed
            controller = SessionController(runner, room, recorder, ...)
            controller.restore_room()            # = room.apply(plan.music, plan.light)
            runner.tick()
        # dialog.choice None (dismissed): leave it interrupted; asked again next start
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ketaroom.core.clock import Clock
from ketaroom.core.preferences import PatientPreferences
from ketaroom.core.preset import Preset
from ketaroom.core.recovery import RecoveryMode, rebuild_intents
from ketaroom.core.session import Session, SessionEvent
from ketaroom.core.targets import LightTarget, MusicTarget
from ketaroom.core.timeline import EventKind, Intent, TimelineState
from ketaroom.core.validation import LoadResult, load_preset, validate_text
from ketaroom.store.journal import Journal, JournalError
from ketaroom.store.record_schema import (
    CLINICAL_KINDS,
    RecordKind,
    SyntheticPause,
    preferences_of,
)
from ketaroom.store.session_records import EventRecord, SessionRecord

__all__ = [
    "InterruptedSession",
    "RecoveryError",
    "RecoveryMode",
    "RecoveryPlan",
    "close_session",
    "find_interrupted",
    "load_interrupted",
    "mark_recovered",
    "plan_recovery",
    "recovery_intents",
]

_MAX_PROBLEMS_SHOWN = 3
_EARLIER_KINDS = frozenset({RecordKind.CUE, RecordKind.CUE_ACK, *CLINICAL_KINDS})


class RecoveryError(Exception):
    """An interrupted session cannot be read or resumed; ``str()`` is for a person."""


@dataclass(frozen=True)
class InterruptedSession:
    """An interrupted session as read back from the journal."""

    record: SessionRecord
    preset: Preset | None
    """``None`` when the preset could not be loaded (see :attr:`error`)."""
    intents: tuple[tuple[str, float, float], ...]
    """``(kind, wall_epoch_s, amount_s)`` of each journaled intent, in order."""
    start_wall: float
    """Epoch seconds of the session start."""
    crashed_wall: float
    """Epoch seconds of the last recorded event."""
    crashed_t: float
    """Active session seconds at the last recorded event."""
    phase_index: int | None
    """The phase running at the crash (last ``phase_start``), if any began."""
    phase_name: str | None
    finished: bool = False
    """A ``session_end`` was recorded but not the end itself (crash while closing)."""
    paused: bool = False
    """The session was paused when the app died."""
    error: str | None = None
    """Why it cannot be resumed (only closed); ``None`` when it can."""
    warnings: tuple[str, ...] = field(default=())
    preferences: PatientPreferences | None = None
    """The patient's preferences the session honoured (recorded at its start)."""
    earlier: tuple[EventRecord, ...] = ()
    """Its cues, their acknowledgements and its clinical entries (dose, checks, PHQ-9,
    reflection, ready to leave…) recorded before the crash, in journal order: on resume
    the cues never acknowledged wait again in the cue panel and the Clinical tab shows
    what was recorded."""

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def can_resume(self) -> bool:
        return self.preset is not None and self.error is None

    @property
    def started(self) -> datetime:
        return datetime.fromtimestamp(self.start_wall, timezone.utc).astimezone()

    @property
    def stopped(self) -> datetime:
        return datetime.fromtimestamp(self.crashed_wall, timezone.utc).astimezone()


@dataclass(frozen=True)
class RecoveryPlan:
    """Everything the app needs to take an interrupted session over."""

    interrupted: InterruptedSession
    mode: RecoveryMode
    session: Session
    """Past events already polled: the runner only dispatches what comes next."""
    state: TimelineState
    music: MusicTarget | None
    """What should play now (``None`` once the session is over)."""
    light: LightTarget | None
    """The light the current phase wants (latest phase that set one), or ``None``."""
    missed: tuple[SessionEvent, ...]
    """Events after the crash that "kept running" skipped (phase starts, cues, end)."""
    session_t: float
    """Active session seconds at the resume point (for the ``resume`` event)."""
    added_pause: Intent | None
    """The PAUSE placed at the crash (paused resume of a running session)."""
    now_clock: float
    now_wall: float


def _wall(text: str, what: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise RecoveryError(f"the {what} time {text!r} in the records is unreadable") from exc
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()


def _problems(result: LoadResult) -> str:
    shown = [str(p) for p in result.problems[:_MAX_PROBLEMS_SHOWN]]
    more = len(result.problems) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")


def _load_preset(record: SessionRecord, playlist_dirs: Sequence[Path]
                 ) -> tuple[Preset | None, str | None, list[str]]:
    """The stored snapshot, re-validated; else the file. (preset, error, warnings)."""
    notes: list[str] = []
    shown_path = record.preset_path or f"{record.preset} (stored copy)"
    if record.preset_yaml:
        result = validate_text(record.preset_yaml, shown_path, playlist_dirs=playlist_dirs)
        if result.ok and result.preset is not None:
            return result.preset, None, notes
        notes.append(f"the copy of the preset stored with the session is not valid now: "
                     f"{_problems(result)}")
    if record.preset_path:
        result = load_preset(Path(record.preset_path), playlist_dirs=playlist_dirs)
        if result.ok and result.preset is not None:
            if record.preset_yaml:
                notes.append(f"using the preset file {record.preset_path} instead")
            return result.preset, None, notes
        notes.append(f"the preset file cannot be used: {_problems(result)}")
    elif not record.preset_yaml:
        notes.append("no copy of the preset was stored with the session")
    message = (f"The preset “{record.preset}” could not be loaded, so the session cannot be "
               f"resumed (it can still be closed and its record kept). "
               + " — ".join(n[0].upper() + n[1:] for n in notes))
    return None, message, []


def _phases_match(preset: Preset, events: Sequence[EventRecord]) -> bool:
    for event in events:
        if event.kind == RecordKind.SESSION_START:
            phases = event.payload.get("phases")
            if isinstance(phases, list) and phases:
                names = [str(p.get("name")) for p in phases if isinstance(p, dict)]
                return names == [p.name for p in preset.phases]
    return True


def load_interrupted(journal: Journal, session_id: int, *,
                     playlist_dirs: Sequence[Path] = ()) -> InterruptedSession:
    """Read interrupted session ``session_id`` back; see the module docstring.

    Raises :class:`RecoveryError` (clear message) for an unknown session, a session that
    is still running in another process or has ended, or an unreadable journal.
    """
    try:
        record = journal.session(session_id)
        events = journal.events(session_id)
    except KeyError as exc:
        raise RecoveryError(f"There is no session {session_id} in the records.") from exc
    except JournalError as exc:
        raise RecoveryError(f"The session records could not be read: {exc}") from exc
    if record.ended_at is not None:
        raise RecoveryError(f"Session {session_id} has already ended ({record.status}).")
    if record.status == "running":
        raise RecoveryError(f"Session {session_id} is still running in another ketaroom "
                          f"(process {record.pid} on {record.host}).")
    error: str | None = None
    try:
        start_wall = next((_wall(e.wall, "start") for e in events
                           if e.kind == RecordKind.SESSION_START), None)
        if start_wall is None:
            start_wall = _wall(record.started_at, "start")
        crashed_wall = _wall(events[-1].wall, "last event") if events else start_wall
        intents: list[tuple[str, float, float]] = []
        for event in events:
            if event.kind != RecordKind.INTENT:
                continue
            amount = event.payload.get("amount_s")
            try:
                amount_s = float(amount) if amount is not None else 0.0
            except (TypeError, ValueError):
                amount_s = 0.0
            intents.append((str(event.payload.get("intent", "")), _wall(event.wall, "intent"),
                            amount_s))
    except RecoveryError as exc:
        raise RecoveryError(f"Session {session_id} cannot be resumed: {exc}.") from exc
    phase_index: int | None = None
    phase_name: str | None = None
    for event in events:
        if event.kind == RecordKind.PHASE_START:
            phase_index = event.phase_index
            name = event.payload.get("name", event.payload.get("phase"))
            phase_name = str(name) if name is not None else None
    preset, error, warnings = _load_preset(record, playlist_dirs)
    if preset is not None and not _phases_match(preset, events):
        warnings.append("the preset's phases differ from the ones recorded at the start")
    if preset is not None and phase_index is not None:
        if not 0 <= phase_index < len(preset.phases):
            error = (f"The session stopped in phase {phase_index + 1}, but the preset "
                     f"“{preset.name}” has only {len(preset.phases)} phases now.")
        elif phase_name is None:
            phase_name = preset.phases[phase_index].name
    paused = False
    for kind, _wall_s, _amount in intents:
        if kind == "pause":
            paused = True
        elif kind == "resume":
            paused = False
    return InterruptedSession(
        record=record,
        preset=preset,
        intents=tuple(intents),
        start_wall=start_wall,
        crashed_wall=crashed_wall,
        crashed_t=max((e.session_t for e in events), default=0.0),
        phase_index=phase_index,
        phase_name=phase_name,
        finished=any(e.kind == RecordKind.SESSION_END for e in events),
        paused=paused,
        error=error,
        warnings=tuple(warnings),
        preferences=next((p for e in events if e.kind == RecordKind.PREFERENCES
                          and (p := preferences_of(e.payload)) is not None), None),
        earlier=tuple(e for e in events if e.kind in _EARLIER_KINDS),
    )


def find_interrupted(journal: Journal, *, playlist_dirs: Sequence[Path] = ()
                     ) -> list[InterruptedSession]:
    """Every interrupted session, loaded; raises :class:`RecoveryError` only if the journal
    cannot be read at all."""
    try:
        records = journal.interrupted_sessions()
    except JournalError as exc:
        raise RecoveryError(f"The session records could not be read: {exc}") from exc
    out = []
    for record in records:
        try:
            out.append(load_interrupted(journal, record.id, playlist_dirs=playlist_dirs))
        except RecoveryError as exc:
            when = _safe_wall(record.started_at)
            out.append(InterruptedSession(record, None, (), when, when, 0.0, None, None,
                                          error=str(exc)))
    return out


def _safe_wall(text: str) -> float:
    try:
        return _wall(text, "start")
    except RecoveryError:
        return 0.0


def recovery_intents(interrupted: InterruptedSession, mode: RecoveryMode, clock: Clock, *,
                   now_wall: float | None = None) -> list[Intent]:
    """The session's intents on ``clock`` (now = ``clock.now()`` and ``now_wall``, default
    ``time.time()``), resumed in ``mode``."""
    return _rebuild(interrupted, mode, clock.now(), time.time() if now_wall is None else now_wall)


def _rebuild(interrupted: InterruptedSession, mode: RecoveryMode, now_clock: float,
             now_wall: float) -> list[Intent]:
    return rebuild_intents(
        interrupted.start_wall, interrupted.intents, now_clock=now_clock, now_wall=now_wall,
        crashed_wall=interrupted.crashed_wall, mode=mode,
        speed=interrupted.record.speed or 1.0, crashed_t=interrupted.crashed_t)


def plan_recovery(interrupted: InterruptedSession, mode: RecoveryMode, clock: Clock, *,
                open_as_expected: bool = False, now_wall: float | None = None,
                room_group: str | None = None) -> RecoveryPlan:
    """A :class:`RecoveryPlan` for taking ``interrupted`` over on ``clock`` in a room whose
    light group is ``room_group`` (it wins over the preset's ``light_group``).

    Raises :class:`RecoveryError` when it cannot be resumed (see
    :attr:`InterruptedSession.error`).
    """
    if interrupted.preset is None or interrupted.error is not None:
        raise RecoveryError(interrupted.error or "the preset could not be loaded")
    now_clock = clock.now()
    wall = time.time() if now_wall is None else now_wall
    intents = _rebuild(interrupted, mode, now_clock, wall)
    as_running = _rebuild(interrupted, RecoveryMode.RUNNING, now_clock, wall)
    added = intents[-1] if len(intents) > len(as_running) else None
    session = Session(interrupted.preset, clock, open_as_expected=open_as_expected,
                      intents=intents, room_group=room_group,
                      preferences=interrupted.preferences)
    past = session.poll(now_clock)
    state = session.state(now_clock)
    missed = tuple(e for e in past if _missed(e, interrupted))
    music: MusicTarget | None = None
    light: LightTarget | None = None
    if not state.status.ended and state.phase_index is not None:
        music = session.phase_music(state.phase_index)[0]
        light = session.desired_light(state.phase_index)
    return RecoveryPlan(interrupted, mode, session, state, music, light, missed,
                      session_t=state.active_s, added_pause=added, now_clock=now_clock,
                      now_wall=wall)


def _missed(event: SessionEvent, interrupted: InterruptedSession) -> bool:
    """Whether the timeline passed ``event`` without it being recorded: after the last
    recorded moment, an end never recorded, or a cue due at that very moment the crash
    came before (a phase start and its cue at 0 s, the cue not written yet)."""
    crashed_t = interrupted.crashed_t
    if event.t > crashed_t + 1e-6 or (event.kind is EventKind.SESSION_END
                                      and not interrupted.finished):
        return True
    if event.kind is not EventKind.CUE or event.t < crashed_t - 1e-6:
        return False  # everything before the last recorded entry was written before it
    recorded = {(e.payload.get("phase_index"), e.payload.get("cue_index"))
                for e in interrupted.earlier if e.kind == RecordKind.CUE}
    return (event.event.phase_index, event.event.cue_index) not in recorded


def mark_recovered(journal: Journal, plan: RecoveryPlan, *, take_over: bool = False) -> None:
    """Record the resume in the journal; call before the recorder writes anything.

    For a paused resume of a running session, the PAUSE placed at the crash is journaled
    as an ``intent`` event (``synthetic: true``) with the wall time it stands for, so a
    later crash rebuilds the same timeline. Then take the session over with
    ``recorder.adopt(id, session_t=plan.session_t)`` (it calls
    :meth:`Journal.resume_session`), or pass ``take_over=True`` to do that here
    (without a recorder). Raises :class:`RecoveryError` when the journal refuses.
    """
    interrupted = plan.interrupted
    speed = interrupted.record.speed or 1.0
    try:
        if plan.added_pause is not None:
            pause_wall = plan.now_wall - (plan.now_clock - plan.added_pause.at) / speed
            pause = SyntheticPause("resumed paused after an interruption")
            journal.append(
                interrupted.id, pause.kind, session_t=interrupted.crashed_t,
                phase_index=interrupted.phase_index, payload=pause.to_payload(),
                wall=datetime.fromtimestamp(pause_wall, timezone.utc))
        if take_over:
            journal.resume_session(interrupted.id, session_t=plan.session_t)
    except (JournalError, KeyError) as exc:
        raise RecoveryError(f"Could not record the resume of session {interrupted.id}: "
                          f"{exc}") from exc


def close_session(journal: Journal, session_id: int) -> None:
    """Close an interrupted session, keeping its record (status ``interrupted``)."""
    try:
        journal.close_interrupted(session_id)
    except KeyError as exc:
        raise RecoveryError(f"There is no session {session_id} in the records.") from exc
    except JournalError as exc:
        raise RecoveryError(f"Could not close session {session_id}: {exc}") from exc
