"""The window's one door to the room and the session: :class:`RoomService`.

The window sends *intents* (start, pause, set the volume, a light, the emergency…) and
renders what the service publishes: :meth:`RoomService.state` (the read model: the music
the engine confirmed, the volume cap, the confirmed light and the lights' health) and the
room reports it forwards. Whether a session runs is the service's business: a live
control goes through the session controller (recorded) during a session and straight to
the room's devices before the first one — both take the same :class:`RoomControl` calls,
so each intent is one line, not a fork.

The service owns the long-lived parts — the journal, the demo bridge emulator, the
poster that carries device and scheduler callbacks to the main thread, and the current
:class:`~ketaroom.session.devices.RoomDevices` — and assembles a
:class:`~ketaroom.session.assemble.LiveSession` when Start is pressed. A room exists
before the first session so the light and music controls and the emergency button work
at any time; each new session gets a fresh room so that device reports are never
recorded into an older session.

Owners of values: the volume cap is :attr:`RoomService.cap_pct` (settings and preset);
the wanted volume is the room's (:attr:`RoomDevices.volume_pct`); what plays and at what
volume is the engine's, published by :meth:`RoomService.state`.
"""

from __future__ import annotations

import getpass
import logging
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ketaroom.core.board import BrokerAddress
from ketaroom.core.clock import Clock, RealClock
from ketaroom.core.preset import Preset
from ketaroom.core.room_check import Check, RoomCheckResult
from ketaroom.core.session import Session
from ketaroom.core.targets import LightHealth, LightTarget, light_group_for
from ketaroom.core.timeline import Status, TimelineState
from ketaroom.core.vitals import VitalLimits, Vitals
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.session.assemble import LiveSession, build_session
from ketaroom.session.board import BoardLink, broker_of, link_report
from ketaroom.session.controller import CueRecord
from ketaroom.session.device_setup import AudioOutputChoice, DeviceSetup
from ketaroom.session.devices import MusicState, RoomDevices, RoomReport
from ketaroom.session.library import MusicLibrary
from ketaroom.session.loudness import LibraryLoudness
from ketaroom.session.qt_post import MainThreadPoster
from ketaroom.session.recorder import RecorderHealth, SessionRecorder
from ketaroom.session.recovery import (
    InterruptedSession,
    RecoveryMode,
    mark_recovered,
    plan_recovery,
)
from ketaroom.session.room_check import RoomCheckRequest
from ketaroom.session.runner import APSchedulerWakeups, Wakeups
from ketaroom.session.test_sound import Outcome, RoomTestSound
from ketaroom.store.admin_pin import AdminGate, AdminPin, PinWatch, admin_path
from ketaroom.store.journal import EventRecord, Journal, JournalError
from ketaroom.store.paths import journal_path
from ketaroom.store.patients import PatientStore
from ketaroom.store.record_schema import Payload
from ketaroom.store.settings import BridgeSettings, Settings

if TYPE_CHECKING:  # psycopg is imported only when a records server is set
    from ketaroom.store.central.background import BackgroundSync, SyncStatus

log = logging.getLogger(__name__)

DEMO_LABEL = "Demo mode — built-in bridge emulator, bundled music"
DEMO_GROUP = "Treatment room"
CLOSE_TIMEOUT_S = 3.0


class RoomControl(Protocol):
    """The live controls, as both the session controller and the bare room take them."""

    def set_volume(self, pct: float) -> None: ...

    def set_muted(self, muted: bool) -> None: ...

    def skip_track(self) -> None: ...

    def set_light(self, target: LightTarget) -> None: ...

    def emergency(self) -> None: ...


@dataclass(frozen=True)
class RoomState:
    """What the window renders of the room (the read model)."""

    music: MusicState | None
    """What the music engine confirmed; ``None`` when the player cannot say."""
    cap_pct: float
    """The volume limit here: the room's, and the preset's (running, else chosen)."""
    light: LightTarget | None
    """The light state the bridge last confirmed; ``None`` until it confirmed one."""
    light_health: LightHealth | None
    """How the lights last answered; ``None`` before their first answer."""
    emergency_held: bool
    """The emergency holds the running session (until Resume or Next)."""
    music_note: str | None = None
    """What the patient's never-play list left out of the music now (None: nothing)."""


class RoomService:
    """Intents in, confirmed state out, for one window (see the module docstring)."""

    def __init__(self, settings: Settings, data_dir: Path, *, demo: bool,
                 audio: str | None = None, clock_factory: Callable[[], Clock] = RealClock,
                 wakeups_factory: Callable[[], Wakeups] = APSchedulerWakeups,
                 device_setup: DeviceSetup,
                 devices_factory: Callable[..., RoomDevices] = RoomDevices,
                 board: BrokerAddress | None = None) -> None:
        self.settings = settings
        self.device_setup = device_setup
        """Bridge pairing and output listing, injected by the composition root."""
        self._devices_factory = devices_factory
        """Builds the room's devices (:class:`RoomDevices`; unit tests give a fake)."""
        self.data_dir = Path(data_dir)
        self._audio_override = audio
        self.clock_factory = clock_factory
        self.wakeups_factory = wakeups_factory
        self.poster = MainThreadPoster()
        self.journal, self.journal_message = _open_journal(self.data_dir)
        self.patients = PatientStore(self.journal)
        """Patients, courses and measures (the patient picker, view and clinical panel)."""
        self._retired: list[threading.Thread] = []
        self.emulator: HueEmulator | None = None
        self._force_demo = demo
        self.bridge: BridgeSettings = self._choose_bridge()
        self._room_listeners: list[Callable[[RoomReport], None]] = []
        self._health_listeners: list[Callable[[RecorderHealth], None]] = []
        self._records_listeners: list[Callable[[SyncStatus], None]] = []
        self._before_end: list[Callable[[], None]] = []
        self.records_sync: BackgroundSync | None = None
        """Syncs the journal to the clinic's records server, when one is set."""
        self._update_records_sync()
        self.loudness = LibraryLoudness(self.data_dir, settings.loudness_target)
        """Track gains from the music-library cache (unscanned tracks measured here)."""
        self.library = MusicLibrary(self.data_dir, lambda: self.settings.loudness_target)
        """The clinic's music library (Clinic → Music library)."""
        self.room = self._new_room(settings.max_volume_pct)
        self._room_used = False
        self._devices_stale = False
        self.live: LiveSession | None = None
        self._chosen: Preset | None = None
        self._light: LightTarget | None = None
        self._light_health: LightHealth | None = None
        self.operator = _os_user()
        pin = AdminPin(admin_path(self.data_dir))
        self.pin_message = PinWatch(pin, self.journal, self.operator).check(
            records_exist=_records_exist(self.journal))
        """Set when the PIN file was deleted or replaced outside ketaroom (a reset)."""
        self.gate = AdminGate(pin)
        """Guards presets, room profiles and settings; running sessions need no PIN."""
        self.gate.was_reset = self.pin_message is not None
        self.board: BoardLink | None = None
        """Publishes the room's state to the nurse-station board (``--mqtt``), or None."""
        self.board_reachable: bool | None = None
        """The board's broker answers (None: not known yet, or no board)."""
        self._board_listeners: list[Callable[[bool, str], None]] = []
        self._board_override = board
        """``--mqtt`` on the command line: wins over the settings' broker."""
        self._start_board(board or self._settings_broker(settings))
        self.room_check: RoomCheckResult | None = None
        """The latest room check's result (``None`` before the first one ends)."""
        self._check_waiters: list[Callable[[RoomCheckResult], None]] | None = None
        """Called when the room check under way ends; ``None`` when none is under way."""
        self._next_waiters: list[Callable[[RoomCheckResult], None]] = []
        """Asked for while a check was under way: called when the check after it ends."""
        self.test_sound = RoomTestSound(self.post)
        """The room check's test sound on this room's player (never during a session)."""

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
        board_changed = (settings.board, settings.room_name) != (self.settings.board,
                                                                  self.settings.room_name)
        self.settings = settings
        if board_changed and self._board_override is None:
            self._restart_board()
        self.loudness.target_lufs = settings.loudness_target  # from the next track on
        self._update_records_sync()
        if not devices_changed or self.session_running():
            self._devices_stale = devices_changed
            # the volume limit is a safety setting: it applies to the room now
            self.room.set_max_volume(self.room_cap(self._live_preset()))
            return False
        self._replace_room()
        return True

    def _update_records_sync(self) -> None:
        """Start, re-point or stop the background sync for the settings' records server
        (never waits: a sync under way finishes, or is cut short and resent, by itself)."""
        dsn, share = self.settings.central_dsn, self.settings.central_share_names
        if self.records_sync is not None and dsn:
            self.records_sync.set_dsn(dsn, share_names=share)
            return
        if self.records_sync is not None:
            self.records_sync.stop(timeout_s=0)
            self.records_sync = None
        if dsn:
            from ketaroom.store.central.background import BackgroundSync

            self.records_sync = BackgroundSync(
                self.journal.path, dsn, share_names=share,
                on_status=lambda status: self.poster.post(lambda: self._records_status(status)))
            self.records_sync.start()

    def session_running(self) -> bool:
        return self.live is not None and not self.live.session.state().status.ended

    def _live_preset(self) -> Preset | None:
        """The running session's preset (its ``max_volume`` still caps the room)."""
        return self.live.session.preset if self.live is not None and self.session_running() \
            else None

    def _replace_room(self) -> None:
        self.test_sound.stop("the room's speakers or bridge changed")
        self._retire(self.room)
        self.bridge = self._choose_bridge()
        self.room = self._new_room(self.settings.max_volume_pct)
        self._room_used = False
        self._devices_stale = False

    @property
    def light_group(self) -> str | None:
        """The room's own light group (``None``: the room set none)."""
        return self.bridge.group if self.bridge is not None else None

    @property
    def steered_light_group(self) -> str | None:
        """The group the room's light changes go to now, the session's rule
        (:func:`~ketaroom.core.targets.light_group_for`): the room's group, else the running
        — or chosen — preset's fallback ``light_group``, else ``None``: the lights' default,
        every light on the bridge (Room settings' "All lights on the bridge")."""
        preset = self._current_preset()
        return light_group_for(self.light_group,
                               preset.light_group if preset is not None else None)

    def post(self, fn: Callable[[], None]) -> None:
        self.poster.post(fn)

    def on_room_report(self, listener: Callable[[RoomReport], None]) -> None:
        self._room_listeners.append(listener)

    def on_recorder_health(self, listener: Callable[[RecorderHealth], None]) -> None:
        self._health_listeners.append(listener)

    def on_board_link(self, listener: Callable[[bool, str], None]) -> None:
        """``listener(reachable, message)`` on the main thread when the board's broker
        comes or goes."""
        self._board_listeners.append(listener)

    @staticmethod
    def _settings_broker(settings: Settings) -> BrokerAddress | None:
        if settings.board is None:
            return None
        try:
            return broker_of(settings.board)
        except ValueError as exc:
            log.warning("nurse-station board: unusable broker address in the settings: %s",
                        exc)
            return None

    def _restart_board(self) -> None:
        """The settings name another broker: leave the old one (in the background, its
        last state stays there) and publish to the new one."""
        old = self.board
        if old is not None:
            self._room_listeners.remove(old.on_room_report)
            self._in_background(old.publisher.close, "board")
            self.board = None
            self.board_reachable = None
        self._start_board(self._settings_broker(self.settings))

    def _start_board(self, address: BrokerAddress | None) -> None:
        if address is None:
            return
        from ketaroom.devices.mqtt import BoardPublisher  # paho only when a board is set

        def on_link(reachable: bool, message: str) -> None:  # paho's thread
            self.post(lambda: self._board_link(reachable, message))

        publisher = BoardPublisher(address, self.settings.room_name, on_link=on_link)
        publisher.start()
        self.board = BoardLink(publisher, self.settings.room_name)
        self._room_listeners.append(self.board.on_room_report)

    def _board_link(self, reachable: bool, message: str) -> None:
        """The board's broker came or went: recorded in a running session, and told."""
        self.board_reachable = reachable
        live = self.live
        if live is not None and not live.session.state().status.ended:
            live.controller.report(link_report(reachable, message), emit=False)
        for listener in self._board_listeners:
            listener(reachable, message)
    def before_session_end(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs on the main thread just before the session is stopped or
        replaced by another, and before the window closes: a panel records what is still
        waiting for its debounce (the dose) into the session it belongs to."""
        self._before_end.append(listener)

    def _flush_entries(self) -> None:
        for listener in self._before_end:
            listener()

    def on_records_sync(self, listener: Callable[[SyncStatus], None]) -> None:
        """Tell ``listener`` (on the main thread) each background sync's outcome."""
        self._records_listeners.append(listener)
        if self.records_sync is not None and self.records_sync.attempted:
            listener(self.records_sync.status)

    def _records_status(self, status: SyncStatus) -> None:
        for listener in self._records_listeners:
            listener(status)

    def _new_room(self, max_volume_pct: float) -> RoomDevices:
        room = self._devices_factory(self.post, audio=self.audio, bridge=self.bridge,
                                     max_volume_pct=max_volume_pct,
                                     lights_config_dir=self.data_dir,
                                     output_device=self.settings.audio_device,
                                     loudness=self.loudness)
        room.on_report(lambda report: self._forward(room, report))
        return room

    def _forward(self, room: RoomDevices, report: RoomReport) -> None:
        if room is not self.room:
            return  # a retired room still finishing its fade: not this session's business
        if report.light is not None and report.kind == "light":
            self._light = report.light
        if report.health is not None:
            self._light_health = report.health
        self.test_sound.report(report)
        for listener in self._room_listeners:
            listener(report)

    def room_cap(self, preset: Preset | None) -> float:
        cap = self.settings.max_volume_pct
        return min(cap, preset.max_volume_pct) if preset is not None else cap

    # -- the read model -----------------------------------------------------------------

    def _current_preset(self) -> Preset | None:
        """The running session's preset, else the one chosen for the next session."""
        return self._live_preset() if self.session_running() else self._chosen

    @property
    def cap_pct(self) -> float:
        """The volume limit the window shows and holds the slider to."""
        return self.room_cap(self._current_preset())

    @property
    def emergency_held(self) -> bool:
        return self.live is not None and self.live.controller.emergency_held

    def state(self) -> RoomState:
        """The room as the devices confirmed it (cheap: no device call blocks)."""
        try:
            music: MusicState | None = self.room.music_state()
        except Exception:  # a broken player must not stop the display
            log.debug("music state unavailable", exc_info=True)
            music = None
        return RoomState(music, self.cap_pct, self._light, self._light_health,
                         self.emergency_held,
                         self.live.controller.music_note if self.live is not None else None)

    def choose_preset(self, preset: Preset | None) -> None:
        """The preset picked for the next session (its volume limit shows already)."""
        self._chosen = preset

    # -- session intents ---------------------------------------------------------------

    def pause(self) -> bool:
        return self.live is not None and self.live.runner.pause()

    def resume(self) -> bool:
        """Resume a paused session; after an emergency, the phase's room comes back."""
        return self.live is not None and self.live.runner.resume()

    def next_phase(self) -> bool:
        return self.live is not None and self.live.runner.next()

    def extend(self, seconds: float) -> bool:
        return self.live is not None and self.live.runner.extend(seconds)

    def stop(self) -> bool:
        if self.live is None:
            return False
        self._flush_entries()
        return self.live.runner.stop()

    def tick(self) -> None:
        """The monotonic watchdog the runner asks for (idempotent)."""
        if self.live is not None:
            self.live.runner.tick()
        if self.board is not None:
            self.board.update(self.live)

    def session_state(self) -> TimelineState | None:
        """Where the current (or last) session stands; ``None`` before the first."""
        return self.live.session.state() if self.live is not None else None

    @property
    def session_preset(self) -> Preset | None:
        """The preset of the current (or last) session."""
        return self.live.session.preset if self.live is not None else None

    def cues(self) -> list[CueRecord]:
        """The cues that fired in the current session, acknowledged or not."""
        return list(self.live.controller.cues) if self.live is not None else []

    def earlier_entries(self) -> tuple[EventRecord, ...]:
        """The cues and clinical entries the current session recorded before a crash
        interrupted it (empty for a session started here)."""
        return self.live.earlier if self.live is not None else ()

    def acknowledge_cue(self, ticket: int) -> None:
        if self.live is not None:
            self.live.controller.acknowledge_cue(ticket)

    def paused(self) -> bool:
        return (self.live is not None
                and self.live.session.state().status is Status.PAUSED)

    def vitals(self, reading: Vitals) -> tuple[int, list[str]]:
        """Record vitals, checked against the clinic's limits (a session must run)."""
        limits: VitalLimits = self.settings.vital_limits
        assert self.live is not None
        return self.live.controller.vitals(reading, limits)

    # -- live room control: recorded during a session, straight to the room before ----

    def _control(self) -> RoomControl:
        """Who takes a live control: the session's controller once a session started (it
        records, then commands the room), the room's devices themselves before."""
        return self.live.controller if self.live is not None else self.room

    def set_volume(self, pct: float) -> None:
        self._control().set_volume(pct)

    def mute(self, muted: bool) -> None:
        self._control().set_muted(muted)

    def skip(self) -> None:
        self._control().skip_track()

    def set_light(self, target: LightTarget) -> None:
        """A slider value or a scene: sent to the room's lights."""
        self._control().set_light(target)

    def emergency(self) -> None:
        """Lights up warm, music off; during a session also recorded and held."""
        self._control().emergency()

    def record_volume_change(self, start_pct: float, end_pct: float) -> None:
        """One finished volume gesture, for the record (nothing to record outside one)."""
        if self.live is not None:
            self.live.controller.record_volume_change(start_pct, end_pct)

    def choose_playlist(self, playlist: Path) -> bool:
        """Crossfade to ``playlist`` for the rest of this phase (only while a session runs)."""
        if self.live is None or not self.session_running():
            return False
        self.live.controller.choose_playlist(playlist)
        return True

    # -- device set-up (blocking: call on a worker thread) -----------------------------

    def discover_bridges(self, timeout_s: float) -> list[tuple[str, str]]:
        return self.device_setup.discover_bridges(timeout_s)

    def pair_bridge(self, address: str) -> str:
        return self.device_setup.pair_bridge(address)

    def list_bridge_groups(self, address: str, username: str) -> list[tuple[str, str]]:
        return self.device_setup.list_bridge_groups(address, username)

    def list_audio_outputs(self) -> list[AudioOutputChoice]:
        return self.device_setup.list_audio_outputs()

    # -- the room check ---------------------------------------------------------------------

    def room_check_request(self) -> RoomCheckRequest:
        """The room as this window drives it (in demo mode: the built-in emulator): the
        lights of the group its sessions steer (:attr:`steered_light_group`)."""
        return RoomCheckRequest(
            self.data_dir, self.bridge.address, self.bridge.username, self.steered_light_group,
            audio=self.audio, audio_device=self.settings.audio_device,
            unreachable_blocks=self.settings.room.unreachable_blocks_start)

    def check_room(self, on_done: Callable[[RoomCheckResult], None] | None = None) -> None:
        """Run the room check on a worker thread; ``on_done`` gets the result on the main
        thread (and :attr:`room_check` holds it). Asked while one is under way, a new check
        follows it (the room may have changed since it began): one at a time."""
        waiter = on_done if on_done is not None else (lambda _result: None)
        if self._check_waiters is not None:
            self._next_waiters.append(waiter)
        else:
            self._start_check([waiter])

    def _start_check(self, waiters: list[Callable[[RoomCheckResult], None]]) -> None:
        self._check_waiters = waiters
        request, checker = self.room_check_request(), self.device_setup.check_room

        def work() -> None:
            result = checker(request)
            self.post(lambda: self._room_checked(result))

        threading.Thread(target=work, name="ketaroom-room-check", daemon=True).start()

    def _room_checked(self, result: RoomCheckResult) -> None:
        self.room_check = result
        waiters, self._check_waiters = self._check_waiters or [], None
        for waiter in waiters:
            waiter(result)
        following, self._next_waiters = self._next_waiters, []
        if following:
            self._start_check(following)

    def fix_power_on(self, on_done: Callable[[Check], None]) -> None:
        """Set the room's lights' power-on behaviour (worker thread; the admin unlocked the
        gate first); ``on_done`` gets the ``fix`` check on the main thread, then the room
        is checked again."""
        request, fixer = self.room_check_request(), self.device_setup.fix_power_on

        def work() -> None:
            fixed = fixer(request)
            self.post(lambda: on_done(fixed))

        threading.Thread(target=work, name="ketaroom-power-on-fix", daemon=True).start()

    def test_sound_blocker(self) -> str | None:
        """Why the test sound cannot play now (``None``: it can)."""
        if self.session_running():
            return "A session is running: the test sound would play into it."
        if self.audio == "none":
            return "This room plays no music (its audio output is set to none)."
        if self.test_sound.playing:
            return "The test sound is playing."
        return None

    def play_test_sound(self, on_done: Callable[[Outcome], None]) -> str | None:
        """Play the test sound on the room's player, capped by the room's limit (returns at
        once; the player does the work on its own thread); ``on_done`` gets how it went, on
        the main thread. Returns why not when it cannot play now (nothing is played)."""
        blocker = self.test_sound_blocker()
        if blocker is None:
            self.test_sound.start(self.room.player, self.cap_pct, on_done)
        return blocker

    def start_blocker(self) -> str | None:
        """Why Start must wait, from the latest room check: only what would make the
        session unsafe (an unreachable light, when the room's setting says it blocks)."""
        result = self.room_check
        reachable = result.find("reachable") if result is not None else None
        if reachable is not None and reachable.status == "error":
            return reachable.message
        return None

    def start_session(self, preset: Preset, patient_ref: str | None = None, *,
                      warnings: Sequence[str] = (), patient_id: int | None = None,
                      course_id: int | None = None) -> LiveSession:
        """Record, build and start a session of ``preset`` (call on the main thread).

        ``warnings`` (what loading the preset found, e.g. a track missing from a playlist)
        are recorded at 0 s as the preset's warnings. ``patient_id`` and ``course_id``
        (:class:`~ketaroom.store.patients.PatientStore`) link the session to its patient
        and course (it gets the next number in the course); the session honours the
        patient's preferences (comfortable volume, never-play list, warmer/dimmer light).
        """
        self._flush_entries()
        self._prepare_room(preset)
        recorder = SessionRecorder(self.journal, on_health=self._recorder_health)
        recorder.begin(preset, room=self.settings.room_name, operator=self.operator,
                       patient_ref=patient_ref, patient_id=patient_id, course_id=course_id)
        preferences = (self.patients.patient_by_id(patient_id).preferences
                       if patient_id is not None else None)
        live = self._assemble(Session(preset, self.clock_factory(), room_group=self.light_group,
                                      preferences=preferences), recorder)
        if self.board is not None:  # the board shows the patient's code, never a name
            self.board.patient = (self.patients.code_of(patient_id)
                                  if patient_id is not None else None)
        live.runner.start()
        for warning in warnings:
            live.controller.warn("preset", warning, t=0.0)
        return live

    def record_clinical(self, entry: Payload) -> bool:
        """Queue a clinical field or measure of the open session through its recorder
        (durable like a note, crash-safe); once the session has ended (a reflection, the
        ready-to-leave time) it is written to the journal at once. False without one."""
        live = self.live
        if live is None:
            return False
        if live.session.state().status.ended:  # after the end (a reflection): straight in
            if live.session_id is None:
                return False
            self.patients.record(live.session_id, entry)
            return True
        live.recorder.record(entry.kind, session_t=live.controller.now_t(),
                             payload=entry.to_payload())
        return True

    def recover_session(self, interrupted: InterruptedSession, mode: RecoveryMode) -> LiveSession:
        """Take over a session a crash interrupted, at the right point of its timeline.

        Raises :class:`~ketaroom.session.recovery.RecoveryError` when it cannot be resumed.
        """
        plan = plan_recovery(interrupted, mode, self.clock_factory(),
                           room_group=self.light_group)
        self._flush_entries()
        self._prepare_room(plan.session.preset)
        mark_recovered(self.journal, plan)
        recorder = SessionRecorder(self.journal, on_health=self._recorder_health)
        recorder.adopt(interrupted.id, session_t=plan.session_t)
        live = self._assemble(plan.session, recorder)
        live.earlier = interrupted.earlier
        live.controller.record_missed(plan.missed)
        live.controller.restore_room()
        live.runner.tick()
        return live

    def _prepare_room(self, preset: Preset) -> None:
        """A fresh room for a new session (the previous one's fades finish on their own)."""
        self.test_sound.stop("a session started")
        if self._devices_stale:
            self.bridge = self._choose_bridge()
            self._devices_stale = False
            self._room_used = True
        if self._room_used:
            self._retire(self.room)
            self.room = self._new_room(self.room_cap(preset))
        else:
            self.room.set_max_volume(self.room_cap(preset))
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
        self._flush_entries()
        if self.board is not None:
            self.board.close(self.live, gone=True)
        self.poster.close()
        live = self.live
        if live is not None:
            live.runner.close()
            live.recorder.flush(CLOSE_TIMEOUT_S)
            live.recorder.close(CLOSE_TIMEOUT_S)
        self.room.close()
        for thread in self._retired:
            thread.join(CLOSE_TIMEOUT_S)
        self.loudness.close()
        if self.records_sync is not None:
            self.records_sync.stop(CLOSE_TIMEOUT_S)  # a batch cut short is resent next time
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
