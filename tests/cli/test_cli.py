"""The command line through subprocess, as clinic scripts use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketaroom.shipped import PRESETS_DIR

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(PRESETS_DIR.glob("*.yaml"))
BROKEN = sorted((ROOT / "tests" / "data" / "broken").glob("*.yaml"))


def ketaroom(*args: str, data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "KETAROOM_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ketaroom", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=ROOT)


def test_validate_shipped_presets_pass(tmp_path):
    assert SHIPPED, "no shipped presets found"
    result = ketaroom("validate", *map(str, SHIPPED), data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_validate_broken_presets_report_file_line(tmp_path):
    assert BROKEN
    result = ketaroom("validate", *map(str, BROKEN), data_dir=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) >= len(BROKEN)
    for line in lines:
        path, lineno, message = line.split(":", 2)
        assert Path(path).exists() and int(lineno) >= 1 and message.strip()
    assert {Path(line.split(":", 1)[0]) for line in lines} == set(BROKEN)


def test_validate_missing_file_and_data_dir_after_subcommand(tmp_path):
    result = ketaroom("validate", "--data-dir", str(tmp_path / "d"), str(tmp_path / "nope.yaml"),
                      data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{tmp_path / 'nope.yaml'}:1: ")


def test_rehearse_json_events_follow_the_preset(tmp_path):
    preset = tmp_path / "p.yaml"
    preset.write_text(
        "name: Quick\nphases:\n"
        "  - name: One\n    duration: 20s\n    light: {brightness: 30, kelvin: 2700}\n"
        "    cues:\n      - {at: 5s, prompt: Check BP, kind: vitals}\n"
        "  - name: Two\n    duration: open\n    expected: 10s\n"
        "  - name: Three\n    duration: 30s\n    light: {brightness: 60, color: '#ffb070'}\n",
        encoding="utf-8")
    result = ketaroom("rehearse", str(preset), "--speed", "20", "--json", "--audio", "none",
                      data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    core = [(e["event"], e["t"]) for e in events if e["event"] != "device_error"]
    assert core == [
        ("session_start", 0.0), ("phase_start", 0.0), ("music", 0.0), ("light", 0.0),
        ("cue", 5.0), ("phase_start", 20.0), ("music", 20.0), ("phase_start", 30.0),
        ("music", 30.0), ("light", 30.0), ("session_end", 60.0),
    ]
    assert events[-1]["status"] == "completed"
    light = next(e for e in events if e["event"] == "light")
    assert light["brightness"] == 30 and light["kelvin"] == 2700
    sessions = json.loads(ketaroom("sessions", "--json", data_dir=tmp_path).stdout)
    assert [s["status"] for s in sessions] == ["completed"]
    assert {"id", "preset", "started_at", "ended_at", "status"} <= set(sessions[0])


def test_rehearse_broken_preset_exits_1_without_traceback(tmp_path):
    result = ketaroom("rehearse", str(BROKEN[0]), "--json", "--audio", "none", data_dir=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(str(BROKEN[0]))


@pytest.mark.slow
@pytest.mark.parametrize("preset", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_preset_rehearses_end_to_end(preset, tmp_path):
    result = ketaroom("rehearse", str(preset), "--speed", "1200", "--json", "--audio", "none",
                      data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["event"] == "session_end"
    assert not [e for e in events if e["event"] == "device_error"]


def test_sessions_lists_kinds_and_leaves_rehearsals_out_of_the_text_unless_asked(tmp_path):
    from ketaroom.store.journal import Journal

    preset = tmp_path / "p.yaml"
    preset.write_text("name: Quick\nphases:\n  - name: One\n    duration: 10s\n",
                      encoding="utf-8")
    assert ketaroom("rehearse", str(preset), "--speed", "20", "--audio", "none",
                    data_dir=tmp_path).returncode == 0
    with Journal(tmp_path / "sessions.sqlite3") as journal:  # as the window records one
        clinical = journal.start_session(preset="IV infusion", preset_path=None,
                                         preset_yaml=None, room="Room 2", planned_s=2400)
        journal.end_session(clinical, "completed")

    listed = json.loads(ketaroom("sessions", "--json", data_dir=tmp_path).stdout)
    assert [(s["preset"], s["kind"], s["room"]) for s in listed] == [
        ("Quick", "rehearsal", "rehearse"), ("IV infusion", "clinical", "Room 2")]

    text = ketaroom("sessions", data_dir=tmp_path)
    assert text.returncode == 0, text.stderr
    header, *rows, footer = text.stdout.splitlines()
    assert header.split() == ["ID", "STARTED", "ENDED", "STATUS", "KIND", "ROOM", "PRESET"]
    assert [row.split()[4:] for row in rows] == [["clinical", "Room", "2", "IV", "infusion"]]
    assert footer == "1 rehearsal not shown (--include-rehearsals lists them)."

    both = ketaroom("sessions", "--include-rehearsals", data_dir=tmp_path).stdout.splitlines()
    assert both[0].split() == header.split()
    assert [line.split()[4] for line in both[1:]] == ["rehearsal", "clinical"]
    assert both[1].split()[5:] == ["rehearse", "Quick"]


@pytest.mark.parametrize("speed", ["nan", "inf", "-1", "0", "1e12"])
def test_rehearse_refuses_a_speed_that_is_not_a_sane_number(tmp_path: Path, speed: str) -> None:
    result = ketaroom("rehearse", "resources/presets/demo-3min.yaml", "--speed", speed,
                      "--audio", "none", data_dir=tmp_path)
    assert result.returncode == 2
    assert "--speed must be a number above 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_rehearse_labels_each_preset_warning_by_where_it_is(tmp_path):
    """A warning about a phase's music is a music warning; light_group is the lights'."""
    preset = tmp_path / "p.yaml"
    (tmp_path / "tone.wav").write_bytes(b"RIFF")
    preset.write_text(
        "name: Warned\nlight_group: Treatment room\nmax_volume: 30\nphases:\n"
        "  - name: One\n    duration: 2s\n    music: {playlist: [tone.wav], volume: 50}\n"
        "    light: {brightness: 30, kelvin: 2700}\n",
        encoding="utf-8")
    result = ketaroom("rehearse", str(preset), "--speed", "20", "--json", "--audio", "none",
                      data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    warned = {(e["device"], e["message"].split(": ", 2)[1])
              for e in map(json.loads, result.stdout.splitlines())
              if e["event"] == "device_error" and e.get("severity") == "warning"}
    assert ("music", "phases[0].music.volume") in warned
    assert ("lights", "light_group") in warned


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "PYTHONUNBUFFERED"])
def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path, unbuffered: bool) -> None:
    """`ketaroom sessions --json | head -1`: stdout closed before ketaroom writes (said
    while writing when unbuffered, when Python flushes at exit otherwise)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "ketaroom", "sessions", "--json", "--data-dir", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=30) == 1
    assert err == ""
