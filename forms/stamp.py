"""Stamping, signing and verifying an official document (.docx).

What is signed
==============
The whole package (forms.package): the content digest is
``H(canonical_package(algorithm, fields, parts, exclude=(container, QR picture)))``,
H being the seal algorithm's hash, where the ``fields`` are ``version``, ``kind``,
``document_no``, ``receipt_no``, ``seal_id``, ``algorithm``, ``seal_image_sha256``
(the SHA-256 of the picture drawn at the seal's place: ``package.drawn_seal_sha256``),
``signed_at``, ``qr_part`` (the one picture left out, named so the exclusion is
signed too) and ``container`` (the container's part name). Every other part — text,
colours, headers, footers, text boxes, comments, styles, relationships, added or
removed parts — changes the digest.

The seal then signs ``payload_signed_bytes(document_no, receipt_no, digest,
seal_id)``: the same bytes whether checked from the file or from the QR code
printed on the page (``WS1|…``), so a paper copy verifies offline.

Where it is kept
================
In the signature container ``_ws/signature.xml`` (forms.package), whose entries are
the fields above plus ``digest`` and ``signature`` (base64url), and in the
database's document row. Other signature data may be added to the container later
without touching the digest: a seal given with its GB/T 38540 SESeal and signer
certificate (SM2 only) adds ``ws_ses_seal`` and ``ws_ses_signature`` (forms.ses_docx),
an SES_Signature whose dataHash is the digest; when present, ``verify_docx``
requires it to verify as well. Documents of the first format (version 1, the values
in docProps/custom.xml and only the visible text signed) no longer verify: their
signature does not cover what is printed.

How it is written
=================
The template is filled once with a placeholder where the QR code goes and the
container's part (empty) is added; the package is then written part by part, all
but those two first. Their bytes give the digest; the signature makes the QR code;
the QR picture and the container are written last. One pass, no second save.

How it is verified
==================
Limits first (package.read_parts), then: the container's entries, the seal known
and usable, the picture drawn at the seal's place equal to the signed hash, the
digest over the package, the seal's signature, and the QR picture equal to the QR
code of the signed payload (package.same_picture).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.opc.phys_pkg import PhysPkgWriter
from docx.opc.pkgwriter import PackageWriter
from docx.parts.image import ImagePart

from forms.errors import FormError

from printing import codes

from . import package, ses, ses_docx, signing
from .templates import render

VERSION = "2"
LEGACY_VERSION = "1"
SIGNED_FIELDS = ("version", "kind", "document_no", "receipt_no", "seal_id", "algorithm",
                 "seal_image_sha256", "signed_at", "qr_part", "container")


def _b64(data: bytes) -> str:
    return signing.b64url(data)


def qr_png(payload: str) -> bytes:
    """The document's QR code: printing.codes with a fixed mask (see there)."""
    return codes.qr_png(payload, scale=6, mask=0)


# A picture that stands where the QR code will go until the signature exists.
_PLACEHOLDER = qr_png("WS1|placeholder")


@dataclass(frozen=True)
class SealForSigning:
    id: str
    algorithm: str
    private_key: bytes
    image_png: bytes
    # GB/T 38540 (forms.ses): the seal's SESeal DER and the signer's certificate
    # (DER) listed in it. Given for an SM2 seal, the document's signature container
    # also gets an SES_Signature over the document digest (forms.ses_docx).
    ses_seal: bytes | None = None
    ses_cert: bytes | None = None


@dataclass(frozen=True)
class Signed:
    docx: bytes
    digest: bytes
    signature: bytes
    qr_payload: str


class _Writer:
    """python-docx's package writer, split in two: everything but the held-back parts
    first (their bytes kept for the digest), the held-back parts once signed."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.zip = zipfile.ZipFile(self.out, "w", compression=zipfile.ZIP_DEFLATED)
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob
        # The container is mostly base64 of compressed data (a GB/T 38540 seal holds the
        # seal picture, twice): deflate saved a fifth of its size for a quarter of the
        # signing time, so it is stored as it is.
        stored = pack_uri.membername == package.CONTAINER_PART
        self.zip.writestr(pack_uri.membername, blob,
                          compress_type=zipfile.ZIP_STORED if stored else None)

    def close(self) -> bytes:
        self.zip.close()
        return self.out.getvalue()


def _placeholder_part(document) -> ImagePart:
    parts = [p for p in document.part.package.iter_parts()
             if isinstance(p, ImagePart) and p.blob == _PLACEHOLDER]
    if len(parts) != 1:
        raise FormError("文书模板中的二维码位置不唯一，无法签章")
    return parts[0]


ExtraEntries = Callable[[Mapping[str, str], bytes, bytes], Mapping[str, str]]


def stamp_and_sign(kind: str, context: Mapping, *, seal: SealForSigning, document_no: str,
                   receipt_no: str, signed_at: datetime, extra: ExtraEntries | None = None) -> Signed:
    """Fill the template, place the seal, sign the whole package and print the QR code.

    ``extra(fields, digest, signature)``, when given, returns further entries for the
    signature container (other signature data over the same digest, e.g. GB/T 38540
    structures); they are outside the digest and may not reuse the document
    signature's entry names."""
    tpl = render(kind, {**context, "document_no": document_no}, seal_png=seal.image_png,
                 qr_png=_PLACEHOLDER)
    document = tpl.docx
    pkg = document.part.package
    qr_part = _placeholder_part(document)
    container = Part(PackURI("/" + package.CONTAINER_PART), package.CONTAINER_CONTENT_TYPE, b"", pkg)
    pkg.relate_to(container, package.CONTAINER_RELTYPE)
    parts = list(pkg.iter_parts())
    for part in parts:
        part.before_marshal()
    held = (qr_part, container)
    writer = _Writer()
    # The same steps as python-docx's PackageWriter.write, the held-back parts last.
    phys = cast(PhysPkgWriter, writer)     # the same write(pack_uri, blob) the zip writer has
    PackageWriter._write_content_types_stream(phys, parts)
    PackageWriter._write_pkg_rels(phys, pkg.rels)
    PackageWriter._write_parts(phys, [p for p in parts if p not in held])
    if any(len(p.rels) for p in held):
        raise FormError("文书模板的二维码图片不应有关联部件，无法签章")

    seal_sha = package.drawn_seal_sha256(writer.parts)
    if seal_sha != hashlib.sha256(seal.image_png).hexdigest():
        raise FormError("印章没有按位置出现在文书页面上，无法签章")
    fields = {"version": VERSION, "kind": kind, "document_no": document_no,
              "receipt_no": receipt_no, "seal_id": seal.id, "algorithm": seal.algorithm,
              "seal_image_sha256": seal_sha,
              "signed_at": signed_at.isoformat(timespec="seconds"),
              "qr_part": qr_part.partname.membername, "container": package.CONTAINER_PART}
    content_digest = package.package_digest(seal.algorithm, fields, writer.parts,
                                            (fields["qr_part"], package.CONTAINER_PART))
    signature = signing.sign(seal.algorithm, seal.private_key,
                             signing.payload_signed_bytes(document_no, receipt_no, content_digest, seal.id))
    payload = signing.make_qr_payload(document_no=document_no, receipt_no=receipt_no,
                                      digest=content_digest, seal_id=seal.id, signature=signature)
    qr_part._blob = qr_png(payload)
    entries = {**fields, "digest": _b64(content_digest), "signature": _b64(signature)}
    more = dict(extra(fields, content_digest, signature)) if extra is not None else {}
    if seal.ses_seal is not None:
        more.update(_ses_entries(seal, content_digest, document_no, receipt_no, signed_at))
    if set(more) & set(entries):
        raise FormError("签章容器的附加条目不能与文书签名的条目同名")
    container._blob = package.container_xml({**entries, **more})
    PackageWriter._write_parts(phys, held)
    return Signed(writer.close(), content_digest, signature, payload)


def _ses_entries(seal: SealForSigning, digest: bytes, document_no: str, receipt_no: str,
                 signed_at: datetime) -> dict[str, str]:
    """The GB/T 38540 SES_Signature over the document digest, as container entries."""
    if seal.algorithm != "sm2" or seal.ses_seal is None or seal.ses_cert is None:
        raise FormError("GB/T 38540 电子签章只用于 SM2 印章，且需要印章数据和签章者证书")
    signature = ses.make_signature(
        seal_der=seal.ses_seal, data_hash=digest,
        property_info=ses_docx.property_info(document_no, receipt_no),
        signer_cert=seal.ses_cert, signer_private=seal.private_key, signed_at=signed_at)
    return ses_docx.ses_properties(seal.ses_seal, signature)


@dataclass(frozen=True)
class SealRecord:
    """What a verifier knows about a seal (from the local registry)."""

    id: str
    name: str
    algorithm: str
    public_key: bytes
    status: str
    valid_from: date
    valid_to: date
    # Filled from the seal's X.509 chain (forms.trust): why it cannot be trusted, the
    # authority it chains to, whether it awaits its certificate, the picture it binds.
    problem: str = ""
    authority: str = ""
    provisional: bool = False
    picture_sha256: str = ""


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    document_no: str = ""
    receipt_no: str = ""
    kind: str = ""
    seal_id: str = ""
    seal_name: str = ""
    signed_at: str = ""
    digest: str = ""
    seal_image_sha256: str = ""     # the picture drawn at the seal's place (checked)
    authority: str = ""
    provisional: bool = False
    # The document also carries a GB/T 38540 SES_Signature that verified (forms.ses_docx).
    ses: bool = False

    def to_json(self) -> dict:
        return {"valid": self.valid, "reason": self.reason, "document_no": self.document_no,
                "receipt_no": self.receipt_no, "kind": self.kind, "seal_id": self.seal_id,
                "seal": self.seal_name, "signed_at": self.signed_at or None, "digest": self.digest,
                "seal_image_sha256": self.seal_image_sha256 or None,
                "authority": self.authority or None, "provisional": self.provisional,
                "ses": self.ses}


Lookup = Callable[[str], SealRecord | None]


def _check_seal(seal: SealRecord | None, seal_id: str, on: date | None) -> str | None:
    if seal is None:
        return f"签章印章“{seal_id}”不在本机的印章登记中（未知印章）"
    if seal.problem:
        return seal.problem
    if seal.status != "active":
        return f"印章“{seal.name}”已吊销"
    if on is not None and not seal.valid_from <= on <= seal.valid_to:
        return f"签章时印章“{seal.name}”不在有效期内"
    return None


_CHANGED = "文书内容在签章后被改动（文字、格式、页眉页脚、文本框或其他部件）"
_CUSTOM_PROPERTY = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}property"


def _legacy_signed(parts: Mapping[str, bytes]) -> bool:
    """A document of the first format (its signature in docProps/custom.xml)."""
    root = package.parse_xml(parts.get("docProps/custom.xml", b""))
    return root is not None and any(p.get("name") == "ws_signature" for p in root.iter(_CUSTOM_PROPERTY))


def verify_docx(docx: bytes, lookup: Lookup) -> Verdict:
    """Check a document file. FormError only when the file is not a readable .docx
    (damaged, or beyond the limits of forms.package)."""
    parts = package.read_parts(docx)
    blob = parts.get(package.CONTAINER_PART)
    if blob is None:
        if package.main_document(parts) is None:
            raise FormError(package.INVALID_DOCX)
        if _legacy_signed(parts):
            return Verdict(False, "文书使用旧版签章（只保护正文文字，页眉、文本框、颜色等改动无法发现），"
                                  "不能据此认定有效；请核验纸面二维码，或请出具机关重新签发")
        return Verdict(False, "文书没有本系统的电子签章（未签章）")
    entries = package.parse_container(blob)
    if entries is None or entries.get("version") != VERSION:
        return Verdict(False, "文书的签章信息不完整或已损坏")
    try:
        fields = {name: entries[name] for name in SIGNED_FIELDS}
        recorded_digest = signing.unb64url(entries["digest"])
        signature = signing.unb64url(entries["signature"])
        signed_on = datetime.fromisoformat(fields["signed_at"]).date()
    except (KeyError, ValueError):
        return Verdict(False, "文书的签章信息不完整或已损坏")
    document_no, receipt_no, seal_id = fields["document_no"], fields["receipt_no"], fields["seal_id"]
    base: dict[str, Any] = dict(document_no=document_no, receipt_no=receipt_no, kind=fields["kind"],
                                seal_id=seal_id, signed_at=fields["signed_at"], digest=entries["digest"])
    seal = lookup(seal_id)
    problem = _check_seal(seal, seal_id, signed_on)
    if problem:
        return Verdict(False, problem, seal_name=seal.name if seal else "", **base)
    assert seal is not None         # _check_seal calls an unknown seal a problem
    base["seal_name"] = seal.name
    algorithm = fields["algorithm"]
    if algorithm != seal.algorithm:
        return Verdict(False, "签名算法与印章登记不符", **base)
    drawn = package.drawn_seal_sha256(parts)
    if drawn is None:
        main = package.main_document(parts)
        if main is None or package.parse_xml(parts[main]) is None:
            return Verdict(False, _CHANGED, **base)
        return Verdict(False, "文书页面上找不到印章图片（印章被删除、隐藏或移走）", **base)
    if drawn != fields["seal_image_sha256"]:
        return Verdict(False, "文书页面上的印章图片被替换", **base)
    if seal.picture_sha256 and seal.picture_sha256 != drawn:
        return Verdict(False, "文书上的印章图片与印章证书登记的图片不符", **base)
    base["seal_image_sha256"] = drawn
    qr_part = fields["qr_part"]
    if fields["container"] != package.CONTAINER_PART or qr_part not in parts \
            or qr_part == package.CONTAINER_PART:
        return Verdict(False, "文书的签章信息不完整或已损坏", **base)
    digest = package.package_digest(algorithm, fields, parts, (qr_part, package.CONTAINER_PART))
    if digest != recorded_digest:
        return Verdict(False, _CHANGED, **base)
    payload_bytes = signing.payload_signed_bytes(document_no, receipt_no, recorded_digest, seal_id)
    if not signing.verify(algorithm, seal.public_key, payload_bytes, signature):
        return Verdict(False, "电子签名无效（签名与印章公钥不符）", **base)
    payload = signing.make_qr_payload(document_no=document_no, receipt_no=receipt_no,
                                      digest=recorded_digest, seal_id=seal_id, signature=signature)
    if not package.same_picture(parts[qr_part], qr_png(payload)):
        return Verdict(False, "文书上的二维码图片被替换或改动", **base)
    has_ses = ses_docx.PROP_SIGNATURE in entries or ses_docx.PROP_SEAL in entries
    if has_ses:
        # Present, the national-structure signature must hold too (a forger who keeps
        # the workstation's signature and swaps the SES data is refused).
        try:
            ses_docx.verify_docx_ses(entries, recorded_digest, seal_id=seal_id,
                                     public_key=seal.public_key)
        except FormError as exc:
            return Verdict(False, f"GB/T 38540 电子签章无效：{exc.message}", **base)
    return Verdict(True, _valid_reason("文书完整，签章有效", seal), authority=seal.authority,
                   provisional=seal.provisional, ses=has_ses, **base)


def _valid_reason(reason: str, seal: SealRecord) -> str:
    if seal.provisional:
        return reason + "（待中心签发证书：仅本终端可暂时验证）"
    return reason


def verify_qr(text: str, lookup: Lookup) -> Verdict:
    """Check the payload read from a printed page's QR code."""
    data = signing.parse_qr_payload(text)  # FormError: not one of ours
    base: dict[str, Any] = dict(document_no=data["document_no"], receipt_no=data["receipt_no"],
                                seal_id=data["seal_id"], digest=_b64(data["digest"]))
    seal = lookup(data["seal_id"])
    problem = _check_seal(seal, data["seal_id"], None)
    if problem:
        return Verdict(False, problem, seal_name=seal.name if seal else "", **base)
    assert seal is not None         # _check_seal calls an unknown seal a problem
    base["seal_name"] = seal.name
    if not signing.verify(seal.algorithm, seal.public_key,
                          signing.payload_signed_bytes(data["document_no"], data["receipt_no"],
                                                       data["digest"], data["seal_id"]),
                          data["signature"]):
        return Verdict(False, "二维码中的电子签名无效", **base)
    return Verdict(True, _valid_reason("二维码签章有效：请核对纸面文书的编号与内容", seal),
                   authority=seal.authority, provisional=seal.provisional, **base)
