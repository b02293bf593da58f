"""Set-based reads and writes for the batch path.

On PostgreSQL new rows go in with COPY (psycopg 3's ``cursor.copy``) inside the
session's transaction, and "column IN (…500 values…)" is written as
``column = ANY(:array)`` (one parameter instead of hundreds); on SQLite both are
the ordinary statements. Same rows, same transaction, same result — only faster,
which the protocol's 500-event batches need (see bench/).
"""

from __future__ import annotations

import json
from operator import itemgetter

from sqlalchemy import BigInteger, Integer, String, Text, any_, bindparam, cast, func, insert, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, LargeBinary


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def one_of(session: Session, column, values):
    """``column IN values`` as PostgreSQL and SQLite each like it best."""
    values = list(values)
    if not is_pg(session):
        return column.in_(values)
    # One text parameter split by the server: psycopg would otherwise dump a Python
    # list element by element (a measurable share of a 500-event batch).
    joined = _joined(values)
    if joined is None:
        return column == any_(bindparam(None, values, type_=ARRAY(column.type), unique=True))
    parts = func.string_to_array(bindparam(None, joined, type_=Text, unique=True), _SEP)
    if isinstance(column.type, String):
        # Compared as text: a cast to varchar(n)[] would cut a longer value short
        # (and so match another row); the column's index serves text comparisons.
        return column == any_(parts)
    if isinstance(column.type, Integer):
        return column == any_(cast(parts, ARRAY(BigInteger)))
    return column == any_(cast(parts, ARRAY(column.type)))


_SEP = "\x1f"      # a control character: never part of an id, a hash or a code (protocol.text)


def _joined(values: list) -> str | None:
    """The values as one ``_SEP``-separated text, or None when that would not give
    them back exactly (a value holding the separator, or values neither all text nor
    all integers)."""
    try:
        joined = _SEP.join(values)
    except TypeError:
        if not all(type(v) is int for v in values):
            return None
        return _SEP.join(map(str, values))
    if joined == "" and values:
        return None                 # [""]: string_to_array("") is the empty array
    return joined if joined.count(_SEP) == max(len(values) - 1, 0) else None


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
    values_of = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    json_at = [i for i, n in enumerate(names) if n in json_cols]
    with conn.cursor() as cur:
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            write = copy.write_row
            for row in rows:
                try:
                    values = values_of(row)
                except KeyError:        # a row without some column: NULL there
                    values = tuple(row.get(n) for n in names)
                if json_at:
                    values = list(values)
                    for i in json_at:
                        if values[i] is not None:
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
