"""The controller honours the patient's preferences and says so: a ``preferences`` entry
at the start, one per phase whose music lost a track, the music panel's line, the
clinician's own playlist choice, and crash recovery (the recorded preferences come back)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.clock import ManualClock
from ketaroom.core.preferences import PatientPreferences
from ketaroom.core.preset import LightSpec, MusicSpec, Phase, Preset
from ketaroom.core.recovery import RecoveryMode
from ketaroom.core.session import Session
from ketaroom.session.controller import SessionController
from ketaroom.session.devices import RoomDevices
from ketaroom.session.recorder import SessionRecorder
from ketaroom.session.recovery import load_interrupted, plan_recovery
from ketaroom.session.runner import SessionRunner
from ketaroom.store.journal import Journal
from tests.helpers.fakes import ManualWakeups

PREFS = PatientPreferences(volume_pct=30, never_play=("rain", "drums.m3u"), warmer_k=200,
                           dimmer_pct=10)


@pytest.fixture
def tracks(tmp_path: Path) -> tuple[Path, ...]:
    out = []
    for name in ("ocean.ogg", "rain.ogg"):
        (tmp_path / name).write_bytes(b"OggS and more")
        out.append(tmp_path / name)
    return tuple(out)


@pytest.fixture
def rig(tmp_path: Path, tracks: tuple[Path, ...]
        ) -> Iterator[tuple[SessionController, list[dict[str, Any]], ManualClock, Journal]]:
    clock = ManualClock(0)
    p = Preset("p", (
        Phase("Arrive", 60, music=MusicSpec(tracks, 40, 8, source="calm.m3u"),
              light=LightSpec(50, 10, 2700)),
        Phase("Journey", 60, music=MusicSpec(tracks, 20, 8, source="drums.m3u"))))
    runner = SessionRunner(Session(p, clock, preferences=PREFS), post=lambda fn: fn(),
                           wakeups=ManualWakeups(clock))
    room = RoomDevices(lambda fn: fn(), audio="none")
    journal = Journal(tmp_path / "sessions.sqlite3")
    recorder = SessionRecorder(journal, synchronous=True)
    recorder.begin(p, room="test")
    records: list[dict[str, Any]] = []
    controller = SessionController(runner, room, recorder, emit=records.append)
    runner.start()
    yield controller, records, clock, journal
    room.close()
    journal.close()


def prefs_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["event"] == "preferences"]


def test_the_start_and_each_phase_say_what_the_preferences_did(rig, tracks) -> None:
    controller, records, clock, _journal = rig
    said = prefs_records(records)
    assert said[0]["message"] == ("Patient preferences: comfortable volume 30 % · never "
                                  "play: rain, drums.m3u · 200 K warmer · 10 % dimmer")
    assert said[1]["withheld"] == ["rain.ogg"] and not said[1]["whole_playlist"]
    assert controller.music_note == "Skipped 1 track this patient asked not to hear"
    status = controller.room.player.status()
    assert status.track == tracks[0] and status.target_pct == 30.0
    music = next(r for r in records if r["event"] == "music")
    assert (music["tracks"], music["volume"]) == (["ocean.ogg"], 30.0)
    light = next(r for r in records if r["event"] == "light")
    assert (light["brightness"], light["kelvin"]) == (50, 2500)  # the only lit phase: floor

    clock.advance(60)
    controller.runner.tick()
    said = prefs_records(records)
    assert said[-1]["whole_playlist"] and said[-1]["playlist"] == "drums.m3u"
    assert controller.music_note == ("Playlist drums.m3u is on this patient's never-play "
                                      "list — silence instead")
    assert controller.room.player.status().track is None


def test_a_chosen_playlist_on_the_list_is_not_switched_to(rig, tracks, tmp_path) -> None:
    controller, records, _clock, _journal = rig
    drums = tmp_path / "drums.m3u"
    drums.write_text("ocean.ogg\n", encoding="utf-8")
    controller.choose_playlist(drums)
    assert controller.room.player.status().playlist_label == "calm.m3u"  # goes on
    assert controller.music_note == ("Playlist drums.m3u is on this patient's never-play "
                                      "list — not played")
    evening = tmp_path / "evening.m3u"
    evening.write_text("rain.ogg\nocean.ogg\n", encoding="utf-8")
    controller.choose_playlist(evening)
    status = controller.room.player.status()
    assert (status.playlist_label, status.track) == ("evening.m3u", tracks[0])
    assert prefs_records(records)[-1]["manual"] is True
    assert prefs_records(records)[-1]["withheld"] == ["rain.ogg"]


def test_a_resumed_session_honours_the_preferences_it_started_with(rig, tracks) -> None:
    controller, _records, _clock, journal = rig
    session_id = controller.recorder.session_id
    assert session_id is not None
    with journal._write() as conn:  # its process is gone
        conn.execute("UPDATE sessions SET pid = 999999999 WHERE id = ?", (session_id,))
    interrupted = load_interrupted(journal, session_id)
    assert interrupted.preferences == PREFS
    preset = controller.session.preset  # built in code: no YAML in the record to reload
    plan = plan_recovery(replace(interrupted, preset=preset, error=None),
                         RecoveryMode.RUNNING, ManualClock(0))
    assert plan.music is not None and plan.music.tracks == (tracks[0],)
    assert plan.music.volume_pct == 30.0
