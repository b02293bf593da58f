"""Blocks of document numbers (文号) leased to terminals.

Per authority, act and year the centre leases from 1 upwards and never into a
terminal's offline range T×100000+1 … T×100000+99999 (T = 001 … 999, see
workstation.domain.numbering.offline_block): 1 … 100000 are the centre's, then
only the multiples of 100000 up to 99,900,000, then everything from 100,000,000.
A block stops where a reserved range begins, so it may be shorter than asked.

The counter row is locked (SELECT … FOR UPDATE; SQLite's BEGIN IMMEDIATE) for the
rest of the transaction, so two terminals asking at once get disjoint blocks.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sync.protocol import MAX_BLOCK

from .models import NumberBlock, NumberCounter
from .protocol import ApiError, clean_label, now
from .terminals import Caller

RANGE = 100_000
RESERVED_TERMINALS = range(1, 1000)


def reserved(n: int) -> tuple[int, int] | None:
    """The offline range n falls in, if any."""
    t, rest = divmod(n, RANGE)
    if t in RESERVED_TERMINALS and rest != 0:
        return t * RANGE + 1, t * RANGE + RANGE - 1
    return None


def block_from(start: int, size: int) -> tuple[int, int]:
    """The first block of at most ``size`` numbers at or after ``start`` that avoids
    every reserved range."""
    while (hit := reserved(start)) is not None:
        start = hit[1] + 1
    last = start + size - 1
    t = start // RANGE
    # The next reserved range above start begins at (t+1)*RANGE+1 (or t*RANGE+1 when
    # start is exactly t*RANGE, whose range follows it).
    nxt = (t * RANGE + 1) if start % RANGE == 0 else (t + 1) * RANGE + 1
    if reserved(nxt) is not None:
        last = min(last, nxt - 1)
    return start, last


def _whole(value):
    """A JSON integer: 2026 or 2026.0 (JSON Schema's "integer" is any number with no
    fraction, and the description says integer); anything else is returned as it is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def check_request(body) -> tuple[str, str, int, int]:
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象")
    authority, act, year, size = (body.get("authority"), body.get("act"), _whole(body.get("year")),
                                  _whole(body.get("size", 1000)))
    if not isinstance(authority, str) or not 1 <= len(authority.strip()) <= 40 or not clean_label(authority):
        raise ApiError(422, "invalid", "机关简称 authority 应为1至40个字符")
    if not isinstance(act, str) or not 1 <= len(act.strip()) <= 10 or not clean_label(act):
        raise ApiError(422, "invalid", "文书字号 act 应为1至10个字符")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ApiError(422, "invalid", "年份 year 应为2000至2100之间的整数")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_BLOCK:
        raise ApiError(422, "invalid", f"号段大小 size 应为1至{MAX_BLOCK}")
    return authority.strip(), act.strip(), year, size


def lease(session: Session, caller: Caller, authority: str, act: str, year: int,
          size: int) -> dict:
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(make(NumberCounter).values(authority=authority, act=act, year=year, next=1)
                    .on_conflict_do_nothing())
    counter = session.scalar(select(NumberCounter).where(
        NumberCounter.authority == authority, NumberCounter.act == act, NumberCounter.year == year)
        .with_for_update())
    first, last = block_from(counter.next, size)
    counter.next = last + 1
    session.execute(insert(NumberBlock).values(authority=authority, act=act, year=year, first=first,
                                               last=last, terminal=caller.terminal,
                                               station=caller.station, leased_at=now()))
    return {"first": first, "last": last}
