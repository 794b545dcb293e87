"""Drives a :class:`~ketaroom.core.session.Session` in time: wake-ups and event dispatch.

The timeline is the truth; scheduler jobs are only wake-ups derived from it. After
every intent and every wake-up the runner polls the session, hands new events to
its listeners and schedules one wake-up for the next due event (APScheduler does
not pause its clock, so jobs are rebuilt rather than paused).

Threads: APScheduler runs jobs on its own pool thread. A job never touches the
session; it only calls ``post`` to hand :meth:`SessionRunner.tick` to the thread
that owns the session (the Qt main thread in the GUI, the main loop in rehearse).
Because APScheduler schedules in wall-clock time, which NTP or daylight saving can
move, the owner also calls :meth:`tick` from a monotonic watchdog (every ~0.5 s);
a tick is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol

from ketaroom.core.session import Session, SessionEvent
from ketaroom.core.timeline import Intent

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
EventListener = Callable[[SessionEvent], None]
IntentListener = Callable[[Intent], None]


class Wakeups(Protocol):
    """Calls ``callback`` (from any thread) about ``delay_s`` real seconds from now."""

    def wake_in(self, delay_s: float, callback: Callable[[], None]) -> None: ...

    def cancel(self) -> None: ...

    def shutdown(self) -> None: ...


class APSchedulerWakeups:
    """One replaceable APScheduler date job on a background scheduler.

    APScheduler is imported when the first session is assembled, not at start-up (about
    90 ms of the window's cold start).
    """

    _JOB_ID = "ketaroom-wakeup"

    def __init__(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self._scheduler = BackgroundScheduler(
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone=timezone.utc,
        )
        self._scheduler.start()

    def wake_in(self, delay_s: float, callback: Callable[[], None]) -> None:
        run_date = datetime.now(timezone.utc) + timedelta(seconds=max(0.0, delay_s))
        self._scheduler.add_job(callback, "date", run_date=run_date, id=self._JOB_ID,
                                replace_existing=True)

    def cancel(self) -> None:
        if self._scheduler.get_job(self._JOB_ID) is not None:
            self._scheduler.remove_job(self._JOB_ID)

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)


class SessionRunner:
    """Turns intents and time into session events for its listeners.

    All methods must be called on the owner thread (the one ``post`` delivers to).
    """

    def __init__(self, session: Session, post: Post, wakeups: Wakeups) -> None:
        self.session = session
        self._post = post
        self._wakeups = wakeups
        self._event_listeners: list[EventListener] = []
        self._intent_listeners: list[IntentListener] = []

    def on_event(self, listener: EventListener) -> None:
        self._event_listeners.append(listener)

    def on_intent(self, listener: IntentListener) -> None:
        self._intent_listeners.append(listener)

    # -- intents -------------------------------------------------------------------

    def start(self) -> bool:
        return self._after(self.session.start())

    def pause(self) -> bool:
        return self._after(self.session.pause())

    def resume(self) -> bool:
        return self._after(self.session.resume())

    def next(self) -> bool:
        return self._after(self.session.next())

    def extend(self, seconds: float) -> bool:
        return self._after(self.session.extend(seconds))

    def stop(self) -> bool:
        return self._after(self.session.stop())

    def _after(self, intent: Intent | None) -> bool:
        if intent is None:
            return False
        for listener in self._intent_listeners:
            listener(intent)
        self.tick()
        return True

    # -- time --------------------------------------------------------------------------

    def tick(self) -> None:
        """Dispatch what is due and schedule the next wake-up. Idempotent."""
        for event in self.session.poll():
            for listener in self._event_listeners:
                try:
                    listener(event)
                except Exception:  # a broken listener must not stop the clock
                    log.exception("session event listener failed on %s", event.kind.value)
        self._reschedule()

    def _reschedule(self) -> None:
        due = self.session.next_wakeup()
        if due is None:
            self._wakeups.cancel()
            return
        delay = self.session.clock.real_delay(due - self.session.clock.now())
        self._wakeups.wake_in(delay, lambda: self._post(self.tick))

    def close(self) -> None:
        self._wakeups.shutdown()
