"""Applicants: found again by ID number or credit code and reused across visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.applicants import ApplicantInput
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
from .search_index import index_name


@dataclass(frozen=True)
class StoredApplicant:
    id: int
    ineligible_reason: str | None


def find_or_create(session: Session, data: ApplicantInput, now: datetime) -> StoredApplicant:
    """The stored applicant with this identity, brought up to date, or a new one.

    Runs at every acceptance, so it goes through the driver's cursor (store.raw)."""
    cur = raw.cursor(session)
    row = cur.execute("SELECT id, name, legal_rep, legal_rep_id, phone, address, ineligible_reason "
                      "FROM applicants "
                      "WHERE id_type = ? AND id_number = ?", (data.id_type, data.id_number)).fetchone()
    stamp = raw.ts(now)
    if row is None:
        applicant_id = cur.execute(
            "INSERT INTO applicants (kind, name, id_type, id_number, legal_rep, legal_rep_id, phone, "
            "address, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (data.kind, data.name, data.id_type, data.id_number, data.legal_rep, data.legal_rep_id,
             data.phone, data.address, stamp, stamp)).fetchone()[0]
        index_name(session, applicant_id, data.name, new=True)
        return StoredApplicant(applicant_id, None)
    applicant_id, name, legal_rep, legal_rep_id, phone, address, reason = row
    # What the applicant tells us today wins; a blank field keeps what we knew.
    # A new legal representative named without an ID number clears the old one's.
    rep_id = data.legal_rep_id or (legal_rep_id if data.legal_rep in ("", legal_rep) else "")
    cur.execute("UPDATE applicants SET name = ?, legal_rep = ?, legal_rep_id = ?, phone = ?, "
                "address = ?, updated_at = ? WHERE id = ?",
                (data.name, data.legal_rep or legal_rep, rep_id, data.phone or phone,
                 data.address or address, stamp, applicant_id))
    if name != data.name:
        index_name(session, applicant_id, data.name)
    return StoredApplicant(applicant_id, reason)


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


def _by_number(session: Session, number: str) -> Applicant:
    value = (number or "").strip().upper()
    if looks_like_credit_code(value):
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
        audit.record(s, actor.login, settings.terminal, now, "applicant.flag", row.id_number,
                     {"reason": reason})
        return applicant_json(row)
