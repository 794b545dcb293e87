"""The window's emergency button against a bridge that drips its answers (issue 13.1).

The lights worker is stuck in a request whose answer trickles out one byte per second;
the emergency light must still reach the bridge (its own sender and connection), the
window must stay responsive, and when the bridge cannot confirm it the clinician is told.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ketaroom.devices.hue_emulator import Fault, HueEmulator
from ketaroom.devices.lights.conversions import percent_to_bri
from ketaroom.ui.main_window import MainWindow
from tests.gui.test_main_window import start

pytestmark = [pytest.mark.gui, pytest.mark.fault]

EMERGENCY_BRI = percent_to_bri(80)


def running(qtbot, make_window) -> tuple[MainWindow, HueEmulator]:
    """A window whose session runs, its first phase's light (40 %) on the emulator."""
    window = make_window()
    start(qtbot, window)
    emulator = window.service.emulator
    assert emulator is not None
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(40),
                    timeout=3000)
    return window, emulator


def test_emergency_button_lands_while_another_request_is_stuck(qtbot, make_window) -> None:
    window, emulator = running(qtbot, make_window)
    emulator.set_fault(Fault.DRIP)
    qtbot.mouseClick(window.light_panel.scene_buttons["Night"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: emulator.dripping >= 1, timeout=3000)  # the worker is stuck
    emulator.set_fault(Fault.NONE)  # new connections are answered again
    qtbot.mouseClick(window.emergency_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: abs(emulator.target_state(1).get("bri", 0) - EMERGENCY_BRI) <= 1,
                    timeout=3000)
    assert emulator.dripping >= 1  # it landed while the other request was still stuck
    assert window.live is not None and window.live.session.state().status.name == "PAUSED"
    emulator.stop()  # ends the drip so that closing need not wait for it


def test_emergency_the_bridge_never_confirms_is_told_in_the_window(qtbot,
                                                                    make_window) -> None:
    window, emulator = running(qtbot, make_window)
    emulator.set_fault(Fault.DRIP)  # every answer, the emergency's too, trickles
    qtbot.mouseClick(window.emergency_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "NOT confirmed" in window.banner.text.text(), timeout=10000)
    assert "by hand" in window.banner.text.text()
    assert window.banner.isVisible()
    emulator.set_fault(Fault.NONE)  # the sender keeps trying: once it lands, the line goes
    qtbot.waitUntil(lambda: "NOT confirmed" not in window.banner.text.text(), timeout=10000)
    assert abs(emulator.target_state(1).get("bri", 0) - EMERGENCY_BRI) <= 1
    emulator.stop()
