"""Fixtures for the central-records tests: one real PostgreSQL per test session."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator

import pytest

from tests.helpers.postgres import PgServer, missing_reason, running_server

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL 15 server (skipped only when its binaries are missing)."""
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    with running_server() as server:
        yield server


@pytest.fixture
def clinic_dsn(pg_server: PgServer) -> str:
    """A fresh, empty database owned by the ordinary role ``ketaroom``; its DSN."""
    name = f"clinic_{next(_numbers)}"
    pg_server.admin(f"CREATE DATABASE {name} OWNER ketaroom")
    return pg_server.dsn(dbname=name)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A DSN whose server takes the connection and never answers (libpq waits 2 s)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    yield f"postgresql://ketaroom:x@127.0.0.1:{port}/clinic?connect_timeout=2&sslmode=disable"
    silent.close()
