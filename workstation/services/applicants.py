"""Applicants: found again by ID number or credit code and reused across visits.

The applicants row is the current record; each acceptance keeps its own copy of
the applicant as recorded that day (acceptances.applicant_*)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.applicants import ApplicantInput, Change, differences, merge_known
from ..domain.errors import DomainError
from ..domain.identity import looks_like_credit_code, parse_credit_code, parse_id_card
from ..domain.text import clean_text
from ..store import raw
from ..store.models import Applicant
from . import audit
from .auth import Actor, require
from .context import Workstation
from .errors import NotFound
from .results import ApplicantJson
from .search_index import add_name, index_name


@dataclass(frozen=True)
class StoredApplicant:
    """The applicant's row, and what this acceptance records of them (its snapshot)."""

    id: int
    ineligible_reason: str | None
    record: ApplicantInput
    changes: tuple[Change, ...] = ()


class ApplicantChanged(DomainError):
    """A returning applicant's details differ from the record: the clerk must see the
    difference and confirm the update first. Nothing was written."""

    def __init__(self, changes: list[Change]):
        listed = "；".join(f"{c.label}：{c.old or '（空）'} → {c.new or '（空）'}" for c in changes)
        super().__init__(f"该证件号码的申请人已有登记，本次填写的信息与登记不同（{listed}）。"
                         "请核对后确认更新申请人信息；更新不改动以前的案件", changes[0].field)
        self.changes = changes


_COLUMNS = "id, kind, name, id_type, id_number, legal_rep, phone, address, legal_rep_id, ineligible_reason"


def _known(row) -> ApplicantInput:
    _, kind, name, id_type, id_number, legal_rep, phone, address, legal_rep_id, _ = row
    return ApplicantInput(kind, name, id_type, id_number, legal_rep, phone, address, None, legal_rep_id)


def _insert(session: Session, data: ApplicantInput, now: datetime) -> StoredApplicant:
    stamp = raw.ts(now)
    applicant_id = raw.cursor(session).execute(
        "INSERT INTO applicants (kind, name, id_type, id_number, legal_rep, legal_rep_id, phone, "
        "address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (data.kind, data.name, data.id_type, data.id_number, data.legal_rep, data.legal_rep_id,
         data.phone, data.address, stamp, stamp)).fetchone()[0]
    index_name(session, applicant_id, data.name, new=True)
    return StoredApplicant(applicant_id, None, data)


def _row(session: Session, data: ApplicantInput):
    return raw.cursor(session).execute(
        f"SELECT {_COLUMNS} FROM applicants WHERE id_type = ? AND id_number = ?",
        (data.id_type, data.id_number)).fetchone()


def find_or_create(session: Session, data: ApplicantInput, now: datetime, *,
                   update: bool = False) -> StoredApplicant:
    """The stored applicant with this identity, or a new one, for an acceptance today.

    A returning applicant whose details differ is refused with ApplicantChanged unless
    the clerk confirmed the update (`update`); the update changes the current record
    only, never what earlier acceptances recorded. The old name stays searchable.
    Runs at every acceptance, so it goes through the driver's cursor (store.raw)."""
    row = _row(session, data)
    if row is None:
        return _insert(session, data, now)
    known = _known(row)
    merged = merge_known(known, data)
    changes = differences(known, merged)
    if changes and not update:
        raise ApplicantChanged(changes)
    if changes:
        raw.cursor(session).execute(
            "UPDATE applicants SET name = ?, legal_rep = ?, legal_rep_id = ?, phone = ?, address = ?, "
            "updated_at = ? WHERE id = ?", (merged.name, merged.legal_rep, merged.legal_rep_id,
                                             merged.phone, merged.address, raw.ts(now), row[0]))
        if merged.name != known.name:
            add_name(session, row[0], merged.name)
    return StoredApplicant(row[0], row[-1], merged, tuple(changes))


def find_for_pulled(session: Session, data: ApplicantInput, now: datetime) -> StoredApplicant:
    """The applicant of an acceptance made on another terminal: its record is what that
    terminal sent; the current record here is left as it is (a clerk here confirms an
    update when the applicant comes here), but the name it was recorded under is found."""
    row = _row(session, data)
    if row is None:
        return _insert(session, data, now)
    if data.name != row[2]:
        add_name(session, row[0], data.name)
    return StoredApplicant(row[0], row[-1], data)


def applicant_json(row: Applicant) -> ApplicantJson:
    """The stored applicant in the applicant file's shape (plus any ineligibility)."""
    shape = ApplicantInput(row.kind, row.name, row.id_type, row.id_number, row.legal_rep, row.phone,
                           row.address, None, row.legal_rep_id).to_json()
    out: ApplicantJson = {**shape}
    if row.ineligible_reason:
        out["ineligible_reason"] = row.ineligible_reason
    return out


def lookup(ws: Workstation, number: str) -> ApplicantJson | None:
    """A known applicant by ID number or credit code, for filling in the form."""
    value = (number or "").strip().upper()
    if not value or len(value) > 30:
        return None
    with ws.reading() as s:
        row = s.scalar(select(Applicant).where(Applicant.id_number == value).limit(1))
        return applicant_json(row) if row else None


def _valid_id_card(value: str) -> bool:
    try:
        parse_id_card(value)
    except DomainError:
        return False
    return True


def _by_number(session: Session, number: str) -> Applicant:
    value = (number or "").strip().upper()
    # An ID number ending in the check letter X also has a credit code's shape: a valid
    # ID number is taken as one first (about one in eleven people's ends in X).
    if value[:17].isdigit() and _valid_id_card(value):
        value = parse_id_card(value).number
    elif looks_like_credit_code(value):
        value = parse_credit_code(value)
    else:
        value = parse_id_card(value).number
    row = session.scalar(select(Applicant).where(Applicant.id_number == value))
    if row is None:
        raise NotFound(f"没有证件号码为 {value} 的申请人")
    return row


def set_ineligible(ws: Workstation, actor: Actor, number: str, reason: str | None) -> ApplicantJson:
    """Mark an applicant as not eligible for 容缺受理 (bad credit, broken promise),
    or clear the mark with reason None."""
    require(actor, "flag_applicant")
    if reason is not None:
        reason = clean_text(reason, "原因", max_len=200, field="reason")
    with ws.transaction() as s:
        settings = ws.settings(s)
        row = _by_number(s, number)
        if reason is None and row.ineligible_reason is None:
            raise DomainError("该申请人没有失信标记")
        row.ineligible_reason = reason
        now = ws.clock.now()
        row.updated_at = now
        # The applicant's internal id, never the ID number: the log is append-only and
        # could never forget it.
        audit.record(s, actor.login, settings.terminal, now, "applicant.flag", str(row.id),
                     {"reason": reason})
        return applicant_json(row)
