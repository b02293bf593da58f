"""A private PostgreSQL server for the test run.

Fixtures (import them into a test module: ``from .pg import pg_url, central_db_url``):

* ``pg_url`` (session): the SQLAlchemy URL (``postgresql+psycopg://…``) of an empty
  database on a server of our own, started with ``initdb``/``pg_ctl`` in a temporary
  directory, listening on a Unix socket in that directory and on 127.0.0.1 at a free
  port; stopped and deleted when the run ends.
* ``central_db_url`` (function): a fresh database per test, already carrying the
  central server's schema (copied from a migrated template, which is fast).

PostgreSQL refuses to run as root; when the tests run as root (CI), the cluster is
created and run as the unprivileged ``postgres`` (or ``nobody``) user through
``runuser``. Without PostgreSQL's binaries the fixtures FAIL (``make test`` installs
Debian's ``postgresql``): a central server that was never tested on PostgreSQL must
not pass as tested.

The server is one per test run even when several modules import the fixtures (each
import makes pytest register the fixture again, so the server is kept in a module
global and stopped by a config cleanup); under pytest-xdist, one per worker process.

A run that is killed (SIGKILL, SIGTERM, a timeout) never gets to its cleanup, and
``pg_ctl`` detaches the server from us: so a watchdog (this file run as a script, in
a session of its own) holds the read end of a pipe whose write end only the test
process has. When the test process is gone, however it died, the pipe reads EOF and
the watchdog stops the server and deletes its folder. A normal stop writes one byte
first, which tells the watchdog that there is nothing left to do.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

PG_USER = "ws"          # the cluster's superuser (trust authentication, loopback only)
_lock = threading.Lock()
_server: _PgServer | None = None
_template_ready = False
_counter = itertools.count(1)
CENTRAL_TEMPLATE = "central_template"


def _find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return candidates[-1] if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _PgServer:
    def __init__(self):
        initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError(
                "找不到 PostgreSQL 的 initdb/pg_ctl（PATH 与 /usr/lib/postgresql/*/bin/ 中都没有）。"
                "中心服务器的测试需要真实的 PostgreSQL：请安装 Debian 软件包 postgresql"
                "（make test 会自动安装）。")
        self.pg_ctl = pg_ctl
        root = os.geteuid() == 0
        # As root the server runs as another user, who must be able to reach the
        # folder: /tmp rather than a TMPDIR that may sit in root's home.
        self.base = Path(tempfile.mkdtemp(prefix="ws-pg-", dir="/tmp" if root and os.path.isdir("/tmp") else None))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        self.prefix: list[str] = []
        if root:
            user = self._unprivileged_user()
            self.prefix = self._runner(user)
            entry = pwd.getpwnam(user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self._lifeline = _start_watchdog(self.base, pg_ctl, self.prefix)
        try:
            self._start(initdb, pg_ctl)
        except BaseException:
            os.close(self._lifeline)     # EOF: the watchdog removes what was made
            raise

    def _start(self, initdb: str, pg_ctl: str) -> None:
        self._run([initdb, "-D", str(self.data), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
                   "--locale=C", "-N"], "initdb")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=300 -c shared_buffers=64MB")
        self._run([pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                   "-o", options, "start"], "pg_ctl start")
        self.admin_dsn = f"host=127.0.0.1 port={self.port} user={PG_USER} dbname=postgres"

    @staticmethod
    def _unprivileged_user() -> str:
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        raise RuntimeError("以 root 运行测试时需要系统用户 postgres 或 nobody 来运行 PostgreSQL")

    @staticmethod
    def _runner(user: str) -> list[str]:
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", user, "--"]
        setpriv = shutil.which("setpriv")
        if setpriv:
            entry = pwd.getpwnam(user)
            return [setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
        raise RuntimeError("以 root 运行测试时需要 runuser 或 setpriv 来切换到非特权用户")

    def _run(self, argv: list[str], what: str) -> None:
        proc = subprocess.run(self.prefix + argv, capture_output=True, text=True, cwd=self.base,
                              timeout=120)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{what} 失败（退出码 {proc.returncode}）：{proc.stderr[-3000:]}\n{log}")

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}" if template else ""
        for attempt in range(50):
            try:
                self.execute(f"CREATE DATABASE {name}{clause}")
                break
            except Exception as exc:    # the template is briefly busy right after use
                if "being accessed by other users" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(self.prefix + [self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w",
                                      "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)
        os.write(self._lifeline, b"x")
        os.close(self._lifeline)


def _start_watchdog(base: Path, pg_ctl: str, prefix: list[str]) -> int:
    """Start the watchdog for the server in `base`; return the pipe's write end, which
    must stay open in this process (and only here: os.pipe's ends are not inherited
    by the programs we start) for as long as the server should run."""
    read_end, write_end = os.pipe()
    try:
        subprocess.Popen([sys.executable, os.path.abspath(__file__), "--watch", str(base), pg_ctl,
                          *prefix], stdin=read_end, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    finally:
        os.close(read_end)
    return write_end


def _watch(base: Path, pg_ctl: str, prefix: list[str]) -> None:
    """The watchdog's body: wait for the test process to stop or die."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.stdin.buffer.read(1):
        return                           # a normal stop: the server is gone already
    data = base / "data"
    # A pg_ctl start the test process left running may still bring the server up:
    # keep looking for its pid file for a few seconds.
    deadline = time.monotonic() + 3
    while True:
        if (data / "postmaster.pid").exists():
            subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    shutil.rmtree(base, ignore_errors=True)


def _get_server(config) -> _PgServer:
    global _server
    with _lock:
        if _server is None:
            try:
                _server = _PgServer()
            except RuntimeError as exc:
                pytest.fail(str(exc), pytrace=False)
            server = _server

            def _stop():
                global _server, _template_ready
                server.stop()
                _server, _template_ready = None, False

            config.add_cleanup(_stop)
        return _server


@pytest.fixture(scope="session")
def pg_server(request) -> _PgServer:
    return _get_server(request.config)


@pytest.fixture(scope="session")
def pg_url(pg_server) -> str:
    """An empty database on the private server (one per test run)."""
    name = "ws_test"
    with _lock:
        if not getattr(pg_server, "_has_main_db", False):
            pg_server.create_database(name)
            pg_server._has_main_db = True
    return pg_server.url(name)


def _central_template(server: _PgServer) -> str:
    global _template_ready
    with _lock:
        if not _template_ready:
            from sqlalchemy import create_engine

            from sync.central.db import migrate

            url = server.create_database(CENTRAL_TEMPLATE)
            engine = create_engine(url)
            try:
                migrate(engine)
            finally:
                engine.dispose()
            _template_ready = True
    return CENTRAL_TEMPLATE


@pytest.fixture
def central_db_url(pg_server) -> str:
    """A fresh database with the central server's schema, one per test."""
    template = _central_template(pg_server)
    return pg_server.create_database(f"central_{os.getpid()}_{next(_counter)}", template)


if __name__ == "__main__" and sys.argv[1:2] == ["--watch"]:
    _watch(Path(sys.argv[2]), sys.argv[3], sys.argv[4:])
