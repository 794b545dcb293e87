"""`ketaroom export --patient CODE --postgres DSN` run as a program: every room's course."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.central.courses import course_room
from tests.helpers.postgres import _free_port

ROOT = Path(__file__).resolve().parents[2]


def _ketaroom(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaroom", *argv], cwd=ROOT, text=True,
                          capture_output=True, timeout=120, check=False)


@pytest.fixture
def two_rooms_synced(tmp_path: Path, clinic_dsn: str) -> tuple[Path, Path]:
    room_a = course_room(tmp_path, "Room A", "PT-0042", days=[0, 2], display_name="A. Example")
    room_b = course_room(tmp_path, "Room B", "pt-0042", days=[4], rehearsal_day=5)
    for data in (room_a, room_b):
        done = _ketaroom("sync", "--postgres", clinic_dsn, "--data-dir", str(data))
        assert done.returncode == 0, done.stderr
    return room_a, room_b


def test_the_course_across_two_rooms_exports_from_the_server_in_every_format(
        tmp_path: Path, clinic_dsn: str, two_rooms_synced: tuple[Path, Path]) -> None:
    room_a, _room_b = two_rooms_synced
    empty = tmp_path / "elsewhere"  # a PC with no journal of its own reads the server too
    empty.mkdir()
    done = _ketaroom("export", "--patient", "PT-0042", "--postgres", clinic_dsn,
                     "--format", "json", "--data-dir", str(empty))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["patient"] == "PT-0042"
    assert [(s["room"], s["kind"]) for s in doc["sessions"]] == [
        ("Room A", "clinical"), ("Room A", "clinical"), ("Room B", "clinical")]
    assert [s["started_at"] for s in doc["sessions"]] == sorted(
        s["started_at"] for s in doc["sessions"])
    local = _ketaroom("export", "--patient", "PT-0042", "--format", "json",
                      "--data-dir", str(room_a))
    local_doc = json.loads(local.stdout)
    assert set(doc["sessions"][0]) == set(local_doc["sessions"][0])  # the same shapes
    assert doc["sessions"][0]["measures"] == local_doc["sessions"][0]["measures"]

    with_rehearsals = _ketaroom("export", "--patient", "pt-0042", "--postgres", clinic_dsn,
                                "--format", "csv", "--include-rehearsals",
                                "--data-dir", str(empty))
    assert with_rehearsals.returncode == 0, with_rehearsals.stderr
    rows = with_rehearsals.stdout.splitlines()
    assert len(rows) == 1 + 4 and ",rehearsal," in rows[-1]

    for fmt in ("pdf", "json"):
        out = tmp_path / f"course.{fmt}"
        done = _ketaroom("export", "--patient", "PT-0042", "--postgres", clinic_dsn,
                         "--format", fmt, "-o", str(out), "--data-dir", str(empty))
        assert done.returncode == 0, done.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (tmp_path / "course.pdf").read_bytes().startswith(b"%PDF")
    pdf_text = subprocess.run(["pdftotext", str(tmp_path / "course.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    assert "Room A" in pdf_text and "Room B" in pdf_text
    assert "A. Example" not in pdf_text  # the name stayed in Room A's PC


def test_unknown_patient_and_server_away_say_so_in_one_line(
        tmp_path: Path, clinic_dsn: str, two_rooms_synced: tuple[Path, Path]) -> None:
    done = _ketaroom("export", "--patient", "PT-9999", "--postgres", clinic_dsn,
                     "--format", "json", "--data-dir", str(tmp_path))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.strip() == "ketaroom export: no patient PT-9999"
    away = f"postgresql://ketaroom:x@127.0.0.1:{_free_port()}/clinic?sslmode=disable"
    done = _ketaroom("export", "--patient", "PT-0042", "--postgres", away, "--format", "json",
                     "--data-dir", str(tmp_path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "ketaroom export: the records server is away (no answer)"
