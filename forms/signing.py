"""Electronic seals (电子印章): keys, certificates, document digests and the QR code.

Pure functions only: no Qt, no database, no files, no keyring, no logging.
Callers keep the keyring secret and the encrypted key blob; this module turns
them into signatures. No function here writes, logs or puts into an error
message any key material.

The workstation's own formats below carry the same facts as GB/T 38540-2020's
SESeal / SES_Signature (the seal's owner, validity and maker's signature; the
signed data's hash; an SM2 signature over SM3); forms.ses writes and reads those
structures (ASN.1 DER) with the SM2 signatures computed here.

Algorithms (``ALGORITHMS``), chosen per seal
=============================================

``"sm2"``
    SM2 (GB/T 32918) with SM3 (GB/T 32905), computed by ``forms.sm2``
    (Tongsuo where its wheel exists, else ``gmssl``; same results).
    ``generate_keypair`` draws the private key ``d`` uniformly from
    ``[1, n-2]`` with :mod:`secrets` (n-1 is excluded by GB/T 32918 because
    signing needs ``(1+d)^-1 mod n``) and computes ``P = dG``.

    * private key: 32 bytes, ``d`` big-endian;
    * public key: **64 bytes, x || y** (big-endian affine coordinates, *no*
      ``04`` prefix); it must lie on the curve;
    * signing: ``e = SM3(Z_A || M)`` with
      ``Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA)`` and the
      **default user id** ``1234567812345678`` (GB/T 35276), so a signature
      binds the signer's public key; the nonce ``k`` comes from
      :mod:`secrets`.
    * ``digest`` is plain SM3 of the data (no Z_A).

``"ecdsa-p256"``
    ECDSA over NIST P-256 with SHA-256, computed by ``cryptography``.

    * private key: 32 bytes, the scalar big-endian;
    * public key: 65 bytes, the uncompressed SEC1 point ``04 || x || y``;
    * ``digest`` is SHA-256 of the data.

Signatures are **64 bytes, r || s** (each 32 bytes big-endian) for both
algorithms; ECDSA's DER form is converted with ``decode_dss_signature`` /
``encode_dss_signature``. Signatures are randomised (random nonce), so signing
the same data twice gives different, equally valid signatures. ``verify``
returns ``False`` -- never raises -- for any wrong, truncated or garbled
signature or public key; only an unknown algorithm raises ``FormError``.

Private keys at rest
====================

``encrypt_private_key(private, secret)`` returns the blob::

    b"WSK1" || salt (16) || nonce (12) || AES-256-GCM ciphertext+tag

The AES key is ``scrypt(secret UTF-8, salt, n=2**14, r=8, p=1, length=32)``;
the magic ``b"WSK1"`` is GCM's associated data. The secret is the one kept in
the OS keyring (``new_secret()``: 32 url-safe random characters); it must be
at least 8 characters. A wrong secret and a tampered blob are
indistinguishable by design: both raise ``FormError("解锁口令错误或密钥文件已损坏")``.

Canonical JSON
==============

``canonical_json(obj)``: every string (keys and values) NFC-normalised, then
``json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":"))``,
UTF-8. Only dicts with string keys, lists/tuples, strings, integers, booleans
and ``None`` are allowed (no floats: their text form is not canonical); two
keys that become equal after NFC are an error.

Canonical document content
==========================

``canonical_document(fields, body)`` is what a document's digest is taken of::

    b"WSDOC1\\n" || canonical_json({"fields": {name: value, …}, "body": text})

* ``fields`` are the values that matter (document number, applicant, matter,
  dates …) as ``str -> str``; each value is NFC-normalised, stripped and every
  run of whitespace (including newlines and the full-width space U+3000)
  becomes one ASCII space. Names are only NFC-normalised. An empty value is
  kept (an empty field differs from an absent one).
* ``body`` is NFC-normalised and split into lines (any Unicode line break:
  ``\\n``, ``\\r\\n``, ``\\r``, U+2028 …); in each line every run of whitespace
  becomes one space and the ends are stripped; empty lines are dropped; the
  lines are joined with ``\\n``.

So changing, adding or removing any visible (non-whitespace) character changes
the canonical form and its digest, while re-indenting, trailing spaces, doubled
spaces, blank lines and CRLF/LF differences do not. A line break still counts
as a separator: joining two lines into one (with a space) changes the digest.

Seal and issuer ids follow the QR field rules below (no ``|``, no control
characters, no surrounding whitespace).

What is signed, and the QR code
===============================

For a document, ``D = digest(algorithm, canonical_document(fields, body))``.
The seal does **not** sign the bare digest but::

    payload_signed_bytes(document_no, receipt_no, D, seal_id)
      = canonical_json({"doc": document_no, "receipt": receipt_no,
                        "digest": base64url(D), "seal": seal_id})

and the QR code printed on the page holds exactly the inputs to that::

    "WS1|" + document_no + "|" + receipt_no + "|" + base64url(D)
           + "|" + seal_id + "|" + base64url(signature)

(base64url without padding: 43 characters for the digest, 86 for the
signature; about 190 characters for a real document.) With only the QR code
and the seal's certificate (public key), a verifier offline can establish
"seal S signed document N of receipt R whose content digest is D"; retyping
the printed text and recomputing ``canonical_document`` then shows whether the
paper still says what was signed. The fields may not contain ``|`` or control
characters; ``parse_qr_payload`` accepts nothing else (surrounding whitespace
such as a scanner's trailing Enter is ignored) and raises
``FormError("二维码不是本系统签发的文书码")`` for anything foreign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import unicodedata
from typing import TypeGuard

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from forms import sm2
from forms.errors import FormError

__all__ = [
    "ALGORITHMS",
    "generate_keypair",
    "derive_public_key",
    "digest",
    "sign",
    "verify",
    "encrypt_private_key",
    "decrypt_private_key",
    "new_secret",
    "canonical_json",
    "canonical_document",
    "make_qr_payload",
    "parse_qr_payload",
    "payload_signed_bytes",
]

ALGORITHMS = ("sm2", "ecdsa-p256")

PRIVATE_KEY_SIZE = 32
PUBLIC_KEY_SIZES = {"sm2": 64, "ecdsa-p256": 65}
DIGEST_SIZE = 32
SIGNATURE_SIZE = 64

KEY_BLOB_MAGIC = b"WSK1"
_SALT_SIZE = 16
_NONCE_SIZE = 12
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MIN_SECRET_LENGTH = 8

DOCUMENT_MAGIC = b"WSDOC1\n"
QR_PREFIX = "WS1|"
QR_MAX_LENGTH = 2000  # longer input is rejected before any parsing

_BAD_KEY_BLOB = "解锁口令错误或密钥文件已损坏"
_BAD_QR = "二维码不是本系统签发的文书码"

_SM2_N = sm2.N

_P256 = ec.SECP256R1()
_P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


# --------------------------------------------------------------------------- helpers

def check_algorithm(algorithm: object) -> str:
    if algorithm not in ALGORITHMS:
        raise FormError(f"不支持的签名算法：{algorithm!s}（可选：{'、'.join(ALGORITHMS)}）",
                          field="algorithm")
    return algorithm


def is_bytes(value: object) -> TypeGuard[bytes | bytearray | memoryview]:
    return isinstance(value, (bytes, bytearray, memoryview))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def unb64url(text: str) -> bytes:
    """Strict base64url without padding; raises ValueError unless ``text`` is the
    one canonical encoding of its bytes (so no two strings decode alike)."""
    if not isinstance(text, str) or not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- SM2

def _sm2_scalar(private: object) -> int:
    if not is_bytes(private) or len(private) != PRIVATE_KEY_SIZE:
        raise FormError("SM2 私钥必须是 32 字节", field="private_key")
    d = int.from_bytes(bytes(private), "big")
    if not 1 <= d <= _SM2_N - 2:
        raise FormError("SM2 私钥超出有效范围", field="private_key")
    return d


def _p256_private(private: object) -> ec.EllipticCurvePrivateKey:
    if not is_bytes(private) or len(private) != PRIVATE_KEY_SIZE:
        raise FormError("ECDSA 私钥必须是 32 字节", field="private_key")
    d = int.from_bytes(bytes(private), "big")
    if not 1 <= d <= _P256_N - 1:
        raise FormError("ECDSA 私钥超出有效范围", field="private_key")
    return ec.derive_private_key(d, _P256)


def _p256_public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _p256_public(public: bytes) -> ec.EllipticCurvePublicKey | None:
    if len(public) != 65 or public[0] != 4:
        return None
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(_P256, bytes(public))
    except ValueError:
        return None


def valid_public(algorithm: str, public: object) -> bool:
    if not is_bytes(public):
        return False
    public = bytes(public)
    if algorithm == "sm2":
        return sm2.on_curve(public)
    return _p256_public(public) is not None


# --------------------------------------------------------------------------- keys, digest, signatures

def generate_keypair(algorithm: str) -> tuple[bytes, bytes]:
    """A fresh ``(private, public)`` pair: 32-byte private key; public key 64 bytes
    (x || y) for SM2, 65 bytes (04 || x || y) for ECDSA P-256."""
    algorithm = check_algorithm(algorithm)
    if algorithm == "sm2":
        d = secrets.randbelow(_SM2_N - 2) + 1  # uniform in [1, n-2]
        return d.to_bytes(32, "big"), sm2.public_key(d)
    key = ec.generate_private_key(_P256)
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return private, _p256_public_bytes(key.public_key())


def derive_public_key(algorithm: str, private: bytes) -> bytes:
    """The public key belonging to ``private`` (same formats as ``generate_keypair``)."""
    algorithm = check_algorithm(algorithm)
    if algorithm == "sm2":
        return sm2.public_key(_sm2_scalar(private))
    return _p256_public_bytes(_p256_private(private).public_key())


def digest(algorithm: str, data: bytes) -> bytes:
    """The 32-byte hash the algorithm pairs with: SM3 for sm2, SHA-256 for ecdsa-p256."""
    algorithm = check_algorithm(algorithm)
    if not is_bytes(data):
        raise FormError("待摘要的数据必须是字节串")
    data = bytes(data)
    if algorithm == "sm2":
        return sm2.sm3(data)
    return hashlib.sha256(data).digest()


def sign(algorithm: str, private: bytes, data: bytes) -> bytes:
    """Sign ``data`` (the message itself, not its hash): 64 bytes r || s.

    SM2 hashes ``Z_A || data`` with SM3 (default user id 1234567812345678);
    ECDSA hashes ``data`` with SHA-256. A malformed private key raises FormError.
    """
    algorithm = check_algorithm(algorithm)
    if not is_bytes(data):
        raise FormError("待签名的数据必须是字节串")
    data = bytes(data)
    if algorithm == "sm2":
        return sm2.sign(_sm2_scalar(private), data)
    der = _p256_private(private).sign(data, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(algorithm: str, public: bytes, data: bytes, signature: bytes) -> bool:
    """True iff ``signature`` (r || s) is ``public``'s signature of ``data``.

    Any malformed public key, data or signature gives False; only an unknown
    algorithm raises FormError.
    """
    algorithm = check_algorithm(algorithm)
    if not (is_bytes(public) and is_bytes(data) and is_bytes(signature)):
        return False
    public, data, signature = bytes(public), bytes(data), bytes(signature)
    if len(signature) != SIGNATURE_SIZE:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    try:
        if algorithm == "sm2":
            # Neither engine is trusted to check the ranges of r and s or the public key.
            if not (1 <= r < _SM2_N and 1 <= s < _SM2_N) or not sm2.on_curve(public):
                return False
            return sm2.verify(public, data, r, s)
        if not (1 <= r < _P256_N and 1 <= s < _P256_N):
            return False
        key = _p256_public(public)
        if key is None:
            return False
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False
    except (ValueError, TypeError, IndexError):  # gmssl on degenerate points
        return False


# --------------------------------------------------------------------------- private keys at rest

def new_secret() -> str:
    """A new keyring secret: 32 random url-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def _kek(secret: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return kdf.derive(secret.encode("utf-8"))


def encrypt_private_key(private: bytes, secret: str) -> bytes:
    """``b"WSK1" + salt(16) + nonce(12) + AES-256-GCM(private)``, key = scrypt(secret)."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise FormError(f"解锁口令至少 {MIN_SECRET_LENGTH} 个字符", field="secret")
    if not is_bytes(private) or len(private) == 0:
        raise FormError("私钥不能为空", field="private_key")
    salt = secrets.token_bytes(_SALT_SIZE)
    nonce = secrets.token_bytes(_NONCE_SIZE)
    ciphertext = AESGCM(_kek(secret, salt)).encrypt(nonce, bytes(private), KEY_BLOB_MAGIC)
    return KEY_BLOB_MAGIC + salt + nonce + ciphertext


def decrypt_private_key(blob: bytes, secret: str) -> bytes:
    """The private key inside ``blob``; FormError if the secret is wrong or the blob altered."""
    header = len(KEY_BLOB_MAGIC) + _SALT_SIZE + _NONCE_SIZE
    if (not is_bytes(blob) or not isinstance(secret, str) or not secret
            or len(blob) <= header + 16 or bytes(blob[:4]) != KEY_BLOB_MAGIC):
        raise FormError(_BAD_KEY_BLOB)
    blob = bytes(blob)
    salt = blob[4:4 + _SALT_SIZE]
    nonce = blob[4 + _SALT_SIZE:header]
    try:
        return AESGCM(_kek(secret, salt)).decrypt(nonce, blob[header:], KEY_BLOB_MAGIC)
    except InvalidTag:
        raise FormError(_BAD_KEY_BLOB) from None


# --------------------------------------------------------------------------- canonical forms

def _canonical(obj: object) -> object:
    if isinstance(obj, str):
        return nfc(obj)
    if obj is None or isinstance(obj, bool) or isinstance(obj, int):
        return obj
    if isinstance(obj, dict):
        out: dict[str, object] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise FormError("规范化 JSON 的键必须是字符串")
            key = nfc(key)
            if key in out:
                raise FormError(f"规范化后出现重复的键：{key}")
            out[key] = _canonical(value)
        return out
    if isinstance(obj, (list, tuple)):
        return [_canonical(item) for item in obj]
    raise FormError(f"规范化 JSON 不支持的值类型：{type(obj).__name__}")


def canonical_json(obj: object) -> bytes:
    """Sorted keys, no spaces, raw UTF-8, all strings NFC (see the module docstring)."""
    return json.dumps(_canonical(obj), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _collapse(text: str) -> str:
    # str.split() with no argument splits on every run of Unicode whitespace.
    return " ".join(text.split())


def canonical_document(fields: dict[str, str], body: str) -> bytes:
    """``b"WSDOC1\\n" + canonical_json({"fields": …, "body": …})``: whitespace-insensitive,
    sensitive to every visible character (rules in the module docstring)."""
    if not isinstance(fields, dict):
        raise FormError("文书字段必须是“名称→值”的表")
    if not isinstance(body, str):
        raise FormError("文书正文必须是文本")
    clean: dict[str, str] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise FormError("文书字段的名称和值都必须是文本", field=str(name))
        clean[name] = _collapse(nfc(value))
    lines = (_collapse(line) for line in nfc(body).splitlines())
    text = "\n".join(line for line in lines if line)
    return DOCUMENT_MAGIC + canonical_json({"fields": clean, "body": text})


# --------------------------------------------------------------------------- QR payload

_QR_FIELD_BAD = re.compile(r"[|\x00-\x1f\x7f-\x9f\u2028\u2029]")


def qr_text_ok(value: str) -> bool:
    return (bool(value) and value == value.strip() and not _QR_FIELD_BAD.search(value)
            and nfc(value) == value)


def qr_field(value: object, what: str, field: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise FormError(f"{what}不能为空，且首尾不能有空白", field=field)
    if _QR_FIELD_BAD.search(value):
        raise FormError(f"{what}不能含有“|”或控制字符", field=field)
    return nfc(value)


def _sized(value: object, size: int, what: str, field: str) -> bytes:
    if not is_bytes(value) or len(value) != size:
        raise FormError(f"{what}必须是 {size} 字节", field=field)
    return bytes(value)


def payload_signed_bytes(document_no: str, receipt_no: str, digest: bytes, seal_id: str) -> bytes:
    """The bytes a document's seal signature is over (see the module docstring)."""
    digest_ = _sized(digest, DIGEST_SIZE, "文书摘要", "digest")
    return canonical_json({
        "doc": qr_field(document_no, "文书编号", "document_no"),
        "receipt": qr_field(receipt_no, "受理编号", "receipt_no"),
        "digest": b64url(digest_),
        "seal": qr_field(seal_id, "印章编号", "seal_id"),
    })


def make_qr_payload(*, document_no: str, receipt_no: str, digest: bytes, seal_id: str,
                    signature: bytes) -> str:
    """``"WS1|doc|receipt|b64url(digest)|seal|b64url(signature)"`` for the printed QR code."""
    parts = [
        qr_field(document_no, "文书编号", "document_no"),
        qr_field(receipt_no, "受理编号", "receipt_no"),
        b64url(_sized(digest, DIGEST_SIZE, "文书摘要", "digest")),
        qr_field(seal_id, "印章编号", "seal_id"),
        b64url(_sized(signature, SIGNATURE_SIZE, "签名", "signature")),
    ]
    return QR_PREFIX + "|".join(parts)


def parse_qr_payload(text: str) -> dict:
    """The fields of a scanned QR code: ``document_no``, ``receipt_no``, ``digest``
    (32 bytes), ``seal_id``, ``signature`` (64 bytes). Does not verify the signature."""
    if not isinstance(text, str) or len(text) > QR_MAX_LENGTH:
        raise FormError(_BAD_QR)
    text = text.strip()
    if not text.startswith(QR_PREFIX):
        raise FormError(_BAD_QR)
    parts = text[len(QR_PREFIX):].split("|")
    if len(parts) != 5:
        raise FormError(_BAD_QR)
    document_no, receipt_no, digest_text, seal_id, signature_text = parts
    if not all(qr_text_ok(value) for value in (document_no, receipt_no, seal_id)):
        raise FormError(_BAD_QR)
    try:
        digest_ = unb64url(digest_text)
        signature = unb64url(signature_text)
    except (ValueError, binascii.Error):
        raise FormError(_BAD_QR) from None
    if len(digest_) != DIGEST_SIZE or len(signature) != SIGNATURE_SIZE:
        raise FormError(_BAD_QR)
    return {"document_no": document_no, "receipt_no": receipt_no, "digest": digest_,
            "seal_id": seal_id, "signature": signature}
