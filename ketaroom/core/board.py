"""The nurse-station board's message: one room's state, as a pure JSON object.

A contract (design.md, "Nurse-station board over MQTT"): topic
``ketaroom/rooms/<room-slug>/state``, retained, QoS 1; the object has at least ``room``,
``status``, ``preset``, ``patient`` (the code, never a name), ``phase``, ``phase_index``,
``phase_remaining_s``, ``session_elapsed_s``, ``cues_due``, ``lights``, ``music`` and
``updated_at`` (ISO 8601 UTC). We add ``speed`` (session seconds per real second: 1, or a
rehearsal's ``--speed``) so the board's clocks count at the room's pace.

This module builds that object from plain values (:func:`build_payload`), says which
changes are worth a message (:func:`significant`), and reads one back defensively for
the board (:func:`parse_payload`): a message on the wire is untrusted, so every field is
checked and clipped, and anything unusable becomes ``None`` rather than an exception.
No Qt, no MQTT here.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

TOPIC_ROOT = "ketaroom/rooms"
STATE_FILTER = f"{TOPIC_ROOT}/+/state"
"""What the board subscribes to: every room's state topic."""
STATUSES = ("idle", "running", "paused", "emergency", "ended", "offline")
MAX_PAYLOAD_BYTES = 16_384
"""A room's state is well under 2 kB; anything larger than this is refused unread."""
MAX_TEXT = 120
"""Longest text kept from a message (room, preset, phase, a cue prompt, a health word)."""
MAX_CUES = 20
"""Most cue prompts kept from a message."""
HEARTBEAT_S = 4.0
"""A running room publishes at least this often (the contract says at least every 5 s)."""
TIME_FIELDS = ("phase_remaining_s", "session_elapsed_s", "updated_at")
"""Fields that move with the clock: a change in them alone is not a change of state."""


DEFAULT_PORT = 1883
DEFAULT_TLS_PORT = 8883


@dataclass(frozen=True)
class BrokerAddress:
    """Where the clinic's MQTT broker listens, and how to log in (all optional)."""

    host: str
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    """A CA bundle to check the broker's certificate (None: the system's)."""


def parse_broker(text: str, *, tls: bool = False) -> BrokerAddress:
    """``HOST[:PORT]`` (``[::1]:1883`` for IPv6) as a :class:`BrokerAddress`.

    Raises ValueError with a readable message for an empty host or a bad port.
    """
    text = text.strip()
    default = DEFAULT_TLS_PORT if tls else DEFAULT_PORT
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            raise ValueError(f"not HOST[:PORT]: {text!r}")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"no broker host in {text!r}")
    if not port_text:
        return BrokerAddress(host, default, tls=tls)
    if not port_text.isdigit() or not 0 < int(port_text) < 65_536:
        raise ValueError(f"not a port number: {port_text!r}")
    return BrokerAddress(host, int(port_text), tls=tls)


def room_slug(name: str) -> str:
    """The topic level for a room name: lower-case ASCII letters, digits and ``-``.

    ``"Room 2 (garden)"`` → ``room-2-garden``; never empty, never a wildcard or a ``/``.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64].strip("-") or "room"


def state_topic(room: str) -> str:
    """The state topic of the room named ``room``."""
    return f"{TOPIC_ROOT}/{room_slug(room)}/state"


def utc_iso(moment: datetime) -> str:
    """``moment`` as ISO 8601 UTC with milliseconds and a ``Z``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@dataclass(frozen=True)
class RoomSnapshot:
    """What a room says about itself at one moment, in plain values."""

    room: str
    status: str
    """One of :data:`STATUSES`."""
    preset: str | None = None
    patient: str | None = None
    """The patient's code (``PT-0042``) or None: never a name."""
    phase: str | None = None
    phase_index: int | None = None
    phase_remaining_s: float | None = None
    """None for an open phase waiting for Next, or when no phase runs."""
    session_elapsed_s: float | None = None
    cues_due: Sequence[str] = ()
    """Prompts of the cues shown and not yet acknowledged, oldest first."""
    lights: str = "unknown"
    """The lights' health word (``ok``, ``degraded``, ``unreachable``, ``off``…)."""
    music: str = "unknown"
    """The music's health word."""
    speed: float = 1.0
    """Session seconds per real second (above 1 only in ``rehearse --speed``)."""


def build_payload(snapshot: RoomSnapshot, now: datetime) -> dict[str, Any]:
    """The contract's JSON object for ``snapshot`` at ``now`` (an aware datetime)."""
    if snapshot.status not in STATUSES:
        raise ValueError(f"unknown room status {snapshot.status!r}")

    def seconds(value: float | None) -> float | None:
        return None if value is None else round(max(0.0, value), 1)

    return {
        "room": snapshot.room,
        "status": snapshot.status,
        "preset": snapshot.preset,
        "patient": snapshot.patient,
        "phase": snapshot.phase,
        "phase_index": snapshot.phase_index,
        "phase_remaining_s": seconds(snapshot.phase_remaining_s),
        "session_elapsed_s": seconds(snapshot.session_elapsed_s),
        "cues_due": list(snapshot.cues_due),
        "lights": snapshot.lights,
        "music": snapshot.music,
        "speed": snapshot.speed,
        "updated_at": utc_iso(now),
    }


def offline_payload(room: str, now: datetime) -> dict[str, Any]:
    """The last will: the room is gone (``status: "offline"``), nothing else is known."""
    return build_payload(RoomSnapshot(room, "offline"), now)


def significant(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` without the fields that move with the clock (:data:`TIME_FIELDS`)."""
    return {k: v for k, v in payload.items() if k not in TIME_FIELDS}


def encode(payload: Mapping[str, Any]) -> bytes:
    """The message body: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- reading a message (the board) ---------------------------------------------------------


@dataclass(frozen=True)
class RoomMessage:
    """A room's state as the board trusts it: every field checked."""

    slug: str
    room: str
    status: str
    preset: str | None
    patient: str | None
    phase: str | None
    phase_index: int | None
    phase_remaining_s: float | None
    session_elapsed_s: float | None
    cues_due: tuple[str, ...]
    lights: str
    music: str
    updated_at: datetime | None
    """When the room sent it (None when missing or unreadable)."""
    speed: float = 1.0
    """Session seconds per real second (1 when missing or unreadable)."""


def slug_of(topic: str) -> str | None:
    """The room slug of a state topic, None for any other topic."""
    parts = topic.split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != TOPIC_ROOT or parts[3] != "state":
        return None
    return parts[2] if parts[2] and room_slug(parts[2]) == parts[2] else None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    clean = "".join(c for c in value if c.isprintable()).strip()
    return clean[:MAX_TEXT] or None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0 <= value < 10 * 86_400 else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo is not None else None


def parse_payload(topic: str, body: bytes) -> RoomMessage | None:
    """``body`` on ``topic`` as a :class:`RoomMessage`, or None when it is not one.

    Refuses other topics, bodies over :data:`MAX_PAYLOAD_BYTES`, anything that is not a
    JSON object, and an unknown ``status``; other fields of the wrong type or out of
    range are dropped (None, or ``unknown`` for a health word), texts are clipped.
    """
    slug = slug_of(topic)
    if slug is None or len(body) > MAX_PAYLOAD_BYTES:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("status") not in STATUSES:
        return None
    index = data.get("phase_index")
    cues = data.get("cues_due")
    prompts = tuple(p for p in (_text(c) for c in cues[:MAX_CUES]) if p is not None) \
        if isinstance(cues, list) else ()
    return RoomMessage(
        slug=slug,
        room=_text(data.get("room")) or slug,
        status=data["status"],
        preset=_text(data.get("preset")),
        patient=_text(data.get("patient")),
        phase=_text(data.get("phase")),
        phase_index=index if isinstance(index, int) and not isinstance(index, bool)
        and 0 <= index < 10_000 else None,
        phase_remaining_s=_seconds(data.get("phase_remaining_s")),
        session_elapsed_s=_seconds(data.get("session_elapsed_s")),
        cues_due=prompts,
        lights=_text(data.get("lights")) or "unknown",
        music=_text(data.get("music")) or "unknown",
        updated_at=_when(data.get("updated_at")),
        speed=speed if (speed := _seconds(data.get("speed"))) and speed <= 1e6 else 1.0,
    )
