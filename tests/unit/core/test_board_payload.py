"""The board's message: built from plain values, read back defensively (pure)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ketaroom.core.board import (
    MAX_PAYLOAD_BYTES,
    RoomSnapshot,
    build_payload,
    encode,
    offline_payload,
    parse_broker,
    parse_payload,
    room_slug,
    significant,
    state_topic,
)

NOW = datetime(2026, 11, 30, 10, 30, 5, 250_000, tzinfo=timezone.utc)
CONTRACT_FIELDS = {"room", "status", "preset", "patient", "phase", "phase_index",
                   "phase_remaining_s", "session_elapsed_s", "cues_due", "lights", "music",
                   "updated_at"}


def running() -> RoomSnapshot:
    return RoomSnapshot("Room 2 (garden)", "running", preset="IV infusion 40",
                        patient="PT-0042", phase="Onset", phase_index=1,
                        phase_remaining_s=312.44, session_elapsed_s=488.0,
                        cues_due=("Check blood pressure",), lights="ok", music="ok")


def test_payload_has_every_contract_field_in_json_types():
    payload = json.loads(encode(build_payload(running(), NOW)))
    assert set(payload) >= CONTRACT_FIELDS
    assert payload["status"] == "running" and payload["patient"] == "PT-0042"
    assert payload["phase_remaining_s"] == 312.4 and payload["cues_due"] == [
        "Check blood pressure"]
    assert payload["updated_at"] == "2026-11-30T10:30:05.250Z"


def test_unknown_status_is_refused_when_building():
    with pytest.raises(ValueError):
        build_payload(RoomSnapshot("A", "asleep"), NOW)


def test_last_will_says_offline():
    will = offline_payload("A", NOW)
    assert set(will) >= CONTRACT_FIELDS and will["status"] == "offline"
    assert will["patient"] is None and will["cues_due"] == []


def test_clock_fields_alone_are_not_a_change():
    a = build_payload(running(), NOW)
    later = RoomSnapshot(**{**running().__dict__, "phase_remaining_s": 100.0,
                            "session_elapsed_s": 700.0})
    assert significant(a) == significant(build_payload(later, NOW))
    moved = RoomSnapshot(**{**running().__dict__, "phase": "Peak", "phase_index": 2})
    assert significant(a) != significant(build_payload(moved, NOW))


@pytest.mark.parametrize(("name", "slug"), [
    ("Room 2 (garden)", "room-2-garden"), ("A", "a"), ("Zimmer Ölbaum", "zimmer-olbaum"),
    ("#/+", "room"), ("", "room")])
def test_slug_is_one_safe_topic_level(name, slug):
    assert room_slug(name) == slug
    assert state_topic(name) == f"ketaroom/rooms/{slug}/state"


@pytest.mark.parametrize(("text", "host", "port"), [
    ("127.0.0.1:1884", "127.0.0.1", 1884), ("broker.clinic", "broker.clinic", 1883),
    ("[::1]:2000", "::1", 2000), ("[::1]", "::1", 1883)])
def test_broker_address(text, host, port):
    address = parse_broker(text)
    assert (address.host, address.port) == (host, port)


@pytest.mark.parametrize("text", ["", ":1883", "host:0", "host:99999", "host:x", "[::1]x"])
def test_bad_broker_address(text):
    with pytest.raises(ValueError):
        parse_broker(text)


def test_round_trip():
    message = parse_payload(state_topic("Room 2 (garden)"), encode(build_payload(running(), NOW)))
    assert message is not None
    assert (message.slug, message.room, message.status) == ("room-2-garden", "Room 2 (garden)",
                                                            "running")
    assert message.cues_due == ("Check blood pressure",) and message.updated_at == NOW


@pytest.mark.parametrize(("topic", "body"), [
    ("ketaroom/rooms/a/state", b"\xff\xfe garbage"),
    ("ketaroom/rooms/a/state", b"[1, 2]"),
    ("ketaroom/rooms/a/state", b'{"status": "asleep"}'),
    ("ketaroom/rooms/a/state", b'{"status": 3}'),
    ("ketaroom/rooms/a/state", b"[" * 100_00 + b"]" * 100_00),
    ("ketaroom/rooms/a/state", b'{"status": "running", "x": "' + b"y" * MAX_PAYLOAD_BYTES + b'"}'),
    ("ketaroom/rooms/a/other", b'{"status": "running"}'),
    ("ketaroom/rooms/A B/state", b'{"status": "running"}'),
    ("ketaroom/hello", b'{"status": "running"}'),
])
def test_hostile_messages_are_not_rooms(topic, body):
    assert parse_payload(topic, body) is None


def test_wrong_types_are_dropped_not_trusted():
    body = json.dumps({"status": "running", "room": 7, "patient": {"name": "x"},
                       "phase_index": True, "phase_remaining_s": "soon",
                       "session_elapsed_s": -5,
                       "cues_due": ["ok", 3, None, "z" * 500], "lights": ["bad"],
                       "updated_at": "yesterday"}).encode()
    message = parse_payload("ketaroom/rooms/a/state", body)
    assert message is not None
    assert message.room == "a" and message.patient is None and message.phase_index is None
    assert message.phase_remaining_s is None and message.session_elapsed_s is None
    assert message.cues_due == ("ok", "z" * 120) and message.lights == "unknown"
    assert message.updated_at is None
