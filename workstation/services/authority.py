"""The seal authority this terminal trusts (issue 16, "One root of trust").

Before enrolment a terminal is its own authority: ``init`` makes a self-signed
X.509 authority (forms.x509) whose key is kept like a seal's (encrypted, the
secret in the OS keyring under ``workstation-seal``/``authority`` or
WORKSTATION_SEAL_SECRET), and it certifies this terminal's seals at once, so a
demo, a training room or a district without a centre has documents that verify
here. Enrolment pins the centre's authority (the enrol answer carries it): from
then on only certificates it issued are believed, this terminal's own seals wait
for theirs (documents sealed meanwhile verify as provisional, here only), and
the own authority is never used again.

Kept in ``sync_state``: ``authority.own`` (DER, base64), ``authority.own.key``
(the encrypted key blob, base64) and ``authority.pinned`` (DER, base64).

The own authority is SM2 (SM2-with-SM3), whatever the seals are: it is the seal
maker (制章者) of GB/T 38540, and only an SM2 maker can make an SM2 seal's
``SESeal`` (forms.ses_seals), which it does when it certifies one; it certifies
ECDSA seals just as well (an X.509 chain may mix algorithms), and it is made
offline at ``init`` like before. A terminal set up before this kept its ECDSA
authority: its SM2 seals get no SESeal until the centre (an SM2 district
authority) certifies them. A seal's SESeal is kept beside its certificate, in
``Seal.certificate["ses"]`` (DER, base64), checked (``check_for_certificate``)
before it is stored, whether made here or pulled from the centre.
"""

from __future__ import annotations

import base64
import os
from datetime import date, datetime

from sqlalchemy import select

from forms import signing, ses_seals, x509
from forms.errors import FormError
from forms.stamp import SealRecord
from forms.trust import seal_record

from ..domain.errors import DomainError
from ..store.models import Seal, SyncState
from . import keyring_store
from .context import Workstation

OWN, OWN_KEY, PINNED = "authority.own", "authority.own.key", "authority.pinned"
KEYRING_SERVICE = "workstation-seal"           # the seals' service: the same protection
KEY_NAME = "authority"
SECRET_ENV = "WORKSTATION_SEAL_SECRET"
OWN_YEARS = 20
OWN_ALGORITHM = "sm2"


def b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode()


def unb64(text) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64")
    return base64.b64decode(text.encode(), validate=True)


def _get(s, key: str) -> bytes | None:
    row = s.get(SyncState, key)
    return unb64(row.value) if row is not None else None


def _put(s, key: str, data: bytes) -> None:
    row = s.get(SyncState, key)
    if row is None:
        s.add(SyncState(key=key, value=b64(data)))
    else:
        row.value = b64(data)


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def pinned(s) -> bytes | None:
    return _get(s, PINNED)


def trusted(s) -> bytes | None:
    """The authority whose chains this terminal accepts: the pinned one, else its own."""
    return _get(s, PINNED) or _get(s, OWN)


def ensure_own(s, ws: Workstation, organ: str) -> bytes:
    """This terminal's own authority, made on first use (``init``)."""
    existing = _get(s, OWN)
    if existing is not None:
        return existing
    secret = os.environ.get(SECRET_ENV) or signing.new_secret()
    if not keyring_store.put(KEYRING_SERVICE, ws, KEY_NAME, secret) and not os.environ.get(SECRET_ENV):
        raise DomainError(f"本机没有可用的系统钥匙串，无法保管本机根证书私钥的解锁口令；"
                          f"请设置环境变量 {SECRET_ENV}（至少8位）后重试")
    private, _ = signing.generate_keypair(OWN_ALGORITHM)
    today = ws.clock.today()
    der = x509.make_authority(algorithm=OWN_ALGORITHM, private=private, organ=organ,
                              valid_from=today, valid_to=years_after(today, OWN_YEARS))
    _put(s, OWN, der)
    _put(s, OWN_KEY, signing.encrypt_private_key(private, secret))
    return der


def issue_own(s, ws: Workstation, organ: str, request: bytes, valid_from: date,
              valid_to: date, *, picture_png: bytes, now: datetime) -> tuple[bytes, bytes | None]:
    """The own authority's certificate for this terminal's seal request (before
    enrolment), and the seal's SESeal when both are SM2 (else None)."""
    der = ensure_own(s, ws, organ)
    blob = _get(s, OWN_KEY)
    secret = keyring_store.get(KEYRING_SERVICE, ws, KEY_NAME) or os.environ.get(SECRET_ENV)
    if blob is None or not secret:
        raise DomainError("无法解锁本机根证书的私钥（系统钥匙串中没有其口令），不能签发印章证书")
    try:
        private = signing.decrypt_private_key(blob, secret)
    except FormError:
        raise DomainError("无法解锁本机根证书的私钥（口令不对，或系统钥匙串中的口令已丢失），"
                          "不能签发印章证书") from None
    try:
        issued = x509.issue(x509.read_request(request), authority=der, authority_private=private,
                            valid_from=valid_from, valid_to=valid_to)
        made = ses_seals.make_for_certificate(certificate=issued, authority=der,
                                              authority_private=private, picture_png=picture_png,
                                              created=now)
        if made is not None:
            ses_seals.check_for_certificate(made, certificate=issued, authority=der)
    except FormError as exc:
        raise DomainError(str(exc)) from None
    return issued, made


def pin(s, der: bytes) -> str:
    """Pin the centre's authority (enrolment). This terminal's own seals lose their
    self-issued certificates and await the centre's. Returns the authority's name."""
    try:
        name = x509.read_authority(der).name
    except FormError as exc:
        raise DomainError(f"中心返回的电子印章根证书无效：{exc}") from None
    _put(s, PINNED, der)
    for seal in s.scalars(select(Seal).where(Seal.private_key_blob.is_not(None))):
        cert = dict(seal.certificate or {})
        if cert.get("x509") or cert.get("ses"):
            cert["x509"] = None
            cert.pop("ses", None)          # made by the own authority: no longer trusted
            seal.certificate = cert
    return name


def apply_certificate(ws: Workstation, s, change: dict) -> str:
    """A ``seal.certificate`` change from the centre: believed only if it chains to the
    pinned authority; a revocation marks the seal revoked."""
    data = change.get("data") or {}
    root = pinned(s)
    if root is None:
        return "skipped"
    try:
        der = unb64(data.get("x509"))
        info = x509.verify_seal_certificate(der, authority=root)
    except (ValueError, FormError):
        return "skipped"
    if info.seal_id != change.get("key"):
        return "skipped"
    # The seal's GB/T 38540 SESeal, made by the centre's authority: stored only if it
    # verifies, was made by the pinned authority and names exactly this certificate;
    # a change carrying a forged one is refused whole.
    ses_der = None
    if data.get("ses") is not None:
        try:
            ses_der = unb64(data.get("ses"))
            ses_seals.check_for_certificate(ses_der, certificate=der, authority=root)
        except (ValueError, FormError):
            return "skipped"
    status = "revoked" if data.get("status") == "revoked" else "active"
    row = s.get(Seal, info.seal_id)
    assert info.valid_from is not None and info.valid_to is not None
    if row is not None:
        if bytes(row.public_key) != info.public_key:
            return "skipped"            # not the key this terminal holds for that id
        cert = dict(row.certificate or {})
        if cert.get("x509") != b64(der):
            cert.pop("ses", None)       # an SESeal names one certificate: not a new one
        if ses_der is not None:
            cert["ses"] = b64(ses_der)
        row.certificate = {**cert, "x509": b64(der)}
        row.valid_from, row.valid_to = info.valid_from, info.valid_to
        if status == "revoked":
            row.status = "revoked"
        return "applied"
    s.add(Seal(id=info.seal_id, name=info.name, category=info.category, algorithm=info.algorithm,
               public_key=info.public_key, private_key_blob=None,
               certificate={"x509": b64(der), "request": None,
                            **({"ses": b64(ses_der)} if ses_der is not None else {})},
               image_png=b"",
               valid_from=info.valid_from, valid_to=info.valid_to, status=status,
               created_at=ws.clock.now(), created_by="(中心)"))
    return "applied"


def ses_of(seal: Seal) -> tuple[bytes | None, bytes | None]:
    """(SESeal DER, the seal's X.509 certificate DER) to sign the GB/T 38540 way with,
    or (None, None) when the seal has no SESeal for its current certificate."""
    cert = seal.certificate if isinstance(seal.certificate, dict) else {}
    if not cert.get("ses") or not cert.get("x509"):
        return None, None
    try:
        return unb64(cert["ses"]), unb64(cert["x509"])
    except ValueError:
        return None, None


def record_of(s, seal: Seal) -> SealRecord:
    """What verification may believe about ``seal`` on this terminal."""
    cert = seal.certificate if isinstance(seal.certificate, dict) else {}
    try:
        der = unb64(cert["x509"]) if cert.get("x509") else None
    except ValueError:
        der = None
    awaiting = (der is None and seal.private_key_blob is not None and pinned(s) is not None
                and bool(cert.get("request")))
    return seal_record(seal.id, certificate=der, authority=trusted(s), status=seal.status,
                       name=seal.name, algorithm=seal.algorithm, public_key=bytes(seal.public_key),
                       provisional=awaiting)
