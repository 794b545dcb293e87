"""``ketaroom music-scan`` end to end: real files of every format, the real cache.

The accuracy check: music-scan's integrated loudness of each encoded file is within
1 LU of pyloudnorm's measurement of the samples it was encoded from.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ketaroom.cli import main
from ketaroom.music_library.cache import cache_path
from tests.helpers.music_files import (
    FORMATS,
    have_encoder,
    music,
    reference_lufs,
    sample_peak_dbfs,
    true_peak_dbfs,
    write_track,
)

pytestmark = pytest.mark.skipif(not have_encoder(),
                                reason="ffmpeg is not installed (.ci/install installs it)")
LEVELS_DBFS = (-34.0, -17.0)
"""RMS levels of the generated tracks: 17 dB apart, both under full scale at their peaks."""
LOSSLESS = ("wav16", "wav24", "flac")


@dataclass(frozen=True)
class Source:
    """A generated track and the independent measurement of what was encoded."""

    fmt: str
    lufs: float
    sample_peak_dbfs: float
    true_peak_dbfs: float


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Source]]:
    """Every format at two levels (Opus at 48 kHz, its native rate; the rest 44.1 kHz)."""
    root = tmp_path_factory.mktemp("library")
    sources = {}
    for fmt in FORMATS:
        sr = 48000 if fmt == "opus" else 44100
        for level in LEVELS_DBFS:
            samples = music(8.0, sr, level, seed=int(-level))
            path = write_track(root / fmt / f"{fmt} {-level:.0f}", fmt, samples, sr)
            sources[str(path)] = Source(fmt, reference_lufs(samples, sr),
                                        sample_peak_dbfs(samples), true_peak_dbfs(samples))
    return root, sources


def _scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["music-scan", "--json", *args])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def scanned(library: tuple[Path, dict[str, Source]]) -> dict[str, dict[str, Any]]:
    """One scan of the whole library, through the installed command line."""
    root, _ = library
    done = subprocess.run([sys.executable, "-m", "ketaroom", "music-scan", str(root),
                           "--json"], capture_output=True, text=True, check=False,
                          env={**os.environ, "KETAROOM_DATA_DIR": str(root.parent / "data")})
    assert done.returncode == 0, done.stderr
    return {row["path"]: row for row in map(json.loads, done.stdout.splitlines())}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_loudness_matches_pyloudnorm_within_1_lu(
        fmt: str, library: tuple[Path, dict[str, Source]],
        scanned: dict[str, dict[str, Any]]) -> None:
    _, sources = library
    mine = {path: source for path, source in sources.items() if source.fmt == fmt}
    assert mine and set(mine) <= set(scanned)
    for path, source in mine.items():
        row = scanned[path]
        assert row["status"] == "ok", row
        assert row["lufs"] == pytest.approx(source.lufs, abs=1.0), path
        assert row["duration_s"] == pytest.approx(8.0, abs=0.1)
        if fmt in LOSSLESS:
            assert row["peak_dbfs"] == pytest.approx(source.true_peak_dbfs, abs=0.3)
            assert row["peak_dbfs"] >= source.sample_peak_dbfs - 0.05
        else:  # lossy codecs move peaks (Opus by ~1.5 dB here): what plays is measured
            assert row["peak_dbfs"] == pytest.approx(source.true_peak_dbfs, abs=2.5)
        assert row["gain_db"] == pytest.approx(
            min(-23.0 - row["lufs"], -1.0 - row["peak_dbfs"]), abs=0.011)
        assert row["peak_dbfs"] + row["gain_db"] <= -1.0 + 1e-9
        assert row["loud_start"] is False


def test_quiet_and_loud_tracks_end_up_at_the_target(scanned: dict[str, dict[str, Any]]) -> None:
    played = [row["lufs"] + row["gain_db"] for row in scanned.values()
              if row["peak_dbfs"] + (-23.0 - row["lufs"]) <= -1.0]
    assert len(played) == len(scanned)  # all have the headroom to reach −23 LUFS
    assert np.allclose(played, -23.0, atol=0.01)


def test_unchanged_library_comes_from_the_cache_and_a_changed_file_is_remeasured(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_track(tmp_path / "a", "flac", music(4.0, rms_dbfs=-30.0), 44100)
    b = write_track(tmp_path / "b", "ogg", music(4.0, rms_dbfs=-20.0), 44100)
    _, first = _scan_json(capsys, str(tmp_path))
    _, second = _scan_json(capsys, str(tmp_path))
    stat = a.stat()
    write_track(a, "flac", music(4.0, rms_dbfs=-14.0), 44100)  # same name, louder
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old mtime
    _, third = _scan_json(capsys, str(tmp_path))

    assert [r["cached"] for r in first] == [False, False]
    assert [r["cached"] for r in second] == [True, True]
    assert sorted([{**r, "cached": False} for r in second], key=str) == sorted(first, key=str)
    again = {Path(r["path"]).name: r for r in third}
    assert again[b.name]["cached"] is True
    assert again[a.name]["cached"] is False
    assert again[a.name]["lufs"] > {Path(r["path"]).name: r for r in first}[a.name]["lufs"] + 10


def test_a_corrupt_cache_is_rebuilt_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    write_track(tmp_path / "music" / "a", "wav16", music(2.0), 44100)
    data.mkdir()
    cache_path(data).write_bytes(b"\x00garbage" * 512)

    code = main(["music-scan", str(tmp_path / "music"), "--data-dir", str(data)])
    captured = capsys.readouterr()

    assert code == 0
    assert "warning: the music-scan cache was unreadable" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out.splitlines()[0].startswith("ok ")
    code, rows = _scan_json(capsys, str(tmp_path / "music"), "--data-dir", str(data))
    assert rows[0]["cached"] is True


def test_broken_files_are_reported_and_the_scan_goes_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_track(tmp_path / "good", "mp3", music(3.0), 44100)
    (tmp_path / "empty.flac").write_bytes(b"")
    (tmp_path / "junk.m4a").write_bytes(os.urandom(4096))
    (tmp_path / "._good.mp3").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "cover.jpg").write_bytes(b"\xff\xd8")

    code, rows = _scan_json(capsys, str(tmp_path), str(tmp_path / "missing"))

    assert code == 1
    by_name = {Path(r["path"]).name: r for r in rows}
    assert {n: r["status"] for n, r in by_name.items()} == {
        "missing": "missing", "empty.flac": "empty", "good.mp3": "ok", "junk.m4a": "unplayable"}
    assert all(r["reason"] for r in rows if r["status"] != "ok")


def test_plain_output_one_line_per_file_and_a_summary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_track(tmp_path / "calm", "opus", music(8.0, 48000, -30.0), 48000)
    write_track(tmp_path / "jolt", "opus", music(20.0, 48000, -32.0, loud_start_db=12.0), 48000)
    (tmp_path / "notes.txt").write_text("liner notes")

    code = main(["music-scan", str(tmp_path), "--target", "-24"])
    lines = capsys.readouterr().out.splitlines()

    assert code == 0
    assert len(lines) == 3
    calm = next(line for line in lines if "calm.opus" in line)
    jolt = next(line for line in lines if "jolt.opus" in line)
    assert calm.startswith("ok ") and "LUFS" in calm and "dBTP" in calm and "LOUD" not in calm
    assert "LOUD START" in jolt
    assert lines[2].startswith("2 files: 2 ok;") and "1 other files skipped" in lines[2]


def test_without_ffmpeg_an_unchanged_library_still_rescans(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write_track(tmp_path / "a", "flac", music(2.0), 44100)
    assert main(["music-scan", str(tmp_path)]) == 0
    monkeypatch.setenv("KETAROOM_FFMPEG", "/nonexistent/ffmpeg")

    assert main(["music-scan", str(tmp_path)]) == 0
    write_track(tmp_path / "b", "flac", music(2.0), 44100)
    assert main(["music-scan", str(tmp_path)]) == 3
    assert "apt-get install" in capsys.readouterr().err


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["music-scan", str(tmp_path), "--target", "5"]) == 2
    assert main(["music-scan", str(tmp_path), "--jobs", "0"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["music-scan"])
    assert exc.value.code == 2


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_the_scan_with_130_and_keeps_what_was_measured(tmp_path: Path) -> None:
    # forty files (copies of one: the cache keys by path) so the scan is still busy when
    # the signal lands
    track = write_track(tmp_path / "music" / "0", "flac", music(30.0), 44100)
    for n in range(1, 40):
        shutil.copyfile(track, track.with_name(f"{n}.flac"))
    command = [sys.executable, "-m", "ketaroom", "music-scan", str(tmp_path / "music"),
               "--json", "--jobs", "1", "--data-dir", str(tmp_path / "data")]
    # a suite started in the background (`pytest &`, CI runners) inherits SIGINT ignored,
    # and Python keeps an ignored SIGINT ignored: give the scan the Ctrl+C of a terminal
    scan = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    assert scan.stdout is not None and scan.stderr is not None
    first = json.loads(scan.stdout.readline())
    scan.send_signal(signal.SIGINT)
    rest, err = scan.communicate(timeout=60)

    assert scan.returncode == 130, err
    assert "Traceback" not in err
    printed = [first, *map(json.loads, rest.splitlines())]
    assert len(printed) < 40
    measured = [r["path"] for r in printed]
    again = subprocess.run([*command[:4], *measured, *command[5:]],
                           capture_output=True, text=True, check=True)
    rescanned = [json.loads(line) for line in again.stdout.splitlines()]
    assert len(rescanned) == len(measured) and all(r["cached"] for r in rescanned)


def test_every_file_measured_ok_is_one_libvlc_plays(
        library: tuple[Path, dict[str, Source]], scanned: dict[str, dict[str, Any]]) -> None:
    """music-scan decodes with ffmpeg, playback with libVLC: the formats must agree."""
    vlc = pytest.importorskip("vlc")
    instance = vlc.Instance(["--aout=adummy", "--no-video", "--quiet"])
    if instance is None:
        pytest.skip("libVLC has no plugins here (vlc-plugin-base)")
    players = {}
    for path in scanned:
        player = instance.media_player_new()
        player.set_media(instance.media_new_path(path))
        player.play()
        players[path] = player
    playing: set[str] = set()
    deadline = time.monotonic() + 30
    while len(playing) < len(players) and time.monotonic() < deadline:
        playing |= {path for path, p in players.items()
                    if p.audio_get_track_count() > 0 and p.get_time() > 0}
        time.sleep(0.05)
    for player in players.values():
        player.stop()
        player.release()

    assert playing == {path for path, row in scanned.items() if row["status"] == "ok"}
