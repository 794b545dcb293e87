"""`ketaroom sync` / `sessions` / `export` with --postgres against a real PostgreSQL."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import psycopg
import pytest

from ketaroom.cli import main
from ketaroom.store import export
from ketaroom.store.central.reader import CentralRecords
from ketaroom.store.central.schema import SCHEMA_VERSION, CentralUnavailableError
from ketaroom.store.central.sync import pending_count, room_id, sync
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path
from tests.central.records import assert_same
from tests.helpers.backlog import make_backlog
from tests.helpers.postgres import PgServer


def _room(tmp_path: Path, name: str, *, sessions: int = 3, events: int = 20) -> Path:
    data = tmp_path / name
    data.mkdir()
    make_backlog(journal_path(data), sessions=sessions, events_per_session=events,
                 room=name)
    with Journal(journal_path(data)) as journal:
        journal.audit("tester", "export", f"made in {name}")
    return data


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_sync_copies_every_row_once_and_a_second_run_sends_nothing(
        tmp_path: Path, clinic_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = _room(tmp_path, "Room A", sessions=4, events=30)
    code, out, err = _cli(capsys, "sync", "--postgres", clinic_dsn, "--data-dir", str(data),
                          "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["sent"] == {"patients": 0, "courses": 0, "sessions": 4, "events": 120,
                             "audit": 1}
    assert_same(clinic_dsn, journal_path(data))
    assert pending_count(journal_path(data)) == 0
    code, out, _ = _cli(capsys, "sync", "--postgres", clinic_dsn, "--data-dir", str(data),
                        "--json")
    assert code == 0 and set(json.loads(out)["sent"].values()) == {0}
    assert first["room_id"] == room_id(journal_path(data))  # stable per data folder
    assert_same(clinic_dsn, journal_path(data))


def test_the_role_is_not_a_superuser_and_owns_the_versioned_schema(
        tmp_path: Path, clinic_dsn: str) -> None:
    data = _room(tmp_path, "Room A", sessions=1, events=2)
    sync(journal_path(data), clinic_dsn)
    with psycopg.connect(clinic_dsn) as conn:
        superuser = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
            " WHERE rolname = current_user").fetchone()
        version = conn.execute("SELECT version FROM ketaroom_schema").fetchall()
    assert superuser == (False, False, False)
    assert version == [(SCHEMA_VERSION,)]


def test_an_open_session_is_sent_again_until_it_ends(tmp_path: Path, clinic_dsn: str) -> None:
    path = journal_path(tmp_path)
    with Journal(path) as journal:
        sid = journal.start_session(preset="p", preset_path=None, preset_yaml=None,
                                    room="Room B", planned_s=60.0)
        journal.append(sid, "session_start", session_t=0.0, payload={})
    sync(path, clinic_dsn)
    with CentralRecords(clinic_dsn) as central:
        assert [(s.status, s.ended_at) for s in central.sessions()] == [("running", None)]
    assert pending_count(path) == 1  # the open session waits until it ends
    with Journal(path) as journal:
        journal.append(sid, "note", session_t=5.0, payload={"text": "calm"})
        journal.end_session(sid, "completed")
    result = sync(path, clinic_dsn)
    assert result.sent["sessions"] == 1 and result.sent["events"] == 1
    with CentralRecords(clinic_dsn) as central:
        [session] = central.sessions()
    assert session.status == "completed" and session.ended_at is not None
    assert pending_count(path) == 0
    assert_same(clinic_dsn, path)


def test_two_rooms_list_once_each_and_export_from_the_server_like_locally(
        tmp_path: Path, clinic_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    room_a, room_b = _room(tmp_path, "Room A"), _room(tmp_path, "Room B", sessions=2)
    for data in (room_a, room_b):
        assert _cli(capsys, "sync", "--postgres", clinic_dsn, "--data-dir", str(data))[0] == 0
    code, out, err = _cli(capsys, "sessions", "--postgres", clinic_dsn, "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert sorted((s["room"], s["local_id"]) for s in listed) == sorted(
        [("Room A", n) for n in (1, 2, 3)] + [("Room B", n) for n in (1, 2)])
    assert {s["room_id"] for s in listed} == {room_id(journal_path(room_a)),
                                              room_id(journal_path(room_b))}
    with Journal(journal_path(room_a)) as journal:
        local_shape = set(journal.sessions()[0].to_dict(with_yaml=False))
    assert set(listed[0]) == local_shape | {"room_id", "local_id"}
    code, text, _ = _cli(capsys, "sessions", "--postgres", clinic_dsn)
    assert code == 0 and text.count("Room B") == 2

    server_id = next(s["id"] for s in listed if s["room"] == "Room B" and s["local_id"] == 2)
    for fmt in ("json", "csv"):
        code, from_server, err = _cli(capsys, "export", str(server_id), "--format", fmt,
                                      "--postgres", clinic_dsn)
        assert code == 0, err
        with Journal(journal_path(room_b)) as journal:
            local = (export.export_json if fmt == "json" else export.export_csv)(journal, 2)
        if fmt == "json":
            server_doc, local_doc = json.loads(from_server), json.loads(local)
            for doc in (server_doc, local_doc):
                doc["session"].pop("id")
                for event in doc["events"]:
                    event.pop("session_id")
            assert server_doc == local_doc
        else:
            assert [row.split(",", 1)[1] for row in from_server.splitlines()] == \
                [row.split(",", 1)[1] for row in local.splitlines()]
    pdf = tmp_path / "report.pdf"
    assert _cli(capsys, "export", str(server_id), "--format", "pdf", "-o", str(pdf),
                "--postgres", clinic_dsn)[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_two_rooms_syncing_at_once_into_a_new_server(tmp_path: Path, clinic_dsn: str) -> None:
    rooms = [_room(tmp_path, f"Room {n}", sessions=20, events=200) for n in "CD"]
    errors: list[BaseException] = []

    def run(data: Path) -> None:
        try:
            sync(journal_path(data), clinic_dsn, batch_rows=500)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(data,)) for data in rooms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for data in rooms:
        assert_same(clinic_dsn, journal_path(data))
    assert _count(clinic_dsn, "events") == 2 * 20 * 200
    assert _count(clinic_dsn, "rooms") == 2


def test_tls_required_against_a_self_signed_server(
        tmp_path: Path, pg_server: PgServer, clinic_dsn: str) -> None:
    data = _room(tmp_path, "Room T", sessions=2, events=5)
    secure = clinic_dsn.replace("sslmode=disable", "sslmode=require")
    sync(journal_path(data), secure)
    with psycopg.connect(secure) as conn:
        assert conn.execute(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
    assert_same(clinic_dsn, journal_path(data))
    pinned = clinic_dsn.replace(
        "sslmode=disable", f"sslmode=verify-ca&sslrootcert={pg_server.cert}")
    assert sync(journal_path(data), pinned).total == 0


def test_a_session_started_during_the_sync_reaches_the_server_with_its_events(
        tmp_path: Path, clinic_dsn: str) -> None:
    path = journal_path(tmp_path)
    make_backlog(path, sessions=2, events_per_session=3, room="Room E")
    started: list[int] = []

    def start_one(table: str, _rows: int) -> None:
        if table == "events" and not started:  # the sessions pass is over
            with Journal(path) as journal:
                sid = journal.start_session(preset="late", preset_path=None,
                                            preset_yaml=None, room="Room E", planned_s=9.0)
                journal.append(sid, "session_start", session_t=0.0, payload={})
                journal.end_session(sid, "stopped")
            started.append(sid)

    result = sync(path, clinic_dsn, batch_rows=3, on_batch=start_one)
    assert started and result.sent["events"] == 7 and result.sent["sessions"] == 2
    assert_same(clinic_dsn, path)
    assert pending_count(path) == 0
    with psycopg.connect(clinic_dsn) as conn:
        assert conn.execute("SELECT name FROM rooms").fetchall() == [("Room E",)]


def test_ids_handed_out_again_after_a_purge_reach_the_server_under_a_new_room_id(
        tmp_path: Path, clinic_dsn: str) -> None:
    path = journal_path(tmp_path)
    make_backlog(path, sessions=3, events_per_session=4, room="Room P")
    first = sync(path, clinic_dsn).room_id
    with Journal(path) as journal:
        assert journal.purge_older_than(0) == 3  # retention: every session was old
        new = []
        for n in range(2):  # SQLite hands ids 1 and 2 out again
            sid = journal.start_session(preset=f"after purge {n}", preset_path=None,
                                        preset_yaml=None, room="Room P", planned_s=9.0)
            journal.append(sid, "session_start", session_t=0.0, payload={})
            journal.end_session(sid, "completed")
            new.append(sid)
    assert new == [1, 2]
    second = sync(path, clinic_dsn)
    assert second.room_id != first and second.room_id == room_id(path)
    assert second.sent["sessions"] == 2 and second.sent["events"] == 2
    assert_same(clinic_dsn, path)
    with CentralRecords(clinic_dsn) as central:
        presets = sorted(s.preset for s in central.sessions())
    assert presets == ["after purge 0", "after purge 1", *["demo-3min"] * 3]
    assert sync(path, clinic_dsn).total == 0  # and the new id space is stable


def test_a_purge_below_newer_sessions_keeps_the_room_id(tmp_path: Path, clinic_dsn: str) -> None:
    path = journal_path(tmp_path)
    make_backlog(path, sessions=3, events_per_session=4, room="Room Q")
    first = sync(path, clinic_dsn).room_id
    with Journal(path) as journal:
        journal.purge_older_than(0)
        sid = journal.start_session(preset="kept", preset_path=None, preset_yaml=None,
                                    room="Room Q", planned_s=9.0)
        journal.end_session(sid, "completed")
        journal.start_session(preset="after", preset_path=None, preset_yaml=None,
                              room="Room Q", planned_s=9.0)
    assert sync(path, clinic_dsn).room_id != first  # ids 1.. came back: a new id space
    with Journal(path) as journal:
        journal.purge_older_than(0)  # ended sessions go; the open one (id 2) stays
        journal.start_session(preset="later", preset_path=None, preset_yaml=None,
                              room="Room Q", planned_s=9.0)
    third = room_id(path)
    assert sync(path, clinic_dsn).room_id == third  # ids went on above: same id space
    assert_same(clinic_dsn, path, purged_locally=True)  # the server keeps the purged one


def test_a_database_the_role_does_not_own_works_with_the_documented_grants(
        tmp_path: Path, pg_server: PgServer) -> None:
    pg_server.admin("CREATE DATABASE granted_clinic")  # owned by the superuser
    dsn = pg_server.dsn(dbname="granted_clinic")
    data = _room(tmp_path, "Room G", sessions=1, events=3)
    with pytest.raises(CentralUnavailableError, match="may not create tables"):
        sync(journal_path(data), dsn)  # PostgreSQL 15: no CREATE on public for everyone
    pg_server.admin("GRANT CONNECT ON DATABASE granted_clinic TO ketaroom")
    pg_server.admin("GRANT USAGE, CREATE ON SCHEMA public TO ketaroom", dbname="granted_clinic")
    assert sync(journal_path(data), dsn).sent["events"] == 3
    assert_same(dsn, journal_path(data))
