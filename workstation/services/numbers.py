"""Taking numbers inside the caller's transaction, so that a crash can neither skip
nor repeat one: the counter moves only if the acceptance that used it commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..domain.numbering import ReceiptNumbering, format_document_number, offline_block
from ..store.models import NumberBlock
from .errors import ServiceError
from .settings import Settings


def next_in_counter(session: Session, scope: str) -> int:
    return session.execute(text(
        "INSERT INTO counters(scope, value) VALUES (:scope, 1) "
        "ON CONFLICT(scope) DO UPDATE SET value = value + 1 RETURNING value"),
        {"scope": scope}).scalar_one()


def next_receipt_no(session: Session, settings: Settings, day: date) -> str:
    numbering = ReceiptNumbering(settings.region, settings.terminal, settings.receipt_pattern)
    return numbering.format(day, next_in_counter(session, numbering.scope(day)))


def next_document_no(session: Session, settings: Settings, kind: str, year: int) -> str:
    """The next 文号 for this authority, kind of act and year.

    Blocks leased from the centre are used first, lowest first; when none is left
    the terminal's own reserved offline range, so that the counter never blocks.
    """
    act = settings.act(kind)
    authority = settings.authority_short
    block = session.scalar(
        select(NumberBlock)
        .where(NumberBlock.authority == authority, NumberBlock.act == act,
               NumberBlock.year == year, NumberBlock.next <= NumberBlock.last)
        .order_by(NumberBlock.source == "offline", NumberBlock.first).limit(1))
    if block is None:
        offline = session.scalar(select(NumberBlock).where(
            NumberBlock.authority == authority, NumberBlock.act == act,
            NumberBlock.year == year, NumberBlock.source == "offline"))
        if offline is not None:
            raise ServiceError(f"本终端{year}年“{kind}”的离线文号已用完，请联网同步领取号段")
        first, last = offline_block(settings.terminal)
        block = NumberBlock(authority=authority, act=act, year=year, first=first, last=last,
                            next=first, source="offline")
        session.add(block)
        session.flush()
    seq = block.next
    block.next = seq + 1
    return format_document_number(settings.docno_pattern, authority, act, year, seq)
