"""Moving a case along and stopping or lengthening its clock: start of review,
suspension (听证、检验、检测、鉴定、专家评审 — 行政许可法 art. 45), resumption and
extension (art. 42). Each is one transaction with its audit entry and outbox event,
and the case's due dates are recomputed in it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .sync import outbox

from ..domain.errors import DomainError
from ..domain.states import OPEN, CaseStatus, check_transition
from ..domain.text import clean_text
from ..store.models import Case, Suspension
from . import audit, calendar as calendar_service
from .auth import Actor, require
from .context import Workstation
from .deadlines import refresh_due_dates
from .errors import NotFound
from .results import ClockResult

MAX_EXTENSION_DAYS = 15   # art. 42: 10 for one organ, 15 for joint handling


def _case(s, actor: Actor, case_id: str) -> Case:
    key = (case_id or "").strip().lower()
    case = s.scalar(select(Case).where(Case.id == key).options(selectinload(Case.suspensions)))
    if case is None or (not actor.can("view_all") and case.station != actor.station):
        raise NotFound(f"找不到案件“{key[:40]}”")
    return case


def _finish(ws, s, actor, case: Case, action: str, detail: dict) -> ClockResult:
    settings = ws.settings(s)
    now = ws.clock.now()
    case.updated_at = now
    s.flush()
    refresh_due_dates(calendar_service.load(s), [case], now)
    audit.record(s, actor.login, settings.terminal, now, action, case.id, detail)
    outbox.append(s, action, {"case_id": case.id, "status": case.status, **detail,
                              "due_date": case.due_date, "statutory_due_date": case.statutory_due_date},
                  user=actor.login, terminal=settings.terminal, at=now)
    return {"case_id": case.id, "status": case.status, "status_label": CaseStatus(case.status).label,
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "statutory_due_date": case.statutory_due_date.isoformat() if case.statutory_due_date else None,
            "provisional": case.provisional, "extension_days": case.extension_days}


def start_review(ws: Workstation, actor: Actor, case_id: str) -> ClockResult:
    require(actor, "approve")
    with ws.transaction() as s:
        case = _case(s, actor, case_id)
        case.status = check_transition(CaseStatus(case.status), CaseStatus.REVIEWING).value
        return _finish(ws, s, actor, case, "case.review", {})


def suspend(ws: Workstation, actor: Actor, case_id: str, reason: str) -> ClockResult:
    """Stop the clock from today until `resume`."""
    require(actor, "suspend")
    reason = clean_text(reason, "中止计时的原因", max_len=200, field="reason")
    with ws.transaction() as s:
        case = _case(s, actor, case_id)
        case.status = check_transition(CaseStatus(case.status), CaseStatus.SUSPENDED).value
        today = ws.clock.today()
        s.add(Suspension(case_id=case.id, start=today, end=None, reason=reason))
        s.flush()
        s.refresh(case, ["suspensions"])
        return _finish(ws, s, actor, case, "case.suspend", {"reason": reason, "from": today})


def resume(ws: Workstation, actor: Actor, case_id: str) -> ClockResult:
    """Restart the clock: the days from the suspension up to yesterday are not counted."""
    require(actor, "suspend")
    with ws.transaction() as s:
        case = _case(s, actor, case_id)
        case.status = check_transition(CaseStatus(case.status), CaseStatus.REVIEWING).value
        today = ws.clock.today()
        open_stop = next(x for x in case.suspensions if x.end is None)
        open_stop.end = today - timedelta(days=1)
        s.flush()
        return _finish(ws, s, actor, case, "case.resume",
                       {"from": open_stop.start, "to": open_stop.end})


def extend(ws: Workstation, actor: Actor, case_id: str, days: int, reason: str) -> ClockResult:
    """Lengthen the statutory limit (the applicant must be told the reason)."""
    require(actor, "extend")
    reason = clean_text(reason, "延期理由", max_len=200, field="reason")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise DomainError(f"延长天数应为1至{MAX_EXTENSION_DAYS}个工作日", "days")
    with ws.transaction() as s:
        case = _case(s, actor, case_id)
        if CaseStatus(case.status) not in OPEN:
            raise DomainError(f"案件当前为“{CaseStatus(case.status).label}”，不能延长时限")
        if case.extension_days + days > MAX_EXTENSION_DAYS:
            raise DomainError(f"累计延长不能超过{MAX_EXTENSION_DAYS}个工作日（已延长{case.extension_days}日）",
                              "days")
        case.extension_days += days
        return _finish(ws, s, actor, case, "case.extend", {"days": days, "reason": reason})
