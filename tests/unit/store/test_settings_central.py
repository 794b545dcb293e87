"""The records server setting: kept through the settings file, absent by default."""

from __future__ import annotations

import json

from ketaroom.store.settings import Settings

DSN = "postgresql://ketaroom@records.clinic:5432/clinic?sslmode=require"


def test_central_dsn_round_trips_and_defaults_to_none() -> None:
    assert Settings().central_dsn is None
    assert "central_dsn" not in Settings().to_json()
    written = json.loads(json.dumps(Settings(central_dsn=DSN).to_json()))
    assert Settings.from_json(written).central_dsn == DSN


def test_an_unusable_central_dsn_is_reported_not_used() -> None:
    settings = Settings.from_json({**Settings().to_json(), "central_dsn": 42})
    assert settings.central_dsn is None
    assert settings.problem is not None and "central_dsn" in settings.problem
