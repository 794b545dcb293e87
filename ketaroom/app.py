"""Wiring for the GUI: the only place that knows core, devices, store and ui together.

:func:`run_gui` (called by the ``ketaroom`` command) builds the Qt application and
the main window; :func:`build_main_window` does the building without running the
event loop, so tests can drive a real window with injected parts (clock, audio
output, demo bridge).

:class:`RoomServices` owns the long-lived parts — the journal, the demo bridge
emulator, the poster that carries device and scheduler callbacks to the main
thread, and the current :class:`~ketaroom.session.devices.RoomDevices` — and builds a
:class:`LiveSession` (recorder, session, runner, controller) when Start is pressed.
A room exists before the first session so the light and music controls and the
emergency button work at any time; each new session gets a fresh room so that
device reports are never recorded into an older session.
"""

from __future__ import annotations

import getpass
import logging
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from ketaroom.core.clock import Clock, RealClock
from ketaroom.core.preset import Preset
from ketaroom.core.session import Session
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.session.assemble import LiveSession, build_session
from ketaroom.session.devices import RoomDevices, RoomReport
from ketaroom.session.qt_post import MainThreadPoster
from ketaroom.session.recorder import RecorderHealth, SessionRecorder
from ketaroom.session.recovery import InterruptedSession, ResumeMode, mark_resumed, plan_resume
from ketaroom.session.runner import APSchedulerWakeups, Wakeups
from ketaroom.store.admin_pin import AdminGate, AdminPin, PinWatch, admin_path
from ketaroom.store.journal import Journal, JournalError
from ketaroom.store.paths import journal_path
from ketaroom.store.settings import BridgeSettings, Settings, load_settings

log = logging.getLogger(__name__)

DEMO_LABEL = "Demo mode — built-in bridge emulator, bundled music"
DEMO_GROUP = "Treatment room"
CLOSE_TIMEOUT_S = 3.0


class RoomServices:
    """Long-lived parts shared by every session of one window (see module docstring)."""

    def __init__(self, settings: Settings, data_dir: Path, *, demo: bool,
                 audio: str | None = None, clock_factory: Callable[[], Clock] = RealClock,
                 wakeups_factory: Callable[[], Wakeups] = APSchedulerWakeups) -> None:
        self.settings = settings
        self.data_dir = Path(data_dir)
        self._audio_override = audio
        self.clock_factory = clock_factory
        self.wakeups_factory = wakeups_factory
        self.poster = MainThreadPoster()
        self.journal, self.journal_message = _open_journal(self.data_dir)
        self._retired: list[threading.Thread] = []
        self.emulator: HueEmulator | None = None
        self._force_demo = demo
        self.bridge: BridgeSettings = self._choose_bridge()
        self._room_listeners: list[Callable[[RoomReport], None]] = []
        self._health_listeners: list[Callable[[RecorderHealth], None]] = []
        self.room = self._new_room(settings.max_volume_pct)
        self._room_used = False
        self._devices_stale = False
        self.live: LiveSession | None = None
        self.operator = _os_user()
        pin = AdminPin(admin_path(self.data_dir))
        self.pin_message = PinWatch(pin, self.journal, self.operator).check(
            records_exist=_records_exist(self.journal))
        """Set when the PIN file was deleted or replaced outside ketaroom (a reset)."""
        self.gate = AdminGate(pin)
        """Guards presets, room profiles and settings; running sessions need no PIN."""
        self.gate.was_reset = self.pin_message is not None

    @property
    def audio(self) -> str:
        """libVLC output: the room's setting unless the caller forced one (tests, tools)."""
        return self._audio_override or self.settings.audio

    @property
    def demo(self) -> bool:
        return self.emulator is not None

    def _choose_bridge(self) -> BridgeSettings:
        """The room's bridge, or the built-in emulator (demo mode) when none is paired."""
        bridge = self.settings.bridge
        if self._force_demo or bridge is None:
            if self.emulator is None:
                self.emulator = HueEmulator(lights=3)
                self.emulator.start()
            return BridgeSettings(self.emulator.address, self.emulator.username, DEMO_GROUP)
        if self.emulator is not None:
            self._in_background(self.emulator.stop, "emulator")
            self.emulator = None
        return bridge

    def apply_settings(self, settings: Settings) -> bool:
        """Use new settings; returns whether the room's devices changed now.

        Bridge and audio changes take effect at once when no session is running,
        otherwise from the next session (a running session keeps its room). The volume
        limit applies at once, to a running session too.
        """
        devices_changed = (settings.bridge, settings.audio, settings.audio_device) != (
            self.settings.bridge, self.settings.audio, self.settings.audio_device)
        if settings.bridge != self.settings.bridge:
            self._force_demo = False  # an admin just chose this room's bridge: use it
        self.settings = settings
        if not devices_changed or self.session_running():
            self._devices_stale = devices_changed
            # the volume limit is a safety setting: it applies to the room now
            self.room.player.set_max_volume(self.room_cap(self._live_preset()))
            return False
        self._replace_room()
        return True

    def session_running(self) -> bool:
        return self.live is not None and not self.live.session.state().status.ended

    def _live_preset(self) -> Preset | None:
        """The running session's preset (its ``max_volume`` still caps the room)."""
        return self.live.session.preset if self.live is not None and self.session_running() \
            else None

    def _replace_room(self) -> None:
        self._retire(self.room)
        self.bridge = self._choose_bridge()
        self.room = self._new_room(self.settings.max_volume_pct)
        self._room_used = False
        self._devices_stale = False

    @property
    def light_group(self) -> str | None:
        return self.bridge.group if self.bridge is not None else None

    def post(self, fn: Callable[[], None]) -> None:
        self.poster.post(fn)

    def on_room_report(self, listener: Callable[[RoomReport], None]) -> None:
        self._room_listeners.append(listener)

    def on_recorder_health(self, listener: Callable[[RecorderHealth], None]) -> None:
        self._health_listeners.append(listener)

    def _new_room(self, max_volume_pct: float) -> RoomDevices:
        room = RoomDevices(self.post, audio=self.audio, bridge=self.bridge,
                    max_volume_pct=max_volume_pct, lights_config_dir=self.data_dir,
                    output_device=self.settings.audio_device)
        room.on_report(lambda report: self._forward(room, report))
        return room

    def _forward(self, room: RoomDevices, report: RoomReport) -> None:
        if room is not self.room:
            return  # a retired room still finishing its fade: not this session's business
        for listener in self._room_listeners:
            listener(report)

    def room_cap(self, preset: Preset | None) -> float:
        cap = self.settings.max_volume_pct
        return min(cap, preset.max_volume_pct) if preset is not None else cap

    def start_session(self, preset: Preset, patient_ref: str | None = None) -> LiveSession:
        """Record, build and start a session of ``preset`` (call on the main thread)."""
        self._prepare_room(preset)
        recorder = SessionRecorder(self.journal, on_health=self._recorder_health)
        recorder.begin(preset, room=self.settings.room_name, operator=self.operator,
                       patient_ref=patient_ref)
        live = self._assemble(Session(preset, self.clock_factory(),
                                      room_group=self.light_group), recorder)
        live.runner.start()
        return live

    def resume_session(self, interrupted: InterruptedSession, mode: ResumeMode) -> LiveSession:
        """Take over a session a crash interrupted, at the right point of its timeline.

        Raises :class:`~ketaroom.session.recovery.ResumeError` when it cannot be resumed.
        """
        plan = plan_resume(interrupted, mode, self.clock_factory(),
                           room_group=self.light_group)
        self._prepare_room(plan.session.preset)
        mark_resumed(self.journal, plan)
        recorder = SessionRecorder(self.journal, on_health=self._recorder_health)
        recorder.adopt(interrupted.id, session_t=plan.session_t)
        live = self._assemble(plan.session, recorder)
        live.controller.record_missed(plan.missed)
        live.controller.restore_room()
        live.runner.tick()
        return live

    def _prepare_room(self, preset: Preset) -> None:
        """A fresh room for a new session (the previous one's fades finish on their own)."""
        if self._devices_stale:
            self.bridge = self._choose_bridge()
            self._devices_stale = False
            self._room_used = True
        if self._room_used:
            self._retire(self.room)
            self.room = self._new_room(self.room_cap(preset))
        else:
            self.room.player.set_max_volume(self.room_cap(preset))
        self._room_used = True
        old = self.live
        if old is not None:
            old.runner.close()
            self._in_background(old.recorder.close, "recorder")

    def _assemble(self, session: Session, recorder: SessionRecorder) -> LiveSession:
        self.live = build_session(session, recorder, self.room, post=self.post,
                                  wakeups=self.wakeups_factory(), operator=self.operator)
        return self.live

    def _recorder_health(self, health: RecorderHealth) -> None:
        """Called on the recorder thread."""
        def deliver() -> None:
            for listener in self._health_listeners:
                listener(health)
        self.post(deliver)

    def _retire(self, room: RoomDevices) -> None:
        self._in_background(room.close, "room")

    def _in_background(self, fn: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=fn, name=f"ketaroom-close-{name}", daemon=True)
        thread.start()
        self._retired.append(thread)

    def close(self) -> None:
        """Stop everything (the window is closing); bounded in time."""
        self.poster.close()
        live = self.live
        if live is not None:
            live.runner.close()
            live.recorder.flush(CLOSE_TIMEOUT_S)
            live.recorder.close(CLOSE_TIMEOUT_S)
        self.room.close()
        for thread in self._retired:
            thread.join(CLOSE_TIMEOUT_S)
        self.journal.close()
        if self.emulator is not None:
            self.emulator.stop()


def _open_journal(data_dir: Path) -> tuple[Journal, str | None]:
    """The records file, or — if it cannot be used at all — a temporary one, said plainly.

    A damaged file is set aside by :meth:`Journal.open_or_recover`. A file from a newer
    ketaroom or a folder that refuses writes must not stop the room from working: the
    session is then recorded in a temporary file whose place the banner names.
    """
    try:
        return Journal.open_or_recover(journal_path(data_dir))
    except (JournalError, OSError) as exc:
        spare = Path(tempfile.mkdtemp(prefix="ketaroom-records-")) / "sessions.sqlite3"
        return Journal(spare), (f"The session records could not be opened ({exc}). This "
                                f"session is recorded in {spare} instead; copy it before "
                                "the computer restarts.")


def _records_exist(journal: Journal) -> bool:
    """Whether any session was recorded (unreadable records count as existing)."""
    try:
        return bool(journal.sessions())
    except JournalError:
        return True


def _os_user() -> str:
    """Who is at the keyboard, for the record (the OS account; a shared PC shows the room)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return ""


PRELOAD = ("http.client", "ssl", "phue", "apscheduler.triggers.date", "vlc")
"""Imported before the window shows: PySide6's import hook makes a first import slow
(it reads the module's source), and a device thread importing one of these mid-session
would hold the import lock while the main thread waits (measured: stalls of 0.3–2.9 s)."""


def preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional library is reported by its device later
            log.debug("preload of %s failed", name, exc_info=True)


def build_main_window(settings: Settings, data_dir: Path, *, demo: bool = False,
                      audio: str | None = None, clock: Clock | None = None,
                      wakeups_factory: Callable[[], Wakeups] = APSchedulerWakeups):
    """The main window with its services (a QApplication must exist)."""
    from ketaroom.ui.main_window import MainWindow

    preload()
    clock_factory = (lambda: clock) if clock is not None else RealClock
    services = RoomServices(settings, data_dir, demo=demo, audio=audio,
                            clock_factory=clock_factory, wakeups_factory=wakeups_factory)
    return MainWindow(services)


def run_gui(data_dir: Path, force_demo: bool) -> int:
    """The ``ketaroom`` GUI: returns the process exit code."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ketaroom.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ketaroom")
    apply_theme(app)  # type: ignore[arg-type]
    settings = load_settings(data_dir)
    window = build_main_window(settings, data_dir, demo=force_demo)
    window.showMaximized()  # the treatment-room PC runs nothing else
    QTimer.singleShot(0, window.offer_resume)
    QTimer.singleShot(0, window.offer_purge)
    return int(app.exec())
