"""Compare a room's journal with the server, row by row (every column the sync copies)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from ketaroom.store.central.sync import TABLES, Table, room_id


def local_rows(journal_path: Path, *, share_names: bool = False
               ) -> dict[str, set[tuple[object, ...]]]:
    """Every synced table's rows in the journal as sent (status excluded: computed on
    read; names as NULL unless shared)."""
    conn = sqlite3.connect(journal_path)
    try:
        return {t.name: {tuple(r) for r in conn.execute(
            f'SELECT {", ".join(_local(t, share_names))} FROM "{t.name}"')} for t in TABLES}
    finally:
        conn.close()


def server_rows(dsn: str, journal_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The same rows on the server for this journal's room (a list: duplicates would show)."""
    room = room_id(journal_path)
    with psycopg.connect(dsn) as conn:
        return {t.name: [tuple(r) for r in conn.execute(
            f'SELECT {", ".join(_server(t))} FROM {t.name} WHERE room_id = %s', (room,))]
            for t in TABLES}


def _local(table: Table, share_names: bool) -> list[str]:
    return [column for (local, _), column in zip(
        table.columns, table.select_list(share_names=share_names).split(", "), strict=True)
        if local != "status"]


def _server(table: Table) -> list[str]:
    return [f'"{server}"' for local, server in table.columns if local != "status"]


def assert_same(dsn: str, journal_path: Path, *, purged_locally: bool = False,
                share_names: bool = False) -> None:
    """Every local row is on the server exactly once, and nothing else of this room
    (``purged_locally``: the server may keep rows the room's retention deleted)."""
    local = local_rows(journal_path, share_names=share_names)
    server = server_rows(dsn, journal_path)
    for name, rows in local.items():
        on_server = server[name]
        assert len(on_server) == len(set(on_server)), f"{name}: duplicates on the server"
        missing = rows - set(on_server)
        extra = set(on_server) - rows
        assert not missing and (purged_locally or not extra), (
            f"{name}: {len(missing)} missing, {len(extra)} extra (local {len(rows)})")
