"""Stamping, signing and verifying an official document (.docx).

What is signed
==============
The content digest is ``digest(algorithm, canonical_document(fields, body))``
(forms.signing) where

* ``body`` is the document's visible text (forms.docx_tools.document_text:
  paragraphs and table cells in reading order), so changing one character of
  the notice changes the digest;
* ``fields`` are the facts that matter beyond the text: ``kind``,
  ``document_no``, ``receipt_no``, ``seal_id``, ``seal_image_sha256`` (the
  SHA-256 of the seal picture placed on the page, so swapping the picture is
  caught) and ``signed_at``.

The seal then signs ``payload_signed_bytes(document_no, receipt_no, digest,
seal_id)``: the same bytes whether checked from the file or from the QR code
printed on the page (``WS1|…``), so a paper copy verifies offline.

Where it is kept
================
In the .docx's custom properties (docProps/custom.xml, which are not part of
the visible text): ``ws_version`` = 1, ``ws_kind``, ``ws_document_no``,
``ws_receipt_no``, ``ws_seal_id``, ``ws_algorithm``, ``ws_seal_image_sha256``,
``ws_signed_at``, ``ws_digest`` and ``ws_signature`` (base64url), and in the
database's document row. A seal given with its GB/T 38540 SESeal and signer
certificate (SM2 only) also writes ``ws_ses_seal`` and ``ws_ses_signature``
(forms.ses_docx): an SES_Signature whose dataHash is ``ws_digest``; when present,
``verify_docx`` requires it to verify as well.

The QR image is not part of what is signed (it carries the signature): the
template is filled once with a placeholder picture, and that picture's bytes
are replaced by the real QR code afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import Any
from datetime import date, datetime
from collections.abc import Callable, Mapping

from forms.errors import FormError

from printing import codes

from . import ses, ses_docx, signing
from .docx_tools import (document_text, document_text_of, get_custom_properties, image_hashes,
                         set_custom_properties_on)
from .templates import render

VERSION = "1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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
    # (DER) listed in it. Given for an SM2 seal, the document also gets an
    # SES_Signature (forms.ses_docx); absent, documents are signed as before.
    ses_seal: bytes | None = None
    ses_cert: bytes | None = None


@dataclass(frozen=True)
class Signed:
    docx: bytes
    digest: bytes
    signature: bytes
    qr_payload: str


def _fields(kind: str, document_no: str, receipt_no: str, seal_id: str, seal_sha: str,
            signed_at: str) -> dict[str, str]:
    return {"kind": kind, "document_no": document_no, "receipt_no": receipt_no,
            "seal_id": seal_id, "seal_image_sha256": seal_sha, "signed_at": signed_at}


def _replace_image(document, old: bytes, new: bytes) -> None:
    """Swap the placeholder picture's bytes for the QR code, in memory."""
    from docx.parts.image import ImagePart

    parts = [p for p in document.part.package.iter_parts()
             if isinstance(p, ImagePart) and p.blob == old]
    if len(parts) != 1:
        raise FormError("文书模板中的二维码位置不唯一，无法签章")
    parts[0]._blob = new


def stamp_and_sign(kind: str, context: Mapping, *, seal: SealForSigning, document_no: str,
                   receipt_no: str, signed_at: datetime) -> Signed:
    """Fill the template, place the seal, sign the content and print the QR code."""
    # One pass in memory: render, read the text, sign, swap in the QR code, add the
    # signature properties, save once (each extra open/save of a .docx costs ~10 ms).
    tpl = render(kind, {**context, "document_no": document_no}, seal_png=seal.image_png,
                 qr_png=_PLACEHOLDER)
    stamp = signed_at.isoformat(timespec="seconds")
    seal_sha = hashlib.sha256(seal.image_png).hexdigest()
    canonical = signing.canonical_document(
        _fields(kind, document_no, receipt_no, seal.id, seal_sha, stamp), document_text_of(tpl.docx))
    content_digest = signing.digest(seal.algorithm, canonical)
    signature = signing.sign(seal.algorithm, seal.private_key,
                             signing.payload_signed_bytes(document_no, receipt_no, content_digest, seal.id))
    payload = signing.make_qr_payload(document_no=document_no, receipt_no=receipt_no,
                                      digest=content_digest, seal_id=seal.id, signature=signature)
    _replace_image(tpl.docx, _PLACEHOLDER, qr_png(payload))
    props = {
        "ws_version": VERSION, "ws_kind": kind, "ws_document_no": document_no,
        "ws_receipt_no": receipt_no, "ws_seal_id": seal.id, "ws_algorithm": seal.algorithm,
        "ws_seal_image_sha256": seal_sha, "ws_signed_at": stamp,
        "ws_digest": _b64(content_digest), "ws_signature": _b64(signature)}
    if seal.ses_seal is not None:
        props.update(_ses_properties(seal, content_digest, document_no, receipt_no, signed_at))
    set_custom_properties_on(tpl.docx, props)
    out = io.BytesIO()
    tpl.save(out)
    return Signed(out.getvalue(), content_digest, signature, payload)


def _ses_properties(seal: SealForSigning, digest: bytes, document_no: str, receipt_no: str,
                    signed_at: datetime) -> dict[str, str]:
    """The GB/T 38540 SES_Signature over the document digest, as custom properties."""
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
    authority: str = ""
    provisional: bool = False

    def to_json(self) -> dict:
        return {"valid": self.valid, "reason": self.reason, "document_no": self.document_no,
                "receipt_no": self.receipt_no, "kind": self.kind, "seal_id": self.seal_id,
                "seal": self.seal_name, "signed_at": self.signed_at or None, "digest": self.digest,
                "authority": self.authority or None, "provisional": self.provisional}


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


def verify_docx(docx: bytes, lookup: Lookup) -> Verdict:
    """Check a document file. FormError only when the file is not a readable .docx."""
    props = get_custom_properties(docx)
    if props.get("ws_version") != VERSION or "ws_signature" not in props:
        return Verdict(False, "文书没有本系统的电子签章（未签章）")
    try:
        kind, document_no, receipt_no = props["ws_kind"], props["ws_document_no"], props["ws_receipt_no"]
        seal_id, algorithm, seal_sha = props["ws_seal_id"], props["ws_algorithm"], props["ws_seal_image_sha256"]
        stamp = props["ws_signed_at"]
        recorded_digest, signature = _unb64(props["ws_digest"]), _unb64(props["ws_signature"])
        signed_on = datetime.fromisoformat(stamp).date()
    except (KeyError, ValueError):
        return Verdict(False, "文书的签章信息不完整或已损坏")
    base: dict[str, Any] = dict(document_no=document_no, receipt_no=receipt_no, kind=kind, seal_id=seal_id,
                signed_at=stamp, digest=props["ws_digest"])
    seal = lookup(seal_id)
    problem = _check_seal(seal, seal_id, signed_on)
    if problem:
        return Verdict(False, problem, seal_name=seal.name if seal else "", **base)
    assert seal is not None         # _check_seal calls an unknown seal a problem
    base["seal_name"] = seal.name
    if algorithm != seal.algorithm:
        return Verdict(False, "签名算法与印章登记不符", **base)
    if seal.picture_sha256 and seal.picture_sha256 != seal_sha:
        return Verdict(False, "文书记载的印章图片与印章证书登记的图片不符", **base)
    canonical = signing.canonical_document(
        _fields(kind, document_no, receipt_no, seal_id, seal_sha, stamp), document_text(docx))
    if signing.digest(algorithm, canonical) != recorded_digest:
        return Verdict(False, "文书内容在签章后被改动", **base)
    if seal_sha not in image_hashes(docx).values():
        return Verdict(False, "文书上的印章图片被替换或删除", **base)
    if not signing.verify(algorithm, seal.public_key,
                          signing.payload_signed_bytes(document_no, receipt_no, recorded_digest, seal_id),
                          signature):
        return Verdict(False, "电子签名无效（签名与印章公钥不符）", **base)
    if ses_docx.PROP_SIGNATURE in props or ses_docx.PROP_SEAL in props:
        # Present, the national-structure signature must hold too (a forger who keeps
        # the workstation's signature and swaps the SES data is refused).
        try:
            ses_docx.verify_docx_ses(props, recorded_digest, seal_id=seal_id,
                                     public_key=seal.public_key)
        except FormError as exc:
            return Verdict(False, f"GB/T 38540 电子签章无效：{exc.message}", **base)
    return Verdict(True, _valid_reason("文书完整，签章有效", seal), authority=seal.authority,
                   provisional=seal.provisional, **base)


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
