"""The output window (统一窗口出件): decided cases handed over or mailed.

A pickup checks the collector against the case, records the handover, moves
the case to 已送达 and issues a sealed 送达回证 — all in one transaction. A
mailing records the waybill and the checked address (the case waits, 待出件,
until the mail is marked delivered). Labels and the day's manifest are read
from what was recorded here.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .sync import outbox

from ..domain.delivery import (
    COLLECTOR_ROLES,
    METHOD_LABELS,
    STATUS_LABELS,
    CaseParties,
    clean_collector_id,
    collector_role,
)
from ..domain.errors import DomainError
from ..domain.mail import MailAddress, format_address, parse_waybill
from ..domain.states import CaseStatus, check_transition
from ..store.models import Acceptance, Case, Delivery, Document
from . import audit
from .auth import Actor, require
from .context import Workstation
from .documents import acceptance_seal, file_ref, sign_in
from .errors import NotFound, PermissionDenied
from .numbers import next_document_no
from .results import Mailed, MarkedDelivered, OutputRowJson, PickedUp
from .seals import SealVault

READY = (CaseStatus.APPROVED.value, CaseStatus.DENIED.value)
DECISION_KINDS = ("准予行政许可决定书", "不予行政许可决定书")
SIGNATURE_MAX = 5 * 1024 * 1024
MAX_READY = 1000


@dataclass(frozen=True)
class OutputRow:
    """One line of the output window's list."""

    case_id: str
    receipt_no: str
    applicant_name: str
    matter_name: str
    status: str                  # approved | denied | awaiting_delivery | delivered
    decided_on: date | None
    method: str | None           # pickup | mail | None (not yet)
    delivery_status: str | None
    waybill: str | None

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label

    @property
    def delivery_label(self) -> str:
        if self.method is None:
            return "待出件"
        assert self.delivery_status is not None     # a delivery row has both, or neither (outer join)
        return f"{METHOD_LABELS[self.method]}·{STATUS_LABELS[self.delivery_status]}"

    def to_json(self) -> OutputRowJson:
        return {"case_id": self.case_id, "receipt_no": self.receipt_no,
                "applicant": self.applicant_name, "matter": self.matter_name,
                "status": self.status, "status_label": self.status_label,
                "decided_on": self.decided_on.isoformat() if self.decided_on else None,
                "method": self.method, "delivery_status": self.delivery_status,
                "waybill": self.waybill}


def output_queue(ws: Workstation, actor: Actor, *, include_mailed: bool = True,
                 limit: int = MAX_READY) -> list[OutputRow]:
    """Decided cases not yet handed over, oldest decision first; with the mailed
    ones still in transit (to be marked delivered)."""
    require(actor, "deliver")
    q = (select(Case.id, Acceptance.receipt_no, Acceptance.applicant_name, Case.matter_name,
                Case.status, Case.decided_on, Delivery.method, Delivery.status, Delivery.waybill)
         .join(Acceptance, Case.acceptance_id == Acceptance.id)
         .outerjoin(Delivery, Delivery.case_id == Case.id))
    wanted = list(READY) + ([CaseStatus.AWAITING_DELIVERY.value] if include_mailed else [])
    q = q.where(Case.status.in_(wanted))
    if not actor.can("view_all"):
        q = q.where(Case.station == actor.station)
    q = q.order_by(Case.decided_on, Acceptance.receipt_no, Case.seq).limit(max(1, min(limit, MAX_READY)))
    with ws.reading() as s:
        return [OutputRow(*r) for r in s.execute(q)]


def _case(s, actor: Actor, case_id: str) -> Case:
    key = (case_id or "").strip().lower() if isinstance(case_id, str) else ""
    case = s.scalar(select(Case).where(Case.id == key).options(
        selectinload(Case.acceptance).selectinload(Acceptance.applicant)))
    if case is None and isinstance(case_id, str) and case_id.strip():
        # A receipt number works too when it names a single case.
        cases = s.scalars(select(Case).join(Acceptance).where(
            Acceptance.receipt_no == case_id.strip().upper())).all()
        if len(cases) > 1:
            raise DomainError(f"受理编号“{case_id.strip()}”下有{len(cases)}个案件，请指定案件号")
        case = cases[0] if cases else None
    if case is None or (not actor.can("view_all") and case.station != actor.station):
        raise NotFound(f"找不到案件“{str(case_id)[:40]}”")
    return case


def _check_ready(s, case: Case) -> None:
    if s.get(Delivery, case.id) is not None:
        raise DomainError("该案件的结果已经出件，不能重复出件")
    if case.status not in READY:
        raise DomainError(f"案件当前为“{CaseStatus(case.status).label}”，尚未作出决定，不能出件")


def _decision_document(s, case: Case) -> Document | None:
    return s.scalar(select(Document).where(Document.case_id == case.id,
                                           Document.kind.in_(DECISION_KINDS))
                    .order_by(Document.id.desc()).limit(1))


def _parties(case: Case) -> CaseParties:
    a = case.acceptance.applicant
    agent = case.acceptance.agent or {}
    return CaseParties(a.id_type, a.id_number, a.legal_rep_id or "", agent.get("id_number") or "")


def _collector_name(case: Case, role: str) -> str:
    a = case.acceptance.applicant
    if role == "applicant":
        return a.name
    if role == "legal_rep":
        return a.legal_rep
    return (case.acceptance.agent or {}).get("name", "")


def _signature_file(ws: Workstation, case_id: str, image: str | Path | None) -> str:
    """Copy a scanned signature into the data folder after checking it is a picture."""
    if image is None:
        return "tick"
    from PIL import Image, UnidentifiedImageError

    from ..shared.files import read_input

    path = Path(image)
    try:
        data = read_input(path, max_bytes=SIGNATURE_MAX, what="签名图片")
    except DomainError as exc:
        raise DomainError(str(exc), "signature") from None
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError(f"{path.name} 不是可识别的图片", "signature") from None
    target = ws.data_dir / "signatures" / f"{case_id}{path.suffix.lower() or '.png'}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return str(target.relative_to(ws.data_dir))


def pickup(ws: Workstation, actor: Actor, case_id: str, collector_id: str, vault: SealVault, *,
           signature_image: str | Path | None = None) -> PickedUp:
    """Hand the result over at the window to the applicant, legal representative
    or agent, and issue the sealed 送达回证."""
    require(actor, "deliver")
    with ws.reading() as s:
        case = _case(s, actor, case_id)
        _check_ready(s, case)
        role = collector_role(collector_id, _parties(case))
        case_key = case.id
    seal = acceptance_seal(ws, actor, vault)
    signature = _signature_file(ws, case_key, signature_image)
    with ws.transaction() as s:
        case = _case(s, actor, case_key)
        _check_ready(s, case)        # again, inside the transaction: another window may have won
        now, settings = ws.clock.now(), ws.settings(s)
        for target in (CaseStatus.AWAITING_DELIVERY, CaseStatus.DELIVERED):
            case.status = check_transition(CaseStatus(case.status), target).value
        case.updated_at = now
        name = _collector_name(case, role)
        decision = _decision_document(s, case)
        number = next_document_no(s, settings, "送达回证", now.year)
        document = sign_in(s, ws, actor, case.acceptance, "送达回证", number, seal, case=case, overrides={
            "served_document": decision.kind if decision else "行政审批结果",
            "served_document_no": decision.number if decision else "—",
            "recipient": f"{name}（{COLLECTOR_ROLES[role]}）",
            "delivery_method": "直接送达（窗口领取）", "delivery_address": settings.pickup_place})
        s.add(Delivery(case_id=case.id, method="pickup", status="handed_over", collector_name=name,
                       collector_id=clean_collector_id(collector_id), collector_role=role,
                       signature=signature, clerk=actor.login, created_at=now, delivered_at=now,
                       document_no=number))
        audit.record(s, actor.login, settings.terminal, now, "case.pickup", case.id,
                     {"role": role, "document": number, "signature": signature != "tick"})
        outbox.append(s, "case.deliver", {"case_id": case.id, "method": "pickup", "role": role,
                                          "document": file_ref(document), "at": now}, user=actor.login,
                      terminal=settings.terminal, at=now)
        return {"case_id": case.id, "status": case.status, "collector": name,
                "collector_role": role, "collector_role_label": COLLECTOR_ROLES[role],
                "document": document}


def mail_recipient(ws: Workstation, actor: Actor, receipt_no: str) -> dict:
    """Pre-fill the mail dialog with what the applicant gave at the counter."""
    from .cases import show

    data = show(ws, actor, receipt_no)
    a, agent = data["applicant"], data.get("agent") or {}
    name = agent.get("name") or (a["legal_rep"] if a["kind"] == "enterprise" else a["name"])
    return {"name": name or "", "phone": agent.get("phone") or a.get("phone") or "",
            "address": a.get("address") or ""}


def mail(ws: Workstation, actor: Actor, case_id: str, waybill: str, address: MailAddress) -> Mailed:
    """Record the result as mailed (free of charge) with its waybill and address."""
    require(actor, "deliver")
    number = parse_waybill(waybill).number
    with ws.transaction() as s:
        case = _case(s, actor, case_id)
        _check_ready(s, case)
        other = s.scalar(select(Delivery.case_id).where(Delivery.waybill == number))
        if other is not None:
            raise DomainError(f"运单号 {number} 已用于案件 {other}，请核对面单", "waybill")
        now, settings = ws.clock.now(), ws.settings(s)
        case.status = check_transition(CaseStatus(case.status), CaseStatus.AWAITING_DELIVERY).value
        case.updated_at = now
        a = address.address
        s.add(Delivery(case_id=case.id, method="mail", status="mailed", recipient_name=address.name,
                       phone=address.phone, province=a.province, city=a.city, district=a.district,
                       adcode=a.adcode, address_detail=a.detail, postcode=address.postcode,
                       waybill=number, mailed_on=now.date(), clerk=actor.login, created_at=now))
        audit.record(s, actor.login, settings.terminal, now, "case.mail", case.id,
                     {"waybill": number, "adcode": a.adcode})
        outbox.append(s, "case.deliver", {"case_id": case.id, "method": "mail", "waybill": number,
                                          "at": now}, user=actor.login, terminal=settings.terminal,
                      at=now)
        return {"case_id": case.id, "status": case.status, "waybill": number,
                "address": format_address(a), "postcode": address.postcode}


def mark_delivered(ws: Workstation, actor: Actor, key: str) -> MarkedDelivered:
    """Mail confirmed delivered (妥投), by case id, receipt number or waybill."""
    require(actor, "deliver")
    with ws.transaction() as s:
        delivery = None
        if isinstance(key, str) and key.strip():
            delivery = s.scalar(select(Delivery).where(Delivery.waybill == key.strip().upper()))
        case = s.get(Case, delivery.case_id) if delivery else _case(s, actor, key)
        assert case is not None                     # a delivery's case_id is a foreign key
        if not actor.can("view_all") and case.station != actor.station:
            raise PermissionDenied("该案件不属于本站点")
        delivery = delivery or s.get(Delivery, case.id)
        if delivery is None or delivery.method != "mail":
            raise DomainError("该案件没有邮寄记录，不能标记妥投")
        if delivery.status == "delivered":
            raise DomainError("该邮件已标记妥投")
        now, settings = ws.clock.now(), ws.settings(s)
        case.status = check_transition(CaseStatus(case.status), CaseStatus.DELIVERED).value
        case.updated_at = now
        delivery.status, delivery.delivered_at = "delivered", now
        audit.record(s, actor.login, settings.terminal, now, "case.delivered", case.id,
                     {"waybill": delivery.waybill})
        outbox.append(s, "case.delivered", {"case_id": case.id, "waybill": delivery.waybill,
                                            "at": now}, user=actor.login,
                      terminal=settings.terminal, at=now)
        return {"case_id": case.id, "status": case.status, "waybill": delivery.waybill}


@dataclass(frozen=True)
class MailRecord:
    """What a label and the manifest print for one mailed case."""

    case_id: str
    receipt_no: str
    waybill: str
    recipient_name: str
    phone: str
    province: str
    city: str
    district: str
    address_detail: str
    postcode: str
    mailed_on: date
    contents: str


def _mail_query():
    return (select(Delivery, Acceptance.receipt_no, Case.matter_name)
            .join(Case, Case.id == Delivery.case_id)
            .join(Acceptance, Acceptance.id == Case.acceptance_id)
            .where(Delivery.method == "mail"))


def _record(d: Delivery, receipt_no: str, matter: str) -> MailRecord:
    assert d.mailed_on is not None                  # _mail_query: mailed deliveries only, dated by mail()
    return MailRecord(d.case_id, receipt_no, d.waybill or "", d.recipient_name, d.phone, d.province,
                      d.city, d.district, d.address_detail, d.postcode, d.mailed_on,
                      f"行政审批结果文书（{matter}）")


def mail_records(ws: Workstation, actor: Actor, case_ids: list[str]) -> list[MailRecord]:
    """The mailed cases named, in the order given (for printing labels)."""
    require(actor, "deliver")
    if not case_ids:
        raise DomainError("请指定要打印面单的案件")
    out = []
    with ws.reading() as s:
        for key in case_ids:
            case = _case(s, actor, key)
            row = s.execute(_mail_query().where(Delivery.case_id == case.id)).first()
            if row is None:
                raise DomainError(f"案件 {case.id} 还没有登记邮寄，不能打印面单")
            out.append(_record(*row))
    return out


def manifest(ws: Workstation, actor: Actor, day: date) -> list[MailRecord]:
    """Everything mailed on `day` from this workstation's view, by waybill."""
    require(actor, "deliver")
    q = _mail_query().where(Delivery.mailed_on == day)
    if not actor.can("view_all"):
        q = q.where(Case.station == actor.station)
    with ws.reading() as s:
        return [_record(*r) for r in s.execute(q.order_by(Delivery.created_at, Delivery.waybill))]
