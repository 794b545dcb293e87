"""``ketaroom sessions`` and ``ketaroom export`` through subprocess, as clinic scripts use them.

One short rehearsal (speed 50) is recorded once for the module; every test reads it
back through the command line with ``--data-dir``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ketaroom.store.export import CSV_COLUMNS, parse_json_export
from ketaroom.store.journal import Journal

ROOT = Path(__file__).resolve().parents[2]
PRESET_NAME = "Export check preset"
PRESET = f"""\
name: {PRESET_NAME}
description: two short phases and a cue
phases:
  - name: Settle
    duration: 30s
    light: {{brightness: 40, kelvin: 2700, transition: 5s}}
    cues:
      - {{at: 10s, prompt: Baseline BP, kind: vitals}}
  - name: Rest
    duration: 30s
"""


def ketaroom(*args: str, data: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("KETAROOM_DATA_DIR", None)  # --data-dir alone must be enough
    return subprocess.run([sys.executable, "-m", "ketaroom", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def no_traceback(result: subprocess.CompletedProcess[str]) -> bool:
    return "Traceback" not in result.stdout + result.stderr


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A data dir holding one completed rehearsal, and its session id."""
    base = tmp_path_factory.mktemp("export")
    preset = base / "export-check.yaml"
    preset.write_text(PRESET, encoding="utf-8")
    data = base / "data"
    result = ketaroom("rehearse", str(preset), "--audio", "none", "--speed", "50", "--json",
                      data=data)
    assert result.returncode == 0, result.stderr
    sessions = ketaroom("sessions", "--json", data=data)
    assert sessions.returncode == 0, sessions.stderr
    [record] = json.loads(sessions.stdout)
    assert record["status"] == "completed"
    assert record["preset"] == PRESET_NAME
    return data, int(record["id"])


def test_sessions_json_has_the_contract_fields(recorded):
    data, sid = recorded
    result = ketaroom("sessions", "--json", data=data)
    [record] = json.loads(result.stdout)
    for key in ("id", "preset", "started_at", "ended_at", "status"):
        assert key in record
    assert record["id"] == sid
    assert "preset_yaml" not in record  # the snapshot stays out of the listing


def test_sessions_plain_lists_the_session(recorded):
    data, sid = recorded  # a rehearsal: the plain listing shows it when asked
    result = ketaroom("sessions", "--include-rehearsals", data=data)
    assert result.returncode == 0
    assert PRESET_NAME in result.stdout and "completed" in result.stdout
    header, row = result.stdout.splitlines()
    assert header.split()[0] == "ID" and row.split()[0] == str(sid)


def test_export_json_to_stdout(recorded):
    data, sid = recorded
    result = ketaroom("export", str(sid), "--format", "json", data=data)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format"] == "ketaroom-session"
    assert document["session"]["id"] == sid
    kinds = [e["kind"] for e in document["events"]]
    assert kinds[0] == "session_start" and "session_end" in kinds
    assert kinds.count("phase_start") == 2 and "cue" in kinds
    session, events = parse_json_export(result.stdout)
    assert session.preset == PRESET_NAME and len(events) == len(kinds)


def test_export_csv_header_is_stable_and_rows_are_events(recorded):
    data, sid = recorded
    result = ketaroom("export", str(sid), "--format", "csv", data=data)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0] == ["session_id", "seq", "wall", "session_t", "phase_index", "kind",
                       "summary", "payload_json"]
    body = rows[1:]
    as_json = json.loads(ketaroom("export", str(sid), "--format", "json", data=data).stdout)
    assert len(body) == len(as_json["events"])
    assert [r[5] for r in body] == [e["kind"] for e in as_json["events"]]
    assert all(r[0] == str(sid) for r in body)
    assert any("Baseline BP" in r[6] for r in body)


def test_export_to_a_file_with_o(recorded, tmp_path):
    data, sid = recorded
    for fmt in ("csv", "json"):
        out = tmp_path / f"s.{fmt}"
        result = ketaroom("export", str(sid), "--format", fmt, "-o", str(out), data=data)
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        assert out.stat().st_size > 0
    assert (tmp_path / "s.csv").read_bytes().startswith(b"session_id,seq,wall")
    json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_export_pdf_contains_the_preset_name(recorded, tmp_path):
    data, sid = recorded
    out = tmp_path / "f.pdf"
    result = ketaroom("export", str(sid), "--format", "pdf", "-o", str(out), data=data)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert PRESET_NAME in text
    assert "Settle" in text and "Rest" in text


def test_export_pdf_needs_o(recorded):
    data, sid = recorded
    result = ketaroom("export", str(sid), "--format", "pdf", data=data)
    assert result.returncode == 2
    assert "-o" in result.stderr and no_traceback(result)


def test_unknown_id_is_a_message_and_exit_1(recorded):
    data, _sid = recorded
    for fmt in ("json", "csv", "pdf"):
        extra = ["-o", os.devnull] if fmt == "pdf" else []
        result = ketaroom("export", "4242", "--format", fmt, *extra, data=data)
        assert result.returncode == 1
        assert "4242" in result.stderr
        assert result.stdout == ""
        assert no_traceback(result)


def test_bad_id_or_format_is_a_usage_error(recorded):
    data, _sid = recorded
    for args in (["export", "abc", "--format", "json"], ["export", "1", "--format", "xml"],
                 ["export", "1"]):
        result = ketaroom(*args, data=data)
        assert result.returncode == 2, args
        assert no_traceback(result)


def test_empty_data_dir(tmp_path):
    result = ketaroom("sessions", "--json", data=tmp_path / "fresh")
    assert result.returncode == 0 and json.loads(result.stdout) == []
    result = ketaroom("export", "1", "--format", "json", data=tmp_path / "fresh")
    assert result.returncode == 1 and no_traceback(result)


# --------------------------------------------------------------------------- bad conditions


@pytest.mark.parametrize("fmt", ["pdf", "json", "csv"])
def test_unwritable_output_is_a_message_not_a_traceback(recorded, tmp_path, fmt):
    data, sid = recorded
    out = tmp_path / "no such folder" / f"f.{fmt}"
    result = ketaroom("export", str(sid), "--format", fmt, "-o", str(out), data=data)
    assert result.returncode != 0
    assert no_traceback(result), result.stderr


@pytest.mark.parametrize("command", [["sessions", "--json"], ["export", "1", "--format", "json"]])
def test_journal_from_a_newer_ketaroom_is_a_message(recorded, tmp_path, command):
    data, _sid = recorded
    newer = tmp_path / "newer"
    shutil.copytree(data, newer)
    with sqlite3.connect(newer / "sessions.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 999")
    result = ketaroom(*command, data=newer)
    assert result.returncode != 0
    assert no_traceback(result), result.stderr


# --------------------------------------------------------------------------- file safety

ROOM = "Treatment room"
CJK_NOTE = "患者は落ち着いている 한국어 中文"
EMOJI = "\N{SLIGHTLY SMILING FACE}"


@pytest.fixture
def clinical(recorded, tmp_path) -> tuple[Path, int]:
    """A copy of the data dir with a clinical session in ``ROOM`` holding CJK and emoji notes."""
    from ketaroom.store.journal import Journal

    data = tmp_path / "clinical-data"
    shutil.copytree(recorded[0], data)
    with Journal(data / "sessions.sqlite3") as journal:
        sid = journal.start_session(preset="IV infusion 40 min", preset_path=None,
                                    preset_yaml=None, room=ROOM, planned_s=600)
        journal.append(sid, "session_start", session_t=0)
        journal.append(sid, "note", session_t=30, payload={"text": CJK_NOTE, "tags": []})
        journal.append(sid, "note", session_t=40, payload={"text": f"calm {EMOJI} smiling"})
        journal.append(sid, "session_end", session_t=600, payload={"status": "completed"})
        journal.end_session(sid, "completed")
    return data, sid


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("fmt", ["pdf", "json", "csv"])
def test_export_to_a_folder_is_refused_and_leaves_nothing(recorded, tmp_path, fmt):
    data, sid = recorded
    folder = tmp_path / "reports"
    folder.mkdir()
    result = ketaroom("export", str(sid), "--format", fmt, "-o", str(folder), data=data)
    assert result.returncode == 1 and no_traceback(result), result.stderr
    assert "is a folder" in result.stderr
    assert folder_listing(tmp_path) == ["reports"]  # no reports.part beside it
    assert folder_listing(folder) == []


def _special_files(tmp_path: Path) -> dict[str, Path]:
    """A FIFO, a character device (when we may create one), symlinks to those and a folder."""
    made = {"fifo": tmp_path / "fifo"}
    os.mkfifo(made["fifo"])
    device = tmp_path / "device"
    try:
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null twin
        made["device"] = device
    except PermissionError:
        pass
    (tmp_path / "folder").mkdir()
    for name in [*made, "folder"]:
        link = tmp_path / f"link-to-{name}"
        link.symlink_to(tmp_path / name)
        made[f"symlink to {name}"] = link
    return made


@pytest.mark.parametrize("fmt", ["pdf", "json"])
def test_export_to_a_device_fifo_or_symlink_to_one_is_refused(recorded, tmp_path, fmt):
    data, sid = recorded
    for what, target in _special_files(tmp_path).items():
        before = folder_listing(tmp_path)
        kind = stat.S_IFMT(os.stat(target).st_mode)
        result = ketaroom("export", str(sid), "--format", fmt, "-o", str(target), data=data,
                          timeout=30)
        assert result.returncode == 1 and no_traceback(result), (what, result.stderr)
        assert str(target) in result.stderr, what
        assert folder_listing(tmp_path) == before, what  # nothing replaced, nothing left
        assert stat.S_IFMT(os.stat(target).st_mode) == kind, what


def test_export_through_a_symlink_to_a_file_writes_the_file(recorded, tmp_path):
    data, sid = recorded
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = ketaroom("export", str(sid), "--format", "json", "-o", str(link), data=data)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert json.loads(real.read_text(encoding="utf-8"))["session"]["id"] == sid


@pytest.mark.parametrize("fmt", ["pdf", "json", "csv"])
def test_exports_are_private_whatever_the_umask(recorded, tmp_path, fmt):
    data, sid = recorded
    new = tmp_path / f"new.{fmt}"
    existing = tmp_path / f"existing.{fmt}"
    existing.write_text("old report", encoding="utf-8")
    existing.chmod(0o644)
    for out in (new, existing):
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        result = subprocess.run(
            [sys.executable, "-m", "ketaroom", "export", str(sid), "--format", fmt, "-o",
             str(out), "--data-dir", str(data)],
            capture_output=True, text=True, env=env, timeout=60, cwd=ROOT, umask=0)
        assert result.returncode == 0, result.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600, out
        assert out.read_bytes() != b"old report"
    assert folder_listing(tmp_path) == sorted([new.name, existing.name])


def _limit_file_size() -> None:
    """In the child: files may grow to 4 KiB only (like a full disk), EFBIG instead of SIGXFSZ."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))


@pytest.mark.parametrize("fmt", ["pdf", "json"])
def test_a_write_failing_midway_leaves_no_partial_file(clinical, tmp_path, fmt):
    data, sid = clinical
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with Journal(data / "sessions.sqlite3") as journal:  # make the export larger than 4 KiB
        for t in range(50, 90):
            journal.append(sid, "note", session_t=t, payload={"text": "a short note " * 15})
    result = subprocess.run(
        [sys.executable, "-m", "ketaroom", "export", str(sid), "--format", fmt, "-o",
         str(out_dir / f"r.{fmt}"), "--data-dir", str(data)],
        capture_output=True, text=True, env=env, timeout=60, cwd=ROOT,
        preexec_fn=_limit_file_size)
    assert result.returncode == 1 and no_traceback(result), result.stderr
    assert "cannot write" in result.stderr
    assert folder_listing(out_dir) == []


# --------------------------------------------------------------------------- report content


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_title_names_the_room_and_cjk_survives(clinical, tmp_path):
    data, sid = clinical
    out = tmp_path / "r.pdf"
    result = ketaroom("export", str(sid), "--format", "pdf", "-o", str(out), data=data)
    assert result.returncode == 0, result.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert text.splitlines()[0] == f"Session report · {ROOM}"
    from ketaroom.store.report_document import cjk_font

    if cjk_font() is not None:  # else the note shows as markers, with a warning
        assert CJK_NOTE in text


def test_glyph_warnings_are_one_line_on_stderr(clinical, tmp_path):
    """A character no font has: one warning from ketaroom, none from the font library."""
    data, sid = clinical
    out = tmp_path / "r.pdf"
    result = ketaroom("export", str(sid), "--format", "pdf", "-o", str(out), data=data)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ketaroom export: warning:")
    assert "U+1F642" in lines[0]
    assert EMOJI not in result.stderr and "患者" not in result.stderr  # no note text
    for fmt in ("json", "csv"):  # text formats keep every character: no warning
        result = ketaroom("export", str(sid), "--format", fmt, "-o", str(tmp_path / f"r.{fmt}"),
                          data=data)
        assert result.returncode == 0 and result.stderr == ""
