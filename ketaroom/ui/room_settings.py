"""Room profiles and clinic settings: which rooms the clinic has and which one this PC is in.

Owns :class:`RoomSettingsDialog`: the room list (add, rename, remove, *This PC's room*), per
room the Hue bridge (set up through :class:`ketaroom.ui.bridge_setup.BridgeSetupDialog`), the
audio output device, the volume cap and the default preset; clinic-wide the *Extend* step,
the vital-sign alert limits, the nurse-station board, the ketamine dose limits
(:mod:`ketaroom.ui.dose_limits_form`) and the clinic records server
(:class:`ketaroom.ui.records_server_field.RecordsServerField`). *Save* writes the settings
file (0600) and emits :attr:`RoomSettingsDialog.settingsSaved`.

Admin PIN: ``exec()`` and ``open()`` first ask for the admin PIN through
:meth:`PinDialog.ensure_unlocked` (nothing is shown when it is refused), and *Save* asks again
if the gate locked itself meanwhile. Listing audio outputs (libVLC) and presets (files) run
on worker threads.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.board import parse_broker
from ketaroom.core.preset_library import PresetEntry
from ketaroom.core.vitals import VitalLimits
from ketaroom.session.device_setup import DEFAULT_OUTPUT, AudioOutputChoice, DeviceSetup
from ketaroom.store.admin_pin import AdminGate
from ketaroom.store.paths import preset_library
from ketaroom.store.settings import (
    LOUDNESS_TARGET_RANGE,
    BoardBroker,
    BridgeSettings,
    RoomProfile,
    Settings,
    save_settings,
)
from ketaroom.ui.background_call import BackgroundCall
from ketaroom.ui.bridge_setup import BridgeSetupDialog, say
from ketaroom.ui.dose_limits_form import DoseLimitsRow
from ketaroom.ui.pin_dialog import PinDialog
from ketaroom.ui.records_server_field import RecordsServerField
from ketaroom.ui.widgets import Panel, check_box, keep_text_whole, muted_label
from ketaroom.ui.widgets import spin_box as _spin

__all__ = ["RoomSettingsDialog", "bridge_summary"]

PIN_REASON = "Enter the admin PIN to change rooms and settings."
NO_PRESET = "Ask each time"
THIS_PC = "  ·  this PC"

VITAL_FIELDS: dict[str, tuple[str, int, int, str]] = {
    "sys_max": ("Systolic above", 100, 260, " mmHg"),
    "sys_min": ("Systolic below", 50, 160, " mmHg"),
    "dia_max": ("Diastolic above", 60, 160, " mmHg"),
    "hr_max": ("Heart rate above", 60, 220, " /min"),
    "hr_min": ("Heart rate below", 20, 120, " /min"),
    "spo2_min": ("SpO₂ below", 70, 100, " %"),
}


def bridge_summary(bridge: BridgeSettings | None) -> str:
    if bridge is None:
        return "None — demo mode (the lights are simulated)"
    group = f"group {bridge.group}" if bridge.group else "all lights"
    return f"{bridge.address}, {group}"


class RoomSettingsDialog(QDialog):
    """Edit the clinic's rooms and settings; :attr:`settingsSaved` carries what was written."""

    settingsSaved = Signal(object)
    """``Settings``: emitted after the file was written, just before the dialog closes."""

    def __init__(self, settings: Settings, data_dir: Path, gate: AdminGate,
                 setup: DeviceSetup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomSettings")
        self.setWindowTitle("Rooms and settings")
        self.data_dir = Path(data_dir)
        self.gate = gate
        self._setup = setup
        self.saved: Settings | None = None
        self._opened = settings
        self._rooms: list[RoomProfile] = list(settings.rooms)
        self._current = next((i for i, r in enumerate(self._rooms)
                              if r.name == settings.current_room), 0)
        self._loading = False
        self._outputs: list[AudioOutputChoice] | None = None
        self._presets: list[PresetEntry] | None = None

        self._build(settings)
        self._outputs_call = BackgroundCall(self)
        self._outputs_call.done.connect(self._on_outputs_listed)
        self._outputs_call.start(setup.list_audio_outputs, "ketaroom-audio-outputs")
        self._presets_call = BackgroundCall(self)
        self._presets_call.done.connect(self._on_presets_listed)
        library = preset_library(self.data_dir)
        self._presets_call.start(library.entries, "ketaroom-preset-list")
        self._rebuild_list(self._current)

    @property
    def ready(self) -> bool:
        """True once the audio outputs and the presets have been listed."""
        return self._outputs is not None and self._presets is not None

    # -- the PIN gate ----------------------------------------------------------------------

    def unlock(self) -> bool:
        """True when the admin gate is open, asking for the PIN if needed."""
        return PinDialog.ensure_unlocked(self.gate, reason=PIN_REASON,
                                         parent=self.parentWidget() or self)

    def exec(self) -> int:
        if not self.unlock():
            return int(QDialog.DialogCode.Rejected.value)
        return super().exec()

    def open(self) -> None:
        if self.unlock():
            super().open()

    # -- construction ----------------------------------------------------------------------

    def _build(self, settings: Settings) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._rooms_tab(), "Rooms")
        self.tabs.addTab(self._clinic_tab(settings), "Clinic-wide limits")
        self.tabs.addTab(self._links_tab(settings), "Board && records server")

        self.message = muted_label(wrap=True)
        policy = self.message.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # keeps Cancel and Save at the right
        self.message.setSizePolicy(policy)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)  # Enter saves, as the amber button says
        self.save_button.clicked.connect(self._on_save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 18)
        layout.setSpacing(12)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        keep_text_whole(self.add_button, self.remove_button, self.this_pc_button)
        self.resize(1000, 600)
        self.name_field.setFocus()  # the room's name: where a new clinic starts

    def _rooms_tab(self) -> QWidget:
        """The room list, and the chosen room's bridge, audio, caps and default preset."""
        rooms = Panel("Treatment rooms")
        self.room_list = QListWidget()
        self.room_list.setAccessibleName("Rooms")
        self.room_list.currentRowChanged.connect(self._on_row_changed)
        rooms.body.addWidget(self.room_list, 1)
        self.add_button = QPushButton("Add room")
        self.add_button.clicked.connect(self._on_add)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        rooms.body.addLayout(row)
        self.this_pc_button = QPushButton("Make it this PC's room")
        self.this_pc_button.setToolTip("This computer drives the chosen room's lights and "
                                       "music")
        self.this_pc_button.clicked.connect(self._on_make_current)
        rooms.body.addWidget(self.this_pc_button)
        self.this_pc_label = muted_label(wrap=True)
        rooms.body.addWidget(self.this_pc_label)

        self.room_panel = Panel("Room")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(10)
        form.setHorizontalSpacing(14)
        self.name_field = QLineEdit()
        self.name_field.setAccessibleName("Room name")
        self.name_field.textEdited.connect(self._on_name_edited)
        form.addRow("Name", self.name_field)
        self.bridge_label = QLabel(wordWrap=True)
        self.bridge_button = QPushButton("Set up bridge…")
        self.bridge_button.clicked.connect(self._on_setup_bridge)
        bridge_row = QHBoxLayout()
        bridge_row.addWidget(self.bridge_label, 1)
        bridge_row.addWidget(self.bridge_button)
        form.addRow("Hue bridge", bridge_row)
        self.unreachable_blocks = check_box("An unreachable light blocks Start")
        self.unreachable_blocks.setToolTip(
            "Off: the room check reports a light switched off at the wall and the session "
            "may start; on: Start waits until every light answers")
        self.unreachable_blocks.toggled.connect(
            lambda on: self._update_room(unreachable_blocks_start=on))
        form.addRow("Room check", self.unreachable_blocks)
        self.output_combo = QComboBox()
        self.output_combo.setAccessibleName("Audio output")
        self.output_combo.currentIndexChanged.connect(self._on_output_chosen)
        form.addRow("Audio output", self.output_combo)
        self.volume_spin = _spin(QSpinBox(), 0, 100, " %")
        self.volume_spin.valueChanged.connect(self._on_volume_changed)
        form.addRow("Volume cap", _with_note(
            self.volume_spin, "no preset or slider plays this room louder"))
        self.loudness_spin = _spin(QSpinBox(), round(LOUDNESS_TARGET_RANGE[0]),
                                   round(LOUDNESS_TARGET_RANGE[1]), " LUFS")
        self.loudness_spin.valueChanged.connect(self._on_loudness_changed)
        form.addRow("Music loudness", _with_note(
            self.loudness_spin, "every track of the clinic's music plays at this loudness "
                                "(−23: the shipped music)"))
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName("Default preset")
        self.preset_combo.currentIndexChanged.connect(self._on_preset_chosen)
        form.addRow("Default preset", self.preset_combo)
        self.room_panel.body.addLayout(form)
        self.room_panel.body.addStretch(1)
        return _tab(rooms, self.room_panel)

    def _clinic_tab(self, settings: Settings) -> QWidget:
        """*Extend*, record keeping, the vital-sign alert limits and the dose limits."""
        clinic = Panel("Clinic-wide (all rooms)")
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.extend_spin = _spin(QDoubleSpinBox(), 0.5, 60, " min")
        self.extend_spin.setSingleStep(0.5)
        self.extend_spin.setDecimals(1)
        self.extend_spin.setValue(settings.extend_step_min)
        grid.addWidget(QLabel("Extend adds"), 0, 0)
        grid.addWidget(self.extend_spin, 0, 1)
        self.retention_spin = _spin(QSpinBox(), 0, 36_500, " days")
        self.retention_spin.setSpecialValueText("keep all")
        self.retention_spin.setValue(settings.retention_days)
        self.retention_spin.setToolTip("Session records older than this are offered for "
                                       "deletion when ketaroom starts (you confirm first)")
        grid.addWidget(QLabel("Keep records"), 0, 2)
        grid.addWidget(self.retention_spin, 0, 3)
        self.vital_spins: dict[str, QSpinBox] = {}
        for index, (key, (label, low, high, unit)) in enumerate(VITAL_FIELDS.items(), start=4):
            spin = _spin(QSpinBox(), low, high, unit)
            spin.setValue(getattr(settings.vital_limits, key))
            spin.setAccessibleName(f"Alert when {label.lower()}")
            self.vital_spins[key] = spin
            grid.addWidget(QLabel(label), index // 2, (index % 2) * 2)
            grid.addWidget(spin, index // 2, (index % 2) * 2 + 1)
        grid.setColumnStretch(4, 1)
        grid.addWidget(muted_label("Vital signs outside these limits are flagged:"), 1, 0, 1, 5)
        clinic.body.addLayout(grid)
        self.dose_limits = DoseLimitsRow(settings.dose_limits)
        clinic.body.addSpacing(6)
        clinic.body.addWidget(self.dose_limits)
        clinic.body.addStretch(1)
        return _tab(clinic)

    def _links_tab(self, settings: Settings) -> QWidget:
        """The nurse-station board's broker and the clinic records server."""
        links = Panel("Nurse station and records server (all rooms)")
        board = QHBoxLayout()
        board.setSpacing(8)
        self.board_field = QLineEdit(settings.board.address if settings.board else "")
        self.board_field.setPlaceholderText("HOST[:PORT] — empty: no board")
        self.board_field.setAccessibleName("Nurse-station board broker (MQTT)")
        self.board_user = QLineEdit((settings.board.username or "") if settings.board else "")
        self.board_user.setPlaceholderText("user (optional)")
        self.board_password = QLineEdit((settings.board.password or "") if settings.board else "")
        self.board_password.setPlaceholderText("password")
        self.board_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.board_tls = check_box("TLS")
        self.board_tls.setChecked(bool(settings.board and settings.board.tls))
        board.addWidget(QLabel("Nurse-station board"))
        board.addWidget(self.board_field, 3)
        board.addWidget(self.board_user, 2)
        board.addWidget(self.board_password, 2)
        board.addWidget(self.board_tls)
        links.body.addLayout(board)
        links.body.addSpacing(6)
        self.records_server = RecordsServerField(settings.central_dsn,
                                                 settings.central_share_names)
        links.body.addWidget(self.records_server)
        links.body.addStretch(1)
        return _tab(links)

    def reveal(self, widget: QWidget) -> None:
        """Bring the tab holding ``widget`` to the front (a problem found on Save, a
        screenshot)."""
        for index in range(self.tabs.count()):
            if self.tabs.widget(index).isAncestorOf(widget):
                self.tabs.setCurrentIndex(index)
                return

    # -- the room list ---------------------------------------------------------------------

    @property
    def _row(self) -> int:
        return max(0, min(self.room_list.currentRow(), len(self._rooms) - 1))

    def _label(self, index: int) -> str:
        return self._rooms[index].name + (THIS_PC if index == self._current else "")

    def _refresh_labels(self) -> None:
        for index in range(self.room_list.count()):
            self.room_list.item(index).setText(self._label(index))
        self.this_pc_label.setText(f"This PC is in {self._rooms[self._current].name}.")
        self.remove_button.setEnabled(len(self._rooms) > 1)
        self.this_pc_button.setEnabled(self._row != self._current)

    def _rebuild_list(self, select: int) -> None:
        self.room_list.blockSignals(True)
        self.room_list.clear()
        self.room_list.addItems([self._label(i) for i in range(len(self._rooms))])
        self.room_list.setCurrentRow(select)
        self.room_list.blockSignals(False)
        self._on_row_changed(select)

    def _on_row_changed(self, row: int) -> None:
        if self._loading or not 0 <= row < len(self._rooms):
            return
        room = self._rooms[row]
        self._loading = True
        self.room_panel.title.setText(f"ROOM: {room.name.upper()}")
        self.name_field.setText(room.name)
        self.bridge_label.setText(bridge_summary(room.bridge))
        self.unreachable_blocks.setChecked(room.unreachable_blocks_start)
        self.volume_spin.setValue(round(room.max_volume_pct))
        self.loudness_spin.setValue(round(room.loudness_target))
        self._fill_outputs(room.audio_device)
        self._fill_presets(room.default_preset)
        self._loading = False
        self._refresh_labels()
        say(self.message, "")

    def _unique_name(self, base: str) -> str:
        names = {room.name for room in self._rooms}
        n = len(self._rooms) + 1
        while f"{base} {n}" in names:
            n += 1
        return f"{base} {n}"

    def _on_add(self) -> None:
        self._rooms.append(RoomProfile(name=self._unique_name("Room")))
        self._touch()
        self._rebuild_list(len(self._rooms) - 1)
        self.name_field.setFocus()
        self.name_field.selectAll()

    def _on_remove(self) -> None:
        row = self._row
        if len(self._rooms) <= 1:
            return
        if row == self._current:
            say(self.message, "This PC is in that room: make another room this PC's room "
                              "first.", problem=True)
            return
        del self._rooms[row]
        if row < self._current:
            self._current -= 1
        self._touch()
        self._rebuild_list(min(row, len(self._rooms) - 1))

    def _on_make_current(self) -> None:
        self._current = self._row
        self._touch()
        self._refresh_labels()

    # -- the room's fields -----------------------------------------------------------------

    def _update_room(self, **changes: Any) -> None:
        if self._loading:
            return
        self._rooms[self._row] = replace(self._rooms[self._row], **changes)
        self._touch()

    def _on_name_edited(self, text: str) -> None:
        problem = self._name_problem(text.strip(), self._row)
        if problem:
            say(self.message, problem, problem=True)
            return
        say(self.message, "")
        self._update_room(name=text.strip())
        self.room_panel.title.setText(f"ROOM: {text.strip().upper()}")
        self._refresh_labels()

    def _name_problem(self, name: str, row: int) -> str:
        if not name:
            return "A room needs a name."
        if any(room.name == name for i, room in enumerate(self._rooms) if i != row):
            return f"There is already a room called {name}."
        return ""

    def _on_setup_bridge(self) -> None:
        room = self._rooms[self._row]
        dialog = BridgeSetupDialog(self._setup, room.bridge, self, room_name=room.name)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._update_room(bridge=dialog.result_bridge)
            self.bridge_label.setText(bridge_summary(dialog.result_bridge))

    def _on_volume_changed(self, value: int) -> None:
        self._update_room(max_volume_pct=float(value))

    def _on_loudness_changed(self, value: int) -> None:
        self._update_room(loudness_target=float(value))

    def _on_output_chosen(self, index: int) -> None:
        device = self.output_combo.itemData(index)
        self._update_room(audio_device=None if device == DEFAULT_OUTPUT.id else device)

    def _on_preset_chosen(self, index: int) -> None:
        self._update_room(default_preset=self.preset_combo.itemData(index) or "")

    def _fill_outputs(self, device: str | None) -> None:
        wanted = device or DEFAULT_OUTPUT.id
        choices = [(o.id, o.description) for o in (self._outputs or [DEFAULT_OUTPUT])]
        if all(wanted != oid for oid, _ in choices):
            choices.append((wanted, f"{wanted} (not found on this PC)"))
        _fill_combo(self.output_combo, choices, wanted)
        self.output_combo.setToolTip("" if self._outputs is not None
                                     else "Looking for this PC's audio outputs…")

    def _fill_presets(self, chosen: str) -> None:
        choices: list[tuple[str, str]] = [("", NO_PRESET)]
        for entry in self._presets or []:
            if entry.ok:
                where = "shipped" if entry.shipped else "clinic"
                choices.append((entry.path.name, f"{entry.name}  ({where})"))
        if chosen and all(chosen != key for key, _ in choices):
            missing = "not found" if self._presets is not None else "…"
            choices.append((chosen, f"{chosen} ({missing})"))
        _fill_combo(self.preset_combo, choices, chosen)

    def _on_outputs_listed(self, outputs: object, _error: object) -> None:
        self._outputs = list(outputs) if isinstance(outputs, list) else [DEFAULT_OUTPUT]
        self._reload_combos()

    def _on_presets_listed(self, entries: object, error: object) -> None:
        self._presets = list(entries) if isinstance(entries, list) else []
        if error is not None:
            say(self.message, f"Could not list the presets: {error}", problem=True)
        self._reload_combos()

    def _reload_combos(self) -> None:
        room = self._rooms[self._row]
        self._loading = True
        self._fill_outputs(room.audio_device)
        self._fill_presets(room.default_preset)
        self._loading = False

    # -- saving ----------------------------------------------------------------------------

    def _touch(self) -> None:
        self.gate.touch()

    def build_settings(self) -> Settings:
        """The settings as edited so far (not saved)."""
        limits = VitalLimits(**{f.name: self.vital_spins[f.name].value()
                                for f in fields(VitalLimits)})
        address = self.board_field.text().strip()
        board = BoardBroker(address, self.board_user.text().strip() or None,
                            self.board_password.text() or None,
                            self.board_tls.isChecked()) if address else None
        # replace(): what this dialog does not show is kept as opened
        return replace(self._opened, rooms=tuple(self._rooms),
                       current_room=self._rooms[self._current].name,
                       extend_step_min=self.extend_spin.value(), vital_limits=limits,
                       retention_days=self.retention_spin.value(), board=board,
                       central_dsn=self.records_server.dsn(),
                       central_share_names=self.records_server.share_names.isChecked(),
                       dose_limits=self.dose_limits.limits(), problem=None)

    def _save_problem(self, settings: Settings) -> tuple[str, QWidget] | None:
        """What stops ``settings`` from being saved, and the field that holds it."""
        name_problem = self._name_problem(self.name_field.text().strip(), self._row)
        if name_problem:
            return name_problem, self.name_field
        limits = settings.vital_limits
        if limits.sys_min >= limits.sys_max:
            return ("The low systolic limit must be below the high one.",
                    self.vital_spins["sys_min"])
        if limits.hr_min >= limits.hr_max:
            return ("The low heart-rate limit must be below the high one.",
                    self.vital_spins["hr_min"])
        if settings.board is not None:
            try:
                parse_broker(settings.board.address)
            except ValueError as exc:
                return f"Nurse-station board: {exc}.", self.board_field
        records_problem = self.records_server.problem()
        return (records_problem, self.records_server.address) if records_problem else None

    def _on_save(self) -> None:
        settings = self.build_settings()
        problem = self._save_problem(settings)
        if problem is not None:
            text, field = problem
            say(self.message, text, problem=True)
            self.reveal(field)
            field.setFocus()
            return
        if not self.unlock():
            say(self.message, "Not saved: the admin PIN is needed.", problem=True)
            return
        try:
            save_settings(self.data_dir, settings)
        except OSError as exc:
            say(self.message, f"Could not save the settings: {exc.strerror or exc}",
                problem=True)
            return
        self.saved = settings
        self.settingsSaved.emit(settings)
        self.accept()

    def done(self, result: int) -> None:
        self._outputs_call.cancel()
        self._presets_call.cancel()
        self.records_server.cancel()
        super().done(result)


def _fill_combo(combo: QComboBox, choices: list[tuple[str, str]], selected: str) -> None:
    combo.clear()
    for key, text in choices:
        combo.addItem(text, key)
    combo.setCurrentIndex(max(0, combo.findData(selected)))


def _tab(*panels: QWidget) -> QWidget:
    """A tab page: ``panels`` side by side (the first one at its natural width)."""
    page = QWidget()
    row = QHBoxLayout(page)
    row.setContentsMargins(0, 12, 0, 0)
    row.setSpacing(12)
    for index, panel in enumerate(panels):
        row.addWidget(panel, 0 if index < len(panels) - 1 else 1)
    return page


def _with_note(spin: QWidget, note: str) -> QHBoxLayout:
    """A spin box with a muted explanation beside it (wrapped when the dialog is narrow)."""
    row = QHBoxLayout()
    row.setSpacing(12)
    row.addWidget(spin)
    row.addWidget(muted_label(note, wrap=True), 1)
    return row
