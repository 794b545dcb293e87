"""Fixtures for tests over real HTTP: a bridge emulator per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ketaroom.devices.hue_emulator import HueEmulator
from tests.integration.hue_fixtures import USER


@pytest.fixture
def emu() -> Iterator[HueEmulator]:
    """A fresh bridge emulator with three lights, stopped after the test."""
    emulator = HueEmulator(lights=3, username=USER)
    emulator.start()
    yield emulator
    emulator.stop()
