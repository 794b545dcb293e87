"""The test sound's target and how its reports are judged (pure logic; the sound itself is
heard through amem in tests/integration/test_test_sound.py)."""

from __future__ import annotations

from pathlib import Path

from ketaroom.session import test_sound
from ketaroom.session.test_sound import TestSoundWatch
from ketaroom.shipped import TEST_SOUND

SOUND = Path("/sounds/test-sound.ogg")


def test_level_is_20_percent_at_most_and_never_above_the_room_limit() -> None:
    assert [test_sound.test_sound_level(cap) for cap in (100, 80, 20, 12, 0)] == [20, 20, 20, 12, 0]
    target = test_sound.test_sound_target(60.0)
    assert target.tracks == (TEST_SOUND,) and TEST_SOUND.is_file()
    assert (target.volume_pct, target.fade_s, target.loop) == (20.0, 1.0, False)


def test_played_then_silence_is_ok() -> None:
    watch = TestSoundWatch.for_room(80.0, SOUND)
    assert not watch.feed("music", "test sound: test-sound.ogg", SOUND)
    assert watch.feed("state", "silence", None)
    assert watch.outcome() == ("ok", "test sound played: test-sound.ogg at 20 %, faded in "
                                     "from silence and out")


def test_unplayable_ends_at_once_and_no_output_waits_for_the_end() -> None:
    unplayable = TestSoundWatch.for_room(80.0, SOUND)
    assert unplayable.feed("warning", "cannot play test-sound.ogg: empty — skipped", SOUND)
    assert unplayable.outcome()[0] == "warning"
    silent = TestSoundWatch.for_room(15.0, SOUND)
    assert not silent.feed("music", "test sound: test-sound.ogg", SOUND)
    assert not silent.feed("device_error", "No audio output found", None)
    assert silent.feed("state", "silence", None)
    assert silent.outcome() == ("warning", "test sound test-sound.ogg at 15 % (the room's "
                                           "volume limit) did not play right: No audio "
                                           "output found")


def test_no_answer_says_so() -> None:
    watch = TestSoundWatch.for_room(80.0, SOUND)
    assert watch.outcome() == ("warning", "test sound test-sound.ogg at 20 %: no answer "
                                          "from the player within 15 s")
