"""The music engine: one worker thread that owns every libVLC object and call.

Public methods only put commands on a queue (they never block the caller, never touch
libVLC). The worker drains the queue and, while anything moves, ticks at 40 Hz: every
deck's volume is a dB ramp (see :mod:`levels`) sampled each tick and sent to libVLC as
an integer volume plus a fine equalizer-preamp trim (:func:`levels.vlc_gain`), so each
tick lands on the exact dB wanted (≈40 real level changes per second during a fade).
Two decks (MediaPlayers) crossfade: on a phase change, on ``skip``,
and ~fade seconds before a track ends. libVLC events are posted to the same queue by
:mod:`vlc_backend` and handled here.

Loudness invariants (the worst bug this product can have is a blast):

* a deck starts padded (≈ −43 dB) at volume 0 and is unpadded only after its stream
  runs and libVLC accepted volume 0; the fade then starts ``FADE_RANGE_DB`` (50 dB)
  below its target (see ``vlc_backend`` docstring);
* the integer volume is the whole percent at or just above the wanted level and the trim
  only ever lowers it, so losing the trim can never be louder than one percent step;
* the output of a deck is ``min(deck ramp, cap ramp) + mute ramp`` and never exceeds
  the cap once the cap ramp settled; clinician changes move ≤ 6 dB/s, lowering the cap
  moves ≤ 20 dB/s (at once while nothing is audible), mute 0.5 s down / 2 s up,
  emergency 1 s down then stop;
* loudness normalisation (a :class:`LoudnessSource` given): each deck adds its track's
  gain to its level *after* the cap, ``min(deck ramp, cap) + track gain + mute``, so
  every track is heard at the clinic's target for a given volume and the cap keeps its
  perceived meaning; the sum never goes above 0 dB (libVLC 100 %, trim 0), and a track's
  gain already keeps its peak ≤ −1 dBFS there. A track never measured plays at
  ``SAFE_GAIN_DB`` while it is measured in the background (the playlist's tracks are
  measured ahead, in order, when it is applied); a gain learnt mid-track, or changed by a
  new loudness target (``refresh_gains``), glides at ``GAIN_GLIDE_DB_PER_S``;
* ``emergency_off`` also arms a watchdog thread that, 2 s later, hard-mutes and stops
  both players directly if the worker did not reach silence (stuck fade, stuck thread).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketaroom.core.playlists import track_problem
from ketaroom.core.targets import NO_AUDIO_OUTPUT, MusicTarget
from ketaroom.devices.music.api import (
    AudioUnavailable,
    LoudnessSource,
    MusicReport,
    MusicStatus,
    ReportKind,
    ReportSink,
    SampleSink,
)
from ketaroom.devices.music.commands import (
    Apply,
    Close,
    Command,
    DeckPhase,
    Emergency,
    GainMeasured,
    RefreshGains,
    SetMaxVolume,
    SetMuted,
    SetVolume,
    Skip,
    VlcEvent,
)
from ketaroom.devices.music.levels import (
    FLOOR_DB,
    MAX_CHANGE_DB_PER_S,
    Ramp,
    db_to_pct,
    pct_to_db,
    vlc_gain,
)

log = logging.getLogger(__name__)

TICK_S = 1 / 40
"""Ramp sampling period while anything moves (40 steps/s)."""
STEADY_TICK_S = 0.25
"""Period while music plays at a steady level: status, end-of-track crossfade timing and
re-asserting the volume need no more (saves CPU in a session that runs for hours)."""
START_POLL_S = 0.004
"""Polling period while a deck waits for its stream to start (safe-start window)."""
START_TIMEOUT_S = 8.0
"""A track that produced no audio after this long is treated as unplayable."""
MIN_FADE_S = 0.25
CAP_DOWN_DB_PER_S = 20.0
MUTE_DOWN_S = 0.5
MUTE_UP_S = 2.0
EMERGENCY_FADE_S = 1.0
EMERGENCY_DEADLINE_S = 2.0
REASSERT_S = 0.5
SAFE_GAIN_DB = -12.0
"""Gain of a track not measured yet. Commercial masters sit at −14…−8 LUFS, so −12 dB
puts them within a few LU of the −23 LUFS target, and even a −5 LUFS "loudness war"
master plays only ~6 LU over it, never the 15–20 dB jolt of an unnormalised loud track;
a quiet (classical, ambient) track plays quieter than it should until measured, which is
the safe side."""
GAIN_GLIDE_DB_PER_S = 1.0
"""How fast a gain learnt (or re-targeted) mid-track is reached: a slow drift, never a
step (−12 → −22 dB takes 10 s)."""
NO_OUTPUT_MESSAGE = "No audio output found — the session goes on without music"


@dataclass
class _DeckState:
    index: int
    phase: DeckPhase = DeckPhase.IDLE
    track: Path | None = None
    ramp: Ramp = field(default_factory=lambda: Ramp.hold(FLOOR_DB, 0.0))
    fade_s: float = 1.0
    level_db: float = FLOOR_DB
    started_wall: float = 0.0
    es_added: bool = False
    sent: tuple[int, float] | None = None
    """Last ``(volume, trim_db)`` sent to the deck."""
    sent_wall: float = 0.0
    next_started: bool = False
    apply_seq: int = 0
    out_pending: bool = False
    """Fading out waits for the incoming deck's stream (then an equal-power crossfade)."""
    crossfade: bool = False
    """This deck comes in against another audible deck: equal-power curve."""
    output_known: bool = False
    """Whether this stream reaches an audio output has been settled (see ``_check_output``)."""
    gain: Ramp = field(default_factory=lambda: Ramp.hold(0.0, 0.0))
    """The track's loudness-normalising gain (dB, added after the cap)."""


def _output_db(level_db: float, gain_db: float, mute_db: float) -> float:
    """A deck's output: its capped level plus the track's gain plus the mute ramp
    (silence stays silence whatever the gain)."""
    if level_db <= FLOOR_DB + 1e-9:
        return FLOOR_DB
    return level_db + gain_db + mute_db


class VlcPlayer:
    """The real player (see :class:`ketaroom.devices.music.api.Player`).

    ``sample_sink`` (tests) switches both decks to amem capture: every decoded and
    volume-scaled buffer is handed to it as ``(deck, S16 stereo bytes, pts)``.
    ``loudness``: where track gains come from; ``None`` plays every track as it is (the
    bundled tracks are all mastered at the target).
    """

    def __init__(self, audio: str = "default", *, on_report: ReportSink | None = None,
                 time_scale: float = 1.0, vlc_args: Sequence[str] = (),
                 sample_sink: SampleSink | None = None, seed: int | None = None,
                 output_device: str | None = None,
                 loudness: LoudnessSource | None = None) -> None:
        self._on_report = on_report
        self._loudness = loudness
        self._scale = max(1e-3, float(time_scale))
        self._q: queue.Queue[Command] = queue.Queue()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._apply_seq = 0
        self._settled_seq = 0
        self._status = MusicStatus(None, 0.0, 0.0, False, "", None, None)
        self._closed = False
        self._rng = random.Random(seed)
        self._ready = threading.Event()
        self._init_error: BaseException | None = None
        self._backend: Any = None
        self._thread = threading.Thread(
            target=self._run, args=(audio, tuple(vlc_args), sample_sink, output_device),
            name="ketaroom-music", daemon=True)
        # worker-only state
        self._decks: list[_DeckState] = [_DeckState(0), _DeckState(1)]
        self._active: int | None = None
        self._target: MusicTarget | None = None
        self._order: list[Path] = []
        self._pos = 0
        self._fail_streak = 0
        self._reported_bad: set[Path] = set()
        """Tracks of the current playlist already reported as unplayable."""
        self._level_db = FLOOR_DB
        self._cap = Ramp.hold(0.0, 0.0)
        self._mute = Ramp.hold(0.0, 0.0)
        self._muted = False
        self._silence_pending = False
        self._no_output = False
        """No audio output was found (reported once per player)."""
        self._thread.start()
        self._ready.wait(15.0)
        if self._init_error is not None or not self._ready.is_set():
            raise AudioUnavailable(str(self._init_error or "libVLC did not start in time"))

    # ---------------------------------------------------------------- public API
    def apply(self, target: MusicTarget) -> None:
        with self._lock:
            self._apply_seq += 1
            seq = self._apply_seq
        self._q.put(Apply(target, seq))

    def set_volume(self, pct: float) -> None:
        self._q.put(SetVolume(float(pct)))

    def set_max_volume(self, pct: float) -> None:
        self._q.put(SetMaxVolume(float(pct)))

    def set_muted(self, muted: bool) -> None:
        self._q.put(SetMuted(bool(muted)))

    def skip(self) -> None:
        self._q.put(Skip())

    def refresh_gains(self) -> None:
        self._q.put(RefreshGains())

    def emergency_off(self) -> None:
        backend = self._backend
        gens = [deck.gen for deck in backend.decks] if backend is not None else []
        self._q.put(Emergency())
        timer = threading.Timer(EMERGENCY_DEADLINE_S, self._watchdog, args=(gens,))
        timer.daemon = True
        timer.start()

    def status(self) -> MusicStatus:
        with self._lock:
            return self._status

    def flush(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._settled_seq < self._apply_seq:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._q.put(Close())
        self._thread.join(5.0)

    # ---------------------------------------------------------------- worker
    def _post(self, item: Command) -> None:
        self._q.put(item)

    def _run(self, audio: str, vlc_args: tuple[str, ...], sink: SampleSink | None,
             output_device: str | None = None) -> None:
        try:
            from ketaroom.devices.music.vlc_backend import VlcBackend

            self._backend = VlcBackend(self._post, vlc_args, audio, sink, output_device)
        except BaseException as exc:
            self._init_error = exc
            self._ready.set()
            return
        self._ready.set()
        next_tick = time.monotonic()
        try:
            while True:
                busy = self._busy()
                timeout = max(0.0, next_tick - time.monotonic()) if busy else 0.5
                try:
                    item = self._q.get(timeout=timeout)
                except queue.Empty:
                    item = None
                handled = item is not None
                while item is not None:
                    if isinstance(item, Close):
                        self._shutdown()
                        return
                    self._handle(item)
                    try:
                        item = self._q.get_nowait()
                    except queue.Empty:
                        item = None
                now = time.monotonic()
                if handled or now >= next_tick or not busy:
                    self._tick(now)
                    next_tick = now + self._period(now)
        except Exception:  # pragma: no cover - last resort: never leave sound running
            log.exception("music worker crashed")
            self._report("device_error", "music engine failed — music is off", None)
            for deck in self._backend.decks:
                with contextlib.suppress(Exception):
                    deck.hard_silence()
            self._settle_all()

    def _period(self, now: float) -> float:
        """How soon the next tick is needed: fast while anything starts or moves."""
        if any(d.phase is DeckPhase.STARTING for d in self._decks):
            return START_POLL_S
        moving = (not self._cap.done(now) or not self._mute.done(now)
                  or self._silence_pending or any(
                      d.phase is not DeckPhase.IDLE
                      and (d.phase is not DeckPhase.PLAYING or not d.ramp.done(now)
                           or not d.gain.done(now))
                      for d in self._decks))
        return TICK_S if moving else STEADY_TICK_S

    def _busy(self) -> bool:
        return any(d.phase is not DeckPhase.IDLE for d in self._decks) or self._silence_pending

    def _handle(self, item: Command) -> None:
        now = time.monotonic()
        if isinstance(item, Apply):
            self._do_apply(item.target, item.seq, now)
        elif isinstance(item, SetVolume):
            self._do_volume(item.pct, now)
        elif isinstance(item, SetMaxVolume):
            cur = self._cap.value(now)
            new = pct_to_db(max(0.0, min(100.0, item.pct)))
            if not any(d.phase in (DeckPhase.PLAYING, DeckPhase.OUT) for d in self._decks):
                # nothing audible (a fresh room, silence, a track still starting behind
                # its pad): the cap holds at once, so the next fade-in never outruns it
                self._cap = Ramp.hold(new, now)
            else:
                rate = CAP_DOWN_DB_PER_S if new < cur else MAX_CHANGE_DB_PER_S
                self._cap = Ramp.limited(cur, new, now, rate)
        elif isinstance(item, SetMuted):
            if item.muted != self._muted:
                self._muted = item.muted
                cur = self._mute.value(now)
                self._mute = (Ramp.to(cur, FLOOR_DB, now, MUTE_DOWN_S) if self._muted
                              else Ramp.to(cur, 0.0, now, MUTE_UP_S))
                self._report("state", "muted" if self._muted else "unmuted", None)
        elif isinstance(item, Skip):
            if self._active is not None and self._target is not None:
                self._start_next(self._fade(), now)
        elif isinstance(item, Emergency):
            self._do_emergency(now)
        elif isinstance(item, VlcEvent):
            self._on_vlc_event(item.deck, item.gen, item.name, now)
        elif isinstance(item, GainMeasured):
            self._gain_measured(item.path, item.gain_db, now)
        elif isinstance(item, RefreshGains):
            self._refresh_gains(now)

    def _fade(self) -> float:
        fade = self._target.fade_s if self._target else 2.0
        return max(MIN_FADE_S, fade / self._scale)

    # -- commands
    def _do_apply(self, target: MusicTarget, seq: int, now: float) -> None:
        prev = self._target
        self._target = target
        fade = self._fade()
        self._level_db = pct_to_db(target.volume_pct)
        for d in self._decks:
            d.apply_seq = seq
        if target.silent:
            if not target.tracks and target.volume_pct > 0:
                self._report("warning", f"playlist {target.label or '(unnamed)'} is empty — "
                             "silence", None, fade)
            self._fade_all_out(fade, now)
            self._active = None
            self._silence_pending = True
            return
        self._silence_pending = False
        active = self._decks[self._active] if self._active is not None else None
        if (active is not None and prev is not None and prev.tracks == target.tracks
                and active.phase in (DeckPhase.STARTING, DeckPhase.PLAYING)):
            # same playlist: keep the track, ramp to the new volume over the fade
            active.level_db = self._level_db
            if active.phase is DeckPhase.PLAYING:
                active.ramp = Ramp.to(active.ramp.value(now), self._level_db, now, fade)
            self._settle(seq)
            named = f"{target.label}: " if target.label else ""
            self._report("music", f"{named}volume {target.volume_pct:g} %", active.track, fade)
            return
        self._order = list(target.tracks)
        if target.shuffle:
            self._rng.shuffle(self._order)
        self._pos = 0
        self._fail_streak = 0
        self._reported_bad = set()
        self._start_next(fade, now)
        self._measure_ahead(self._order)

    def _do_volume(self, pct: float, now: float) -> None:
        self._level_db = pct_to_db(max(0.0, min(100.0, pct)))
        if self._active is None:
            return
        d = self._decks[self._active]
        d.level_db = self._level_db
        if d.phase is DeckPhase.PLAYING:
            d.ramp = Ramp.limited(d.ramp.value(now), self._level_db, now, MAX_CHANGE_DB_PER_S)

    def _do_emergency(self, now: float) -> None:
        self._target = None
        self._active = None
        self._order = []
        self._fade_all_out(EMERGENCY_FADE_S, now)
        self._silence_pending = True
        self._report("state", "emergency off — music fading out", None, EMERGENCY_FADE_S)

    def _watchdog(self, gens: list[int]) -> None:
        """Runs on a timer thread 2 s after emergency_off: the hard path.

        ``gens``: each deck's load generation at the emergency. A deck the worker has
        stopped or reloaded since is not touched: the worker is alive, and a track loaded
        after the emergency is music the clinician brought back (Resume)."""
        if self._backend is None or self._closed:
            return
        if all(d.phase is DeckPhase.IDLE for d in self._decks):
            return
        for deck, gen in zip(self._backend.decks, gens, strict=False):
            if deck.gen != gen:
                continue
            with contextlib.suppress(Exception):
                deck.hard_silence()
        self._report("state", "emergency off — hard mute", None)

    def _fade_all_out(self, fade: float, now: float) -> None:
        for d in self._decks:
            if d.phase is DeckPhase.STARTING:
                self._backend.decks[d.index].stop()
                d.phase = DeckPhase.IDLE
                d.sent = None
            elif (d.phase is DeckPhase.OUT and not d.out_pending
                  and d.ramp.t0 + d.ramp.duration_s - now <= fade):
                continue  # already fading out faster than asked
            elif d.phase in (DeckPhase.PLAYING, DeckPhase.OUT):
                d.phase = DeckPhase.OUT
                d.out_pending = False
                d.ramp = Ramp.to(d.ramp.value(now), FLOOR_DB, now, fade)

    # -- tracks
    def _next_path(self) -> Path | None:
        if not self._order or self._target is None:
            return None
        if self._pos >= len(self._order):
            if not self._target.loop:
                return None
            self._order = list(self._target.tracks)
            if self._target.shuffle:
                self._rng.shuffle(self._order)
            self._pos = 0
        path = self._order[self._pos]
        self._pos += 1
        return path

    # -- loudness
    def _measure_ahead(self, paths: Iterable[Path]) -> None:
        """Have the tracks not measured yet measured in the background, in play order."""
        if self._loudness is None:
            return
        unknown = [p for p in dict.fromkeys(paths) if self._known_gain(p) is None]
        if unknown:
            self._loudness.measure(unknown, lambda p, g: self._q.put(GainMeasured(p, g)))

    def _known_gain(self, path: Path) -> float | None:
        try:
            return self._loudness.known_gain_db(path) if self._loudness is not None else None
        except Exception:  # a broken cache must never stop the music
            log.exception("loudness lookup failed for %s", path)
            return None

    def _start_gain(self, path: Path) -> float:
        """The gain a track starts at: measured, else the safe default (0 without a
        loudness source)."""
        if self._loudness is None:
            return 0.0
        gain = self._known_gain(path)
        return SAFE_GAIN_DB if gain is None else gain

    def _gain_measured(self, path: Path, gain_db: float | None, now: float) -> None:
        """A measurement arrived: a deck still behind its pad takes it at once, an
        audible one glides there slowly."""
        if gain_db is None:
            return
        for d in self._decks:
            if d.track == path and d.phase is not DeckPhase.IDLE:
                self._move_gain(d, gain_db, now)

    def _refresh_gains(self, now: float) -> None:
        """The target changed: every deck with a known gain moves to its new value (an
        unmeasured track keeps the safe default until its measurement lands)."""
        for d in self._decks:
            if d.track is None or d.phase is DeckPhase.IDLE:
                continue
            gain_db = self._known_gain(d.track)
            if gain_db is not None:
                self._move_gain(d, gain_db, now)

    @staticmethod
    def _move_gain(d: _DeckState, gain_db: float, now: float) -> None:
        """A deck behind its pad takes ``gain_db`` at once; an audible one glides."""
        if d.phase is DeckPhase.STARTING:
            d.gain = Ramp.hold(gain_db, now)
        else:
            d.gain = Ramp.limited(d.gain.value(now), gain_db, now, GAIN_GLIDE_DB_PER_S)

    def _pick_deck(self) -> _DeckState:
        others = [d for d in self._decks if d.index != self._active]
        idle = [d for d in others if d.phase is DeckPhase.IDLE]
        if idle:
            return idle[0]
        if self._active is None:
            idle = [d for d in self._decks if d.phase is DeckPhase.IDLE]
            if idle:
                return idle[0]
        # both busy: take over the quietest non-active deck (it is fading out anyway)
        now = time.monotonic()
        return min(others, key=lambda d: d.ramp.value(now))

    def _start_next(self, fade: float, now: float) -> None:
        """Crossfade from the active deck (if any) into the next playable track."""
        if self._target is None:
            return
        tries = 0
        while True:
            path = self._next_path()
            if path is None:
                self._end_of_list(fade, now)
                return
            problem = track_problem(path)
            if problem is None:
                break
            self._bad_track(path, problem)
            tries += 1
            if self._fail_streak >= len(self._target.tracks) or tries > len(self._order) + 1:
                self._all_bad(now)
                return
        if self._active is not None:
            old = self._decks[self._active]
            if old.phase is DeckPhase.STARTING:
                self._backend.decks[old.index].stop()
                old.phase = DeckPhase.IDLE
            elif old.phase is DeckPhase.PLAYING:
                # keep it at its level until the new stream runs, then equal-power out
                old.phase = DeckPhase.OUT
                old.ramp = Ramp.hold(old.ramp.value(now), now)
                old.out_pending = True
        crossing = any(x.out_pending for x in self._decks)
        d = self._pick_deck()
        if d.phase is not DeckPhase.IDLE:
            self._backend.decks[d.index].stop()
        self._backend.decks[d.index].load_and_play(path)
        d.phase = DeckPhase.STARTING
        d.track = path
        d.fade_s = fade
        d.level_db = self._level_db
        d.ramp = Ramp.hold(FLOOR_DB, now)
        d.started_wall = now
        d.es_added = False
        d.sent = (0, 0.0)
        d.sent_wall = now
        d.next_started = False
        d.out_pending = False
        d.crossfade = crossing
        d.output_known = False
        d.gain = Ramp.hold(self._start_gain(path), now)
        self._active = d.index

    def _bad_track(self, path: Path, problem: str) -> None:
        """A track that cannot play is skipped: a ``warning`` (the music goes on), said once
        per playlist — a looping playlist does not repeat it on every pass."""
        self._fail_streak += 1
        if path in self._reported_bad:
            return
        self._reported_bad.add(path)
        self._report("warning", f"cannot play {path.name}: {problem} — skipped", path)

    def _all_bad(self, now: float) -> None:
        label = self._target.label if self._target else ""
        self._report("warning", f"no playable track in {label or 'the playlist'} — silence",
                     None)
        self._order = []
        self._release_pending_outs(now, self._fade())
        if self._active is not None:
            d = self._decks[self._active]
            if d.phase is DeckPhase.STARTING:
                self._backend.decks[d.index].stop()
                d.phase = DeckPhase.IDLE
        self._active = None
        self._settle_all()

    def _end_of_list(self, fade: float, now: float) -> None:
        """No loop and nothing left: fade the active deck out; silence."""
        self._release_pending_outs(now, fade)
        if self._active is not None:
            d = self._decks[self._active]
            if d.phase is DeckPhase.PLAYING:
                d.phase = DeckPhase.OUT
                d.ramp = Ramp.to(d.ramp.value(now), FLOOR_DB, now, fade)
        self._active = None
        self._silence_pending = True

    def _on_vlc_event(self, index: int, gen: int, name: str, now: float) -> None:
        if gen != self._backend.decks[index].gen:
            return  # stale: the deck was reloaded or stopped since
        d = self._decks[index]
        if name == "MediaPlayerESAdded":
            d.es_added = True
        elif name in ("MediaPlayerEndReached", "MediaPlayerEncounteredError"):
            if d.phase is DeckPhase.STARTING:
                self._backend.decks[index].stop()
                d.phase = DeckPhase.IDLE
                what = ("libVLC error" if name == "MediaPlayerEncounteredError"
                        else "not a playable audio file")
                if d.track is not None:
                    self._bad_track(d.track, what)
                if self._target is not None and self._active == index:
                    self._active = None
                    if self._fail_streak >= len(self._target.tracks):
                        self._all_bad(now)
                    else:
                        self._start_next(d.fade_s, now)
                return
            was_active = self._active == index
            self._backend.decks[index].stop()
            d.phase = DeckPhase.IDLE
            d.sent = None
            if name == "MediaPlayerEncounteredError" and d.track is not None:
                self._report("device_error", f"playback of {d.track.name} failed", d.track)
            if was_active and not d.next_started:
                self._active = None
                self._start_next(min(self._fade(), 2.0), now)

    # -- the tick
    def _tick(self, now: float) -> None:
        cap = self._cap.value(now)
        mute = self._mute.value(now)
        for d in self._decks:
            deck = self._backend.decks[d.index]
            if d.phase is DeckPhase.IDLE:
                continue
            if d.phase is DeckPhase.STARTING:
                deck.set_volume(0)
                if deck.time_ms() > 0 or (d.es_added and deck.length_ms() > 0
                                           and deck.time_ms() > 0):
                    self._stream_started(d, now)
                elif now - d.started_wall > START_TIMEOUT_S:
                    deck.stop()
                    d.phase = DeckPhase.IDLE
                    if d.track is not None:
                        self._bad_track(d.track, "no audio after "
                                        f"{START_TIMEOUT_S:g} s")
                    if self._active == d.index:
                        self._active = None
                        self._start_next(d.fade_s, now)
                continue
            if not d.output_known:
                self._check_output(d, deck)
            gain = vlc_gain(_output_db(min(d.ramp.value(now), cap), d.gain.value(now), mute))
            if (d.sent is None or abs(gain[1] - d.sent[1]) > 0.005 or gain[0] != d.sent[0]
                    or now - d.sent_wall > REASSERT_S):
                deck.set_gain(*gain)
                d.sent = gain
                d.sent_wall = now
            if d.phase is DeckPhase.OUT and not d.out_pending and d.ramp.done(now):
                deck.stop()
                d.phase = DeckPhase.IDLE
                d.sent = None
            elif d.phase is DeckPhase.PLAYING and self._active == d.index and not d.next_started:
                self._maybe_crossfade(d, deck, now)
        if self._silence_pending and all(d.phase is DeckPhase.IDLE for d in self._decks):
            self._silence_pending = False
            self._report("state", "silence", None)
            self._settle_all()
        self._publish(now)

    def _stream_started(self, d: _DeckState, now: float) -> None:
        deck = self._backend.decks[d.index]
        if not deck.set_volume(0):
            return  # output not accepting volume yet: stay padded
        deck.set_pad(False)  # at volume 0: silent
        d.phase = DeckPhase.PLAYING
        if d.crossfade:
            d.ramp = Ramp.crossfade(FLOOR_DB, d.level_db, now, d.fade_s)
        else:
            d.ramp = Ramp.to(FLOOR_DB, d.level_db, now, d.fade_s)
        self._release_pending_outs(now, d.fade_s)
        d.sent = (0, 0.0)
        d.sent_wall = now
        self._fail_streak = 0
        label = self._target.label if self._target else ""
        self._report("music", f"{label}: {d.track.name if d.track else ''}".strip(": "),
                     d.track, d.fade_s, volume_pct=db_to_pct(d.level_db))
        self._settle(d.apply_seq)

    def _check_output(self, d: _DeckState, deck: Any) -> None:
        """Report once when a stream plays into no audio output (no sound device); the
        session and the playlist go on, silently."""
        flowing = deck.audio_flowing()
        if flowing is None:
            return
        d.output_known = True
        if not flowing and not self._no_output:
            self._no_output = True
            self._report("device_error", NO_OUTPUT_MESSAGE, None, problem=NO_AUDIO_OUTPUT)

    def _release_pending_outs(self, now: float, fade: float) -> None:
        for o in self._decks:
            if o.out_pending:
                o.out_pending = False
                o.ramp = Ramp.crossfade(o.ramp.value(now), FLOOR_DB, now, fade)

    def _maybe_crossfade(self, d: _DeckState, deck: Any, now: float) -> None:
        length = deck.length_ms()
        if length <= 0 or self._target is None:
            return
        xfade = min(self._fade(), 0.3 * length / 1000.0)
        if length - deck.time_ms() <= xfade * 1000.0:
            d.next_started = True
            self._start_next(max(MIN_FADE_S, xfade), now)

    def _publish(self, now: float) -> None:
        cap = self._cap.value(now)
        d = self._decks[self._active] if self._active is not None else None
        if d is None:
            st = MusicStatus(None, 0.0, 0.0, self._muted,
                             self._target.label if self._target else "", None, None)
        else:
            deck = self._backend.decks[d.index]
            cur = min(d.ramp.value(now), cap) if d.phase is DeckPhase.PLAYING else FLOOR_DB
            tgt = min(d.level_db, self._cap.end_db)
            length = deck.length_ms()
            st = MusicStatus(d.track, round(db_to_pct(cur), 2), round(db_to_pct(tgt), 2),
                             self._muted, self._target.label if self._target else "",
                             deck.time_ms() / 1000.0 if d.phase is DeckPhase.PLAYING else None,
                             length / 1000.0 if length > 0 else None)
        with self._lock:
            self._status = st

    # -- bookkeeping
    def _settle(self, seq: int) -> None:
        with self._cond:
            self._settled_seq = max(self._settled_seq, seq)
            self._cond.notify_all()

    def _settle_all(self) -> None:
        with self._cond:
            self._settled_seq = self._apply_seq
            self._cond.notify_all()

    def _report(self, kind: ReportKind, message: str, track: Path | None,
                fade_s: float = 0.0, volume_pct: float | None = None,
                problem: str | None = None) -> None:
        if self._on_report is None:
            return
        vol = volume_pct if volume_pct is not None else db_to_pct(self._level_db)
        try:
            self._on_report(MusicReport(kind, message, track, round(vol, 2), fade_s,
                                        time.time(), problem))
        except Exception:  # a broken listener must never stop the music engine
            log.exception("music report listener failed")

    def _shutdown(self) -> None:
        """Close: short fade, then release libVLC (on this thread)."""
        now = time.monotonic()
        self._fade_all_out(0.3, now)
        deadline = now + 1.0
        while self._busy() and time.monotonic() < deadline:
            self._silence_pending = False
            self._tick(time.monotonic())
            time.sleep(TICK_S)
        with contextlib.suppress(Exception):
            self._backend.release()
        self._settle_all()
