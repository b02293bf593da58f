"""Finding cases again: by receipt number, case id, document number, ID number,
credit code or (2+ characters of) the applicant's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..domain.identity import looks_like_credit_code, looks_like_id_number
from ..domain.intake import STATE_LABELS
from ..domain.numbering import looks_like_receipt_number
from ..domain.states import CaseStatus, parse_status
from ..domain.text import clean_text
from ..store.models import Acceptance, Applicant, Case, Delivery, Document
from .auth import Actor
from .context import Workstation
from .errors import NotFound
from .results import AcceptanceDetail, ApplicantRecord, CaseRowJson, DeliveryJson
from .search_index import applicant_ids_by_name, normalise

MAX_LIMIT = 1000


@dataclass(frozen=True)
class CaseRow:
    """One line of a case list."""

    id: str
    receipt_no: str
    applicant_name: str
    applicant_number: str
    matter_name: str
    category: str
    status: str
    received_on: date
    due_date: date | None
    provisional: bool
    clerk: str
    station: str          # where it was accepted: `district` (the hall) or a station's code

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label

    def to_json(self) -> CaseRowJson:
        return {"id": self.id, "receipt_no": self.receipt_no, "applicant": self.applicant_name,
                "applicant_number": self.applicant_number, "matter": self.matter_name,
                "category": self.category, "status": self.status, "status_label": self.status_label,
                "received_on": self.received_on.isoformat(),
                "due_date": self.due_date.isoformat() if self.due_date else None,
                "provisional": self.provisional, "clerk": self.clerk, "station": self.station}


def case_row_query():
    # The applicant as the acceptance recorded them, not as they are called today.
    return (select(Case.id, Acceptance.receipt_no, Acceptance.applicant_name,
                   Acceptance.applicant_id_number, Case.matter_name, Case.category, Case.status,
                   Acceptance.received_on, Case.due_date, Case.provisional, Acceptance.clerk,
                   Acceptance.station)
            .join(Acceptance, Case.acceptance_id == Acceptance.id))


def visible_to(query, actor: Actor):
    if actor.can("view_all"):
        return query
    return query.where(Case.station == actor.station)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def list_cases(ws: Workstation, actor: Actor, status: str | None = None, *, limit: int = 100,
               offset: int = 0) -> list[CaseRow]:
    q = visible_to(case_row_query(), actor)
    if status:
        q = q.where(Case.status == parse_status(status).value)
    q = q.order_by(Acceptance.created_at.desc(), Case.seq).limit(_limit(limit)).offset(max(0, offset))
    with ws.reading() as s:
        return [CaseRow(*r) for r in s.execute(q)]


def count_cases(ws: Workstation, actor: Actor, status: str | None = None) -> int:
    q = select(func.count()).select_from(Case)
    if not actor.can("view_all"):
        q = q.where(Case.station == actor.station)
    if status:
        q = q.where(Case.status == parse_status(status).value)
    with ws.reading() as s:
        return s.scalar(q) or 0


def search(ws: Workstation, actor: Actor, text: str, *, status: str | None = None,
           limit: int = 100) -> list[CaseRow]:
    """Exact numbers go straight to their index; anything else is a name search.
    The newest `limit` cases come back (see bench/ for what a larger limit costs)."""
    query = clean_text(text, "查询内容", max_len=60, field="query")
    up = query.upper()
    base = visible_to(case_row_query(), actor)
    if status:
        base = base.where(Case.status == parse_status(status).value)
    with ws.reading() as s:
        if looks_like_id_number(up) or looks_like_credit_code(up):
            ids = s.scalars(select(Applicant.id).where(Applicant.id_number == up)).all()
            q = base.where(Case.applicant_id.in_(ids))
        elif looks_like_receipt_number(up):
            q = base.where(Acceptance.receipt_no == up)
        elif len(up) == 32 and all(c in "0123456789ABCDEF" for c in up):
            q = base.where(Case.id == query.lower())
        elif "〔" in query or "号" in query:
            acc = s.scalars(select(Document.acceptance_id).where(Document.number == query)).all()
            q = base.where(Case.acceptance_id.in_(acc))
        elif len(normalise(query)) >= 2:
            ids = applicant_ids_by_name(s, query, limit=_limit(limit))
            q = base.where(Case.applicant_id.in_(ids))
        else:
            # One character: names that start with it (an index range, not a scan),
            # today's or as an acceptance recorded it.
            ids = list(s.scalars(select(Applicant.id).where(Applicant.name >= query,
                                                            Applicant.name < query + "\U0010ffff")
                                 .order_by(Applicant.id.desc()).limit(_limit(limit))))
            ids += s.scalars(select(Acceptance.applicant_id).distinct()
                             .where(Acceptance.applicant_name >= query,
                                    Acceptance.applicant_name < query + "\U0010ffff")
                             .limit(_limit(limit))).all()
            q = base.where(Case.applicant_id.in_(ids))
        q = q.order_by(Acceptance.created_at.desc(), Case.seq).limit(_limit(limit))
        return [CaseRow(*r) for r in s.execute(q)]


def _find_acceptance(s: Session, key: str) -> Acceptance | None:
    opts = (selectinload(Acceptance.cases).selectinload(Case.materials),
            selectinload(Acceptance.cases).selectinload(Case.suspensions))
    acc = s.scalar(select(Acceptance).where(Acceptance.receipt_no == key).options(*opts))
    if acc is None:
        acc_id = s.scalar(select(Case.acceptance_id).where(Case.id == key.lower()))
        if acc_id is None:
            acc_id = s.scalar(select(Document.acceptance_id).where(Document.number == key))
        if acc_id is not None:
            acc = s.scalar(select(Acceptance).where(Acceptance.id == acc_id).options(*opts))
    return acc


def recorded_applicant(acc: Acceptance) -> ApplicantRecord:
    """The applicant as this acceptance recorded them (a later visit never changes it)."""
    return {"kind": acc.applicant_kind, "name": acc.applicant_name, "id_type": acc.applicant_id_type,
            "id_number": acc.applicant_id_number, "legal_rep": acc.applicant_legal_rep,
            "phone": acc.applicant_phone, "address": acc.applicant_address}


def _delivery(d: Delivery | None) -> DeliveryJson | None:
    if d is None:
        return None
    return {"method": d.method, "status": d.status, "waybill": d.waybill,
            "collector": d.collector_name or None, "collector_role": d.collector_role or None,
            "document_no": d.document_no,
            "delivered_at": d.delivered_at.isoformat(timespec="minutes") if d.delivered_at else None}


def show(ws: Workstation, actor: Actor, key: str) -> AcceptanceDetail:
    """Everything about one acceptance and its cases, by receipt no, case id or 文号."""
    key = clean_text(key, "受理编号或案件号", max_len=60, field="key")
    with ws.reading() as s:
        acc = _find_acceptance(s, key)
        if acc is None or (not actor.can("view_all") and acc.station != actor.station):
            raise NotFound(f"找不到编号为“{key}”的案件")
        docs = s.scalars(select(Document).where(Document.acceptance_id == acc.id)
                         .order_by(Document.id)).all()
        deliveries = {d.case_id: d for d in s.scalars(
            select(Delivery).where(Delivery.case_id.in_([c.id for c in acc.cases])))}
        return {
            "receipt_no": acc.receipt_no, "acceptance_id": acc.id, "outcome": acc.outcome,
            "received_on": acc.received_on.isoformat(), "clerk": acc.clerk,
            "created_at": acc.created_at.isoformat(timespec="minutes"),
            "terminal": acc.terminal, "station": acc.station,
            "bundle": {"code": acc.bundle_code, "name": acc.bundle_name} if acc.bundle_code else None,
            "applicant": recorded_applicant(acc),
            "agent": acc.agent, "notice": acc.notice,
            "documents": [{"kind": d.kind, "number": d.number, "case_id": d.case_id,
                           "issued_on": d.issued_on.isoformat(),
                           # numbered at the commit, its file made after: False until made
                           "issued": d.path is not None} for d in docs],
            "cases": [{
                "id": c.id, "matter_code": c.matter_code, "matter_name": c.matter_name,
                "category": c.category, "kind": c.matter_kind, "status": c.status,
                "status_label": CaseStatus(c.status).label,
                "catalog_version_id": c.catalog_version_id,
                "accepted_on": c.accepted_on.isoformat() if c.accepted_on else None,
                "promised_days": c.promised_days, "statutory_days": c.statutory_days,
                "extension_days": c.extension_days,
                "due_date": c.due_date.isoformat() if c.due_date else None,
                "statutory_due_date": c.statutory_due_date.isoformat() if c.statutory_due_date else None,
                "provisional": c.provisional,
                "suspensions": [{"start": x.start.isoformat(),
                                 "end": x.end.isoformat() if x.end else None, "reason": x.reason}
                                for x in c.suspensions],
                "materials": [{"code": m.code, "name": m.name, "form": m.form, "copies": m.copies,
                               "required": m.required, "state": m.state,
                               "state_label": STATE_LABELS[m.state],
                               "promise_date": m.promise_date.isoformat() if m.promise_date else None,
                               "note": m.note} for m in c.materials],
                "delivery": _delivery(deliveries.get(c.id)),
            } for c in acc.cases],
        }

