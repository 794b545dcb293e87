"""The room check's test sound, heard through amem: real libVLC, the player's safe start.

``play_test_sound`` is what ``room-check --test-sound`` runs; here its player hands every
decoded, volume-scaled buffer to :class:`Capture` (paced at real time). A loud tone
(0.9 of full scale, −3.9 dBFS RMS) stands in for the sound so that any gain above 20 %
would be obvious; the shipped sound is checked the same way.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ketaroom.devices.music import ReportSink, VlcPlayer
from ketaroom.devices.music.levels import db_to_amplitude, pct_to_db
from ketaroom.session.test_sound import TEST_SOUND_MAX_PCT, play_test_sound
from ketaroom.shipped import TEST_SOUND
from tests.integration.audio_fixtures import SR, Capture, rms_db, write_tone

vlc = pytest.importorskip("vlc")
if vlc.Instance(["--aout=adummy", "--quiet"]) is None:  # pragma: no cover
    pytest.skip("libVLC plugins missing", allow_module_level=True)

TONE_AMP = 0.9
WIN = int(SR * 0.1) * 2  # 100 ms of interleaved stereo
FULL_SCALE = 32768.0


def played(sound: Path, cap_pct: float) -> tuple[tuple[str, str], np.ndarray]:
    """The outcome and every sample the test sound put out (its one start)."""
    capture = Capture(realtime=True)

    def make_player(sink: ReportSink) -> VlcPlayer:
        return VlcPlayer("dummy", on_report=sink, sample_sink=capture)

    outcome = play_test_sound(make_player, cap_pct, sound=sound)
    streams = [s for deck in (0, 1) for s in capture.streams(deck) if s.size]
    assert len(streams) == 1, "the test sound starts once, on one deck"
    return outcome, streams[0]


def peak(samples: np.ndarray) -> float:
    return float(np.max(np.abs(samples.astype(np.float64)))) / FULL_SCALE


def windows_db(samples: np.ndarray) -> list[float]:
    return [rms_db(samples[i:i + WIN]) for i in range(0, len(samples) - WIN + 1, WIN)]


def test_a_loud_sound_never_plays_above_20_percent_and_fades_in_from_silence(
        tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "loud.wav", 440.0, 2.5, amp=TONE_AMP)
    outcome, samples = played(tone, 80.0)
    assert outcome == ("ok", "test sound played: loud.wav at 20 %, faded in from silence "
                             "and out")
    gain = db_to_amplitude(pct_to_db(TEST_SOUND_MAX_PCT))  # −41.9 dB
    assert samples.size >= SR * 2 * 2  # it really played: ≥ 2 s of stereo
    # gain-wise ≤ 20 % of full scale, the first moments included (the safe start)
    assert peak(samples) <= TONE_AMP * gain * 1.06  # ≤ 0.5 dB over the gain asked
    levels = windows_db(samples)
    loudest = int(np.argmax(levels))
    plateau = rms_db(np.full(WIN, TONE_AMP / np.sqrt(2) * FULL_SCALE)) + pct_to_db(20.0)
    assert levels[loudest] == pytest.approx(plateau, abs=1.0)  # it reached 20 %
    quietest = int(np.argmin(levels[:loudest]))
    assert levels[quietest] <= plateau - 40.0  # the fade starts from silence…
    rise = levels[quietest:loudest + 1]
    assert all(b >= a - 0.5 for a, b in itertools.pairwise(rise)), rise  # …and only rises
    audible = [v for v in rise if v > -150.0]  # leaving digital silence is no jump
    assert max(b - a for a, b in itertools.pairwise(audible)) < 12.0  # never a jump
    assert levels[-1] <= levels[loudest] - 10.0  # faded out at the end


def test_the_shipped_sound_keeps_under_a_low_room_limit_from_its_first_sample() -> None:
    """A room limit of 10 % (−60 dB): the shipped sound stays under it from the start (its
    start is digital silence, then its own 0.5 s lead-in) and still fades in from silence."""
    outcome, samples = played(TEST_SOUND, 10.0)
    assert outcome == ("ok", "test sound played: test-sound.ogg at 10 % (the room's volume "
                             "limit), faded in from silence and out")
    source, _rate = sf.read(str(TEST_SOUND))
    gain = db_to_amplitude(pct_to_db(10.0))
    assert peak(samples) <= float(np.max(np.abs(source))) * gain * 1.06
    assert peak(samples) >= float(np.max(np.abs(source))) * gain * 0.5  # heard, not lost
    assert peak(samples[: int(SR * 0.4) * 2]) == 0.0  # digital silence at the start


def test_a_sound_that_cannot_play_is_said_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ogg"
    broken.write_bytes(b"not audio at all" * 100)
    outcome = play_test_sound(lambda sink: VlcPlayer("dummy", on_report=sink), 80.0,
                              sound=broken)
    assert outcome[0] == "warning"
    assert outcome[1].startswith("test sound broken.ogg at 20 % did not play right: ")
    assert "\n" not in outcome[1]
