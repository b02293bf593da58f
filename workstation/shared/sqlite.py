"""How both programs open SQLite: WAL, foreign keys, FULL sync, a 30 s busy wait, and
transactions begun by us so that a writer takes the write lock at BEGIN.

The terminal's store uses it for its local database; the central server for a quick
local run without PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine


def sqlite_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine on a SQLite file; `kwargs` go to create_engine (connect_args are merged)."""
    connect_args = {"timeout": 30, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control away from the sqlite3 module so that BEGIN
        # IMMEDIATE below is what really starts each transaction.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: a committed acceptance survives a power cut, not only a crash.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock at BEGIN, so two processes never both read a
        # counter and then fight to write it (which SQLite answers with SQLITE_BUSY);
        # at the centre it stands in for PostgreSQL's row locks. Readers begin deferred.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("readonly")
                             else "BEGIN IMMEDIATE")

    return engine
