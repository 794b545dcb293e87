"""The records server setting: kept through the settings file, absent by default."""

from __future__ import annotations

import json

import pytest

from ketaroom.store.central.schema import CentralUnavailableError, connect
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


def test_sharing_names_is_off_unless_the_file_says_true() -> None:
    assert Settings().central_share_names is False
    assert "central_share_names" not in Settings().to_json()
    shared = json.loads(json.dumps(Settings(central_dsn=DSN, central_share_names=True)
                                   .to_json()))
    assert shared["central_share_names"] is True
    assert Settings.from_json(shared).central_share_names is True
    for unclear in ("yes", 1, None):
        assert Settings.from_json({**shared, "central_share_names": unclear}
                                  ).central_share_names is False


def test_an_address_libpq_cannot_read_is_refused_without_its_password() -> None:

    dsn = "postgresql://ketaroom:se%zzcret@records.clinic/clinic"
    with pytest.raises(CentralUnavailableError) as refused:
        connect(dsn)  # refused while reading the address: no network
    assert str(refused.value).startswith("the records server address is not valid")
    assert "zzcret" not in str(refused.value)
