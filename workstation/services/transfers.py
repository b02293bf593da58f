"""材料流转 (station mode): a community station's paper materials, taken in on the
district's behalf (委托受理), packed on a barcoded 材料流转单, handed over and signed
for at the district centre.

- The station (a station clerk, or any accepting clerk whose station is not the
  centre) packs its cases whose paper has not gone yet (`create`), hands the bundle
  to a courier or colleague (`send`), or voids a slip that has not left (`cancel`).
- The centre (an accepting clerk of the centre) scans the slip and ticks each case's
  bundle (`receive`): all there is 已签收, any missing is 签收有差异 with a note, and
  the missing cases may go on a new slip.
- Each step is one transaction with its audit entry and its outbox event
  (transfer.packed, transfer.sent, transfer.received, transfer.cancelled).
- A station clerk sees only its own station's slips; the centre sees all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .sync import outbox

from ..domain.catalog import MaterialForm
from ..domain.errors import DomainError
from ..domain.states import CaseStatus
from ..domain.text import NOTE_MAX, clean_text
from ..domain.transfer import (
    CENTRE_STATION,
    ELIGIBLE_CASE_STATES,
    LIVE_ITEM_STATES,
    MAX_ITEMS,
    CaseFacts,
    ItemState,
    TransferStatus,
    check_slip_cases,
    check_transition,
    format_slip_no,
    parse_slip_no,
    parse_slip_qr,
    parse_transfer_status,
    receive_outcome,
    slip_qr_payload,
    slip_station,
)
from ..store.models import (Acceptance, Case, CaseMaterial, MaterialTransfer,
                            MaterialTransferItem, User)
from . import audit
from .auth import Actor, require
from .context import Workstation
from .errors import NotFound, PermissionDenied
from .numbers import next_in_counter
from .results import PendingCaseJson, ScannedSlip, TransferDetail, TransferItemJson, TransferRow

KEY_MAX = 60
LIST_MAX = 1000
CARRIER_MAX = 50
DEFAULT_MISSING_NOTE = "签收时未见该案件的材料"


# ---------------------------------------------------------------- who may do what


def _station_side(actor: Actor | None) -> str:
    """The station packing and sending: the actor's own, never the centre."""
    actor = require(actor, "accept")
    if not actor.station or actor.station == CENTRE_STATION:
        raise PermissionDenied("材料流转单由便民服务站打包移交；区政务服务中心的人员只签收")
    return actor.station


def _centre_side(actor: Actor | None) -> Actor:
    actor = require(actor, "accept")
    if actor.station != CENTRE_STATION or not actor.can("view_all"):
        raise PermissionDenied(f"{actor.role_label}“{actor.name}”不能签收材料流转单："
                               "只有区政务服务中心的受理人员签收")
    return actor


def _visible(actor: Actor, station: str) -> bool:
    return actor.can("view_all") or actor.station == station


def _reader(actor: Actor | None) -> Actor:
    if actor is None:
        raise PermissionDenied("请先登录")
    return actor


# ---------------------------------------------------------------- cases and their paper


@dataclass(frozen=True)
class PendingCase:
    """A case of the station whose paper has not been handed over yet (or is on a slip:
    `on_slip`)."""

    case_id: str
    receipt_no: str
    station: str
    status: str
    materials: int
    copies: int
    on_slip: str | None
    matter_name: str
    applicant_name: str
    accepted_on: date | None

    @property
    def facts(self) -> CaseFacts:
        return CaseFacts(self.case_id, self.receipt_no, self.station, self.status, self.materials,
                         self.on_slip)

    def to_json(self) -> PendingCaseJson:
        return {"case_id": self.case_id, "receipt_no": self.receipt_no, "matter": self.matter_name,
                "applicant": self.applicant_name, "status": self.status,
                "status_label": CaseStatus(self.status).label, "materials": self.materials,
                "copies": self.copies,
                "accepted_on": self.accepted_on.isoformat() if self.accepted_on else None}


def _case_query(*, with_paper: bool = False):
    paper = (select(CaseMaterial.case_id.label("case_id"), func.count().label("n"),
                    func.coalesce(func.sum(CaseMaterial.copies), 0).label("copies"))
             .where(CaseMaterial.state == "received",
                    CaseMaterial.form != MaterialForm.ELECTRONIC.value)
             .group_by(CaseMaterial.case_id).subquery())
    live = (select(MaterialTransferItem.case_id.label("case_id"),
                   MaterialTransfer.number.label("number"))
            .join(MaterialTransfer, MaterialTransfer.id == MaterialTransferItem.transfer_id)
            .where(MaterialTransferItem.state.in_(LIVE_ITEM_STATES)).subquery())
    q = (select(Case.id, Acceptance.receipt_no, Case.station, Case.status,
                func.coalesce(paper.c.n, 0), func.coalesce(paper.c.copies, 0), live.c.number,
                Case.matter_name, Acceptance.applicant_name, Case.accepted_on)
         .join(Acceptance, Case.acceptance_id == Acceptance.id)
         .outerjoin(paper, paper.c.case_id == Case.id)
         .outerjoin(live, live.c.case_id == Case.id))
    if with_paper:
        q = q.where(paper.c.n > 0, live.c.number.is_(None))
    return q


def _pending(s: Session, station: str, limit: int | None = None) -> list[PendingCase]:
    q = (_case_query(with_paper=True)
         .where(Case.station == station, Case.status.in_(sorted(ELIGIBLE_CASE_STATES)))
         .order_by(Acceptance.created_at, Acceptance.receipt_no, Case.seq))
    if limit is not None:
        q = q.limit(limit)
    return [PendingCase(*r) for r in s.execute(q)]


def pending_cases(ws: Workstation, actor: Actor, *, limit: int = LIST_MAX) -> list[PendingCase]:
    """The station's cases whose paper is still at the station, oldest first."""
    station = _station_side(actor)
    with ws.reading() as s:
        return _pending(s, station, max(1, min(int(limit), LIST_MAX)))


def _keys(values, what: str = "案件") -> list[str]:
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise DomainError(f"请列出{what}的案件号或受理编号", "cases")
    if len(values) > MAX_ITEMS:
        raise DomainError(f"一次最多列出{MAX_ITEMS}个{what}（收到{len(values)}个）", "cases")
    return [clean_text(v, "案件号或受理编号", max_len=KEY_MAX, field="cases") for v in values]


def _resolve(s: Session, actor: Actor, keys: list[str]) -> list[PendingCase]:
    """Cases by case id or receipt number (all the cases of that acceptance), in order."""
    out: list[PendingCase] = []
    for key in keys:
        rows = [PendingCase(*r) for r in s.execute(
            _case_query().where(Case.id == key.lower()))]
        if not rows:
            rows = [PendingCase(*r) for r in s.execute(
                _case_query().where(Acceptance.receipt_no == key.upper()).order_by(Case.seq))]
        rows = [r for r in rows if _visible(actor, r.station)]
        if not rows:
            raise NotFound(f"找不到案件“{key}”")
        out += rows
    return out


# ---------------------------------------------------------------- slips


def _find(s: Session, actor: Actor, key) -> tuple[MaterialTransfer, tuple[str, ...] | None]:
    """A slip by its number, or by the text of its scanned QR code (whose receipt
    numbers are returned too, to be checked against the record)."""
    if isinstance(key, str) and len(key) > 4000:
        raise DomainError("流转单编号过长", "transfer")
    qr = parse_slip_qr(key)
    number = qr.slip_no if qr else parse_slip_no(key).text
    t = _slip(s, actor, number)
    if t is None:
        raise NotFound(_unknown(actor, number))
    return t, qr.receipts if qr else None


def _slip(s: Session, actor: Actor | None, number: str) -> MaterialTransfer | None:
    """The slip `number` if this terminal holds it and `actor` (None: anyone) may see it."""
    t = s.scalar(select(MaterialTransfer).where(MaterialTransfer.number == number))
    return t if t is not None and (actor is None or _visible(actor, t.station)) else None


def _unknown(actor: Actor | None, number: str) -> str:
    """Why this terminal does not know a slip. At the district the usual reason is a
    station that handed the paper over while offline: its slip comes with its sync."""
    message = f"本机没有材料流转单 {number} 的记录"
    if actor is not None and actor.station == CENTRE_STATION:
        message += ("：服务站的移交记录可能尚未同步到本机。请服务站联网同步，本机再同步一次后即可签收；"
                    "在此之前请按流转单二维码上的受理编号清点并保管纸质材料")
    return message


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _names(s: Session, logins) -> dict[str, str]:
    logins = {x for x in logins if x}
    if not logins:
        return {}
    return dict(s.execute(select(User.login, User.name).where(User.login.in_(logins))).all())


def _detail(s: Session, t: MaterialTransfer) -> TransferDetail:
    rows = s.execute(
        select(MaterialTransferItem, Case.matter_name, Acceptance.applicant_name)
        .join(Case, Case.id == MaterialTransferItem.case_id)
        .join(Acceptance, Acceptance.id == Case.acceptance_id)
        .where(MaterialTransferItem.transfer_id == t.id)
        .order_by(MaterialTransferItem.seq)).all()
    names = _names(s, (t.created_by, t.sent_by, t.received_by))
    items: list[TransferItemJson] = [{"seq": i.seq, "case_id": i.case_id, "receipt_no": i.receipt_no, "matter": matter,
              "applicant": applicant, "materials": i.materials, "copies": i.copies,
              "state": i.state, "state_label": ItemState(i.state).label, "note": i.note}
             for i, matter, applicant in rows]
    status = TransferStatus(t.status)
    return {
        "id": t.id, "number": t.number, "station": t.station, "terminal": t.terminal,
        "status": status.value, "status_label": status.label,
        "created_by": t.created_by, "created_by_name": names.get(t.created_by, t.created_by),
        "created_at": _iso(t.created_at),
        "carrier": t.carrier or None, "sent_by": t.sent_by, "sent_at": _iso(t.sent_at),
        "received_by": t.received_by,
        "received_by_name": names.get(t.received_by, t.received_by) if t.received_by else None,
        "received_at": _iso(t.received_at), "note": t.note or None,
        "qr": slip_qr_payload(t.number, [i["receipt_no"] for i in items]),
        "cases": len(items), "materials": sum(i["materials"] for i in items),
        "copies": sum(i["copies"] for i in items),
        "missing": sum(1 for i in items if i["state"] == ItemState.MISSING.value),
        "items": items,
    }


def _event(t: MaterialTransfer, items: list[MaterialTransferItem], now: datetime, **extra) -> dict:
    return {"transfer_id": t.id, "number": t.number, "station": t.station, "status": t.status,
            "items": [{"case_id": i.case_id, "receipt_no": i.receipt_no, "materials": i.materials,
                       "copies": i.copies, "state": i.state} for i in items],
            "at": now, **extra}


def create(ws: Workstation, actor: Actor, cases: Sequence[str] | None = None, *,
           all_pending: bool = False) -> TransferDetail:
    """Pack the named cases (case ids or receipt numbers), or with `all_pending` the
    station's oldest pending ones (at most MAX_ITEMS), on a new numbered slip."""
    station = _station_side(actor)
    code = slip_station(station)
    if all_pending == bool(cases):
        raise DomainError("请列出要移交的案件，或选择“全部待移交”（二者选一）", "cases")
    keys = [] if all_pending else _keys(cases)
    with ws.transaction() as s:
        settings = ws.settings(s)
        if all_pending:
            chosen = _pending(s, station)
            if not chosen:
                raise DomainError("本站点没有待移交纸质材料的案件", "cases")
            remaining = max(0, len(chosen) - MAX_ITEMS)
            chosen = chosen[:MAX_ITEMS]
        else:
            chosen = _resolve(s, actor, keys)
            remaining = None
        check_slip_cases([c.facts for c in chosen], station)
        now = ws.clock.now()
        seq = next_in_counter(s, f"transfer:{code}:{settings.terminal}:{now:%Y%m%d}")
        number = format_slip_no(code, settings.terminal, now.date(), seq)
        t = MaterialTransfer(id=uuid.uuid4().hex, number=number, station=station,
                             terminal=settings.terminal, status=TransferStatus.PACKED.value,
                             created_by=actor.login, created_at=now, carrier="", note="")
        s.add(t)
        items = [MaterialTransferItem(transfer_id=t.id, seq=k, case_id=c.case_id,
                                      receipt_no=c.receipt_no, materials=c.materials,
                                      copies=c.copies, state=ItemState.PENDING.value, note="")
                 for k, c in enumerate(chosen, start=1)]
        s.add_all(items)
        try:
            s.flush()
        except IntegrityError:
            raise DomainError("有案件的材料刚被列入另一张流转单，请刷新后重试", "cases") from None
        audit.record(s, actor.login, settings.terminal, now, "transfer.create", number,
                     {"cases": [c.case_id for c in chosen]})
        outbox.append(s, "transfer.packed", _event(t, items, now, terminal=t.terminal),
                      user=actor.login, terminal=settings.terminal, at=now)
        out = _detail(s, t)
        if remaining is not None:
            out["remaining"] = remaining
        return out


def _station_slip(s: Session, actor: Actor, station: str, key) -> MaterialTransfer:
    t, _ = _find(s, actor, key)
    if t.station != station:
        raise NotFound(f"本机没有本站点的材料流转单 {t.number}")
    return t


def send(ws: Workstation, actor: Actor, key: str, carrier: str) -> TransferDetail:
    """The bundle left the station with `carrier` (送件人/交接人)."""
    station = _station_side(actor)
    carrier = clean_text(carrier, "送件人（交接人）姓名", max_len=CARRIER_MAX, field="carrier")
    with ws.transaction() as s:
        t = _station_slip(s, actor, station, key)
        t.status = check_transition(TransferStatus(t.status), TransferStatus.SENT).value
        now, settings = ws.clock.now(), ws.settings(s)
        t.carrier, t.sent_by, t.sent_at = carrier, actor.login, now
        audit.record(s, actor.login, settings.terminal, now, "transfer.send", t.number,
                     {"carrier": carrier})
        outbox.append(s, "transfer.sent", _event(t, list(t.items), now, carrier=carrier),
                      user=actor.login, terminal=settings.terminal, at=now)
        return _detail(s, t)


def cancel(ws: Workstation, actor: Actor, key: str, reason: str) -> TransferDetail:
    """Void a slip that has not left the station; its cases may be packed again."""
    station = _station_side(actor)
    reason = clean_text(reason, "作废原因", max_len=NOTE_MAX, field="reason")
    with ws.transaction() as s:
        t = _station_slip(s, actor, station, key)
        t.status = check_transition(TransferStatus(t.status), TransferStatus.CANCELLED).value
        now, settings = ws.clock.now(), ws.settings(s)
        t.note = reason
        for item in t.items:
            item.state = ItemState.CANCELLED.value
        audit.record(s, actor.login, settings.terminal, now, "transfer.cancel", t.number,
                     {"reason": reason})
        outbox.append(s, "transfer.cancelled", _event(t, list(t.items), now, reason=reason),
                      user=actor.login, terminal=settings.terminal, at=now)
        return _detail(s, t)


def receive(ws: Workstation, actor: Actor, key: str, missing: Sequence[str] = (),
            note: str = "") -> TransferDetail:
    """The centre opens the bundle of slip `key` (its number, or its scanned QR text):
    the cases in `missing` (case ids or receipt numbers) were not in it, all the
    others were."""
    _centre_side(actor)
    missing_keys = _keys(missing, "缺失案件") if missing else []
    note = clean_text(note, "签收备注", max_len=NOTE_MAX, required=False, field="note")
    with ws.transaction() as s:
        t, qr_receipts = _find(s, actor, key)
        items = list(t.items)
        if qr_receipts is not None and set(qr_receipts) != {i.receipt_no for i in items}:
            raise DomainError(f"二维码上的受理编号与本机记录的流转单 {t.number} 不一致，请核对纸面流转单")
        gone: list[str] = []
        for k in missing_keys:
            hit = [i.case_id for i in items if i.case_id == k.lower() or i.receipt_no == k.upper()]
            if not hit:
                raise DomainError(f"案件“{k}”不在流转单 {t.number} 上", "missing")
            gone += [c for c in hit if c not in gone]
        status, states = receive_outcome([i.case_id for i in items], gone)
        t.status = check_transition(TransferStatus(t.status), status).value
        now, settings = ws.clock.now(), ws.settings(s)
        for item in items:
            item.state = states[item.case_id].value
            if item.state == ItemState.MISSING.value:
                item.note = note or DEFAULT_MISSING_NOTE
        t.received_by, t.received_at, t.note = actor.login, now, note
        audit.record(s, actor.login, settings.terminal, now, "transfer.receive", t.number,
                     {"status": t.status, "missing": gone, "note": note})
        outbox.append(s, "transfer.received", _event(t, items, now, missing=gone, note=note),
                      user=actor.login, terminal=settings.terminal, at=now)
        return _detail(s, t)


def show(ws: Workstation, actor: Actor, key: str) -> TransferDetail:
    actor = _reader(actor)
    with ws.reading() as s:
        t, _ = _find(s, actor, key)
        return _detail(s, t)


def list_transfers(ws: Workstation, actor: Actor, status: str | None = None, *,
                   limit: int = 100) -> list[TransferRow]:
    """Slips, newest first: the station's own for a station clerk, all for the centre."""
    actor = _reader(actor)
    wanted = parse_transfer_status(status) if status not in (None, "") else None
    counts = (select(MaterialTransferItem.transfer_id.label("tid"), func.count().label("n"),
                     func.sum(MaterialTransferItem.materials).label("materials"),
                     func.sum(case((MaterialTransferItem.state == ItemState.MISSING.value, 1), else_=0))
                     .label("missing"))
              .group_by(MaterialTransferItem.transfer_id).subquery())
    q = (select(MaterialTransfer, counts.c.n, counts.c.materials, counts.c.missing)
         .outerjoin(counts, counts.c.tid == MaterialTransfer.id))
    if not actor.can("view_all"):
        q = q.where(MaterialTransfer.station == actor.station)
    if wanted is not None:
        q = q.where(MaterialTransfer.status == wanted.value)
    q = q.order_by(MaterialTransfer.created_at.desc(), MaterialTransfer.number.desc())
    q = q.limit(max(1, min(int(limit), LIST_MAX)))
    with ws.reading() as s:
        out: list[TransferRow] = []
        for t, n, materials, gone in s.execute(q):
            st = TransferStatus(t.status)
            out.append({"number": t.number, "station": t.station, "status": st.value,
                        "status_label": st.label, "created_at": _iso(t.created_at),
                        "created_by": t.created_by, "carrier": t.carrier or None,
                        "sent_at": _iso(t.sent_at), "received_at": _iso(t.received_at),
                        "cases": n or 0, "materials": materials or 0, "missing": gone or 0})
        return out


def scanned(s: Session, actor: Actor | None, text: str) -> ScannedSlip:
    """What a scanned slip barcode or QR code says, for services.scanning: the slip as
    this terminal knows it (if it may see it), and the QR's receipt numbers in any case."""
    try:
        qr = parse_slip_qr(text)
        number = qr.slip_no if qr else parse_slip_no(text).text
    except DomainError as exc:
        return {"transfer_no": None, "known": False, "receipts": [], "message": str(exc)}
    out: ScannedSlip = {"transfer_no": number, "known": False, "receipts": list(qr.receipts) if qr else []}
    t = _slip(s, actor, number)
    if t is None:
        out["message"] = _unknown(actor, number)
        return out
    status = TransferStatus(t.status)
    out.update({"known": True, "station": t.station, "status": status.value,
                "status_label": status.label, "cases": len(t.items)})
    if not qr:
        out["receipts"] = list(dict.fromkeys(i.receipt_no for i in t.items))
    return out
