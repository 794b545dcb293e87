"""One set of limits (:mod:`ketaroom.core.limits`) and the field path of a :class:`Problem`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaroom.core import limits
from ketaroom.core.validation import Problem, validate_text

PRESET = """\
name: Limits
max_volume: 60
phases:
  - name: One
    duration: 10m
    music: {playlist: nowhere.m3u, volume: 80}
    light: {brightness: 120, kelvin: 9000}
  - name: Two
    duration: 10m
    cues:
      - {at: 1h, prompt: Late}
"""


def _check(text: str):
    return validate_text(text, Path("/clinic/limits.yaml"), playlist_dirs=[])


def test_problem_keeps_file_line_message_and_carries_where() -> None:
    result = _check(PRESET)
    wheres = {p.where for p in result.problems}
    assert {"phases[0].light.brightness", "phases[0].light.kelvin",
            "phases[1].cues[0].at"} <= wheres
    for problem in result.problems + result.warnings:
        if problem.where:
            assert problem.message == f"{problem.where}: {problem.detail}"
            assert str(problem) == f"/clinic/limits.yaml:{problem.line}: {problem.message}"
    volume = next(w for w in result.warnings if w.where == "phases[0].music.volume")
    assert volume.detail.startswith("80 is above max_volume 60")


def test_problem_without_where_is_the_whole_file() -> None:
    (problem,) = _check("name: [unclosed\n").problems
    assert problem.where == "" and problem.detail == problem.message
    assert str(Problem("x.yaml", 3, "boom")) == "x.yaml:3: boom"


@pytest.mark.parametrize(("where", "area"), [
    ("phases[2].music.volume", "music"), ("phases[0].music", "music"),
    ("phases[1].music.playlist[3]", "music"), ("phases[0].light.kelvin", "lights"),
    ("light_group", "lights"), ("phases[0].light", "lights"), ("max_volume", "preset"),
    ("phases[0].cues[1].at", "preset"), ("", "preset"), ("phases[0].musicx", "preset"),
])
def test_problem_area_follows_where(where: str, area: str) -> None:
    assert Problem("p.yaml", 1, f"{where}: x", where).area == area


def test_the_validator_reports_against_the_shared_limits() -> None:
    light = ("name: L\nphases:\n  - name: A\n    duration: 1m\n"
             "    light: {{brightness: 5, kelvin: {}}}\n")
    assert _check(light.format(limits.KELVIN_MIN)).ok
    assert _check(light.format(limits.KELVIN_MAX)).ok
    assert not _check(light.format(limits.KELVIN_MIN - 1)).ok
    assert not _check(light.format(limits.KELVIN_MAX + 1)).ok
    assert limits.is_kelvin(limits.KELVIN_MIN) and not limits.is_kelvin(limits.KELVIN_MAX + 1)
    assert not limits.is_kelvin(2700.5) and not limits.is_kelvin(float("inf"))
    assert not limits.is_kelvin(True)
    assert limits.is_brightness(0) and limits.is_brightness(100.0)
    assert not limits.is_brightness(101) and not limits.is_brightness("50")
    assert limits.is_colour(" #FFb070 ") and not limits.is_colour("#ff9")
