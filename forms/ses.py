"""GB/T 38540-2020 electronic seals (``SESeal``) and signatures (``SES_Signature``), DER.

Pure functions: no Qt, no database, no files. SM2 signatures are computed by
``forms.signing`` (``"sm2"``: SM3 over ``Z_A || M`` with the default user id
``1234567812345678``); only SM2-with-SM3 seals exist in this structure.

The ASN.1 (version 4, GB/T 38540-2020, which supersedes GM/T 0031-2014)
=======================================================================
::

    SESeal ::= SEQUENCE {
        eSealInfo    SES_SealInfo,
        cert         OCTET STRING,            -- the seal maker's X.509 certificate, DER
        signAlgID    OBJECT IDENTIFIER,       -- 1.2.156.10197.1.501 sm2-with-sm3
        signedValue  BIT STRING }             -- the maker's signature of eSealInfo
    SES_SealInfo ::= SEQUENCE {
        header       SES_Header,
        esID         IA5String,               -- the seal's id
        property     SES_ESPropertyInfo,
        picture      SES_ESPictureInfo,
        extDatas     ExtensionDatas OPTIONAL }
    SES_Header ::= SEQUENCE { id IA5String ("ES"), version INTEGER (4), vid IA5String }
    SES_ESPropertyInfo ::= SEQUENCE {
        type INTEGER, name UTF8String,
        certListType INTEGER,                 -- 1: certificates, 2: certificate digests
        certList SES_CertList,
        createDate GeneralizedTime, validStart GeneralizedTime, validEnd GeneralizedTime }
    SES_CertList ::= CHOICE { certs CertInfoList, certDigestList CertDigestList }
    CertInfoList ::= SEQUENCE OF OCTET STRING  -- the signers' certificates, DER
    CertDigestList ::= SEQUENCE OF CertDigestObj
    CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }
    SES_ESPictureInfo ::= SEQUENCE {
        type IA5String, data OCTET STRING, width INTEGER, height INTEGER }  -- mm
    ExtensionDatas ::= SEQUENCE OF ExtData
    ExtData ::= SEQUENCE {
        extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }

    SES_Signature ::= SEQUENCE {
        toSign          TBS_Sign,
        cert            OCTET STRING,         -- the signer's X.509 certificate, DER
        signatureAlgID  OBJECT IDENTIFIER,    -- sm2-with-sm3
        signature       BIT STRING,           -- the signer's signature of toSign
        timeStamp   [0] EXPLICIT BIT STRING OPTIONAL }
    TBS_Sign ::= SEQUENCE {
        version      INTEGER (4),
        eseal        SESeal,
        timeInfo     GeneralizedTime,
        dataHash     BIT STRING,              -- SM3 digest of what is signed
        propertyInfo IA5String,               -- what the hash covers
        extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }

The two certList alternatives are untagged SEQUENCE OFs, told apart only by
certListType, so the decoder reads certList as an open type and parses it by
the type. Both signatures are the DER ``SEQUENCE { r INTEGER, s INTEGER }``
of GB/T 35276 inside the BIT STRING (no unused bits).

What is signed: the maker signs the DER of ``SES_SealInfo``; the signer signs
the DER of ``TBS_Sign`` (GB/T 38540-2020: "签章者对签章信息 TBS_Sign 进行数字签名").
(GM/T 0031-2014's version 1 had the maker sign ``SEQUENCE { sealInfo, cert,
signAlgID }`` instead; version 4 does not.)

Sources relied on (the standard text itself is not freely published):
ofdrw's ``ofdrw-gm`` ``org.ofdrw.gm.ses.v4`` classes (SESeal, SES_SealInfo,
SES_ESPropertyInfo, SES_CertList, TBS_Sign, SES_Signature, with their tests:
the seal is signed over ``SES_SealInfo`` DER and verified by ofdrw-sign's
SESV4ValidateContainer over ``TBS_Sign`` DER), the independent OpenSSL
templates of Chingliu/gm_0031_38540_verifier (38540.cpp, same field order
and the same two signed inputs), and published excerpts of GB/T 38540-2020's
field tables.

Choices of this module
======================
* Times are written as ``YYYYMMDDHHMMSSZ`` (UTC, the only DER form); a naive
  ``datetime`` is taken as Beijing time (UTC+8), which is what the workstation's
  clock gives. Decoded times are aware, in UTC.
* The header's vid is ``VENDOR_ID``; the picture type ``"PNG"`` (any case read).
* Decoding is strict: exactly one DER value (re-encoded byte for byte), no
  trailing bytes, version 4, header id "ES", the sm2-with-sm3 OID, a 32-byte
  dataHash, a size limit; anything else raises ``FormError`` with a message
  saying what is wrong, never another exception.
* ``verify_signature`` checks the structure, the signer's signature over
  ``TBS_Sign``, that the signer's certificate is listed in the seal, the
  maker's signature over ``SES_SealInfo``, that the signing time lies in the
  seal's validity and (when given) that dataHash equals the document digest.
  Whether the two certificates chain to a trusted authority is the caller's
  question (it gets both certificates back).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, UTC

from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import char, univ, useful
from pyasn1_modules import rfc5280

from forms import sm2
from forms.errors import FormError
from forms.ses_asn1 import (CertDigestList, CertInfoList, SESeal, SESSealInfo, SESSignature,
                            SM2Signature)
from forms.signing import derive_public_key, is_bytes, sign, verify

__all__ = [
    "OID_SM2_SM3", "VERSION", "MAX_DER_SIZE", "SealData", "SignatureData",
    "make_seal", "decode_seal", "verify_seal", "make_signature", "decode_signature",
    "verify_signature", "certificate_sm2_public_key",
]

OID_SM2_SM3 = "1.2.156.10197.1.501"
OID_SM2_CURVE = "1.2.156.10197.1.301"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
VERSION = 4
HEADER_ID = "ES"
VENDOR_ID = "WS"
PICTURE_TYPE = "PNG"
CERT_LIST_CERTS = 1
CERT_LIST_DIGESTS = 2
DIGEST_SIZE = 32

# A supplied seal picture may be up to 5 MiB (forms.seal_image.SEAL_FILE_MAX);
# certificates and the rest fit in the extra MiB. Nothing larger is parsed.
MAX_PICTURE_SIZE = 5 * 1024 * 1024
MAX_DER_SIZE = MAX_PICTURE_SIZE + 1024 * 1024
MAX_CERT_SIZE = 64 * 1024
MAX_CERTS = 16
MAX_TEXT = 1024
MAX_PICTURE_MM = 1000

BEIJING = timezone(timedelta(hours=8))

_BAD_SEAL = "电子印章数据（SESeal）格式错误"
_BAD_SIGNATURE = "电子签章数据（SES_Signature）格式错误"


# --------------------------------------------------------------------------- decoded forms

@dataclass(frozen=True)
class SealData:
    """A decoded SESeal. ``tbs`` is the DER of SES_SealInfo, what the maker signed."""

    vid: str
    es_id: str
    seal_type: int
    name: str
    cert_list_type: int
    signer_certs: tuple[bytes, ...]              # certListType 1
    cert_digests: tuple[tuple[str, bytes], ...]  # certListType 2: (type, digest)
    created: datetime
    valid_start: datetime
    valid_end: datetime
    picture_type: str
    picture: bytes
    width_mm: int
    height_mm: int
    maker_cert: bytes
    signed_value: bytes                          # 64 bytes r || s
    tbs: bytes
    der: bytes


@dataclass(frozen=True)
class SignatureData:
    """A decoded SES_Signature. ``tbs`` is the DER of TBS_Sign, what the signer signed."""

    seal: SealData
    signed_at: datetime
    data_hash: bytes
    property_info: str
    signer_cert: bytes
    signature: bytes                             # 64 bytes r || s
    timestamp: bytes | None
    tbs: bytes
    der: bytes


# --------------------------------------------------------------------------- small helpers

_IA5_TEXT = re.compile(r"[\x20-\x7e]+")
_GENERALIZED = re.compile(r"\d{14}Z")


def _ia5(value: object, what: str, field: str) -> str:
    if not isinstance(value, str) or not _IA5_TEXT.fullmatch(value) or len(value) > MAX_TEXT:
        raise FormError(f"{what}只能是 1 到 {MAX_TEXT} 个可见 ASCII 字符", field=field)
    return value


def _bytes(value: object, what: str, field: str, limit: int) -> bytes:
    if not is_bytes(value) or not 0 < len(value) <= limit:
        raise FormError(f"{what}必须是非空字节串，且不超过 {limit} 字节", field=field)
    return bytes(value)


def _time(value: object, what: str, field: str) -> useful.GeneralizedTime:
    if not isinstance(value, datetime):
        raise FormError(f"{what}必须是日期时间", field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    utc = value.astimezone(UTC)
    if not 1950 <= utc.year <= 9999:
        raise FormError(f"{what}超出可编码的范围", field=field)
    return useful.GeneralizedTime(utc.strftime("%Y%m%d%H%M%SZ"))


def _read_time(value: useful.GeneralizedTime) -> datetime:
    text = str(value)
    if not _GENERALIZED.fullmatch(text):
        raise ValueError("not a DER GeneralizedTime")
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


def _bits(data: bytes) -> univ.BitString:
    return univ.BitString.fromOctetString(data)


def _read_bits(value: univ.BitString) -> bytes:
    if len(value) % 8:
        raise ValueError("a BIT STRING with unused bits")
    return value.asOctets()


def _der_signature(rs: bytes) -> bytes:
    seq = SM2Signature()
    seq["r"] = int.from_bytes(rs[:32], "big")
    seq["s"] = int.from_bytes(rs[32:], "big")
    return der_encoder.encode(seq)


def _read_der_signature(der: bytes) -> bytes:
    """64 bytes r || s from the DER SM2Signature; ValueError unless strict and in range."""
    seq, rest = der_decoder.decode(der, asn1Spec=SM2Signature())
    if rest or der_encoder.encode(seq) != der:
        raise ValueError("not DER")
    r, s = int(seq["r"]), int(seq["s"])
    if not (1 <= r < sm2.N and 1 <= s < sm2.N):
        raise ValueError("r or s out of range")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _strict_decode(data: object, spec, message: str):
    """Decode exactly one DER value of ``spec``: FormError(message) for anything else."""
    if not is_bytes(data) or not data:
        raise FormError(message)
    data = bytes(data)
    if len(data) > MAX_DER_SIZE:
        raise FormError(f"{message}：数据超过 {MAX_DER_SIZE // (1024 * 1024)} MiB 的上限")
    try:
        value, rest = der_decoder.decode(data, asn1Spec=spec)
        if rest:
            raise FormError(f"{message}：结构之后还有多余的字节")
        if der_encoder.encode(value) != data:
            raise FormError(f"{message}：不是规范的 DER 编码")
    except FormError:
        raise
    except Exception:  # pyasn1 raises PyAsn1Error, and ValueError/UnicodeError on bad contents
        raise FormError(f"{message}：无法按 GB/T 38540 的结构解码（数据截断或已损坏）") from None
    return value


def certificate_sm2_public_key(cert_der: object) -> bytes:
    """The 64-byte SM2 public key (x || y) of an X.509 certificate (DER) whose key is
    id-ecPublicKey on the SM2 curve. FormError for anything else."""
    if not is_bytes(cert_der) or not 0 < len(cert_der) <= MAX_CERT_SIZE:
        raise FormError("证书格式错误")
    return _certificate_sm2_public_key(bytes(cert_der))


@functools.lru_cache(maxsize=64)
def _certificate_sm2_public_key(cert_der: bytes) -> bytes:
    # Cached by value: the same few certificates (a seal's, its authority's) are read
    # for every document signed or verified, and pyasn1 takes ~10 ms for one.
    try:
        cert, rest = der_decoder.decode(cert_der, asn1Spec=rfc5280.Certificate())
        if rest:
            raise ValueError("trailing bytes")
        spki = cert["tbsCertificate"]["subjectPublicKeyInfo"]
        algorithm = str(spki["algorithm"]["algorithm"])
        params = spki["algorithm"]["parameters"]
        curve = None
        if params.isValue:
            curve = str(der_decoder.decode(bytes(params), asn1Spec=univ.ObjectIdentifier())[0])
        point = spki["subjectPublicKey"].asOctets()
    except Exception:
        raise FormError("证书格式错误") from None
    if algorithm != OID_EC_PUBLIC_KEY or curve != OID_SM2_CURVE:
        raise FormError("证书的公钥不是 SM2 公钥")
    if len(point) != 65 or point[0] != 4 or not sm2.on_curve(point[1:]):
        raise FormError("证书中的 SM2 公钥无效")
    return point[1:]


def _public_key_of(private: bytes) -> bytes:
    return derive_public_key("sm2", private)


# --------------------------------------------------------------------------- SESeal

def make_seal(*, es_id: str, name: str, seal_type: int = 1, signer_certs: list[bytes],
              created: datetime, valid_start: datetime, valid_end: datetime,
              picture_png: bytes, width_mm: int, height_mm: int, maker_cert: bytes,
              maker_private: bytes, vid: str = VENDOR_ID) -> bytes:
    """The DER of a version 4 SESeal, signed by the seal maker (SM2/SM3).

    ``signer_certs`` are the certificates (DER) of those who may sign with the seal
    (certListType 1); ``maker_cert`` is the maker's certificate, whose SM2 key must
    be the one of ``maker_private``."""
    es_id = _ia5(es_id, "印章编号", "es_id")
    vid = _ia5(vid, "厂商标识", "vid")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_TEXT:
        raise FormError("印章名称不能为空", field="name")
    if type(seal_type) is not int or not 1 <= seal_type < 2**31:
        raise FormError("印章类型必须是正整数", field="seal_type")
    for value, what in ((width_mm, "宽度"), (height_mm, "高度")):
        if type(value) is not int or not 1 <= value <= MAX_PICTURE_MM:
            raise FormError(f"印章图片的{what}必须是 1 到 {MAX_PICTURE_MM} 毫米", field="width_mm")
    if not isinstance(signer_certs, (list, tuple)) or not 0 < len(signer_certs) <= MAX_CERTS:
        raise FormError(f"签章者证书必须有 1 到 {MAX_CERTS} 张", field="signer_certs")
    certs = [_bytes(c, "签章者证书", "signer_certs", MAX_CERT_SIZE) for c in signer_certs]
    picture = _bytes(picture_png, "印章图片", "picture_png", MAX_PICTURE_SIZE)
    maker = _bytes(maker_cert, "制章者证书", "maker_cert", MAX_CERT_SIZE)
    if certificate_sm2_public_key(maker) != _public_key_of(maker_private):
        raise FormError("制章者证书与制章者私钥不匹配", field="maker_cert")
    create_time = _time(created, "印章制作时间", "created")
    start = _time(valid_start, "印章有效期起始时间", "valid_start")
    end = _time(valid_end, "印章有效期终止时间", "valid_end")
    if str(end) < str(start):  # same fixed-width UTC form: text order is time order
        raise FormError("印章有效期的终止时间早于起始时间", field="valid_end")

    info = SESSealInfo()
    header = info["header"]
    header["id"], header["version"], header["vid"] = HEADER_ID, VERSION, vid
    info["esID"] = es_id
    prop = info["property"]
    prop["type"], prop["name"], prop["certListType"] = seal_type, name, CERT_LIST_CERTS
    cert_list = CertInfoList()
    cert_list.extend(univ.OctetString(c) for c in certs)
    prop["certList"] = univ.Any(der_encoder.encode(cert_list))
    prop["createDate"], prop["validStart"], prop["validEnd"] = create_time, start, end
    pic = info["picture"]
    pic["type"], pic["data"], pic["width"], pic["height"] = PICTURE_TYPE, picture, width_mm, height_mm
    tbs = der_encoder.encode(info)

    seal = SESeal()
    seal["eSealInfo"] = info
    seal["cert"] = maker
    seal["signAlgID"] = univ.ObjectIdentifier(OID_SM2_SM3)
    seal["signedValue"] = _bits(_der_signature(sign("sm2", maker_private, tbs)))
    return der_encoder.encode(seal)


def _seal_from(value: SESeal, message: str) -> SealData:
    """SealData from a decoded (already strictly DER) SESeal; FormError(message…) if wrong."""
    try:
        info = value["eSealInfo"]
        header, prop, pic = info["header"], info["property"], info["picture"]
        if str(header["id"]) != HEADER_ID:
            raise FormError(f"{message}：头信息标识不是“ES”")
        if int(header["version"]) != VERSION:
            raise FormError(f"{message}：版本号是 {int(header['version'])}，只支持第 4 版")
        if str(value["signAlgID"]) != OID_SM2_SM3:
            raise FormError(f"{message}：签名算法不是 SM2/SM3（{value['signAlgID']}）")
        cert_list_type = int(prop["certListType"])
        certs: tuple[bytes, ...] = ()
        digests: tuple[tuple[str, bytes], ...] = ()
        raw_list = bytes(prop["certList"])
        if cert_list_type == CERT_LIST_CERTS:
            parsed, rest = der_decoder.decode(raw_list, asn1Spec=CertInfoList())
            certs = tuple(bytes(c) for c in parsed)
        elif cert_list_type == CERT_LIST_DIGESTS:
            parsed, rest = der_decoder.decode(raw_list, asn1Spec=CertDigestList())
            digests = tuple((str(d["type"]), bytes(d["value"])) for d in parsed)
        else:
            raise FormError(f"{message}：签章者证书信息类型 {cert_list_type} 未定义")
        if rest or der_encoder.encode(parsed) != raw_list or not (certs or digests):
            raise FormError(f"{message}：签章者证书列表格式错误")
        picture = bytes(pic["data"])
        width, height = int(pic["width"]), int(pic["height"])
        if not picture or not (1 <= width <= MAX_PICTURE_MM and 1 <= height <= MAX_PICTURE_MM):
            raise FormError(f"{message}：印章图片为空或尺寸不合理")
        maker_cert = bytes(value["cert"])
        if not maker_cert:
            raise FormError(f"{message}：缺少制章者证书")
        return SealData(
            vid=str(header["vid"]), es_id=str(info["esID"]), seal_type=int(prop["type"]),
            name=str(prop["name"]), cert_list_type=cert_list_type, signer_certs=certs,
            cert_digests=digests, created=_read_time(prop["createDate"]),
            valid_start=_read_time(prop["validStart"]), valid_end=_read_time(prop["validEnd"]),
            picture_type=str(pic["type"]), picture=picture, width_mm=width, height_mm=height,
            maker_cert=maker_cert, signed_value=_read_der_signature(_read_bits(value["signedValue"])),
            tbs=der_encoder.encode(info), der=der_encoder.encode(value))
    except FormError:
        raise
    except Exception:
        raise FormError(f"{message}：字段内容无效") from None


def decode_seal(der: object) -> SealData:
    """Parse a SESeal (strict DER, version 4, SM2/SM3). Does not check its signature."""
    return _seal_from(_strict_decode(der, SESeal(), _BAD_SEAL), _BAD_SEAL)


def verify_seal(seal: SealData) -> None:
    """The maker's signature over SES_SealInfo, by the key of the maker's certificate;
    FormError saying why not."""
    public = certificate_sm2_public_key(seal.maker_cert)
    if not verify("sm2", public, seal.tbs, seal.signed_value):
        raise FormError("电子印章的制章者签名无效（印章数据被改动或不是该制章者制作）")


# --------------------------------------------------------------------------- SES_Signature

def _tlv(tag: int, content: bytes) -> bytes:
    """One DER value: the tag byte, the definite length, the content."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


_SEQUENCE = 0x30


@functools.lru_cache(maxsize=16)
def _signing_seal(seal_der: bytes) -> SealData:
    """The seal decoded once per seal (a seal's DER holds its picture, ~100 KB: decoding
    it is most of what signing cost); by value, so any change is a new entry."""
    return decode_seal(seal_der)


def make_signature(*, seal_der: bytes, data_hash: bytes, property_info: str,
                   signer_cert: bytes, signer_private: bytes, signed_at: datetime) -> bytes:
    """The DER of a version 4 SES_Signature over ``data_hash`` (the 32-byte SM3 digest
    of the signed data) with the seal ``seal_der``, signed by the signer (SM2/SM3).

    The seal is decoded strictly first; the signer's certificate must be one the
    seal lists and must hold the key of ``signer_private``.

    The seal goes into TBS_Sign as the very DER it was decoded from (strict DER, so
    it is its own canonical encoding) and the two SEQUENCEs are put together around
    it, instead of decoding and re-encoding the picture on every document."""
    if not is_bytes(seal_der):
        raise FormError(_BAD_SEAL)
    seal = _signing_seal(bytes(seal_der))
    digest = _bytes(data_hash, "原文杂凑值", "data_hash", DIGEST_SIZE)
    if len(digest) != DIGEST_SIZE:
        raise FormError(f"原文杂凑值必须是 {DIGEST_SIZE} 字节（SM3）", field="data_hash")
    property_info = _ia5(property_info, "原文属性", "property_info")
    cert = _bytes(signer_cert, "签章者证书", "signer_cert", MAX_CERT_SIZE)
    if not _cert_listed(seal, cert):
        raise FormError("签章者证书不在该电子印章的签章者证书列表中", field="signer_cert")
    if certificate_sm2_public_key(cert) != _public_key_of(signer_private):
        raise FormError("签章者证书与签章者私钥不匹配", field="signer_cert")

    tbs_der = _tlv(_SEQUENCE, b"".join((
        der_encoder.encode(univ.Integer(VERSION)), seal.der,
        der_encoder.encode(_time(signed_at, "签章时间", "signed_at")),
        der_encoder.encode(_bits(digest)),
        der_encoder.encode(char.IA5String(property_info)))))
    signature = _der_signature(sign("sm2", signer_private, tbs_der))
    return _tlv(_SEQUENCE, b"".join((
        tbs_der, der_encoder.encode(univ.OctetString(cert)),
        der_encoder.encode(univ.ObjectIdentifier(OID_SM2_SM3)),
        der_encoder.encode(_bits(signature)))))


def decode_signature(der: object) -> SignatureData:
    """Parse an SES_Signature (strict DER, version 4, SM2/SM3). Checks no signature."""
    value = _strict_decode(der, SESSignature(), _BAD_SIGNATURE)
    try:
        tbs = value["toSign"]
        if int(tbs["version"]) != VERSION:
            raise FormError(f"{_BAD_SIGNATURE}：版本号是 {int(tbs['version'])}，只支持第 4 版")
        if str(value["signatureAlgID"]) != OID_SM2_SM3:
            raise FormError(f"{_BAD_SIGNATURE}：签名算法不是 SM2/SM3（{value['signatureAlgID']}）")
        data_hash = _read_bits(tbs["dataHash"])
        if len(data_hash) != DIGEST_SIZE:
            raise FormError(f"{_BAD_SIGNATURE}：原文杂凑值不是 {DIGEST_SIZE} 字节")
        signer_cert = bytes(value["cert"])
        if not signer_cert:
            raise FormError(f"{_BAD_SIGNATURE}：缺少签章者证书")
        stamp = value["timeStamp"]
        return SignatureData(
            seal=_seal_from(tbs["eseal"], _BAD_SEAL), signed_at=_read_time(tbs["timeInfo"]),
            data_hash=data_hash, property_info=str(tbs["propertyInfo"]), signer_cert=signer_cert,
            signature=_read_der_signature(_read_bits(value["signature"])),
            timestamp=_read_bits(stamp) if stamp.isValue else None,
            tbs=der_encoder.encode(tbs), der=der_encoder.encode(value))
    except FormError:
        raise
    except Exception:
        raise FormError(f"{_BAD_SIGNATURE}：字段内容无效") from None


def _cert_listed(seal: SealData, cert: bytes) -> bool:
    if seal.cert_list_type == CERT_LIST_CERTS:
        return cert in seal.signer_certs
    # A digest list names its hash by text; only SM3 is accepted (the standard's hash).
    sm3_digest = sm2.sm3(cert)
    return any(kind.strip().lower() == "sm3" and value == sm3_digest
               for kind, value in seal.cert_digests)


def verify_signature(der: object, *, data_hash: bytes | None = None) -> SignatureData:
    """Decode and check an SES_Signature; FormError saying what is wrong.

    Checks, in order: the structure; the signer's signature over TBS_Sign; that the
    signer's certificate is listed in the seal; the seal's own (maker's) signature;
    that the signing time lies within the seal's validity; and, when ``data_hash``
    is given, that the signed dataHash equals it. Returns the decoded signature, so
    the caller can check both certificates against its trusted authority."""
    data = decode_signature(der)
    public = certificate_sm2_public_key(data.signer_cert)
    if not verify("sm2", public, data.tbs, data.signature):
        raise FormError("电子签章的签名无效（签章数据被改动或签名与签章者证书不符）")
    if not _cert_listed(data.seal, data.signer_cert):
        raise FormError("签章者证书不在电子印章的签章者证书列表中")
    verify_seal(data.seal)
    if not data.seal.valid_start <= data.signed_at <= data.seal.valid_end:
        raise FormError("签章时间不在电子印章的有效期内")
    if data_hash is not None and (not is_bytes(data_hash) or bytes(data_hash) != data.data_hash):
        raise FormError("电子签章的原文杂凑值与文书不符（文书在签章后被改动）")
    return data
