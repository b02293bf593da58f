"""The outbox: domain events written in the same transaction as the change they
describe, and removed only when the centre acknowledges them.

Each event has a UUID, a per-terminal sequence and a hash of its canonical
content, so the centre can apply it exactly once however often it arrives.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.protocol import canonical, content_hash
from workstation.store import raw
from workstation.store.models import OutboxEvent


def append(session: Session, kind: str, payload: Mapping[str, object], *, user: str, terminal: str,
           at: datetime) -> str:
    """Add an event in the caller's transaction; returns its UUID."""
    body = canonical(payload)
    event_id = str(uuid.uuid4())
    raw.cursor(session).execute(
        "INSERT INTO outbox (id, seq, kind, payload, content_hash, user_login, terminal, created_at) "
        "VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM outbox), ?, ?, ?, ?, ?, ?)",
        (event_id, kind, body, content_hash(kind, body), user, terminal, raw.ts(at)))
    return event_id


# What an acknowledged event keeps of its payload: the references that tie it to the
# centre's answer and to this terminal's rows. The applicant's record, ID numbers,
# names, addresses, certificates and materials were the centre's to receive; once
# it has, they no longer sit in a second copy here (the case rows keep what the
# terminal needs).
KEPT_AFTER_ACK = ("case_id", "receipt_no", "status", "seal_id", "number", "sha256", "kind", "job")


def reduced(payload: Mapping[str, object]) -> dict[str, object]:
    """An acknowledged event's payload: KEPT_AFTER_ACK's plain values, the ids of the
    cases it named, and a mark that the rest was removed at acknowledgement."""
    out: dict[str, object] = {k: payload[k] for k in KEPT_AFTER_ACK
                              if isinstance(payload.get(k), (str, int, bool))}
    cases, ids = payload.get("cases"), payload.get("case_ids")
    if isinstance(cases, list):
        out["case_ids"] = [c["id"] for c in cases if isinstance(c, dict) and isinstance(c.get("id"), str)]
    elif isinstance(ids, list):
        out["case_ids"] = [c for c in ids if isinstance(c, str)]
    out["reduced"] = True
    return out


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)
                          .where(OutboxEvent.acked_at.is_(None))) or 0
