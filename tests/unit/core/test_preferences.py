"""A patient's preferences honoured by a session: never play, comfortable volume,
warmer and dimmer light (pure; ketaroom.core.preferences and Session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaroom.core.clinical import ClinicalInputError
from ketaroom.core.clock import ManualClock
from ketaroom.core.preferences import (
    PatientPreferences,
    Withheld,
    adjust_light,
    comfortable_volume,
    is_never_play,
    withhold,
)
from ketaroom.core.preset import LightSpec, MusicSpec, Phase, Preset
from ketaroom.core.session import Session
from ketaroom.core.targets import LightTarget, MusicTarget
from ketaroom.core.timeline import EventKind
from ketaroom.core.validation import load_preset
from tests.helpers.wav import write_wav

TRACKS = (Path("/m/Ocean.ogg"), Path("/m/rain.ogg"), Path("/m/Drums – live.flac"))


def _music(volume: float, source: str = "calm.m3u") -> MusicSpec:
    return MusicSpec(TRACKS, volume, 8.0, source=source)


def _light(brightness: float, kelvin: int | None = 2700, color: str | None = None
           ) -> LightSpec:
    return LightSpec(brightness, 10.0, kelvin, color)


def _preset(*phases: Phase, max_volume: float = 100.0) -> Preset:
    return Preset("p", phases, max_volume_pct=max_volume)


# ---------------------------------------------------------------------------- never play


@pytest.mark.parametrize(("name", "entry", "hit"), [
    ("rain.ogg", "rain.ogg", True),
    ("rain.ogg", "RAIN", True),                    # no extension, any case
    ("/music/rain.ogg", "rain.ogg", True),          # a path: its file name
    ("rain.ogg", " rain.ogg ", True),
    ("Drums – live.flac", "drums – LIVE", True),
    ("Cafe\u0301.ogg", "Café.ogg", True),           # NFD on disk, NFC typed
    ("calm.m3u", "calm", True),                     # a playlist by name
    ("C:\\Music\\calm.m3u", "calm.m3u", True),
    ("rainforest.ogg", "rain", False),              # whole names only
    ("rain.ogg", "rain.mp3", False),
])
def test_a_name_is_on_the_list_by_file_name_with_or_without_extension(name, entry, hit):
    assert is_never_play(name, [entry]) is hit


def test_withhold_leaves_out_the_tracks_on_the_list_and_keeps_the_order():
    target = MusicTarget(TRACKS, 40.0, 8.0, label="calm.m3u")
    kept, withheld = withhold(target, ["rain"], silence_fade_s=6.0)
    assert kept.tracks == (TRACKS[0], TRACKS[2])
    assert (kept.volume_pct, kept.fade_s, kept.label) == (40.0, 8.0, "calm.m3u")
    assert withheld == Withheld("calm.m3u", ("rain.ogg",), False)
    assert withheld.message() == "Skipped 1 track this patient asked not to hear"


def test_nothing_on_the_list_changes_nothing():
    target = MusicTarget(TRACKS, 40.0, 8.0, label="calm.m3u")
    assert withhold(target, ["thunder.ogg"], silence_fade_s=6.0) == (target, None)
    assert withhold(target, [], silence_fade_s=6.0) == (target, None)


@pytest.mark.parametrize("never", [["calm.m3u"], ["ocean", "rain.ogg", "Drums – live"]])
def test_a_playlist_on_the_list_or_all_its_tracks_is_calm_silence(never):
    target = MusicTarget(TRACKS, 40.0, 8.0, label="calm.m3u")
    silent, withheld = withhold(target, never, silence_fade_s=6.0)
    assert silent.silent and silent.volume_pct == 0 and silent.fade_s == 6.0
    assert withheld is not None and withheld.whole_playlist
    assert withheld.tracks == tuple(t.name for t in TRACKS)
    assert withheld.message() == ("Playlist calm.m3u is on this patient's never-play "
                                  "list — silence instead")
    assert withheld.message(manual=True).endswith("— not played")


def test_a_phase_listing_its_tracks_has_no_playlist_name_to_match(tmp_path: Path):
    """A preset may list a phase's files instead of naming a playlist: those have no
    playlist name, so a never-play entry "list" (or any other word) matches only tracks,
    and the message speaks of this phase's tracks."""
    for name in ("ocean.wav", "rain.wav"):
        write_wav(tmp_path / name)
    (tmp_path / "p.yaml").write_text(
        "name: P\nphases:\n  - name: A\n    duration: 1m\n"
        "    music: {playlist: [ocean.wav, rain.wav], volume: 40}\n", encoding="utf-8")
    inline = load_preset(tmp_path / "p.yaml").preset
    assert inline is not None
    plain = Session(inline, ManualClock(0)).phase_music(0)
    target = plain[0]
    assert target.label == "" and len(target.tracks) == 2
    never_list = PatientPreferences(never_play=("list",))
    assert Session(inline, ManualClock(0), preferences=never_list).phase_music(0) == plain
    silent, withheld = withhold(target, ["ocean", "rain.wav"], silence_fade_s=6.0)
    assert silent.silent and withheld is not None and withheld.whole_playlist
    assert withheld.message() == ("This phase's tracks are all on this patient's never-play "
                                  "list — silence instead")


# ---------------------------------------------------------------------------- volume


def test_comfortable_volume_scales_every_phase_so_the_loudest_plays_at_it():
    p = _preset(Phase("Arrive", 60, music=_music(20)), Phase("Journey", 60, music=_music(40)),
                Phase("Rest", 60))
    assert comfortable_volume(40, p, 30) == 30.0
    assert comfortable_volume(20, p, 30) == 15.0          # the shape of the preset kept
    assert comfortable_volume(20, p, None) == 20          # no preference: as written
    assert comfortable_volume(20, p, 0) == 0.0


def test_comfortable_volume_never_goes_above_the_presets_max_volume():
    p = _preset(Phase("A", 60, music=_music(30)), Phase("B", 60, music=_music(50)),
                max_volume=40)
    # the loudest phase plays at 40 (its 50 capped); 60 % comfortable is capped at 40
    assert comfortable_volume(40, p, 60) == 40.0
    assert comfortable_volume(30, p, 60) == 40.0
    assert comfortable_volume(30, p, 20) == 15.0


def test_a_preset_without_music_ignores_the_comfortable_volume():
    p = _preset(Phase("Quiet", 60))
    assert comfortable_volume(0, p, 50) == 0


# ---------------------------------------------------------------------------- light


def test_dimmer_and_warmer_stay_within_the_presets_range_and_the_lamps():
    p = _preset(Phase("A", 60, light=_light(60, 3000)), Phase("B", 60, light=_light(25, 2200)),
                Phase("Off", 60, light=_light(0)))
    prefs = PatientPreferences(warmer_k=500, dimmer_pct=20)
    bright = adjust_light(LightTarget(60, 10.0, 3000), p, prefs)
    assert (bright.brightness_pct, bright.kelvin) == (40.0, 2500)
    dim = adjust_light(LightTarget(25, 10.0, 2200), p, prefs)
    assert (dim.brightness_pct, dim.kelvin) == (25.0, 2000)  # preset's dimmest; lamps' warmest
    off = adjust_light(LightTarget(0, 10.0, 2700), p, prefs)
    assert off.brightness_pct == 0                            # off stays off
    much = adjust_light(LightTarget(60, 10.0, 3000), p,
                        PatientPreferences(warmer_k=3000, dimmer_pct=100))
    assert (much.brightness_pct, much.kelvin) == (25.0, 2000)


def test_light_is_never_brighter_or_cooler_than_the_preset_asked():
    p = _preset(Phase("A", 60, light=_light(10, 2000)), Phase("B", 60, light=_light(50, 2700)))
    prefs = PatientPreferences(warmer_k=1000, dimmer_pct=30)
    for target in (LightTarget(10, 5.0, 2000), LightTarget(50, 5.0, 2700),
                   LightTarget(5, 5.0, 2000)):
        got = adjust_light(target, p, prefs)
        assert got.brightness_pct <= target.brightness_pct
        assert got.kelvin is not None and target.kelvin is not None
        assert 2000 <= got.kelvin <= target.kelvin
        assert got.transition_s == target.transition_s


def test_a_colour_keeps_its_colour_and_is_only_dimmed():
    p = _preset(Phase("A", 60, light=_light(50, None, "#ffb070")),
                Phase("B", 60, light=_light(20)))
    got = adjust_light(LightTarget(50, 5.0, color="#ffb070"), p,
                       PatientPreferences(warmer_k=500, dimmer_pct=10))
    assert (got.brightness_pct, got.kelvin, got.color) == (40.0, None, "#ffb070")


# ---------------------------------------------------------------------------- the session


def test_a_session_honours_the_preferences_at_every_phase_start():
    p = _preset(Phase("Arrive", 60, music=_music(20), light=_light(60, 2700)),
                Phase("Journey", 60, music=_music(40, "deep.m3u"), light=_light(30, 2400)),
                Phase("Return", 60, music=_music(30, "calm.m3u")))
    prefs = PatientPreferences(volume_pct=30, never_play=("rain.ogg", "deep"), warmer_k=300,
                               dimmer_pct=10)
    clock = ManualClock(0)
    session = Session(p, clock, preferences=prefs)
    session.start()
    arrive = next(e for e in session.poll() if e.kind is EventKind.PHASE_START)
    assert arrive.music is not None and arrive.music.volume_pct == 15.0
    assert arrive.music.tracks == (TRACKS[0], TRACKS[2])
    assert arrive.withheld == Withheld("calm.m3u", ("rain.ogg",), False)
    assert arrive.light is not None
    assert (arrive.light.brightness_pct, arrive.light.kelvin) == (50.0, 2400)
    clock.advance(60)
    journey = session.poll()[0]
    assert journey.music is not None and journey.music.silent
    assert journey.withheld is not None and journey.withheld.whole_playlist
    assert session.desired_light(1) == journey.light
    assert journey.light is not None and journey.light.brightness_pct == 30  # the dimmest
    clock.advance(60)
    back = session.poll()[0]
    assert back.light is None and session.desired_light(2) == journey.light
    assert session.phase_music(2) == (back.music, back.withheld)


def test_no_preferences_is_the_preset_as_written():
    p = _preset(Phase("A", 60, music=_music(40), light=_light(60)))
    plain, empty = Session(p, ManualClock(0)), Session(p, ManualClock(0),
                                                      preferences=PatientPreferences())
    assert empty.preferences is None
    assert plain.phase_music(0) == empty.phase_music(0)
    assert plain.phase_music(0)[0].tracks == TRACKS and plain.phase_music(0)[1] is None
    assert plain.desired_light(0) == empty.desired_light(0)


# ---------------------------------------------------------------------------- the record


def test_preferences_are_checked_and_read_back():
    prefs = PatientPreferences(volume_pct=35, never_play=(" rain.ogg", "", "rain.ogg", "Drums"),
                               warmer_k=200, dimmer_pct=5)
    assert prefs.never_play == ("rain.ogg", "Drums")
    assert PatientPreferences.from_dict(prefs.to_dict()) == prefs
    assert PatientPreferences.from_dict({}) == PatientPreferences()
    assert not PatientPreferences().any and prefs.any
    for bad in ({"volume_pct": 140}, {"warmer_k": -1}, {"dimmer_pct": 101},
                {"never_play": ("x" * 201,)}, {"never_play": ("a\nb",)},
                {"never_play": tuple(f"t{i}" for i in range(201))}):
        with pytest.raises(ClinicalInputError):
            PatientPreferences(**bad)
