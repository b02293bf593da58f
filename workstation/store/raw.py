"""The driver's cursor inside the session's transaction, for the hot path.

Accepting a case writes some twenty rows; through the ORM's unit of work that
costs several times what SQLite itself needs (see bench/). The use cases that
run at the counter all day write through this cursor instead, in the same
transaction as everything else, using the encodings SQLAlchemy uses for these
columns so that the ORM reads the rows back unchanged.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from sqlalchemy.orm import Session


def cursor(session: Session) -> sqlite3.Cursor:
    """A cursor on the connection the session's transaction runs on (begun if needed)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None                   # a live connection always has one
    return driver.cursor()


def ts(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DateTime storage format."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def js(value) -> str | None:
    """SQLAlchemy's JSON column encoding (json.dumps defaults)."""
    return None if value is None else json.dumps(value)
