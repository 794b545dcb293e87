"""Audio files that lie about themselves, and a rehearsal where nothing can play.

Covered elsewhere (tests/integration/test_music_vlc.py): missing, empty, corrupt and
text-as-.mp3 files skipped with a ``warning``; an all-bad playlist gives silence.
Here: the extension is not what decides (an OGG named .mp3 plays, a text file named .ogg
is skipped), and a full ``ketaroom rehearse`` whose every track is bad still completes
with exit 0 and ``device_error`` events of severity ``warning`` naming the files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaroom.core.targets import MusicTarget
from ketaroom.devices.music import MusicReport, VlcPlayer
from ketaroom.shipped import MUSIC_DIR

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parents[2]
OGG = MUSIC_DIR / "still_meadow.ogg"


class Reports:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[MusicReport] = []

    def __call__(self, report: MusicReport) -> None:
        with self._lock:
            self.items.append(report)

    def kinds(self, kind: str) -> list[MusicReport]:
        with self._lock:
            return [r for r in self.items if r.kind == kind]


@pytest.fixture
def player() -> Iterator[tuple[VlcPlayer, Reports]]:
    reports = Reports()
    p = VlcPlayer("dummy", on_report=reports)
    yield p, reports
    p.close()


def test_ogg_named_mp3_plays(player: tuple[VlcPlayer, Reports], tmp_path: Path) -> None:
    p, reports = player
    disguised = tmp_path / "meadow.mp3"
    shutil.copyfile(OGG, disguised)
    p.apply(MusicTarget((disguised,), 40.0, 0.3, label="disguised"))
    assert p.flush(8.0)
    assert not reports.kinds("device_error"), reports.items
    assert [r.track for r in reports.kinds("music")] == [disguised]
    assert p.status().track == disguised


def test_text_named_ogg_is_skipped_and_next_plays(player: tuple[VlcPlayer, Reports],
                                                  tmp_path: Path) -> None:
    p, reports = player
    text = tmp_path / "liner-notes.ogg"
    text.write_text("Track list\n1. Still meadow\n" * 40, encoding="utf-8")
    good = tmp_path / "meadow.ogg"
    shutil.copyfile(OGG, good)
    p.apply(MusicTarget((text, good), 40.0, 0.3, label="mixed"))
    assert p.flush(10.0)
    skipped = reports.kinds("warning")
    assert any(r.track == text and text.name in r.message for r in skipped), skipped
    assert reports.kinds("music")[-1].track == good


def test_rehearse_with_every_track_bad_completes_exit_0(tmp_path: Path) -> None:
    (tmp_path / "noise.ogg").write_bytes(os.urandom(20000))
    (tmp_path / "readme.mp3").write_text("not audio\n" * 100, encoding="utf-8")
    (tmp_path / "empty.flac").write_bytes(b"")
    (tmp_path / "two.m3u").write_text("empty.flac\nnoise.ogg\n", encoding="utf-8")
    preset = tmp_path / "bad-music.yaml"
    preset.write_text(
        "name: Bad music\nphases:\n"
        "  - name: One\n    duration: 20s\n"
        "    music: {playlist: [noise.ogg, readme.mp3], volume: 40, fade: 2s}\n"
        "  - name: Two\n    duration: 20s\n"
        "    music: {playlist: two.m3u, volume: 30, fade: 2s}\n",
        encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--speed", "10",
         "--audio", "dummy", "--json", "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[-1]["event"] == "session_end" and records[-1]["status"] == "completed"
    errors = [r for r in records if r["event"] == "device_error" and r["device"] == "music"]
    named = " ".join(r["message"] for r in errors)
    for name in ("noise.ogg", "readme.mp3", "empty.flac"):
        assert name in named, errors
    assert {r["severity"] for r in errors} == {"warning"}  # skipped files (docs/cli.md)
    assert [r["phase"] for r in records if r["event"] == "phase_start"] == ["One", "Two"]
