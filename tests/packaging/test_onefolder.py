"""The PyInstaller one-folder build: built from this checkout, run with an empty environment.

Opt-in (the build takes a minute or more): ``KETAROOM_BUILD_TESTS=1`` with the build extra
installed (``pip install -e '.[build]'``). That it also runs where no VLC is installed is
checked by ``scripts/check-onefolder-chroot`` (root, a bare Debian 12 overlay).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(os.environ.get("KETAROOM_BUILD_TESTS") != "1",
                       reason="set KETAROOM_BUILD_TESTS=1 to run the build tests"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build"),
]


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``scripts/build-onefolder`` into a temporary folder; the build's folder."""
    out = tmp_path_factory.mktemp("onefolder")
    env = {**os.environ, "PYTHON": sys.executable, "KETAROOM_BUILD_WORK": str(out / "work")}
    done = subprocess.run([str(CHECKOUT / "scripts" / "build-onefolder"), str(out / "dist")],
                          capture_output=True, text=True, env=env, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out / "dist" / "ketaroom"


def run_clean(build: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The build's executable with an empty environment (no PATH, no LD_LIBRARY_PATH)."""
    return subprocess.run(["env", "-i", f"HOME={cwd}", f"KETAROOM_DATA_DIR={cwd / 'data'}",
                           str(build / "ketaroom"), *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_build_carries_libvlc_its_plugins_and_the_shipped_files(build: Path) -> None:
    internal = build / "_internal"
    assert (internal / "libvlc.so.5").is_file() and (internal / "libvlccore.so.9").is_file()
    assert list((internal / "vlc" / "plugins").glob("audio_output/*.so"))
    assert (internal / "ketaroom" / "_data" / "resources" / "presets" / "demo-3min.yaml").is_file()
    assert list((internal / "ketaroom" / "_data" / "resources" / "music").glob("*.ogg"))


def test_build_rehearses_the_demo_with_an_empty_environment(build: Path, tmp_path: Path) -> None:
    result = run_clean(build, tmp_path, "rehearse", "demo-3min", "--speed", "60",
                       "--audio", "dummy", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "session_start" and kinds.count("phase_start") == 3
    assert all(event["tracks"] for event in events if event["event"] == "music")
    assert "device_error" not in kinds, events  # libVLC and its plugins loaded
    assert events[-1] == {**events[-1], "event": "session_end", "status": "completed"}


def test_build_knows_its_version_and_validates_by_name(build: Path, tmp_path: Path) -> None:
    from importlib.metadata import version

    assert run_clean(build, tmp_path, "--version").stdout.strip() == \
        f"ketaroom {version('ketaroom')}"
    validate = run_clean(build, tmp_path, "validate", "iv-infusion-40", "demo-3min")
    assert validate.returncode == 0, validate.stdout + validate.stderr
