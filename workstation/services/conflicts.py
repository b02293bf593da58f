"""Conflicts between this terminal and the centre, listed for the people whose work
they concern and closed by a person with a note (never silently)."""

from __future__ import annotations

from sqlalchemy import select

from ..domain.errors import DomainError
from ..domain.text import NOTE_MAX, clean_text
from ..store.models import Conflict
from . import audit
from .auth import Actor
from .context import Workstation
from .errors import NotFound
from .results import ConflictJson

SEE_ALL = ("admin", "supervisor")


def _json(c: Conflict) -> ConflictJson:
    return {"id": c.id, "source": c.source, "kind": c.kind, "case_id": c.case_id,
            "user": c.user_login, "message": c.message,
            "created_at": c.created_at.isoformat(timespec="seconds"),
            "resolved_at": c.resolved_at.isoformat(timespec="seconds") if c.resolved_at else None,
            "resolved_by": c.resolved_by, "resolution": c.resolution}


def list_conflicts(ws: Workstation, actor: Actor, *, include_resolved: bool = False) -> list[ConflictJson]:
    q = select(Conflict).order_by(Conflict.id.desc()).limit(500)
    if not include_resolved:
        q = q.where(Conflict.resolved_at.is_(None))
    if actor.role not in SEE_ALL:
        q = q.where(Conflict.user_login == actor.login)
    with ws.reading() as s:
        return [_json(c) for c in s.scalars(q)]


def resolve(ws: Workstation, actor: Actor, conflict_id: int, note: str) -> ConflictJson:
    note = clean_text(note, "处理说明", max_len=NOTE_MAX, field="note")
    with ws.transaction() as s:
        c = s.get(Conflict, conflict_id)
        if c is None or (actor.role not in SEE_ALL and c.user_login != actor.login):
            raise NotFound(f"找不到冲突 {conflict_id}")
        if c.resolved_at is not None:
            raise DomainError("该冲突已处理")
        now = ws.clock.now()
        c.resolved_at, c.resolved_by, c.resolution = now, actor.login, note
        audit.record(s, actor.login, ws.settings(s).terminal, now, "conflict.resolve", str(c.id),
                     {"note": note, "kind": c.kind, "case_id": c.case_id})
        return _json(c)
