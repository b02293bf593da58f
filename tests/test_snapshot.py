"""The "nothing changed" snapshot the tests compare before and after a refused action."""

import sqlite3

from workstation.store.models import Base

from .helpers import snapshot


def test_the_snapshot_covers_every_table_of_the_store(ws):
    tables = {table.name for table in Base.metadata.sorted_tables}
    assert len(tables) > 12
    assert tables <= set(snapshot(ws.db.path))


def test_a_changed_row_changes_the_snapshot_though_no_count_does(ws):
    before = snapshot(ws.db.path)
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("UPDATE users SET name = '改名' WHERE login = 'plain'")
    conn.close()
    after = snapshot(ws.db.path)
    assert after["users"] == before["users"] == 6
    assert after["users#rows"] != before["users#rows"]
    assert {k: v for k, v in after.items() if k != "users#rows"} == \
        {k: v for k, v in before.items() if k != "users#rows"}
