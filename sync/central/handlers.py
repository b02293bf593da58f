"""One handler per event kind: each reads the payload, checks it against the view
and the domain's transition rules, and raises ``Conflict`` / ``Retry`` before it
changes anything (see apply.py)."""

from __future__ import annotations

from collections.abc import Callable

from workstation.domain.errors import DomainError
from workstation.domain.states import OPEN, CaseStatus, check_transition
from sync.protocol import HEX64

from .batch import (ACCEPTANCE_KINDS, MAX_CASES_PER_ACCEPTANCE, Conflict, Incoming, lookup_key,
                    payload_day, payload_str)
from .protocol import STATION_RE, text
from .decisions import check_decision_document
from .view import View, when_text


CASE_TARGETS = {
    "case.review": CaseStatus.REVIEWING,
    "case.suspend": CaseStatus.SUSPENDED,
    "case.resume": CaseStatus.REVIEWING,
    "case.approve": CaseStatus.APPROVED,
    "case.deny": CaseStatus.DENIED,
    "case.delivered": CaseStatus.DELIVERED,
}


def _initial_status(value) -> CaseStatus:
    """A new case's status: one step from draft, or accepted and decided on the spot."""
    try:
        status = CaseStatus(value)
    except ValueError:
        raise Conflict("invalid", f"事件内容有误：未知的案件状态“{str(value)[:20]}”") from None
    try:
        return check_transition(CaseStatus.DRAFT, status)
    except DomainError:
        pass
    try:
        return check_transition(check_transition(CaseStatus.DRAFT, CaseStatus.ACCEPTED), status)
    except DomainError:
        raise Conflict("transition", f"新受理的案件不能直接处于“{status.label}”状态") from None


def apply_acceptance(v: View, ev: Incoming) -> None:
    p = ev.payload
    acc_id = payload_str(p, "acceptance_id", 64, "受理记录编号")
    receipt = payload_str(p, "receipt_no", 40, "受理编号")
    station = payload_str(p, "station", 20, "站点")
    if not STATION_RE.match(station):
        raise Conflict("invalid", f"事件内容有误：站点编码“{station[:20]}”无效")
    v.wall(station, f"受理 {receipt}")
    if acc_id in v.acceptances:
        raise Conflict("exists", f"受理记录 {acc_id[:40]}（{receipt}）已在中心，不能再次创建")
    if receipt in v.receipts:
        raise Conflict("exists", f"受理编号 {receipt} 已被中心的另一条受理记录使用")
    items = p.get("cases")
    if not isinstance(items, list) or not items or len(items) > MAX_CASES_PER_ACCEPTANCE:
        raise Conflict("invalid", "事件内容不完整：受理记录中没有案件（cases）")
    applicant = p.get("applicant") if isinstance(p.get("applicant"), dict) else {}
    applicant_name = text(applicant.get("name"), 100)
    received_on = payload_day(p, "received_on", "受理日期")
    cases, seen = [], set()
    for item in items:
        if not isinstance(item, dict):
            raise Conflict("invalid", "事件内容有误：案件应为 JSON 对象")
        case_id = payload_str(item, "id", 64, "案件编号").lower()
        if case_id in v.cases or case_id in seen:
            raise Conflict("exists", f"案件 {case_id[:40]} 已在中心，不能再次创建", case_id)
        seen.add(case_id)
        status = _initial_status(item.get("status"))
        decided = received_on or ev.created_at.date() if status in (CaseStatus.APPROVED,
                                                                      CaseStatus.DENIED) else None
        cases.append({
            "id": case_id, "acceptance_id": acc_id, "station": station, "status": status.value,
            "receipt_no": receipt, "applicant_name": applicant_name,
            "matter_code": text(item.get("matter_code"), 40),
            "matter_name": text(item.get("matter_name"), 200),
            "due_date": payload_day(item, "due_date", "承诺期限"),
            "statutory_due_date": payload_day(item, "statutory_due_date", "法定期限"),
            "provisional": bool(item.get("provisional")), "decided_on": decided,
            "document_no": None, "version": 0})
    documents = []
    for d in p.get("documents") or []:
        if isinstance(d, dict) and isinstance(d.get("number"), str) and d["number"].strip():
            case_id = d.get("case_id").lower() if isinstance(d.get("case_id"), str) else None
            documents.append({"acceptance_id": acc_id, "case_id": case_id if case_id in seen else None,
                              "station": station, "kind": text(d.get("kind"), 40),
                              "number": text(d["number"].strip(), 80), "seal_id": None, "digest": None,
                              "signature": None, "sha256": None, "signed_at": None,
                              "event_id": ev.id, "created_at": v.received_at})
    # All checked: change the view.
    v.new_acceptances.append({
        "id": acc_id, "receipt_no": receipt, "outcome": text(p.get("outcome") or ev.kind.split(".", 1)[1], 20),
        "station": station, "terminal": v.caller.terminal, "clerk": text(p.get("clerk") or ev.user, 64),
        "applicant_name": applicant_name, "applicant": applicant or None,
        "bundle": text(p.get("bundle"), 40) or None, "received_on": received_on,
        "catalog_version": text(p.get("catalog_version"), 40), "event_id": ev.id,
        "created_at": ev.created_at})
    v.acceptances[acc_id] = {"id": acc_id, "station": station, "receipt_no": receipt}
    v.receipts[receipt] = acc_id
    for doc in documents:
        key = (acc_id, doc["number"])
        if key not in v.documents:
            v.documents[key] = doc
            v.new_documents.append(doc)
            if doc["case_id"]:
                next(c for c in cases if c["id"] == doc["case_id"])["document_no"] = doc["number"]
    for case in cases:
        v.cases[case["id"]] = case
        v.new_cases.add(case["id"])
        v.touch(case, ev)
        v.case_change(case, ev, {"acceptance": p})


def _decision_document(v: View, case: dict, ev: Incoming) -> tuple[str | None, dict | None]:
    doc = ev.payload.get("document")
    if doc is None:
        return None, None
    if isinstance(doc, str):
        return text(doc.strip(), 80) or None, None
    if isinstance(doc, dict) and isinstance(doc.get("number"), str):
        return text(doc["number"].strip(), 80) or None, doc
    raise Conflict("invalid", "事件内容有误：决定文书（document）应为文号或文书信息")


def apply_case(v: View, ev: Incoming) -> None:
    p = ev.payload
    case = v.case(ev)
    current = CaseStatus(case["status"])
    if ev.kind == "case.extend":
        if current not in OPEN:
            raise Conflict("transition", f"案件 {case['receipt_no']}（{case['matter_name']}）当前为"
                                         f"“{current.label}”，不能延长时限"
                                         f"（终端 {case['last_terminal']} 的 {case['last_user']} "
                                         f"于 {when_text(case['updated_at'])} 处理）", case["id"])
        path = []
    elif ev.kind == "case.deliver":
        target = CaseStatus.DELIVERED if p.get("method") == "pickup" else CaseStatus.AWAITING_DELIVERY
        if isinstance(p.get("status"), str) and p["status"] in (CaseStatus.DELIVERED.value,
                                                                CaseStatus.AWAITING_DELIVERY.value):
            target = CaseStatus(p["status"])
        path = ([CaseStatus.AWAITING_DELIVERY, target]
                if target is CaseStatus.DELIVERED and current is not CaseStatus.AWAITING_DELIVERY
                else [target])
    else:
        path = [CASE_TARGETS[ev.kind]]
        stated = p.get("status")
        if stated is not None and stated != path[-1].value:
            raise Conflict("invalid", f"事件内容有误：{ev.kind} 的结果状态不应为“{str(stated)[:20]}”",
                           case["id"])
    status = current
    try:
        for target in path:
            status = check_transition(status, target)
    except DomainError as exc:
        raise Conflict("transition", f"案件 {case['receipt_no']}（{case['matter_name']}）：{exc}"
                                     f"（终端 {case['last_terminal']} 的 {case['last_user']} "
                                     f"于 {when_text(case['updated_at'])} 已作处理），本次操作未予采用",
                       case["id"]) from None
    due = payload_day(p, "due_date", "承诺期限") if "due_date" in p else case["due_date"]
    statutory = (payload_day(p, "statutory_due_date", "法定期限") if "statutory_due_date" in p
                 else case["statutory_due_date"])
    decided, number, doc = case["decided_on"], case["document_no"], None
    if ev.kind in ("case.approve", "case.deny"):
        decided = payload_day(p, "decided_on", "决定日期") or ev.created_at.date()
        v.need_files(ev)
        check_decision_document(v.s, v.files_root, case, ev.kind, p.get("document"), ev.user, v.seals)
        number, doc = _decision_document(v, case, ev)
        number = number or case["document_no"]
    if doc is not None:
        v.need_files(ev)
    # All checked: change the view.
    case.update(status=status.value, due_date=due, statutory_due_date=statutory, decided_on=decided,
                document_no=number)
    if doc is not None:
        _upsert_document(v, case["acceptance_id"], case["station"], number, doc, ev, case["id"])
    v.touch(case, ev)
    v.case_change(case, ev)


def _upsert_document(v: View, acceptance_id: str, station: str, number: str, doc: dict,
                     ev: Incoming, case_id: str | None) -> dict:
    fields = {"kind": text(doc.get("kind"), 40), "seal_id": text(doc.get("seal_id"), 60) or None,
              "digest": text(doc.get("digest"), 200) or None,
              "signature": text(doc.get("signature"), 300) or None,
              "sha256": text(doc.get("sha256"), 64).lower() or None, "signed_at": ev.created_at}
    key = (acceptance_id, number)
    row = v.documents.get(key)
    if row is None:
        row = {"acceptance_id": acceptance_id, "case_id": case_id, "station": station,
               "number": number, "event_id": ev.id, "created_at": v.received_at, **fields}
        if not row["kind"]:
            row["kind"] = ""
        v.documents[key] = row
        v.new_documents.append(row)
    else:
        row.update({k: val for k, val in fields.items() if val})
        row["event_id"] = ev.id
        if case_id and not row.get("case_id"):
            row["case_id"] = case_id
        if row.get("id") is not None:
            v.dirty_documents.add(row["id"])
    return row


def apply_document(v: View, ev: Incoming) -> None:
    p = ev.payload
    receipt = payload_str(p, "receipt_no", 40, "受理编号")
    number = text(payload_str(p, "number", 80, "文书编号"), 80)
    acc_id = v.receipts.get(receipt)
    if acc_id is None:
        raise Conflict("unknown_case", f"中心没有受理编号为 {receipt} 的受理记录（尚未同步或已被拒收）")
    acc = v.acceptances[acc_id]
    v.wall(acc["station"], f"受理 {receipt} 的文书")
    sha = p.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not HEX64.fullmatch(sha.lower())):
        raise Conflict("invalid", "事件内容有误：文件摘要 sha256 应为64位十六进制数")
    v.need_files(ev)
    case_id = p.get("case_id").lower() if isinstance(p.get("case_id"), str) else None
    cases = [c for c in v.cases_of(acc_id) if c["id"] == case_id or c["document_no"] == number]
    # All checked: change the view.
    row = _upsert_document(v, acc_id, acc["station"], number, p, ev, cases[0]["id"] if cases else None)
    if not row["kind"]:
        row["kind"] = text(p.get("kind"), 40)
    for case in cases:
        if case["document_no"] is None and case["id"] == case_id:
            case["document_no"] = number
        v.touch(case, ev)
        v.case_change(case, ev)


def apply_seal_create(v: View, ev: Incoming) -> None:
    """A terminal asks for a seal certificate (PKCS #10). The centre never takes a
    certificate from a terminal: it checks the request and issues the certificate
    itself (sync/central/authority.py), or keeps the request until it can."""
    from forms import x509
    from forms.errors import FormError

    from . import authority

    p = ev.payload
    seal_id = payload_str(p, "seal_id", 60, "印章编号")
    if "certificate" in p or not isinstance(p.get("request"), str):
        raise Conflict("invalid", f"印章 {seal_id}：中心只接受终端的证书申请（X.509 PKCS#10），"
                                  "不接受终端自己签发的证书")
    try:
        request = x509.read_request(authority.unb64(p["request"]))
    except (FormError, ValueError) as exc:
        raise Conflict("invalid", f"印章 {seal_id} 的证书申请无效：{exc}") from None
    found = authority.issuer(v.s)
    why = authority.check_request(request, seal_id=seal_id, terminal=v.caller.terminal,
                                  district=v.caller.district,
                                  organ=found.organ if found is not None else None)
    if why:
        raise Conflict("invalid", f"印章 {seal_id} 未予签发证书：{why}")
    picture = p.get("picture")
    if picture is not None:
        why = authority.check_picture(picture, request)
        if why:
            raise Conflict("invalid", f"印章 {seal_id} 未予签发证书：{why}")
    existing = v.seals.get(seal_id)
    if existing is not None:
        if (existing["certificate"] or {}).get("request") == p["request"]:
            return      # the same request again: nothing to do
        raise Conflict("exists", f"印章编号 {seal_id} 已在中心登记（终端 {existing['terminal']}），"
                                 "本次申请未予采用")
    on = ev.created_at.date()
    der = authority.certify(found, request, on) if found is not None and found.private else None
    # An SM2 seal's SESeal with its certificate; the picture kept until then if pending.
    ses = authority.make_ses(found, der, picture, ev.created_at) if found is not None and der else None
    kept = {"ses": ses} if ses else {"picture": picture} if picture is not None and not der else {}
    row = {"id": seal_id, "name": text(request.name, 100), "category": request.category,
           "algorithm": request.algorithm, "public_key": request.public_key,
           "certificate": {"request": p["request"], "x509": authority.b64(der) if der else None,
                           **kept},
           "status": "active" if der else "pending", "valid_from": on,
           "valid_to": authority._years(on, authority.SEAL_YEARS), "station": v.caller.station,
           "terminal": v.caller.terminal, "created_at": ev.created_at, "revoked_at": None,
           "revoked_reason": None}
    v.seals[seal_id] = row
    v.new_seals.add(seal_id)
    if der:
        # No origin terminal: the requesting terminal must pull its own certificate too.
        v.changes.append(authority.published(seal_id, der, "active", ses=ses))


def apply_seal_revoke(v: View, ev: Incoming) -> None:
    from . import authority

    p = ev.payload
    seal_id = payload_str(p, "seal_id", 60, "印章编号")
    seal = v.seals.get(seal_id)
    if seal is None:
        raise Conflict("invalid", f"中心没有登记印章 {seal_id}，不能吊销")
    v.wall(seal["station"], f"印章 {seal['name']}")
    if seal["status"] == "revoked":
        return          # already revoked (by another terminal): the wish is fulfilled
    was = seal["status"]
    seal.update(status="revoked", revoked_at=ev.created_at, revoked_reason=text(p.get("reason"), 500))
    if seal_id not in v.new_seals:
        v.dirty_seals.add(seal_id)
    der = (seal["certificate"] or {}).get("x509")
    if was == "active" and der:
        v.changes.append({**authority.published(seal_id, authority.unb64(der), "revoked",
                                                seal["revoked_reason"]), **v.origin(ev)})


TRANSFER_KINDS = ("transfer.packed", "transfer.sent", "transfer.cancelled", "transfer.received")
MAX_TRANSFER_ITEMS = 200


def apply_transfer(v: View, ev: Incoming) -> None:
    """A 材料流转单's step (packed, handed over, voided at the station; signed for at
    the district): relayed to the terminals of its station and the district, which
    keep the slip's state; the centre checks who may act and the slip's shape."""
    p = ev.payload
    number = payload_str(p, "number", 40, "流转单号")
    station = payload_str(p, "station", 20, "站点")
    if not STATION_RE.match(station):
        raise Conflict("invalid", f"事件内容有误：站点编码“{station[:20]}”无效")
    v.wall(station, f"材料流转单 {number}")
    if ev.kind == "transfer.received" and not v.caller.district:
        raise Conflict("station", f"材料流转单 {number} 只能由区政务服务中心签收")
    if ev.kind != "transfer.received" and v.caller.station != station:
        raise Conflict("station", f"材料流转单 {number} 属于站点 {station}，只能由该站点打包、交接或作废")
    items = p.get("items")
    if not isinstance(items, list) or not items or len(items) > MAX_TRANSFER_ITEMS:
        raise Conflict("invalid", f"事件内容有误：材料流转单 {number} 没有案件清单")
    for item in items:
        if (not isinstance(item, dict) or not lookup_key(item.get("case_id"))
                or not lookup_key(item.get("receipt_no"), 40)):
            raise Conflict("invalid", f"事件内容有误：材料流转单 {number} 的案件清单不完整")
    v.changes.append({"station": station, "kind": "transfer", "key": number,
                      "data": {**p, "event": ev.kind, "terminal": v.caller.terminal},
                      **v.origin(ev)})


MAX_MATERIAL_PAGES = 1000       # workstation.domain.materials allows 999


def apply_material(v: View, ev: Incoming) -> None:
    """A case material's electronic pages (a snapshot of its current pages, in order)
    or its check by the back office: relayed to the other terminals that see the case,
    so a district approver reads what a station captured (不见面审批). The page files
    were uploaded first (``need_files``: retry until they are)."""
    p = ev.payload
    case = v.case(ev)
    code = payload_str(p, "material", 40, "材料编码")
    if ev.kind == "material.pages":
        pages = p.get("pages")
        if not isinstance(pages, list) or len(pages) > MAX_MATERIAL_PAGES:
            raise Conflict("invalid", f"事件内容有误：材料 {code} 的页面清单无效", case["id"])
        for page in pages:
            if not isinstance(page, dict) or not isinstance(page.get("sha256"), str) \
                    or not HEX64.fullmatch(page["sha256"].lower()):
                raise Conflict("invalid", f"事件内容有误：材料 {code} 的页面摘要无效", case["id"])
        v.need_files(ev)
    elif p.get("state") not in ("checked", "defective", "unchecked"):
        raise Conflict("invalid", f"事件内容有误：材料 {code} 的核验结果无效", case["id"])
    v.changes.append({"station": case["station"], "kind": "material", "key": f"{case['id']}/{code}",
                      "data": {**p, "event": ev.kind, "receipt_no": case["receipt_no"]},
                      **v.origin(ev)})


HANDLERS: dict[str, Callable[[View, Incoming], None]] = {
    "material.pages": apply_material,
    "material.check": apply_material,
    **{kind: apply_transfer for kind in TRANSFER_KINDS},
    **{kind: apply_acceptance for kind in ACCEPTANCE_KINDS},
    **{kind: apply_case for kind in (*CASE_TARGETS, "case.extend", "case.deliver")},
    "document.sign": apply_document,
    "seal.create": apply_seal_create,
    "seal.revoke": apply_seal_revoke,
}


# --------------------------------------------------------------------------- the batch, settled
