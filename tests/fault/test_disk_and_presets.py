"""The data directory refusing to work, and fuzzed presets through the CLI's validate.

As root, permissions cannot make a folder read-only, so the disk faults are simulated:
a data dir whose parent is a file (cannot be created), a records file that is a
directory (cannot be opened), and a full disk (SQLite ``max_page_count``) under a
running rehearsal. Each must end in a completed session or a one-line message — never
a traceback. Where root may mount one, a real tiny tmpfs fills up under a ``ketaroom
rehearse`` subprocess: it must say so at once, and exit non-zero if entries were never
written. Fuzzing: ``ketaroom validate`` (``cli.main``) on hypothesis-made files
never raises and prints only ``file:line: message`` lines.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketaroom import cli
from ketaroom.store.journal import Journal
from tests.fault.helpers import rehearse, write_preset

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parents[2]
SMALL = ("name: Small\nphases:\n  - name: A\n    duration: 20s\n"
         "    cues:\n      - {at: 5s, prompt: Check, kind: note}\n"
         "  - name: B\n    duration: 20s\n")


def ketaroom(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ketaroom", *args], capture_output=True,
                          text=True, env=env, timeout=60, cwd=ROOT)


def assert_one_clear_line(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode != 0
    assert result.stderr.strip().startswith("ketaroom"), result.stderr


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    preset = write_preset(tmp_path, SMALL)
    result = ketaroom("rehearse", str(preset), "--speed", "40", "--audio", "none",
                      "--data-dir", str(blocker / "data"))
    assert_one_clear_line(result)


def test_records_file_that_cannot_be_opened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sessions.sqlite3").mkdir(parents=True)
    preset = write_preset(tmp_path, SMALL)
    result = ketaroom("rehearse", str(preset), "--speed", "40", "--audio", "none",
                      "--data-dir", str(data))
    assert_one_clear_line(result)
    assert "sessions.sqlite3" in result.stderr


def _full_journal(path: Path) -> Journal:
    """A journal on a 'disk' with no room left: every new page is refused."""
    journal = Journal(path)
    conn = journal._conn
    assert conn is not None
    conn.execute("PRAGMA journal_mode = DELETE")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    return journal


def test_full_disk_while_recording_is_not_a_crash(tmp_path: Path) -> None:
    """Small entries fit in free pages, the big session row (preset YAML) does not."""
    big = write_preset(tmp_path, "# " + "x" * 60_000 + "\n" + SMALL, "big.yaml")
    journal = _full_journal(tmp_path / "sessions.sqlite3")
    try:
        run = rehearse(big, speed=40, data_dir=tmp_path, journal=journal)
    finally:
        journal.close()
    assert run.status == "completed"
    events = [r["event"] for r in run.records]
    assert "session_end" in events
    # said at once, before anything that is not on disk was printed ...
    first = run.records[0]
    assert (first["event"], first["device"]) == ("device_error", "records")
    assert "cannot be written" in first["message"] and "full" in first["message"]
    # ... and what never reached the disk is counted at the end, not silently dropped
    last = run.records[-1]
    assert (last["event"], last["device"]) == ("device_error", "records")
    assert "could not be written" in last["message"]
    assert events.index("session_end") < len(events) - 1


CUED = ("name: Cued\nphases:\n" + "".join(
    f"  - name: P{i}\n    duration: 40s\n    cues:\n"
    + "".join(f"      - {{at: {at}s, prompt: C{i}-{at}, kind: note}}\n" for at in range(0, 40, 4))
    for i in range(3)))
"""Three phases, a cue every 4 planned seconds: entries to write all along."""


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A real 8 MB file system (tmpfs) that a test can fill up and free again."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs",
                              str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of ``disk``; returns the filler file (delete it to free them)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):  # ENOSPC
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    return filler


def _rehearse_on(disk: Path, tmp_path: Path) -> subprocess.Popen[str]:
    preset = write_preset(tmp_path, CUED, "cued.yaml")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--speed", "20", "--json",
         "--audio", "none", "--data-dir", str(disk / "data")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _read_until(proc: subprocess.Popen[str], printed: list[dict],
                done: Callable[[dict], bool]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        printed.append(json.loads(line))
        if done(printed[-1]):
            return
    raise AssertionError(f"rehearse ended first: {printed}")


def _is_records_error(record: dict) -> bool:
    return record["event"] == "device_error" and record.get("device") == "records"


def test_disk_filling_mid_session_is_said_at_once_and_healed(tiny_disk: Path,
                                                             tmp_path: Path) -> None:
    proc = _rehearse_on(tiny_disk, tmp_path)
    printed: list[dict] = []
    try:
        _read_until(proc, printed, lambda r: r["event"] == "cue")
        filler = _fill(tiny_disk)
        filled_at = len(printed)
        _read_until(proc, printed, _is_records_error)
        said_at = len(printed) - 1
        _read_until(proc, printed, lambda r: r["event"] == "cue")  # a backlog builds up
        filler.unlink()
        rest, errors = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    printed += [json.loads(line) for line in rest.splitlines()]
    # said at once: right after the first entries the disk refused (lines printed while
    # the filler was still being written may have reached the disk), long before the end
    assert said_at - filled_at <= 3, printed[filled_at:said_at + 1]
    assert "full" in printed[said_at]["message"]
    assert printed[-1] == {**printed[-1], "event": "session_end", "status": "completed"}
    assert [r for r in printed if _is_records_error(r)] == [printed[said_at]]
    assert proc.returncode == 0, errors  # everything reached the disk in the end
    with Journal(tiny_disk / "data" / "sessions.sqlite3") as journal:
        [record] = journal.sessions()
        events = journal.events(record.id)
    assert record.status == "completed"
    journaled = [(e.kind, round(e.session_t, 3)) for e in events]
    it = iter(journaled)  # every printed line is in the journal, in the printed order
    assert all(any((r["event"], round(r["t"], 3)) == j for j in it) for r in printed)
    health = [e.payload for e in events if e.payload.get("device") == "records"]
    assert [h.get("health", h.get("severity")) for h in health] == ["error", "ok"]


def test_disk_that_stays_full_is_said_at_once_and_fails_the_run(tiny_disk: Path,
                                                               tmp_path: Path) -> None:
    proc = _rehearse_on(tiny_disk, tmp_path)
    printed: list[dict] = []
    try:
        _read_until(proc, printed, lambda r: r["event"] == "cue")
        _fill(tiny_disk)
        rest, errors = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    printed += [json.loads(line) for line in rest.splitlines()]
    events = [r["event"] for r in printed]
    said = [i for i, r in enumerate(printed) if _is_records_error(r)]
    assert len(said) == 2 and said[0] < events.index("phase_start", 2)  # at once ...
    assert said[1] == len(printed) - 1  # ... and counted at the end
    assert re.match(r"\d+ entr(y|ies) could not be written", printed[-1]["message"])
    assert "None" not in printed[-1]["message"]
    assert proc.returncode == 3, errors
    assert "Traceback" not in errors


_PRESETISH = st.sampled_from([
    "name: X\nphases:\n  - name: A\n    duration: 10m\n",
    "name: X\nphases:\n  - {name: A, duration: open, expected: 5m}\n",
    "name: X\nmax_volume: 70\nphases:\n  - name: A\n    duration: 90s\n"
    "    light: {brightness: 40, kelvin: 2700}\n    cues: [{at: 30s, prompt: P}]\n",
])


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A valid-looking preset with bytes flipped, cut, or spliced with junk."""
    text = draw(_PRESETISH).encode("utf-8")
    how = draw(st.sampled_from(["cut", "flip", "splice", "raw"]))
    if how == "raw":
        return draw(st.binary(max_size=300))
    at = draw(st.integers(0, len(text)))
    if how == "cut":
        return text[:at]
    if how == "flip":
        junk = draw(st.binary(min_size=1, max_size=4))
        return text[:at] + junk + text[at + len(junk):]
    return text[:at] + draw(st.text(max_size=20)).encode("utf-8", "surrogatepass") + text[at:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_cli_validate_fuzz_never_raises_and_always_file_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["validate", "--data-dir", str(Path(tmp) / "d"), str(path)])
    assert code in (0, 1)
    lines = out.getvalue().splitlines()
    assert (code == 1) == bool(lines)
    for line in lines:
        name, lineno, message = line.split(":", 2)
        assert name == str(path) and int(lineno) >= 1 and message.strip(), line
