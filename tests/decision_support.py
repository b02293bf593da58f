"""Sealed decision documents for the centre's tests: since issue 16 the centre applies
``case.approve`` / ``case.deny`` only with the decision's sealed document, uploaded
first, signed by a decision seal the centre knows (sync/central/decisions.py)."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from forms import certificates, signing
from forms.stamp import SealForSigning, stamp_and_sign

from .test_forms_templates import base_context, seal_png

KINDS = {"case.approve": "准予行政许可决定书", "case.deny": "不予行政许可决定书"}
_numbers = itertools.count(1)


@dataclass(frozen=True)
class DecisionSeal:
    seal: SealForSigning
    certificate: dict

    @property
    def id(self) -> str:
        return self.seal.id

    def create_payload(self) -> dict:
        return {"seal_id": self.id, "certificate": self.certificate}


def decision_seal(category: str = "商事登记", seal_id: str | None = None) -> DecisionSeal:
    private, public = signing.generate_keypair("ecdsa-p256")
    seal_id = seal_id or f"S-T-{uuid.uuid4().hex[:8]}"
    cert = certificates.make_certificate(
        seal_id=seal_id, name=f"西安市新城区行政审批服务局{category}专用章", category=category,
        organ="西安市新城区行政审批服务局", algorithm="ecdsa-p256", public=public,
        valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31), issuer_id=seal_id,
        issuer_algorithm="ecdsa-p256", issuer_private=private)
    return DecisionSeal(SealForSigning(seal_id, "ecdsa-p256", private, seal_png()), cert)


def signed_decision(seal: DecisionSeal, event_kind: str, receipt_no: str,
                    number: str | None = None, *, kind: str | None = None) -> tuple[bytes, dict]:
    """The .docx and the event's ``document`` for a decision on ``receipt_no``."""
    kind = kind or KINDS[event_kind]
    number = number or f"新城审许字〔2026〕第{next(_numbers):05d}{uuid.uuid4().int % 1000:03d}号"
    signed = stamp_and_sign(kind, base_context(), seal=seal.seal, document_no=number,
                            receipt_no=receipt_no, signed_at=datetime(2026, 10, 9, 10))
    sha = hashlib.sha256(signed.docx).hexdigest()
    return signed.docx, {"kind": kind, "number": number, "sha256": sha, "seal_id": seal.id,
                         "digest": signed.digest.hex(), "signature": signed.signature.hex(),
                         "path": f"documents/{sha}.docx"}


def upload(client, data: bytes) -> str:
    """PUT a file to the centre with an httpx client carrying a terminal's token."""
    sha = hashlib.sha256(data).hexdigest()
    r = client.put(f"/files/{sha}", content=data,
                   headers={"Upload-Offset": "0", "Upload-Length": str(len(data))})
    assert r.status_code in (200, 201), r.text
    return sha


def store(db, root, data: bytes, station: str = "district", terminal: str = "002") -> str:
    """Put a file straight into a centre's store (``db``: an open CentralDB, ``root``:
    its files folder), as a finished upload by ``station``'s ``terminal`` would leave
    it: for tests that call ``process_batch`` without a server."""
    from pathlib import Path

    from sync.central.files import FileStore
    from sync.central.models import StoredFile
    from sync.central.protocol import now

    files = FileStore(Path(root))
    sha = hashlib.sha256(data).hexdigest()
    target = files.final_path(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)

    def record(s):
        if s.get(StoredFile, sha) is None:
            s.add(StoredFile(sha256=sha, size=len(data), complete=True, path=files.relative(sha),
                             station=station, terminal=terminal, created_at=now(), completed_at=now()))
    db.write(record)
    return sha
