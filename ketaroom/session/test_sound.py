"""The room check's test sound: a short, soft sound on the room's own speakers.

It goes through the player's one way of starting music, :meth:`Player.apply` with a
:class:`~ketaroom.core.targets.MusicTarget`, like a phase's music: the deck starts behind
the safe-start pad, fades in from silence, is held under the player's cap (the room's
volume limit) and, played once, is faded out by the player before its end like the last
track of a playlist. No side path, no volume of its own: :func:`test_sound_target` only
chooses the sound (``shipped.TEST_SOUND``, 3.5 s), the level — 20 % at most
(≈ −42 dB), never above the room's limit — and the fade.

:class:`TestSoundWatch` follows the player's reports and says how it went, in words for
the audio check (``ketaroom.core.room_check.with_test_sound``). Two users:
:func:`play_test_sound` (blocking, on its own player: ``room-check --test-sound``) and
:class:`RoomTestSound` (the window: the room's player, reports on the main thread, one at
a time, never while a session runs — the service checks that).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ketaroom.core.room_check import TEST_SOUND_MAX_PCT, Status
from ketaroom.core.targets import MusicTarget
from ketaroom.shipped import TEST_SOUND

if TYPE_CHECKING:
    from ketaroom.devices.music import MusicReport, Player, ReportSink
    from ketaroom.session.room_state import RoomReport
    from ketaroom.session.runner import Post

__all__ = ["TEST_SOUND_MAX_PCT", "RoomTestSound", "TestSoundWatch", "play_test_sound",
           "test_sound_level", "test_sound_target"]

TEST_SOUND_FADE_S = 1.0
"""Fade in from silence, and out before the sound's end."""
TEST_SOUND_LABEL = "test sound"
TEST_SOUND_TIMEOUT_S = 15.0
"""Longest wait for the test sound to start and end (it lasts 3.5 s)."""

Outcome = tuple[Status, str]
"""How the test sound went: a status and words for the audio check's message."""


def test_sound_level(cap_pct: float) -> float:
    """The level the test sound plays at: 20 %, or the room's limit if that is lower."""
    return max(0.0, min(TEST_SOUND_MAX_PCT, float(cap_pct)))


def test_sound_target(cap_pct: float, sound: Path = TEST_SOUND) -> MusicTarget:
    """What the player is asked to play: ``sound`` once, faded in, at :func:`test_sound_level`."""
    return MusicTarget((sound,), test_sound_level(cap_pct), TEST_SOUND_FADE_S, loop=False,
                       label=TEST_SOUND_LABEL)


@dataclass
class TestSoundWatch:
    """Follows the player's reports while the test sound plays; :meth:`outcome` says how
    it went once :meth:`feed` returned True (or the wait timed out)."""

    __test__ = False  # not a pytest class, whatever its name

    sound: Path
    level_pct: float
    cap_pct: float
    started: bool = False
    problem: str | None = None
    ended: bool = False

    def feed(self, kind: str, message: str, track: Path | None) -> bool:
        """One report of the player; True once the test sound is over (played, stopped,
        or it could not play)."""
        if kind == "music" and track == self.sound:
            self.started = True
        elif kind in ("device_error", "warning"):
            self.problem = self.problem or message
            if not self.started:  # it never started: unplayable, or no player at all
                self.ended = True
        elif kind == "state" and message.startswith("silence"):
            self.ended = True
        return self.ended

    def outcome(self) -> Outcome:
        """``ok`` with what played and how loud, else a ``warning`` saying what went wrong."""
        what = f"{self.sound.name} at {self.level_pct:g} %"
        if self.level_pct < TEST_SOUND_MAX_PCT:
            what += " (the room's volume limit)"
        if self.problem is not None:
            return "warning", f"test sound {what} did not play right: {self.problem}"
        if not self.started:
            return "warning", (f"test sound {what}: no answer from the player within "
                               f"{TEST_SOUND_TIMEOUT_S:g} s")
        if not self.ended:
            return "warning", (f"test sound {what} started but did not end within "
                               f"{TEST_SOUND_TIMEOUT_S:g} s")
        return "ok", f"test sound played: {what}, faded in from silence and out"

    @classmethod
    def for_room(cls, cap_pct: float, sound: Path = TEST_SOUND) -> TestSoundWatch:
        return cls(sound, test_sound_level(cap_pct), cap_pct)


def play_test_sound(make_player: Callable[[ReportSink], Player], cap_pct: float, *,
                    sound: Path = TEST_SOUND,
                    timeout_s: float = TEST_SOUND_TIMEOUT_S) -> Outcome:
    """Build a player with ``make_player(sink)``, cap it at ``cap_pct``, play the test sound
    and wait (bounded) until it ended; the player is closed before returning. Blocks for
    about 4 s: never on the Qt main thread."""
    reports: queue.Queue[MusicReport] = queue.Queue()
    watch = TestSoundWatch.for_room(cap_pct, sound)
    player = make_player(reports.put)
    try:
        player.set_max_volume(cap_pct)
        player.apply(test_sound_target(cap_pct, sound))
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                report = reports.get(timeout=left)
            except queue.Empty:
                break
            if watch.feed(report.kind, report.message, report.track):
                break
    finally:
        player.close()
    return watch.outcome()


class RoomTestSound:
    """The window's test sound on the room's player: one at a time; the outcome is handed
    to ``on_done`` on the owner thread. :meth:`report` must be given the room's reports."""

    def __init__(self, post: Post) -> None:
        self._post = post
        self._watch: TestSoundWatch | None = None
        self._on_done: Callable[[Outcome], None] | None = None
        self._run = 0

    @property
    def playing(self) -> bool:
        return self._watch is not None

    def start(self, player: Player, cap_pct: float,
              on_done: Callable[[Outcome], None]) -> None:
        """Ask ``player`` (already capped at the room's limit) for the test sound; returns at
        once."""
        self._watch = TestSoundWatch.for_room(cap_pct)
        self._on_done = on_done
        self._run += 1
        run = self._run
        player.apply(test_sound_target(cap_pct))
        timer = threading.Timer(TEST_SOUND_TIMEOUT_S, lambda: self._post(lambda: self._end(run)))
        timer.daemon = True
        timer.start()

    def report(self, report: RoomReport) -> None:
        """A report of the room's devices (owner thread)."""
        watch = self._watch
        if watch is None or report.device != "music":
            return
        track = report.data.get("track")
        if watch.feed(report.kind, report.message, Path(track) if track else None):
            self._end(self._run)

    def stop(self, why: str) -> None:
        """The room was taken over (a session started, the room changed): no outcome
        beyond ``why``."""
        if self._watch is not None:
            self._finish(("warning", f"test sound stopped: {why}"))

    def _end(self, run: int) -> None:
        if run == self._run and self._watch is not None:
            self._finish(self._watch.outcome())

    def _finish(self, outcome: Outcome) -> None:
        on_done = self._on_done
        self._watch, self._on_done = None, None
        if on_done is not None:
            on_done(outcome)
