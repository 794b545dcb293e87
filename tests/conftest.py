"""Session-wide test set-up: headless Qt, and no test ever touches the user's real data dir."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                       ) -> None:
    """Point KETAROOM_DATA_DIR at a fresh folder for every test."""
    monkeypatch.setenv("KETAROOM_DATA_DIR", str(tmp_path_factory.mktemp("data")))
