"""Logs keep credentials out and third-party chatter down (issues 13.14 and 12.7).

The window (``ketaroom`` in a subprocess, offscreen, paired with the Hue emulator under a
secret username) and ``ketaroom rehearse`` log to the terminal: the bridge username never
appears there, and phue / apscheduler INFO lines only with ``--verbose``.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.logging_setup import REDACTED, SecretFilter, register_secret
from ketaroom.store.settings import BridgeSettings, Settings, save_settings
from tests.integration.hue_fixtures import wait_until

SECRET = "s3cret" + secrets.token_hex(17)
CONNECTED = "ketaroom.devices.lights.hue: health: Hue bridge at"
PRESET = """\
name: Log check
phases:
  - {name: A, duration: 20s, light: {brightness: 30, kelvin: 2700, transition: 3s}}
"""


@pytest.fixture
def emu() -> Iterator[HueEmulator]:
    emulator = HueEmulator(lights=3, username=SECRET)
    emulator.start()
    yield emulator
    emulator.stop()


def env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}


def seen_by_bridge(emu: HueEmulator) -> bool:
    return any(f"/api/{SECRET}/" in path for _, _, path, _, _ in emu.requests())


def run_window(emu: HueEmulator, data_dir: Path, *flags: str) -> str:
    """Start the window paired with ``emu``; its terminal output once the lights worked."""
    save_settings(data_dir, Settings(bridge=BridgeSettings(emu.address, SECRET, "1"),
                                     audio="none"))
    proc = subprocess.Popen([sys.executable, "-m", "ketaroom", *flags, "--data-dir",
                             str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env(), text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        # the lights worker logs its health once the bridge first answered
        assert wait_until(lambda: any(CONNECTED in line for line in list(lines))
                          or proc.poll() is not None, 60.0)
        assert proc.poll() is None, "the window exited"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    return "".join(lines)


def test_the_window_never_prints_the_bridge_username(emu: HueEmulator, tmp_path: Path) -> None:
    out = run_window(emu, tmp_path)
    assert SECRET not in out
    assert CONNECTED in out  # ketaroom's own INFO lines are there
    assert "phue" not in out and "apscheduler" not in out, out


def test_verbose_window_shows_phue_but_redacted(emu: HueEmulator, tmp_path: Path) -> None:
    out = run_window(emu, tmp_path, "--verbose")
    assert SECRET not in out
    assert f"phue: Using username: {REDACTED}" in out, out


@pytest.mark.parametrize("verbose", [False, True])
def test_rehearse_keeps_secrets_and_library_info_out(emu: HueEmulator, tmp_path: Path,
                                                     verbose: bool) -> None:
    preset = tmp_path / "log.yaml"
    preset.write_text(PRESET, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--speed", "20",
         "--bridge", emu.address, "--username", SECRET, "--audio", "none", "--json",
         "--data-dir", str(tmp_path), *(["--verbose"] if verbose else [])],
        capture_output=True, text=True, env=env(), timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert seen_by_bridge(emu)
    if verbose:
        assert f"phue: Using username: {REDACTED}" in proc.stderr
        assert "apscheduler" in proc.stderr
    else:
        assert proc.stderr == ""


def test_secret_filter_redacts_messages_arguments_and_tracebacks(
        capsys: pytest.CaptureFixture[str]) -> None:
    secret = "0123456789abcdef" + secrets.token_hex(8)
    register_secret(secret)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(SecretFilter())
    logger = logging.getLogger("tests.secret_filter")
    logger.addHandler(handler)
    logger.propagate = False  # pytest's own capture handler raises on a broken call
    try:
        logger.warning("user %s", secret)
        logger.warning("GET /api/%s/lights", "unregistered-user-1234")
        logger.warning("broken call %s %s", secret)  # logging reports it on stderr
        try:
            raise ValueError(f"bad answer for {secret}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    text = out.getvalue()
    assert secret not in text and "unregistered-user-1234" not in text
    assert text.count(REDACTED) == 3, text
    reported = capsys.readouterr().err
    assert "broken call" in reported and secret not in reported
