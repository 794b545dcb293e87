"""The one place a running session is put together: :func:`build_session`.

Both owners of a session use it — the window's service (:mod:`ketaroom.session.service`)
and ``ketaroom rehearse`` (:mod:`ketaroom.session.rehearse`) — so a session is wired the
same way whether a clinician or the command line drives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketaroom.core.session import Session
from ketaroom.session.controller import Emit, SessionController
from ketaroom.session.devices import RoomDevices
from ketaroom.session.recorder import SessionRecorder
from ketaroom.session.runner import Post, SessionRunner, Wakeups
from ketaroom.store.session_records import EventRecord


@dataclass
class LiveSession:
    """One session and the parts that drive it."""

    session: Session
    runner: SessionRunner
    controller: SessionController
    recorder: SessionRecorder
    room: RoomDevices
    earlier: tuple[EventRecord, ...] = field(default=(), repr=False)
    """What a crash-resumed session recorded before the crash (its cues, their
    acknowledgements and clinical entries,
    :attr:`~ketaroom.session.recovery.InterruptedSession.earlier`); empty otherwise."""

    def take_over(self, earlier: tuple[EventRecord, ...]) -> None:
        """A session taken over after a crash, before the events the interruption skipped
        are recorded: keep what it recorded before, and let the cues never acknowledged
        wait again (:meth:`~ketaroom.session.controller.SessionController.resume_cues`)."""
        self.earlier = earlier
        self.controller.resume_cues(earlier)

    @property
    def session_id(self) -> int | None:
        """The journal's id (``None`` while a refusing disk keeps the record in memory)."""
        return self.recorder.session_id


def build_session(session: Session, recorder: SessionRecorder, room: RoomDevices, *,
                  post: Post, wakeups: Wakeups, operator: str,
                  emit: Emit | None = None) -> LiveSession:
    """Connect ``session`` to the room's devices and the record (nothing starts yet).

    ``post`` hands callables to the session's owner thread; ``wakeups`` wakes the runner
    when the next event is due; ``emit`` also receives every record as a plain dict. The
    room's lights are pointed at the session's light group (the emergency, the watch for
    lost lights and re-sends follow the session, never every light of the bridge).
    """
    room.use_light_group(session.light_group)
    runner = SessionRunner(session, post, wakeups)
    controller = SessionController(runner, room, recorder, emit=emit, operator=operator)
    return LiveSession(session, runner, controller, recorder, room)


__all__ = ["LiveSession", "build_session"]
