"""Room settings and bridge set-up dialogs, driven like a clinic admin would, against the
Hue emulator over real HTTP."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QLineEdit

from ketaroom.app import device_setup
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.store.admin_pin import AdminGate, AdminPin, admin_path
from ketaroom.store.paths import settings_path
from ketaroom.store.settings import (
    BoardBroker,
    BridgeSettings,
    RoomProfile,
    Settings,
    load_settings,
)
from ketaroom.ui.bridge_setup import BridgeSetupDialog, normalize_address
from ketaroom.ui.pin_dialog import PinDialog
from ketaroom.ui.room_settings import RoomSettingsDialog
from ketaroom.ui.theme import apply_theme

pytestmark = pytest.mark.gui

PIN = "2468"


@pytest.fixture
def emulator() -> Iterator[HueEmulator]:
    with HueEmulator() as bridge:
        yield bridge


@pytest.fixture
def open_gate(tmp_path: Path) -> AdminGate:
    gate = AdminGate(AdminPin(admin_path(tmp_path)))
    gate.set_first_pin(PIN)
    return gate


def bridge_dialog(qtbot, current: BridgeSettings | None = None, *,
                  discover: Callable[[float], list[tuple[str, str]]] | None = None,
                  **kwargs) -> BridgeSetupDialog:
    setup = device_setup()
    if discover is not None:
        setup = replace(setup, discover_bridges=discover)
    dialog = BridgeSetupDialog(setup, current, None, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def settings_dialog(qtbot, settings: Settings, data_dir: Path, gate: AdminGate
                    ) -> RoomSettingsDialog:
    dialog = RoomSettingsDialog(settings, data_dir, gate, device_setup())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ready, timeout=10_000)
    return dialog


def closed_port_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


# -- bridge set-up ---------------------------------------------------------------------------


def test_pairing_waits_for_the_link_button_then_offers_the_groups(qtbot, emulator) -> None:
    dialog = bridge_dialog(qtbot, room_name="Somewhere else")
    dialog.address_field.setText(emulator.address)
    dialog.pair_button.click()
    assert dialog.pairing and dialog.countdown.isVisible()
    assert "Press the round link button on the bridge" in dialog.instruction.text()
    # a refused attempt (error 101) keeps the countdown going
    qtbot.waitUntil(lambda: any(r[1] == "POST" for r in emulator.requests()), timeout=3000)
    qtbot.wait(300)
    assert dialog.pairing and "s left" in dialog.pair_status.text()
    assert not dialog.save_button.isEnabled()

    emulator.press_link_button()
    qtbot.waitUntil(lambda: dialog.username is not None, timeout=5000)
    assert dialog.username in dialog.pair_status.text() and not dialog.pairing
    qtbot.waitUntil(lambda: dialog.group_combo.count() == 2, timeout=5000)
    assert dialog.choose_group("Treatment room")
    assert dialog.save_button.isEnabled()
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_bridge == BridgeSettings(emulator.address, dialog.username, "1")


def test_countdown_expiry_says_so_calmly(qtbot, emulator) -> None:
    dialog = bridge_dialog(qtbot, pair_window_s=1.2)
    dialog.address_field.setText(emulator.address)
    dialog.pair_button.click()
    qtbot.waitUntil(lambda: not dialog.pairing, timeout=5000)
    assert "not pressed in time" in dialog.pair_status.text()
    assert dialog.pair_status.objectName() == "problem"
    assert dialog.username is None and not dialog.save_button.isEnabled()
    assert not dialog.countdown.isVisible() and dialog.pair_button.text() == "Pair"


def test_a_bridge_that_does_not_answer_is_named_calmly(qtbot) -> None:
    dialog = bridge_dialog(qtbot)
    dialog.address_field.setText(closed_port_address())
    dialog.pair_button.click()
    qtbot.waitUntil(lambda: not dialog.pairing, timeout=5000)
    assert "not answering — check its power and network" in dialog.pair_status.text()


def test_a_typo_in_the_address_is_caught_before_pairing(qtbot) -> None:
    dialog = bridge_dialog(qtbot)
    dialog.address_field.setText("192.168.1.20:99999")
    dialog.pair_button.click()
    assert not dialog.pairing and "address" in dialog.pair_status.text()
    assert normalize_address(" http://10.0.0.2:8080/ ") == "10.0.0.2:8080"
    assert normalize_address("hue bridge") is None


def test_search_runs_off_the_main_thread_and_fills_the_address(qtbot, emulator) -> None:
    def slow_discover(timeout_s: float) -> list[tuple[str, str]]:
        time.sleep(0.6)
        return [("Hue Bridge", emulator.address)]

    dialog = bridge_dialog(qtbot, discover=slow_discover)
    started = time.monotonic()
    dialog.search_button.click()
    assert time.monotonic() - started < 0.3  # the click returned at once
    assert not dialog.search_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.found_list.count() == 1, timeout=3000)
    assert dialog.address_field.text() == emulator.address
    assert dialog.search_button.isEnabled()


def test_nothing_found_points_to_typing_the_address(qtbot) -> None:
    dialog = bridge_dialog(qtbot, discover=lambda timeout_s: [])
    dialog.search_button.click()
    qtbot.waitUntil(lambda: "No bridge answered" in dialog.search_status.text(), timeout=3000)
    assert not dialog.found_list.isVisible()


def test_a_paired_bridge_can_change_group_without_pairing_again(qtbot, emulator) -> None:
    current = BridgeSettings(emulator.address, emulator.username, None)
    dialog = bridge_dialog(qtbot, current, room_name="Treatment room")
    qtbot.waitUntil(lambda: dialog.group_combo.count() == 2, timeout=5000)
    assert dialog.group_combo.currentData() == "1"  # the group named like the room
    dialog.save_button.click()
    assert dialog.result_bridge == BridgeSettings(emulator.address, emulator.username, "1")
    assert not any(r[1] == "POST" for r in emulator.requests())


def test_a_bridge_listing_group_zero_offers_all_lights_once(qtbot) -> None:
    """diyHue lists group 0 as "Group 0": the dialog shows its own "All lights" only."""
    with HueEmulator(rooms={"Behandlungsraum": [1, 2], "Room B": [3]},
                     list_group_zero=True) as bridge:
        current = BridgeSettings(bridge.address, bridge.username, None)
        dialog = bridge_dialog(qtbot, current, room_name="Behandlungsraum")
        qtbot.waitUntil(lambda: dialog.group_combo.count() == 3, timeout=5000)
        qtbot.wait(100)
        items = [dialog.group_combo.itemData(i) for i in range(dialog.group_combo.count())]
        assert items == [None, "1", "2"]
        assert dialog.group_combo.currentData() == "1"  # the group named like the room


def test_demo_mode_clears_the_bridge(qtbot) -> None:
    dialog = bridge_dialog(qtbot, BridgeSettings("10.9.9.9", "u", "1"))
    dialog.demo_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.result_bridge is None


# -- room settings ---------------------------------------------------------------------------


def test_a_second_room_becomes_this_pcs_room(qtbot, tmp_path, open_gate) -> None:
    dialog = settings_dialog(qtbot, Settings(room_name="Room 1"), tmp_path, open_gate)
    assert [dialog.room_list.item(0).text()] == ["Room 1  ·  this PC"]
    dialog.add_button.click()
    assert dialog.room_list.count() == 2 and dialog.room_list.currentRow() == 1
    qtbot.keyClicks(dialog.name_field, "Garden room")  # the new name is selected: replaced
    assert dialog.name_field.text() == "Garden room"
    dialog.this_pc_button.click()
    dialog.volume_spin.setValue(55)
    assert dialog.loudness_spin.value() == -23
    dialog.loudness_spin.setValue(-20)
    demo = dialog.preset_combo.findData("demo-3min.yaml")
    assert demo > 0
    dialog.preset_combo.setCurrentIndex(demo)
    assert dialog.output_combo.itemData(0) == "default"
    dialog.extend_spin.setValue(7.5)

    with qtbot.waitSignal(dialog.settingsSaved, timeout=2000) as saved:
        dialog.save_button.click()
    loaded = load_settings(tmp_path)
    assert loaded == saved.args[0] and loaded.problem is None
    assert [room.name for room in loaded.rooms] == ["Room 1", "Garden room"]
    assert loaded.current_room == "Garden room" and loaded.room_name == "Garden room"
    assert loaded.max_volume_pct == 55 and loaded.default_preset == "demo-3min.yaml"
    assert loaded.rooms[0].max_volume_pct == Settings().max_volume_pct
    assert loaded.loudness_target == -20.0 and loaded.rooms[0].loudness_target == -23.0
    assert loaded.extend_step_min == 7.5 and loaded.audio_device is None
    assert settings_path(tmp_path).stat().st_mode & 0o777 == 0o600


def test_room_names_stay_unique_and_this_pcs_room_stays(qtbot, tmp_path, open_gate) -> None:
    settings = Settings(rooms=(RoomProfile("A"), RoomProfile("B")), current_room="A")
    dialog = settings_dialog(qtbot, settings, tmp_path, open_gate)
    dialog.room_list.setCurrentRow(1)
    dialog.name_field.clear()
    qtbot.keyClicks(dialog.name_field, "A")
    assert "already a room called A" in dialog.message.text()
    dialog.save_button.click()
    assert not settings_path(tmp_path).exists() and dialog.isVisible()

    dialog.room_list.setCurrentRow(0)
    dialog.remove_button.click()
    assert dialog.room_list.count() == 2 and "first" in dialog.message.text()
    dialog.room_list.setCurrentRow(1)
    dialog.remove_button.click()
    assert dialog.room_list.count() == 1 and not dialog.remove_button.isEnabled()
    assert dialog.build_settings().rooms == (RoomProfile("A"),)


def test_an_old_single_room_file_opens_as_one_room(qtbot, tmp_path, open_gate) -> None:
    settings_path(tmp_path).write_text(json.dumps({
        "room_name": "Room 3", "bridge": {"address": "10.0.0.7", "username": "u", "group": "2"},
        "max_volume": 65, "default_preset": "gone.yaml", "extend_step_min": 10}),
        encoding="utf-8")
    dialog = settings_dialog(qtbot, load_settings(tmp_path), tmp_path, open_gate)
    assert dialog.room_list.count() == 1 and dialog.name_field.text() == "Room 3"
    assert dialog.bridge_label.text() == "10.0.0.7, group 2"
    assert dialog.volume_spin.value() == 65 and dialog.extend_spin.value() == 10
    assert dialog.preset_combo.currentText() == "gone.yaml (not found)"
    assert dialog.build_settings() == load_settings(tmp_path)


def _answer_pin_dialog(qtbot, pin: str, seen: list[str]) -> None:
    """When the PIN dialog shows, type ``pin``; note what it said; close it if still open."""
    def answer() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, PinDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(20, answer)
            return
        pad = dialogs[0].pad
        pad.field.setText(pin)
        pad.submit()
        seen.append(pad.message.text())
        if dialogs[0].isVisible():
            dialogs[0].reject()
    QTimer.singleShot(0, answer)


def test_the_admin_pin_guards_opening(qtbot, tmp_path) -> None:
    AdminPin(admin_path(tmp_path)).set_pin(PIN)
    gate = AdminGate(AdminPin(admin_path(tmp_path)))
    dialog = RoomSettingsDialog(Settings(), tmp_path, gate, device_setup())
    qtbot.addWidget(dialog)
    seen: list[str] = []
    _answer_pin_dialog(qtbot, "1111", seen)
    assert dialog.exec() == QDialog.DialogCode.Rejected.value
    assert seen == ["That PIN is not right."] and not gate.is_unlocked()
    assert not dialog.isVisible()

    _answer_pin_dialog(qtbot, PIN, seen)
    assert dialog.unlock() and gate.is_unlocked()


def test_save_asks_again_once_the_gate_has_locked(qtbot, tmp_path, open_gate) -> None:
    dialog = settings_dialog(qtbot, Settings(), tmp_path, open_gate)
    open_gate.lock()
    seen: list[str] = []
    _answer_pin_dialog(qtbot, "0000", seen)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert "admin PIN is needed" in dialog.message.text()
    assert not settings_path(tmp_path).exists()


def test_setting_up_the_bridge_from_the_room(qtbot, tmp_path, open_gate, emulator,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = BridgeSettings(emulator.address, emulator.username, "1")

    def fake_exec(self: BridgeSetupDialog) -> int:
        self.result_bridge = chosen
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(BridgeSetupDialog, "exec", fake_exec)
    dialog = settings_dialog(qtbot, Settings(), tmp_path, open_gate)
    assert "demo mode" in dialog.bridge_label.text()
    dialog.bridge_button.click()
    assert dialog.bridge_label.text() == f"{emulator.address}, group 1"
    assert dialog.build_settings().bridge == chosen


def test_the_dialog_fits_a_small_screen_with_every_button_whole(qtbot, tmp_path,
                                                                 open_gate) -> None:
    """1280×720 (a treatment-room PC): the dialog fits with room for the title bar, and no
    button is cut — neither by the dialog's edge nor by a crowded row ("dd roo")."""
    apply_theme(QApplication.instance())
    settings = Settings(rooms=(RoomProfile("Room 1"), RoomProfile("Garden room")),
                        current_room="Room 1",
                        central_dsn="postgresql://ketaroom@records.clinic:5432/clinic")
    dialog = settings_dialog(qtbot, settings, tmp_path, open_gate)
    dialog.room_list.setCurrentRow(1)  # every room button enabled
    for hint in (dialog.sizeHint(), dialog.minimumSizeHint()):
        assert hint.width() <= 1280 and hint.height() <= 700, hint
    for size in (dialog.size(), dialog.minimumSizeHint()):
        dialog.resize(size)
        for index in range(dialog.tabs.count()):
            dialog.tabs.setCurrentIndex(index)
            dialog.layout().activate()
            QApplication.processEvents()
            buttons = [b for b in dialog.findChildren(QAbstractButton) if b.isVisible()]
            assert len(buttons) >= 3
            for button in buttons:
                assert button.visibleRegion().boundingRect() == button.rect(), button.text()
                assert button.width() >= button.sizeHint().width(), button.text()




def test_the_board_broker_and_its_credentials_are_saved_privately(qtbot, tmp_path,
                                                                  open_gate) -> None:
    dialog = settings_dialog(qtbot, Settings(room_name="Room 1"), tmp_path, open_gate)
    assert dialog.board_password.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.board_field, "broker.clinic:x")
    dialog.tabs.setCurrentIndex(0)
    dialog.save_button.click()
    assert "Nurse-station board" in dialog.message.text()
    assert dialog.tabs.currentWidget().isAncestorOf(dialog.board_field)  # shown where it is
    assert not settings_path(tmp_path).exists()
    dialog.board_field.clear()
    qtbot.keyClicks(dialog.board_field, "broker.clinic:8883")
    qtbot.keyClicks(dialog.board_user, "room1")
    qtbot.keyClicks(dialog.board_password, "s3cret")
    dialog.board_tls.setChecked(True)
    with qtbot.waitSignal(dialog.settingsSaved, timeout=2000):
        dialog.save_button.click()
    loaded = load_settings(tmp_path)
    assert loaded.problem is None
    assert loaded.board == BoardBroker("broker.clinic:8883", "room1", "s3cret", True)
    assert settings_path(tmp_path).stat().st_mode & 0o777 == 0o600


def test_saving_keeps_what_the_dialog_does_not_show(qtbot, tmp_path, open_gate) -> None:
    """What the admin did not touch (the records server) is saved as it was."""
    dsn = "postgresql://ketaroom@records.clinic:5432/clinic"
    dialog = settings_dialog(qtbot, Settings(room_name="Room 1", central_dsn=dsn), tmp_path,
                             open_gate)
    dialog.extend_spin.setValue(7.5)
    with qtbot.waitSignal(dialog.settingsSaved, timeout=2000):
        dialog.save_button.click()
    loaded = load_settings(tmp_path)
    assert loaded.central_dsn == dsn and loaded.extend_step_min == 7.5


def test_the_clinic_dose_limits_are_edited_behind_the_pin(qtbot, tmp_path, open_gate) -> None:
    from ketaroom.core.clinical import DoseLimits

    dialog = settings_dialog(qtbot, Settings(room_name="Room 1"), tmp_path, open_gate)
    row = dialog.dose_limits
    assert row.summary.text() == ("IV 1 · IM 1.5 · Intranasal 1.5 · Oral 3 · Sublingual 3 "
                                  "mg/kg · 500 mg per dose")  # the defaults
    row.change_button.click()
    editor = row.editor
    assert editor is not None and editor.isVisible()
    assert editor.per_kg["iv"].maximum() == 5.0  # no limit past what is plausible at all
    editor.per_kg["iv"].setValue(0.8)
    editor.max_mg.setValue(300)
    editor.ok_button.click()
    assert row.summary.text().startswith("IV 0.8 · IM 1.5") and "300 mg per dose" in (
        row.summary.text())
    with qtbot.waitSignal(dialog.settingsSaved, timeout=2000):
        dialog.save_button.click()
    limits = load_settings(tmp_path).dose_limits
    assert limits == DoseLimits({**DoseLimits().mg_per_kg, "iv": 0.8}, max_mg=300)
    again = settings_dialog(qtbot, load_settings(tmp_path), tmp_path, open_gate)
    assert again.dose_limits.limits() == limits


def test_the_dialog_opens_on_the_room_name_and_enter_saves(qtbot, tmp_path, open_gate) -> None:
    """It opened with no field in focus, and Enter did nothing (found on the tour)."""
    dialog = settings_dialog(qtbot, Settings(), tmp_path, open_gate)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.name_field.hasFocus, timeout=3000)
    assert dialog.save_button.isDefault()
    dialog.name_field.selectAll()
    qtbot.keyClicks(dialog.name_field, "Room 7")
    with qtbot.waitSignal(dialog.settingsSaved, timeout=5000) as saved:
        qtbot.keyClick(dialog.name_field, Qt.Key.Key_Return)
    assert saved.args[0].room_name == "Room 7"
