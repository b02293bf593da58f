"""GB/T 38540 seal data in a signed .docx, beside the workstation's own signature.

Where: two entries of the document's signature container (``_ws/signature.xml``,
forms.package: the one part the document digest leaves out besides the QR
picture, beside the workstation's own signature entries):

* ``ws_ses_seal``: the SESeal DER, standard base64 (RFC 4648 with padding);
* ``ws_ses_signature``: the SES_Signature DER, standard base64. It holds the
  same SESeal again (TBS_Sign.eseal): the standard's reader needs only this
  one; ``ws_ses_seal`` is the seal as issued, for readers that list seals.

The SES_Signature's dataHash is the document digest the workstation signs
(the container's ``digest``: the whole package, forms.package), and its
propertyInfo says so (``property_info``). Nothing of this goes into the QR code, which stays short.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote

from forms import ses
from forms import package
from forms.errors import FormError

__all__ = ["PROP_SEAL", "PROP_SIGNATURE", "SCOPE", "property_info", "ses_properties",
           "read_ses", "verify_docx_ses"]

PROP_SEAL = "ws_ses_seal"
PROP_SIGNATURE = "ws_ses_signature"
# What dataHash covers, named in propertyInfo ("至少应包含签名保护范围").
SCOPE = "ws-docx-package"

_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_MAX_B64 = (ses.MAX_DER_SIZE + 2) // 3 * 4


def property_info(document_no: str, receipt_no: str) -> str:
    """propertyInfo (IA5String) for a document: the scope and its numbers, %-encoded."""
    return (f"scope={SCOPE};doc={quote(document_no, safe='')};"
            f"receipt={quote(receipt_no, safe='')}")


def ses_properties(seal_der: bytes, signature_der: bytes) -> dict[str, str]:
    """The two container entries to write for a document's SES data."""
    return {PROP_SEAL: base64.b64encode(bytes(seal_der)).decode("ascii"),
            PROP_SIGNATURE: base64.b64encode(bytes(signature_der)).decode("ascii")}


def _unb64(text: str, what: str) -> bytes:
    if len(text) > _MAX_B64 or not _B64.fullmatch(text) or len(text) % 4:
        raise FormError(f"文书中的{what}不是有效的 base64 数据")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FormError(f"文书中的{what}不是有效的 base64 数据") from None


def read_ses(props: dict[str, str]) -> tuple[bytes | None, bytes | None]:
    """(SESeal DER, SES_Signature DER) from a document's signature container entries;
    None for an absent one; FormError when present but not base64."""
    seal = props.get(PROP_SEAL)
    signature = props.get(PROP_SIGNATURE)
    return (None if seal is None else _unb64(seal, "电子印章数据"),
            None if signature is None else _unb64(signature, "电子签章数据"))


def verify_docx_ses(docx_or_props: bytes | dict[str, str], digest: bytes, *,
                    seal_id: str | None = None,
                    public_key: bytes | None = None) -> ses.SignatureData:
    """Check a document's SES data against its digest (the one the workstation
    recomputed from the document): both properties present, the stored SESeal the
    one inside the signature, the SES_Signature valid (``ses.verify_signature``)
    with dataHash equal to ``digest``; when given, the seal's esID equal to
    ``seal_id`` and the signer's key equal to ``public_key`` (the registry's).
    FormError saying why not."""
    props = docx_or_props if isinstance(docx_or_props, dict) else _container_entries(docx_or_props)
    seal_der, signature_der = read_ses(props)
    if signature_der is None or seal_der is None:
        raise FormError("文书没有完整的 GB/T 38540 电子签章数据")
    data = ses.verify_signature(signature_der, data_hash=digest)
    if data.seal.der != seal_der:
        raise FormError("文书中的电子印章数据与电子签章中的印章不一致")
    if seal_id is not None and data.seal.es_id != seal_id:
        raise FormError("电子签章中的印章编号与文书的签章印章不符")
    if public_key is not None and (
            ses.certificate_sm2_public_key(data.signer_cert) != bytes(public_key)):
        raise FormError("电子签章的签章者证书与登记的印章公钥不符")
    return data


def _container_entries(docx: bytes) -> dict[str, str]:
    parts = package.read_parts(docx)      # the limits first
    blob = parts.get(package.CONTAINER_PART)
    entries = package.parse_container(blob) if blob is not None else None
    return entries or {}
