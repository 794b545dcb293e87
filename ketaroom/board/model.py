"""What the board knows about each room, and what a tile says (no Qt, no MQTT).

:class:`BoardModel` keeps the latest trusted message of every room
(:class:`~ketaroom.core.board.RoomMessage`, with when it arrived) and answers, for any
moment, the words and numbers a tile shows (:class:`TileText`): the time left in the
phase and the session's elapsed time count on locally from the message's
``updated_at``, an offline room says since when, and rooms come in order of urgency
(emergency, cues due, running, paused, offline, idle or ended).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketaroom.core.board import HEARTBEAT_S, RoomMessage
from ketaroom.core.durations import format_clock

MAX_ROOMS = 64
"""Rooms the board keeps; messages about further slugs are ignored (a flood of made-up
rooms on the broker cannot grow the board without bound)."""
STALE_S = 3 * HEARTBEAT_S
"""A live room silent for this long says "no news since…" (its will has not come)."""
LIVE = ("running", "paused", "emergency")
"""Statuses whose clocks count on and whose silence is news."""

URGENCY = ("emergency", "cues", "running", "paused", "offline", "quiet")
"""Tile kinds, most urgent first; ``quiet`` is idle or ended (faded back)."""


def kind_of(message: RoomMessage) -> str:
    """The tile kind (one of :data:`URGENCY`) of a room in ``message``'s state."""
    if message.status == "emergency":
        return "emergency"
    if message.status in ("running", "paused") and message.cues_due:
        return "cues"
    if message.status in ("running", "paused", "offline"):
        return message.status
    return "quiet"


@dataclass(frozen=True)
class Entry:
    """A room's latest message and when (and how) it reached the board."""

    message: RoomMessage
    received_at: float
    """``time.time()`` at arrival."""
    offline_since: float | None = None
    """For an offline room: since when (``time.time()``)."""


@dataclass(frozen=True)
class TileText:
    """Everything a tile shows, as text (empty when there is nothing to say)."""

    slug: str
    kind: str
    room: str
    status: str
    """The status line: ``RUNNING``, ``EMERGENCY``, ``OFFLINE since 10:42 (12 min)``…"""
    patient: str
    phase: str
    remaining: str
    """Time left in the phase (``4:32``), ``open`` for an open phase, else empty."""
    elapsed: str
    next_cue: str
    waiting: str
    """``+2 cues waiting`` when more than the next one wait."""
    health: str
    health_ok: bool
    stale: str
    """``no news since 10:41`` for a live room gone silent, else empty."""


def _clock(seconds: float) -> str:
    return format_clock(max(0.0, seconds))


def _local(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%H:%M")


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


class BoardModel:
    """Every room's latest state. Not thread-safe: feed it from one thread."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self.ignored = 0
        """Messages refused because the board is full of rooms already."""

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, slug: str) -> Entry | None:
        return self._entries.get(slug)

    def apply(self, message: RoomMessage, received_at: float, retained: bool) -> bool:
        """Take a room's new state. True when it was taken; the previous kind is
        compared by the caller through :meth:`entry` if it needs to (the chime)."""
        before = self._entries.get(message.slug)
        if before is None and len(self._entries) >= MAX_ROOMS:
            self.ignored += 1
            return False
        since = None
        if message.status == "offline":
            if before is not None and before.offline_since is not None:
                since = before.offline_since
            elif retained and message.updated_at is not None:
                since = min(received_at, message.updated_at.timestamp())
            else:
                since = received_at
        self._entries[message.slug] = Entry(message, received_at, since)
        return True

    def ordered(self) -> list[str]:
        """Room slugs, most urgent first (then by room name)."""
        return sorted(self._entries, key=lambda slug: (
            URGENCY.index(kind_of(self._entries[slug].message)),
            self._entries[slug].message.room.casefold(), slug))

    def text(self, slug: str, now: float) -> TileText:
        """What room ``slug``'s tile says at ``now`` (``time.time()``)."""
        entry = self._entries[slug]
        m = entry.message
        kind = kind_of(m)
        sent = m.updated_at.timestamp() if m.updated_at is not None else entry.received_at
        age = max(0.0, now - sent) * m.speed
        moving = m.status == "running"
        remaining = ""
        elapsed = ""
        if m.status in LIVE:
            if m.phase_remaining_s is not None:
                remaining = _clock(m.phase_remaining_s - (age if moving else 0.0))
            elif m.phase is not None:
                remaining = "open"
            if m.session_elapsed_s is not None:
                elapsed = f"session {_clock(m.session_elapsed_s + (age if moving else 0.0))}"
        elif m.status == "ended" and m.session_elapsed_s is not None:
            elapsed = f"session {_clock(m.session_elapsed_s)}"
        if m.status == "offline":
            since = entry.offline_since if entry.offline_since is not None else entry.received_at
            status = f"OFFLINE\nsince {_local(since)} ({_span(now - since)})"
        elif m.status == "emergency":
            status = "EMERGENCY"
        else:
            status = m.status.upper()
        cues = m.cues_due
        health_ok = m.lights in ("ok", "unknown") and m.music in ("ok", "unknown")
        return TileText(
            slug=slug, kind=kind, room=m.room, status=status,
            patient=m.patient or "",
            phase=(m.phase or "") if m.status not in ("offline", "idle") else "",
            remaining=remaining, elapsed=elapsed,
            next_cue=cues[0] if cues and m.status in LIVE else "",
            waiting=f"+{len(cues) - 1} waiting" if len(cues) > 1 and m.status in LIVE else "",
            health=f"lights {m.lights} · music {m.music}" if m.status != "offline" else "",
            health_ok=health_ok,
            stale=(f"no news since {_local(sent)}"
                   if m.status in LIVE and now - entry.received_at > STALE_S
                   else ""),
        )
