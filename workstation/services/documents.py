"""Issuing the counter's documents and verifying any document.

After an acceptance is committed, each of its documents (numbers taken in that
transaction) is filled from the case, stamped with the 受理 seal and signed
(forms.stamp), written to the data folder, and recorded — one transaction per
document, so a crash leaves the rest pending and issuing again finishes exactly
those. Verification needs no network: the seal's public key comes from the
local registry.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forms.stamp import SealForSigning, SealRecord, Verdict, stamp_and_sign, verify_docx, verify_qr
from .sync import outbox

from ..domain.catalog import Matter
from ..domain.errors import DomainError
from ..store.models import Acceptance, Case, Document, Seal, User
from . import audit, authority, catalog as catalog_service
from .auth import Actor
from .context import Workstation
from .errors import LibraryError, NotFound, library_errors
from .results import FileRef, IssuedDocument, SignedDocument
from .seals import SealVault, for_signing, usable_seal_id
from .settings import Settings

FORM_LABELS = {"原件": "原件", "复印件": "复印件", "原件及复印件": "原件及复印件", "电子件": "电子件"}


def documents_dir(ws: Workstation) -> Path:
    return ws.data_dir / "documents"


def _applicant_block(acc: Acceptance) -> dict:
    # The applicant as the acceptance recorded them: a document issued or re-issued
    # later says what the sealed notice of that day said.
    agent = acc.agent or {}
    contact = agent.get("name") or (acc.applicant_legal_rep if acc.applicant_kind == "enterprise"
                                    else acc.applicant_name)
    return {"applicant_name": acc.applicant_name, "applicant_id_no": acc.applicant_id_number,
            "applicant_address": acc.applicant_address or "（申请人未提供）",
            "legal_representative": acc.applicant_legal_rep, "contact_name": contact,
            "contact_phone": agent.get("phone") or acc.applicant_phone or "（未提供）"}


def _matters(s, acc: Acceptance, data_dir: str) -> list[Matter]:
    catalog = catalog_service.version(s, acc.cases[0].catalog_version_id, data_dir)
    return [catalog.matter(c.matter_code) for c in acc.cases]


def _standard(s, acc: Acceptance, data_dir: str, material) -> str:
    """The catalog's 补正标准 for a defective material (its note holds the defect)."""
    case = next(c for c in acc.cases if c.id == material.case_id)
    matter = catalog_service.version(s, case.catalog_version_id, data_dir).matter(case.matter_code)
    wanted = next((m for m in matter.materials if m.code == material.code), None)
    return (wanted.standard if wanted is not None else "") or "按材料清单要求提交"


def build_context(s, acc: Acceptance, kind: str, settings: Settings, clerk_name: str,
                  data_dir: str, case: Case | None = None) -> dict:
    """The values a document of `kind` needs, read from the acceptance and its cases."""
    cases = [case] if case is not None else list(acc.cases)
    matter_name = acc.bundle_name + "（" + "、".join(c.matter_name for c in cases) + "）" \
        if acc.bundle_name and case is None else "、".join(c.matter_name for c in cases)
    ctx = {"organ": settings.authority, "issue_date": acc.received_on, "case_no": acc.receipt_no,
           "matter_name": matter_name, "received_date": acc.received_on,
           "accepted_date": acc.received_on, "clerk": clerk_name,
           "complaint_phone": settings.complaint_phone, "clerk_phone": settings.complaint_phone,
           "progress_query": settings.progress_hint,
           "statutory_limit_days": max(c.statutory_days + c.extension_days for c in cases),
           "promised_limit_days": max(c.promised_days for c in cases),
           "delivery_method": "窗口领取", "delivery_address": settings.pickup_place,
           "reconsideration_organ": settings.reconsideration_organ, "court": settings.court,
           **_applicant_block(acc)}
    materials = [m for c in cases for m in c.materials]
    ctx["materials"] = [{"name": m.name, "form": FORM_LABELS.get(m.form, m.form), "copies": m.copies}
                        for m in materials if m.state == "received"] or \
                       [{"name": "（未收取材料）", "form": "—", "copies": 0}]
    ctx["supplements"] = [{"name": m.name, "problem": m.note if m.state == "defective" else "未提交",
                           "standard": m.note if m.state == "missing"
                           else _standard(s, acc, data_dir, m)}
                          for m in materials if m.state in ("missing", "defective")]
    ctx["missing_materials"] = [{"name": m.name, "form": FORM_LABELS.get(m.form, m.form),
                                 "deadline": m.promise_date} for m in materials if m.state == "promised"]
    notice = acc.notice or {}
    ctx["refusal_reason"] = notice.get("reason", "")
    ctx["legal_basis"] = notice.get("basis", "")
    ctx["competent_organ"] = notice.get("competent_organ") or ""
    if kind == "准予行政许可决定书":
        matters = _matters(s, acc, data_dir)
        ctx["legal_basis"] = "；".join(m.basis for m in matters)
        ctx["decision_content"] = f"经审查，申请人的申请符合法定条件、标准，决定准予{matter_name}。"
        ctx["certificate_name"] = f"{matter_name}相关许可证件"
    return ctx


def _acceptance(s, key: str) -> Acceptance:
    acc = s.scalar(select(Acceptance).where(Acceptance.receipt_no == key).options(
        selectinload(Acceptance.cases).selectinload(Case.materials)))
    if acc is None:
        raise NotFound(f"找不到受理编号为“{key[:40]}”的案件")
    return acc


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def issue_pending(ws: Workstation, actor: Actor, receipt_no: str, vault: SealVault) -> list[IssuedDocument]:
    """Fill, seal, sign and store every not-yet-issued document of an acceptance."""
    with ws.reading() as s:
        acc = _acceptance(s, receipt_no)
        pending = s.scalars(select(Document).where(Document.acceptance_id == acc.id,
                                                   Document.path.is_(None)).order_by(Document.id)).all()
        if not pending:
            return []
        settings = ws.settings(s)
        clerk = s.scalar(select(User.name).where(User.login == acc.clerk)) or acc.clerk
        contexts = {d.id: build_context(s, acc, d.kind, settings, clerk, str(ws.data_dir),
                                        next((c for c in acc.cases if c.id == d.case_id), None))
                    for d in pending}
    seal = acceptance_seal(ws, actor, vault)
    issued: list[IssuedDocument] = []
    for doc in pending:
        now = ws.clock.now()
        with library_errors():
            signed = stamp_and_sign(doc.kind, contexts[doc.id], seal=seal, document_no=doc.number,
                                    receipt_no=receipt_no, signed_at=now)
        path = documents_dir(ws) / f"{doc.issued_on:%Y}" / receipt_no / f"{doc.kind}-{doc.id}.docx"
        _write_atomically(path, signed.docx)
        with ws.transaction() as s:
            row = s.get(Document, doc.id)
            assert row is not None            # read above; documents are never deleted
            if row.path is not None:      # issued meanwhile by another window: keep theirs
                continue
            row.path = str(path.relative_to(ws.data_dir))
            row.seal_id, row.signed_at = seal.id, now
            row.digest, row.signature = signed.digest.hex(), signed.signature.hex()
            terminal = ws.settings(s).terminal
            audit.record(s, actor.login, terminal, now, "document.sign", doc.number,
                         {"kind": doc.kind, "seal": seal.id, "digest": row.digest})
            outbox.append(s, "document.sign", {"receipt_no": receipt_no, "kind": doc.kind,
                                               "number": doc.number, "seal_id": seal.id,
                                               "digest": row.digest, "signature": row.signature,
                                               "path": row.path,
                                               "sha256": hashlib.sha256(signed.docx).hexdigest()},
                          user=actor.login,
                          terminal=terminal, at=now)
        issued.append({"kind": doc.kind, "number": doc.number, "path": str(path),
                       "qr": signed.qr_payload})
    return issued


def sign_in(s, ws: Workstation, actor: Actor, acc: Acceptance, kind: str, number: str,
            seal: SealForSigning, *, case: Case | None = None, overrides: dict | None = None) -> SignedDocument:
    """Fill, seal, sign and store one document inside the caller's transaction
    (a decision: the case's new state and its document commit together)."""
    settings = ws.settings(s)
    signer = s.scalar(select(User.name).where(User.login == actor.login)) or actor.login
    context = build_context(s, acc, kind, settings, signer, str(ws.data_dir), case)
    context.update(overrides or {})
    now = ws.clock.now()
    with library_errors():
        signed = stamp_and_sign(kind, context, seal=seal, document_no=number,
                                receipt_no=acc.receipt_no, signed_at=now)
    doc = Document(acceptance_id=acc.id, case_id=case.id if case else None, kind=kind,
                   number=number, issued_on=now.date(), seal_id=seal.id, signed_at=now,
                   digest=signed.digest.hex(), signature=signed.signature.hex())
    s.add(doc)
    s.flush()
    path = documents_dir(ws) / f"{now:%Y}" / acc.receipt_no / f"{kind}-{doc.id}.docx"
    _write_atomically(path, signed.docx)
    doc.path = str(path.relative_to(ws.data_dir))
    audit.record(s, actor.login, settings.terminal, now, "document.sign", number,
                 {"kind": kind, "seal": seal.id, "digest": doc.digest})
    return {"kind": kind, "number": number, "path": str(path), "qr": signed.qr_payload,
            "sha256": hashlib.sha256(signed.docx).hexdigest(), "seal_id": seal.id,
            "digest": signed.digest.hex(), "signature": signed.signature.hex(), "relpath": doc.path}


def _acceptance_seal_id(ws: Workstation) -> str:
    with ws.reading() as s:
        seal_id = usable_seal_id(s, "受理")
    if seal_id is None:
        raise DomainError("本机还没有有效的受理印章（其他终端的印章只能用于验证），"
                          "请管理员运行 workstation seal create")
    return seal_id


def acceptance_seal(ws: Workstation, actor: Actor, vault: SealVault) -> SealForSigning:
    """This terminal's 受理 seal, unlocked (from the vault, the keyring or the environment);
    the counter and the output window seal with it."""
    seal_id = _acceptance_seal_id(ws)
    unlocked = vault.get(seal_id) or vault.unlock(ws, actor, seal_id)
    return for_signing(ws, unlocked)


def file_ref(document: SignedDocument) -> FileRef:
    """What an event tells the centre about a document file (the file itself goes up
    separately, content-addressed, before the event)."""
    return {"kind": document["kind"], "number": document["number"], "sha256": document["sha256"],
            "seal_id": document["seal_id"], "digest": document["digest"],
            "signature": document["signature"], "path": document["relpath"]}


def unlock_acceptance_seal(ws: Workstation, actor: Actor, vault: SealVault, secret: str) -> str:
    """Unlock this terminal's 受理 seal with a secret typed by the clerk."""
    return vault.unlock(ws, actor, _acceptance_seal_id(ws), secret).name


def _lookup(ws: Workstation):
    def lookup(seal_id: str) -> SealRecord | None:
        with ws.reading() as s:
            seal = s.get(Seal, seal_id)
            if seal is None:
                return None
            # Only a chain to the pinned authority (or this terminal's own before
            # enrolment) is believed; forms.trust says why not.
            return authority.record_of(s, seal)
    return lookup


VERIFY_FILE_MAX = 50 * 1024 * 1024


def verify_file(ws: Workstation, path: str | Path) -> Verdict:
    from ..shared.files import read_input

    data = read_input(path, max_bytes=VERIFY_FILE_MAX)
    with library_errors():
        return verify_docx(data, _lookup(ws))


def verify_image(ws: Workstation, path: str | Path) -> Verdict:
    """Read the QR code(s) of a scanned page or photo and verify ours."""
    from printing.codes import decode_codes

    from ..shared.files import read_input

    data = read_input(path, max_bytes=VERIFY_FILE_MAX)
    try:
        texts = [code["data"] for code in decode_codes(data)]
    except LibraryError as exc:
        raise DomainError(f"{Path(path).name} 不是可识别的图片：{exc}") from None
    if not texts:
        raise DomainError("图片中没有找到二维码或条码")
    ours = [t for t in texts if t.strip().startswith("WS1|")]
    if not ours:
        return Verdict(False, "图片中的二维码不是本系统签发的文书码，无法验证")
    return verify_qr_text(ws, ours[0])


def verify_qr_text(ws: Workstation, text: str) -> Verdict:
    """Verify a document QR payload read by a scanner or from a picture."""
    try:
        return verify_qr(text, _lookup(ws))
    except LibraryError as exc:
        return Verdict(False, str(exc))
