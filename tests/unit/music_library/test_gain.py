"""The playback gain (target, true-peak ceiling), loud-start flag and the JSON object."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaroom.music_library import Measurement, Status, TrackResult, gain_db


@pytest.mark.parametrize(("lufs", "peak", "target", "expected"), [
    (-14.0, -0.1, -23.0, -9.0),     # loud master: lowered to the target
    (-30.0, -20.0, -23.0, 7.0),     # quiet with headroom: raised to the target
    (-30.0, -3.0, -23.0, 2.0),      # quiet but peaky: raised only until −1 dBTP
    (-23.0, -1.0, -23.0, 0.0),
    (-18.0, -6.0, -16.0, 2.0),      # another target
])
def test_gain_reaches_the_target_without_peaks_above_minus_1_dbtp(
        lufs: float, peak: float, target: float, expected: float) -> None:
    gain = gain_db(lufs, peak, target)

    assert gain == pytest.approx(expected)
    assert peak + gain <= -1.0 + 1e-9


def test_track_result_fields() -> None:
    loud = TrackResult(Path("a.mp3"), Measurement(Status.OK, None, 200.0, -20.0, -3.0, -13.5,
                                                  "mp3"))
    calm = TrackResult(Path("b.mp3"), Measurement(Status.OK, None, 200.0, -20.0, -3.0, -14.0,
                                                  "mp3"), target_lufs=-18.0, cached=True)
    broken = TrackResult(Path("c.mp3"), Measurement(Status.UNPLAYABLE, "bad data"))

    assert (loud.gain_db, loud.loud_start) == (-3.0, True)
    assert (calm.gain_db, calm.loud_start) == (2.0, False)
    assert (broken.gain_db, broken.loud_start) == (None, None)
    assert loud.to_dict() == {
        "path": "a.mp3", "status": "ok", "reason": None, "duration_s": 200.0, "lufs": -20.0,
        "peak_dbfs": -3.0, "gain_db": -3.0, "start_lufs": -13.5, "loud_start": True,
        "codec": "mp3", "title": None, "artist": None, "album": None, "cached": False}
    assert broken.to_dict()["reason"] == "bad data"
