"""The outbox: domain events written in the same transaction as the change they
describe, and removed only when the centre acknowledges them.

Each event has a UUID, a per-terminal sequence and a hash of its canonical
content, so the centre can apply it exactly once however often it arrives.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workstation.store.models import OutboxEvent


def canonical(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def append(session: Session, kind: str, payload: dict, *, user: str, terminal: str,
           at: datetime) -> OutboxEvent:
    body = canonical(payload)
    seq = (session.scalar(select(func.max(OutboxEvent.seq))) or 0) + 1
    event = OutboxEvent(id=str(uuid.uuid4()), seq=seq, kind=kind, payload=body,
                        content_hash=hashlib.sha256(f"{kind}\n{body}".encode()).hexdigest(),
                        user_login=user, terminal=terminal, created_at=at)
    session.add(event)
    return event


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent)
                          .where(OutboxEvent.acked_at.is_(None))) or 0
