"""The settings file: room profiles, migration of single-room files, calm fallbacks."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ketaroom.core.vitals import VitalLimits
from ketaroom.store.paths import settings_path
from ketaroom.store.settings import (
    BridgeSettings,
    RoomProfile,
    Settings,
    load_settings,
    save_settings,
)
from tests.helpers.blocking import finishes


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


# -- hostile files -----------------------------------------------------------------------------


def test_a_huge_integer_falls_back_for_that_value_only(tmp_path) -> None:
    text = '{"max_volume": 1%s, "extend_step_min": 10}' % ("0" * 5000)
    settings_path(tmp_path).write_text(text, encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.problem is not None and "max_volume" in settings.problem
    assert settings.max_volume_pct == Settings().max_volume_pct
    assert settings.extend_step_min == 10
    assert settings_path(tmp_path).read_text(encoding="utf-8") == text  # kept as written


@pytest.mark.parametrize("text, bad", [
    ('{"max_volume": NaN}', "max_volume"),
    ('{"extend_step_min": Infinity}', "extend_step_min"),
    ('{"retention_days": 1e400}', "retention_days"),
    ('{"vital_limits": {"sys_max": 99999999999999999999}}', "vital_limits"),
    ('{"room_name": "\\ud800"}', "room_name"),
    ('{"bridge": {"address": "h", "username": "u", "group": {"a": [1]}}}', "bridge.group"),
    ('{"rooms": [{"name": "A", "bridge": {"address": ["x"], "username": "u"}}]}',
     "rooms[0].bridge"),
])
def test_malformed_values_get_the_banner_and_their_default(tmp_path, text: str, bad: str) -> None:
    settings_path(tmp_path).write_text(text, encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.problem is not None and bad in settings.problem
    save_settings(tmp_path / "copy", settings)  # what was kept can be written back


def test_many_rooms_with_one_name_are_numbered_in_order() -> None:
    rooms = [RoomProfile("A"), RoomProfile("A (3)")] + [RoomProfile("A")] * 3_000
    names = [room.name for room in Settings(rooms=rooms).rooms]
    assert names[:5] == ["A", "A (3)", "A (2)", "A (4)", "A (5)"]
    assert len(set(names)) == len(names) and names[-1] == "A (3002)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_settings_file_does_not_hang(tmp_path) -> None:
    os.mkfifo(settings_path(tmp_path))
    settings = finishes(lambda: load_settings(tmp_path))
    assert settings.problem is not None and "FIFO" in settings.problem
    assert settings == Settings()


def test_an_oversized_settings_file_is_not_read(tmp_path) -> None:
    settings_path(tmp_path).write_text(" " * (2 * 1024 * 1024) + "{}", encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.problem is not None and "too large" in settings.problem


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
_KEYS = ("version", "current_room", "rooms", "extend_step_min", "vital_limits",
         "retention_days", "room_name", "bridge", "max_volume", "default_preset", "audio",
         "audio_device", "name", "address", "username", "group", "sys_max", "hr_min")
_SETTINGS_LIKE = st.recursive(
    _JSON,
    lambda children: st.dictionaries(st.sampled_from(_KEYS), children, max_size=8)
    | st.lists(st.dictionaries(st.sampled_from(_KEYS), children, max_size=6), max_size=3),
    max_leaves=30,
)


@hypothesis_settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_SETTINGS_LIKE | st.dictionaries(st.sampled_from(_KEYS), _SETTINGS_LIKE),
       huge=st.booleans())
def test_any_json_loads_calmly_and_is_kept(tmp_path, data, huge: bool) -> None:
    text = json.dumps(data)
    if huge:  # an integer Python will not convert, wherever a number could go
        text = text.replace("0", "9" * 5000, 1) if "0" in text else text
    path = settings_path(tmp_path)
    path.write_text(text, encoding="utf-8")
    settings = load_settings(tmp_path)
    assert isinstance(settings, Settings)
    assert settings.current_room in {room.name for room in settings.rooms}
    assert 0 <= settings.max_volume_pct <= 100
    save_settings(tmp_path / "copy", settings)
    assert path.read_text(encoding="utf-8") == text


def test_rooms_beyond_the_limit_are_ignored_with_the_banner() -> None:
    settings = Settings.from_json({"rooms": [{"name": f"R{i}"} for i in range(5000)]})
    assert len(settings.rooms) == 100 and settings.rooms[-1].name == "R99"
    assert settings.problem is not None and "rooms after the first 100" in settings.problem


def test_the_board_broker_round_trips_and_bad_values_are_said(tmp_path) -> None:
    from ketaroom.store.settings import BoardBroker

    settings = Settings(room_name="Room 2", board=BoardBroker("mq:1884", "r2", "pw", True))
    path = save_settings(tmp_path, settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings(tmp_path).board == settings.board
    assert Settings.from_json({"board": {"address": 5}}).problem is not None
    assert Settings.from_json({"board": {"address": "mq", "tls": "yes"}}).board == BoardBroker(
        "mq")


def test_the_clinic_dose_limits_round_trip_and_bad_values_keep_their_default(
        tmp_path) -> None:
    from ketaroom.core.clinical import DEFAULT_MG_PER_KG, DoseLimits

    assert Settings().dose_limits == DoseLimits()  # defaults: IV 1.0 mg/kg, 500 mg a dose
    limits = DoseLimits({**DEFAULT_MG_PER_KG, "iv": 0.8}, max_mg=300)
    save_settings(tmp_path, Settings(room_name="Room 2", dose_limits=limits))
    assert load_settings(tmp_path).dose_limits == limits
    odd = Settings.from_json({"dose_limits": {"mg_per_kg": {"iv": 50, "im": "x", "oral": 2},
                                              "max_mg": 5000}})
    assert odd.dose_limits == DoseLimits({**DEFAULT_MG_PER_KG, "oral": 2.0})
    assert odd.problem is not None
    for bad in ("dose_limits.mg_per_kg.iv", "dose_limits.mg_per_kg.im", "dose_limits.max_mg"):
        assert bad in odd.problem
    assert Settings.from_json({"dose_limits": []}).dose_limits == DoseLimits()
