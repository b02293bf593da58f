"""Set-based reads and writes for the batch path.

On PostgreSQL new rows go in with COPY (psycopg 3's ``cursor.copy``) inside the
session's transaction, and "column IN (…500 values…)" is written as
``column = ANY(:array)`` (one parameter instead of hundreds); on SQLite both are
the ordinary statements. Same rows, same transaction, same result — only faster,
which the protocol's 500-event batches need (see bench/).
"""

from __future__ import annotations

import json

from sqlalchemy import any_, bindparam, insert, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, LargeBinary


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
            write = copy.write_row
            if not json_cols:
                for row in rows:
                    write([row.get(n) for n in names])
                return
            for row in rows:
                values = [row.get(n) for n in names]
                for i, n in enumerate(names):
                    if n in json_cols and values[i] is not None:
                        values[i] = _json(values[i])
                write(values)


# json.dumps(value, ensure_ascii=False, default=str), without building an encoder per call.
_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


def update_rows(session: Session, model, rows: list[dict], key: str = "id") -> None:
    """``UPDATE model SET … WHERE key = row[key]`` for each row (dicts with the same
    keys). On PostgreSQL one statement for all the rows: the rows travel as one JSON
    array read back with ``json_populate_recordset`` into the table's own row type
    (each value through its column type's input, as a bound parameter would be); on
    SQLite the ORM's bulk UPDATE by primary key."""
    if not rows:
        return
    if not is_pg(session):
        session.execute(update(model), rows)
        return
    table = model.__table__
    if any(isinstance(c.type, (JSON, LargeBinary)) for c in table.columns if c.name in rows[0]):
        session.execute(update(model), rows)      # values JSON text would not carry as they are
        return
    names = [c.name for c in table.columns if c.name in rows[0] and c.name != key]
    sets = ", ".join(f'"{n}" = v."{n}"' for n in names)
    conn = session.connection().connection.driver_connection
    data = _json([{k: row[k] for k in (key, *names)} for row in rows])
    with conn.cursor() as cur:
        cur.execute(f'UPDATE "{table.name}" AS t SET {sets} '
                    f'FROM json_populate_recordset(NULL::"{table.name}", %s::json) AS v '
                    f'WHERE t."{key}" = v."{key}"', (data,))
