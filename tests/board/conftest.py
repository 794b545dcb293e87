"""Every board test talks to a real mosquitto of its own (no broker mocks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.mosquitto import MOSQUITTO, Mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is not installed (.ci/install installs it)")
    server = Mosquitto(tmp_path)
    server.start()
    yield server
    server.stop()
