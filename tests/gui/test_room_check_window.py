"""The room check in the window: one calm line, details on click, the PIN-guarded power-on
fix, and Start waiting only when the room's setting says an unreachable light blocks it.

The window runs in demo mode: the check goes to the built-in bridge emulator over real HTTP
(three lights at the factory power-on behaviour, ``safety``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

from ketaroom.session.room_check import check_room
from ketaroom.store.settings import RoomProfile, Settings
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.room_check_dialog import TEST_SOUND_TIP
from ketaroom.ui.room_check_view import CHECKING

PIN = "2468"


def synced_clock(window: MainWindow) -> None:
    """This test machine's clock state is unknown; a room with NTP gives the calm line."""
    setup = window.service.device_setup
    window.service.device_setup = replace(
        setup, check_room=functools.partial(check_room, clock=lambda: True))


def checked(qtbot, window: MainWindow) -> str:
    qtbot.waitUntil(lambda: window.room_check_line.text() != CHECKING, timeout=10_000)
    return window.room_check_line.text()


def test_room_check_line_details_and_power_on_fix(qtbot,
                                                  make_window: Callable[..., MainWindow]
                                                  ) -> None:
    window = make_window()
    first = checked(qtbot, window)
    assert first.startswith("Room check: 3 lights bright after a power cut")
    emulator = window.service.emulator
    assert emulator is not None
    synced_clock(window)
    dialog = window.room_check.show_details()
    assert "Check power-on 3 lights full bright white after a power cut: 1, 2, 3" in dialog.rows()
    assert dialog.fix_button.isEnabled()
    window.service.gate.set_first_pin(PIN)  # the admin is at the PC: the gate is open
    dialog.fix_button.click()
    qtbot.waitUntil(lambda: [emulator.startup_mode(i) for i in (1, 2, 3)]
                    == ["powerfail"] * 3, timeout=10_000)
    qtbot.waitUntil(lambda: window.room_check_line.text()
                    == "Room check: 3 lights ready · audio ok", timeout=10_000)
    assert "lights 1, 2, 3 now keep their last state" in dialog.note.text()
    assert not dialog.fix_button.isEnabled()


def test_fix_needs_the_admin_pin(qtbot, make_window: Callable[..., MainWindow],
                                 monkeypatch) -> None:
    window = make_window()
    checked(qtbot, window)
    asked: list[str] = []

    def refuse(gate, *, reason: str = "", parent=None) -> bool:
        asked.append(reason)
        return False

    monkeypatch.setattr("ketaroom.ui.pin_dialog.PinDialog.ensure_unlocked", refuse)
    window.room_check.show_details().fix_button.click()
    qtbot.wait(300)
    assert asked and window.service.emulator is not None
    assert window.service.emulator.startup_mode(1) == "safety"


def test_unreachable_light_warns_but_start_goes_on(qtbot,
                                                   make_window: Callable[..., MainWindow]
                                                   ) -> None:
    window = make_window()
    checked(qtbot, window)
    assert window.service.emulator is not None
    window.service.emulator.power_cut(2)
    window.session_panel.start_button.click()
    qtbot.waitUntil(window.service.session_running, timeout=5000)
    qtbot.waitUntil(lambda: "1 light unreachable" in window.room_check_line.text(),
                    timeout=10_000)


def test_unreachable_light_blocks_start_when_the_room_says_so(
        qtbot, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    checked(qtbot, window)
    room = replace(window.settings.room, unreachable_blocks_start=True)
    window._on_settings_saved(Settings(rooms=[room], current_room=room.name))
    emulator = window.service.emulator
    assert emulator is not None
    emulator.power_cut(3)
    window.session_panel.start_button.click()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Start waits: "),
                    timeout=10_000)
    assert "1 light unreachable" in window.statusBar().currentMessage()
    assert not window.service.session_running()
    assert window.session_panel.start_button.isEnabled()
    emulator.power_restore(3)
    window.session_panel.start_button.click()
    qtbot.waitUntil(window.service.session_running, timeout=10_000)


def test_room_setting_round_trips() -> None:
    room = RoomProfile(name="A", unreachable_blocks_start=True)
    again = Settings.from_json(Settings(rooms=[room], current_room="A").to_json())
    assert again.room.unreachable_blocks_start is True
    assert Settings().room.unreachable_blocks_start is False


def test_play_test_sound_from_the_details_and_never_during_a_session(
        qtbot, make_window: Callable[..., MainWindow]) -> None:
    """The room's own player (real libVLC, dummy output) plays it; the note says what
    played and how loud; a running session disables it and says why."""
    window = make_window(audio="dummy")
    checked(qtbot, window)
    dialog = window.room_check.show_details()
    button = dialog.test_sound_button
    assert button.isEnabled() and button.toolTip() == TEST_SOUND_TIP
    button.click()
    assert dialog.note.text() == "Playing the test sound: listen in the room…"
    assert not button.isEnabled() and button.toolTip() == "The test sound is playing."
    qtbot.waitUntil(lambda: dialog.note.text().startswith("Test sound played"),
                    timeout=15_000)
    assert dialog.note.text() == ("Test sound played: test-sound.ogg at 20 %, faded in from "
                                  "silence and out")
    assert button.isEnabled()
    window.session_panel.start_button.click()
    qtbot.waitUntil(window.service.session_running, timeout=5000)
    qtbot.waitUntil(lambda: not button.isEnabled(), timeout=2000)  # the refresh tick
    assert button.toolTip() == "A session is running: the test sound would play into it."
    assert window.service.play_test_sound(lambda _outcome: None) == button.toolTip()
    assert not window.service.test_sound.playing


def test_no_test_sound_in_a_room_without_music(qtbot,
                                               make_window: Callable[..., MainWindow]) -> None:
    window = make_window(audio="none")
    checked(qtbot, window)
    button = window.room_check.show_details().test_sound_button
    assert not button.isEnabled()
    assert button.toolTip() == "This room plays no music (its audio output is set to none)."
