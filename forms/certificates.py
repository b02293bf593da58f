"""Seal certificates: who a seal belongs to, its key and validity, signed by its issuer.

Seal certificates
=================

There is no X.509 for SM2 in Python, so both algorithms use one JSON
certificate (a dict, stored as JSON)::

    {"version": 1, "seal_id": …, "name": …, "category": …, "organ": …,
     "algorithm": "sm2" | "ecdsa-p256",
     "public_key": base64url (no padding) of the public key,
     "valid_from": "YYYY-MM-DD", "valid_to": "YYYY-MM-DD" (both inclusive),
     "issuer_id": …, "issuer_algorithm": …,
     "signature": base64url of sign(issuer_algorithm, issuer_private,
                                    canonical_json(certificate without "signature"))}

All text fields are stored NFC-normalised, so the stored certificate is exactly
what was signed. A certificate is *self-issued* when ``issuer_id == seal_id``;
it is then signed by the seal's own key (``issuer_algorithm`` must equal
``algorithm``, and verification requires ``issuer_public`` to be the
certificate's own public key). Otherwise the issuer is another seal (e.g. the
bureau's root seal) whose public key the caller looks up by ``issuer_id``.

``verify_certificate(cert, issuer_public, on=day)`` checks, in this order, the
format (``证书格式错误``), the issuer's signature (``证书签名无效``) and, only
when ``on`` is given, the validity period (``证书尚未生效`` / ``证书已过期``).
``on=None`` skips the period on purpose: a document is checked against the
seal's validity *on the day it was signed*, which only the caller knows.
"""

from __future__ import annotations

import binascii
from datetime import date, datetime

from forms.errors import FormError
from forms.signing import (ALGORITHMS, SIGNATURE_SIZE, b64url, check_algorithm, is_bytes, nfc,
                           qr_field, qr_text_ok, unb64url, valid_public, canonical_json,
                           derive_public_key, sign, verify)

__all__ = ["make_certificate", "verify_certificate"]

CERT_VERSION = 1
CERT_KEYS = frozenset({
    "version", "seal_id", "name", "category", "organ", "algorithm", "public_key",
    "valid_from", "valid_to", "issuer_id", "issuer_algorithm", "signature",
})

_BAD_CERT = "证书格式错误"


def _text(value: object, what: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FormError(f"{what}不能为空", field=field)
    return nfc(value)


def _plain_date(value: object, what: str, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise FormError(f"{what}必须是日期", field=field)
    return value


def make_certificate(*, seal_id: str, name: str, category: str, organ: str, algorithm: str,
                     public: bytes, valid_from: date, valid_to: date, issuer_id: str,
                     issuer_algorithm: str, issuer_private: bytes) -> dict:
    """A seal certificate signed by the issuer (format in the module docstring)."""
    algorithm = check_algorithm(algorithm)
    issuer_algorithm = check_algorithm(issuer_algorithm)
    seal_id = qr_field(seal_id, "印章编号", "seal_id")  # it is printed in QR codes
    issuer_id = qr_field(issuer_id, "签发者编号", "issuer_id")
    if not valid_public(algorithm, public):
        raise FormError("印章公钥无效", field="public")
    public = bytes(public)
    valid_from = _plain_date(valid_from, "生效日期", "valid_from")
    valid_to = _plain_date(valid_to, "失效日期", "valid_to")
    if valid_to < valid_from:
        raise FormError("失效日期早于生效日期", field="valid_to")
    if issuer_id == seal_id:
        if issuer_algorithm != algorithm:
            raise FormError("自签证书的签发算法必须与印章算法一致", field="issuer_algorithm")
        if derive_public_key(algorithm, issuer_private) != public:
            raise FormError("自签证书必须用印章自己的私钥签发", field="issuer_private")
    cert = {
        "version": CERT_VERSION,
        "seal_id": seal_id,
        "name": _text(name, "印章名称", "name"),
        "category": _text(category, "印章类别", "category"),
        "organ": _text(organ, "用章机关", "organ"),
        "algorithm": algorithm,
        "public_key": b64url(public),
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat(),
        "issuer_id": issuer_id,
        "issuer_algorithm": issuer_algorithm,
    }
    cert["signature"] = b64url(sign(issuer_algorithm, issuer_private, canonical_json(cert)))
    return cert


def _iso_date(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError
    day = date.fromisoformat(value)
    if day.isoformat() != value:  # reject 20260101 and other variants
        raise ValueError
    return day


def verify_certificate(cert: dict, issuer_public: bytes, *, on: date | None = None) -> None:
    """Return None if ``cert`` is well-formed, signed by ``issuer_public`` and (when ``on``
    is given) valid on that day; otherwise raise FormError with the reason."""
    try:
        if not isinstance(cert, dict) or set(cert) != CERT_KEYS:
            raise ValueError
        if type(cert["version"]) is not int or cert["version"] != CERT_VERSION:
            raise ValueError
        for key in ("seal_id", "name", "category", "organ", "issuer_id"):
            value = cert[key]
            if not isinstance(value, str) or not value.strip() or nfc(value) != value:
                raise ValueError
        if not (qr_text_ok(cert["seal_id"]) and qr_text_ok(cert["issuer_id"])):
            raise ValueError
        algorithm, issuer_algorithm = cert["algorithm"], cert["issuer_algorithm"]
        if algorithm not in ALGORITHMS or issuer_algorithm not in ALGORITHMS:
            raise ValueError
        public = unb64url(cert["public_key"])
        if not valid_public(algorithm, public):
            raise ValueError
        signature = unb64url(cert["signature"])
        if len(signature) != SIGNATURE_SIZE:
            raise ValueError
        valid_from, valid_to = _iso_date(cert["valid_from"]), _iso_date(cert["valid_to"])
        if valid_to < valid_from:
            raise ValueError
        self_issued = cert["issuer_id"] == cert["seal_id"]
        if self_issued and issuer_algorithm != algorithm:
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise FormError(_BAD_CERT) from None
    if on is not None:
        _plain_date(on, "核验日期", "on")
    if self_issued and (not is_bytes(issuer_public) or bytes(issuer_public) != public):
        raise FormError("证书签名无效")
    unsigned = {key: value for key, value in cert.items() if key != "signature"}
    if not verify(issuer_algorithm, issuer_public, canonical_json(unsigned), signature):
        raise FormError("证书签名无效")
    if on is not None:
        if on < valid_from:
            raise FormError("证书尚未生效")
        if on > valid_to:
            raise FormError("证书已过期")
    return None
