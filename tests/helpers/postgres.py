"""A real PostgreSQL server for the tests: Debian's postgresql, in a temp dir.

``initdb`` and ``postgres`` refuse to run as root, so as root they run as the
``postgres`` user (``runuser``) in a directory it owns. The server listens on a free
loopback port with its unix socket in the temp dir, TLS on (a self-signed certificate
made by ``openssl req -x509``), password (SCRAM) authentication over TCP, and an
ordinary role ``ketaroom`` (not a superuser) owning the database ``clinic`` —
exactly the set-up docs/central-records.md asks of a clinic's admin.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("KETAROOM_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "room-secret-1"


def missing_reason() -> str | None:
    """Why a server cannot be started here, or None."""
    for name in ("initdb", "postgres"):
        if not (PG_BIN / name).is_file():
            return f"PostgreSQL binaries not found in {PG_BIN} (apt install postgresql)"
    if shutil.which("openssl") is None:
        return "openssl not found (needed for the server's test certificate)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server as"
    return None


@dataclass
class PgServer:
    """A running server: ``dsn(...)`` builds URIs for the app role."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def cert(self) -> Path:
        return self.root / "data" / "server.crt"

    def dsn(self, *, user: str = "ketaroom", password: str = PASSWORD,
            dbname: str = "clinic", sslmode: str = "disable") -> str:
        return (f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"
                f"?sslmode={sslmode}")

    def admin(self, sql: str, *, dbname: str = "postgres") -> str:
        """Run SQL as the superuser over the unix socket (test set-up only)."""
        return _run_as_pg([str(PG_BIN.parent / "bin" / "psql"), "-X", "-q", "-At", "-v",
                           "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p",
                           str(self.port), "-U", "postgres", "-d", dbname, "-c", sql])


def _as_pg(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run_as_pg(argv: list[str]) -> str:
    done = subprocess.run(_as_pg(argv), capture_output=True, text=True, check=False,
                          timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _chown_pg(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    """Start a fresh server; stopped and removed on exit."""
    root = Path(tempfile.mkdtemp(prefix="ketaroom-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    for path in (root, sock):
        _chown_pg(path)
    _run_as_pg([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-keyout", str(data / "server.key"),
         "-out", str(data / "server.crt")], check=True, capture_output=True, timeout=60)
    for name in ("server.key", "server.crt"):
        os.chmod(data / name, 0o600)
        _chown_pg(data / name)
    # local (socket): trust for the test's superuser; TCP: passwords only, TLS or not
    (data / "pg_hba.conf").write_text(
        "local all all trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n")
    port = _free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed with the server
    process = subprocess.Popen(
        _as_pg([str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port),
                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sock}",
                "-c", "ssl=on", "-c", "fsync=off", "-c", "max_connections=40"]),
        stdout=log, stderr=subprocess.STDOUT)
    server = PgServer(root, port, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.admin("SELECT 1")
                break
            except RuntimeError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not start: "
                                       + (root / "server.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        server.admin(f"CREATE ROLE ketaroom LOGIN PASSWORD '{PASSWORD}'")
        server.admin("CREATE DATABASE clinic OWNER ketaroom")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)
