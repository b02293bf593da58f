"""Opening the central database: PostgreSQL (psycopg 3) for real use, SQLite for a
quick try; the schema migrated by Alembic before anything else touches it; write
transactions retried when PostgreSQL reports a lost race (unique violation,
serialization failure, deadlock) so that a race ends as ``duplicate``, never as 500."""

from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from collections.abc import Callable, Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from workstation.shared.sqlite import sqlite_engine

MIGRATIONS = Path(__file__).with_name("migrations")
T = TypeVar("T")
# 23505 unique_violation, 40001 serialization_failure, 40P01 deadlock_detected
RETRY_SQLSTATES = {"23505", "40001", "40P01"}
ATTEMPTS = 8


class CentralError(RuntimeError):
    """The database cannot be used as given; the message is for the operator."""


def known_revisions() -> list[str]:
    return sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def head_revision() -> str:
    return known_revisions()[-1]


def _sqlite_engine(url) -> Engine:
    path = url.database
    if not path or path == ":memory:":
        raise CentralError("SQLite 数据库需要文件路径，例如 sqlite:///central.sqlite3")
    try:
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CentralError(f"无法创建数据库所在目录：{exc.strerror}") from None
    return sqlite_engine(url, connect_args={"check_same_thread": False}, pool_size=8, max_overflow=16)


def is_sqlite_url(db_url: str) -> bool:
    try:
        return make_url(db_url).get_backend_name() == "sqlite"
    except ArgumentError:
        return False


def make_engine(db_url: str) -> Engine:
    try:
        url = make_url(db_url)
    except ArgumentError:
        raise CentralError(f"数据库地址“{str(db_url)[:80]}”不是有效的 SQLAlchemy URL，"
                           "例如 postgresql+psycopg://用户:口令@主机/库名 或 sqlite:///central.sqlite3") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        if url.get_driver_name() in ("psycopg2", ""):
            url = url.set(drivername="postgresql+psycopg")
        try:
            # The process id in the connection's name tells an operator (pg_stat_activity)
            # which of `serve --workers N`'s processes holds it.
            engine = create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True,
                                   pool_timeout=60,
                                   connect_args={"application_name": f"workstation-central {os.getpid()}"})
        except ImportError:
            raise CentralError("缺少 PostgreSQL 驱动：请安装 psycopg[binary]") from None
        # A batch's rows go in as multi-row INSERT … VALUES pages (as the psycopg2
        # dialect does) rather than one pipelined statement per row: several times
        # faster for the 500-event batches the protocol allows.
        engine.dialect.use_insertmanyvalues_wo_returning = True
        return engine
    raise CentralError(f"不支持的数据库“{backend}”：中心服务器使用 PostgreSQL（或 SQLite 试用）")


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except (OperationalError, ProgrammingError):
            return None


def migrate(engine: Engine) -> None:
    """Bring the schema to head in one transaction; refuse a schema newer than us."""
    try:
        current = schema_revision(engine)
    except OperationalError as exc:
        raise CentralError(f"无法连接数据库：{str(exc.orig).strip()[:300]}") from None
    if current is not None and current not in known_revisions():
        raise CentralError(f"数据库的结构版本 {current} 比本程序新，为避免损坏数据未作任何改动；请升级中心服务器")
    if current != head_revision():
        from alembic import command

        command.upgrade(_alembic_config(engine), "head")


def _retryable(exc: BaseException) -> bool:
    """A lost race, reported through SQLAlchemy or straight from the driver (COPY runs
    on the driver's connection, see bulk.py)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


class CentralDB:
    """The central database: ``transaction()`` to write, ``reading()`` to read,
    ``write(fn)`` for a transaction that is retried when it loses a race."""

    def __init__(self, db_url: str):
        self.url = db_url
        self.engine = make_engine(db_url)
        self.dialect = self.engine.dialect.name
        self.read_engine = self.engine.execution_options(readonly=True)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def open(self) -> CentralDB:
        migrate(self.engine)
        return self

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._write() as session:
            with session.begin():
                yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session:
            with session.begin():
                yield session

    def write(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run ``fn(session, …)`` in a transaction; start again from scratch when the
        database says another transaction won a race (it then sees that one's rows)."""
        for attempt in range(ATTEMPTS):
            try:
                with self.transaction() as session:
                    return fn(session, *args, **kwargs)
            except Exception as exc:
                if attempt == ATTEMPTS - 1 or not _retryable(exc):
                    raise
                time.sleep(random.uniform(0.001, 0.01 * (attempt + 1)))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()
