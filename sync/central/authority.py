"""The district's seal authority: created once, it issues every seal certificate.

``workstation-central authority init --organ ORGAN`` makes the authority's key pair and
self-signed X.509 certificate (forms.x509) and stores the key encrypted with a
passphrase (forms.signing's key blob: scrypt + AES-256-GCM). The passphrase never
sits in the database; the operator gives it as the environment variable
``WORKSTATION_AUTHORITY_PASSPHRASE`` or as a file named by
``--passphrase-file`` (``serve`` passes that on to its workers as
``WORKSTATION_AUTHORITY_PASSPHRASE_FILE``). A second ``init`` is refused.

Terminals send a seal *request* (PKCS #10) in their ``seal.create`` event; the centre
checks it (the requesting terminal, the district's organ, the categories its station
may hold) and issues the certificate at once when it can unlock the key, otherwise
it keeps the request and issues it when the authority is created or unlocked
(``authority issue``). Issued and revoked certificates reach every terminal as
``seal.certificate`` changes.

As the seal maker (制章者) of GB/T 38540 the authority also makes each SM2 seal's
``SESeal`` when it issues its certificate (forms.ses_seals; an SM2 authority only):
the terminal sends the seal picture with the request, the centre keeps it with the
request while the certificate is pending, and publishes the SESeal with the
certificate (``data.ses``), kept in the seal's ``certificate["ses"]``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import signing, x509
from forms.errors import FormError
from workstation.domain.errors import DomainError

from .models import AuthorityRecord, SealRecord

PASSPHRASE_ENV = "WORKSTATION_AUTHORITY_PASSPHRASE"
PASSPHRASE_FILE_ENV = "WORKSTATION_AUTHORITY_PASSPHRASE_FILE"
AUTHORITY_YEARS = 20
SEAL_YEARS = 5
CATEGORIES = ("受理", "商事登记", "投资建设", "社会民生")
DECISION_CATEGORIES = CATEGORIES[1:]


def b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode()


def unb64(text) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64")
    return base64.b64decode(text.encode(), validate=True)


def passphrase(file: str | None = None) -> str | None:
    """The passphrase from ``file``, else from the environment (a file named there, or
    the value itself); None when none is given."""
    path = file or os.environ.get(PASSPHRASE_FILE_ENV)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise DomainError(f"无法读取根证书口令文件 {path}：{exc}") from None
        return text or None
    return os.environ.get(PASSPHRASE_ENV) or None


def _years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:               # 29 February
        return day.replace(year=day.year + years, day=28)


def init(session: Session, *, organ: str, algorithm: str, secret: str | None, today: date) -> dict:
    if session.get(AuthorityRecord, 1, with_for_update=True) is not None:
        raise DomainError("本区的电子印章根证书已经建立，不能覆盖（覆盖会使所有已签发的印章失效）")
    if not secret or len(secret) < signing.MIN_SECRET_LENGTH:
        raise DomainError(f"请用环境变量 {PASSPHRASE_ENV} 或 --passphrase-file 给出根证书私钥的保护口令"
                          f"（至少 {signing.MIN_SECRET_LENGTH} 个字符）")
    if algorithm not in signing.ALGORITHMS:
        raise DomainError(f"签名算法应为：{'、'.join(signing.ALGORITHMS)}")
    organ = organ.strip() if isinstance(organ, str) else ""
    if not 2 <= len(organ) <= 60 or not organ.isprintable():
        raise DomainError("请给出本区行政审批服务局的全称（2至60个字）")
    private, _ = signing.generate_keypair(algorithm)
    certificate = x509.make_authority(algorithm=algorithm, private=private, organ=organ,
                                      valid_from=today, valid_to=_years(today, AUTHORITY_YEARS))
    session.add(AuthorityRecord(id=1, algorithm=algorithm, organ=organ, certificate=certificate,
                                key_blob=signing.encrypt_private_key(private, secret),
                                created_at=datetime.now()))
    session.flush()
    return describe(certificate)


def describe(certificate: bytes) -> dict:
    ca = x509.read_authority(certificate)
    return {"name": ca.name, "organ": ca.organ, "algorithm": ca.algorithm,
            "valid_from": ca.valid_from.isoformat(), "valid_to": ca.valid_to.isoformat(),
            "sha256": ca.fingerprint, "certificate": x509.to_pem(certificate)}


def certificate(session: Session) -> bytes | None:
    row = session.get(AuthorityRecord, 1)
    return bytes(row.certificate) if row is not None else None


@dataclass(frozen=True)
class Issuer:
    certificate: bytes
    organ: str
    private: bytes | None          # None: the key cannot be unlocked in this process


_unlocked: dict[str, bytes] = {}   # sha256 of the key blob -> the key (this process only)


def issuer(session: Session, secret: str | None = None) -> Issuer | None:
    row = session.get(AuthorityRecord, 1)
    if row is None:
        return None
    blob = bytes(row.key_blob)
    tag = hashlib.sha256(blob).hexdigest()
    private = _unlocked.get(tag)
    if private is None:
        secret = secret or passphrase()
        if secret:
            try:
                private = signing.decrypt_private_key(blob, secret)
                _unlocked[tag] = private
            except FormError:
                private = None
    return Issuer(bytes(row.certificate), row.organ, private)


def check_request(request: x509.SealCertificate, *, seal_id: str, terminal: str, district: bool,
                  organ: str | None) -> str | None:
    """Why the centre will not certify this request, or None."""
    if request.seal_id != seal_id:
        return f"证书申请中的印章编号与事件不符（{request.seal_id[:20]}）"
    if request.terminal != terminal:
        return f"证书申请写明的终端 {request.terminal[:8]} 不是提交申请的终端 {terminal}"
    if request.category not in CATEGORIES:
        return f"印章类别“{request.category[:20]}”不是本区的印章类别"
    if not district and request.category != "受理":
        return f"便民服务站的终端只能申请受理印章，不能申请“{request.category}”印章"
    if organ is not None and request.organ != organ:
        return f"印章所属机关“{request.organ[:60]}”不是本区的“{organ}”"
    if organ is not None and not request.name.startswith(organ):
        return f"印章名称应以本区机关全称“{organ}”开头"
    if request.category == "受理" and any(c in request.name for c in DECISION_CATEGORIES + ("决定",)):
        return "受理印章的名称不能冒用审批决定印章的名称"
    return None


def certify(issuer_: Issuer, request: x509.SealCertificate, on: date) -> bytes:
    assert issuer_.private is not None
    return x509.issue(request, authority=issuer_.certificate, authority_private=issuer_.private,
                      valid_from=on, valid_to=_years(on, SEAL_YEARS))


PICTURE_MAX = 5 * 1024 * 1024          # forms.seal_image.SEAL_FILE_MAX
_PNG = b"\x89PNG\r\n\x1a\n"


def check_picture(value: object, request: x509.SealCertificate) -> str | None:
    """Why the seal picture a terminal sent (base64 PNG) cannot go into the seal's
    SESeal, or None: it must be a PNG within the size limit whose SHA-256 the request
    (signed by the seal's key) names."""
    try:
        picture = unb64(value)
    except ValueError:
        return "印章图片不是有效的 base64 数据"
    if not 0 < len(picture) <= PICTURE_MAX or not picture.startswith(_PNG):
        return "印章图片应为不超过 5 MB 的 PNG 图片"
    if hashlib.sha256(picture).hexdigest() != request.picture_sha256:
        return "印章图片与证书申请中登记的图片摘要不符"
    return None


def make_ses(issuer_: Issuer, certificate: bytes, picture_b64: str | None,
             created: datetime) -> str | None:
    """The seal's GB/T 38540 SESeal (base64 DER), made by the district authority as the
    seal maker, when the seal and the authority are SM2 and the picture was sent."""
    from forms import ses_seals

    if picture_b64 is None or issuer_.private is None:
        return None
    try:
        made = ses_seals.make_for_certificate(certificate=certificate, authority=issuer_.certificate,
                                              authority_private=issuer_.private,
                                              picture_png=unb64(picture_b64), created=created)
    except (FormError, ValueError):
        return None     # checked when the request came (check_picture); the certificate stands
    return b64(made) if made is not None else None


def issue_pending(session: Session, today: date, secret: str | None = None) -> list[dict]:
    """Certify the requests kept while the authority was missing or locked; the changes
    that publish them."""
    found = issuer(session, secret)
    if found is None or found.private is None:
        raise DomainError(f"无法解锁本区的根证书私钥：请用环境变量 {PASSPHRASE_ENV} 或口令文件给出口令")
    changes = []
    for seal in session.scalars(select(SealRecord).where(SealRecord.status == "pending")
                                .order_by(SealRecord.id).with_for_update()):
        try:
            request = x509.read_request(unb64((seal.certificate or {}).get("request")))
        except (FormError, ValueError):
            seal.status = "refused"
            continue
        why = check_request(request, seal_id=seal.id, terminal=seal.terminal,
                            district=seal.station == "district", organ=found.organ)
        if why:
            seal.status, seal.revoked_reason = "refused", why
            continue
        der = certify(found, request, today)
        ses = make_ses(found, der, seal.certificate.get("picture"), datetime.now())
        seal.certificate = {"request": seal.certificate["request"], "x509": b64(der),
                            **({"ses": ses} if ses else {})}
        seal.status, seal.valid_from, seal.valid_to = "active", today, _years(today, SEAL_YEARS)
        changes.append(published(seal.id, der, "active", ses=ses))
    session.flush()
    return changes


def published(seal_id: str, der: bytes, status: str, reason: str | None = None, *,
              ses: str | None = None) -> dict:
    data = {"x509": b64(der), "status": status}
    if reason:
        data["reason"] = reason
    if ses:
        data["ses"] = ses            # the seal's SESeal (base64 DER), made with the certificate
    return {"station": None, "kind": "seal.certificate", "key": seal_id, "data": data}


def revoked_serials(session: Session) -> set[int]:
    out = set()
    for cert in session.scalars(select(SealRecord.certificate).where(SealRecord.status == "revoked")):
        try:
            out.add(x509.read_certificate(unb64((cert or {}).get("x509"))).serial)
        except (FormError, ValueError, AttributeError):
            continue
    return out


def seal_lookup(session: Session):
    """forms.stamp's Lookup for the public check: only certificates this centre's
    authority issued, not revoked."""
    from forms.trust import seal_record

    root = certificate(session)

    def lookup(seal_id: str):
        seal = session.get(SealRecord, seal_id)
        if seal is None:
            return None
        der = (seal.certificate or {}).get("x509") if isinstance(seal.certificate, dict) else None
        try:
            cert = unb64(der) if der else None
        except ValueError:
            cert = None
        return seal_record(seal.id, certificate=cert, authority=root, status=seal.status,
                           name=seal.name)
    return lookup
