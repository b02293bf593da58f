"""Tables of the local store. Migrations in migrations/versions/ create exactly these."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    station: Mapped[str | None] = mapped_column(String(20))
    rights: Mapped[str] = mapped_column(String(200), default="")
    # An approver's categories of business (商事登记,社会民生…): the seals they may use.
    categories: Mapped[str] = mapped_column(String(100), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CatalogVersion(Base):
    __tablename__ = "catalog_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(64))


class HolidayYear(Base):
    __tablename__ = "holiday_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class Applicant(Base):
    __tablename__ = "applicants"
    __table_args__ = (UniqueConstraint("id_type", "id_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100), index=True)
    id_type: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str] = mapped_column(String(30), index=True)
    legal_rep: Mapped[str] = mapped_column(String(50), default="")
    legal_rep_id: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    ineligible_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Acceptance(Base):
    """One visit at the counter: one receipt number, one or more cases (a bundle)."""

    __tablename__ = "acceptances"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    # The applicant as recorded that day (finding 10 of issue 16): a later visit that
    # updates the applicant's current record never changes what this case says.
    applicant_kind: Mapped[str] = mapped_column(String(12), server_default="")
    applicant_name: Mapped[str] = mapped_column(String(100), index=True, server_default="")
    applicant_id_type: Mapped[str] = mapped_column(String(20), server_default="")
    applicant_id_number: Mapped[str] = mapped_column(String(30), server_default="")
    applicant_legal_rep: Mapped[str] = mapped_column(String(50), server_default="")
    applicant_legal_rep_id: Mapped[str] = mapped_column(String(30), server_default="")
    applicant_phone: Mapped[str] = mapped_column(String(20), server_default="")
    applicant_address: Mapped[str] = mapped_column(String(200), server_default="")
    agent: Mapped[dict | None] = mapped_column(JSON)
    bundle_code: Mapped[str | None] = mapped_column(String(40))
    bundle_name: Mapped[str | None] = mapped_column(String(100))
    station: Mapped[str] = mapped_column(String(20))
    terminal: Mapped[str] = mapped_column(String(3))
    clerk: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    notice: Mapped[dict | None] = mapped_column(JSON)   # refusal reason/basis/organ
    applicant: Mapped[Applicant] = relationship()
    cases: Mapped[list[Case]] = relationship(back_populates="acceptance", order_by="Case.seq")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_due", "status", "due_date"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    acceptance_id: Mapped[str] = mapped_column(ForeignKey("acceptances.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    catalog_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id"))
    matter_code: Mapped[str] = mapped_column(String(40))
    matter_name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(10))
    matter_kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    station: Mapped[str] = mapped_column(String(20), index=True)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    statutory_days: Mapped[int] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[date | None] = mapped_column(Date)
    statutory_due_date: Mapped[date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    acceptance: Mapped[Acceptance] = relationship(back_populates="cases")
    materials: Mapped[list[CaseMaterial]] = relationship(order_by="CaseMaterial.id")
    suspensions: Mapped[list[Suspension]] = relationship(order_by="Suspension.start")


class CaseMaterial(Base):
    __tablename__ = "case_materials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    form: Mapped[str] = mapped_column(String(10))
    copies: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(12))  # received, missing, promised, defective, absent
    promise_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")


class Suspension(Base):
    __tablename__ = "suspensions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acceptance_id: Mapped[str] = mapped_column(ForeignKey("acceptances.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(60), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    path: Mapped[str | None] = mapped_column(String(500))
    seal_id: Mapped[str | None] = mapped_column(ForeignKey("seals.id"))
    digest: Mapped[str | None] = mapped_column(String(100))
    signature: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Seal(Base):
    """An electronic seal: its picture, key pair and certificate.

    The private key is stored only encrypted (forms.signing key blob); the secret
    that opens it lives in the OS keyring, never here."""

    __tablename__ = "seals"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(10), index=True)
    algorithm: Mapped[str] = mapped_column(String(12))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    certificate: Mapped[dict] = mapped_column(JSON)
    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))   # active | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class ApprovalJob(Base):
    """A bulk decision stored before it runs, so that a crash or a cancel can be
    resumed: each item is decided and marked done in one transaction."""

    __tablename__ = "approval_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_login: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))      # approve | deny
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10))        # open | done | cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApprovalJobItem(Base):
    __tablename__ = "approval_job_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("approval_jobs.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    state: Mapped[str] = mapped_column(String(10))         # pending | done | failed
    message: Mapped[str] = mapped_column(String(500), default="")
    document_no: Mapped[str | None] = mapped_column(String(60))


class Delivery(Base):
    """How a case's result left the hall: handed over at the window or mailed.
    One per case; a mail delivery goes from mailed to delivered."""

    __tablename__ = "deliveries"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))           # pickup | mail
    status: Mapped[str] = mapped_column(String(12))           # handed_over | mailed | delivered
    collector_name: Mapped[str] = mapped_column(String(50), default="")
    collector_id: Mapped[str] = mapped_column(String(30), default="")
    collector_role: Mapped[str] = mapped_column(String(12), default="")  # applicant | legal_rep | agent
    signature: Mapped[str] = mapped_column(String(200), default="")      # "tick" or an image's path
    recipient_name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    province: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(30), default="")
    district: Mapped[str] = mapped_column(String(30), default="")
    adcode: Mapped[str] = mapped_column(String(6), default="")
    address_detail: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(6), default="")
    waybill: Mapped[str | None] = mapped_column(String(13), unique=True)
    mailed_on: Mapped[date | None] = mapped_column(Date, index=True)
    document_no: Mapped[str | None] = mapped_column(String(60))        # the 送达回证
    clerk: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class SyncState(Base):
    """The terminal's side of sync: server URL, pull cursor, last sync, last error."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Conflict(Base):
    """Something the centre and this terminal disagree on, kept for a person to decide:
    an event the centre refused, or a change from elsewhere to a case with unpushed
    local work. Never resolved silently."""

    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(10))          # push | pull
    event_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    user_login: Mapped[str] = mapped_column(String(64))      # whose work it concerns
    message: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(500))


class Counter(Base):
    """Gap-free sequences, incremented inside the transaction that uses the number."""

    __tablename__ = "counters"
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class NumberBlock(Base):
    """A range of document sequences this terminal may use: its own offline range,
    or a block leased from the centre (a lease says when and from which server)."""

    __tablename__ = "number_blocks"
    __table_args__ = (Index("ix_number_blocks_scope", "authority", "act", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority: Mapped[str] = mapped_column(String(40))
    act: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))  # offline | lease
    leased_at: Mapped[datetime | None] = mapped_column(DateTime)
    server: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_login: Mapped[str] = mapped_column(String(64))
    terminal: Mapped[str] = mapped_column(String(3))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEvent(Base):
    __tablename__ = "outbox"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    user_login: Mapped[str] = mapped_column(String(64))
    terminal: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    acked_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class MaterialTransfer(Base):
    """A 材料流转单: the paper of a station's cases packed, handed over and signed for
    at the district centre (packed → sent → received | discrepancy; packed → cancelled)."""

    __tablename__ = "material_transfers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    station: Mapped[str] = mapped_column(String(20), index=True)
    terminal: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    carrier: Mapped[str] = mapped_column(String(50), default="")       # who carries the bundle
    sent_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_by: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(String(500), default="")         # at receipt, or why voided
    items: Mapped[list[MaterialTransferItem]] = relationship(order_by="MaterialTransferItem.seq")


class MaterialTransferItem(Base):
    """One case's bundle on a slip, with what it held when packed. A case is on at most
    one live item (pending or received): the partial unique index says so."""

    __tablename__ = "material_transfer_items"
    __table_args__ = (Index("ux_transfer_items_live_case", "case_id", unique=True,
                            sqlite_where=text("state IN ('pending', 'received')")),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("material_transfers.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    receipt_no: Mapped[str] = mapped_column(String(40))
    materials: Mapped[int] = mapped_column(Integer)                    # paper materials (件)
    copies: Mapped[int] = mapped_column(Integer)                       # sheets' copies (份)
    state: Mapped[str] = mapped_column(String(10))     # pending | received | missing | cancelled
    note: Mapped[str] = mapped_column(String(500), default="")


class PageFile(Base):
    """A stored page picture, content-addressed under the data folder
    (materials/ab/abcdef….jpg|png); written before any row names it."""

    __tablename__ = "page_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(20))                      # image/jpeg | image/png
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MaterialPage(Base):
    """One page of a case material's electronic copy, in order. Reused materials link
    the same stored pages (never copies)."""

    __tablename__ = "material_pages"
    __table_args__ = (UniqueConstraint("case_material_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_material_id: Mapped[int] = mapped_column(ForeignKey("case_materials.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("page_files.sha256"), index=True)
    rotation: Mapped[int] = mapped_column(Integer, default=0)          # 0 | 90 | 180 | 270, clockwise
    source: Mapped[str] = mapped_column(String(10))    # file | camera | scanner | folder | reuse
    captured_by: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[datetime] = mapped_column(DateTime)


class ElectronicMaterial(Base):
    """A case material's electronic copy as a whole: how long it serves other cases,
    where it was reused from, and the back office's check (未核验/已核验/有缺陷)."""

    __tablename__ = "electronic_materials"
    case_material_id: Mapped[int] = mapped_column(ForeignKey("case_materials.id"), primary_key=True)
    valid_until: Mapped[date | None] = mapped_column(Date)
    reused_from: Mapped[int | None] = mapped_column(ForeignKey("case_materials.id"))
    check_state: Mapped[str] = mapped_column(String(12))   # unchecked | checked | defective
    checked_by: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    check_note: Mapped[str] = mapped_column(String(500), default="")


class LoginFailure(Base):
    """Wrong passwords in a row for one login name, and until when it is locked
    (services/auth.py); the row goes at the next successful login."""

    __tablename__ = "login_failures"
    login: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
