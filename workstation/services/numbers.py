"""Taking numbers inside the caller's transaction, so that a crash can neither skip
nor repeat one: the counter moves only if the acceptance that used it commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..domain.numbering import Block, ReceiptNumbering, choose_block, format_document_number, offline_block
from ..store import raw
from .errors import ServiceError
from .settings import Settings


def next_in_counter(session: Session, scope: str) -> int:
    return raw.cursor(session).execute(
        "INSERT INTO counters (scope, value) VALUES (?, 1) "
        "ON CONFLICT(scope) DO UPDATE SET value = value + 1 RETURNING value", (scope,)).fetchone()[0]


def next_receipt_no(session: Session, settings: Settings, day: date) -> str:
    numbering = ReceiptNumbering(settings.region, settings.terminal, settings.receipt_pattern)
    return numbering.format(day, next_in_counter(session, numbering.scope(day)))


def blocks_of(session: Session, authority: str, act: str, year: int) -> list[tuple[int, Block]]:
    """This terminal's blocks (id, block) for one authority, act and year that matter to
    the next number: leases with numbers left, and the offline range if opened."""
    rows = raw.cursor(session).execute(
        "SELECT id, first, last, next, source FROM number_blocks"
        " WHERE authority = ? AND act = ? AND year = ? AND (next <= last OR source = 'offline')"
        " ORDER BY id", (authority, act, year)).fetchall()
    return [(r[0], Block(r[1], r[2], r[3], r[4])) for r in rows]


def next_document_no(session: Session, settings: Settings, kind: str, year: int) -> str:
    """The next 文号 for this authority, kind of act and year.

    Blocks leased from the centre are used first, lowest first; when none is left
    the terminal's own reserved offline range, so that the counter never blocks
    (workstation.domain.numbering.choose_block). Inside the caller's write
    transaction (BEGIN IMMEDIATE), so no other process takes the same number.
    """
    act = settings.act(kind)
    authority = settings.authority_short
    cur = raw.cursor(session)
    held = blocks_of(session, authority, act, year)
    chosen = choose_block([b for _, b in held])
    if chosen is not None:
        block_id, block = held[chosen]
        cur.execute("UPDATE number_blocks SET next = next + 1 WHERE id = ?", (block_id,))
        seq = block.next
    else:
        if any(b.source == "offline" for _, b in held):
            raise ServiceError(f"本终端{year}年“{kind}”的离线文号已用完，请联网同步领取号段")
        first, last = offline_block(settings.terminal)
        cur.execute("INSERT INTO number_blocks (authority, act, year, first, last, next, source) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'offline')", (authority, act, year, first, last, first + 1))
        seq = first
    return format_document_number(settings.docno_pattern, authority, act, year, seq)
