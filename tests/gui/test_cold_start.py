"""The window as the ``ketaroom`` command starts it (issue 14: cold start): the first frame
first — Start waiting, calmly — then the records, the devices and the presets; a control
used before the devices exist reaches them when they come up.

Real: the window, the demo bridge emulator over HTTP, libVLC with the dummy output, SQLite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from ketaroom.app import build_main_window
from ketaroom.core.targets import EMERGENCY_LIGHT
from ketaroom.devices.lights.conversions import kelvin_to_mired, percent_to_bri
from ketaroom.store.settings import Settings
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.theme import apply_theme

pytestmark = pytest.mark.gui

READY_TIMEOUT_MS = 15_000


@pytest.fixture
def deferred_window(qtbot, data_dir: Path) -> Iterator[Callable[..., MainWindow]]:
    """The window built with ``defer=True`` (not yet shown); closed after the test."""
    windows: list[MainWindow] = []
    app = QApplication.instance()
    assert app is not None
    apply_theme(app)  # type: ignore[arg-type]

    def make(audio: str = "none") -> MainWindow:
        window = build_main_window(Settings(default_preset="a-lights-only.yaml"), data_dir,
                                   demo=True, audio=audio, defer=True)
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


def test_the_first_frame_waits_calmly_then_the_room_is_ready(qtbot, deferred_window) -> None:
    window = deferred_window()
    panel = window.session_panel
    assert not window.service.room_ready
    window.show()
    assert not panel.start_button.isEnabled()
    assert panel.phase_name.text() == "Preparing the room…"
    qtbot.waitUntil(lambda: window.service.room_ready, timeout=READY_TIMEOUT_MS)
    qtbot.waitUntil(panel.start_button.isEnabled, timeout=2000)
    assert panel.phase_name.text() == "GUI lights only"
    assert panel.phase_info.text() == "3 phases · ready to start"
    assert window.mode_label.objectName() == "demoLabel"
    qtbot.waitUntil(lambda: window.service.room_check is not None, timeout=5000)


def test_sliders_moved_before_the_devices_exist_reach_them(qtbot, deferred_window) -> None:
    window = deferred_window(audio="dummy")
    window.show()
    window.light_panel.brightness.setValue(23)
    window.music_panel.volume.setValue(20)
    assert not window.service.room_ready  # the controls answered before the devices exist
    qtbot.waitUntil(lambda: window.service.room_ready, timeout=READY_TIMEOUT_MS)
    emulator = window.service.emulator
    assert emulator is not None
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(23),
                    timeout=4000)
    room = window.service.devices()
    assert room is not None and room.volume_pct == 20  # the volume the next music starts at
    assert window.music_panel.volume.value() == 20  # never pulled back meanwhile


def test_the_emergency_before_the_devices_exist_lights_the_room(qtbot,
                                                                deferred_window) -> None:
    window = deferred_window()
    window.show()
    window.emergency_button.click()
    qtbot.waitUntil(lambda: window.service.room_ready, timeout=READY_TIMEOUT_MS)
    emulator = window.service.emulator
    assert emulator is not None
    want = {"bri": percent_to_bri(EMERGENCY_LIGHT.brightness_pct),
            "ct": kelvin_to_mired(EMERGENCY_LIGHT.kelvin or 2700)}
    qtbot.waitUntil(lambda: {k: emulator.target_state(1).get(k) for k in want} == want,
                    timeout=4000)


def test_closing_before_the_room_is_ready_is_clean(qtbot, deferred_window) -> None:
    window = deferred_window()
    window.show()
    qtbot.waitUntil(lambda: window.service.emulator is not None, timeout=5000)  # records open
    window.close()
    assert not window.isVisible()


FIRST_FRAME = """
import json, sys, tempfile
from pathlib import Path
import PySide6.QtWidgets as QtWidgets
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget
from ketaroom.app import build_main_window
from ketaroom.store.settings import Settings
from ketaroom.ui.theme import apply_theme

class Restyles(QObject):
    count = 0

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.StyleChange:
            Restyles.count += 1
        return False

app = QApplication([])
apply_theme(app)
with tempfile.TemporaryDirectory() as data:
    window = build_main_window(Settings(), Path(data), demo=True, audio="none", defer=True)
    window.show()
    window.repaint()  # the first frame painted (the records and devices wait for the loop)
    found = {"modules": sorted(sys.modules), "qt_types": sorted(vars(QtWidgets))}
    # Built again, watched (the filter itself makes Python types of what it sees):
    app.installEventFilter(restyles := Restyles())
    second = build_main_window(Settings(), Path(data), demo=True, audio="none", defer=True)
    app.removeEventFilter(restyles)
    found.update(restyles=Restyles.count, widgets=len(second.findChildren(QWidget)))
    print(json.dumps(found))
    window.close()
"""

NOT_FOR_THE_FIRST_FRAME = (
    "vlc", "phue", "http.client", "apscheduler", "ruamel.yaml", "qtawesome", "qtpy",
    "reportlab", "psycopg", "paho", "argon2", "ketaroom.devices", "ketaroom.store.journal",
    "ketaroom.store.journal_schema", "ketaroom.store.journal_buffer",
    "ketaroom.store.session_records", "ketaroom.store.search_terms",
    "ketaroom.store.process_owner",
    "ketaroom.core.validation", "ketaroom.core.preset_problem",
    "ketaroom.core.preset_document", "ketaroom.core.field_checks",
    "ketaroom.core.music_checks", "ketaroom.core.light_checks", "ketaroom.core.preset_checks",
    "ketaroom.core.preset", "ketaroom.core.timeline",
    "ketaroom.core.room_check", "ketaroom.ui.room_check_dialog", "datetime",
    "ketaroom.session.controller", "ketaroom.ui.history_view",
    "ketaroom.ui.patient_view", "ketaroom.ui.preset_library_view", "ketaroom.ui.room_settings",
    "ketaroom.ui.clinical_panel", "ketaroom.ui.music_library_view", "ketaroom.ui.pin_dialog",
)


@pytest.fixture(scope="module")
def first_frame() -> dict[str, Any]:
    """What a fresh interpreter has made once it has built, shown and painted the first
    frame (one run for the tests below)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", FIRST_FRAME], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def test_the_first_frame_imports_only_what_it_shows(first_frame) -> None:
    """Nothing of the devices, the records, the validator or the other windows is loaded
    for the first frame (each is a slice of the cold start; bench/cold_start.py measures the
    whole)."""
    early = sorted(name for name in first_frame["modules"]
                   if any(name == banned or name.startswith(banned + ".")
                          for banned in NOT_FOR_THE_FIRST_FRAME))
    assert early == []


def test_the_first_frame_makes_python_types_only_for_what_it_uses(first_frame) -> None:
    """PySide creates a Qt class's Python type, with all its enums, when Python first meets
    one. Asking Qt for a widget it made itself (a scroll area's own viewport), or answering
    the style's questions from Python, made it create every QtWidgets type (~130 of them,
    ~8 ms of the first frame; issue 14)."""
    made = set(first_frame["qt_types"])
    assert made.isdisjoint({"QFileDialog", "QMdiArea", "QWizard", "QStyleOptionButton"})
    assert len(made) < 90


def test_the_first_frame_styles_each_widget_about_once(first_frame) -> None:
    """With the application's style sheet, a widget moved into another parent is restyled
    with all it holds: built from the leaves up, the window restyled its widgets 4.6 times
    each (~10 ms of the first frame); containers are put in place first."""
    assert first_frame["restyles"] <= 2.5 * first_frame["widgets"]
