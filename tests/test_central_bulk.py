"""sync.central.bulk: the set-based lookups of the batch path give the same rows as
a plain ``IN``, on PostgreSQL (where the values travel as one separated text) and
on SQLite, whatever the values hold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from sync.central.bulk import _SEP, _joined, one_of
from sync.central.db import migrate
from sync.central.models import Event

from .pg import central_db_url, pg_server  # noqa: F401  (fixtures)


@given(st.lists(st.text(max_size=12), max_size=20))
def test_joined_text_splits_back_into_exactly_the_values_or_is_refused(values):
    joined = _joined(values)
    if joined is None:
        assert any(_SEP in v for v in values) or values == [""]
    else:
        assert (joined.split(_SEP) if values else []) == values


@given(st.lists(st.integers(-10**12, 10**12), max_size=20))
def test_joined_integers(values):
    joined = _joined(values)
    assert ([int(x) for x in joined.split(_SEP)] if values else []) == values
    assert values or joined == ""


def test_mixed_or_boolean_values_are_not_joined():
    assert _joined([1, "a"]) is None
    assert _joined([True, 2]) is None
    assert _joined([None]) is None


AWKWARD = ["", "a,b", "{x}", '"q"', "中文", "back\\slash", "sp ace", "semi;colon", "NULL"]


def _engine(url):
    engine = create_engine(url)
    migrate(engine)
    return engine


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = (request.getfixturevalue("central_db_url") if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'central.db'}")
    e = _engine(url)
    yield e
    e.dispose()


def test_one_of_finds_exactly_the_named_rows(engine):
    from datetime import datetime

    at = datetime(2026, 12, 2, 9, 0)
    with Session(engine) as s, s.begin():
        for i, key in enumerate(AWKWARD + ["plain", "other"]):
            s.add(Event(id=f"id-{i}-{key}", terminal="001", seq=i + 1, kind="k", payload="{}",
                        content_hash="0" * 64, user_login="u", created_at=at, received_at=at,
                        status="applied", message=""))
    wanted = [f"id-{i}-{key}" for i, key in enumerate(AWKWARD)] + ["missing"]
    with Session(engine) as s:
        found = set(s.scalars(select(Event.id).where(one_of(s, Event.id, wanted))))
        # A value holding the separator takes the array parameter instead: same rows.
        also = set(s.scalars(select(Event.id).where(one_of(s, Event.id, wanted + ["x" + _SEP + "y"]))))
        by_seq = set(s.scalars(select(Event.seq).where(one_of(s, Event.seq, [1, 3, 99]))))
        none = s.scalars(select(Event.id).where(one_of(s, Event.id, []))).all()
    assert found == also == {f"id-{i}-{key}" for i, key in enumerate(AWKWARD)}
    assert by_seq == {1, 3}
    assert none == []


def test_a_longer_value_never_matches_the_row_it_starts_with(engine):
    """ids are String(36): a 40-character value must not be cut to 36 and find a row."""
    from datetime import datetime

    at, row_id = datetime(2026, 12, 2, 9, 0), "x" * 36
    with Session(engine) as s, s.begin():
        s.add(Event(id=row_id, terminal="001", seq=1, kind="k", payload="{}", content_hash="0" * 64,
                    user_login="u", created_at=at, received_at=at, status="applied", message=""))
    with Session(engine) as s:
        assert s.scalars(select(Event.id).where(one_of(s, Event.id, [row_id + "yyyy"]))).all() == []
        assert s.scalars(select(Event.id).where(one_of(s, Event.id, [row_id]))).all() == [row_id]
