"""一窗受理: the four outcomes of the counter, each one service call and one
transaction — applicant, receipt number, cases, materials, document numbers,
audit entry and outbox event are written together or not at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import TypedDict

from sqlalchemy.orm import Session

from forms import DOCUMENTS_BY_OUTCOME
from .sync import outbox

from ..domain.applicants import ApplicantInput, parse_applicant
from ..domain.catalog import Catalog, Matter
from ..domain.errors import DomainError
from ..domain.intake import (Line, accept_lines, check_approve_on_spot, check_codes, check_notice,
                             notice_lines)
from ..domain.states import CaseStatus, check_transition
from ..domain.text import NOTE_MAX, clean_text
from ..domain.workdays import add_working_days
from ..store import raw
from . import audit, calendar as calendar_service, catalog as catalog_service
from .applicants import StoredApplicant, find_or_create
from .auth import Actor, require
from .context import Workstation
from .numbers import next_document_no, next_receipt_no
from .results import CaseSummary, NumberedDocument, RegisteredJson

MAX_MATTERS = 20
MAX_CODES = 200


@dataclass
class Intake:
    """What the clerk has on the desk."""

    matters: list[str]                  # matter codes, or one bundle code
    applicant: dict | ApplicantInput
    received: list[str] = field(default_factory=list)
    promises: dict[str, date] = field(default_factory=dict)   # 容缺: material → promised date
    defects: dict[str, str] = field(default_factory=dict)     # 一次性告知: material → what is wrong
    # A returning applicant whose details differ: the clerk has seen the difference
    # and confirms updating the applicant's current record (earlier cases keep theirs).
    update_applicant: bool = False


@dataclass(frozen=True)
class Registered:
    """The outcome, as the window and the CLI show it."""

    acceptance_id: str
    receipt_no: str
    status: str
    cases: list[CaseSummary]
    documents: list[NumberedDocument]
    due_date: date | None
    statutory_due_date: date | None
    provisional: bool

    def to_json(self) -> RegisteredJson:
        return {
            "receipt_no": self.receipt_no,
            "case_ids": [c["id"] for c in self.cases],
            "status": self.status,
            "status_label": CaseStatus(self.status).label,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "statutory_due_date": self.statutory_due_date.isoformat() if self.statutory_due_date else None,
            "provisional": self.provisional,
            "documents": self.documents,
            "cases": self.cases,
        }


def _resolve(catalog: Catalog, codes: list[str]) -> tuple[list[Matter], tuple[str, str] | None]:
    if not codes:
        raise DomainError("请选择办理事项", "matter")
    if len(codes) > MAX_MATTERS:
        raise DomainError(f"一次最多受理{MAX_MATTERS}个事项", "matter")
    if len(codes) == 1 and any(b.code == codes[0] for b in catalog.bundles):
        bundle = catalog.bundle(codes[0])
        return [catalog.matter(c) for c in bundle.matters], (bundle.code, bundle.name)
    if len(set(codes)) != len(codes):
        raise DomainError("同一事项不能重复选择", "matter")
    return [catalog.matter(c) for c in codes], None


def _applicant(intake: Intake, today: date) -> ApplicantInput:
    if isinstance(intake.applicant, ApplicantInput):
        return intake.applicant
    return parse_applicant(intake.applicant, today)


def _check_kind(matters: list[Matter], applicant: ApplicantInput) -> None:
    for m in matters:
        if applicant.kind not in m.applicant_kinds:
            who = "自然人" if applicant.kind == "person" else "企业"
            raise DomainError(f"事项“{m.name}”不受理{who}申请", "kind")


def _check_sizes(intake: Intake) -> None:
    if len(intake.received) + len(intake.promises) + len(intake.defects) > MAX_CODES:
        raise DomainError("材料编码过多", "materials")


class _Session:
    """The pieces one registration needs, read inside its transaction."""

    def __init__(self, ws: Workstation, s: Session):
        self.ws, self.s = ws, s
        self.settings = ws.settings(s)
        self.catalog_id, self.catalog = catalog_service.current(s, str(ws.data_dir))
        self.calendar = calendar_service.load(s)
        self.today = ws.clock.today()
        self.now = ws.clock.now()

    def promised_due(self, matter: Matter) -> date:
        due = add_working_days(self.calendar, self.today, matter.promised_days).day
        assert due is not None          # only a suspension leaves the day open; none here
        return due

    def read(self, intake: Intake, *, check_kind: bool = True):
        """The applicant and matters of the intake, checked; the received codes too."""
        applicant = _applicant(intake, self.today)
        matters, bundle = _resolve(self.catalog, intake.matters)
        if check_kind:
            _check_kind(matters, applicant)
        check_codes(intake.received, matters, "已收材料")
        return applicant, matters, bundle


class _NewCase(TypedDict):
    """A case as _write builds it, before its row and its JSON are written."""

    id: str
    seq: int
    matter_code: str
    matter_name: str
    status: str
    due_date: date | None
    statutory_due_date: date | None
    provisional: bool
    decided_on: date | None


def _case_json(c: _NewCase) -> CaseSummary:
    return {"id": c["id"], "matter_code": c["matter_code"], "matter_name": c["matter_name"],
            "status": c["status"], "due_date": raw.day(c["due_date"]),
            "statutory_due_date": raw.day(c["statutory_due_date"]), "provisional": c["provisional"]}


def _write(ctx: _Session, actor: Actor, applicant_in: ApplicantInput, applicant: StoredApplicant,
           matters: list[Matter], bundle: tuple[str, str] | None, outcome: str,
           plans: list[tuple[str, list[Line]]], notice: dict | None,
           approve_now: bool = False) -> Registered:
    """Write the acceptance, its cases, materials and documents, the audit entry and
    the outbox event: one statement per table through the driver (store.raw)."""
    s, settings, today, now = ctx.s, ctx.settings, ctx.today, ctx.now
    cur = raw.cursor(s)
    # The case belongs to the station of the clerk who took it (a station clerk may
    # work on a district terminal during 委托受理); users start with the terminal's.
    station = actor.station or settings.station
    receipt_no = next_receipt_no(s, settings, today)
    acceptance_id = uuid.uuid4().hex
    record = applicant.record                # the applicant as recorded today
    agent = record.to_json().get("agent")
    cur.execute(
        "INSERT INTO acceptances (id, receipt_no, outcome, applicant_id, applicant_kind, "
        "applicant_name, applicant_id_type, applicant_id_number, applicant_legal_rep, "
        "applicant_legal_rep_id, applicant_phone, applicant_address, agent, bundle_code, "
        "bundle_name, station, terminal, clerk, received_on, created_at, notice) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (acceptance_id, receipt_no, outcome, applicant.id, record.kind, record.name,
         record.id_type, record.id_number, record.legal_rep, record.legal_rep_id, record.phone,
         record.address, raw.js(agent),
         bundle[0] if bundle else None, bundle[1] if bundle else None, station, settings.terminal,
         actor.login, raw.day(today), raw.ts(now), raw.js(notice)))
    cases, material_rows = [], []
    for seq, (matter, (status, lines)) in enumerate(zip(matters, plans), start=1):
        accepted = status in ("accepted", "tolerated")
        status = check_transition(CaseStatus.DRAFT, CaseStatus(status))
        case: _NewCase = {"id": uuid.uuid4().hex, "seq": seq, "matter_code": matter.code,
                "matter_name": matter.name, "status": status.value, "due_date": None,
                "statutory_due_date": None, "provisional": False, "decided_on": None}
        if accepted:
            due = add_working_days(ctx.calendar, today, matter.promised_days)
            statutory = add_working_days(ctx.calendar, today, matter.statutory_days)
            case["due_date"], case["statutory_due_date"] = due.day, statutory.day
            case["provisional"] = due.provisional or statutory.provisional
        if approve_now:
            case["status"] = check_transition(status, CaseStatus.APPROVED).value
            case["decided_on"] = today
        cases.append((case, matter, accepted))
        material_rows += [(case["id"], line.material.code, line.material.name,
                           line.material.form.value, line.material.copies, line.material.required,
                           line.state, raw.day(line.promise_date), line.note) for line in lines]
    cur.executemany(
        "INSERT INTO cases (id, acceptance_id, seq, applicant_id, catalog_version_id, matter_code, "
        "matter_name, category, matter_kind, status, station, accepted_on, statutory_days, "
        "promised_days, extension_days, due_date, statutory_due_date, provisional, decided_on, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        [(c["id"], acceptance_id, c["seq"], applicant.id, ctx.catalog_id, m.code, m.name,
          m.category.value, m.kind.value, c["status"], station, raw.day(today) if accepted else None,
          m.statutory_days, m.promised_days, raw.day(c["due_date"]),
          raw.day(c["statutory_due_date"]), c["provisional"], raw.day(c["decided_on"]), raw.ts(now))
         for c, m, accepted in cases])
    cur.executemany(
        "INSERT INTO case_materials (case_id, code, name, form, copies, required, state, "
        "promise_date, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", material_rows)
    documents: list[NumberedDocument] = [{"kind": kind, "number": next_document_no(s, settings, kind, today.year)}
                 for kind in DOCUMENTS_BY_OUTCOME[outcome]]
    if approve_now:
        kind = DOCUMENTS_BY_OUTCOME["approved_on_spot"][0]
        documents += [{"kind": kind, "number": next_document_no(s, settings, kind, today.year),
                       "case_id": c["id"]} for c, _, _ in cases]
    cur.executemany(
        "INSERT INTO documents (acceptance_id, case_id, kind, number, issued_on) VALUES (?, ?, ?, ?, ?)",
        [(acceptance_id, d.get("case_id"), d["kind"], d["number"], raw.day(today)) for d in documents])
    case_json = [_case_json(c) for c, _, _ in cases]
    audit.record(s, actor.login, settings.terminal, now, f"acceptance.{outcome}", receipt_no,
                 {"applicant": applicant.id, "matters": [m.code for m in matters],
                  "cases": [c["id"] for c in case_json],
                  "documents": [d["number"] for d in documents], "approve_now": approve_now})
    if applicant.changes:
        # The clerk confirmed the update; which fields, not their values, for the log.
        audit.record(s, actor.login, settings.terminal, now, "applicant.update", str(applicant.id),
                     {"receipt_no": receipt_no, "fields": [c.field for c in applicant.changes]})
    outbox.append(s, f"acceptance.{outcome}", {
        "acceptance_id": acceptance_id, "receipt_no": receipt_no, "outcome": outcome,
        "station": station, "terminal": settings.terminal, "clerk": actor.login,
        "received_on": today.isoformat(), "catalog_version": ctx.catalog.version,
        "applicant": record.to_json(), "bundle": bundle[0] if bundle else None,
        "notice": notice, "cases": case_json, "documents": documents,
        "materials": {c["id"]: [{"code": line.material.code, "state": line.state,
                                 "promise_date": line.promise_date, "note": line.note} for line in plan[1]]
                      for (c, _, _), plan in zip(cases, plans)},
    }, user=actor.login, terminal=settings.terminal, at=now)
    dues = [c["due_date"] for c, _, _ in cases if c["due_date"]]
    statutory_dues = [c["statutory_due_date"] for c, _, _ in cases if c["statutory_due_date"]]
    statuses = {c["status"] for c, _, _ in cases}
    status = statuses.pop() if len(statuses) == 1 else outcome
    if "tolerated" in statuses:
        status = "tolerated"
    return Registered(acceptance_id, receipt_no, status, case_json, documents,
                      max(dues) if dues else None, max(statutory_dues) if statutory_dues else None,
                      any(c["provisional"] for c, _, _ in cases))


def accept(ws: Workstation, actor: Actor, intake: Intake, *, approve_now: bool = False) -> Registered:
    """受理, or 容缺受理 when some materials are promised for later."""
    require(actor, "accept")
    if approve_now:
        require(actor, "approve_on_spot")
    _check_sizes(intake)
    with ws.transaction() as s:
        ctx = _Session(ws, s)
        applicant, matters, bundle = ctx.read(intake)
        check_codes(intake.promises, matters, "容缺材料")
        if intake.defects:
            raise DomainError("受理时不应有需补正的材料；有缺陷请一次性告知", "defect")
        # Rolled back with the rest on error; refused when the details differ unconfirmed.
        stored = find_or_create(s, applicant, ctx.now, update=intake.update_applicant)
        plans = [accept_lines(m, matters, set(intake.received), dict(intake.promises),
                              today=ctx.today, promised_due=ctx.promised_due(m),
                              ineligible_reason=stored.ineligible_reason) for m in matters]
        if approve_now:
            for m, (status, _) in zip(matters, plans):
                check_approve_on_spot(m, status)
        outcome = "tolerated" if any(st == "tolerated" for st, _ in plans) else "accepted"
        return _write(ctx, actor, applicant, stored, matters, bundle, outcome, plans, None,
                      approve_now)


def notify(ws: Workstation, actor: Actor, intake: Intake) -> Registered:
    """一次性告知: one notice listing every missing or defective material."""
    require(actor, "accept")
    _check_sizes(intake)
    with ws.transaction() as s:
        ctx = _Session(ws, s)
        applicant, matters, bundle = ctx.read(intake)
        check_codes(intake.defects, matters, "需补正材料")
        if intake.promises:
            raise DomainError("一次性告知不涉及容缺承诺", "promise")
        lines = [notice_lines(m, matters, set(intake.received), dict(intake.defects))
                 for m in matters]
        check_notice([line for group in lines for line in group])
        plans = [("notified", group) for group in lines]
        stored = find_or_create(s, applicant, ctx.now, update=intake.update_applicant)
        return _write(ctx, actor, applicant, stored, matters, bundle, "notified", plans, None)


def refuse(ws: Workstation, actor: Actor, intake: Intake, *, reason: str, basis: str,
           competent_organ: str | None = None) -> Registered:
    """不予受理, with the specific reason, the legal basis and where it applies the
    organ that is competent (行政许可法 art. 32)."""
    require(actor, "accept")
    reason = clean_text(reason, "不予受理的理由", max_len=NOTE_MAX, field="reason")
    basis = clean_text(basis, "法律依据", max_len=NOTE_MAX, field="basis")
    organ = clean_text(competent_organ, "有权机关", max_len=100, required=False, field="organ")
    _check_sizes(intake)
    with ws.transaction() as s:
        ctx = _Session(ws, s)
        # A refusal may be exactly that the applicant is of a kind the matter is not for.
        applicant, matters, bundle = ctx.read(intake, check_kind=False)
        received = set(intake.received)
        plans = [("refused", notice_lines(m, matters, received, {})) for m in matters]
        notice = {"reason": reason, "basis": basis, "competent_organ": organ or None}
        stored = find_or_create(s, applicant, ctx.now, update=intake.update_applicant)
        return _write(ctx, actor, applicant, stored, matters, bundle, "refused", plans, notice)
