"""Sealed decision documents for the centre's tests: since issue 16 the centre applies
``case.approve`` / ``case.deny`` only with the decision's sealed document, uploaded
first, signed by a decision seal whose X.509 certificate the centre's own authority
issued (sync/central/decisions.py).

The seals here go the real way: the terminal that registers one sends a PKCS #10
request in ``seal.create`` (``create_payload(terminal)``) and the centre certifies it
with its authority. A test centre gets that authority from ``init_authority`` (a
server in a process of its own unlocks it with ``PASSPHRASE`` given by file, see
tests/test_central_support.py ``Central``)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from forms import signing, x509
from forms.stamp import SealForSigning, stamp_and_sign
from sync.protocol import CST

from .test_forms_templates import base_context, seal_png

KINDS = {"case.approve": "准予行政许可决定书", "case.deny": "不予行政许可决定书"}
ORGAN = "西安市新城区行政审批服务局"
PASSPHRASE = "district-root-passphrase"
_numbers = itertools.count(1)


def init_authority(db) -> bytes:
    """The district's authority in the centre's database ``db`` (a CentralDB, open, or a
    URL), made once, and unlocked in this process (so ``process_batch`` called here
    certifies requests at once): its certificate (DER)."""
    from sync.central import authority
    from sync.central.db import CentralDB
    from sync.central.models import AuthorityRecord

    own = isinstance(db, str)
    db = CentralDB(db).open() if own else db
    try:
        def make(s):
            if s.get(AuthorityRecord, 1) is None:
                authority.init(s, organ=ORGAN, algorithm="ecdsa-p256", secret=PASSPHRASE,
                               today=date(2026, 1, 1))
            found = authority.issuer(s, PASSPHRASE)
            assert found is not None and found.private is not None
            return found.certificate
        return db.write(make)
    finally:
        if own:
            db.close()


@dataclass(frozen=True)
class DecisionSeal:
    seal: SealForSigning
    name: str
    category: str
    # One request per terminal, made once: the centre takes the same request again
    # as a repeat, another one for the same seal id as a clash.
    requests: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.seal.id

    def request(self, terminal: str) -> str:
        """The PKCS #10 request (base64 DER) ``terminal`` sends for this seal."""
        if terminal not in self.requests:
            self.requests[terminal] = base64.b64encode(x509.make_request(
                algorithm=self.seal.algorithm, private=self.seal.private_key, seal_id=self.id,
                name=self.name, category=self.category, organ=ORGAN, terminal=terminal,
                picture_sha256=hashlib.sha256(self.seal.image_png).hexdigest())).decode()
        return self.requests[terminal]

    def create_payload(self, terminal: str) -> dict:
        """``seal.create`` as ``terminal`` sends it (workstation/services/seals.py)."""
        return {"seal_id": self.id, "request": self.request(terminal)}


def decision_seal(category: str = "商事登记", seal_id: str | None = None) -> DecisionSeal:
    private, _ = signing.generate_keypair("ecdsa-p256")
    seal_id = seal_id or uuid.uuid4().hex[:16]
    name = f"{ORGAN}{category}专用章" if category != "受理" else f"{ORGAN}受理专用章"
    return DecisionSeal(SealForSigning(seal_id, "ecdsa-p256", private, seal_png()), name, category)


def signed_decision(seal: DecisionSeal, event_kind: str, receipt_no: str,
                    number: str | None = None, *, kind: str | None = None,
                    signed_at: datetime | None = None) -> tuple[bytes, dict]:
    """The .docx and the event's ``document`` for a decision on ``receipt_no``, signed
    now (a seal's certificate is valid from the day the centre issued it)."""
    kind = kind or KINDS[event_kind]
    number = number or f"新城审许字〔2026〕第{next(_numbers):05d}{uuid.uuid4().int % 1000:03d}号"
    signed_at = signed_at or datetime.now(CST).replace(tzinfo=None, microsecond=0)
    signed = stamp_and_sign(kind, base_context(), seal=seal.seal, document_no=number,
                            receipt_no=receipt_no, signed_at=signed_at)
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
