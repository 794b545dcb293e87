"""Fixtures for driving the real main window: a data dir with test presets, the demo bridge."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from ketaroom.app import build_main_window
from ketaroom.shipped import MUSIC_DIR
from ketaroom.store.paths import presets_dir
from ketaroom.store.settings import Settings
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.theme import apply_theme

LIGHTS_ONLY = """\
name: GUI lights only
phases:
  - name: Arrival
    duration: 10m
    light: {brightness: 40, kelvin: 2700, transition: 3s}
    cues:
      - at: 1s
        prompt: Check blood pressure
        kind: vitals
  - name: Deep
    duration: 10m
    light: {brightness: 10, kelvin: 2000, transition: 3s}
  - name: Return
    duration: open
    expected: 5m
"""


def music_preset() -> str:
    tracks = sorted(MUSIC_DIR.glob("*.ogg"))[:2]
    listed = ", ".join(f'"{t}"' for t in tracks)
    return f"""\
name: GUI with music
max_volume: 60
phases:
  - name: Arrival
    duration: 5m
    music: {{playlist: [{listed}], volume: 40, fade: 2s}}
    light: {{brightness: 40, kelvin: 2700, transition: 3s}}
"""


BROKEN = "name: Broken\nphases:\n  - name: A\n    duration: forever\n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = presets_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "a-lights-only.yaml").write_text(LIGHTS_ONLY, encoding="utf-8")
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    if any(MUSIC_DIR.glob("*.ogg")):
        (folder / "with-music.yaml").write_text(music_preset(), encoding="utf-8")
    return tmp_path


@pytest.fixture
def make_window(qtbot, data_dir: Path) -> Iterator[Callable[..., MainWindow]]:
    """Build a real main window in demo mode (emulator bridge); closed after the test."""
    windows: list[MainWindow] = []
    app = QApplication.instance()
    assert app is not None
    apply_theme(app)  # type: ignore[arg-type]

    def make(preset: str = "a-lights-only.yaml", audio: str = "none",
             patient: str | None = "PT-TEST", **settings: object) -> MainWindow:
        """``patient`` is typed into the patient picker (a clinical session needs one)."""
        window = build_main_window(
            Settings(default_preset=preset, **settings), data_dir,  # type: ignore[arg-type]
            demo=True, audio=audio)
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        if patient:
            window.patient_picker.code.setText(patient)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
