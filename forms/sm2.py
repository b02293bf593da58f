"""SM2 (GB/T 32918) with SM3 (GB/T 32905): two interchangeable engines.

``tongsuo``
    Tongsuo (铜锁, the OpenAtom fork of OpenSSL with the Chinese algorithms)
    through its Python SDK ``tongsuopy``: C code, about 0.4 ms a signature.
    Wheels exist for x86-64 Linux, Windows and macOS only.
``gmssl``
    ``gmssl``, pure Python: about 15 ms a signature, which alone is more than
    the whole budget of sealing a notice, but it runs anywhere Python does
    (the Loongson and ARM machines of domestic Kylin/UOS desktops).

The default is ``tongsuo`` when it imports, otherwise ``gmssl``; the
environment variable ``WORKSTATION_SM2_ENGINE=gmssl`` forces the slow one.
Both produce the same thing: ``e = SM3(Z_A || M)`` with the **default user id**
``1234567812345678`` (GB/T 35276), signatures as 64 bytes ``r || s``, public
keys as 64 bytes ``x || y``. The tests sign with one engine and verify with
the other, so a seal made on one machine verifies on any other.

Callers (``forms.signing``) check the ranges of keys and signatures; this
module only computes.
"""

from __future__ import annotations

import hashlib
import os
import secrets

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from gmssl import sm2 as _gm_sm2
from gmssl import sm3 as _gm_sm3

try:
    from tongsuopy.crypto import hashes as _ts_hashes
    from tongsuopy.crypto.asymciphers import ec as _ts_ec
    from tongsuopy.crypto.exceptions import InvalidSignature as _TsInvalidSignature
except ImportError:  # no wheel for this machine: gmssl alone
    _ts_ec = None

ENGINES = ("tongsuo", "gmssl")
ENGINE_ENV = "WORKSTATION_SM2_ENGINE"

_TABLE = _gm_sm2.default_ecc_table
P = int(_TABLE["p"], 16)
A = int(_TABLE["a"], 16)
B = int(_TABLE["b"], 16)
N = int(_TABLE["n"], 16)
_G_HEX = _TABLE["g"]


def available_engines() -> tuple[str, ...]:
    return ENGINES if _ts_ec is not None else ("gmssl",)


def default_engine() -> str:
    wanted = os.environ.get(ENGINE_ENV, "").strip()
    if wanted in available_engines():
        return wanted
    return available_engines()[0]


def sm3(data: bytes) -> bytes:
    """Plain SM3 of ``data``; OpenSSL's when Python's hashlib has it."""
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:
        return bytes.fromhex(_gm_sm3.sm3_hash(list(data)))


def on_curve(public: bytes) -> bool:
    if len(public) != 64:
        return False
    x = int.from_bytes(public[:32], "big")
    y = int.from_bytes(public[32:], "big")
    if x >= P or y >= P:
        return False
    return (y * y - (x * x * x + A * x + B)) % P == 0


def public_key(d: int, engine: str | None = None) -> bytes:
    """``dG`` as 64 bytes x || y."""
    if (engine or default_engine()) == "tongsuo":
        numbers = _ts_ec.derive_private_key(d, _ts_ec.SM2()).public_key().public_numbers()
        return numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
    return bytes.fromhex(_gmssl()._kg(d, _G_HEX))


def sign(d: int, data: bytes, engine: str | None = None) -> bytes:
    """A fresh randomised signature of ``data`` as 64 bytes r || s."""
    if (engine or default_engine()) == "tongsuo":
        der = _ts_ec.derive_private_key(d, _ts_ec.SM2()).sign(data, _ts_ec.ECDSA(_ts_hashes.SM3()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    crypt = _gmssl(format(d, "064x"), public_key(d, "gmssl").hex())
    while True:  # gmssl returns None in the (negligible) degenerate cases r=0, r+k=n, s=0
        signature = crypt.sign_with_sm3(data, format(secrets.randbelow(N - 1) + 1, "064x"))
        if signature:
            return bytes.fromhex(signature)


def verify(public: bytes, data: bytes, r: int, s: int, engine: str | None = None) -> bool:
    """True iff (r, s) is ``public``'s signature of ``data``. The caller has
    checked that ``public`` is on the curve and that 1 <= r, s < N."""
    if (engine or default_engine()) == "tongsuo":
        x, y = int.from_bytes(public[:32], "big"), int.from_bytes(public[32:], "big")
        key = _ts_ec.EllipticCurvePublicNumbers(x, y, _ts_ec.SM2()).public_key()
        try:
            key.verify(encode_dss_signature(r, s), data, _ts_ec.ECDSA(_ts_hashes.SM3()))
        except _TsInvalidSignature:
            return False
        return True
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return bool(_gmssl(public_hex=public.hex()).verify_with_sm3(signature.hex(), data))


def _gmssl(private_hex: str = "", public_hex: str = _G_HEX) -> _gm_sm2.CryptSM2:
    # gmssl's constructor does public_key.lstrip("04"), which eats leading '0' and '4'
    # hex digits of x whenever x's hex happens to start with "04"; set the key directly.
    crypt = _gm_sm2.CryptSM2(private_key=private_hex, public_key=_G_HEX)
    crypt.public_key = public_hex
    return crypt
