"""The built wheel: what it carries, and that it works installed (not editable) elsewhere.

The default run builds the wheel, checks its file list, installs it without dependencies into
a fresh virtual environment that borrows this environment's dependencies (no download), and
runs ``rehearse`` and ``validate`` there from an empty folder. ``KETAROOM_BUILD_TESTS=1``
adds the same run on a fully fresh environment, dependencies installed from the index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from ketaroom.shipped import MUSIC_DIR, PLAYLISTS_DIR, PRESETS_DIR, ROOT, STYLES_DIR

CHECKOUT = Path(__file__).resolve().parents[2]
DATA = "ketaroom/_data"
build_tests = pytest.mark.skipif(os.environ.get("KETAROOM_BUILD_TESTS") != "1",
                                 reason="set KETAROOM_BUILD_TESTS=1 to run the build tests")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout (build isolation, as a clinic's build would)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(CHECKOUT)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("ketaroom-*.whl")
    return built


def _shipped(folder: Path, pattern: str) -> set[str]:
    return {f"{DATA}/{path.relative_to(ROOT).as_posix()}" for path in folder.glob(pattern)}


def test_the_checkout_reads_the_top_level_folders() -> None:
    assert ROOT == CHECKOUT
    assert not (CHECKOUT / DATA).exists(), "ketaroom/_data is a build product, never a source"


def test_wheel_carries_the_shipped_files_and_nothing_of_the_checkout(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in ((PRESETS_DIR, "*.yaml"), (MUSIC_DIR, "*.ogg"),
                            (PLAYLISTS_DIR, "*.m3u"), (STYLES_DIR, "*.qss")):
        expected = _shipped(folder, pattern)
        assert expected, f"nothing shipped in {folder}"
        assert expected <= names, sorted(expected - names)
    assert f"{DATA}/resources/icons/ketaroom.svg" in names
    assert f"{DATA}/resources/sounds/test-sound.ogg" in names  # the room check's test sound
    assert f"{DATA}/resources/desktop/ketaroom.desktop" in names
    assert "ketaroom/cli.py" in names
    top = {name.split("/")[0] for name in names}
    assert top == {"ketaroom", wheel.name.split("-py3")[0] + ".dist-info"}, top
    unwanted = [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))
                or n.startswith(("tests/", "bench/")) or "/tests/" in n]
    assert not unwanted, unwanted


def _fresh_venv(where: Path, wheel: Path, *, borrow_dependencies: bool) -> Path:
    """A new virtual environment with the wheel installed (not editable); its ``bin``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True,
                   timeout=120)
    python = where / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(wheel)]
    if borrow_dependencies:
        install.insert(-1, "--no-deps")
    subprocess.run(install, check=True, capture_output=True, timeout=900)
    if borrow_dependencies:  # this environment's site-packages, after the fresh one's own
        site = subprocess.run([str(python), "-c", "import sysconfig; print("
                               "sysconfig.get_paths()['purelib'])"], check=True, text=True,
                              capture_output=True).stdout.strip()
        deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        Path(site, "zz_borrowed_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    return where / "bin"


def _run_installed(bin_dir: Path, tmp_path: Path) -> None:
    """From an empty folder: the shipped files are the package's, and the demo runs."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path),
           "KETAROOM_DATA_DIR": str(tmp_path / "data"), "QT_QPA_PLATFORM": "offscreen"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, capture_output=True, text=True, env=env, cwd=empty,
                              timeout=120)

    where = run(str(bin_dir / "python"), "-c", "import ketaroom.shipped as s; print(s.ROOT)")
    root = Path(where.stdout.strip())
    assert root.parts[-2:] == ("ketaroom", "_data") and bin_dir.parent in root.parents, where
    presets = sorted(str(p) for p in (root / "resources" / "presets").glob("*.yaml"))
    assert len(presets) >= 5
    validate = run(str(bin_dir / "ketaroom"), "validate", *presets, "iv-infusion-40")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    rehearse = run(str(bin_dir / "ketaroom"), "rehearse", "demo-3min", "--speed", "60",
                   "--audio", "none", "--json")
    assert rehearse.returncode == 0, rehearse.stderr
    events = [json.loads(line) for line in rehearse.stdout.splitlines()]
    music = [e for e in events if e["event"] == "music"]
    assert music and all(e["tracks"] for e in music), music  # the bundled music was found
    assert events[-1]["event"] == "session_end" and events[-1]["status"] == "completed"
    assert not [e for e in events if e["event"] == "device_error"], events
    version = run(str(bin_dir / "ketaroom"), "--version")
    assert version.stdout.startswith("ketaroom ") and "unknown" not in version.stdout


def test_installed_wheel_runs_from_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    _run_installed(_fresh_venv(tmp_path / "venv", wheel, borrow_dependencies=True), tmp_path)


@pytest.mark.slow
@build_tests
def test_installed_wheel_with_its_own_dependencies(wheel: Path, tmp_path: Path) -> None:
    _run_installed(_fresh_venv(tmp_path / "venv", wheel, borrow_dependencies=False), tmp_path)
