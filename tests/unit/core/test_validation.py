"""Tests for :mod:`ketaroom.core.validation`: every error class, exact lines, the model built."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaroom.core.durations import parse_duration
from ketaroom.core.limits import DEFAULT_TRANSITION_S, MAX_CUES_PER_PHASE, MAX_PHASES
from ketaroom.core.playlists import Skipped, read_playlist
from ketaroom.core.preset import Cue, CueKind, LightSpec, Preset
from ketaroom.core.validation import LoadResult, Problem, load_preset, validate_text
from tests.helpers.blocking import finishes
from tests.helpers.wav import write_wav

DATA = Path(__file__).resolve().parents[2] / "data"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def check(tmp_path: Path, text: str, **kwargs: object) -> LoadResult:
    return load_preset(write(tmp_path / "p.yaml", text), **kwargs)  # type: ignore[arg-type]


def lines_and_messages(result: LoadResult) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in result.problems]


def only_problem(result: LoadResult) -> Problem:
    assert result.preset is None
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


# --------------------------------------------------------------------------- Problem


def test_problem_str_is_file_line_message() -> None:
    assert str(Problem("presets/x.yaml", 12, "boom")) == "presets/x.yaml:12: boom"


# --------------------------------------------------------------------------- valid presets


def test_full_valid_preset_builds_dataclasses(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "music" / "a.wav")
    b = write_wav(tmp_path / "music" / "sub dir" / "b.wav")
    c = write_wav(tmp_path / "elsewhere" / "c.wav")
    write(
        tmp_path / "playlists" / "arrival.m3u",
        f"""\
        #EXTM3U
        #EXTINF:10,Track A
        ../music/a.wav

        # a comment
        ../music/sub dir/b.wav
        {c.as_uri()}
        """,
    )
    write(tmp_path / "presets" / "peak.m3u8", "../music/a.wav\n")
    path = write(
        tmp_path / "presets" / "iv.yaml",
        """\
        name: IV infusion 40 min
        description: Standard protocol
        light_group: Treatment room
        max_volume: 70
        phases:
          - name: Arrival
            duration: 10m
            music:
              playlist: arrival.m3u
              volume: 40
              fade: 8s
              shuffle: true
            light:
              brightness: 60
              kelvin: 2700
              transition: 30s
            cues:
              - at: 5m
                prompt: Check blood pressure
                kind: vitals
              - at: 90s
                prompt: Settle in
          - name: Peak
            duration: 1h30m
            music:
              playlist: peak.m3u8
              loop: false
            light: {brightness: 20, color: "#FFB070"}
          - name: Return
            duration: open
            expected: 15m
            music: null
            cues:
              - at: 0
                prompt: Write a note
                kind: note
        """,
    )
    result = load_preset(path, playlist_dirs=[tmp_path / "playlists"])
    assert result.problems == ()
    assert [(w.line, w.message.split(":")[0]) for w in result.warnings] == [(3, "light_group")]
    preset = result.preset
    assert isinstance(preset, Preset)
    assert preset.name == "IV infusion 40 min"
    assert preset.description == "Standard protocol"
    assert preset.light_group == "Treatment room"
    assert preset.max_volume_pct == 70
    assert preset.path == path
    arrival, peak, back = preset.phases
    assert (arrival.name, arrival.duration_s, arrival.expected_s, arrival.line) == (
        "Arrival", 600.0, None, 6)
    assert arrival.music is not None
    assert arrival.music.tracks == (a.resolve(), b.resolve(), c.resolve())
    assert arrival.music.volume_pct == 40
    assert arrival.music.fade_s == 8
    assert arrival.music.source == "arrival.m3u"
    assert (arrival.music.shuffle, arrival.music.loop, arrival.music.missing) == (
        True, True, ())
    assert arrival.light == LightSpec(brightness_pct=60, transition_s=30, kelvin=2700)
    assert arrival.cues == (  # sorted by time
        Cue(at_s=90, prompt="Settle in", kind=CueKind.REMINDER),
        Cue(at_s=300, prompt="Check blood pressure", kind=CueKind.VITALS),
    )
    assert peak.duration_s == 5400
    assert peak.music is not None
    assert peak.music.tracks == (a.resolve(),)
    assert peak.music.volume_pct == 50  # default
    assert peak.music.fade_s == 5  # default
    assert (peak.music.shuffle, peak.music.loop) == (False, False)
    assert peak.light == LightSpec(brightness_pct=20, transition_s=DEFAULT_TRANSITION_S,
                                   color="#ffb070")  # the default: the floor
    assert back.is_open and back.duration_s is None and back.expected_s == 900
    assert back.music is None and back.light is None
    assert back.cues == (Cue(at_s=0, prompt="Write a note", kind=CueKind.NOTE),)


def test_shipped_minimal_good_preset_is_valid() -> None:
    result = load_preset(DATA / "good" / "minimal.yaml")
    assert result.problems == ()
    assert result.preset is not None
    assert [p.name for p in result.preset.phases] == ["Arrival", "Rest"]


def test_playlist_as_list_of_files(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "a.wav")
    b = write_wav(tmp_path / "lib" / "b.wav")
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music:
              playlist: [a.wav, b.wav]
        """,
        playlist_dirs=[tmp_path / "lib"],
    )
    assert result.problems == ()
    assert result.preset is not None
    music = result.preset.phases[0].music
    assert music is not None
    assert music.tracks == (a.resolve(), b.resolve())
    assert music.source == ""  # no playlist name (a never-play entry matches tracks only)


def test_light_group_may_be_a_number(tmp_path: Path) -> None:
    result = check(tmp_path, "name: P\nlight_group: 3\nphases: [{name: A, duration: 1m}]\n")
    assert result.preset is not None
    assert result.preset.light_group == "3"


def test_str_and_bytes_input_give_the_same_result() -> None:
    text = "name: P\nphases:\n  - name: A\n    duration: 90s\n"
    assert validate_text(text, "x.yaml") == validate_text(text.encode(), "x.yaml")
    assert validate_text("\ufeff" + text, "x.yaml").problems == ()


# --------------------------------------------------------------------------- playlists


def test_playlist_lookup_order(tmp_path: Path) -> None:
    clinic = tmp_path / "clinic"
    shipped = tmp_path / "shipped"
    preset_dir = tmp_path / "presets"
    for folder in (preset_dir, clinic, shipped):
        write_wav(folder / f"{folder.name}.wav")
    preset = preset_dir / "p.yaml"
    text = "name: P\nphases:\n  - name: A\n    duration: 1m\n    music: {playlist: %s}\n"

    def tracks_for(playlist: str) -> tuple[Path, ...]:
        result = validate_text(text % playlist, preset, playlist_dirs=[clinic, shipped])
        assert result.problems == (), result.problems
        assert result.preset is not None and result.preset.phases[0].music is not None
        return result.preset.phases[0].music.tracks

    # Next to the preset wins, then the clinic's folder, then the shipped one.
    for folder in (shipped, clinic, preset_dir):
        write(folder / "calm.m3u", f"{folder.name}.wav\n")
        assert tracks_for("calm.m3u") == ((folder / f"{folder.name}.wav").resolve(),)
    # Only in the shipped folder.
    write(shipped / "only.m3u", "shipped.wav\n")
    assert tracks_for("only.m3u") == ((shipped / "shipped.wav").resolve(),)
    # Absolute paths are used as they are.
    absolute = write(tmp_path / "abs" / "x.m3u", f"{clinic / 'clinic.wav'}\n")
    assert tracks_for(str(absolute)) == ((clinic / "clinic.wav").resolve(),)


def test_read_playlist(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "music" / "a b.wav")
    b = write_wav(tmp_path / "b.wav")
    playlist = write(
        tmp_path / "pl" / "x.m3u8",
        f"""\
        #EXTM3U
        #EXTINF:-1,A
        ../music/a b.wav
        # comment

        {b}
        file://{(tmp_path / 'music' / 'a%20b.wav').as_posix()}
        missing.ogg
        http://radio.example/stream
        """,
    )
    found, missing = read_playlist(playlist)
    assert found == [a.resolve(), b.resolve(), a.resolve()]
    assert missing == [Skipped("missing.ogg", "missing"),
                       Skipped("http://radio.example/stream", "not a local file")]


def test_missing_track_in_m3u_is_a_warning(tmp_path: Path) -> None:
    write_wav(tmp_path / "a.wav")
    write(tmp_path / "calm.m3u", "a.wav\ngone.wav\nalso-gone.mp3\n")
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music:
              volume: 30
              playlist: calm.m3u
        """,
    )
    assert result.problems == ()
    assert result.preset is not None
    assert result.preset.phases[0].music is not None
    assert result.preset.phases[0].music.missing == ("gone.wav", "also-gone.mp3")
    assert [(w.line, w.message) for w in result.warnings] == [
        (7, "phases[0].music.playlist: playlist 'calm.m3u' lists a missing file: "
            "'gone.wav' (skipped)"),
        (7, "phases[0].music.playlist: playlist 'calm.m3u' lists a missing file: "
            "'also-gone.mp3' (skipped)"),
    ]


def test_volume_above_max_volume_is_a_warning_and_capped(tmp_path: Path) -> None:
    write_wav(tmp_path / "a.wav")
    result = check(
        tmp_path,
        """\
        name: P
        max_volume: 70
        phases:
          - name: A
            duration: 1m
            music:
              playlist: a.wav
              volume: 80
        """,
    )
    assert result.problems == ()
    assert [(w.line, w.message) for w in result.warnings] == [
        (8, "phases[0].music.volume: 80 is above max_volume 70; 70 will be used")
    ]
    assert result.preset is not None and result.preset.phases[0].music is not None
    assert result.preset.phases[0].music.volume_pct == 70


def test_transitions_and_fades_below_the_floor_are_warnings_not_errors(tmp_path: Path) -> None:
    """A 0 s light transition or music fade would make the room jump at the phase start:
    the preset stays valid (and keeps what it says), ``validate`` and the editor warn."""
    write_wav(tmp_path / "a.wav")
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music: {playlist: a.wav, fade: 0s}
            light: {brightness: 40, transition: 0s}
          - name: B
            duration: 1m
            music:
              playlist: a.wav
              fade: 1.5
            light:
              brightness: 60
              transition: 2.9s
          - name: C
            duration: 1m
            music: {playlist: a.wav, fade: 2s}
            light: {brightness: 60, transition: 3s}
        """,
    )
    assert result.problems == ()
    assert [(w.line, w.message) for w in result.warnings] == [
        (5, "phases[0].music.fade: 0s would make the music jump; 2s will be used "
            "(the shortest fade a session allows)"),
        (6, "phases[0].light.transition: 0s would make the lights jump; 3s will be used "
            "(the shortest light transition a session allows)"),
        (11, "phases[1].music.fade: 1.5s would make the music jump; 2s will be used "
             "(the shortest fade a session allows)"),
        (14, "phases[1].light.transition: 2.9s would make the lights jump; 3s will be used "
             "(the shortest light transition a session allows)"),
    ]
    assert [w.area for w in result.warnings] == ["music", "lights", "music", "lights"]
    assert result.preset is not None
    first = result.preset.phases[0]
    assert first.light is not None and first.light.transition_s == 0  # as written
    assert first.music is not None and first.music.fade_s == 0


# --------------------------------------------------------------------------- error classes


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            light:
              brightness: 50
              kelvn: 2700
        """,
    )
    problem = only_problem(result)
    assert problem.line == 7
    assert problem.message == "phases[0].light: unknown key 'kelvn'; did you mean 'kelvin'?"
    assert str(problem) == f"{tmp_path / 'p.yaml'}:7: {problem.message}"


def test_unknown_key_without_suggestion_lists_allowed_keys(tmp_path: Path) -> None:
    result = check(tmp_path, "name: P\nzebra: 1\nphases: [{name: A, duration: 1m}]\n")
    assert lines_and_messages(result) == [
        (2, "unknown key 'zebra' (expected one of: name, description, light_group, "
            "max_volume, phases)")
    ]


def test_misspelt_required_key_is_reported_once(tmp_path: Path) -> None:
    result = load_preset(DATA / "broken" / "unknown_key.yaml")
    assert lines_and_messages(result) == [
        (4, "phases[0]: unknown key 'duraton'; did you mean 'duration'?")
    ]


def test_wrong_type(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music: null
            light:
              brightness: abc
        """,
    )
    assert lines_and_messages(result) == [
        (7, "phases[0].light.brightness: expected a number, got 'abc'")
    ]


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("brightness: 101", "phases[0].light.brightness: 101 is out of range (0-100)"),
        ("brightness: -1", "phases[0].light.brightness: -1 is out of range (0-100)"),
        ("kelvin: 9000", "phases[0].light.kelvin: 9000 is out of range (2000-6500)"),
        ("kelvin: 1999", "phases[0].light.kelvin: 1999 is out of range (2000-6500)"),
    ],
)
def test_value_out_of_range(tmp_path: Path, snippet: str, message: str) -> None:
    key = snippet.split(":")[0]
    other = "" if key == "brightness" else "\n      brightness: 50"
    text = f"name: P\nphases:\n  - name: A\n    duration: 1m\n    light:{other}\n      {snippet}\n"
    problem = only_problem(validate_text(text, "x.yaml"))
    assert (problem.line, problem.message) == (7 if other else 6, message)


def test_max_volume_out_of_range(tmp_path: Path) -> None:
    result = check(tmp_path, "name: P\nmax_volume: 170\nphases: [{name: A, duration: 1m}]\n")
    assert lines_and_messages(result) == [(2, "max_volume: 170 is out of range (0-100)")]


def test_kelvin_and_color_together(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            light:
              brightness: 50
              kelvin: 2700
              color: "#ffb070"
        """,
    )
    assert lines_and_messages(result) == [
        (8, "phases[0].light: give either kelvin or color, not both")
    ]


def test_unquoted_color_is_explained(tmp_path: Path) -> None:
    text = "name: P\nphases:\n  - name: A\n    duration: 1m\n    light:\n"
    text += "      brightness: 50\n      color: #ffb070\n"
    problem = only_problem(validate_text(text, "x.yaml"))
    assert problem.line == 7
    assert "put it in quotes" in problem.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten minutes", "expected a duration like 90s, 10m or 1h30m, or open, "
                        "got 'ten minutes'"),
        ("10 minuts", "expected a duration like 90s, 10m or 1h30m, or open, got '10 minuts'"),
        ("30s10m", "units must appear once each, in h, m, s order, got '30s10m'"),
        ("30 sec 10 min", "units must appear once each, in h, m, s order, "
                          "got '30 sec 10 min'"),
        ("1e29", "1e+29 is too long (at most 24h)"),
        ("25h", "'25h' is too long (at most 24h)"),
        ("0s", "must be longer than 0s, got '0s'"),
        ("[1, 2]", "expected a duration like 90s, 10m or 1h30m, or open, got a list"),
        (".inf", "expected a duration like 90s, 10m or 1h30m, or open, got inf"),
    ],
)
def test_unparseable_duration(tmp_path: Path, value: str, message: str) -> None:
    result = check(tmp_path, f"name: P\nphases:\n  - name: A\n    duration: {value}\n")
    assert lines_and_messages(result) == [(4, f"phases[0].duration: {message}")]


@pytest.mark.parametrize(("value", "seconds"), [
    ("90s", 90), ("10m", 600), ("1h30m", 5400), ("1h 5m 30s", 3930), (90, 90), (1.5, 1.5),
    ("10 minutes", 600), ("1 h 30 min", 5400), ("90 sec", 90), ("1 hour", 3600),
    ("2 hrs 5 mins", 7500), ("1 Hour 1 Minute 1 Second", 3661), ("0.5 min", 30),
    ("24 hours", 86400),
])
def test_durations_as_people_write_them(value: str | int, seconds: float) -> None:
    assert parse_duration(value) == seconds
    text = f"name: P\nphases:\n  - name: A\n    duration: {value}\n"
    result = validate_text(text, "p.yaml")
    assert result.preset is not None and result.preset.phases[0].duration_s == seconds


def test_longest_times_are_capped_everywhere() -> None:
    text = """\
        name: P
        phases:
          - name: A
            duration: open
            expected: 1e29
            music: {playlist: [], fade: 100000}
            light: {brightness: 1, transition: 25 hours}
            cues:
              - at: 24h 1s
                prompt: late
        """
    result = validate_text(textwrap.dedent(text), "p.yaml")
    assert lines_and_messages(result) == [
        (5, "phases[0].expected: 1e+29 is too long (at most 24h)"),
        (6, "phases[0].music.fade: 100000 is too long (at most 24h)"),
        (6, "phases[0].music.playlist: expected at least one audio file"),
        (7, "phases[0].light.transition: '25 hours' is too long (at most 24h)"),
        (9, "phases[0].cues[0].at: '24h 1s' is too long (at most 24h)"),
    ]


def test_unparseable_fade_and_transition(tmp_path: Path) -> None:
    write_wav(tmp_path / "a.wav")
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music: {playlist: a.wav, fade: soon}
            light:
              brightness: 10
              transition: -5
        """,
    )
    assert lines_and_messages(result) == [
        (5, "phases[0].music.fade: expected a duration like 90s, 10m or 1h30m, got 'soon'"),
        (8, "phases[0].light.transition: must not be negative, got -5"),
    ]


def test_cue_outside_its_phase(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 10m
            cues:
              - at: 5m
                prompt: fine
              - at: 10m
                prompt: exactly at the end is outside
          - name: B
            duration: open
            expected: 2m
            cues:
              - at: 3m
                prompt: past expected
          - name: C
            duration: open
            cues:
              - at: 3h
                prompt: any time in an open phase without expected
        """,
    )
    assert lines_and_messages(result) == [
        (8, "phases[0].cues[1].at: 10m is outside its phase (must be less than 10m)"),
        (14, "phases[1].cues[0].at: 3m is outside its phase (must be less than 2m)"),
    ]


def test_cue_fields(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 10m
            cues:
              - at: 1m
                prompt: ""
                kind: vital
              - prompt: no time
              - 5
        """,
    )
    assert lines_and_messages(result) == [
        (7, "phases[0].cues[0].prompt: must not be empty"),
        (8, "phases[0].cues[0].kind: expected one of vitals | note | reminder, got 'vital'"),
        (9, "phases[0].cues[1]: missing required key 'at'"),
        (10, "phases[0].cues[2]: expected a cue (a mapping with at and prompt), got 5"),
    ]


def test_expected_only_with_open(tmp_path: Path) -> None:
    result = check(tmp_path, "name: P\nphases:\n  - name: A\n    duration: 1m\n    expected: 2m\n")
    assert lines_and_messages(result) == [
        (5, "phases[0].expected: only allowed with duration: open")
    ]


def test_missing_playlist(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music:
              playlist: nowhere.m3u
        """,
        playlist_dirs=[tmp_path / "clinic"],
    )
    assert lines_and_messages(result) == [
        (6, "phases[0].music.playlist: playlist 'nowhere.m3u' not found "
            f"(looked next to the preset, in {tmp_path / 'clinic'})")
    ]


def test_missing_audio_file_in_list(tmp_path: Path) -> None:
    write_wav(tmp_path / "a.wav")
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music:
              playlist:
                - a.wav
                - gone.ogg
        """,
    )
    assert lines_and_messages(result) == [
        (8, "phases[0].music.playlist[1]: audio file 'gone.ogg' not found "
            "(looked next to the preset)")
    ]


def test_playlist_with_no_existing_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "empty.m3u", "#EXTM3U\n")
    write(tmp_path / "gone.m3u", "a.wav\nb.wav\n")
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: A
            duration: 1m
            music: {playlist: empty.m3u}
          - name: B
            duration: 1m
            music: {playlist: gone.m3u}
        """,
    )
    assert lines_and_messages(result) == [
        (5, "phases[0].music.playlist: playlist 'empty.m3u' has no playable files (it is empty)"),
        (8, "phases[1].music.playlist: playlist 'gone.m3u' has no playable files (2 missing)"),
    ]


def test_duplicate_phase_names(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: P
        phases:
          - name: Arrival
            duration: 1m
          - name: Peak
            duration: 1m
          - name: arrival
            duration: 1m
        """,
    )
    assert lines_and_messages(result) == [
        (7, "phases[2].name: duplicate phase name 'arrival' (also phases[0], line 3)")
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("name: P\n", 1, "missing required key 'phases'"),
        ("# c\nname: P\nphases: []\n", 3, "phases: expected at least one phase"),
        ("name: P\nphases:\n", 2, "phases: expected at least one phase"),
        ("name: P\nphases: lots\n", 2, "phases: expected a list of phases, got 'lots'"),
        ("description: d\nphases: [{name: A, duration: 1m}]\n", 1, "missing required key 'name'"),
        ("name: P\nphases:\n  - name: A\n", 3, "phases[0]: missing required key 'duration'"),
        ("name: P\nphases:\n  - duration: 1m\n", 3, "phases[0]: missing required key 'name'"),
        ("name: ' '\nphases: [{name: A, duration: 1m}]\n", 1, "name: must not be empty"),
    ],
)
def test_no_phases_or_missing_required_key(text: str, line: int, message: str) -> None:
    problem = only_problem(validate_text(text, "x.yaml"))
    assert (problem.line, problem.message) == (line, message)


@pytest.mark.parametrize(
    "content", [b"", b"   \n\n\t\n", b"# only a comment\n\n# another\n", b"---\n"]
)
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(content)
    problem = only_problem(load_preset(path))
    assert problem.line == 1
    assert problem.message.startswith("file is empty")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("name: P\nphases:\n  - name: A\n    duration: 1m\n   light: [\n", 5,
         "YAML syntax error: expected <block end>, but found '<block mapping start>'"),
        ("name: P\nname: Q\nphases: []\n", 2,
         'YAML syntax error: found duplicate key "name" with value "Q" (original value: "P")'),
        ("name: a: b\n", 1, "YAML syntax error: mapping values are not allowed here"),
        ("name: P\n\nphases: [\n", 4,
         "YAML syntax error: expected the node content, but found '<stream end>'"),
    ],
)
def test_yaml_syntax_error(text: str, line: int, message: str) -> None:
    problem = only_problem(validate_text(text, "x.yaml"))
    assert (problem.line, problem.message) == (line, message)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_bytes(b"name: x\nphases:\n\x00\x01\x02\xff")
    problem = only_problem(load_preset(path))
    assert (problem.line, problem.message) == (
        3, "this is a binary file (NUL byte), not a YAML preset")


def test_control_character(tmp_path: Path) -> None:
    problem = only_problem(validate_text("name: P\ndescription: a\x07b\n", "x.yaml"))
    assert (problem.line, problem.message) == (
        2, "contains a control character U+0007 that YAML does not allow")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: P\n\ndescription: café\n".encode("latin-1"))
    problem = only_problem(load_preset(path))
    assert (problem.line, problem.message) == (
        3, "not valid UTF-8 text (byte 0xe9); save the file as UTF-8")


@pytest.mark.parametrize(
    ("text", "line", "got"),
    [
        ("- a\n- b\n", 1, "a list"),
        ("# c\n\njust some words\n", 3, "text"),
        ("42\n", 1, "42"),
    ],
)
def test_top_level_not_a_mapping(text: str, line: int, got: str) -> None:
    problem = only_problem(validate_text(text, "x.yaml"))
    assert (problem.line, problem.message) == (
        line, f"expected a mapping of keys (name, phases, …) at the top level, got {got}")


def test_unreadable_file(tmp_path: Path) -> None:
    problem = only_problem(load_preset(tmp_path / "nope.yaml"))
    assert problem.line == 1 and problem.message.startswith("cannot read file")
    problem = only_problem(load_preset(tmp_path))
    assert problem.message == "is a folder, not a preset file"


def test_all_problems_reported(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        """\
        name: Many
        max_volume: 170
        phases:
          - name: A
            duration: 10m
            light:
              brightness: 60
              kelvin: 9000
            cues:
              - at: 12m
                prompt: late
          - name: B
            duration: 1h30
            music:
              playlist: nowhere.m3u
              volume: loud
          - name: A
            duration: 1m
            lights: {}
        """,
    )
    assert result.preset is None
    assert lines_and_messages(result) == [
        (2, "max_volume: 170 is out of range (0-100)"),
        (8, "phases[0].light.kelvin: 9000 is out of range (2000-6500)"),
        (10, "phases[0].cues[0].at: 12m is outside its phase (must be less than 10m)"),
        (13, "phases[1].duration: expected a duration like 90s, 10m or 1h30m, or open, "
             "got '1h30'"),
        (15, "phases[1].music.playlist: playlist 'nowhere.m3u' not found "
             "(looked next to the preset)"),
        (16, "phases[1].music.volume: expected a number, got 'loud'"),
        (17, "phases[2].name: duplicate phase name 'A' (also phases[0], line 4)"),
        (19, "phases[2]: unknown key 'lights'; did you mean 'light'?"),
    ]
    assert all(p.path == str(tmp_path / "p.yaml") for p in result.problems)


def test_path_is_reported_as_given() -> None:
    result = validate_text("name: P\n", "presets/x.yaml")
    assert [str(p) for p in result.problems] == [
        "presets/x.yaml:1: missing required key 'phases'"
    ]


# --------------------------------------------------------------------------- example files


@pytest.mark.parametrize("path", sorted((DATA / "broken").glob("*.yaml")), ids=lambda p: p.name)
def test_broken_examples_are_rejected(path: Path) -> None:
    result = load_preset(path)
    assert result.preset is None
    assert result.problems
    for problem in result.problems:
        assert problem.line >= 1
        assert str(problem).startswith(f"{path}:{problem.line}: ")


# --------------------------------------------------------------------------- fuzzing

_KEYS = ["name", "description", "light_group", "max_volume", "phases", "duration", "expected",
         "music", "light", "cues", "playlist", "volume", "fade", "shuffle", "loop",
         "brightness", "kelvin", "color", "transition", "at", "prompt", "kind", "nmae", "<<"]
_VALUES = ["", "10m", "1h30m", "open", "90", "-3", "1e400", ".nan", "null", "true", "[]",
           "{}", "[a, b]", "'#ffb070'", "#ffb070", "vitals", "x.m3u", "[a.wav]", "&a x", "*a",
           "|", "{brightness: 5", "2700", "9000", "'", '"', "!!binary aGk=", "? x", "- y"]


@st.composite
def yamlish(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        indent = " " * draw(st.integers(0, 8))
        dash = draw(st.sampled_from(["", "", "- "]))
        key = draw(st.one_of(st.sampled_from(_KEYS), st.text(max_size=6)))
        value = draw(st.one_of(st.sampled_from(_VALUES), st.text(max_size=10)))
        lines.append(f"{indent}{dash}{key}: {value}")
    return "\n".join(lines)


def _assert_well_formed(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    for problem in (*result.problems, *result.warnings):
        assert isinstance(problem, Problem)
        assert problem.line >= 1
        assert problem.message
        assert "internal error" not in problem.message
    assert (result.preset is None) == bool(result.problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_bytes_never_raise(data: bytes) -> None:
    _assert_well_formed(validate_text(data, "fuzz.yaml"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(yamlish(), st.text(max_size=300)))
def test_fuzz_yamlish_text_never_raises(text: str) -> None:
    _assert_well_formed(validate_text(text, "fuzz.yaml"))
    _assert_well_formed(validate_text(text.encode("utf-8", "surrogatepass"), "fuzz.yaml"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_reported_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = finishes(lambda: load_preset(fifo))
    assert [str(p) for p in result.problems] == [
        f"{fifo}:1: is a FIFO (named pipe), not a regular file; a preset must be a YAML file"]


def test_a_device_is_reported_not_read_forever() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    result = finishes(lambda: load_preset(Path("/dev/zero")))
    assert "is a device, not a regular file" in result.problems[0].message


# --------------------------------------------------------------------------- size limits


def alias_bomb(phases: int = 2000, cues: int = 1000) -> str:
    """A small file whose phases all reuse one long cue list by YAML alias."""
    listed = "\n".join(f"      - {{at: {i}s, prompt: c{i}}}" for i in range(cues))
    reuse = "".join(f"  - {{name: P{i}, duration: 1h, cues: *c}}\n" for i in range(1, phases))
    return f"name: Bomb\nphases:\n  - name: P0\n    duration: 1h\n    cues: &c\n{listed}\n{reuse}"


def test_an_alias_bomb_is_refused_before_it_is_expanded() -> None:
    text = alias_bomb()
    assert len(text) < 150_000  # two million cues in a small file
    result = finishes(lambda: validate_text(text, "bomb.yaml"), timeout=60)
    assert [str(p) for p in result.problems] == [
        "bomb.yaml:1204: the preset is too large with its YAML aliases (*name) expanded "
        "(over 1,000,000 values by here; a preset can have at most 10,000 phases of "
        "1,000 cues)"]


def test_aliased_text_counts_every_time_it_is_used() -> None:
    prompt = "x" * 100_000
    text = (f"name: P\nphases:\n  - name: A\n    duration: 1h\n"
            f"    cues: [{{at: 0s, prompt: &t {prompt}}}]\n"
            + "".join(f"  - {{name: B{i}, duration: 1h, cues: [{{at: 0s, prompt: *t}}]}}\n"
                      for i in range(300)))
    problem = only_problem(validate_text(text, "p.yaml"))
    assert problem.message == ("the preset is too large with its YAML aliases (*name) "
                               "expanded (over 20,971,520 characters of text by here)")
    assert problem.line == 6 + 208  # the 210th use of the 100,000-character prompt


def test_small_aliases_are_fine() -> None:
    result = validate_text(alias_bomb(phases=20, cues=10), "p.yaml")
    assert result.ok and result.preset is not None
    assert [len(p.cues) for p in result.preset.phases] == [10] * 20


def test_too_many_phases_or_cues(tmp_path: Path) -> None:
    many = "".join(f"  - {{name: P{i}, duration: 1s}}\n" for i in range(MAX_PHASES + 1))
    problem = only_problem(validate_text(f"name: P\nphases:\n{many}", "p.yaml"))
    assert (problem.line, problem.message) == (
        3, "phases: 10,001 phases are more than a preset can have (10,000)")
    cues = "".join("      - {at: 0s, prompt: c}\n" for _ in range(MAX_CUES_PER_PHASE + 1))
    text = f"name: P\nphases:\n  - name: A\n    duration: 1h\n    cues:\n{cues}"
    problem = only_problem(validate_text(text, "p.yaml"))
    assert (problem.line, problem.message) == (
        6, "phases[0].cues: 1,001 cues are more than a phase can have (1,000)")
    at_limit = "".join(f"  - {{name: P{i}, duration: 1s}}\n" for i in range(MAX_PHASES))
    assert validate_text(f"name: P\nphases:\n{at_limit}", "p.yaml").ok


# --------------------------------------------------------------------------- visible names


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff\u200d", "\u3164", "\u2800", "\u00ad",
                                       "\u2060 \u200b"])
def test_names_and_prompts_need_visible_characters(invisible: str) -> None:
    quoted = invisible.encode("unicode_escape").decode()
    text = (f'name: "{quoted}"\nphases:\n  - name: "{quoted}"\n    duration: 1m\n'
            f'    cues: [{{at: 0s, prompt: "{quoted}"}}]\n')
    result = validate_text(text, "p.yaml")
    shown = repr(invisible)
    assert lines_and_messages(result) == [
        (1, f"name: has no visible characters, got {shown}"),
        (3, f"phases[0].name: has no visible characters, got {shown}"),
        (5, f"phases[0].cues[0].prompt: has no visible characters, got {shown}"),
    ]


@pytest.mark.parametrize("twin", ["A\\u200b", "\\u200bA", "a", "A\\u2060", "\\u00a0A "])
def test_names_that_look_the_same_are_duplicates(twin: str) -> None:
    text = (f'name: P\nphases:\n  - name: A\n    duration: 1m\n'
            f'  - name: "{twin}"\n    duration: 1m\n')
    problem = only_problem(validate_text(text, "p.yaml"))
    assert problem.line == 5
    assert problem.message.startswith("phases[1].name: duplicate phase name")
    assert problem.message.endswith("(also phases[0], line 3)")


def test_composed_and_decomposed_names_are_the_same_name() -> None:
    text = 'name: P\nphases:\n  - name: "Caf\\u00e9"\n    duration: 1m\n' \
           '  - name: "Cafe\\u0301"\n    duration: 1m\n'
    assert only_problem(validate_text(text, "p.yaml")).line == 5
    ok = validate_text('name: "Cafe\\u0301"\nphases: [{name: "A B", duration: 1m}]\n', "p.yaml")
    assert ok.preset is not None and ok.preset.name == "Caf\u00e9"


def test_names_with_joiners_inside_stay_as_written() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    text = f'name: P\nphases:\n  - name: "Room {family}"\n    duration: 1m\n'
    result = validate_text(text, "p.yaml")
    assert result.preset is not None and result.preset.phases[0].name == f"Room {family}"


def test_a_number_of_thousands_of_digits_is_reported_on_its_line() -> None:
    text = f"name: P\nphases:\n  - name: A\n    duration: {'9' * 5000}\n"
    assert [str(p) for p in validate_text(text, "x.yaml").problems] == [
        "x.yaml:4: a number of 5,000 digits is not a usable value"]
