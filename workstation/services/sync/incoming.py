"""What a pull brings that this terminal did not have: cases accepted on other
terminals (a station's 委托受理 reaching the district's back office), holiday
calendars and users published by the centre.

Each function runs inside the pull's transaction and raises ``Unusable`` with a
plain-language reason when the centre's data cannot be taken as it is; the pull
then keeps the change as a conflict for a person instead of guessing.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sync import protocol
from workstation.domain.applicants import parse_applicant
from workstation.domain.errors import DomainError
from workstation.domain.states import CaseStatus
from workstation.domain.workdays import parse_schedule, schedule_to_json
from workstation.services import audit
from workstation.services import calendar as calendar_service
from workstation.services import catalog as catalog_service
from workstation.services.applicants import find_for_pulled
from workstation.services.auth import ROLES
from workstation.store.models import (Acceptance, Case, CaseMaterial, CatalogVersion, Document,
                                      HolidayYear, Seal, User)

CENTRE = "(中心)"
# A user created from the centre has no password here until an admin sets one
# (`workstation user password`): no scrypt string ever equals this.
NO_PASSWORD = "!"
MATERIAL_STATES = {"received", "missing", "promised", "defective", "absent"}


class Unusable(Exception):
    """The centre's data cannot be taken; the message says why, for a person."""


def parse_day(value, what: str = "日期") -> date | None:
    try:
        return protocol.parse_day(value if value is None else str(value))
    except ValueError:
        raise Unusable(f"中心发来的{what}“{str(value)[:20]}”不是有效日期") from None



def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the centre's change, or an empty one if it sent anything else."""
    return value if isinstance(value, dict) else {}


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _catalog_for(s, ws, label: str | None):
    """The local catalog version the case was accepted under (by label), else the newest."""
    version_id = None
    if label:
        version_id = s.scalar(select(CatalogVersion.id).where(CatalogVersion.label == label)
                              .order_by(CatalogVersion.id.desc()).limit(1))
    if version_id is None:
        try:
            return catalog_service.current(s, str(ws.data_dir))
        except Exception:
            raise Unusable("本机尚未导入事项目录，无法接收其他终端受理的案件") from None
    return version_id, catalog_service.version(s, version_id, str(ws.data_dir))


def import_acceptance(ws, s, change: dict) -> int:
    """Create locally the acceptance (applicant, cases, materials, document numbers)
    that another terminal registered, as the centre relays it with its first case
    change. Returns the number of cases created."""
    case_data = _object(change.get("data"))
    origin = _object(change.get("origin"))
    payload = case_data.get("acceptance")
    if not isinstance(payload, dict):
        raise Unusable("中心的案件变更缺少受理记录")
    acc_id = _text(payload.get("acceptance_id"), 32)
    receipt = _text(payload.get("receipt_no"), 40)
    station = _text(payload.get("station"), 20)
    if not acc_id or not receipt or not station:
        raise Unusable("中心发来的受理记录缺少编号或站点")
    if s.get(Acceptance, acc_id) is not None:
        return 0                            # already here (an earlier page, or our own)
    if s.scalar(select(Acceptance.id).where(Acceptance.receipt_no == receipt)):
        raise Unusable(f"受理编号 {receipt} 在本机已被另一条受理记录使用")
    now = ws.clock.now()
    received_on = parse_day(payload.get("received_on")) or now.date()
    try:
        applicant_in = parse_applicant(payload.get("applicant"), received_on)
    except DomainError as exc:
        raise Unusable(f"受理 {receipt} 的申请人信息无效：{exc}") from None
    version_id, catalog = _catalog_for(s, ws, _text(payload.get("catalog_version"), 40))
    items = payload.get("cases")
    if not isinstance(items, list) or not items:
        raise Unusable(f"受理 {receipt} 中没有案件")
    planned = []
    for seq, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not _text(item.get("id"), 32):
            raise Unusable(f"受理 {receipt} 的案件信息不完整")
        try:
            matter = catalog.matter(_text(item.get("matter_code"), 40))
        except DomainError:
            raise Unusable(f"本机事项目录中没有事项 {_text(item.get('matter_code'), 40)}"
                           f"（{_text(item.get('matter_name'), 100)}），请先同步或导入事项目录") from None
        planned.append((seq, item, matter))
    applicant = find_for_pulled(s, applicant_in, now)
    record = applicant.record
    bundle_code = _text(payload.get("bundle"), 40) or None
    bundle_name = None
    if bundle_code:
        try:
            bundle_name = catalog.bundle(bundle_code).name
        except DomainError:
            bundle_name = None
    agent = payload.get("applicant", {}).get("agent") if isinstance(payload.get("applicant"), dict) else None
    s.add(Acceptance(id=acc_id, receipt_no=receipt, outcome=_text(payload.get("outcome"), 20) or "accepted",
                     applicant_id=applicant.id, applicant_kind=record.kind, applicant_name=record.name,
                     applicant_id_type=record.id_type, applicant_id_number=record.id_number,
                     applicant_legal_rep=record.legal_rep, applicant_legal_rep_id=record.legal_rep_id,
                     applicant_phone=record.phone, applicant_address=record.address,
                     agent=agent if isinstance(agent, dict) else None,
                     bundle_code=bundle_code, bundle_name=bundle_name, station=station,
                     terminal=_text(payload.get("terminal"), 3) or "?",
                     clerk=_text(payload.get("clerk"), 64) or "?", received_on=received_on,
                     created_at=_moment(origin.get("at")) or now,
                     notice=payload.get("notice") if isinstance(payload.get("notice"), dict) else None))
    s.flush()
    materials = _object(payload.get("materials"))
    for seq, item, matter in planned:
        case_id = item["id"].strip().lower()[:32]
        # The status at acceptance: the pull then walks the case to the status the
        # centre holds, as for any case change.
        status = _status(item)
        accepted = bool(item.get("due_date"))
        s.add(Case(id=case_id, acceptance_id=acc_id, seq=seq, applicant_id=applicant.id,
                   catalog_version_id=version_id, matter_code=matter.code, matter_name=matter.name,
                   category=matter.category.value, matter_kind=matter.kind.value, status=status,
                   station=station, accepted_on=received_on if accepted else None,
                   statutory_days=matter.statutory_days, promised_days=matter.promised_days,
                   extension_days=0, due_date=parse_day(item.get("due_date")),
                   statutory_due_date=parse_day(item.get("statutory_due_date")),
                   provisional=bool(item.get("provisional")), decided_on=None, updated_at=now))
        for line in materials.get(item["id"]) or materials.get(case_id) or []:
            if not isinstance(line, dict):
                continue
            try:
                material = matter.material(_text(line.get("code"), 40))
            except DomainError:
                continue                     # a material the local catalog does not know
            state = line.get("state") if line.get("state") in MATERIAL_STATES else "received"
            s.add(CaseMaterial(case_id=case_id, code=material.code, name=material.name,
                               form=material.form.value, copies=material.copies,
                               required=material.required, state=state,
                               promise_date=parse_day(line.get("promise_date")),
                               note=_text(line.get("note"), 500)))
    s.flush()
    numbers = [_text(d.get("number"), 60) for d in payload.get("documents") or [] if isinstance(d, dict)]
    known_numbers = set(s.scalars(select(Document.number).where(Document.number.in_(numbers))))
    for doc in payload.get("documents") or []:
        number = _text(doc.get("number"), 60) if isinstance(doc, dict) else ""
        if not number or number in known_numbers:
            continue
        case_id = _text(doc.get("case_id"), 32).lower() or None
        s.add(Document(acceptance_id=acc_id, case_id=case_id if s.get(Case, case_id or "") else None,
                       kind=_text(doc.get("kind"), 20) or "文书", number=number,
                       issued_on=received_on))
        known_numbers.add(number)
    audit.record(s, CENTRE, ws.settings(s).terminal, now, "sync.case_imported", receipt,
                 {"station": station, "terminal": payload.get("terminal"),
                  "cases": [item["id"] for _, item, _ in planned],
                  "origin": {k: origin.get(k) for k in ("terminal", "station", "user", "at")}})
    return len(planned)


def _status(data: dict) -> str:
    try:
        return CaseStatus(str(data.get("status"))).value      # not a status (or none): ValueError
    except ValueError:
        raise Unusable(f"未知的案件状态“{str(data.get('status'))[:20]}”") from None


def _moment(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def apply_calendar(ws, s, change: dict) -> str:
    """A year's official holiday schedule from the centre; open cases' deadlines follow."""
    data = change.get("data")
    try:
        schedule = parse_schedule(data)
    except (DomainError, TypeError, ValueError) as exc:
        raise Unusable(f"中心发布的节假日安排无效：{exc}") from None
    row = s.get(HolidayYear, schedule.year)
    if row is not None and row.data == schedule_to_json(schedule):
        return "applied"                # the same schedule again: nothing to recompute
    if not schedule.source:
        schedule = dataclasses.replace(schedule, source="中心发布")
    calendar_service.store_schedule(s, ws, schedule, CENTRE)
    return "applied"


def apply_user(ws, s, change: dict) -> str:
    """A user as the centre publishes it (never a password): an existing account takes
    the centre's role, station, categories and whether it is active; a new one is
    created without a password, to be set here by an admin."""
    login = change.get("key")
    data = _object(change.get("data"))
    if not isinstance(login, str) or not 2 <= len(login) <= 32:
        raise Unusable("中心发布的用户缺少有效的登录名")
    role = data.get("role")
    if role not in ROLES:
        raise Unusable(f"中心发布的用户 {login} 角色“{str(role)[:20]}”本机不认识")
    name = _text(data.get("name"), 50) or login
    station = _text(data.get("station"), 20) or ws.settings(s).station
    categories = data.get("categories")
    categories = ",".join(categories) if isinstance(categories, list) else _text(categories, 100)
    rights = data.get("rights")
    rights = ",".join(sorted(rights)) if isinstance(rights, list) else _text(rights, 200)
    now = ws.clock.now()
    user = s.scalar(select(User).where(User.login == login))
    fields = {"name": name, "role": role, "station": station, "categories": categories,
              "rights": rights, "active": bool(data.get("active", True))}
    if user is None:
        s.add(User(login=login, password_hash=NO_PASSWORD, created_at=now, **fields))
    else:
        for key, value in fields.items():
            setattr(user, key, value)
    audit.record(s, CENTRE, ws.settings(s).terminal, now, "user.published", login,
                 {k: v for k, v in fields.items()})
    return "applied"


def apply_transfer(ws, s, change: dict) -> str:
    """A 材料流转单 step taken on another terminal: the district learns of a station's
    slip (so it can sign for the bundle when it arrives), the station learns that the
    district signed. A slip only moves forward: a step older than what this terminal
    already holds (its own signature not yet pushed, say) changes nothing."""
    from workstation.domain.transfer import FINAL, ItemState, TransferStatus
    from workstation.domain.transfer import check_transition as transfer_transition
    from workstation.store.models import MaterialTransfer, MaterialTransferItem

    data = _object(change.get("data"))
    origin = _object(change.get("origin"))
    number = _text(change.get("key"), 40)
    transfer_id = _text(data.get("transfer_id"), 32)
    try:
        status = TransferStatus(str(data.get("status")))     # not a status (or none): ValueError
    except ValueError:
        raise Unusable(f"材料流转单 {number} 的状态“{str(data.get('status'))[:20]}”本机不认识") from None
    items = data.get("items") if isinstance(data.get("items"), list) else []
    if not number or not transfer_id or not items:
        raise Unusable("中心转来的材料流转单缺少单号或案件清单")
    at = _moment(data.get("at")) or ws.clock.now()
    slip = s.scalar(select(MaterialTransfer).where(MaterialTransfer.number == number))
    if slip is not None and slip.id != transfer_id:
        raise Unusable(f"材料流转单号 {number} 在本机已被另一张流转单使用")
    states = {}
    for item in items:
        case_id = _text(item.get("case_id") if isinstance(item, dict) else None, 32).lower()
        if not case_id or s.get(Case, case_id) is None:
            raise Unusable(f"材料流转单 {number} 中的案件 {case_id[:32] or '?'} 本机没有（其受理记录尚未同步到本机）")
        try:
            states[case_id] = (ItemState(item.get("state")), item)
        except ValueError:
            raise Unusable(f"材料流转单 {number} 中案件的状态无效") from None
    if slip is None:
        live = set(s.scalars(select(MaterialTransferItem.case_id).where(
            MaterialTransferItem.case_id.in_(list(states)),
            MaterialTransferItem.state.in_([ItemState.PENDING.value, ItemState.RECEIVED.value]))))
        if live and status not in FINAL:
            raise Unusable(f"材料流转单 {number} 中的案件已在本机的另一张流转单上")
        slip = MaterialTransfer(id=transfer_id, number=number, station=_text(data.get("station"), 20),
                                terminal=_text(data.get("terminal"), 3) or "?", status=status.value,
                                created_by=_text(origin.get("user"), 64) or "?", created_at=at,
                                carrier="", note="")
        s.add(slip)
        for seq, (case_id, (state, item)) in enumerate(states.items(), start=1):
            s.add(MaterialTransferItem(transfer_id=transfer_id, seq=seq, case_id=case_id,
                                       receipt_no=_text(item.get("receipt_no"), 40),
                                       materials=int(item.get("materials") or 0),
                                       copies=int(item.get("copies") or 0), state=state.value,
                                       note=""))
    elif status.value != slip.status:
        try:
            transfer_transition(TransferStatus(slip.status), status)
        except DomainError:
            return "skipped"            # older than what is here: the slip only moves forward
        slip.status = status.value
        for item in slip.items:
            if item.case_id in states:
                item.state = states[item.case_id][0].value
    else:
        return "applied"                # this step is here already
    if data.get("carrier"):
        slip.carrier, slip.sent_by, slip.sent_at = _text(data["carrier"], 50), _text(origin.get("user"), 64), at
    if status in (TransferStatus.RECEIVED, TransferStatus.DISCREPANCY):
        slip.received_by, slip.received_at = _text(origin.get("user"), 64) or None, at
        slip.note = _text(data.get("note"), 500)
    if status is TransferStatus.CANCELLED:
        slip.note = _text(data.get("reason"), 500)
    s.flush()
    audit.record(s, CENTRE, ws.settings(s).terminal, ws.clock.now(), "transfer.synced", number,
                 {"status": status.value, "origin": {k: origin.get(k) for k in ("terminal", "station", "user", "at")}})
    return "applied"


def page_files_wanted(ws, changes: list[dict]) -> list[tuple[str, str]]:
    """(sha256, mime) of the material pages a page of changes names that are not on
    this terminal's disk yet: fetched before the write transaction."""
    from workstation.domain.materials import PAGE_MIMES
    from workstation.services.page_store import relpath

    out = {}
    for change in changes:
        data = _object(change.get("data"))
        if change.get("kind") != "material" or not isinstance(data.get("pages"), list):
            continue
        for page in data["pages"]:
            if not isinstance(page, dict):
                continue
            sha, mime = str(page.get("sha256") or "").lower(), page.get("mime")
            if len(sha) != 64 or mime not in PAGE_MIMES:
                continue
            path = ws.data_dir / relpath(sha, mime)
            if not path.exists() or path.stat().st_size != page.get("size"):
                out[sha] = mime
    return list(out.items())


def _unpushed_material(s, case_id: str, code: str) -> bool:
    import json

    from workstation.store.models import OutboxEvent

    for payload in s.scalars(select(OutboxEvent.payload).where(OutboxEvent.acked_at.is_(None),
                                                               OutboxEvent.kind.like("material.%"))):
        data = json.loads(payload)
        if data.get("case_id") == case_id and data.get("material") == code:
            return True
    return False


def apply_material(ws, s, change: dict) -> str:
    """A case material's pages or check made on another terminal: the district's
    approver reads what the station captured, the station sees the approver's check.
    The page files are already on disk (fetched and checked before the transaction);
    the material's pages become the snapshot's, in order. Local pages or a local check
    not yet pushed are never overwritten: that is a conflict for a person."""
    from workstation.domain.materials import PAGE_MIMES
    from workstation.services.page_store import relpath
    from workstation.store.models import ElectronicMaterial, MaterialPage, PageFile

    data = _object(change.get("data"))
    origin = _object(change.get("origin"))
    case_id = _text(data.get("case_id"), 32).lower()
    code = _text(data.get("material"), 40)
    case = s.get(Case, case_id) if case_id else None
    if case is None:
        return "skipped"                 # a case this terminal does not hold
    material = s.scalar(select(CaseMaterial).where(CaseMaterial.case_id == case_id,
                                                   CaseMaterial.code == code))
    if material is None:
        raise Unusable(f"案件 {data.get('receipt_no') or case_id} 在本机没有材料 {code or '?'}")
    if _unpushed_material(s, case_id, code):
        raise Unusable(f"本机对案件 {data.get('receipt_no') or case_id} 的材料“{material.name}”"
                       "有尚未上传的改动，未用其他终端的版本覆盖，请核对后处理")
    now, who = ws.clock.now(), _text(origin.get("user"), 64) or "?"
    at = _moment(origin.get("at")) or now
    record = s.get(ElectronicMaterial, material.id)
    if data.get("event") == "material.check":
        state = data.get("state")
        if state not in ("checked", "defective", "unchecked") or record is None:
            raise Unusable(f"材料“{material.name}”的核验结果无法采用")
        record.check_state, record.check_note = state, _text(data.get("note"), 500)
        record.checked_by = _text(data.get("checked_by"), 64) or who
        record.checked_at = _moment(data.get("checked_at")) or at
    else:
        pages = data.get("pages") if isinstance(data.get("pages"), list) else None
        if pages is None:
            raise Unusable(f"材料“{material.name}”的页面清单无效")
        rows = []
        for page in pages:
            sha = str(page.get("sha256") or "").lower() if isinstance(page, dict) else ""
            mime = page.get("mime") if isinstance(page, dict) else None
            if len(sha) != 64 or mime not in PAGE_MIMES:
                raise Unusable(f"材料“{material.name}”的页面信息无效")
            path = ws.data_dir / relpath(sha, mime)
            if not path.exists():
                raise Unusable(f"材料“{material.name}”的页面文件尚未下载")
            if s.get(PageFile, sha) is None:
                s.add(PageFile(sha256=sha, size=path.stat().st_size, mime=mime,
                               width=int(page.get("width") or 0), height=int(page.get("height") or 0),
                               dpi=page.get("dpi") if isinstance(page.get("dpi"), int) else None,
                               created_at=now))
            rotation = page.get("rotation") if page.get("rotation") in (0, 90, 180, 270) else 0
            source = page.get("source") if page.get("source") in ("file", "camera", "scanner", "folder",
                                                                  "reuse") else "file"
            rows.append((sha, rotation, source))
        s.flush()
        for old in s.scalars(select(MaterialPage).where(MaterialPage.case_material_id == material.id)):
            s.delete(old)
        s.flush()
        for seq, (sha, rotation, source) in enumerate(rows, start=1):
            s.add(MaterialPage(case_material_id=material.id, seq=seq, sha256=sha, rotation=rotation,
                               source=source, captured_by=who, captured_at=at))
        valid_until = parse_day(data.get("valid_until"), "材料有效期")
        if record is None:
            s.add(ElectronicMaterial(case_material_id=material.id, check_state="unchecked",
                                     check_note="", valid_until=valid_until))
        else:
            record.check_state, record.checked_by, record.checked_at, record.check_note = \
                "unchecked", None, None, ""
            record.valid_until = valid_until or record.valid_until
    s.flush()
    audit.record(s, CENTRE, ws.settings(s).terminal, now, "material.synced", case_id,
                 {"material": code, "event": data.get("event"),
                  "origin": {k: origin.get(k) for k in ("terminal", "station", "user", "at")}})
    return "applied"


# ---------------------------------------------------------------- a case's decision document

def document_kinds() -> frozenset[str]:
    """The document kinds this terminal knows (its templates): the only ones taken
    from the centre. A kind never builds a path; it is checked against this list."""
    from forms.templates import TEMPLATES

    return frozenset(TEMPLATES)


def valid_sha(value) -> bool:
    return isinstance(value, str) and protocol.HEX64.fullmatch(value) is not None


def check_document(document: dict) -> dict:
    """A pulled case's document, checked before anything changes (Unusable otherwise):
    a known kind, a file hash, a number of sane length."""
    kind, sha, number = document.get("kind"), document.get("sha256"), document.get("number")
    if kind not in document_kinds():
        raise Unusable(f"中心发来的文书种类“{str(kind)[:20]}”本机不认识，未采用")
    if not valid_sha(sha):
        raise Unusable("中心发来的文书缺少有效的文件摘要（sha256），未采用")
    if not isinstance(number, str) or not number.strip() or len(number) > 60 or not number.isprintable():
        raise Unusable("中心发来的文书编号无效，未采用")
    return document


def document_held(s, document: dict) -> bool:
    return bool(s.scalar(select(Document.id).where(Document.number == document.get("number"),
                                                   Document.kind == document.get("kind"))))


def store_document(ws, s, files: dict[str, bytes], case: Case, document: dict) -> str | None:
    """Write a checked document's file (named by its content hash only: nothing the
    centre sends becomes part of a path) and its row. Returns its number, or None if
    it is here already."""
    if document_held(s, document):
        return None
    sha = document["sha256"]
    data = files.get(sha)
    if data is None:            # named by a change the pre-fetch did not see: next round
        raise Unusable("中心的文书尚未下载完成，下次同步时再取")
    rel = Path("documents") / "received" / sha[:2] / f"{sha}.docx"
    path = ws.data_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    now = ws.clock.now()
    # A seal whose certificate has not come down yet is named in the file itself; the
    # row keeps no reference to it (verification finds it once it arrives).
    seal_id = document.get("seal_id") if s.get(Seal, document.get("seal_id") or "") else None
    s.add(Document(acceptance_id=case.acceptance_id, case_id=case.id, kind=document["kind"],
                   number=document["number"], issued_on=now.date(), seal_id=seal_id,
                   signed_at=now, digest=_text(document.get("digest"), 200) or None,
                   signature=_text(document.get("signature"), 300) or None, path=str(rel)))
    return document["number"]


def audit_case(ws, s, case: Case, before: str, change: dict, document_no: str | None) -> None:
    """The audit entry of a pulled case change: what changed, and who at which
    terminal did it (the change's origin), in the pull's transaction."""
    origin = _object(change.get("origin"))
    data = _object(change.get("data"))
    audit.record(s, CENTRE, ws.settings(s).terminal, ws.clock.now(), "sync.case_updated", case.id,
                 {"receipt_no": case.acceptance.receipt_no, "from": before, "to": case.status,
                  "event": _text(data.get("event"), 40), "document": document_no,
                  "origin": {k: origin.get(k) for k in ("terminal", "station", "user", "at")}})
