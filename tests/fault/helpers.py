"""Shared by the fault suite: a rehearsal run in-process against the Hue emulator.

:func:`rehearse` runs :func:`ketaroom.session.rehearse.run_rehearsal` (the same core, devices
and recorder as the GUI) on the calling thread and records every emitted record with
the monotonic time it arrived, so a test can change the bridge's fault while the
session runs (from :func:`in_background`) and then check what the session did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketaroom.core.validation import load_preset
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.session.rehearse import run_rehearsal
from ketaroom.store.journal import Journal
from ketaroom.store.settings import BridgeSettings
from tests.helpers.waiting import wait_until  # noqa: F401 - re-exported for the tests


@dataclass
class Rehearsal:
    status: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    started: float = 0.0

    def of(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["event"] == event]

    def arrival_of(self, record: dict[str, Any]) -> float:
        """Real seconds after the start at which ``record`` was emitted."""
        return self.arrivals[self.records.index(record)] - self.started


def write_preset(folder: Path, text: str, name: str = "fault.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def rehearse(preset_path: Path, *, speed: float, data_dir: Path,
             emulator: HueEmulator | None = None, audio: str = "none",
             journal: Journal | None = None) -> Rehearsal:
    result = load_preset(preset_path)
    assert result.preset is not None, result.problems
    out = Rehearsal()
    lock = threading.Lock()

    def emit(record: dict[str, Any]) -> None:
        with lock:
            out.records.append(record)
            out.arrivals.append(time.monotonic())

    bridge = None
    if emulator is not None:
        bridge = BridgeSettings(emulator.address, emulator.username, "Treatment room")
    own = journal is None
    journal = journal if journal is not None else Journal(data_dir / "sessions.sqlite3")
    out.started = time.monotonic()
    try:
        out.status = run_rehearsal(result.preset, speed=speed, journal=journal, audio=audio,
                                   bridge=bridge, emit=emit).status
    finally:
        if own:
            journal.close()
    return out


def in_background(fn: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True, name="fault-injector")
    thread.start()
    return thread
