"""The central server's tables. migrations/versions/ creates exactly these (a test
compares the migrated schema with this metadata on PostgreSQL and SQLite).

Times are naive China Standard Time (protocol.CST), like the terminals' device times.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, DateTime, Index, Integer,
                        LargeBinary, MetaData, String, Text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Terminal(Base):
    """An enrolled (or to-be-enrolled) terminal. Terminal codes are unique in the
    district (receipt numbers and offline number ranges depend on it)."""

    __tablename__ = "terminals"
    terminal: Mapped[str] = mapped_column(String(3), primary_key=True)
    station: Mapped[str] = mapped_column(String(20), index=True)
    region: Mapped[str] = mapped_column(String(6))
    # Only the SHA-256 of the token is kept; NULL until enrolled and once revoked.
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # {"algorithm", "public_key"} the terminal signs its audit checkpoints with, given at
    # enrolment (NULL: enrolled by a version without one; its checkpoints are refused).
    checkpoint_key: Mapped[dict | None] = mapped_column(JSON)


class AuditCheckpoint(Base):
    """A terminal's audit head (sequence, hash, device time) as it signed it at a sync.
    Only ever appended; each is further along the terminal's chain than the one before."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (Index("ix_audit_checkpoints_terminal_seq", "terminal", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terminal: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32))                   # device time, as signed
    signature: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime)


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    terminal: Mapped[str] = mapped_column(String(3), index=True)
    station: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A later `terminal add` for the same terminal withdraws unused codes.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)


class Event(Base):
    """Every event received and settled (applied, or kept as a conflict)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_terminal_seq", "terminal", "seq"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    terminal: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(80))
    # The canonical JSON the content hash is computed over, kept verbatim.
    payload: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    user_login: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)        # device time
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10))               # applied | conflict
    message: Mapped[str] = mapped_column(Text, default="")


class ConflictRecord(Base):
    """A conflict kept at the centre for people to resolve."""

    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    terminal: Mapped[str] = mapped_column(String(3))
    station: Mapped[str] = mapped_column(String(20), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(80))
    user_login: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)        # device time
    received_at: Mapped[datetime] = mapped_column(DateTime)
    # same_id | transition | station | future | hash | unknown_case | invalid | exists
    reason: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    case_id: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)


class AcceptanceRecord(Base):
    __tablename__ = "acceptances"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    station: Mapped[str] = mapped_column(String(20), index=True)
    terminal: Mapped[str] = mapped_column(String(3))
    clerk: Mapped[str] = mapped_column(String(64))
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant: Mapped[dict | None] = mapped_column(JSON)
    bundle: Mapped[str | None] = mapped_column(String(40))
    received_on: Mapped[date | None] = mapped_column(Date)
    catalog_version: Mapped[str] = mapped_column(String(40), default="")
    event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime)        # device time


class CaseRecord(Base):
    """The centre's view of a case."""

    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    acceptance_id: Mapped[str] = mapped_column(String(64), index=True)
    station: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20))
    receipt_no: Mapped[str] = mapped_column(String(40), index=True)
    applicant_name: Mapped[str] = mapped_column(String(100))
    matter_code: Mapped[str] = mapped_column(String(40))
    matter_name: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    statutory_due_date: Mapped[date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_on: Mapped[date | None] = mapped_column(Date)
    document_no: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime)        # device time of the last event
    received_at: Mapped[datetime] = mapped_column(DateTime)
    last_terminal: Mapped[str] = mapped_column(String(3))
    last_user: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=1)


class DocumentRecord(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acceptance_id: Mapped[str | None] = mapped_column(String(64), index=True)
    case_id: Mapped[str | None] = mapped_column(String(64), index=True)
    station: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(80), index=True)
    seal_id: Mapped[str | None] = mapped_column(String(60))
    digest: Mapped[str | None] = mapped_column(String(200))
    signature: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SealRecord(Base):
    """A seal's public certificate and status, served to every terminal."""

    __tablename__ = "seals"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    algorithm: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    certificate: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))               # active | revoked
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    station: Mapped[str] = mapped_column(String(20))
    terminal: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class AuthorityRecord(Base):
    """The district's seal authority (one row): its X.509 certificate and its private key,
    encrypted with a passphrase the centre's operator keeps (sync/central/authority.py)."""

    __tablename__ = "authority"
    __table_args__ = (CheckConstraint("id = 1", name="one_authority"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(20))
    organ: Mapped[str] = mapped_column(String(100))
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    key_blob: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class StoredFile(Base):
    """A content-addressed file (document, scan). Partial uploads live on disk only."""

    __tablename__ = "files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    path: Mapped[str] = mapped_column(String(300))
    station: Mapped[str] = mapped_column(String(20))
    terminal: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Change(Base):
    """What terminals pull. ``cursor`` is assigned under the ``changes`` counter's row
    lock, so cursors become visible in commit order and no puller skips one."""

    __tablename__ = "changes"
    cursor: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    station: Mapped[str | None] = mapped_column(String(20))     # NULL: every terminal
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict] = mapped_column(JSON)
    origin_terminal: Mapped[str | None] = mapped_column(String(3))
    origin_station: Mapped[str | None] = mapped_column(String(20))
    origin_user: Mapped[str | None] = mapped_column(String(64))
    origin_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Counter(Base):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class NumberCounter(Base):
    """The next document sequence the centre may lease, per authority, act and year."""

    __tablename__ = "number_counters"
    authority: Mapped[str] = mapped_column(String(40), primary_key=True)
    act: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    next: Mapped[int] = mapped_column(BigInteger)


class NumberBlock(Base):
    __tablename__ = "number_blocks"
    __table_args__ = (Index("ix_number_blocks_scope", "authority", "act", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority: Mapped[str] = mapped_column(String(40))
    act: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    terminal: Mapped[str] = mapped_column(String(3))
    station: Mapped[str] = mapped_column(String(20))
    leased_at: Mapped[datetime] = mapped_column(DateTime)


class CatalogMatter(Base):
    """The last published state of each matter, to publish only what changed."""

    __tablename__ = "catalog_matters"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    version: Mapped[str] = mapped_column(String(40))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CatalogRelease(Base):
    __tablename__ = "catalog_releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    bundles: Mapped[list] = mapped_column(JSON)
    matters: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(DateTime)


class CalendarYear(Base):
    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(DateTime)


class PublishedUser(Base):
    __tablename__ = "users"
    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    station: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Refusal(Base):
    """A batch the centre refused whole because its terminal tried to say what its
    station may not (another station's or terminal's data, a decision from a station,
    a kind only the district pushes): who tried, when, and why. Nothing of the batch
    is stored; `workstation-central refusals` lists these."""

    __tablename__ = "refusals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terminal: Mapped[str] = mapped_column(String(3), index=True)
    station: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)                # the centre's time
    reason: Mapped[str] = mapped_column(String(20))               # terminal | station | kind | decision
    message: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(80))
    user_login: Mapped[str | None] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(Integer, default=0)      # how many the batch held
