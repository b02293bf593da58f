"""bench_sync's PostgreSQL: a private server (tests/pg.py's approach, with a choice of
durability) and a migrated template database each side copies."""

from __future__ import annotations

import benchlib  # noqa: F401 (puts the project on sys.path)

from tests.pg import PG_USER, _PgServer  # (the tests' private server)

DURABLE = "fsync=on, synchronous_commit=on, full_page_writes=on（PostgreSQL 默认）"
FAST = "fsync=off, synchronous_commit=off, full_page_writes=off（与测试相同）"


class PgServer(_PgServer):
    """The tests' private PostgreSQL server (tests/pg.py), restarted with the bench's
    settings: PostgreSQL's default durability unless ``fast`` (then the tests'), and
    room for 50 terminals on two server processes."""

    def __init__(self, fast: bool):
        try:
            super().__init__()
        except RuntimeError as exc:
            raise SystemExit(f"{exc}（make bench 会安装 postgresql）") from None
        durability = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off " if fast else "")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} {durability}"
                   "-c max_connections=300 -c shared_buffers=128MB")
        try:
            self._run([self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                       "-o", options, "restart"], "pg_ctl restart")
        except RuntimeError as exc:
            self.stop()
            raise SystemExit(str(exc)) from None
        self.settings = FAST if fast else DURABLE
        self.version = self.query("SHOW server_version")

    def query(self, sql: str):
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            cur = conn.execute(sql)
            row = cur.fetchone() if cur.description else None
            return row[0] if row else None

    def dsn(self, db: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={PG_USER} dbname={db}"

    def create(self, name: str, template: str | None = None) -> str:
        self.create_database(name, template)
        return name

    def drop(self, name: str) -> None:
        self.query(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
