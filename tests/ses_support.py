"""Test material for GB/T 38540: SM2 keys and certificates made by openssl, and a
second decoder written here from the standard's ASN.1 with asn1crypto (it shares
no code with forms.ses, which uses pyasn1).

The classes below follow GB/T 38540-2020 (version 4) as transcribed in
forms/ses.py's docstring: untagged fields except TBS_Sign.extDatas and
SES_Signature.timeStamp ([0] EXPLICIT); certList parsed as CertInfoList
(certListType 1).
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import core, keys, pem
from PIL import Image, ImageDraw

SM2_SM3 = "1.2.156.10197.1.501"
DISTID = "distid:1234567812345678"


class Header(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):
    _child_spec = core.OctetString


class PropertyInfo(core.Sequence):
    _fields = [("type", core.Integer), ("name", core.UTF8String),
               ("cert_list_type", core.Integer), ("cert_list", CertInfoList),
               ("create_date", core.GeneralizedTime), ("valid_start", core.GeneralizedTime),
               ("valid_end", core.GeneralizedTime)]


class PictureInfo(core.Sequence):
    _fields = [("type", core.IA5String), ("data", core.OctetString),
               ("width", core.Integer), ("height", core.Integer)]


class ExtData(core.Sequence):
    _fields = [("extn_id", core.ObjectIdentifier),
               ("critical", core.Boolean, {"default": False}),
               ("extn_value", core.OctetString)]


class ExtensionDatas(core.SequenceOf):
    _child_spec = ExtData


class SealInfo(core.Sequence):
    _fields = [("header", Header), ("es_id", core.IA5String), ("property", PropertyInfo),
               ("picture", PictureInfo), ("ext_datas", ExtensionDatas, {"optional": True})]


class Seal(core.Sequence):
    _fields = [("e_seal_info", SealInfo), ("cert", core.OctetString),
               ("sign_alg_id", core.ObjectIdentifier), ("signed_value", core.OctetBitString)]


class TBSSign(core.Sequence):
    _fields = [("version", core.Integer), ("eseal", Seal), ("time_info", core.GeneralizedTime),
               ("data_hash", core.OctetBitString), ("property_info", core.IA5String),
               ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True})]


class SESSignature(core.Sequence):
    _fields = [("to_sign", TBSSign), ("cert", core.OctetString),
               ("signature_alg_id", core.ObjectIdentifier),
               ("signature", core.OctetBitString),
               ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True})]


@dataclass(frozen=True)
class Party:
    """An SM2 key pair made by openssl, with a self-signed SM2/SM3 certificate."""

    key_pem: Path
    cert_pem: Path
    pub_pem: Path
    cert: bytes        # DER
    private: bytes     # 32 bytes d, for forms.signing


def run(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), input=data, capture_output=True, check=False)


def make_party(folder: Path, name: str) -> Party:
    key, cert, pub = folder / f"{name}.key", folder / f"{name}.crt", folder / f"{name}.pub"
    for args in (("openssl", "genpkey", "-algorithm", "SM2", "-out", str(key)),
                 ("openssl", "req", "-x509", "-new", "-key", str(key), "-sm3", "-days", "3650",
                  "-subj", f"/CN={name}", "-sigopt", DISTID, "-out", str(cert)),
                 ("openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub))):
        done = run(*args)
        assert done.returncode == 0, done.stderr
    der = pem.unarmor(cert.read_bytes())[2]
    info = keys.PrivateKeyInfo.load(pem.unarmor(key.read_bytes())[2])
    d = keys.ECPrivateKey.load(info["private_key"].contents)["private_key"].native
    return Party(key, cert, pub, der, d.to_bytes(32, "big"))


def openssl_sign(party: Party, data: bytes, folder: Path) -> bytes:
    """openssl's SM2/SM3 signature (DER) of ``data`` with the party's key."""
    src = folder / "to-sign.der"
    src.write_bytes(data)
    done = run("openssl", "pkeyutl", "-sign", "-inkey", str(party.key_pem), "-rawin",
               "-in", str(src), "-digest", "sm3", "-pkeyopt", DISTID)
    assert done.returncode == 0, done.stderr
    return done.stdout


def openssl_verifies(party: Party, data: bytes, signature: bytes, folder: Path) -> bool:
    src, sig = folder / "signed.der", folder / "sig.der"
    src.write_bytes(data)
    sig.write_bytes(signature)
    done = run("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(party.pub_pem),
               "-rawin", "-in", str(src), "-sigfile", str(sig), "-digest", "sm3",
               "-pkeyopt", DISTID)
    return done.returncode == 0 and b"Signature Verified Successfully" in done.stdout


def small_png(colour=(230, 0, 18, 255)) -> bytes:
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((2, 2, 37, 37), outline=colour, width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
