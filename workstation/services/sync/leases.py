"""Blocks of document numbers (文号) leased from the centre ahead of need.

Each round of sync, for every act this terminal issues documents for (those it
issued this year or last year, under its authority's short name), the terminal
asks `POST /api/v1/number-blocks` for a block when fewer than LEASE_LOW leased
numbers are left for this year. Issuing a number never waits for this:
`workstation.services.numbers.next_document_no` takes a leased number when one is
left and the terminal's own offline range otherwise. A block is stored in its own
transaction as soon as the centre grants it; a block granted whose answer was lost
is only a gap in the numbers, never a number given twice.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workstation.domain.errors import DomainError
from workstation.domain.numbering import Block, check_lease, leased_left
from workstation.services.context import Workstation
from workstation.services.results import HeldBlock, LeasedBlock, LeaseRound
from workstation.store.models import NumberBlock

from .http import Central, Offline

LEASE_SIZE = 100          # numbers asked for at a time (the centre grants at most 10,000)
LEASE_LOW = 20            # lease again when fewer leased numbers than this are left
LEASES_PER_ROUND = 3      # per act and round: a block may come back shorter than asked
NEXT_YEAR_DAYS = 15       # from 17 December on, next year's numbers are leased as well


def wanted(ws: Workstation) -> list[tuple[str, str, int]]:
    """(authority, act, year) this terminal should hold leased numbers for now: this
    year's, and in the last NEXT_YEAR_DAYS of December next year's too, so that a
    station that is offline over New Year still starts January on leased numbers."""
    settings = ws.settings()
    today = ws.clock.today()
    year = today.year
    years = [year, year + 1] if (date(year, 12, 31) - today).days < NEXT_YEAR_DAYS else [year]
    configured = set(json.loads(settings.get("document_acts")).values())
    with ws.reading() as s:
        acts = s.scalars(select(NumberBlock.act).where(NumberBlock.year.in_((year, year - 1)))
                         .distinct()).all()
    return [(settings.authority_short, act, y) for y in years for act in sorted(set(acts) & configured)]


def _blocks(s, authority: str, act: str, year: int) -> list[NumberBlock]:
    return s.scalars(select(NumberBlock).where(NumberBlock.authority == authority,
                                               NumberBlock.act == act, NumberBlock.year == year)
                     .order_by(NumberBlock.first)).all()


def lease_ahead(ws: Workstation, central: Central) -> LeaseRound:
    """Lease what is running low. `leased`: the blocks taken this round; `errors`: what
    the centre refused (a refusal does not fail the round: numbering goes on from the
    offline range). Offline propagates like any other failure of the round."""
    leased: list[LeasedBlock] = []
    errors: list[str] = []
    for authority, act, year in wanted(ws):
        for _ in range(LEASES_PER_ROUND):
            with ws.reading() as s:
                held = _blocks(s, authority, act, year)
                left = leased_left([Block(b.first, b.last, b.next, b.source) for b in held])
                spans = [(b.first, b.last) for b in held]
            if left >= LEASE_LOW:
                break
            try:
                answer = central.json("POST", "/number-blocks", expect=(201,), json={
                    "authority": authority, "act": act, "year": year, "size": LEASE_SIZE})
                first, last = check_lease(answer.get("first"), answer.get("last"), LEASE_SIZE, spans)
            except Offline:
                raise                                        # the round failed: tried again later
            except DomainError as exc:                       # refused, or a block not to trust
                errors.append(f"{authority}{act}字 {year}：{exc}")
                break
            with ws.transaction() as s:
                s.add(NumberBlock(authority=authority, act=act, year=year, first=first, last=last,
                                  next=first, source="lease", leased_at=ws.clock.now(),
                                  server=central.base_url))
            leased.append({"authority": authority, "act": act, "year": year, "first": first,
                           "last": last})
    return {"leased": leased, "errors": errors}


def held(s: Session) -> list[HeldBlock]:
    """The leased blocks with numbers left, for `sync status`: what the next
    documents' numbers will come from."""
    rows = s.scalars(select(NumberBlock).where(NumberBlock.source == "lease",
                                               NumberBlock.next <= NumberBlock.last)
                     .order_by(NumberBlock.year, NumberBlock.authority, NumberBlock.act,
                               NumberBlock.first)).all()
    return [{"authority": b.authority, "act": b.act, "year": b.year, "next": b.next, "last": b.last}
            for b in rows]
