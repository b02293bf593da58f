"""Set-based reads and writes for the batch path.

On PostgreSQL new rows go in with COPY (psycopg 3's ``cursor.copy``) inside the
session's transaction, and "column IN (…500 values…)" is written as
``column = ANY(:array)`` (one parameter instead of hundreds); on SQLite both are
the ordinary statements. Same rows, same transaction, same result — only faster,
which the protocol's 500-event batches need (see bench/).
"""

from __future__ import annotations

import json

from sqlalchemy import any_, bindparam, insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def one_of(session: Session, column, values):
    """``column IN values`` as PostgreSQL and SQLite each like it best."""
    values = list(values)
    if is_pg(session):
        return column == any_(bindparam(None, values, type_=ARRAY(column.type), unique=True))
    return column.in_(values)


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys; a column
    left out gets its server default, e.g. a serial id)."""
    if not rows:
        return
    if not is_pg(session):
        session.execute(insert(model), rows)
        return
    table = model.__table__
    columns = [c for c in table.columns if c.name in rows[0]]     # others: server defaults
    names = [c.name for c in columns]
    json_cols = {c.name for c in columns if isinstance(c.type, JSON)}
    conn = session.connection().connection.driver_connection
    quoted = ", ".join(f'"{n}"' for n in names)
    with conn.cursor() as cur:
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row.get(n), ensure_ascii=False, default=str)
                                if n in json_cols and row.get(n) is not None else row.get(n)
                                for n in names])
