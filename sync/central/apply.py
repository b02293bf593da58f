"""Applying pushed events exactly once.

A batch is checked as a whole first (``parse_batch``: shape, sizes, the terminal),
then settled event by event, in order, inside one database transaction
(``process_batch``, run through ``CentralDB.write``, which starts the transaction
again from scratch when PostgreSQL says a concurrent one won a race):

* an event id already stored is answered ``duplicate`` (or ``conflict`` again, with
  the same message, if it was a conflict: the terminal may have lost the first
  answer); the same id with another content hash is a recorded ``conflict``;
* an event whose predecessor (same terminal, seq − 1) has not been received is
  answered ``retry`` and not stored;
* otherwise the event is stored with the status ``applied`` or ``conflict``
  (invalid transition, another station's case, device time more than 24 h ahead,
  a content hash that does not match, an incomplete payload) — a conflict changes
  nothing else and is listed in ``conflicts`` — or answered ``retry`` when it names
  a file not uploaded yet.

Exactly once: the event id is the primary key. Two connections posting the same
event at the same moment both try to insert it; the second waits for the first to
commit, gets a unique violation, and its whole transaction is run again, when the
event is found stored (``duplicate``). The cases a batch touches are locked
(SELECT … FOR UPDATE, in id order) before they are read, so two terminals deciding
the same case are serialised and the second sees the first's decision.

The handlers read and change an in-memory view of the rows the batch touches and
raise ``Conflict`` / ``Retry`` before changing anything, so a conflicting event
leaves no trace but its conflict record; the view is written back in a few bulk
statements at the end (the speed of a batch is then that of a bulk insert).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable

from sqlalchemy import select, union_all, update
from sqlalchemy.orm import Session

from workstation.domain.errors import DomainError
from workstation.domain.states import OPEN, CaseStatus, check_transition

from .bulk import insert_rows, one_of, update_rows
from .changes import write_changes
from .models import (AcceptanceRecord, CaseRecord, ConflictRecord, DocumentRecord, Event,
                     SealRecord, StoredFile)
from .protocol import (FUTURE_LIMIT, HEX64, MAX_EVENTS, STATION_RE, ApiError, canonical,
                       clean_label, content_hash, now, parse_day, parse_device_time, text)
from .terminals import Caller

CHUNK = 1000
MAX_CASES_PER_ACCEPTANCE = 100


# --------------------------------------------------------------------------- the batch

@dataclass
class Incoming:
    """One event of a batch, checked for shape."""

    sent_id: str          # as the terminal wrote it (echoed in the answer)
    id: str               # canonical UUID text
    seq: int
    kind: str
    payload: dict
    body: str             # canonical JSON of the payload
    content_hash: str     # as sent
    user: str
    created_at: datetime
    files: list[str] | None = None    # the file hashes it names (_file_hashes)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def _bad(index: int, message: str) -> ApiError:
    return ApiError(422, "invalid", f"第{index}个事件{message}，整批未处理")


def parse_batch(data, caller: Caller) -> list[Incoming]:
    """The events of a request body, or ApiError (400/403/413/422) for the batch."""
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象：{\"terminal\": …, \"events\": […]}")
    events = data.get("events")
    if not isinstance(events, list):
        raise ApiError(422, "invalid", "请求中缺少事件列表 events")
    if len(events) > MAX_EVENTS:
        raise ApiError(413, "too_large", f"一批最多{MAX_EVENTS}个事件，本批{len(events)}个，请分批发送")
    terminal = data.get("terminal")
    if not isinstance(terminal, str):
        raise ApiError(422, "invalid", "请求中缺少终端编码 terminal")
    if terminal != caller.terminal:
        raise ApiError(403, "forbidden",
                       f"批次的终端编码“{terminal[:10]}”与令牌所属终端 {caller.terminal} 不符")
    out = []
    for i, ev in enumerate(events, start=1):
        if not isinstance(ev, dict):
            raise _bad(i, "不是 JSON 对象")
        sent_id = ev.get("id")
        if isinstance(sent_id, str) and _UUID.match(sent_id):
            event_id = sent_id          # already the canonical text
        else:
            try:
                if not isinstance(sent_id, str) or len(sent_id) > 40:
                    raise ValueError
                event_id = str(uuid.UUID(sent_id))
            except ValueError:
                raise _bad(i, "的编号 id 不是 UUID") from None
        seq = ev.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 2 ** 53:
            raise _bad(i, "的序号 seq 应为不小于1的整数")
        kind = ev.get("kind")
        if not isinstance(kind, str) or not 1 <= len(kind) <= 80 or not clean_label(kind):
            raise _bad(i, "的类型 kind 应为1至80个字符")
        payload = ev.get("payload")
        if not isinstance(payload, dict):
            raise _bad(i, "的内容 payload 应为 JSON 对象")
        digest = ev.get("content_hash")
        if not isinstance(digest, str) or not HEX64.match(digest.lower()):
            raise _bad(i, "的内容摘要 content_hash 应为64位十六进制数")
        user = ev.get("user")
        if not isinstance(user, str) or len(user) > 64 or not clean_label(user):
            raise _bad(i, "的操作人 user 应为不超过64个字符的登录名")
        try:
            created_at = parse_device_time(ev.get("created_at"))
        except (ValueError, TypeError):
            raise _bad(i, "的时间 created_at 应为 YYYY-MM-DDTHH:MM:SS 格式") from None
        body = canonical(payload)
        try:
            body.encode("utf-8")
        except UnicodeEncodeError:
            raise _bad(i, "的内容含有无效的 Unicode 字符") from None
        out.append(Incoming(sent_id, event_id, seq, kind, payload, body, digest.lower(), user,
                            created_at))
    return out


# --------------------------------------------------------------------------- outcomes

class Conflict(Exception):
    def __init__(self, reason: str, message: str, case_id: str | None = None):
        message = text(message, 2000)       # it may quote the payload: no control characters
        super().__init__(message)
        self.reason, self.message, self.case_id = reason, message, case_id


class Retry(Exception):
    def __init__(self, message: str):
        message = text(message, 2000)
        super().__init__(message)
        self.message = message


def _str(payload: dict, key: str, max_len: int, what: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Conflict("invalid", f"事件内容不完整：缺少{what}（{key}）")
    if len(value) > max_len or not clean_label(value):
        raise Conflict("invalid", f"事件内容有误：{what}（{key}）过长或含有控制字符")
    return value.strip()


def _day(payload: dict, key: str, what: str) -> date | None:
    try:
        return parse_day(payload.get(key))
    except (ValueError, TypeError):
        raise Conflict("invalid", f"事件内容有误：{what}（{key}）不是有效日期") from None


def _chunks(items: Iterable, size: int = CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _rows(session: Session, query) -> list[dict]:
    """A table's rows as dicts keyed by column (plain rows, no ORM objects: the view
    only reads and writes them back in bulk)."""
    result = session.execute(query)
    keys = tuple(result.keys())
    return [dict(zip(keys, row)) for row in result]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "此前"


# --------------------------------------------------------------------------- the view

CASE_TARGETS = {
    "case.review": CaseStatus.REVIEWING,
    "case.suspend": CaseStatus.SUSPENDED,
    "case.resume": CaseStatus.REVIEWING,
    "case.approve": CaseStatus.APPROVED,
    "case.deny": CaseStatus.DENIED,
    "case.delivered": CaseStatus.DELIVERED,
}
ACCEPTANCE_KINDS = ("acceptance.accepted", "acceptance.tolerated", "acceptance.notified",
                    "acceptance.refused")


def _key(value, max_len: int = 64) -> str | None:
    """A payload value fit to look a row up by (the handlers refuse the others)."""
    if isinstance(value, str) and value.strip() and len(value) <= max_len and clean_label(value):
        return value.strip()
    return None


def _case_ids(ev: Incoming) -> list[str]:
    p = ev.payload
    if ev.kind.startswith(("case.", "material.")) or ev.kind == "document.sign":
        key = _key(p.get("case_id"))
        return [key.lower()] if key else []
    if ev.kind in ACCEPTANCE_KINDS and isinstance(p.get("cases"), list):
        keys = [_key(c.get("id")) for c in p["cases"][:MAX_CASES_PER_ACCEPTANCE] if isinstance(c, dict)]
        return [k.lower() for k in keys if k]
    return []


def _file_hashes(ev: Incoming) -> list[str]:
    if ev.files is None:            # asked for up to three times an event: worked out once
        ev.files = _files_named(ev)
    return ev.files


def _files_named(ev: Incoming) -> list[str]:
    p, out = ev.payload, []
    for holder in (p, p.get("document") if isinstance(p.get("document"), dict) else {}):
        value = holder.get("sha256")
        if isinstance(value, str):
            out.append(value.lower())
    files = p.get("files")
    if isinstance(files, list):
        out += [f.lower() for f in files if isinstance(f, str)]
    return out


class View:
    """The rows a batch touches, loaded (and locked) once, changed in memory and
    written back by ``flush``."""

    def __init__(self, session: Session, caller: Caller, received_at: datetime):
        self.s, self.caller, self.received_at = session, caller, received_at
        self.cases: dict[str, dict] = {}
        self._by_acceptance: dict[str, list[dict]] = {}   # see cases_of
        self._indexed = 0
        self.new_cases: set[str] = set()
        self.dirty_cases: set[str] = set()
        self.acceptances: dict[str, dict] = {}        # id -> {id, station, receipt_no}
        self.receipts: dict[str, str] = {}            # receipt_no -> acceptance id
        self.new_acceptances: list[dict] = []
        self.documents: dict[tuple[str, str], dict] = {}  # (acceptance id, number) -> row
        self.new_documents: list[dict] = []
        self.dirty_documents: set[int] = set()
        self.seals: dict[str, dict] = {}
        self.new_seals: set[str] = set()
        self.dirty_seals: set[str] = set()
        self.files: set[str] = set()
        self.changes: list[dict] = []

    # ---- loading

    def load(self, events: list[Incoming]) -> None:
        s = self.s
        acceptance_ids = {k for ev in events if ev.kind in ACCEPTANCE_KINDS
                          and (k := _key(ev.payload.get("acceptance_id")))}
        receipts = {k for ev in events if (k := _key(ev.payload.get("receipt_no"), 40))}
        # By id and by receipt number, in one round trip.
        lookups = [select(AcceptanceRecord.id, AcceptanceRecord.station, AcceptanceRecord.receipt_no)
                   .where(one_of(s, column, chunk))
                   for column, keys in ((AcceptanceRecord.id, acceptance_ids),
                                        (AcceptanceRecord.receipt_no, receipts))
                   for chunk in _chunks(keys)]
        if lookups:
            self._add_acceptances(s.execute(union_all(*lookups) if len(lookups) > 1 else lookups[0]))
        signed = [self.receipts[k] for ev in events if ev.kind == "document.sign"
                  and (k := _key(ev.payload.get("receipt_no"), 40)) in self.receipts]
        case_ids = {cid for ev in events for cid in _case_ids(ev)}
        for chunk in _chunks(set(signed)):
            case_ids.update(s.scalars(select(CaseRecord.id).where(one_of(s, CaseRecord.acceptance_id, chunk))))
        # Lock in id order: two batches touching the same cases never deadlock.
        for chunk in _chunks(sorted(case_ids)):
            for case in _rows(s, select(CaseRecord.__table__).where(one_of(s, CaseRecord.id, chunk))
                              .order_by(CaseRecord.id).with_for_update()):
                self.cases[case["id"]] = case
        doc_acceptances = set(signed) | {c["acceptance_id"] for c in self.cases.values()}
        for chunk in _chunks(doc_acceptances):
            for doc in _rows(s, select(DocumentRecord.__table__)
                             .where(one_of(s, DocumentRecord.acceptance_id, chunk))
                             .order_by(DocumentRecord.id)):
                self.documents[(doc["acceptance_id"], doc["number"])] = doc
        seal_ids = {k for ev in events if ev.kind.startswith("seal.")
                    and (k := _key(ev.payload.get("seal_id"), 60))}
        seal_ids |= {k for ev in events if ev.kind == "seal.create"
                     and isinstance(ev.payload.get("certificate"), dict)
                     and (k := _key(ev.payload["certificate"].get("issuer_id"), 60))}
        for chunk in _chunks(sorted(seal_ids)):
            for seal in _rows(s, select(SealRecord.__table__).where(one_of(s, SealRecord.id, chunk))
                              .order_by(SealRecord.id).with_for_update()):
                self.seals[seal["id"]] = seal
        hashes = {h for ev in events for h in _file_hashes(ev) if HEX64.match(h)}
        for chunk in _chunks(hashes):
            self.files.update(s.scalars(select(StoredFile.sha256).where(
                one_of(s, StoredFile.sha256, chunk), StoredFile.complete.is_(True))))

    def cases_of(self, acceptance_id: str) -> list[dict]:
        """The view's cases of an acceptance, in the view's order (cases are only ever
        added to the view, so the index is brought up to date from where it stopped)."""
        if self._indexed < len(self.cases):
            for case in itertools.islice(self.cases.values(), self._indexed, None):
                self._by_acceptance.setdefault(case["acceptance_id"], []).append(case)
            self._indexed = len(self.cases)
        return self._by_acceptance.get(acceptance_id, [])

    def _add_acceptances(self, rows) -> None:
        for acc_id, station, receipt in rows:
            self.acceptances[acc_id] = {"id": acc_id, "station": station, "receipt_no": receipt}
            self.receipts[receipt] = acc_id

    # ---- checks shared by the handlers

    def wall(self, station: str, what: str, case_id: str | None = None) -> None:
        if not self.caller.may_see(station):
            raise Conflict("station", f"{what}属于站点 {station}，本终端（站点 {self.caller.station}）"
                                      "无权办理，事件未予采用", case_id)

    def case(self, ev: Incoming) -> dict:
        case_id = _str(ev.payload, "case_id", 64, "案件编号").lower()
        case = self.cases.get(case_id)
        if case is None:
            raise Conflict("unknown_case", f"中心没有案件 {case_id[:40]}（其受理记录尚未同步到中心或已被拒收）",
                           case_id)
        self.wall(case["station"], f"案件 {case['receipt_no']}（{case['matter_name']}）", case_id)
        return case

    def need_files(self, ev: Incoming) -> None:
        for digest in _file_hashes(ev):
            if not HEX64.match(digest):
                raise Conflict("invalid", "事件内容有误：文件摘要 sha256 应为64位十六进制数")
            if digest not in self.files:
                raise Retry(f"中心还没有文件 {digest[:12]}…（请先上传文件再发送此事件）")

    # ---- changes

    def touch(self, case: dict, ev: Incoming) -> None:
        case.update(updated_at=ev.created_at, received_at=self.received_at,
                    last_terminal=self.caller.terminal, last_user=text(ev.user, 64),
                    last_event_id=ev.id, version=(case.get("version") or 0) + 1)
        if case["id"] not in self.new_cases:
            self.dirty_cases.add(case["id"])

    def document_json(self, case: dict) -> dict | None:
        number = case.get("document_no")
        if not number:
            return None
        doc = self.documents.get((case["acceptance_id"], number))
        if doc is None:
            return {"kind": None, "number": number, "sha256": None, "seal_id": None,
                    "digest": None, "signature": None}
        return {"kind": doc["kind"], "number": number, "sha256": doc["sha256"],
                "seal_id": doc["seal_id"], "digest": doc["digest"], "signature": doc["signature"]}

    def case_change(self, case: dict, ev: Incoming, extra: dict | None = None) -> None:
        data = {"status": case["status"], "decided_on": _iso_day(case["decided_on"]),
                "due_date": _iso_day(case["due_date"]),
                "statutory_due_date": _iso_day(case["statutory_due_date"]),
                "document": self.document_json(case), "station": case["station"],
                "receipt_no": case["receipt_no"], "acceptance_id": case["acceptance_id"],
                "matter_code": case["matter_code"], "matter_name": case["matter_name"],
                "applicant_name": case["applicant_name"], "event": ev.kind, "version": case["version"]}
        if extra:
            data.update(extra)
        self.changes.append({"station": case["station"], "kind": "case", "key": case["id"],
                             "data": data, **self.origin(ev)})

    def origin(self, ev: Incoming) -> dict:
        return {"origin_terminal": self.caller.terminal, "origin_station": self.caller.station,
                "origin_user": text(ev.user, 64), "origin_at": ev.created_at}

    # ---- writing back

    def flush(self) -> None:
        s = self.s
        insert_rows(s, AcceptanceRecord, self.new_acceptances)
        insert_rows(s, CaseRecord, [self.cases[i] for i in sorted(self.new_cases)])
        update_rows(s, CaseRecord, [{k: self.cases[i][k] for k in CASE_STATE}
                                    for i in sorted(self.dirty_cases)])
        insert_rows(s, DocumentRecord, self.new_documents)
        update_rows(s, DocumentRecord, [d for d in self.documents.values()
                                        if d.get("id") in self.dirty_documents])
        insert_rows(s, SealRecord, [self.seals[i] for i in sorted(self.new_seals)])
        if self.dirty_seals:
            s.execute(update(SealRecord), [self.seals[i] for i in sorted(self.dirty_seals)])


CASE_STATE = ("id", "status", "due_date", "statutory_due_date", "decided_on", "document_no",
              "updated_at", "received_at", "last_terminal", "last_user", "last_event_id", "version")


def _iso_day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- handlers

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
    acc_id = _str(p, "acceptance_id", 64, "受理记录编号")
    receipt = _str(p, "receipt_no", 40, "受理编号")
    station = _str(p, "station", 20, "站点")
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
    received_on = _day(p, "received_on", "受理日期")
    cases, seen = [], set()
    for item in items:
        if not isinstance(item, dict):
            raise Conflict("invalid", "事件内容有误：案件应为 JSON 对象")
        case_id = _str(item, "id", 64, "案件编号").lower()
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
            "due_date": _day(item, "due_date", "承诺期限"),
            "statutory_due_date": _day(item, "statutory_due_date", "法定期限"),
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
                                         f"于 {_when(case['updated_at'])} 处理）", case["id"])
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
                                     f"于 {_when(case['updated_at'])} 已作处理），本次操作未予采用",
                       case["id"]) from None
    due = _day(p, "due_date", "承诺期限") if "due_date" in p else case["due_date"]
    statutory = (_day(p, "statutory_due_date", "法定期限") if "statutory_due_date" in p
                 else case["statutory_due_date"])
    decided, number, doc = case["decided_on"], case["document_no"], None
    if ev.kind in ("case.approve", "case.deny"):
        decided = _day(p, "decided_on", "决定日期") or ev.created_at.date()
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
    receipt = _str(p, "receipt_no", 40, "受理编号")
    number = text(_str(p, "number", 80, "文书编号"), 80)
    acc_id = v.receipts.get(receipt)
    if acc_id is None:
        raise Conflict("unknown_case", f"中心没有受理编号为 {receipt} 的受理记录（尚未同步或已被拒收）")
    acc = v.acceptances[acc_id]
    v.wall(acc["station"], f"受理 {receipt} 的文书")
    sha = p.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not HEX64.match(sha.lower())):
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


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def apply_seal_create(v: View, ev: Incoming) -> None:
    from forms.signing import verify_certificate

    p = ev.payload
    seal_id = _str(p, "seal_id", 60, "印章编号")
    cert = p.get("certificate")
    if not isinstance(cert, dict) or cert.get("seal_id") != seal_id:
        raise Conflict("invalid", f"事件内容有误：印章 {seal_id} 的证书缺失或与印章编号不符")
    try:
        public = _unb64(cert["public_key"])
        issuer_id = cert["issuer_id"]
        if not isinstance(issuer_id, str):
            raise TypeError(issuer_id)
    except (KeyError, TypeError, ValueError, binascii.Error, AttributeError):
        raise Conflict("invalid", f"印章 {seal_id} 的证书格式无效") from None
    if issuer_id == seal_id:
        issuer_public = public
    elif issuer_id in v.seals and v.seals[issuer_id]["status"] == "active":
        issuer_public = v.seals[issuer_id]["public_key"]
    else:
        raise Conflict("invalid", f"印章 {seal_id} 的证书由中心未登记或已吊销的印章 {str(issuer_id)[:40]} 签发")
    try:
        verify_certificate(cert, issuer_public)
    except DomainError as exc:
        raise Conflict("invalid", f"印章 {seal_id} 的证书无效：{exc}") from None
    existing = v.seals.get(seal_id)
    if existing is not None:
        if canonical(existing["certificate"]) == canonical(cert):
            return      # the same certificate again: nothing to do
        raise Conflict("exists", f"印章编号 {seal_id} 已在中心登记了另一份证书（终端 {existing['terminal']}），"
                                 "本次登记未予采用")
    row = {"id": seal_id, "name": text(cert.get("name"), 100), "category": text(cert.get("category"), 20),
           "algorithm": text(cert.get("algorithm"), 20), "public_key": public, "certificate": cert,
           "status": "active", "valid_from": date.fromisoformat(cert["valid_from"]),
           "valid_to": date.fromisoformat(cert["valid_to"]), "station": v.caller.station,
           "terminal": v.caller.terminal, "created_at": ev.created_at, "revoked_at": None,
           "revoked_reason": None}
    v.seals[seal_id] = row
    v.new_seals.add(seal_id)
    v.changes.append({"station": None, "kind": "seal.certificate", "key": seal_id,
                      "data": {"certificate": cert, "status": "active"}, **v.origin(ev)})


def apply_seal_revoke(v: View, ev: Incoming) -> None:
    p = ev.payload
    seal_id = _str(p, "seal_id", 60, "印章编号")
    seal = v.seals.get(seal_id)
    if seal is None:
        raise Conflict("invalid", f"中心没有登记印章 {seal_id}，不能吊销")
    v.wall(seal["station"], f"印章 {seal['name']}")
    if seal["status"] == "revoked":
        return          # already revoked (by another terminal): the wish is fulfilled
    seal.update(status="revoked", revoked_at=ev.created_at, revoked_reason=text(p.get("reason"), 500))
    if seal_id not in v.new_seals:
        v.dirty_seals.add(seal_id)
    v.changes.append({"station": None, "kind": "seal.certificate", "key": seal_id,
                      "data": {"certificate": seal["certificate"], "status": "revoked",
                               "reason": seal["revoked_reason"]}, **v.origin(ev)})


TRANSFER_KINDS = ("transfer.packed", "transfer.sent", "transfer.cancelled", "transfer.received")
MAX_TRANSFER_ITEMS = 200


def apply_transfer(v: View, ev: Incoming) -> None:
    """A 材料流转单's step (packed, handed over, voided at the station; signed for at
    the district): relayed to the terminals of its station and the district, which
    keep the slip's state; the centre checks who may act and the slip's shape."""
    p = ev.payload
    number = _str(p, "number", 40, "流转单号")
    station = _str(p, "station", 20, "站点")
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
        if not isinstance(item, dict) or not _key(item.get("case_id")) or not _key(item.get("receipt_no"), 40):
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
    code = _str(p, "material", 40, "材料编码")
    if ev.kind == "material.pages":
        pages = p.get("pages")
        if not isinstance(pages, list) or len(pages) > MAX_MATERIAL_PAGES:
            raise Conflict("invalid", f"事件内容有误：材料 {code} 的页面清单无效", case["id"])
        for page in pages:
            if not isinstance(page, dict) or not isinstance(page.get("sha256"), str) \
                    or not HEX64.match(page["sha256"].lower()):
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

def _result(ev: Incoming, status: str, message: str = "") -> dict:
    return {"id": ev.sent_id, "status": status, "message": message}


def process_batch(session: Session, caller: Caller, events: list[Incoming]) -> list[dict]:
    """Settle a checked batch inside the caller's transaction; one result per event."""
    received = now()
    ids = sorted({ev.id for ev in events})
    stored: dict[str, tuple[str, str, str]] = {}
    for chunk in _chunks(ids):
        for row in session.execute(select(Event.id, Event.content_hash, Event.status, Event.message)
                                   .where(one_of(session, Event.id, chunk))):
            stored[row.id] = (row.content_hash, row.status, row.message)
    recorded: set[tuple[str, str]] = set()
    clash = [i for i in ids if i in stored]
    for chunk in _chunks(clash):
        recorded.update(tuple(row) for row in session.execute(select(ConflictRecord.event_id, ConflictRecord.content_hash)
                                        .where(one_of(session, ConflictRecord.event_id, chunk),
                                               ConflictRecord.reason == "same_id")).all())
    wanted = sorted({ev.seq - 1 for ev in events if ev.seq > 1})
    present: set[int] = set()
    for chunk in _chunks(wanted):       # stored as events or as conflicts: one round trip
        present.update(session.scalars(union_all(
            select(Event.seq).where(Event.terminal == caller.terminal, one_of(session, Event.seq, chunk)),
            select(ConflictRecord.seq).where(ConflictRecord.terminal == caller.terminal,
                                             one_of(session, ConflictRecord.seq, chunk)))))
    view = View(session, caller, received)
    view.load([ev for ev in events if ev.id not in stored])
    limit = received + FUTURE_LIMIT
    results, event_rows, conflict_rows = [], [], []

    def conflict_row(ev: Incoming, reason: str, message: str, case_id: str | None = None) -> dict:
        return {"event_id": ev.id, "terminal": caller.terminal, "station": caller.station,
                "seq": ev.seq, "kind": ev.kind, "user_login": text(ev.user, 64),
                "created_at": ev.created_at, "received_at": received, "reason": reason,
                "message": message, "case_id": case_id, "content_hash": ev.content_hash,
                "payload": ev.body}

    for ev in events:
        prior = stored.get(ev.id)
        if prior is not None:
            present.add(ev.seq)
            if prior[0] == ev.content_hash:
                results.append(_result(ev, "conflict", prior[2]) if prior[1] == "conflict"
                               else _result(ev, "duplicate", "中心已收到过此事件"))
            else:
                message = f"事件 {ev.id} 已以不同的内容收到过，本次内容未予采用，请核对"
                if (ev.id, ev.content_hash) not in recorded:
                    conflict_rows.append(conflict_row(ev, "same_id", message))
                    recorded.add((ev.id, ev.content_hash))
                results.append(_result(ev, "conflict", message))
            continue
        if ev.seq > 1 and ev.seq - 1 not in present:
            results.append(_result(ev, "retry", f"中心尚未收到本终端序号为 {ev.seq - 1} 的前一事件，请按序补发"))
            continue
        status, message = "applied", ""
        try:
            if content_hash(ev.kind, ev.body) != ev.content_hash:
                raise Conflict("hash", "事件内容与其摘要（content_hash）不符，可能在传输或存储中被改动")
            if ev.created_at > limit:
                raise Conflict("future", f"事件时间 {ev.created_at:%Y-%m-%d %H:%M} 比中心时间超前24小时以上，"
                                         "请检查终端的系统时钟")
            view.need_files(ev)         # any event naming a file waits for its upload
            handler = HANDLERS.get(ev.kind)
            if handler is not None:
                handler(view, ev)
        except Retry as exc:
            results.append(_result(ev, "retry", exc.message))
            continue
        except Conflict as exc:
            status, message = "conflict", exc.message
            conflict_rows.append(conflict_row(ev, exc.reason, exc.message, exc.case_id))
        event_rows.append({"id": ev.id, "terminal": caller.terminal, "seq": ev.seq, "kind": ev.kind,
                           "payload": ev.body, "content_hash": ev.content_hash,
                           "user_login": text(ev.user, 64), "created_at": ev.created_at,
                           "received_at": received, "status": status, "message": message})
        stored[ev.id] = (ev.content_hash, status, message)
        present.add(ev.seq)
        results.append(_result(ev, status, message))
    view.flush()
    insert_rows(session, Event, sorted(event_rows, key=lambda r: r["id"]))
    insert_rows(session, ConflictRecord, conflict_rows)
    write_changes(session, view.changes)
    return results
