"""The core one process opens: its database, clock and caches. No Qt here."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from sqlalchemy.orm import Session

from ..config import Clock, data_dir
from ..store import Database
from .settings import Settings


class Workstation:
    """Attributes:
        db: the local database (migrated on open).
        clock: today's date, fixed for training and tests.
    """

    def __init__(self, directory: str | Path | None = None, clock: Clock | None = None):
        self.data_dir = data_dir(directory)
        self.db = Database(self.data_dir)
        self.clock = clock or Clock.from_env()
        self._catalogs: dict[int, object] = {}

    def open(self) -> Workstation:
        from .audit import ensure_keyed

        self.db.open()
        # An unkeyed audit log (older version, or set up without keyring or seal secret)
        # is verified and sealed by a keyed entry as soon as a key source is here.
        ensure_keyed(self)
        return self

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Workstation:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.db.transaction() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.db.reading() as session:
            yield session

    def settings(self, session: Session | None = None) -> Settings:
        if session is not None:
            return Settings.load(session)
        with self.reading() as s:
            return Settings.load(s)

    def is_initialised(self) -> bool:
        from .errors import NotInitialised

        try:
            self.settings()
        except NotInitialised:
            return False
        return True
