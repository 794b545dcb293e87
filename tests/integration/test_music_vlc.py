"""Real libVLC tests of the music engine, observed through amem sample capture.

Every deck hands its decoded, volume-scaled samples to ``Capture`` (which holds each
buffer until shortly before its due time, so amem runs at real time). Tones are loud
(−3.9 dBFS RMS) so that any blast is obvious. Timing is never measured through ``adummy``.

Continuity is judged on the samples (the sine's phase across buffers), never on amem's
pts spacing alone: measured with libVLC 3.0.24, a pts gap always was a buffer libVLC's
audio core dropped as more than 60 ms late — a capture that falls behind, not the player.

Waiting: where a test waits *for* something (a report, a level reached, enough audio
captured) it waits on that condition (:func:`wait_for`). The ``time.sleep`` calls left
let audio *play* for a measured duration that the test then analyses (a fade, a
crossfade, the emergency's 2 s) or observe that nothing happens during it; each says so.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from ketaroom.core.targets import SILENCE, MusicTarget
from ketaroom.devices.music import NO_AUDIO_OUTPUT, MusicReport, VlcPlayer, create_player
from ketaroom.devices.music.engine import NO_OUTPUT_MESSAGE
from ketaroom.devices.music.levels import FADE_RANGE_DB, pct_to_db, vlc_gain
from ketaroom.devices.music.vlc_backend import VlcBackend
from tests.integration.audio_fixtures import (
    SR,
    Capture,
    phase_breaks,
    rms_db,
    tone_rms_db,
    write_tone,
)

vlc = pytest.importorskip("vlc")
if vlc.Instance(["--aout=adummy", "--quiet"]) is None:  # pragma: no cover
    pytest.skip("libVLC plugins missing", allow_module_level=True)

TONE_DB = tone_rms_db(0.9)
WIN = int(SR * 0.1) * 2  # 100 ms of interleaved stereo


def wait_for(pred: Callable[[], bool], timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)  # the poll interval of this wait
    return False


def captured_level_db(cap: Capture, deck: int = 0) -> float:
    """The level of the last 100 ms captured of the deck's first start (−200: none yet)."""
    streams = cap.streams(deck)
    levels = windows(streams[0]) if streams else []
    return levels[-1] if levels else -200.0


def windows(x: np.ndarray) -> list[float]:
    return [rms_db(x[i:i + WIN]) for i in range(0, len(x) - WIN + 1, WIN)]


class Rig:
    def __init__(self, capture: Capture, reports: list[MusicReport], player: VlcPlayer):
        self.cap, self.reports, self.player = capture, reports, player

    def kinds(self, kind: str) -> list[MusicReport]:
        return [r for r in list(self.reports) if r.kind == kind]


@pytest.fixture
def rig() -> Iterator[Rig]:
    cap = Capture(realtime=True)
    reports: list[MusicReport] = []
    player = VlcPlayer(on_report=reports.append, sample_sink=cap, seed=1)
    yield Rig(cap, reports, player)
    player.close()


@pytest.fixture
def tones(tmp_path: Path) -> dict[str, Path]:
    return {
        "a": write_tone(tmp_path / "a440.wav", 440.0, 3.0),
        "b": write_tone(tmp_path / "b660.wav", 660.0, 3.0),
        "c": write_tone(tmp_path / "c550.wav", 550.0, 3.0),
    }


def test_every_start_is_quiet_for_200ms(rig: Rig, tones: dict[str, Path]) -> None:
    """Safe start: the first 200 ms of every start (fresh and reused decks, phase change,
    skip) stay ≥ 40 dB below the track's own level — no 100 % burst (issue 220)."""
    rig.player.apply(MusicTarget((tones["a"], tones["b"], tones["c"]), 100.0, 0.6))
    assert rig.player.flush(5)
    for _ in range(3):
        n = len(rig.kinds("music"))
        time.sleep(0.4)  # plays 0.4 s: the skip lands mid-track
        rig.player.skip()
        assert wait_for(lambda n=n: len(rig.kinds("music")) > n)
    rig.player.apply(MusicTarget((tones["b"],), 100.0, 0.6, label="next phase"))
    assert rig.player.flush(5)

    def every_start_captured() -> bool:
        found = [s for d in (0, 1) for s in rig.cap.streams(d)]
        return len(found) >= 5 and min(len(s) for s in found) >= int(SR * 0.2) * 2

    assert wait_for(every_start_captured, 5)  # 200 ms of each start in the capture
    starts = [s for d in (0, 1) for s in rig.cap.streams(d)]
    assert len(starts) >= 5
    for s in starts:
        first = s[: int(SR * 0.2) * 2]
        assert rms_db(first) <= TONE_DB - 40, windows(first)
        assert np.max(np.abs(first)) / 32768 <= 10 ** ((TONE_DB - 37) / 20) * np.sqrt(2)


LOW_TARGET_PCT = 10.0
"""A quiet room (−60 dB): under it, even the start pad's −43 dB would be a jump."""
STARTS_PER_PLAYER = 5
START_CHECK_S = 0.3
CAPTURE_MARGIN_S = 0.2
"""How much earlier than its due time a buffer may be captured (the capture's lead plus
scheduling): the fade curve is read this much later than each sample's own time."""


def fade_bound_lsb(t_s: float, fade_s: float) -> float:
    """The largest sample the loud tone may show ``t_s`` into a stream fading in to
    :data:`LOW_TARGET_PCT` over ``fade_s`` (the curve read :data:`CAPTURE_MARGIN_S` late,
    plus one step of rounding)."""
    db = pct_to_db(LOW_TARGET_PCT) - FADE_RANGE_DB * (
        1 - min(1.0, (t_s + CAPTURE_MARGIN_S) / fade_s))
    return 0.9 * 32768 * 10 ** (db / 20) + 1


def test_twenty_low_volume_starts_are_silent_until_their_fade(tmp_path: Path) -> None:
    """Safe start, repeated enough to catch a random leak: 20 starts at a 10 % target
    (4 players × 5: each deck's first start, which warms its output up, and reused decks
    taken over mid-fade-out). In the first 300 ms of every start no sample rises above
    the fade curve; before the fix, a fresh audio output played up to 150 ms at the pad's
    −43 dB (≈ 200 LSB here, the bound is ≤ 3)."""
    fade_s = 1.0
    tracks = [write_tone(tmp_path / f"t{i}.wav", 440.0 + 110 * i, 1.5) for i in range(2)]
    caps = [Capture(realtime=True) for _ in range(4)]
    players = [VlcPlayer(sample_sink=cap, seed=1) for cap in caps]

    def streams(cap: Capture) -> list[np.ndarray]:
        return [s for d in (0, 1) for s in cap.streams(d)]

    def all_started(n: int) -> bool:
        return all(len(found := streams(cap)) == n
                   and min(s.size for s in found) >= int(SR * START_CHECK_S) * 2
                   for cap in caps)

    try:
        for i in range(STARTS_PER_PLAYER):
            for player in players:
                player.apply(MusicTarget((tracks[i % 2],), LOW_TARGET_PCT, fade_s,
                                         loop=False, label=f"phase {i}"))
            assert wait_for(lambda i=i: all_started(i + 1), 8)  # 300 ms of each captured
    finally:
        for player in players:
            player.close()
    win = int(SR * 0.01) * 2  # 10 ms of interleaved stereo
    starts = [s[: int(SR * START_CHECK_S) * 2] for cap in caps for s in streams(cap)]
    assert len(starts) == 4 * STARTS_PER_PLAYER
    for n, first in enumerate(starts):
        for k in range(0, first.size, win):
            peak = int(np.max(np.abs(first[k:k + win].astype(np.int32))))
            bound = fade_bound_lsb((k + win) / 2 / SR, fade_s)
            assert peak <= bound, f"start {n}: {peak} LSB at {k / 2 / SR * 1000:.0f} ms"


def test_fade_in_rises_monotonically_to_target(rig: Rig, tones: dict[str, Path]) -> None:
    rig.player.apply(MusicTarget((tones["a"],), 80.0, 1.2, loop=False))
    assert rig.player.flush(5)
    assert wait_for(lambda: rig.player.status().volume_pct >= 79.9, 5)
    plateau = TONE_DB + pct_to_db(80)
    assert wait_for(lambda: captured_level_db(rig.cap) >= plateau - 1.0, 3)  # captured
    stream = rig.cap.streams(0)[0]
    w = [v for v in windows(stream) if v > -120]
    assert len(w) >= 10
    assert max(w) <= plateau + 0.5
    peak_i = int(np.argmax(w))
    # before the fade: silence (see the safe-start tests); from where the fade becomes
    # audible it only rises
    first = next(i for i, v in enumerate(w) if v > TONE_DB - 40)
    assert all(v <= TONE_DB - 40 for v in w[:first])
    rising = w[first: peak_i + 1]
    assert all(b >= a - 0.5 for a, b in itertools.pairwise(rising)), rising
    assert rising[-1] == pytest.approx(plateau, abs=1.0)
    # no single 100 ms step jumps more than a perceptually gentle amount
    assert max(b - a for a, b in itertools.pairwise(rising)) < 12.0


WIN_25 = int(SR * 0.025) * 2  # 25 ms of interleaved stereo (one engine tick)


def test_3s_fade_in_is_smooth_at_tick_resolution(rig: Rig, tmp_path: Path) -> None:
    """Issue 9: a 3 s fade to 40 % changes level in ≥ 20 steps per second of *audio*
    (counted by samples: adummy's pace is not real time), never by more than 1.5 dB per
    25 ms once audible, rises monotonically, and starts ~50 dB under the target (not
    at −80 dB absolute, which left the first half of a fade silent). OGG: its blocks are
    23 ms (a WAV's are 50 ms, which caps what any capture can resolve at 20/s)."""
    tone = write_tone(tmp_path / "tone.ogg", 440.0, 5.0)
    rig.player.apply(MusicTarget((tone,), 40.0, 3.0, loop=False))
    assert rig.player.flush(5)
    assert wait_for(lambda: rig.player.status().volume_pct >= 39.99, 6)
    plateau = TONE_DB + pct_to_db(40)
    assert wait_for(lambda: captured_level_db(rig.cap) >= plateau - 0.3, 3)  # captured
    stream = rig.cap.streams(0)[0]
    w = [rms_db(stream[i:i + WIN_25]) for i in range(0, len(stream) - WIN_25 + 1, WIN_25)]
    peak = next(i for i, v in enumerate(w) if v >= plateau - 0.3)
    # the ramp's own start: the last window near its floor before the plateau
    start = max(i for i in range(peak) if w[i] <= plateau - FADE_RANGE_DB + 5)
    ramp = w[start:peak + 1]
    # quietest sound before the top (the 2nd: one window may straddle silence and ramp)
    first_level = sorted(v for v in w[:peak] if v > -120)[1]
    assert first_level == pytest.approx(plateau - FADE_RANGE_DB, abs=3)
    steps = [b - a for a, b in itertools.pairwise(ramp)]
    assert all(s >= -0.3 for s in steps), ramp  # monotonic within tolerance
    audible = [b - a for a, b in itertools.pairwise(ramp) if a > plateau - FADE_RANGE_DB + 3]
    assert max(audible) <= 1.5, ramp
    audio_s = len(ramp) * 0.025
    changes = sum(1 for s in steps if abs(s) > 0.05)
    assert changes / audio_s >= 20, (changes, audio_s)
    assert max(w) <= plateau + 0.5


def test_trim_changes_mid_stream_do_not_click_or_restart(tmp_path: Path) -> None:
    """The fine gain (equalizer preamp) changes on a running stream: no restart, no gap,
    no phase jump, no transient beyond the gain step itself; levels exact (±0.15 dB)."""
    cap = Capture(realtime=True)
    backend = VlcBackend(lambda _item: None, [], "dummy", cap)
    deck = backend.decks[0]
    amp = 0.5
    tone = write_tone(tmp_path / "steady.ogg", 440.0, 4.0, amp)
    plan = [pct_to_db(p) for p in (100, 70, 40.5, 40.2, 39.9, 12.3, 12.1, 11.9, 70, 100)]
    marks: list[tuple[int, float]] = []
    try:
        deck.load_and_play(tone)
        assert wait_for(lambda: deck.time_ms() > 0, 5)
        assert wait_for(lambda: deck.set_volume(0), 5)
        # The first gain and let it settle: until then the deck plays at volume 0 (digital
        # silence: no sine to follow), and on a loaded machine the capture may still hand
        # over such a buffer after set_gain returned. Measured below: the trims alone.
        deck.set_gain(*vlc_gain(plan[0]))
        unpadded = len(cap.snapshot(0))
        assert wait_for(lambda: len(cap.snapshot(0)) >= unpadded + 4, 5)
        for db in plan:
            deck.set_gain(*vlc_gain(db))
            marks.append((len(cap.snapshot(0)), db))
            time.sleep(0.15)  # plays 150 ms at each gain: the levels measured below
    finally:
        backend.release()
    chunks = [c for c in cap.snapshot(0)]
    assert cap.starts[0] == 1 and chunks[0].pts == -1  # one stream, never restarted
    body = chunks[marks[0][0]:]
    # no gap: the sine continues from each buffer into the next (phase, not pts spacing:
    # the samples themselves must be continuous); and the check sees a lost buffer
    left = [c.samples[::2].astype(float) for c in body if c.samples.size]
    assert phase_breaks(left, 440.0) == [], [c.pts for c in body]
    assert phase_breaks(left[:20] + left[21:], 440.0) == [20]
    ref = tone_rms_db(amp)
    for (n, db), (n_next, _) in itertools.pairwise([*marks, (len(chunks), 0.0)]):
        # leave out the buffers next to each change: which side of it they fall on
        # depends on scheduling (the capture thread may lag on a loaded machine)
        settled = [c.samples for c in chunks[n + 2:n_next - 1]]
        assert settled, marks
        assert rms_db(np.concatenate(settled)) - ref == pytest.approx(db, abs=0.15)
    # per-buffer gain removed, the tone must be one continuous sine: a restart, gap or
    # filter transient would show as a jump far beyond a sine's sample-to-sample slope
    gains = [np.sqrt(2) * np.sqrt(np.mean(x * x)) for x in left]
    norm = np.concatenate([x / g for x, g in zip(left, gains, strict=True)])
    slope = 2 * np.pi * 440 / SR
    jumps = np.abs(np.diff(norm))
    assert jumps.max() <= slope * 1.15 + 0.02, float(jumps.max())
    # raw jumps at buffer boundaries stay within the gain step's own size
    raw = np.concatenate(left) / 32768
    edges = np.cumsum([x.size for x in left])[:-1]
    for e, (ga, gb) in zip(edges, itertools.pairwise(gains), strict=True):
        bound = (abs(gb - ga) + max(ga, gb) * slope) / 32768 * 1.2 + 2 / 32768
        assert abs(raw[e] - raw[e - 1]) <= bound


def test_crossfade_overlaps_both_tracks(rig: Rig, tones: dict[str, Path]) -> None:
    rig.player.apply(MusicTarget((tones["a"],), 100.0, 0.3, label="one"))
    assert rig.player.flush(5)
    time.sleep(0.5)  # the first track plays 0.5 s
    t_change = time.monotonic()
    rig.player.apply(MusicTarget((tones["b"],), 100.0, 1.5, label="two"))
    assert rig.player.flush(5)
    time.sleep(1.6)  # the 1.5 s crossfade plays, then is analysed
    # both decks audible (>−40 dB re full) in some common 100 ms window during the overlap
    both = []
    t = t_change
    while t < t_change + 1.6:
        levels = [rig.cap.window_db(d, t, t + 0.1) for d in (0, 1)]
        if min(levels) > TONE_DB - 40:
            both.append((round(t - t_change, 2), levels))
        t += 0.05
    assert len(both) >= 3, both
    # the mix of the two decks over the overlap carries both frequencies
    mix_parts = []
    for d in (0, 1):
        parts = [c.samples for c in rig.cap.snapshot(d)
                 if t_change <= c.wall <= t_change + 1.0 and c.samples.size]
        mix_parts.append(np.concatenate(parts)[::2].astype(float))
    n = min(len(p) for p in mix_parts)
    spec = np.abs(np.fft.rfft(mix_parts[0][:n] + mix_parts[1][:n]))
    freqs = np.fft.rfftfreq(n, 1 / SR)
    e440 = spec[(freqs > 430) & (freqs < 450)].max()
    e660 = spec[(freqs > 650) & (freqs < 670)].max()
    assert e440 > 0 and e660 > 0 and 0.01 < e440 / e660 < 100


def test_volume_cap_holds(rig: Rig, tones: dict[str, Path]) -> None:
    rig.player.set_max_volume(30)
    rig.player.apply(MusicTarget((tones["a"],), 90.0, 0.3))
    assert rig.player.flush(5)
    rig.player.set_volume(100)
    time.sleep(1.2)  # plays 1.2 s against the cap: never above it
    assert rig.player.status().volume_pct <= 30.0
    cap_db = TONE_DB + pct_to_db(30)
    stream = rig.cap.streams(0)[0]
    assert max(windows(stream)) <= cap_db + 0.5


def test_cap_set_on_a_fresh_player_holds_from_the_first_track(rig: Rig,
                                                              tones: dict[str, Path]) -> None:
    """A new room per session: its player starts with no cap and gets the room's cap
    just before the first phase starts. The cap must hold at once (nothing is audible
    yet), not glide down from 100 % while a short fade-in already plays the track."""
    rig.player.set_max_volume(30)
    rig.player.apply(MusicTarget((tones["a"],), 90.0, 0.3))
    assert rig.player.flush(5)
    time.sleep(1.6)  # the fade-in and 1.3 s at the cap play, then are analysed
    cap_db = TONE_DB + pct_to_db(30)
    stream = rig.cap.streams(0)[0]
    levels = windows(stream)
    assert len(levels) >= 10
    assert max(levels) <= cap_db + 0.5, [round(v, 1) for v in levels]


def test_bad_files_are_skipped_and_next_plays(rig: Rig, tones: dict[str, Path],
                                              tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.ogg"
    corrupt.write_bytes(np.random.default_rng(7).bytes(30000))
    empty = tmp_path / "empty.ogg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp3"
    text.write_text("this is not audio\n" * 50)
    missing = tmp_path / "missing.ogg"
    rig.player.apply(MusicTarget((missing, empty, corrupt, text, tones["a"]), 70.0, 0.3,
                                 label="mixed"))
    assert rig.player.flush(8)
    # a skipped file is a warning (docs/cli.md: severity "warning"); the music goes on
    skipped = rig.kinds("warning")
    for bad in (missing, empty, corrupt, text):
        assert any(r.track == bad and bad.name in r.message for r in skipped), skipped
    assert not rig.kinds("device_error")
    assert rig.kinds("music")[-1].track == tones["a"]
    assert rig.player.status().track == tones["a"]


def test_looping_playlist_reports_a_bad_file_once(rig: Rig, tmp_path: Path) -> None:
    short = write_tone(tmp_path / "short.wav", 440.0, 0.6)
    corrupt = tmp_path / "corrupt.ogg"
    corrupt.write_bytes(np.random.default_rng(5).bytes(20000))
    missing = tmp_path / "gone.ogg"
    rig.player.apply(MusicTarget((short, corrupt, missing), 60.0, 0.25, loop=True))
    assert rig.player.flush(8)
    assert wait_for(lambda: len([r for r in rig.kinds("music") if r.track == short]) >= 3)
    for bad in (corrupt, missing):
        assert len([r for r in rig.reports if r.track == bad]) == 1, rig.reports


def test_all_bad_gives_silence_and_warning_without_busy_loop(rig: Rig, tmp_path: Path) -> None:
    corrupt = tmp_path / "x.ogg"
    corrupt.write_bytes(np.random.default_rng(3).bytes(5000))
    rig.player.apply(MusicTarget((corrupt, tmp_path / "gone.ogg"), 50.0, 0.5, loop=True))
    assert rig.player.flush(5)
    assert wait_for(lambda: bool(rig.kinds("warning")))
    n = len(rig.reports)
    time.sleep(0.8)  # observes 0.8 s in which nothing may happen
    assert len(rig.reports) == n  # it stopped trying
    assert rig.player.status().track is None


def test_empty_playlist_is_silence_with_warning(rig: Rig) -> None:
    rig.player.apply(MusicTarget((), 40.0, 0.5, label="deep"))
    assert rig.player.flush(3)
    assert any("empty" in r.message for r in rig.kinds("warning"))


def test_emergency_off_silences_within_2s(rig: Rig, tones: dict[str, Path]) -> None:
    rig.player.apply(MusicTarget((tones["a"],), 100.0, 0.2))
    assert rig.player.flush(5)
    time.sleep(0.5)  # plays 0.5 s at full level
    t0 = time.monotonic()
    rig.player.emergency_off()
    time.sleep(2.3)  # the emergency's 2 s deadline plays out, then is analysed
    for d in (0, 1):
        assert rig.cap.window_db(d, t0 + 2.0, t0 + 2.3) < TONE_DB - 70
    # it faded (no abrupt stop): something in between full and silence during the fade
    mid = rig.cap.window_db(0, t0 + 0.2, t0 + 0.7)
    assert TONE_DB - 75 < mid < TONE_DB - 1
    assert rig.player.status().volume_pct == 0.0


def test_silence_fades_out_rather_than_cutting(rig: Rig, tones: dict[str, Path]) -> None:
    """A phase without music (or the end of a session) fades the music out over its time."""
    rig.player.apply(MusicTarget((tones["a"],), 100.0, 0.2))
    assert rig.player.flush(5)
    time.sleep(0.5)  # plays 0.5 s at full level
    t0 = time.monotonic()
    rig.player.apply(MusicTarget((), 0.0, 1.5, label="silence"))
    time.sleep(1.9)  # the 1.5 s fade-out plays, then is analysed
    early = max(rig.cap.window_db(d, t0 + 0.2, t0 + 0.4) for d in (0, 1))
    late = max(rig.cap.window_db(d, t0 + 0.9, t0 + 1.1) for d in (0, 1))
    assert TONE_DB - 40 < early < TONE_DB - 1  # still audible, already lower
    assert late < early - 6  # going down
    assert max(rig.cap.window_db(d, t0 + 1.6, t0 + 1.9) for d in (0, 1)) < TONE_DB - 70


def test_emergency_hard_path_when_worker_is_stuck(tones: dict[str, Path]) -> None:
    cap = Capture(realtime=True)
    stuck = threading.Event()
    release = threading.Event()

    def on_report(r: MusicReport) -> None:
        if "emergency off — music fading" in r.message:
            stuck.set()
            release.wait(5)  # blocks the worker thread: the fade cannot run

    player = VlcPlayer(on_report=on_report, sample_sink=cap)
    try:
        player.apply(MusicTarget((tones["a"],), 100.0, 0.2))
        assert player.flush(5)
        time.sleep(0.3)  # plays 0.3 s at full level
        t0 = time.monotonic()
        player.emergency_off()
        assert stuck.wait(2)
        time.sleep(2.3)  # the hard path's 2 s deadline plays out, then is analysed
        assert cap.window_db(0, t0 + 2.1, t0 + 2.3) < TONE_DB - 70
    finally:
        release.set()
        player.close()


def test_music_resumed_soon_after_an_emergency_is_not_hard_muted(rig: Rig,
                                                                  tones: dict[str, Path]) -> None:
    """The watchdog is for a stuck emergency fade. Music the clinician brings back within
    the 2 s (Resume right after a mistaken press) must keep playing, not be stopped
    silently by the watchdog while the player still reports it as playing."""
    rig.player.apply(MusicTarget((tones["a"],), 100.0, 0.2))
    assert rig.player.flush(5)
    time.sleep(0.4)  # plays 0.4 s
    rig.player.emergency_off()
    time.sleep(0.5)  # the emergency fade plays 0.5 s before Resume
    rig.player.apply(MusicTarget((tones["b"],), 100.0, 0.2, label="back"))
    assert rig.player.flush(5)
    t0 = time.monotonic()
    time.sleep(2.4)  # past the watchdog's 2 s: the music must still play
    heard = max(rig.cap.window_db(d, t0 + 2.0, t0 + 2.4) for d in (0, 1))
    assert heard > TONE_DB - 3


def test_mute_fades_down_and_back(rig: Rig, tones: dict[str, Path]) -> None:
    rig.player.apply(MusicTarget((tones["a"],), 100.0, 0.2))
    assert rig.player.flush(5)
    time.sleep(0.3)  # plays 0.3 s at full level
    t0 = time.monotonic()
    rig.player.set_muted(True)
    time.sleep(0.9)  # the 0.5 s mute fade plays, then is analysed
    assert rig.cap.window_db(0, t0 + 0.65, t0 + 0.85) < TONE_DB - 70
    assert rig.player.status().muted


def test_dummy_output_and_time_scale() -> None:
    reports: list[MusicReport] = []
    player = create_player("dummy", on_report=reports.append, time_scale=10.0)
    try:
        assert isinstance(player, VlcPlayer)
        player.apply(MusicTarget((Path(__file__).parent / "nope.ogg",), 50.0, 5.0))
        assert player.flush(5)
        assert any(r.kind == "warning" for r in reports)
        player.apply(SILENCE)
        assert player.flush(3)
    finally:
        player.close()


NO_SOUND_DEVICE = ("--aout=alsa", "--alsa-audio-device=ketaroom-no-such-device")
"""A real output module that cannot open its device: what a PC without a sound card gives
(``default`` there falls through PulseAudio to ALSA, which has no card)."""


def test_no_audio_output_is_reported_once_and_the_session_goes_on(
        tones: dict[str, Path]) -> None:
    reports: list[MusicReport] = []
    player = VlcPlayer("default", on_report=reports.append, vlc_args=NO_SOUND_DEVICE)
    try:
        player.apply(MusicTarget((tones["a"],), 40.0, 0.3, label="one"))
        assert player.flush(8)
        assert wait_for(lambda: any(r.message == NO_OUTPUT_MESSAGE for r in reports))
        player.apply(MusicTarget((tones["b"],), 40.0, 0.3, label="two"))  # next phase
        assert player.flush(8)
        assert wait_for(lambda: player.status().track == tones["b"])
        time.sleep(0.5)  # observes 0.5 s in which no second report may come
    finally:
        player.close()
    no_output = [r for r in reports if r.message == NO_OUTPUT_MESSAGE]
    assert len(no_output) == 1 and no_output[0].kind == "device_error", reports
    assert no_output[0].problem == NO_AUDIO_OUTPUT  # the window's own advice (banner.py)
    assert [r.track for r in reports if r.kind == "music"] == [tones["a"], tones["b"]]


@pytest.mark.parametrize("audio", ["amem", "dummy"])
def test_a_working_output_is_never_reported_missing(audio: str, tones: dict[str, Path]) -> None:
    reports: list[MusicReport] = []
    sink = Capture(realtime=True) if audio == "amem" else None
    player = VlcPlayer("dummy", on_report=reports.append, sample_sink=sink)
    try:
        player.apply(MusicTarget((tones["a"],), 40.0, 0.3))
        assert player.flush(8)
        time.sleep(1.0)  # well past NO_OUTPUT_BLOCKS decoded blocks
    finally:
        player.close()
    assert not [r for r in reports if r.kind == "device_error"], reports


def test_alsa_noise_stays_out_of_the_terminal(tones: dict[str, Path]) -> None:
    """alsa-lib prints "ALSA lib pcm.c: Unknown PCM …" to stderr by itself; the player
    reports the missing output calmly instead."""
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from ketaroom.core.targets import MusicTarget
        from ketaroom.devices.music import VlcPlayer
        said = []
        player = VlcPlayer("default", on_report=said.append, vlc_args={NO_SOUND_DEVICE!r})
        player.apply(MusicTarget((Path({str(tones["a"])!r}),), 40.0, 0.3))
        player.flush(8)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not any(r.kind == "device_error" for r in said):
            time.sleep(0.05)
        player.close()
        print("\\n".join(r.message for r in said))
        """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert NO_OUTPUT_MESSAGE in result.stdout
    assert "ALSA lib" not in result.stderr, result.stderr
