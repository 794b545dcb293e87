"""The clinician's main window: lays out the panels and turns their requests into intents.

The window speaks to one object, the :class:`~ketaroom.session.service.RoomService`: every
request of a panel becomes one of its intents (``set_volume``, ``mute``, ``set_light``,
``emergency``, ``pause``…), and the panels render what it publishes — its read model
(:meth:`~ketaroom.session.service.RoomService.state`: the music the engine confirmed, the
volume cap, the lights' health) and the room reports it forwards (a confirmed light).

Owns the display timer (:data:`REFRESH_MS`): four times a second it ticks the
session (the monotonic watchdog the runner's docstring asks for), reads
``session.state()`` and the room's state and refreshes the panels. Device reports and
recorder health arrive already on the main thread (posted by the service) and feed the
light health indicator and the problem banner. Keyboard: Space pause/resume, Ctrl+N note,
Ctrl+Shift+E emergency.

The room check (bridge, lights, audio, disk, clock) runs on a worker thread through the
service when the room opens (the window, a settings change) and when Start is pressed; its
result is one line in the status bar, details on click. Start waits for the check only when
the room's setting says an unreachable light blocks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.clinical import ClinicalInputError
from ketaroom.core.targets import LightHealth, LightTarget
from ketaroom.session.service import DEMO_LABEL, RoomService
from ketaroom.store.paths import playlist_dirs, playlist_files
from ketaroom.ui import preset_listing
from ketaroom.ui.banner import ADVICE, Banner
from ketaroom.ui.clinic_menu import ClinicMenu
from ketaroom.ui.cue_panel import CuePanel, CueView
from ketaroom.ui.light_panel import LightPanel
from ketaroom.ui.music_panel import MusicPanel
from ketaroom.ui.notes_panel import NotesPanel
from ketaroom.ui.patient_picker import PatientPicker
from ketaroom.ui.room_check_view import RoomCheckControl
from ketaroom.ui.session_panel import PresetEntry, SessionPanel, short_problem
from ketaroom.ui.status_line import StatusLine
from ketaroom.ui.widgets import Columns, icon_button, scroll_column, scroll_tab

if TYPE_CHECKING:  # the rest is imported where it is first needed (issue 14: cold start)
    from PySide6.QtGui import QCloseEvent, QPaintEvent

    from ketaroom.core.preset import Preset
    from ketaroom.core.room_check import RoomCheckResult
    from ketaroom.core.validation import LoadResult
    from ketaroom.session.assemble import LiveSession
    from ketaroom.session.recorder import RecorderHealth
    from ketaroom.session.room_state import RoomReport
    from ketaroom.store.central.background import SyncStatus
    from ketaroom.store.settings import Settings
    from ketaroom.ui.clinical_panel import ClinicalPanel
    from ketaroom.ui.preset_listing import PresetListing

REFRESH_MS = 250
HEALTH_HEADLINES = {
    LightHealth.UNREACHABLE: "Lights: the Hue bridge is not answering",
    LightHealth.NOT_PAIRED: "Lights: the Hue bridge no longer knows this computer",
    LightHealth.DEGRADED: "Lights: the Hue bridge is refusing some commands",
}
EMERGENCY_SHORTCUT = "Ctrl+Shift+E"
SHORTCUTS = f"{EMERGENCY_SHORTCUT} emergency · Space pause/resume · Ctrl+N note"
"""The status line's reminder; cut from its end when the line is short."""
EMERGENCY_MESSAGE_MS = 30_000
"""How long the status line mentions an emergency that holds no session."""
EMERGENCY_LIGHT_PROBLEM = "emergency_light"
"""Banner key of an emergency light the bridge has not confirmed (until it confirms)."""


class MainWindow(QMainWindow):
    def __init__(self, service: RoomService) -> None:
        super().__init__()
        self.service = service
        self.settings = service.settings
        self._preset: Preset | None = None
        self._preset_warnings: list[str] = []
        self._preloaded: tuple[Path, LoadResult] | None = None
        """The default preset as the start-up's background read validated it."""
        self._vitals_cue: int | None = None
        self._last_phase: int | None = None
        self._emergency_line = False
        """The status line says the emergency holds the session (cleared when it ends)."""
        self._closed = False
        self._start_pending = False
        """Start was pressed and waits for the room check (the room's setting)."""
        self._open_after_paint = False
        """The first frame is being built: records, devices and presets once it is painted."""
        self.setWindowTitle(f"ketaroom — {self.settings.room_name}")
        self.setMinimumSize(1180, 680)
        self.resize(1280, 720)
        self._build()
        self._connect()
        service.on_room_report(self._on_room_report)
        service.on_recorder_health(self._on_recorder_health)
        service.on_board_link(self._on_board_link)
        service.on_records_sync(self._show_records_sync)
        service.on_room_ready(self._on_room_ready)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_refresh)
        self._timer.start()
        if service.room_ready:  # built with its devices (tests, tools): all of it now
            self._open()
        else:  # the first frame first (issue 14), then records, devices and presets
            self.session_panel.set_preparing(True)
            self.room_check_line.show_text("Room check: waiting…")  # runs once the room is up
            self._open_after_paint = True
        self._on_refresh()

    # -- start-up ------------------------------------------------------------------------

    def _open(self) -> None:
        """The records and the bridge; the devices (on a worker thread, unless they are up
        already), then the presets. Runs once, just after the first frame is painted."""
        if self._closed:  # closed before its first frame was painted
            return
        service = self.service
        service.open()
        self.patient_picker.set_store(service.patients)
        # Each start-up problem under its own key: one must never hide another.
        for source, problem in (("records_file", service.journal_message),
                                ("settings", self.settings.problem),
                                ("admin_pin", service.pin_message)):
            if problem:
                self.banner.report(source, problem, "")
        if service.board is not None and not self.board_label.isVisible():
            self.status_line.show_board("Nurse-station board: connecting…", problem=False)
        self._show_mode()
        self._show_due()
        if service.room_ready:
            self._show_presets()
            self._on_room_ready(None)
        else:
            service.open_room(wait=False)
            preset_listing.read_in_background(service.data_dir, self.settings.default_preset,
                                              service.post, self._show_presets)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._open_after_paint:  # the first frame is on screen: now the slow part
            self._open_after_paint = False
            QTimer.singleShot(0, self._open)

    def _on_room_ready(self, problem: str | None) -> None:
        """The devices are up: the room check runs and Start may be pressed."""
        if problem is not None:  # Start keeps waiting: a session needs its devices
            self.banner.report("devices", problem, "")
            return
        self.session_panel.set_preparing(False)
        self._on_refresh()
        self.check_room()

    # -- construction --------------------------------------------------------------------

    def _build(self) -> None:
        # Containers in place first: a widget moved into a styled tree is restyled (issue 14).
        central = QWidget()
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(12, 10, 12, 8)
        outer.setSpacing(8)
        self.banner = Banner(central)
        outer.addWidget(self.banner)
        self.session_panel = SessionPanel(self.settings.room_name, self.settings.extend_step_min,
                                          central)
        outer.addWidget(self.session_panel)
        self.emergency_button = icon_button(
            "Lights up / music off", "mdi6.alarm-light-outline", object_name="emergency",
            tint="danger_text",
            tip=f"Emergency: warm light up, music off, recorded ({EMERGENCY_SHORTCUT})")
        self.session_panel.add_control(self.emergency_button)
        self.patient_picker = PatientPicker(None)  # the records open after the first frame
        self.session_panel.set_patient_picker(self.patient_picker)
        columns = Columns(parent=central)
        outer.addWidget(columns, 1)
        self.cue_panel = columns.add(CuePanel(columns), 7)
        self.record_tabs = columns.add(QTabWidget(columns), 12)
        self.record_tabs.setObjectName("recordTabs")
        self.notes_panel = NotesPanel()
        self._clinical: ClinicalPanel | None = None
        scroll_tab(self.record_tabs, self.notes_panel, "notesScroll", "Notes && vitals")
        self.record_tabs.addTab(QWidget(), "Clinical")  # built when first shown or needed
        self.record_tabs.currentChanged.connect(self._on_record_tab)
        self.notes_panel.title.hide()  # the tab says it; the room goes to the notes
        self.music_panel = MusicPanel(remember=self.service.remember_comfortable_volume)
        self.light_panel = LightPanel(lambda: self.service.steered_light_group)
        columns.add(scroll_column(self.music_panel, self.light_panel, parent=columns), 9)
        self.room_check = RoomCheckControl(self.service, self, lambda: self._closed)
        self.room_check_line = self.room_check.line
        self.status_line = StatusLine(self.room_check_line, SHORTCUTS)
        self.status_line.install(self.statusBar())
        line = self.status_line
        self.mode_label, self.due_label, self.shortcut_hint = line.mode, line.due, line.shortcuts
        self.board_label, self.records_label = line.board, line.records
        self._show_mode()
        self.clinic = ClinicMenu(self)
        self._side_windows = self.clinic.side_windows
        # The menu's actions under the names the window always had (tests use them).
        self._on_open_history = self.clinic.open_history
        self._on_open_patients = self.clinic.open_patients
        self._on_open_presets = self.clinic.open_presets
        self._on_open_room_settings = self.clinic.open_room_settings
        self._on_open_music_library = self.clinic.open_music_library
        QShortcut(QKeySequence(EMERGENCY_SHORTCUT), self, self._on_emergency)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self._on_pause_toggled)
        QShortcut(QKeySequence("Ctrl+N"), self, self.notes_panel.focus_note)

    @property
    def clinical_panel(self) -> ClinicalPanel:
        """The clinical tab, built the first time it is shown or a session starts."""
        if self._clinical is None:
            from ketaroom.ui.clinical_panel import ClinicalPanel

            self._clinical = ClinicalPanel(self.service)
            self._clinical.title.hide()  # the tab says it
            tabs, current = self.record_tabs, self.record_tabs.currentIndex()
            placeholder = tabs.widget(1)
            tabs.blockSignals(True)
            tabs.removeTab(1)
            tabs.insertTab(1, self._clinical, "Clinical")
            tabs.setCurrentIndex(current)
            tabs.blockSignals(False)
            placeholder.deleteLater()
        return self._clinical

    def _on_record_tab(self, index: int) -> None:
        if index == 1:
            self.clinical_panel.show()

    def _show_due(self) -> None:
        """What is due today, one calm line in the status bar (start-up, between sessions)."""
        from ketaroom.store.journal import JournalError
        from ketaroom.ui.patient_view import due_line

        try:
            self.due_label.setText(due_line(self.service.patients))
        except JournalError as exc:
            self.due_label.setText(f"What is due could not be read: {exc}")

    def _on_settings_saved(self, settings: Settings) -> None:
        self.service.journal.audit(self.service.operator, "settings_saved",
                                    f"room {settings.room_name}")
        now = self.service.apply_settings(settings)
        self.settings = settings
        self.setWindowTitle(f"ketaroom — {settings.room_name}")
        self.session_panel.set_room(settings.room_name, settings.extend_step_min)
        self._show_mode()
        self._show_room()
        if not self._running():
            self.check_room()  # the room (maybe another one) has opened
            self._show_presets()
        message = "Settings saved" if now or not self._running() else (
            "Settings saved — the new bridge and audio are used from the next session")
        self.statusBar().showMessage(message, 8000)

    def offer_purge(self) -> int:
        """At start-up: offer to delete records older than the clinic's retention period."""
        days = self.settings.retention_days
        if days <= 0:
            return 0
        journal = self.service.journal
        doomed = journal.purge_candidates(days)
        if not doomed or not self.confirm_purge(len(doomed), days):
            return 0
        removed = journal.purge_older_than(days, user=self.service.operator)
        self.statusBar().showMessage(f"Deleted {removed} session records older than "
                                     f"{days} days", 10_000)
        return removed

    def confirm_purge(self, count: int, days: int) -> bool:
        """Ask before deleting records (tests replace this)."""
        from ketaroom.ui.history_view import ask_to_purge

        return ask_to_purge(self, count, days)

    def offer_recovery(self) -> None:
        """At start-up: offer each session a crash or power cut interrupted."""
        from ketaroom.session.recovery import RecoveryError, close_session, find_interrupted
        from ketaroom.ui.recovery_dialog import (
            RecoveryChoice,
            RecoveryDialog,
            resumed_patient_label,
        )

        dirs = playlist_dirs(self.service.data_dir)
        try:
            interrupted = find_interrupted(self.service.journal, playlist_dirs=dirs)
        except RecoveryError as exc:
            self.banner.report("records", f"Records: {exc}")
            return
        for candidate in interrupted:
            if self._running():
                return  # one live session per room; the rest stay on record
            dialog = RecoveryDialog(candidate, self)
            dialog.exec()
            if dialog.choice is RecoveryChoice.CLOSE:
                close_session(self.service.journal, candidate.id)
            elif dialog.choice is not None:
                try:
                    live = self.service.recover_session(candidate, dialog.choice.mode)
                except RecoveryError as exc:
                    self.banner.report("records", f"Could not resume: {exc}")
                    continue
                self._preset = live.session.preset
                self.session_panel.show_patient(
                    resumed_patient_label(candidate.record, self.service.patients))
                self._attach()

    def _show_mode(self) -> None:
        """Demo mode said plainly, or which bridge this room uses."""
        bridge = self.service.bridge
        self.status_line.show_mode(DEMO_LABEL if self.service.demo else
                                   f"Bridge {bridge.address if bridge else '—'}",
                                   demo=self.service.demo)

    def _connect(self) -> None:
        panel = self.session_panel
        panel.preset_chosen.connect(self._on_preset_chosen)
        panel.start_requested.connect(self._on_start)
        panel.pause_toggled.connect(self._on_pause_toggled)
        panel.next_confirmed.connect(self._on_next)
        panel.extend_requested.connect(self._on_extend)
        panel.stop_confirmed.connect(self._on_stop)
        self.emergency_button.clicked.connect(self._on_emergency)
        self.cue_panel.acknowledged.connect(self._on_cue_acknowledged)
        self.cue_panel.vitals_requested.connect(self._on_vitals_cue)
        self.cue_panel.note_requested.connect(self._on_note_cue)
        self.notes_panel.vitals_recorded.connect(self._on_vitals_recorded)
        self.music_panel.volume_changed.connect(self._on_volume)
        self.music_panel.volume_settled.connect(self._on_volume_settled)
        self.music_panel.mute_toggled.connect(self.service.mute)
        self.music_panel.skip_requested.connect(self.service.skip)
        self.music_panel.playlist_chosen.connect(self._on_playlist_chosen)
        self.light_panel.light_requested.connect(self._on_light)

    def _show_presets(self, listing: PresetListing | None = None) -> None:
        """Fill the picker (presets are read once: here, unless ``listing`` was read in the
        background) and select the room's default preset; the playlists to switch to."""
        listing = listing or preset_listing.read(self.service.data_dir,
                                                 self.settings.default_preset)
        if listing.default is not None and listing.default_loaded is not None:
            self._preloaded = (listing.default, listing.default_loaded)
        self.session_panel.set_presets(listing.entries, listing.default)
        self._preloaded = None
        self.music_panel.set_playlists(playlist_files(self.service.data_dir))

    # -- what tests and the app look at --------------------------------------------------

    @property
    def live(self) -> LiveSession | None:
        return self.service.live

    @property
    def preset(self) -> Preset | None:
        return self._preset

    def _running(self) -> bool:
        return self.service.session_running()

    # -- presets and session intents -------------------------------------------------------

    def _on_preset_chosen(self, entry: PresetEntry | None) -> None:
        if entry is None:
            self._preset, self._preset_warnings = None, []
            self.service.choose_preset(None)
            self.session_panel.show_preset(None, [], [])
            self._show_room()
            return
        from ketaroom.core.validation import load_preset

        preloaded = self._preloaded
        result = preloaded[1] if preloaded is not None and preloaded[0] == entry.path else \
            load_preset(entry.path, playlist_dirs=playlist_dirs(self.service.data_dir))
        self._preset = result.preset
        self._preset_warnings = [w.message for w in result.warnings]
        self.session_panel.show_preset(result.preset,
                                       [short_problem(p) for p in result.problems],
                                       [short_problem(w) for w in result.warnings])
        self.service.choose_preset(result.preset)
        self._show_room()

    def check_room(self) -> None:
        """Run the room check (worker thread); the status line shows its result."""
        self.room_check.run()

    # -- presets and session intents (continued) ----------------------------------------------

    def _on_start(self) -> None:
        if self._preset is None or self._running() or self._start_pending:
            return
        if not self.settings.room.unreachable_blocks_start:
            self._start_now()
            self.check_room()  # alongside: nothing here makes the session unsafe
            return
        self._start_pending = True
        self.session_panel.start_button.setEnabled(False)
        self.room_check.run(then=self._start_after_check)
        self.room_check_line.show_text("Room check: checking before Start…")

    def _start_after_check(self, _result: RoomCheckResult) -> None:
        self._start_pending = False
        blocker = self.service.start_blocker()
        if blocker is not None:
            self.session_panel.start_button.setEnabled(self._preset is not None)
            self.statusBar().showMessage(f"Start waits: {blocker}", 15_000)
            return
        self._start_now()

    def _start_now(self) -> None:
        if self._preset is None or self._running():
            return
        try:
            choice = self.patient_picker.resolve()
        except ClinicalInputError as exc:  # no patient, or a code that cannot be one
            self.patient_picker.message.setText(
                f"{exc} A clinical session starts with its patient.")
            self.patient_picker.code.setFocus()
            return
        self.notes_panel.flush()
        self.service.start_session(self._preset, choice.code, warnings=self._preset_warnings,
                                   patient_id=choice.patient_id, course_id=choice.course_id)
        self.patient_picker.clear()
        self.session_panel.show_patient(choice.label())
        self._attach()
        self._show_due()  # this session no longer due

    def _attach(self) -> None:
        """Point the panels at a session that has just started or resumed."""
        self._last_phase = None
        self._emergency_line = False
        self.statusBar().clearMessage()  # nothing said about an earlier session still holds
        self.session_panel.set_session(True)
        live = self.live
        assert live is not None
        self.notes_panel.set_sinks(live.controller, self.service)
        self.clinical_panel.set_session(True, by=self.service.operator)
        self.banner.clear("lights")
        self._on_refresh()

    def _on_pause_toggled(self) -> None:
        if not self._running():
            return
        if self.service.paused():
            self.service.resume()
            self.music_panel.follow_player()  # Resume after an emergency restores the phase
        else:
            self.service.pause()
        self._on_refresh()

    def _on_next(self) -> None:
        if self.live is not None:
            self.service.next_phase()
            self._on_refresh()

    def _on_extend(self) -> None:
        if self.live is not None:
            self.service.extend(self.settings.extend_step_min * 60.0)
            self._on_refresh()

    def _on_stop(self) -> None:
        if self.live is not None:
            self.music_panel.volume_gesture.finish()
            self.notes_panel.flush()
            self.service.stop()
            self._on_refresh()

    # -- live room control -----------------------------------------------------------------

    def _on_emergency(self) -> None:
        self.service.emergency()
        # The sliders follow when the bridge confirms the emergency light (room report).
        self.music_panel.follow_player()
        self._emergency_line = self.service.emergency_held
        held = " — session paused; Resume brings the phase back" if self._emergency_line else ""
        self.statusBar().showMessage(f"Emergency: lights up, music off{held} — recorded",
                                     0 if self._emergency_line else EMERGENCY_MESSAGE_MS)
        self._on_refresh()

    def _on_volume(self, pct: float) -> None:
        if not self._closed:  # a throttled value arriving after the room was closed
            self.service.set_volume(pct)

    def _on_volume_settled(self, start_pct: float, end_pct: float) -> None:
        if not self._closed:
            self.service.record_volume_change(start_pct, end_pct)

    def _on_playlist_chosen(self, playlist: Path) -> None:
        if self.service.choose_playlist(playlist):
            self.statusBar().showMessage(f"Crossfading to {playlist.name} for this phase", 5000)

    def _on_light(self, target: LightTarget) -> None:
        if not self._closed:  # a throttled slider value arriving after the room was closed
            self.service.set_light(target)

    # -- cues ---------------------------------------------------------------------------------

    def _on_cue_acknowledged(self, ticket: int) -> None:
        self.service.acknowledge_cue(ticket)
        self._refresh_cues()

    def _on_vitals_cue(self, ticket: int) -> None:
        self._vitals_cue = ticket
        self.notes_panel.focus_vitals()

    def _on_note_cue(self, ticket: int) -> None:
        """A new note that answers the cue; the cue is done once the note is saved."""
        cue = next((c for c in self.service.cues() if c.ticket == ticket), None)
        preset = self.service.session_preset
        if cue is not None and preset is not None:
            prompt = preset.phases[cue.phase_index].cues[cue.cue_index].prompt
            self.notes_panel.start_note(cue=ticket, prompt=prompt)

    def _on_vitals_recorded(self, _ticket: int) -> None:
        if self.live is None:
            return
        ticket = self._vitals_cue
        if ticket is None:  # recording vitals answers the oldest waiting vitals cue
            ticket = next((c.ticket for c in self.service.cues() if not c.acknowledged
                           and self._cue_kind(c.phase_index, c.cue_index) == "vitals"), None)
        self._vitals_cue = None
        if ticket is not None:
            self._on_cue_acknowledged(ticket)

    def _cue_kind(self, phase_index: int, cue_index: int) -> str:
        preset = self.service.session_preset
        assert preset is not None
        return preset.phases[phase_index].cues[cue_index].kind.value

    def _refresh_cues(self) -> None:
        preset, state = self.service.session_preset, self.service.session_state()
        if preset is None or state is None:
            self.cue_panel.sync([], 0.0)
            return
        phases = preset.phases
        waiting = []
        for cue in self.service.cues():
            if cue.acknowledged:
                continue
            spec = phases[cue.phase_index].cues[cue.cue_index]
            waiting.append(CueView(cue.ticket, spec.prompt, spec.kind.value,
                                   phases[cue.phase_index].name, cue.t, cue.origin))
        self.cue_panel.sync(waiting, state.active_s)

    # -- reports --------------------------------------------------------------------------

    def _on_room_report(self, report: RoomReport) -> None:
        """Device reports: the room's confirmed light, bridge health, device problems."""
        if report.kind == "light":
            if report.light is not None:
                self.light_panel.show_confirmed(report.light)
            if report.data.get("emergency"):
                self.banner.clear(EMERGENCY_LIGHT_PROBLEM)
        elif report.kind == "health" and report.health is not None:
            health = report.health
            self.light_panel.show_health(health, report.message)
            if health is LightHealth.OK:
                self.banner.clear("lights")
            else:
                advice = "lights_pair" if health is LightHealth.NOT_PAIRED else "lights"
                headline = HEALTH_HEADLINES.get(health, f"Lights: {report.message}")
                self.banner.report("lights", headline, ADVICE[advice])
        elif report.kind == "device_error" and report.data.get("emergency"):
            # its own line: a later health change of the bridge must not cover it up
            self.banner.report(EMERGENCY_LIGHT_PROBLEM, report.message, "")
        elif report.kind in ("device_error", "warning"):
            self.banner.device_problem(report)

    def _on_board_link(self, reachable: bool, message: str) -> None:
        """The status line says whether the nurse-station board hears this room (the
        session never depends on it)."""
        self.status_line.show_board("Nurse-station board: connected" if reachable
                                    else "Nurse-station board unreachable — retrying",
                                    problem=not reachable, tip=message)

    def _on_recorder_health(self, health: RecorderHealth) -> None:
        if health.pending:
            self.banner.report("records", f"Records: {health.pending} entries not yet on disk"
                               + (f" ({health.error})" if health.error else ""))
        else:
            self.banner.clear("records")

    # -- refresh ----------------------------------------------------------------------------

    def _on_refresh(self) -> None:
        self.service.tick()  # the monotonic watchdog: idempotent
        state = self.service.session_state()
        if state is not None:
            self.session_panel.show_state(state)
            if state.phase_index != self._last_phase:
                self._last_phase = state.phase_index
                self.music_panel.follow_player()
            if self._emergency_line and not self.service.emergency_held:
                self._emergency_line = False  # Resume or Next: the emergency is over
                self.statusBar().clearMessage()
        else:
            self.session_panel.show_state(None)
        self._refresh_cues()
        self._show_room()
        self.room_check.refresh()

    def _show_room(self) -> None:
        """Render the room's state as the service publishes it (music and its cap)."""
        state = self.service.state()
        self.music_panel.show_state(state.music, state.cap_pct, state.music_note, state.patient)

    # -- closing ----------------------------------------------------------------------------

    def confirm_close(self) -> bool:
        """Ask whether to stop the running session and close (tests replace this).

        Enter, Escape and closing the question all keep the session running: stopping
        a patient's session takes a deliberate click on *Stop session and close*.
        """
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(self)
        box.setObjectName("closeQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Session running")
        box.setText("A session is running. Stop it and close ketaroom?")
        box.setInformativeText("The session is recorded as stopped; notes are kept.")
        stop = box.addButton("Stop session and close", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep running", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is stop

    def _show_records_sync(self, status: SyncStatus) -> None:
        """The central records' line: "records synced 10:42" / "server away since …"."""
        self.status_line.show_records(status.line())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        if self._running() and not self.confirm_close():
            event.ignore()
            return
        self.music_panel.volume_gesture.finish()  # a gesture under way is recorded too
        self.notes_panel.flush()
        if self._running():
            self.service.stop()
        self._timer.stop()
        self.hide()  # closing waits (bounded) for devices to finish: do not look frozen
        self.service.close()
        self._closed = True
        event.accept()

