"""bench_sync's PostgreSQL: a private server (tests/pg.py's approach, with a choice of
durability) and a migrated template database each side copies."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import benchlib  # noqa: F401  (puts the project on sys.path)

from tests.pg import _find_bin, _PgServer, free_port  # (the tests' private server)

PG_USER = "ws"
DURABLE = "fsync=on, synchronous_commit=on, full_page_writes=on（PostgreSQL 默认）"
FAST = "fsync=off, synchronous_commit=off, full_page_writes=off（与测试相同）"


class PgServer:
    """A private PostgreSQL server (tests/pg.py's approach, with a choice of durability)."""

    def __init__(self, fast: bool):
        initdb, self.pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
        if not initdb or not self.pg_ctl:
            raise SystemExit("找不到 PostgreSQL 的 initdb/pg_ctl：请安装 Debian 软件包 postgresql（make bench 会安装）")
        root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="ws-bench-pg-", dir="/tmp" if root else None))
        self.data, self.log = self.base / "data", self.base / "server.log"
        self.port = free_port()
        self.prefix: list[str] = []
        if root:
            import pwd

            user = _PgServer._unprivileged_user()
            self.prefix = _PgServer._runner(user)
            entry = pwd.getpwnam(user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self._run([initdb, "-D", str(self.data), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
                   "--locale=C", "-N"])
        durability = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off " if fast else "")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} {durability}"
                   "-c max_connections=100 -c shared_buffers=128MB")
        self._run([self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options,
                   "start"])
        self.settings = FAST if fast else DURABLE
        self.admin_dsn = f"host=127.0.0.1 port={self.port} user={PG_USER} dbname=postgres"
        self.version = self.query("SHOW server_version")

    def _run(self, argv):
        proc = subprocess.run(self.prefix + argv, capture_output=True, text=True, cwd=self.base, timeout=120)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise SystemExit(f"{argv[0]} 失败：{proc.stderr[-2000:]}\n{log}")

    def query(self, sql: str):
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            cur = conn.execute(sql)
            row = cur.fetchone() if cur.description else None
            return row[0] if row else None

    def dsn(self, db: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={PG_USER} dbname={db}"

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{db}"

    def create(self, name: str, template: str | None = None) -> str:
        for attempt in range(100):
            try:
                self.query(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
                return name
            except Exception as exc:     # the template is busy for a moment after use
                if "being accessed by other users" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.1)
        raise AssertionError

    def drop(self, name: str) -> None:
        self.query(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        subprocess.run(self.prefix + [self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def migrated_template(pg: PgServer) -> str:
    from sqlalchemy import create_engine

    from sync.central.db import migrate

    name = pg.create("central_template")
    engine = create_engine(pg.url(name))
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return name
