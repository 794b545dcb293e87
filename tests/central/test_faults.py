"""Central records under faults: server away, killed sync, wrong password, newer schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from ketaroom.cli import main
from ketaroom.store.central.sync import pending_count
from ketaroom.store.paths import journal_path
from tests.central.records import assert_same
from tests.helpers.backlog import make_backlog
from tests.helpers.postgres import PgServer, _free_port

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parents[2]
BATCH_ROWS = 100
"""Small batches: a kill or a dropped connection lands mid-sync with a small backlog."""


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _events_on_server(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        if conn.execute("SELECT to_regclass('events')").fetchone() == (None,):
            return 0
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _tables(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]


def _sync_process(data: Path, dsn: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ketaroom", "sync", "--postgres", dsn, "--data-dir", str(data),
         "--batch-rows", str(BATCH_ROWS)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _after_first_batch(process: subprocess.Popen[str], dsn: str, total: int) -> int:
    """Wait until the running sync has committed a batch but not all; the count then."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        count = _events_on_server(dsn)
        if count:
            return count
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    raise AssertionError(f"no batch committed in 60 s (of {total} events)")


def test_server_away_at_start_one_line_and_local_commands_keep_working(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_backlog(journal_path(tmp_path), sessions=2, events_per_session=5)
    away = f"postgresql://ketaroom:x@127.0.0.1:{_free_port()}/clinic?connect_timeout=2"
    code, out, err = _cli(capsys, "sync", "--postgres", away, "--data-dir", str(tmp_path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "away" in err, err
    assert "x@" not in err  # the password is never echoed
    assert pending_count(journal_path(tmp_path)) == 12  # still waiting, nothing marked sent
    code, out, _ = _cli(capsys, "sessions", "--data-dir", str(tmp_path))
    assert code == 0 and out.count("demo-3min") == 2
    code, _, err = _cli(capsys, "sessions", "--postgres", away)
    assert code == 1 and err.count("\n") == 1 and "away" in err


def test_wrong_password_one_line_nothing_written(
        tmp_path: Path, pg_server: PgServer, clinic_dsn: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    make_backlog(journal_path(tmp_path), sessions=2, events_per_session=5)
    wrong = clinic_dsn.replace(":room-secret-1@", ":not-the-password@")
    assert wrong != clinic_dsn
    code, out, err = _cli(capsys, "sync", "--postgres", wrong, "--data-dir", str(tmp_path))
    assert code == 1 and out == ""
    assert err == "ketaroom sync: the records server refused the user name or password\n"
    assert _tables(clinic_dsn) == []
    assert pending_count(journal_path(tmp_path)) == 12


def test_newer_server_schema_one_line_nothing_written(
        tmp_path: Path, clinic_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "room"
    data.mkdir()
    make_backlog(journal_path(data), sessions=2, events_per_session=5)
    assert _cli(capsys, "sync", "--postgres", clinic_dsn, "--data-dir", str(data))[0] == 0
    with psycopg.connect(clinic_dsn) as conn:
        conn.execute("UPDATE ketaroom_schema SET version = 99")
    make_backlog(journal_path(data), sessions=1, events_per_session=5)
    code, out, err = _cli(capsys, "sync", "--postgres", clinic_dsn, "--data-dir", str(data))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "schema version 99, newer" in err, err
    assert _events_on_server(clinic_dsn) == 10
    assert pending_count(journal_path(data)) == 6
    code, _, err = _cli(capsys, "sessions", "--postgres", clinic_dsn, "--json")
    assert code == 1 and "newer" in err and err.count("\n") == 1


def test_sigkill_mid_sync_then_again_every_row_exactly_once(
        tmp_path: Path, clinic_dsn: str) -> None:
    total = make_backlog(journal_path(tmp_path), sessions=40, events_per_session=250)
    process = _sync_process(tmp_path, clinic_dsn)
    at_kill = _after_first_batch(process, clinic_dsn, total)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    on_server = _events_on_server(clinic_dsn)
    assert 0 < at_kill <= on_server < total, (at_kill, on_server, total)
    again = _sync_process(tmp_path, clinic_dsn)
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert _events_on_server(clinic_dsn) == total
    assert_same(clinic_dsn, journal_path(tmp_path))
    assert pending_count(journal_path(tmp_path)) == 0


def test_server_drops_the_connection_mid_sync_then_the_backlog_syncs(
        tmp_path: Path, pg_server: PgServer, clinic_dsn: str) -> None:
    total = make_backlog(journal_path(tmp_path), sessions=40, events_per_session=250)
    process = _sync_process(tmp_path, clinic_dsn)
    _after_first_batch(process, clinic_dsn, total)
    dbname = clinic_dsn.rsplit("/", 1)[1].split("?")[0]
    pg_server.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    f" WHERE datname = '{dbname}' AND usename = 'ketaroom'")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, (out, err)
    assert err.count("\n") == 1 and err.startswith("ketaroom sync: "), err
    assert 0 < _events_on_server(clinic_dsn) < total
    again = _sync_process(tmp_path, clinic_dsn)
    assert again.communicate(timeout=120) and again.returncode == 0
    assert_same(clinic_dsn, journal_path(tmp_path))


def test_batch_rows_below_one_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "sync", "--postgres", "postgresql://x@127.0.0.1:1/clinic",
                          "--batch-rows", "0", "--data-dir", str(tmp_path))
    assert code == 2 and out == "" and "--batch-rows" in err
