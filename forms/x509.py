"""X.509 seal certificates: the district's authority, a seal's request, issuing and the chain.

Pure functions over DER bytes: no database, no files, no keyring. Keys are in
forms.signing's formats (32-byte private scalars; SM2 public keys 64 bytes
``x || y``, P-256 public keys 65 bytes ``04 || x || y``).

Algorithms
==========
``ecdsa-p256``: ecdsa-with-SHA256 (1.2.840.10045.4.3.2), key id-ecPublicKey with
prime256v1. ``sm2``: SM2-with-SM3 (1.2.156.10197.1.501), key id-ecPublicKey
(1.2.840.10045.2.1) with the curve sm2p256v1 (1.2.156.10197.1.301), signed with
the default user id ``1234567812345678`` (what OpenSSL 3 and Tongsuo assume).
``cryptography`` cannot sign SM2, so both algorithms build the TBSCertificate and
the CertificationRequestInfo with pyasn1 (RFC 5280, RFC 2986) and sign them with
``forms.signing.sign``; signatures are DER ``Ecdsa-Sig-Value`` (r, s). OpenSSL
verifies both (tests/test_forms_x509.py).

What a seal certificate binds
=============================
Subject: ``C=CN, O=<organ>, OU=<category>, CN=<seal name>, serialNumber=<seal id>``;
validity (``valid_from`` 00:00:00 to ``valid_to`` 23:59:59 Beijing time, so a
day-based check matches the certificate's own times); the seal's public key;
and one non-critical private extension **SealInfo**::

    id-ws-sealInfo OBJECT IDENTIFIER ::= { 2 25 39460049013583246585201127121875578435 }
    SealInfo ::= SEQUENCE {
        version        INTEGER (1),
        sealId         UTF8String,
        name           UTF8String,
        category       UTF8String,   -- 受理 | 商事登记 | 投资建设 | 社会民生
        organ          UTF8String,
        terminal       UTF8String,   -- the terminal that holds the key
        pictureSha256  OCTET STRING (SIZE (32)) }  -- SHA-256 of the seal picture (PNG)

The arc 2.25 is ITU-T X.667's UUID arc (an OID anyone may mint from a random
UUID without registration); this one was minted for this project. A seal's
request (PKCS #10) carries the same extension in an ``extensionRequest``
attribute; the issuer copies it only after its own checks.

The authority
=============
A self-signed CA certificate (basicConstraints CA critical, keyUsage keyCertSign
and cRLSign) whose subject is ``C=CN, O=<organ>, CN=<organ>电子印章根证书``. A
verifier *pins* one authority certificate (by its DER bytes) and accepts only
seal certificates issued by it: its name, its key identifier and its signature.

Refusals raise FormError with a Chinese reason for a clerk.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, UTC
from collections.abc import Collection

from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)
from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import char, namedtype, univ, useful
from pyasn1_modules import rfc2986, rfc5280

from forms import signing
from forms.errors import FormError

__all__ = ["SEAL_INFO_OID", "Authority", "SealCertificate", "make_authority", "make_request",
           "read_request", "issue", "read_certificate", "read_authority", "verify_seal_certificate",
           "fingerprint"]

SEAL_INFO_OID = univ.ObjectIdentifier("2.25.39460049013583246585201127121875578435")
_SIG_OIDS = {"ecdsa-p256": univ.ObjectIdentifier("1.2.840.10045.4.3.2"),
             "sm2": univ.ObjectIdentifier("1.2.156.10197.1.501")}
_CURVE_OIDS = {"ecdsa-p256": univ.ObjectIdentifier("1.2.840.10045.3.1.7"),
               "sm2": univ.ObjectIdentifier("1.2.156.10197.1.301")}
_EC_PUBLIC_KEY = univ.ObjectIdentifier("1.2.840.10045.2.1")
_EXTENSION_REQUEST = univ.ObjectIdentifier("1.2.840.113549.1.9.14")
_AT = {"C": rfc5280.id_at_countryName, "O": rfc5280.id_at_organizationName,
       "OU": rfc5280.id_at_organizationalUnitName, "CN": rfc5280.id_at_commonName,
       "serialNumber": rfc5280.id_at_serialNumber}
_BEIJING = timezone(timedelta(hours=8))
MAX_DER = 16 * 1024       # a seal certificate is about 800 bytes

_BAD_CERT = "证书无法读取（不是有效的 X.509 DER 证书，或已截断、损坏）"
_BAD_REQUEST = "证书申请无法读取（不是有效的 PKCS#10 DER 申请，或已截断、损坏）"


class SealInfo(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("sealId", char.UTF8String()),
        namedtype.NamedType("name", char.UTF8String()),
        namedtype.NamedType("category", char.UTF8String()),
        namedtype.NamedType("organ", char.UTF8String()),
        namedtype.NamedType("terminal", char.UTF8String()),
        namedtype.NamedType("pictureSha256", univ.OctetString()),
    )


@dataclass(frozen=True)
class Authority:
    """A CA certificate (DER), its algorithm and the name it signs with."""

    certificate: bytes
    algorithm: str
    name: str
    organ: str
    public_key: bytes
    valid_from: date
    valid_to: date

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


@dataclass(frozen=True)
class SealCertificate:
    """What a seal certificate (or request) says, read back from DER."""

    seal_id: str
    name: str
    category: str
    organ: str
    terminal: str
    picture_sha256: str            # hex
    algorithm: str
    public_key: bytes
    valid_from: date | None = None
    valid_to: date | None = None
    serial: int = 0
    authority: str = ""            # the issuer's CN


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(bytes(der)).hexdigest()


# --------------------------------------------------------------------------- encoding

def _name(**parts: str) -> rfc5280.Name:
    rdns = rfc5280.RDNSequence()
    for i, (key, value) in enumerate(parts.items()):
        atv = rfc5280.AttributeTypeAndValue()
        atv["type"] = _AT[key]
        # countryName and serialNumber are PrintableString (RFC 5280 appendix A); the rest UTF8.
        text = char.PrintableString(value) if key in ("C", "serialNumber") else char.UTF8String(value)
        atv["value"] = univ.Any(encoder.encode(text))
        rdn = rfc5280.RelativeDistinguishedName()
        rdn[0] = atv
        rdns[i] = rdn
    name = rfc5280.Name()
    name["rdnSequence"] = rdns
    return name


def _algorithm_id(algorithm: str) -> rfc5280.AlgorithmIdentifier:
    alg = rfc5280.AlgorithmIdentifier()
    alg["algorithm"] = _SIG_OIDS[algorithm]
    return alg


def _point(algorithm: str, public: bytes) -> bytes:
    return b"\x04" + public if algorithm == "sm2" else public


def _spki(algorithm: str, public: bytes, spec=rfc5280.SubjectPublicKeyInfo) -> univ.Sequence:
    spki = spec()
    spki["algorithm"]["algorithm"] = _EC_PUBLIC_KEY
    spki["algorithm"]["parameters"] = univ.Any(encoder.encode(_CURVE_OIDS[algorithm]))
    spki["subjectPublicKey"] = univ.BitString.fromOctetString(_point(algorithm, public))
    return spki


def _key_id(algorithm: str, public: bytes) -> bytes:
    return hashlib.sha1(_point(algorithm, public)).digest()  # RFC 5280 4.2.1.2 method 1


def _extension(oid, value, critical: bool = False) -> rfc5280.Extension:
    ext = rfc5280.Extension()
    ext["extnID"] = oid
    ext["critical"] = critical
    ext["extnValue"] = univ.OctetString(encoder.encode(value))
    return ext


def _seal_info(info: SealCertificate) -> SealInfo:
    value = SealInfo()
    value["version"] = 1
    value["sealId"] = info.seal_id
    value["name"] = info.name
    value["category"] = info.category
    value["organ"] = info.organ
    value["terminal"] = info.terminal
    value["pictureSha256"] = bytes.fromhex(info.picture_sha256)
    return value


def _time(moment: datetime) -> rfc5280.Time:
    t = rfc5280.Time()
    utc = moment.astimezone(UTC)
    if 1950 <= utc.year < 2050:
        t["utcTime"] = useful.UTCTime(utc.strftime("%y%m%d%H%M%SZ"))
    else:
        t["generalTime"] = useful.GeneralizedTime(utc.strftime("%Y%m%d%H%M%SZ"))
    return t


def _validity(valid_from: date, valid_to: date) -> rfc5280.Validity:
    if not (isinstance(valid_from, date) and isinstance(valid_to, date)) or valid_to < valid_from:
        raise FormError("证书有效期无效：失效日期早于生效日期", field="valid_to")
    v = rfc5280.Validity()
    v["notBefore"] = _time(datetime(valid_from.year, valid_from.month, valid_from.day, tzinfo=_BEIJING))
    v["notAfter"] = _time(datetime(valid_to.year, valid_to.month, valid_to.day, 23, 59, 59,
                                   tzinfo=_BEIJING))
    return v


def _signature_bits(algorithm: str, private: bytes, data: bytes) -> univ.BitString:
    rs = signing.sign(algorithm, private, data)
    der = encode_dss_signature(int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"))
    return univ.BitString.fromOctetString(der)


def _tbs(*, algorithm: str, serial: int, issuer: rfc5280.Name, subject: rfc5280.Name,
         valid_from: date, valid_to: date, subject_algorithm: str, public: bytes,
         extensions: list[rfc5280.Extension]) -> rfc5280.TBSCertificate:
    tbs = rfc5280.TBSCertificate()
    tbs["version"] = 2                                     # v3
    tbs["serialNumber"] = serial
    tbs["signature"] = _algorithm_id(algorithm)
    tbs["issuer"] = issuer
    tbs["validity"] = _validity(valid_from, valid_to)
    tbs["subject"] = subject
    tbs["subjectPublicKeyInfo"] = _spki(subject_algorithm, public)
    exts = tbs["extensions"]
    for i, ext in enumerate(extensions):
        exts[i] = ext
    return tbs


def _certificate(tbs: rfc5280.TBSCertificate, algorithm: str, private: bytes) -> bytes:
    cert = rfc5280.Certificate()
    cert["tbsCertificate"] = tbs
    cert["signatureAlgorithm"] = _algorithm_id(algorithm)
    cert["signature"] = _signature_bits(algorithm, private, encoder.encode(tbs))
    return encoder.encode(cert)


def _serial() -> int:
    return secrets.randbits(126) | (1 << 125)   # positive, 16 bytes, unguessable


def _key_usage(*bits: int) -> rfc5280.KeyUsage:
    usage = rfc5280.KeyUsage(tuple(1 if i in bits else 0 for i in range(max(bits) + 1)))
    return usage


# --------------------------------------------------------------------------- making

def make_authority(*, algorithm: str, private: bytes, organ: str, valid_from: date,
                   valid_to: date) -> bytes:
    """A self-signed authority (CA) certificate for ``organ``, DER."""
    algorithm = signing.check_algorithm(algorithm)
    public = signing.derive_public_key(algorithm, private)
    organ = _text(organ, "机关名称")
    name = _name(C="CN", O=organ, CN=f"{organ}电子印章根证书"[:64])
    basic = rfc5280.BasicConstraints()
    basic["cA"] = True
    key_id = rfc5280.SubjectKeyIdentifier(_key_id(algorithm, public))
    tbs = _tbs(algorithm=algorithm, serial=_serial(), issuer=name, subject=name,
               valid_from=valid_from, valid_to=valid_to, subject_algorithm=algorithm, public=public,
               extensions=[_extension(rfc5280.id_ce_basicConstraints, basic, True),
                           _extension(rfc5280.id_ce_keyUsage, _key_usage(5, 6), True),
                           _extension(rfc5280.id_ce_subjectKeyIdentifier, key_id)])
    return _certificate(tbs, algorithm, private)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise FormError(f"{what}不能为空，也不能含控制字符")
    return signing.nfc(value.strip())


def make_request(*, algorithm: str, private: bytes, seal_id: str, name: str, category: str,
                 organ: str, terminal: str, picture_sha256: str) -> bytes:
    """A PKCS #10 request for a seal certificate, signed by the seal's own key (DER)."""
    algorithm = signing.check_algorithm(algorithm)
    public = signing.derive_public_key(algorithm, private)
    info = SealCertificate(seal_id=signing.qr_field(seal_id, "印章编号", "seal_id"),
                           name=_text(name, "印章名称"), category=_text(category, "印章类别"),
                           organ=_text(organ, "用章机关"), terminal=_text(terminal, "终端编码"),
                           picture_sha256=_sha_hex(picture_sha256), algorithm=algorithm,
                           public_key=public)
    req = rfc2986.CertificationRequestInfo()
    req["version"] = 0
    req["subject"] = _subject(info)
    req["subjectPKInfo"] = _spki(algorithm, public, rfc2986.SubjectPublicKeyInfo)
    exts = rfc5280.Extensions()
    exts[0] = _extension(SEAL_INFO_OID, _seal_info(info))
    attr = rfc2986.Attribute()
    attr["type"] = _EXTENSION_REQUEST
    attr["values"][0] = univ.Any(encoder.encode(exts))
    req["attributes"][0] = attr
    out = rfc2986.CertificationRequest()
    out["certificationRequestInfo"] = req
    out["signatureAlgorithm"]["algorithm"] = _SIG_OIDS[algorithm]
    out["signature"] = _signature_bits(algorithm, private, encoder.encode(req))
    return encoder.encode(out)


def _sha_hex(value: object) -> str:
    if not isinstance(value, str) or len(value) != 64:
        raise FormError("印章图片摘要应为 64 位十六进制 SHA-256")
    try:
        return bytes.fromhex(value).hex()
    except ValueError:
        raise FormError("印章图片摘要应为 64 位十六进制 SHA-256") from None


def _subject(info: SealCertificate) -> rfc5280.Name:
    return _name(C="CN", O=info.organ[:64], OU=info.category[:64], CN=info.name[:64],
                 serialNumber=info.seal_id if _printable(info.seal_id) else "-")


def _printable(text: str) -> bool:
    return all(ch.isascii() and (ch.isalnum() or ch in " '()+,-./:=?") for ch in text)


def issue(request: SealCertificate, *, authority: bytes, authority_private: bytes,
          valid_from: date, valid_to: date) -> bytes:
    """The seal certificate for a request already read and checked (``read_request``), signed
    by the authority (DER)."""
    ca = read_authority(authority)
    if signing.derive_public_key(ca.algorithm, authority_private) != ca.public_key:
        raise FormError("签发私钥与根证书不匹配")
    ca_tbs = _decode(authority, rfc5280.Certificate(), _BAD_CERT)["tbsCertificate"]
    basic = rfc5280.BasicConstraints()
    basic["cA"] = False
    aki = rfc5280.AuthorityKeyIdentifier()
    aki["keyIdentifier"] = _key_id(ca.algorithm, ca.public_key)
    tbs = _tbs(algorithm=ca.algorithm, serial=_serial(), issuer=ca_tbs["subject"],
               subject=_subject(request), valid_from=valid_from, valid_to=valid_to,
               subject_algorithm=request.algorithm, public=request.public_key,
               extensions=[_extension(rfc5280.id_ce_basicConstraints, basic, True),
                           _extension(rfc5280.id_ce_keyUsage, _key_usage(0, 1), True),
                           _extension(rfc5280.id_ce_subjectKeyIdentifier,
                                      rfc5280.SubjectKeyIdentifier(
                                          _key_id(request.algorithm, request.public_key))),
                           _extension(rfc5280.id_ce_authorityKeyIdentifier, aki),
                           _extension(SEAL_INFO_OID, _seal_info(request))])
    return _certificate(tbs, ca.algorithm, authority_private)


# --------------------------------------------------------------------------- reading

def _decode(der: object, spec, message: str):
    """Strict DER: one structure, nothing after it, and re-encoding gives the same bytes."""
    if not signing.is_bytes(der) or not 0 < len(der) <= MAX_DER:
        raise FormError(message)
    der = bytes(der)
    try:
        value, rest = decoder.decode(der, asn1Spec=spec)
        if rest or encoder.encode(value) != der:
            raise FormError(message)
    except (PyAsn1Error, ValueError, TypeError, IndexError, KeyError):
        raise FormError(message) from None
    return value


def _public(spki, message: str) -> tuple[str, bytes]:
    try:
        if spki["algorithm"]["algorithm"] != _EC_PUBLIC_KEY:
            raise ValueError
        curve, rest = decoder.decode(bytes(spki["algorithm"]["parameters"]),
                                     asn1Spec=univ.ObjectIdentifier())
        algorithm = next(a for a, oid in _CURVE_OIDS.items() if oid == curve)
        point = spki["subjectPublicKey"].asOctets()
        public = point[1:] if algorithm == "sm2" and point[:1] == b"\x04" else point
        if rest or not signing.valid_public(algorithm, public):
            raise ValueError
    except (PyAsn1Error, ValueError, StopIteration, TypeError):
        raise FormError(message) from None
    return algorithm, public


def _signature_ok(algorithm: str, public: bytes, data: bytes, bits) -> bool:
    try:
        r, s = decode_dss_signature(bits.asOctets())
    except (ValueError, PyAsn1Error):
        return False
    if not (0 < r < 2**256 and 0 < s < 2**256):
        return False
    return signing.verify(algorithm, public, data, r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _algorithm_of(alg_id, message: str) -> str:
    if alg_id["parameters"].isValue:
        raise FormError(message)
    for algorithm, oid in _SIG_OIDS.items():
        if alg_id["algorithm"] == oid:
            return algorithm
    raise FormError(f"{message}：不支持的签名算法 {alg_id['algorithm']}")


def _attributes(name) -> dict[str, str]:
    out: dict[str, str] = {}
    for rdn in name["rdnSequence"]:
        for atv in rdn:
            key = next((k for k, oid in _AT.items() if oid == atv["type"]), None)
            if key is None:
                continue
            value, _ = decoder.decode(bytes(atv["value"]))
            out[key] = str(value)
    return out


def _moment(t) -> datetime:
    kind = t.getName()
    return t[kind].asDateTime.astimezone(UTC)


def _extensions(exts) -> dict[str, tuple[bool, bytes]]:
    out: dict[str, tuple[bool, bytes]] = {}
    for ext in exts:
        oid = str(ext["extnID"])
        if oid in out:
            raise FormError(_BAD_CERT)
        out[oid] = (bool(ext["critical"]), bytes(ext["extnValue"]))
    return out


_KNOWN_CRITICAL = {str(rfc5280.id_ce_basicConstraints), str(rfc5280.id_ce_keyUsage)}


def _seal_info_of(raw: bytes, message: str) -> SealInfo:
    try:
        info, rest = decoder.decode(raw, asn1Spec=SealInfo())
        if rest or int(info["version"]) != 1 or len(bytes(info["pictureSha256"])) != 32:
            raise ValueError
    except (PyAsn1Error, ValueError):
        raise FormError(message) from None
    return info


def _info(info: SealInfo, algorithm: str, public: bytes, **extra) -> SealCertificate:
    return SealCertificate(seal_id=str(info["sealId"]), name=str(info["name"]),
                           category=str(info["category"]), organ=str(info["organ"]),
                           terminal=str(info["terminal"]),
                           picture_sha256=bytes(info["pictureSha256"]).hex(),
                           algorithm=algorithm, public_key=public, **extra)


def read_request(der: bytes) -> SealCertificate:
    """A seal's request, its proof of possession checked (the seal key signed it)."""
    req = _decode(der, rfc2986.CertificationRequest(), _BAD_REQUEST)
    info = req["certificationRequestInfo"]
    algorithm = _algorithm_of(req["signatureAlgorithm"], _BAD_REQUEST)
    key_algorithm, public = _public(info["subjectPKInfo"], _BAD_REQUEST)
    if key_algorithm != algorithm or int(info["version"]) != 0:
        raise FormError(_BAD_REQUEST)
    if not _signature_ok(algorithm, public, encoder.encode(info), req["signature"]):
        raise FormError("证书申请的签名无效（申请不是由该印章的私钥签署）")
    seal_info = None
    try:
        for attr in info["attributes"]:
            if attr["type"] == _EXTENSION_REQUEST and len(attr["values"]) == 1:
                exts, _ = decoder.decode(bytes(attr["values"][0]), asn1Spec=rfc5280.Extensions())
                for oid, (_, raw) in _extensions(exts).items():
                    if oid == str(SEAL_INFO_OID):
                        seal_info = _seal_info_of(raw, _BAD_REQUEST)
    except PyAsn1Error:
        raise FormError(_BAD_REQUEST) from None
    if seal_info is None:
        raise FormError("证书申请中缺少印章信息（名称、类别、机关、终端、印章图片摘要）")
    out = _info(seal_info, algorithm, public)
    if not signing.qr_text_ok(out.seal_id) or not all(
            (v.strip() and v.isprintable()) for v in (out.name, out.category, out.organ, out.terminal)):
        raise FormError("证书申请中的印章信息不完整或含控制字符")
    return out


def _days(validity) -> tuple[date, date]:
    return (_moment(validity["notBefore"]).astimezone(_BEIJING).date(),
            _moment(validity["notAfter"]).astimezone(_BEIJING).date())


def _key_ids(exts: dict[str, tuple[bool, bytes]]) -> tuple[bytes | None, bytes | None]:
    ski = aki = None
    if (raw := exts.get(str(rfc5280.id_ce_subjectKeyIdentifier))) is not None:
        ski = bytes(decoder.decode(raw[1], asn1Spec=rfc5280.SubjectKeyIdentifier())[0])
    if (raw := exts.get(str(rfc5280.id_ce_authorityKeyIdentifier))) is not None:
        value = decoder.decode(raw[1], asn1Spec=rfc5280.AuthorityKeyIdentifier())[0]
        if value["keyIdentifier"].isValue:
            aki = bytes(value["keyIdentifier"])
    return ski, aki


def _is_ca(exts: dict[str, tuple[bool, bytes]]) -> bool:
    raw = exts.get(str(rfc5280.id_ce_basicConstraints))
    if raw is None:
        return False
    value = decoder.decode(raw[1], asn1Spec=rfc5280.BasicConstraints())[0]
    return bool(value["cA"])


def read_authority(der: bytes) -> Authority:
    """An authority certificate: self-signed, a CA, readable."""
    cert = _decode(der, rfc5280.Certificate(), "根证书无法读取（不是有效的 X.509 DER 证书）")
    tbs = cert["tbsCertificate"]
    try:
        algorithm = _algorithm_of(cert["signatureAlgorithm"], "根证书无法读取")
        key_algorithm, public = _public(tbs["subjectPublicKeyInfo"], "根证书的公钥无效")
        exts = _extensions(tbs["extensions"])
        is_ca = _is_ca(exts)
        names = _attributes(tbs["subject"])
        valid_from, valid_to = _days(tbs["validity"])
    except FormError:
        raise
    except (PyAsn1Error, ValueError):
        raise FormError("根证书无法读取（不是有效的 X.509 DER 证书）") from None
    if (key_algorithm != algorithm or not is_ca or tbs["issuer"] != tbs["subject"]
            or not _signature_ok(algorithm, public, encoder.encode(tbs), cert["signature"])):
        raise FormError("根证书无效：不是自签名的电子印章根证书")
    return Authority(certificate=bytes(der), algorithm=algorithm, name=names.get("CN", ""),
                     organ=names.get("O", ""), public_key=public, valid_from=valid_from,
                     valid_to=valid_to)


def read_certificate(der: bytes) -> SealCertificate:
    """What a seal certificate says, *without* checking who issued it (for display)."""
    return _read(der)[0]


def _read(der: bytes):
    cert = _decode(der, rfc5280.Certificate(), _BAD_CERT)
    tbs = cert["tbsCertificate"]
    try:
        algorithm, public = _public(tbs["subjectPublicKeyInfo"], _BAD_CERT)
        exts = _extensions(tbs["extensions"])
        if any(critical and oid not in _KNOWN_CRITICAL for oid, (critical, _) in exts.items()):
            raise FormError("证书含有无法识别的关键扩展")
        if _is_ca(exts):
            raise FormError("这是一张签发机构证书，不是印章证书")
        if str(SEAL_INFO_OID) not in exts:
            raise FormError("证书中没有印章信息（不是本系统的印章证书）")
        valid_from, valid_to = _days(tbs["validity"])
        issuer = _attributes(tbs["issuer"]).get("CN", "")
        info = _info(_seal_info_of(exts[str(SEAL_INFO_OID)][1], _BAD_CERT), algorithm, public,
                     valid_from=valid_from, valid_to=valid_to, serial=int(tbs["serialNumber"]),
                     authority=issuer)
        _, aki = _key_ids(exts)
    except FormError:
        raise
    except (PyAsn1Error, ValueError):
        raise FormError(_BAD_CERT) from None
    if _attributes(tbs["subject"]).get("CN") != info.name[:64]:
        raise FormError("证书主题与印章信息不一致")
    return info, cert, aki


def verify_seal_certificate(der: bytes, *, authority: bytes, on: date | None = None,
                            revoked: Collection[int] = ()) -> SealCertificate:
    """The seal certificate ``der`` if the pinned ``authority`` issued it, it is not revoked
    and (when ``on`` is given) both were valid on that day; FormError says why not."""
    info, cert, aki = _read(der)
    ca = read_authority(authority)
    tbs = cert["tbsCertificate"]
    ca_tbs = decoder.decode(ca.certificate, asn1Spec=rfc5280.Certificate())[0]["tbsCertificate"]
    foreign = f"印章证书不是由本机认可的电子印章根证书（{ca.name}）签发，签发者为“{info.authority[:60]}”"
    if tbs["issuer"] != ca_tbs["subject"] or (aki is not None and aki != _key_id(ca.algorithm,
                                                                                   ca.public_key)):
        raise FormError(foreign)
    algorithm = _algorithm_of(cert["signatureAlgorithm"], _BAD_CERT)
    if algorithm != ca.algorithm or tbs["signature"] != cert["signatureAlgorithm"]:
        raise FormError(foreign)
    if not _signature_ok(algorithm, ca.public_key, encoder.encode(tbs), cert["signature"]):
        raise FormError("印章证书的签名无效：证书被篡改，或不是本机认可的根证书签发")
    if info.serial in revoked:
        raise FormError(f"印章“{info.name}”的证书已被吊销")
    if on is not None:
        assert info.valid_from is not None and info.valid_to is not None
        if not ca.valid_from <= on <= ca.valid_to:
            raise FormError(f"电子印章根证书在 {on} 不在有效期内（{ca.valid_from}至{ca.valid_to}）")
        if on < info.valid_from:
            raise FormError(f"印章证书在 {on} 尚未生效（自 {info.valid_from} 起有效）")
        if on > info.valid_to:
            raise FormError(f"印章证书在 {on} 已过期（有效期至 {info.valid_to}）")
    return info


def to_pem(der: bytes, label: str = "CERTIFICATE") -> str:
    import base64
    import textwrap

    body = "\n".join(textwrap.wrap(base64.b64encode(bytes(der)).decode(), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
