"""The window's one door to the room and the session: :class:`RoomService`.

The window sends *intents* (start, pause, set the volume, a light, the emergency…) and
renders what the service publishes: :meth:`RoomService.state` (the read model,
:class:`~ketaroom.session.room_state.RoomState`: the music the engine confirmed, the volume
cap, the confirmed light and the lights' health) and the room reports it forwards. Whether
a session runs is the service's business: a live control goes through the session
controller (recorded) during a session and straight to the room's devices before the first
one — both take the same :class:`RoomControl` calls, so each intent is one line, not a fork.

What the door does itself: the session's life (start, crash recovery, the intents), the
read model, and the rules that join the parts (the volume cap, the light group the room
steers, when the test sound may play). The rest it owns through collaborators, one concept
each:

- :class:`~ketaroom.session.room_hardware.RoomHardware` — which bridge (the demo emulator),
  the room's :class:`~ketaroom.session.devices.RoomDevices` built, replaced when the
  settings change, renewed for each session (so that device reports are never recorded into
  an older session) and retired in the background;
- :class:`~ketaroom.session.room_records.RoomRecords` — the journal, patients, admin gate;
- :class:`~ketaroom.session.room_check_runner.RoomCheckRunner` — the room check and the
  power-on fix, off the main thread;
- :class:`~ketaroom.session.links.BoardConnection` and
  :class:`~ketaroom.session.links.RecordsSyncLink` — the nurse-station board and the
  clinic's records server.

A room exists before the first session so the light and music controls and the emergency
button work at any time, and the service builds a
:class:`~ketaroom.session.assemble.LiveSession` when Start is pressed.

Start-up (issue 14: the window's first frame comes before anything slow): with
``defer=True`` the constructor only notes the settings; :meth:`RoomService.open` then opens
the records and chooses the bridge (starting the demo emulator), and
:meth:`RoomService.open_room` builds the devices — libVLC and the bridge's client — on a
worker thread. Until they are up, a :class:`~ketaroom.session.pending_room.PendingRoom` takes
the live controls and hands them on, and the listeners of
:meth:`RoomService.on_room_ready` hear when the room is ready. The records, patients, admin
gate and music library open on first use. Without ``defer`` all of it happens in the
constructor (tests, tools). Every module named here is imported where it is first needed
(the collaborators above import nothing slow themselves).

Owners of values: the volume cap is :attr:`RoomService.cap_pct` (settings and preset);
the wanted volume is the room's (:attr:`RoomDevices.volume_pct`); what plays and at what
volume is the engine's, published by :meth:`RoomService.state`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ketaroom.core.clock import Clock, RealClock
from ketaroom.core.timeline_kinds import EventKind, Status
from ketaroom.session.links import BoardConnection, RecordsSyncLink
from ketaroom.session.pending_room import PendingRoom
from ketaroom.session.room_check_runner import RoomCheckRunner
from ketaroom.session.room_hardware import CLOSE_TIMEOUT_S, BackgroundCloser, RoomHardware
from ketaroom.session.room_records import RoomRecords
from ketaroom.session.room_state import RoomState

if TYPE_CHECKING:  # the rest is imported where it is first needed (see the docstring)
    from ketaroom.core.board import BrokerAddress
    from ketaroom.core.preset import Preset
    from ketaroom.core.room_check import Check, RoomCheckResult
    from ketaroom.core.session import Session, SessionEvent
    from ketaroom.core.targets import LightHealth, LightTarget
    from ketaroom.core.timeline import TimelineState
    from ketaroom.core.vitals import VitalLimits, Vitals
    from ketaroom.devices.hue_emulator import HueEmulator
    from ketaroom.session.assemble import LiveSession
    from ketaroom.session.board import BoardLink
    from ketaroom.session.controller import CueRecord
    from ketaroom.session.device_setup import AudioOutputChoice, DeviceSetup
    from ketaroom.session.devices import RoomDevices
    from ketaroom.session.library import MusicLibrary
    from ketaroom.session.loudness import LibraryLoudness
    from ketaroom.session.qt_post import MainThreadPoster
    from ketaroom.session.recorder import RecorderHealth, SessionRecorder
    from ketaroom.session.recovery import InterruptedSession, RecoveryMode
    from ketaroom.session.room_check import RoomCheckRequest
    from ketaroom.session.room_state import MusicState, RoomReport
    from ketaroom.session.runner import Wakeups
    from ketaroom.session.test_sound import Outcome, RoomTestSound
    from ketaroom.store.admin_pin import AdminGate
    from ketaroom.store.central.background import BackgroundSync, SyncStatus
    from ketaroom.store.journal import Journal
    from ketaroom.store.patients import Patient, PatientStore
    from ketaroom.store.record_schema import DeviceError, DeviceHealth, Payload
    from ketaroom.store.session_records import EventRecord
    from ketaroom.store.settings import BridgeSettings, Settings

log = logging.getLogger(__name__)

DEMO_LABEL = "Demo mode — built-in bridge emulator, bundled music"


class RoomControl(Protocol):
    """The live controls, as both the session controller and the bare room take them."""

    def set_volume(self, pct: float) -> None: ...

    def set_muted(self, muted: bool) -> None: ...

    def skip_track(self) -> None: ...

    def set_light(self, target: LightTarget) -> None: ...

    def emergency(self) -> None: ...


def _apscheduler_wakeups() -> Wakeups:
    from ketaroom.session.runner import APSchedulerWakeups  # APScheduler: at the first session

    return APSchedulerWakeups()


def _room_devices(post: Callable[[Callable[[], None]], None], **options: object) -> RoomDevices:
    from ketaroom.session.devices import RoomDevices  # libVLC's and the bridge's modules

    return RoomDevices(post, **options)  # type: ignore[arg-type]


class RoomService:
    """Intents in, confirmed state out, for one window (see the module docstring)."""

    def __init__(self, settings: Settings, data_dir: Path, *, demo: bool,
                 audio: str | None = None, clock_factory: Callable[[], Clock] = RealClock,
                 wakeups_factory: Callable[[], Wakeups] = _apscheduler_wakeups,
                 device_setup: DeviceSetup,
                 devices_factory: Callable[..., RoomDevices] = _room_devices,
                 board: BrokerAddress | None = None, defer: bool = False,
                 warm_up: Callable[[], None] | None = None) -> None:
        """``defer``: build nothing slow here; the caller then calls :meth:`open` and
        :meth:`open_room` (see the module docstring). ``warm_up`` runs on the thread that
        builds the devices, before them (the composition root's imports);
        ``devices_factory`` builds the room's devices (unit tests give a fake)."""
        self.settings = settings
        self.device_setup = device_setup
        """Bridge pairing and output listing, injected by the composition root."""
        self.data_dir = Path(data_dir)
        self._audio_override = audio
        self.clock_factory = clock_factory
        self.wakeups_factory = wakeups_factory
        from ketaroom.session.qt_post import MainThreadPoster  # Qt: only with a window

        self.poster: MainThreadPoster = MainThreadPoster()
        self._closer = BackgroundCloser()
        self._hardware = RoomHardware(
            self.post, self._closer, settings=lambda: self.settings, options=self._device_options,
            connect=self._connect, devices_factory=devices_factory, force_demo=demo,
            warm_up=warm_up)
        self._records = RoomRecords(self.data_dir)
        self._board = BoardConnection(self.post, self._closer, override=board,
                                      record=self._record_link)
        self._sync = RecordsSyncLink(self.post, lambda: self.journal.path)
        self._checks = RoomCheckRunner(self.post, self.room_check_request,
                                       lambda: self.device_setup)
        self._opened = False
        self._room_listeners: list[Callable[[RoomReport], None]] = []
        self._health_listeners: list[Callable[[RecorderHealth], None]] = []
        self._before_end: list[Callable[[], None]] = []
        self.live: LiveSession | None = None
        self.session_patient: str | None = None
        """The code of the live session's patient (None: no patient linked)."""
        self._chosen: Preset | None = None
        self._light: LightTarget | None = None
        self._light_health: LightHealth | None = None
        if not defer:
            self.open()
            self.open_room()

    # -- start-up: records, bridge, then the devices ---------------------------------------

    def open(self) -> None:
        """Open the records, choose the bridge (the demo emulator starts here), start the
        nurse-station board and the records sync. Main thread; once (later calls return)."""
        if self._opened:
            return
        self._opened = True
        self._hardware.choose_bridge()
        _ = self.gate  # reads the records: the PIN watch compares them with the PIN file
        self._sync.update(self.settings)
        self._board.start(self.settings)

    def open_room(self, *, wait: bool = True) -> None:
        """Build the room's devices (after :meth:`open`): here, or with ``wait=False`` on a
        worker thread (after the warm-up) — the :class:`PendingRoom` holds the live controls
        meanwhile — and tell the listeners of :meth:`on_room_ready` (main thread)."""
        self.open()
        self._hardware.open(self.settings.max_volume_pct, wait=wait)

    @property
    def room_ready(self) -> bool:
        """The room's devices are up (the live controls reach them; a session may start)."""
        return self.devices() is not None

    def devices(self) -> RoomDevices | None:
        """The room's devices once they are up (previews use them directly)."""
        return self._hardware.devices()

    def on_room_ready(self, listener: Callable[[str | None], None]) -> None:
        """``listener(problem)`` on the main thread when :meth:`open_room` is done:
        ``problem`` is ``None``, or says why the devices did not start."""
        self._hardware.on_ready(listener)

    @property
    def room(self) -> RoomDevices | PendingRoom:
        """The room's devices; a :class:`PendingRoom` until :meth:`open_room` built them."""
        return self._hardware.room

    @property
    def bridge(self) -> BridgeSettings | None:
        """The room's bridge (the emulator's in demo mode); ``None`` until :meth:`open`."""
        return self._hardware.bridge

    @property
    def emulator(self) -> HueEmulator | None:
        """The built-in bridge emulator (demo mode), else ``None``."""
        return self._hardware.emulator

    @property
    def demo(self) -> bool:
        """Demo mode: the built-in emulator (before :meth:`open`: what the settings make)."""
        return self._hardware.demo

    def _device_options(self) -> dict[str, object]:
        """The room's devices' options besides its bridge and volume limit."""
        return {"audio": self.audio, "lights_config_dir": self.data_dir,
                "output_device": self.settings.audio_device, "loudness": self.loudness}

    def _connect(self, room: RoomDevices) -> None:
        """A new room, before it takes a control: its reports come here, its lights go to
        the group the room steers (before a held emergency is handed on)."""
        room.on_report(lambda report: self._forward(room, report))
        room.use_light_group(self.steered_light_group)

    # -- the records (opened on first use) --------------------------------------------------

    @property
    def operator(self) -> str:
        """Who is at the keyboard, for the record (the OS account)."""
        return self._records.operator

    @property
    def journal(self) -> Journal:
        return self._records.journal

    @property
    def journal_message(self) -> str | None:
        """Set when the records file could not be used (the session is recorded elsewhere)."""
        return self._records.journal_message

    @property
    def patients(self) -> PatientStore:
        """Patients, courses and measures (the patient picker, view and clinical panel)."""
        return self._records.patients

    @property
    def gate(self) -> AdminGate:
        """Guards presets, room profiles and settings; running sessions need no PIN."""
        return self._records.gate

    @property
    def pin_message(self) -> str | None:
        """Set when the PIN file was deleted or replaced outside ketaroom (a reset)."""
        return self._records.pin_message

    # -- the music's helpers (opened on first use) -----------------------------------------

    @cached_property
    def test_sound(self) -> RoomTestSound:
        """The room check's test sound on this room's player (never during a session)."""
        from ketaroom.session.test_sound import RoomTestSound

        return RoomTestSound(self.post)

    @cached_property
    def loudness(self) -> LibraryLoudness:
        """Track gains from the music-library cache (unscanned tracks measured here)."""
        from ketaroom.session.loudness import LibraryLoudness

        return LibraryLoudness(self.data_dir, self.settings.loudness_target)

    @cached_property
    def library(self) -> MusicLibrary:
        """The clinic's music library (Clinic → Music library)."""
        from ketaroom.session.library import MusicLibrary

        return MusicLibrary(self.data_dir, lambda: self.settings.loudness_target)

    @property
    def audio(self) -> str:
        """libVLC output: the room's setting unless the caller forced one (tests, tools)."""
        return self._audio_override or self.settings.audio

    # -- settings -----------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> bool:
        """Use new settings; returns whether the room's devices changed now.

        Bridge and audio changes take effect at once when no session is running,
        otherwise from the next session (a running session keeps its room). The volume
        limit applies at once, to a running session too.
        """
        self.open()
        devices_changed = (settings.bridge, settings.audio, settings.audio_device) != (
            self.settings.bridge, self.settings.audio, self.settings.audio_device)
        if settings.bridge != self.settings.bridge:
            self._hardware.force_demo = False  # an admin just chose this room's bridge: use it
        old, self.settings = self.settings, settings
        self._board.settings_changed(old, settings)
        if settings.loudness_target != self.loudness.target_lufs:
            self.loudness.target_lufs = settings.loudness_target
            self.room.refresh_gains()  # the track playing glides there, 1 dB/s
        self._sync.update(settings)
        # a change made during a session waits for its end, whatever is saved meanwhile
        devices_changed = devices_changed or self._hardware.stale
        if not devices_changed or self.session_running():
            self._hardware.stale = devices_changed
            # the volume limit is a safety setting: it applies to the room now
            self.room.set_max_volume(self.room_cap(self._live_preset()))
            return False
        if self.room_ready:
            self.test_sound.stop("the room's speakers or bridge changed")
        self._hardware.replace(settings.max_volume_pct)
        return True

    def session_running(self) -> bool:
        return self.live is not None and not self.live.session.state().status.ended

    def _live_preset(self) -> Preset | None:
        """The running session's preset (its ``max_volume`` still caps the room)."""
        return self.live.session.preset if self.live is not None and self.session_running() \
            else None

    @property
    def light_group(self) -> str | None:
        """The room's own light group (``None``: the room set none; before :meth:`open`:
        the one the settings name)."""
        return self._hardware.light_group

    @property
    def steered_light_group(self) -> str | None:
        """The group the room's light changes go to now, the session's rule
        (:func:`~ketaroom.core.targets.light_group_for`): the room's group, else the running
        — or chosen — preset's fallback ``light_group``, else ``None``: every light on the
        bridge (Room settings' "All lights on the bridge"). The room's lights are kept
        pointed at it (:meth:`RoomDevices.use_light_group`), so the emergency light and the
        watch for lost lights go where the sliders and the session's lights go."""
        from ketaroom.core.targets import light_group_for

        preset = self._current_preset()
        return light_group_for(self.light_group,
                               preset.light_group if preset is not None else None)

    # -- what the window hears ----------------------------------------------------------------

    def post(self, fn: Callable[[], None]) -> None:
        self.poster.post(fn)

    def on_room_report(self, listener: Callable[[RoomReport], None]) -> None:
        self._room_listeners.append(listener)

    def on_recorder_health(self, listener: Callable[[RecorderHealth], None]) -> None:
        self._health_listeners.append(listener)

    def on_board_link(self, listener: Callable[[bool, str], None]) -> None:
        """``listener(reachable, message)`` on the main thread when the board's broker
        comes or goes."""
        self._board.on_link(listener)

    @property
    def board(self) -> BoardLink | None:
        """Publishes the room's state to the nurse-station board (``--mqtt``), or None."""
        return self._board.link

    @property
    def board_reachable(self) -> bool | None:
        """The board's broker answers (None: not known yet, or no board)."""
        return self._board.reachable

    def _record_link(self, entry: DeviceHealth | DeviceError) -> None:
        """The board's broker came or went: recorded in a running session."""
        if self.live is not None and self.session_running():
            self.live.controller.report(entry, emit=False)

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
        self._sync.on_status(listener)

    @property
    def records_sync(self) -> BackgroundSync | None:
        """Syncs the journal to the clinic's records server, when one is set."""
        return self._sync.sync

    def _steer_lights(self) -> None:
        """Point the room's lights at :attr:`steered_light_group` (it changed: a preset
        chosen, a session ended); a session's start does so itself (``build_session``)."""
        self.room.use_light_group(self.steered_light_group)

    def _forward(self, room: RoomDevices, report: RoomReport) -> None:
        if room is not self.room:
            return  # a retired room still finishing its fade: not this session's business
        if report.light is not None and report.kind == "light":
            self._light = report.light
        if report.health is not None:
            self._light_health = report.health
        self.test_sound.report(report)
        self._board.on_room_report(report)
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
        live = self.live
        return RoomState(music, self.cap_pct, self._light, self._light_health,
                         self.emergency_held, live.controller.music_note if live else None,
                         self.session_patient if live else None)

    def choose_preset(self, preset: Preset | None) -> None:
        """The preset picked for the next session (its volume limit shows already; its
        fallback light group is the room's until a session runs, when the room has none)."""
        self._chosen = preset
        self._steer_lights()

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
        from ketaroom.session.room_check import RoomCheckRequest

        self.open()
        assert self.bridge is not None
        return RoomCheckRequest(
            self.data_dir, self.bridge.address, self.bridge.username, self.steered_light_group,
            audio=self.audio, audio_device=self.settings.audio_device,
            unreachable_blocks=self.settings.room.unreachable_blocks_start)

    @property
    def room_check(self) -> RoomCheckResult | None:
        """The latest room check's result (``None`` before the first one ends)."""
        return self._checks.result

    def check_room(self, on_done: Callable[[RoomCheckResult], None] | None = None) -> None:
        """Run the room check on a worker thread; ``on_done`` gets the result on the main
        thread (and :attr:`room_check` holds it). Asked while one is under way, a new check
        follows it (the room may have changed since it began): one at a time."""
        self._checks.check(on_done)

    def fix_power_on(self, on_done: Callable[[Check], None]) -> None:
        """Set the room's lights' power-on behaviour (worker thread; the admin unlocked the
        gate first); ``on_done`` gets the ``fix`` check on the main thread."""
        self._checks.fix_power_on(on_done)

    def test_sound_blocker(self) -> str | None:
        """Why the test sound cannot play now (``None``: it can)."""
        if self.session_running():
            return "A session is running: the test sound would play into it."
        if self.audio == "none":
            return "This room plays no music (its audio output is set to none)."
        if not self.room_ready:
            return "The room's devices are still starting."
        if self.test_sound.playing:
            return "The test sound is playing."
        return None

    def play_test_sound(self, on_done: Callable[[Outcome], None]) -> str | None:
        """Play the test sound on the room's player, capped by the room's limit (returns at
        once; the player does the work on its own thread); ``on_done`` gets how it went, on
        the main thread. Returns why not when it cannot play now (nothing is played)."""
        blocker = self.test_sound_blocker()
        if blocker is None:
            room = self.devices()
            assert room is not None  # the blocker says so otherwise
            self.test_sound.start(room.player, self.cap_pct, on_done)
        return blocker

    def start_blocker(self) -> str | None:
        """Why Start must wait, from the latest room check: only what would make the
        session unsafe (an unreachable light, when the room's setting says it blocks)."""
        return self._checks.start_blocker()

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
        from ketaroom.core.session import Session
        from ketaroom.session.recorder import SessionRecorder

        self._flush_entries()
        self._prepare_room(preset)
        recorder = SessionRecorder(self.journal, on_health=self._recorder_health)
        recorder.begin(preset, room=self.settings.room_name, operator=self.operator,
                       patient_ref=patient_ref, patient_id=patient_id, course_id=course_id)
        patient = self.patients.patient_by_id(patient_id) if patient_id is not None else None
        live = self._assemble(Session(preset, self.clock_factory(), room_group=self.light_group,
                                      preferences=patient.preferences if patient else None),
                              recorder)
        self._link_patient(patient.code if patient else None)
        live.runner.start()
        for warning in warnings:
            live.controller.warn("preset", warning, t=0.0)
        return live

    def remember_comfortable_volume(self, code: str, volume_pct: float) -> Patient:
        """Store ``volume_pct`` (whole percent) as patient ``code``'s comfortable volume,
        their other preferences kept; from their next session on. Blocking (SQLite): call
        off the main thread. :class:`ClinicalInputError` for a volume outside 0–100 %,
        :class:`KeyError` for an unknown code."""
        preferences = self.patients.patient(code).preferences
        return self.patients.set_preferences(
            code, replace(preferences, volume_pct=float(round(volume_pct))))

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
        from ketaroom.session.recorder import SessionRecorder
        from ketaroom.session.recovery import mark_recovered, plan_recovery

        plan = plan_recovery(interrupted, mode, self.clock_factory(),
                           room_group=self.light_group)
        self._flush_entries()
        self._prepare_room(plan.session.preset)
        mark_recovered(self.journal, plan)
        recorder = SessionRecorder(self.journal, on_health=self._recorder_health)
        recorder.adopt(interrupted.id, session_t=plan.session_t)
        live = self._assemble(plan.session, recorder)
        self._link_patient(interrupted.record.patient)  # its course goes on after a crash
        live.take_over(interrupted.earlier)
        live.controller.record_missed(plan.missed)
        live.controller.restore_room()
        live.runner.tick()
        return live

    def _link_patient(self, code: str | None) -> None:
        """The live session's patient (``None``: none): the music panel's offer to remember
        a comfortable volume, and the board, which shows the code, never a name."""
        self.session_patient = code
        if self.board is not None:
            self.board.patient = code

    def _prepare_room(self, preset: Preset) -> None:
        """A fresh room for a new session (the previous one's fades finish on their own)."""
        self.open()
        self._hardware.await_room(self.settings.max_volume_pct)
        self.test_sound.stop("a session started")
        self._hardware.renew(self.room_cap(preset))
        old = self.live
        if old is not None:
            old.runner.close()
            self._closer.close(old.recorder.close, "recorder")

    def _assemble(self, session: Session, recorder: SessionRecorder) -> LiveSession:
        from ketaroom.session.assemble import build_session

        self.live = build_session(session, recorder, self.room, post=self.post,
                                  wakeups=self.wakeups_factory(), operator=self.operator)
        self.live.runner.on_event(self._on_session_event)
        return self.live

    def _on_session_event(self, event: SessionEvent) -> None:
        if event.kind is EventKind.SESSION_END:
            self._steer_lights()  # the chosen preset's group again, as the sliders

    def _recorder_health(self, health: RecorderHealth) -> None:
        """Called on the recorder thread."""
        def deliver() -> None:
            for listener in self._health_listeners:
                listener(health)
        self.post(deliver)

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
        self._hardware.close()
        if "loudness" in self.__dict__:  # opened on first use
            self.loudness.close()
        self._sync.stop(CLOSE_TIMEOUT_S)  # a batch cut short is resent next time
        self._records.close()
