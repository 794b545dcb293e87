"""Preset names where a preset file is accepted (rehearse, validate), through subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ketaroom.shipped import PRESETS_DIR

SHIPPED_NAMES = sorted(path.stem for path in PRESETS_DIR.glob("*.yaml"))


def ketaroom(*args: str, data_dir: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KETAROOM_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ketaroom", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=cwd)


def test_validate_takes_shipped_names_from_any_folder(tmp_path: Path) -> None:
    assert {"demo-3min", "iv-infusion-40"} <= set(SHIPPED_NAMES)
    result = ketaroom("validate", *SHIPPED_NAMES, data_dir=tmp_path / "data", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_rehearse_takes_a_name(tmp_path: Path) -> None:
    result = ketaroom("rehearse", "demo-3min", "--speed", "1000", "--audio", "none", "--json",
                      data_dir=tmp_path / "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["event"] == "session_start"
    assert events[0]["preset"] == "Demo (3 minutes)"
    assert events[-1] == {**events[-1], "event": "session_end", "status": "completed"}


def test_a_clinic_preset_wins_over_a_shipped_one_of_the_same_name(tmp_path: Path) -> None:
    clinic = tmp_path / "data" / "presets"
    clinic.mkdir(parents=True)
    text = (PRESETS_DIR / "demo-3min.yaml").read_text(encoding="utf-8")
    (clinic / "demo-3min.yaml").write_text(
        text.replace("name: Demo (3 minutes)", "name: Our own demo"), encoding="utf-8")
    result = ketaroom("rehearse", "demo-3min", "--speed", "1000", "--audio", "none", "--json",
                      data_dir=tmp_path / "data", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[0])["preset"] == "Our own demo"


def test_an_unknown_name_lists_the_names_there_are(tmp_path: Path) -> None:
    clinic = tmp_path / "data" / "presets"
    clinic.mkdir(parents=True)
    (clinic / "our-evening.yaml").write_text("name: x\n", encoding="utf-8")
    rehearse = ketaroom("rehearse", "demo-3", data_dir=tmp_path / "data", cwd=tmp_path)
    validate = ketaroom("validate", "demo-3", data_dir=tmp_path / "data", cwd=tmp_path)
    assert (rehearse.returncode, validate.returncode) == (1, 1)
    assert "Traceback" not in rehearse.stderr + validate.stderr
    for said in (rehearse.stderr, validate.stdout):
        assert "no preset file or preset named 'demo-3'" in said
        for name in [*SHIPPED_NAMES, "our-evening"]:
            assert name in said


def test_a_path_is_still_a_path(tmp_path: Path) -> None:
    result = ketaroom("validate", str(PRESETS_DIR / "demo-3min.yaml"), "missing.yaml",
                      data_dir=tmp_path / "data", cwd=tmp_path)
    assert result.returncode == 1
    assert "no preset file or preset named" not in result.stdout
    assert "missing.yaml" in result.stdout
