"""The settings file: room profiles, migration of single-room files, calm fallbacks."""

from __future__ import annotations

import json
import stat
from dataclasses import replace

import pytest

from ketaroom.core.vitals import VitalLimits
from ketaroom.settings import (
    BridgeSettings,
    RoomProfile,
    Settings,
    load_settings,
    save_settings,
)
from ketaroom.store.paths import settings_path


def test_round_trip_is_private(tmp_path) -> None:
    settings = Settings(room_name="Room 2", bridge=BridgeSettings("10.0.0.5", "abc", "3"),
                        max_volume_pct=55, extend_step_min=10,
                        vital_limits=VitalLimits(sys_max=170))
    path = save_settings(tmp_path, settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings(tmp_path) == settings


def test_missing_file_means_demo_defaults(tmp_path) -> None:
    settings = load_settings(tmp_path)
    assert settings.bridge is None and settings.problem is None


@pytest.mark.parametrize("text, expected", [
    ("{not json", "not valid JSON"),
    ('{"max_volume": 400, "bridge": {"address": 5}}', "bridge, max_volume"),
    ("[]", "not a JSON object"),
])
def test_damaged_file_falls_back_calmly(tmp_path, text: str, expected: str) -> None:
    settings_path(tmp_path).write_text(text, encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.problem is not None and expected in settings.problem
    assert settings.max_volume_pct == Settings().max_volume_pct


def test_unknown_vital_limit_keys_are_reported(tmp_path) -> None:
    settings_path(tmp_path).write_text(json.dumps({"vital_limits": {"sys_max": 175, "x": 1}}),
                                       encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.vital_limits.sys_max == 175
    assert settings.problem is not None and "vital_limits" in settings.problem


# -- room profiles -----------------------------------------------------------------------------

OLD_SINGLE_ROOM = {
    "room_name": "Room 3",
    "bridge": {"address": "10.0.0.7:8080", "username": "u1", "group": "2"},
    "max_volume": 65,
    "default_preset": "demo-3min.yaml",
    "extend_step_min": 10,
    "audio": "dummy",
    "vital_limits": {"sys_max": 170},
}


def test_old_single_room_file_migrates_on_read(tmp_path) -> None:
    settings_path(tmp_path).write_text(json.dumps(OLD_SINGLE_ROOM), encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.problem is None
    assert [room.name for room in settings.rooms] == ["Room 3"]
    assert settings.current_room == "Room 3" and settings.room_name == "Room 3"
    assert settings.bridge == BridgeSettings("10.0.0.7:8080", "u1", "2")
    assert settings.max_volume_pct == 65 and settings.default_preset == "demo-3min.yaml"
    assert settings.audio == "dummy" and settings.audio_device is None
    assert settings.extend_step_min == 10 and settings.vital_limits.sys_max == 170


def test_rooms_round_trip_and_keep_a_top_level_copy_for_older_versions(tmp_path) -> None:
    rooms = (RoomProfile("Room 1"),
             RoomProfile("Room 2", BridgeSettings("10.0.0.9", "u2", "1"), 50, "im-ketamine.yaml",
                         "default", "alsa/hw:1"))
    settings = Settings(rooms=rooms, current_room="Room 2", extend_step_min=3)
    path = save_settings(tmp_path, settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_settings(tmp_path)
    assert loaded == settings and loaded.problem is None
    assert loaded.room == rooms[1] and loaded.audio_device == "alsa/hw:1"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 2 and data["room_name"] == "Room 2" and data["max_volume"] == 50
    # the old reader's view of this file is this PC's room
    legacy = {k: v for k, v in data.items() if k not in ("rooms", "current_room", "version")}
    assert Settings.from_json(legacy).room == replace(rooms[1], audio_device=None)


def test_single_room_keywords_describe_the_current_room() -> None:
    two = Settings(rooms=(RoomProfile("A"), RoomProfile("B")), current_room="B")
    changed = replace(two, max_volume_pct=30, room_name="B2")
    assert [r.name for r in changed.rooms] == ["A", "B2"] and changed.current_room == "B2"
    assert changed.max_volume_pct == 30 and changed.rooms[0].max_volume_pct == 80
    assert Settings().rooms == (RoomProfile(),)


@pytest.mark.parametrize("data, expected", [
    ({"rooms": [{"name": "A"}, {"name": "A"}], "current_room": "A"}, "repeated names"),
    ({"rooms": [{"name": "A", "max_volume": -1}, 7], "current_room": "A"},
     "rooms[0].max_volume, rooms[1]"),
    ({"rooms": [{"name": "A"}], "current_room": "Nowhere"}, "current_room"),
    ({"rooms": "A"}, "rooms"),
    ({"rooms": [{"name": "A", "audio": "loud"}]}, "rooms[0].audio"),
])
def test_damaged_rooms_fall_back_calmly(data: dict, expected: str) -> None:
    settings = Settings.from_json(data)
    assert settings.problem is not None and expected in settings.problem
    assert settings.current_room in {room.name for room in settings.rooms}
    assert len({room.name for room in settings.rooms}) == len(settings.rooms)
