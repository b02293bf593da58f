"""What the services return: the shapes the window reads and the CLI prints as JSON.

They are TypedDicts, not classes: at run time each is the plain dict the CLI hands
to json.dumps, so the JSON scripts rely on keeps its keys and their order (README),
while mypy checks every reader of a field. Dates are ISO strings here, as printed.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from ..domain.applicants import ApplicantFile

# ---------------------------------------------------------------- 受理 (acceptance)


class CaseSummary(TypedDict):
    """One case of a new acceptance."""

    id: str
    matter_code: str
    matter_name: str
    status: str
    due_date: str | None
    statutory_due_date: str | None
    provisional: bool


class NumberedDocument(TypedDict):
    """A document numbered at acceptance, to be filled and sealed (documents.issue_pending);
    `case_id` for a decision taken on the spot."""

    kind: str
    number: str
    case_id: NotRequired[str]


class RegisteredJson(TypedDict):
    receipt_no: str
    case_ids: list[str]
    status: str
    status_label: str
    due_date: str | None
    statutory_due_date: str | None
    provisional: bool
    documents: list[NumberedDocument]
    cases: list[CaseSummary]


class ApplicantJson(ApplicantFile):
    """A stored applicant in the applicant file's shape, plus any ineligibility mark."""

    ineligible_reason: NotRequired[str]


# ---------------------------------------------------------------- documents


class IssuedDocument(TypedDict):
    """A document filled, sealed and signed after the acceptance (issue_pending)."""

    kind: str
    number: str
    path: str
    qr: str


class SignedDocument(TypedDict):
    """A document signed inside a decision's or a handover's transaction (sign_in)."""

    kind: str
    number: str
    path: str
    qr: str
    sha256: str
    seal_id: str
    digest: str
    signature: str
    relpath: str


class FileRef(TypedDict):
    """What an outbox event tells the centre about a document file."""

    kind: str
    number: str
    sha256: str
    seal_id: str
    digest: str
    signature: str
    path: str


# ---------------------------------------------------------------- 审批 (approval)


class Decided(TypedDict):
    case_id: str
    status: str
    document: SignedDocument


class JobFailure(TypedDict):
    case_id: str
    message: str


class JobSummary(TypedDict):
    job_id: str
    decision: str
    status: str
    total: int
    done: int
    pending: int
    failed: list[JobFailure]
    documents: list[str | None]


class ClockResult(TypedDict):
    """A case after its clock moved (start review, suspend, resume, extend)."""

    case_id: str
    status: str
    status_label: str
    due_date: str | None
    statutory_due_date: str | None
    provisional: bool
    extension_days: int


# ---------------------------------------------------------------- one acceptance, whole (cases.show)


class BundleRef(TypedDict):
    code: str
    name: str | None


class ApplicantRecord(TypedDict):
    kind: str
    name: str
    id_type: str
    id_number: str
    legal_rep: str
    phone: str
    address: str


class DocumentRow(TypedDict):
    kind: str
    number: str
    case_id: str | None
    issued_on: str
    issued: bool            # its file made (False: numbered at the commit, still to be made)


class SuspensionJson(TypedDict):
    start: str
    end: str | None
    reason: str


class CaseMaterialJson(TypedDict):
    code: str
    name: str
    form: str
    copies: int
    required: bool
    state: str
    state_label: str
    promise_date: str | None
    note: str


class DeliveryJson(TypedDict):
    method: str
    status: str
    waybill: str | None
    collector: str | None
    collector_role: str | None
    document_no: str | None
    delivered_at: str | None


class CaseDetail(TypedDict):
    id: str
    matter_code: str
    matter_name: str
    category: str
    kind: str
    status: str
    status_label: str
    catalog_version_id: int
    accepted_on: str | None
    promised_days: int
    statutory_days: int
    extension_days: int
    due_date: str | None
    statutory_due_date: str | None
    provisional: bool
    suspensions: list[SuspensionJson]
    materials: list[CaseMaterialJson]
    delivery: DeliveryJson | None


class AcceptanceDetail(TypedDict):
    receipt_no: str
    acceptance_id: str
    outcome: str
    received_on: str
    clerk: str
    created_at: str
    terminal: str
    station: str
    bundle: BundleRef | None
    applicant: ApplicantRecord
    agent: dict[str, Any] | None
    notice: dict[str, Any] | None
    documents: list[DocumentRow]
    cases: list[CaseDetail]


class CaseRowJson(TypedDict):
    """A case in a list (cases.CaseRow)."""

    id: str
    receipt_no: str
    applicant: str
    applicant_number: str
    matter: str
    category: str
    status: str
    status_label: str
    received_on: str
    due_date: str | None
    provisional: bool
    clerk: str
    station: str


# ---------------------------------------------------------------- 出件 (output window)


class OutputRowJson(TypedDict):
    case_id: str
    receipt_no: str
    applicant: str
    matter: str
    status: str
    status_label: str
    decided_on: str | None
    method: str | None
    delivery_status: str | None
    waybill: str | None


class PickedUp(TypedDict):
    case_id: str
    status: str
    collector: str
    collector_role: str
    collector_role_label: str
    document: SignedDocument


class Mailed(TypedDict):
    case_id: str
    status: str
    waybill: str
    address: str
    postcode: str


class MarkedDelivered(TypedDict):
    case_id: str
    status: str
    waybill: str | None


# ---------------------------------------------------------------- reference data and set-up


class CalendarImported(TypedDict):
    year: int
    holidays: int
    workdays: int
    cases_recomputed: int


class CatalogImported(TypedDict):
    version_id: int
    label: str
    matters: int
    bundles: int


class CatalogMaterialJson(TypedDict):
    code: str
    name: str
    form: str
    copies: int
    required: bool
    tolerable: bool


class CatalogMatterJson(TypedDict):
    code: str
    name: str
    category: str
    kind: str
    statutory_days: int
    promised_days: int
    allows_tolerance: bool
    materials: list[CatalogMaterialJson]


class CatalogJson(TypedDict):
    version_id: int
    version: str
    title: str
    matters: list[CatalogMatterJson]
    bundles: list[dict[str, Any]]        # the catalog file's bundle entries, as written


class SealJson(TypedDict):
    id: str
    name: str
    category: str
    algorithm: str
    status: str
    valid_from: str
    valid_to: str
    certificate: dict[str, Any]          # the X.509 certificate and the seal's structures (PROTOCOL.md)


class Initialised(TypedDict):
    settings: dict[str, str]
    catalog: CatalogImported | None
    seal: SealJson | None
    data_dir: str


class ConflictJson(TypedDict):
    id: int
    source: str
    kind: str
    case_id: str | None
    user: str | None
    message: str
    created_at: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None


class AuditReportJson(TypedDict):
    ok: bool
    entries: int
    problem: str | None
    seq: int | None
    keyed: bool                 # the chain is keyed (HMAC under the audit key)
    checkpoint: int | None      # the last sequence the centre confirmed, if any


# The demo's summary: "from" is a keyword, hence the functional form.
DemoResult = TypedDict("DemoResult", {
    "message": str,
    "skipped": bool,
    "existing": NotRequired[int],
    "data_dir": str,
    "initialised": NotRequired[bool],
    "users_created": NotRequired[list[str]],
    "users_existing": NotRequired[list[str]],
    "password": NotRequired[str],
    "from": NotRequired[str | None],
    "to": NotRequired[str | None],
    "acceptances": NotRequired[int],
    "cases": NotRequired[int],
    "outcomes": NotRequired[dict[str, int]],
})


# ---------------------------------------------------------------- 材料流转 (transfers)


class PendingCaseJson(TypedDict):
    case_id: str
    receipt_no: str
    matter: str
    applicant: str
    status: str
    status_label: str
    materials: int
    copies: int
    accepted_on: str | None


class TransferItemJson(TypedDict):
    seq: int
    case_id: str
    receipt_no: str
    matter: str
    applicant: str
    materials: int
    copies: int
    state: str
    state_label: str
    note: str


class TransferDetail(TypedDict):
    id: str
    number: str
    station: str
    terminal: str
    status: str
    status_label: str
    created_by: str
    created_by_name: str
    created_at: str | None
    carrier: str | None
    sent_by: str | None
    sent_at: str | None
    received_by: str | None
    received_by_name: str | None
    received_at: str | None
    note: str | None
    qr: str
    cases: int
    materials: int
    copies: int
    missing: int
    items: list[TransferItemJson]
    remaining: NotRequired[int]          # create with all_pending: cases left for another slip


class TransferRow(TypedDict):
    number: str
    station: str
    status: str
    status_label: str
    created_at: str | None
    created_by: str
    carrier: str | None
    sent_at: str | None
    received_at: str | None
    cases: int
    materials: int
    missing: int


class ScannedSlip(TypedDict):
    """A scanned slip code: what the QR says, and the slip if this terminal may see it."""

    transfer_no: str | None
    known: bool
    receipts: list[str]
    message: NotRequired[str]
    station: NotRequired[str]
    status: NotRequired[str]
    status_label: NotRequired[str]
    cases: NotRequired[int]


# ---------------------------------------------------------------- sync


class Enrolled(TypedDict):
    server: str
    station: str
    terminal: str


class HeldBlock(TypedDict):
    authority: str
    act: str
    year: int
    next: int
    last: int


class LeasedBlock(TypedDict):
    authority: str
    act: str
    year: int
    first: int
    last: int


class LeaseRound(TypedDict):
    leased: list[LeasedBlock]
    errors: list[str]


class SyncStatus(TypedDict):
    server: str | None
    enrolled: bool
    station: str | None
    online: bool
    pending: int
    conflicts: int
    last_sync: str | None
    last_error: str | None
    skew_seconds: int | None
    leases: list[HeldBlock]


class SyncRound(SyncStatus):
    """sync_once: the status after the round, and what the round did."""

    pushed: dict[str, int]               # events by the centre's answer (applied, duplicate, …)
    pulled: dict[str, int]               # changes by outcome (applied, conflict, skipped)
    leased: list[LeasedBlock]
