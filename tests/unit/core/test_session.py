"""Session intents, polling and desired device state, on a manual clock."""

from __future__ import annotations

from pathlib import Path

from ketaroom.core.clock import ManualClock
from ketaroom.core.preset import MusicSpec, Phase, Preset
from ketaroom.core.session import Session
from ketaroom.core.timeline import EventKind, Status
from tests.helpers.fakes import phase, preset


def test_intents_are_refused_in_the_wrong_state():
    session = Session(preset(phase("A", 60)), ManualClock())
    assert session.pause() is None
    assert session.start() is not None
    assert session.start() is None
    assert session.resume() is None
    assert session.pause() is not None
    assert session.pause() is None
    assert session.extend(0) is None
    assert session.extend(30) is not None
    assert [i.kind.value for i in session.intents] == ["start", "pause", "extend"]


def test_poll_returns_each_event_once_with_targets():
    music = MusicSpec((Path("/a.ogg"),), 90, 8, source="deep.m3u")
    p = Preset("p", (Phase("A", 60, music=music), phase("B", 60, brightness=20)),
               max_volume_pct=50, light_group="Room")
    clock = ManualClock(0)
    session = Session(p, clock)
    session.start()
    first = session.poll()
    assert [e.kind for e in first] == [EventKind.SESSION_START, EventKind.PHASE_START]
    assert first[1].music is not None and first[1].music.volume_pct == 50  # capped
    assert first[1].light is None
    assert session.poll() == []
    clock.advance(61)
    second = session.poll()
    assert [e.kind for e in second] == [EventKind.PHASE_START]
    assert second[0].music is not None and second[0].music.silent
    assert second[0].light is not None and second[0].light.brightness_pct == 20
    assert second[0].light.group == "Room"
    assert second[0].to_dict() == {"t": 60.0, "event": "phase_start", "phase_index": 1,
                                   "phase": "B"}
    assert session.desired_light(1) == second[0].light
    clock.advance(60)
    assert session.poll()[-1].kind is EventKind.SESSION_END
    assert session.state().status is Status.COMPLETED


def test_the_rooms_light_group_wins_over_the_presets():
    """Rooms own hardware, presets do not: the preset's group only stands in for a room
    that has none."""
    p = Preset("p", (phase("A", 60, brightness=30),), light_group="Treatment room")
    for room_group, expected in [("Behandlungsraum", "Behandlungsraum"), ("3", "3"),
                                 (None, "Treatment room"), ("  ", "Treatment room")]:
        session = Session(p, ManualClock(0), room_group=room_group)
        session.start()
        (light,) = [e.light for e in session.poll() if e.light is not None]
        assert light.group == expected, room_group
        assert session.desired_light(0) == light
    no_group = Preset("p", (phase("A", 60, brightness=30),))
    assert Session(no_group, ManualClock(0)).desired_light(0).group is None
