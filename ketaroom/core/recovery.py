"""Crash recovery, the pure part: rebuild a session's intents for a new process.

After a crash (kill -9, power cut) the journal still holds when the session started
(the wall time of its ``session_start`` event), every intent the clinician gave
(``intent`` events: kind, wall time, amount) and the last thing recorded before
the crash. The new process has its own session clock (see
:mod:`ketaroom.core.clock`), so every wall time is mapped onto it::

    clock = now_clock - (now_wall - wall) * speed

(``speed`` is the recorded session's speed: 1 for a real session, N for
``rehearse --speed N``). The result feeds :class:`~ketaroom.core.session.Session`
(``intents=``) and :func:`~ketaroom.core.timeline.timeline_at` unchanged.

Two ways to resume (:class:`RecoveryMode`):

* ``RUNNING`` — as if the app had kept running: the timeline stands where the plan
  says for the wall time that has passed (a session that was paused at the crash
  stays paused where it was);
* ``PAUSED`` — a PAUSE is added at the crash (the last recorded event's wall time),
  so the timeline stands exactly where it was when the app died.

Wall times are only trusted to order and space the intents: they are clamped so the
clock never goes backwards and nothing lands after ``now``. When the active session
time at the crash is known (``crashed_t``: the largest ``session_t`` recorded), the
PAUSE is placed no earlier than the moment the timeline reaches it, so a crash right
after a phase began never resumes in the phase before (recording lags the timeline by
a few milliseconds, which ``speed`` multiplies).

Pure: no Qt, no devices, no store.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from ketaroom.core.timeline import Intent, IntentKind

__all__ = ["RecoveryMode", "active_at", "rebuild_intents"]


class RecoveryMode(enum.Enum):
    RUNNING = "running"
    """Resume as if it kept running."""
    PAUSED = "paused"
    """Resume paused at the point of the crash."""


def _kind(name: str) -> IntentKind | None:
    try:
        return IntentKind(str(name).strip().lower())
    except ValueError:
        return None


def active_at(intents: Sequence[Intent], at: float) -> float:
    """Active (unpaused) seconds since START at clock time ``at``, from the intents alone.

    Ignores phase ends (it needs no preset); a STOP freezes it. 0 before START.
    """
    start: float | None = None
    paused_s = 0.0
    pause_began: float | None = None
    end: float | None = None
    for intent in intents:
        if intent.at > at:
            break
        if start is None:
            if intent.kind is IntentKind.START:
                start = intent.at
            continue
        if intent.kind is IntentKind.PAUSE and pause_began is None:
            pause_began = intent.at
        elif intent.kind is IntentKind.RESUME and pause_began is not None:
            paused_s += intent.at - pause_began
            pause_began = None
        elif intent.kind is IntentKind.STOP:
            end = intent.at
            break
    if start is None:
        return 0.0
    until = at if end is None else end
    if pause_began is not None:
        paused_s += until - pause_began
    return max(0.0, until - start - paused_s)


def _state_at_end(intents: Sequence[Intent]) -> tuple[bool, bool]:
    """(paused, stopped) after the last intent."""
    paused = stopped = False
    for intent in intents[1:]:
        if stopped:
            break
        if intent.kind is IntentKind.PAUSE:
            paused = True
        elif intent.kind is IntentKind.RESUME:
            paused = False
        elif intent.kind is IntentKind.STOP:
            stopped = True
    return paused, stopped


def rebuild_intents(
    start_wall: float,
    intents: Sequence[tuple[str, float, float]],
    *,
    now_clock: float,
    now_wall: float,
    crashed_wall: float,
    mode: RecoveryMode,
    speed: float = 1.0,
    crashed_t: float | None = None,
) -> list[Intent]:
    """The intents of an interrupted session on the new process's clock.

    ``start_wall``: epoch seconds of the session start. ``intents``: ``(kind,
    wall_epoch_s, amount_s)`` in journal order (kind as journaled: ``pause``,
    ``resume``, ``next``, ``extend``, ``stop``; unknown kinds and ``start`` are
    skipped). ``now_clock``/``now_wall``: the new clock and the wall clock read at
    the same moment. ``crashed_wall``: wall time of the last recorded event.
    ``speed``: session seconds per wall second of the recorded session.
    ``crashed_t`` (optional): active session seconds reached at the crash.

    The first intent returned is always START.
    """
    if speed <= 0:
        raise ValueError("speed must be positive")

    def to_clock(wall: float) -> float:
        return now_clock - (now_wall - wall) * speed

    start_at = min(to_clock(start_wall), now_clock)
    out: list[Intent] = [Intent(IntentKind.START, start_at)]
    last = start_at
    for name, wall, amount in intents:
        kind = _kind(name)
        if kind is None or kind is IntentKind.START:
            continue
        at = min(max(last, to_clock(float(wall))), now_clock)
        amount_s = float(amount or 0.0) if kind is IntentKind.EXTEND else 0.0
        out.append(Intent(kind, at, amount_s))
        last = at
    if mode is RecoveryMode.RUNNING:
        return out
    paused, stopped = _state_at_end(out)
    if paused or stopped:
        return out  # already frozen where it was
    crash_at = min(max(last, to_clock(crashed_wall)), now_clock)
    if crashed_t is not None:
        behind = crashed_t - active_at(out, crash_at)
        if behind > 0:
            crash_at = min(crash_at + behind, now_clock)
    out.append(Intent(IntentKind.PAUSE, crash_at))
    return out
