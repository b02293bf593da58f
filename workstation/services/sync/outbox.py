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


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)
                          .where(OutboxEvent.acked_at.is_(None))) or 0
