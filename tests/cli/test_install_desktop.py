"""``ketaroom --version`` and ``ketaroom install-desktop`` (the freedesktop entry and icon)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest


def ketaroom(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ketaroom", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60, cwd=cwd)


def test_version_comes_from_the_package_metadata(tmp_path: Path) -> None:
    result = ketaroom("--version", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"ketaroom {version('ketaroom')}"


def test_install_desktop_writes_entry_and_icon_under_xdg_data_home(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    result = ketaroom("install-desktop", env={"XDG_DATA_HOME": str(xdg)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    entry = xdg / "applications" / "ketaroom.desktop"
    icon = xdg / "icons" / "hicolor" / "scalable" / "apps" / "ketaroom.svg"
    assert str(entry) in result.stdout and str(icon) in result.stdout
    assert icon.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    text = entry.read_text(encoding="utf-8")
    assert "Icon=ketaroom\n" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.removeprefix("Exec=").strip('"')  # names a launcher
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                               text=True, timeout=30)
        assert check.returncode == 0 and check.stdout == "", check.stdout + check.stderr


def test_install_desktop_defaults_to_home_local_share(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": ""}
    result = ketaroom("install-desktop", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".local" / "share" / "applications" / "ketaroom.desktop").is_file()


@pytest.mark.parametrize(("argument", "quoted"), [
    ("/opt/ketaroom/ketaroom", "/opt/ketaroom/ketaroom"),
    ("/home/a b/.venv/bin/ketaroom", '"/home/a b/.venv/bin/ketaroom"'),
    ('/x/"$y', '"/x/\\"\\$y"'),
])
def test_exec_arguments_are_quoted_as_the_spec_asks(argument: str, quoted: str) -> None:
    from ketaroom.install.desktop_entry import quote_exec

    assert quote_exec(argument) == quoted
