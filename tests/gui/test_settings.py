"""The room profile file and the binding workaround the window relies on."""

from __future__ import annotations

import json
import stat

import pytest

from ketaroom.core.vitals import VitalLimits
from ketaroom.settings import BridgeSettings, Settings, load_settings, save_settings
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
