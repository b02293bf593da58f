"""Opening the local database: WAL, foreign keys, write transactions that take the
lock up front, and migrations applied before anything else touches it."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from sqlalchemy.exc import OperationalError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..shared.files import make_private
from ..shared.sqlite import sqlite_engine

MIGRATIONS = Path(__file__).with_name("migrations")
DB_NAME = "workstation.sqlite3"


def known_revisions() -> list[str]:
    """Migration files are numbered in order and each names its revision
    (`revision = '0001'`); a test holds Alembic to the same list."""
    import re

    files = sorted((MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    found = [re.search(r"^revision = ['\"]([^'\"]+)['\"]", p.read_text(encoding="utf-8"), re.M) for p in files]
    return [m.group(1) if m else p.name.split("_", 1)[0] for m, p in zip(found, files)]


def head_revision() -> str:
    return known_revisions()[-1]


class StoreError(RuntimeError):
    """The database cannot be used as it is; the message is for the clerk."""


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def make_engine(path: Path) -> Engine:
    return sqlite_engine(f"sqlite:///{path}")


class Database:
    """One data directory's database.

    Attributes:
        path: the SQLite file.
        engine: for write transactions (BEGIN IMMEDIATE).
        read_engine: the same pool, deferred BEGIN, for queries.
    """

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        self.engine: Engine | None = None

    def open(self, *, create: bool = True) -> Database:
        if not self.path.exists() and not create:
            raise StoreError(f"数据目录 {self.data_dir} 中还没有数据库，请先运行 workstation init")
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"无法创建数据目录 {self.data_dir}：{exc.strerror}") from None
        # Applicants' records, documents and keys: readable by this user only.
        make_private(self.data_dir, tuple(self.path.with_name(self.path.name + tail)
                                          for tail in ("", "-wal", "-shm", "-journal")))
        if self.path.exists():
            self._check_readable()
        self.engine = make_engine(self.path)
        self.read_engine = self.engine.execution_options(readonly=True)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self.migrate()
        return self

    def _check_readable(self) -> None:
        try:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as conn:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} 不是可用的工作台数据库：{exc}") from None

    def migrate(self) -> None:
        """Bring the schema up to date in one transaction; refuse a newer schema.

        Alembic (and the template engine behind it) takes a tenth of a second to
        import, so it is loaded only when there is something to upgrade."""
        current = self.schema_revision()
        if current is not None and current not in known_revisions():
            raise StoreError(
                f"数据库 {self.path} 由更新版本的工作台创建（结构版本 {current}），"
                "本程序无法识别，为避免损坏数据未作任何改动。请升级工作台。")
        if current != head_revision():
            from alembic import command

            assert self.engine is not None          # open() made it before migrating
            command.upgrade(_alembic_config(self.engine), "head")

    def schema_revision(self) -> str | None:
        with self.read_engine.connect() as conn:
            try:
                return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            except OperationalError:
                return None     # a new, empty database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case, one transaction: all of it is committed or none of it."""
        with self._write() as session:
            with session.begin():
                yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session:
            with session.begin():
                yield session

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
