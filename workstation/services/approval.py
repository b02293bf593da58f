"""后台审批: the approver's queue, decisions one by one, and bulk decisions as a
resumable job.

A decision is one transaction: the case's new state, its numbered decision
document (filled, stamped with the category's seal, signed and written), the
audit entry, the outbox event and, in a job, the item's "done" mark. A crash or
a cancel therefore leaves every case either decided with its document or
untouched, and resuming the job decides exactly the rest; a case already
decided cannot be decided again (the state machine refuses it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forms.stamp import SealForSigning
from .sync import outbox

from ..domain.errors import DomainError
from ..domain.states import CaseStatus, check_transition
from ..domain.text import NOTE_MAX, clean_text
from ..store.models import ApprovalJob, ApprovalJobItem, Case
from . import audit
from .auth import Actor, require
from .cases import CaseRow, case_row_query, visible_to
from .context import Workstation
from .documents import file_ref, sign_in
from .errors import NotFound, PermissionDenied
from .numbers import next_document_no
from .results import Decided, JobSummary
from .seals import SealVault, for_signing, usable_seal_id

DECIDABLE = (CaseStatus.ACCEPTED.value, CaseStatus.REVIEWING.value)
KINDS = {"approve": "准予行政许可决定书", "deny": "不予行政许可决定书"}
MAX_JOB = 5000


def queue(ws: Workstation, actor: Actor, category: str | None = None, *, limit: int = 1000) -> list[CaseRow]:
    """Cases waiting for a decision in the approver's categories, most urgent first."""
    require(actor, "approve")
    categories = sorted(actor.categories if category is None else {category} & actor.categories)
    q = (visible_to(case_row_query(), actor)
         .where(Case.status.in_(DECIDABLE), Case.category.in_(categories))
         .order_by(Case.due_date, Case.id).limit(max(1, min(limit, MAX_JOB))))
    with ws.reading() as s:
        return [CaseRow(*r) for r in s.execute(q)]


def _seal_for(ws: Workstation, actor: Actor, vault: SealVault, category: str) -> SealForSigning:
    with ws.reading() as s:
        seal_id = usable_seal_id(s, category)
    if seal_id is None:
        raise DomainError(f"本机没有有效的“{category}”印章（其他终端的印章只能用于验证），请管理员创建")
    unlocked = vault.get(seal_id) or vault.unlock(ws, actor, seal_id)
    return for_signing(ws, unlocked)


def _decide_in(s, ws: Workstation, actor: Actor, case_id: str, decision: str, reason: str | None,
               seal: SealForSigning) -> Decided:
    case = s.scalar(select(Case).where(Case.id == case_id).options(
        selectinload(Case.materials), selectinload(Case.acceptance)))
    if case is None:
        raise NotFound(f"找不到案件“{case_id[:40]}”")
    if case.category not in actor.categories:
        raise PermissionDenied(f"案件属于“{case.category}”，不在审批员“{actor.name}”的审批范围内")
    target = CaseStatus.APPROVED if decision == "approve" else CaseStatus.DENIED
    if case.status == CaseStatus.TOLERATED.value:
        raise DomainError("容缺材料尚未补齐，不能作出决定")
    if case.decided_on is not None:
        raise DomainError(f"该案件已于{case.decided_on}作出决定（{CaseStatus(case.status).label}），不能重复审批")
    case.status = check_transition(CaseStatus(case.status), target).value
    today, now = ws.clock.today(), ws.clock.now()
    case.decided_on, case.updated_at = today, now
    kind = KINDS[decision]
    settings = ws.settings(s)
    number = next_document_no(s, settings, kind, today.year)
    overrides = {"refusal_reason": reason} if decision == "deny" else {}
    if decision == "deny":
        overrides["legal_basis"] = "；".join(
            m for m in [_basis(s, ws, case)] if m) or "《中华人民共和国行政许可法》第三十八条"
    document = sign_in(s, ws, actor, case.acceptance, kind, number, seal, case=case, overrides=overrides)
    audit.record(s, actor.login, settings.terminal, now, f"case.{decision}", case.id,
                 {"document": number, "reason": reason})
    outbox.append(s, f"case.{decision}", {"case_id": case.id, "status": case.status,
                                         "decided_on": today, "reason": reason, "document": file_ref(document)},
                  user=actor.login, terminal=settings.terminal, at=now)
    return {"case_id": case.id, "status": case.status, "document": document}


def _basis(s, ws, case: Case) -> str:
    from . import catalog as catalog_service

    catalog = catalog_service.version(s, case.catalog_version_id, str(ws.data_dir))
    return catalog.matter(case.matter_code).basis


def _reason(decision: str, reason: str | None) -> str | None:
    if decision == "deny":
        return clean_text(reason, "不予许可的理由", max_len=NOTE_MAX, field="reason")
    if decision != "approve":
        raise DomainError("决定只能是准予或不予许可")
    return None


def decide(ws: Workstation, actor: Actor, case_id: str, decision: str, vault: SealVault,
           reason: str | None = None) -> Decided:
    """准予 or 不予许可 for one case, with its sealed decision document."""
    require(actor, "approve")
    reason = _reason(decision, reason)
    with ws.reading() as s:
        case = s.get(Case, (case_id or "").strip().lower())
        if case is None:
            raise NotFound(f"找不到案件“{str(case_id)[:40]}”")
        category = case.category
    seal = _seal_for(ws, actor, vault, category)
    with ws.transaction() as s:
        return _decide_in(s, ws, actor, case.id, decision, reason, seal)


def create_job(ws: Workstation, actor: Actor, case_ids: list[str], decision: str,
               reason: str | None = None) -> str:
    """Store a bulk decision before it runs. Every case must exist; whether each may
    be decided is checked case by case when the job runs."""
    require(actor, "approve")
    reason = _reason(decision, reason)
    ids = list(dict.fromkeys((c or "").strip().lower() for c in case_ids))
    if not ids:
        raise DomainError("没有选中任何案件")
    if len(ids) > MAX_JOB:
        raise DomainError(f"一次最多批量处理{MAX_JOB}件")
    with ws.transaction() as s:
        known = set(s.scalars(select(Case.id).where(Case.id.in_(ids))))
        missing = [c for c in ids if c not in known]
        if missing:
            raise NotFound(f"找不到案件：{'、'.join(m[:32] for m in missing[:5])}")
        job = ApprovalJob(id=uuid.uuid4().hex, user_login=actor.login, decision=decision,
                          reason=reason, status="open", created_at=ws.clock.now())
        s.add(job)
        s.flush()
        s.add_all(ApprovalJobItem(job_id=job.id, case_id=c, state="pending", message="") for c in ids)
        audit.record(s, actor.login, ws.settings(s).terminal, ws.clock.now(), "job.create", job.id,
                     {"decision": decision, "cases": len(ids)})
        return job.id


Progress = Callable[[int, int], None]


def run_job(ws: Workstation, actor: Actor, job_id: str, vault: SealVault, *,
            progress: Progress | None = None, cancelled: Callable[[], bool] = lambda: False) -> JobSummary:
    """Decide every pending item, one transaction each; failures are recorded and
    the rest go on. Safe to call again after a crash or a cancel."""
    require(actor, "approve")
    with ws.reading() as s:
        job = s.get(ApprovalJob, job_id)
        if job is None:
            raise NotFound(f"找不到批量任务“{str(job_id)[:40]}”")
        if job.user_login != actor.login:
            raise PermissionDenied("只能继续自己发起的批量任务")
        items = s.execute(select(ApprovalJobItem.id, ApprovalJobItem.case_id, Case.category)
                          .join(Case, Case.id == ApprovalJobItem.case_id)
                          .where(ApprovalJobItem.job_id == job_id, ApprovalJobItem.state == "pending")
                          .order_by(ApprovalJobItem.id)).all()
        total = s.query(ApprovalJobItem).filter_by(job_id=job_id).count()
        decision, reason = job.decision, job.reason
    done_before = total - len(items)
    seals: dict[str, SealForSigning] = {}
    for n, (item_id, case_id, category) in enumerate(items, start=1):
        if cancelled():
            break
        try:
            if category not in seals:
                seals[category] = _seal_for(ws, actor, vault, category)
            with ws.transaction() as s:
                out = _decide_in(s, ws, actor, case_id, decision, reason, seals[category])
                item = s.get(ApprovalJobItem, item_id)
                assert item is not None             # the job's items are never deleted
                item.state, item.document_no = "done", out["document"]["number"]
        except DomainError as exc:
            with ws.transaction() as s:
                item = s.get(ApprovalJobItem, item_id)
                assert item is not None
                item.state, item.message = "failed", str(exc)[:500]
        if progress:
            progress(done_before + n, total)
    return job_summary(ws, job_id, finish=True)


def job_summary(ws: Workstation, job_id: str, *, finish: bool = False) -> JobSummary:
    with ws.transaction() as s:
        job = s.get(ApprovalJob, job_id)
        if job is None:
            raise NotFound(f"找不到批量任务“{str(job_id)[:40]}”")
        items = s.scalars(select(ApprovalJobItem).where(ApprovalJobItem.job_id == job_id)
                          .order_by(ApprovalJobItem.id)).all()
        pending = [i for i in items if i.state == "pending"]
        if finish and not pending and job.status == "open":
            job.status = "done"
        return {"job_id": job_id, "decision": job.decision, "status": job.status,
                "total": len(items), "done": sum(i.state == "done" for i in items),
                "pending": len(pending),
                "failed": [{"case_id": i.case_id, "message": i.message} for i in items if i.state == "failed"],
                "documents": [i.document_no for i in items if i.state == "done"]}
