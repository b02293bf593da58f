"""A decision is applied only with its sealed document (issue 16, finding 2).

``check_decision_document`` is the one place the centre decides whether a
``case.approve`` / ``case.deny`` carries a decision it can stand behind: the
document is named (kind, number, file hash, seal), its file is here, the file's
signature verifies with forms' verifier against the seal as the public check sees
it (its X.509 certificate, issued by this centre's authority and not revoked; the
seal picture drawn on the page is the one the certificate binds), the document is
this case's (receipt number, number, kind) and the certificate names a decision
category (never the counter's 受理) fitting the case's matter.

The acting user: terminals do not report their users to the centre (users travel
centre → terminal only, ``users publish``), so the user named can only be checked
against the users the centre published: when it has published any, the user named
must be one of them, active, an approver.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sync.protocol import HEX64, MAX_FILE_BYTES

from .authority import DECISION_CATEGORIES as DECISION_SEAL_CATEGORIES
from .batch import Conflict
from .models import CatalogMatter, PublishedUser, SealRecord

DECISION_DOCUMENT = {"case.approve": "准予行政许可决定书", "case.deny": "不予行政许可决定书"}
# The seals a decision may carry: a category's 专用章, never the counter's 受理 seal.
DECISION_CATEGORIES = frozenset(DECISION_SEAL_CATEGORIES)


@lru_cache(maxsize=256)
def _judged(seal_id: str, der: bytes | None, root: bytes | None, status: str, name: str):
    """The record and category for one stored certificate: a pure function of its
    arguments, kept because the chain check (pyasn1) costs about twice the document's
    own verification and a day's decisions mostly carry the same few seals."""
    from forms import x509
    from forms.errors import FormError
    from forms.trust import seal_record

    record = seal_record(seal_id, certificate=der, authority=root, status=status, name=name)
    if record.problem or der is None:
        return record, None
    try:
        return record, x509.read_certificate(der).category
    except FormError:
        return record, None


def _seal(session: Session, known: dict[str, dict], seal_id: str):
    """forms.stamp's SealRecord for ``seal_id`` as the public check builds it (forms.trust:
    the certificate the centre stored, chained to its authority; revoked or still
    pending → a record with its problem), and the category its certificate states."""
    from . import authority

    row = known.get(seal_id)
    if row is None:
        seal = session.get(SealRecord, seal_id)
        if seal is None:
            return None, None
        row = {"id": seal.id, "name": seal.name, "status": seal.status, "certificate": seal.certificate}
    stored = row.get("certificate")
    try:
        der = authority.unb64(stored.get("x509")) if isinstance(stored, dict) and stored.get("x509") else None
    except ValueError:
        der = None
    return _judged(row["id"], der, authority.certificate(session), row["status"], row["name"])


def _check_user(session: Session, login: str, case: dict) -> None:
    if not session.scalar(select(exists().where(PublishedUser.login.is_not(None)))):
        return                      # no users published: the centre knows none to check against
    user = session.get(PublishedUser, login)
    data = user.data if user is not None and isinstance(user.data, dict) else None
    if data is None or not data.get("active", True) or data.get("role") != "approver":
        raise Conflict("decision", f"案件 {case['receipt_no']} 的决定署名用户“{login[:32]}”不是中心登记的"
                                   "在用审批员，决定未予采用", case["id"])


def check_decision_document(session: Session, files_root: Path | None, case: dict, kind: str,
                            document, user: str, known_seals: dict[str, dict]) -> None:
    """Conflict (reason ``decision``) unless ``document`` is this decision's sealed
    document, present at the centre and verifying. ``known_seals``: seals the batch
    has registered so far (not yet in the table)."""
    from forms.errors import FormError
    from forms.stamp import verify_docx

    def refuse(why: str) -> Conflict:
        return Conflict("decision", f"案件 {case['receipt_no']}（{case['matter_name']}）的决定未予采用：{why}",
                        case["id"])

    expected = DECISION_DOCUMENT[kind]
    if not isinstance(document, dict):
        raise refuse(f"没有附上盖章的{expected}")
    sha = document.get("sha256")
    if not isinstance(sha, str) or not HEX64.fullmatch(sha):
        raise refuse("决定书的文件摘要 sha256 应为64位小写十六进制数")
    if document.get("kind") != expected:
        raise refuse(f"附上的文书是“{str(document.get('kind'))[:20]}”，应为{expected}")
    path = (files_root / sha[:2] / sha) if files_root is not None else None
    if path is None or not path.is_file():
        raise refuse("中心没有该决定书的文件")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise refuse("决定书文件过大")
    seal_id = document.get("seal_id")
    seal, category = _seal(session, known_seals, seal_id) if isinstance(seal_id, str) else (None, None)
    try:
        verdict = verify_docx(path.read_bytes(), lambda sid: seal if sid == seal_id else None)
    except FormError as exc:
        raise refuse(f"决定书文件无法读取（{exc}）") from None
    if not verdict.valid:
        raise refuse(f"决定书签章无效：{verdict.reason}")
    if (verdict.kind, verdict.document_no, verdict.receipt_no) != (expected, document.get("number"),
                                                                  case["receipt_no"]):
        raise refuse("决定书的种类、文号或受理编号与本案不符")
    if category not in DECISION_CATEGORIES:
        raise refuse(f"印章“{verdict.seal_name}”（{category}）不是审批决定用章")
    matter = session.get(CatalogMatter, case["matter_code"]) if case.get("matter_code") else None
    wanted = matter.data.get("category") if matter is not None and isinstance(matter.data, dict) else None
    if wanted and wanted != category:
        raise refuse(f"本案属于“{wanted}”，决定书盖的是“{category}”的印章")
    _check_user(session, user, case)
