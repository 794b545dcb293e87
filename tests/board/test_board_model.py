"""What the board's tiles say, from messages (pure: no Qt, no broker)."""

from __future__ import annotations

from datetime import datetime, timezone

from ketaroom.board.model import MAX_ROOMS, BoardModel
from ketaroom.core.board import RoomSnapshot, build_payload, encode, parse_payload, state_topic

T0 = 1_800_000_000.0


def message(room: str, status: str, *, sent: float = T0, **fields):
    snapshot = RoomSnapshot(room, status, **fields)
    body = encode(build_payload(snapshot, datetime.fromtimestamp(sent, timezone.utc)))
    parsed = parse_payload(state_topic(room), body)
    assert parsed is not None
    return parsed


def test_rooms_come_in_order_of_urgency():
    model = BoardModel()
    for m in (message("Idle", "idle"), message("Gone", "offline"),
              message("Paused", "paused", phase="P"), message("Run", "running", phase="R"),
              message("Cue", "running", phase="C", cues_due=("Vitals",)),
              message("Help", "emergency"), message("Done", "ended")):
        model.apply(m, T0, retained=False)
    assert model.ordered() == ["help", "cue", "run", "paused", "gone", "done", "idle"]


def test_time_left_counts_down_from_updated_at_while_running_only():
    model = BoardModel()
    model.apply(message("A", "running", phase="Onset", phase_remaining_s=100,
                        session_elapsed_s=50), T0, retained=False)
    text = model.text("a", T0 + 30)
    assert (text.remaining, text.elapsed) == ("01:10", "session 01:20")
    assert model.text("a", T0 + 500).remaining == "00:00"
    model.apply(message("A", "paused", phase="Onset", phase_remaining_s=70,
                        session_elapsed_s=80, sent=T0 + 30), T0 + 30, retained=False)
    assert model.text("a", T0 + 90).remaining == "01:10", "a paused clock stands still"


def test_offline_says_since_when_and_keeps_the_first_moment():
    model = BoardModel()
    model.apply(message("A", "running", phase="Onset"), T0, retained=False)
    model.apply(message("A", "offline", sent=T0 - 3600), T0 + 10, retained=False)
    model.apply(message("A", "offline", sent=T0 - 3600), T0 + 20, retained=True)
    text = model.text("a", T0 + 10 + 600)
    expected = datetime.fromtimestamp(T0 + 10).strftime("%H:%M")
    assert text.status == f"OFFLINE\nsince {expected} (10 min)" and text.kind == "offline"
    assert text.phase == "" and text.remaining == ""


def test_a_live_room_gone_silent_says_so():
    model = BoardModel()
    model.apply(message("A", "running", phase="Onset", phase_remaining_s=100), T0,
                retained=False)
    assert model.text("a", T0 + 5).stale == ""
    assert model.text("a", T0 + 30).stale.startswith("no news since")


def test_cues_and_health_words():
    model = BoardModel()
    model.apply(message("A", "running", phase="Onset", cues_due=("Vitals", "Water", "BP"),
                        lights="unreachable", music="ok"), T0, retained=False)
    text = model.text("a", T0)
    assert (text.next_cue, text.waiting) == ("Vitals", "+2 waiting")
    assert text.health == "lights unreachable · music ok" and not text.health_ok


def test_the_board_does_not_grow_without_bound():
    model = BoardModel()
    for i in range(MAX_ROOMS + 10):
        model.apply(message(f"R{i}", "idle"), T0, retained=False)
    assert len(model) == MAX_ROOMS and model.ignored == 10
