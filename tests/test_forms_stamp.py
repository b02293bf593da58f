"""Issue, verify, tamper: the document round trip without a database."""

import io
import zipfile
from datetime import date, datetime

import pytest

from forms import signing
from forms.package import with_container_entries
from forms.stamp import SealForSigning, SealRecord, stamp_and_sign, verify_docx, verify_qr
from forms.errors import FormError

from .helpers import edit_docx
from .test_forms_templates import DOC_NO, base_context, seal_png

SIGNED_AT = datetime(2026, 9, 30, 10, 15, 0)


@pytest.fixture(params=["ecdsa-p256", "sm2"])
def keys(request):
    private, public = signing.generate_keypair(request.param)
    image = seal_png()
    seal = SealForSigning("S-610102-001-1", request.param, private, image)
    record = SealRecord("S-610102-001-1", "西安市新城区行政审批服务局行政审批专用章", request.param, public,
                        "active", date(2026, 1, 1), date(2030, 12, 31))
    return seal, record


def issue(seal):
    return stamp_and_sign("受理通知书", base_context(), seal=seal, document_no=DOC_NO,
                          receipt_no="610102202609300010001", signed_at=SIGNED_AT)


def lookup_of(record):
    return lambda seal_id: record if seal_id == record.id else None


def test_issued_document_verifies(keys):
    seal, record = keys
    signed = issue(seal)
    verdict = verify_docx(signed.docx, lookup_of(record))
    assert verdict.valid, verdict.reason
    assert verdict.document_no == DOC_NO and verdict.seal_name.endswith("专用章")
    assert verdict.signed_at == "2026-09-30T10:15:00"


def test_one_changed_character_is_caught(keys):
    seal, record = keys
    signed = issue(seal)
    forged = edit_docx(signed.docx, "张伟", "张纬")
    verdict = verify_docx(forged, lookup_of(record))
    assert not verdict.valid and "被改动" in verdict.reason


def test_replaced_seal_picture_is_caught(keys):
    seal, record = keys
    signed = issue(seal)
    src = zipfile.ZipFile(io.BytesIO(signed.docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, seal_png((0, 0, 220, 255)) if data == seal.image_png else data)
    verdict = verify_docx(out.getvalue(), lookup_of(record))
    assert not verdict.valid and "印章图片" in verdict.reason


def test_forged_signature_unknown_and_revoked_seal(keys):
    seal, record = keys
    signed = issue(seal)
    other_private, _ = signing.generate_keypair(seal.algorithm)
    bad = signing.sign(seal.algorithm, other_private, b"x")
    forged = with_container_entries(signed.docx, {"signature": signing.b64url(bad)})
    assert "签名无效" in verify_docx(forged, lookup_of(record)).reason
    assert "未知印章" in verify_docx(signed.docx, lambda _id: None).reason
    revoked = SealRecord(*[getattr(record, f) for f in ("id", "name", "algorithm", "public_key")],
                         "revoked", record.valid_from, record.valid_to)
    assert "已吊销" in verify_docx(signed.docx, lookup_of(revoked)).reason


def test_unsigned_and_corrupt_files(keys):
    _, record = keys
    from forms.templates import fill
    from .test_forms_templates import qr_png

    plain = fill("受理通知书", base_context(), seal_png=None, qr_png=qr_png())
    assert "未签章" in verify_docx(plain, lookup_of(record)).reason
    with pytest.raises(FormError):
        verify_docx(b"PK\x03\x04 definitely not a docx", lookup_of(record))


def test_qr_payload_verifies_offline(keys):
    seal, record = keys
    signed = issue(seal)
    assert verify_qr(signed.qr_payload, lookup_of(record)).valid
    assert verify_qr("  " + signed.qr_payload + "\n", lookup_of(record)).valid   # scanner's Enter
    fields = signed.qr_payload.split("|")
    fields[1] = fields[1].replace("100001", "100002")
    assert not verify_qr("|".join(fields), lookup_of(record)).valid
    with pytest.raises(FormError, match="不是本系统"):
        verify_qr("https://example.com/verify?id=1", lookup_of(record))


def test_the_printed_qr_code_carries_the_payload(keys):
    """The QR picture inside the file decodes (zbar) to the signed payload."""
    from PIL import Image
    from pyzbar.pyzbar import decode

    seal, record = keys
    signed = issue(seal)
    src = zipfile.ZipFile(io.BytesIO(signed.docx))
    payloads = []
    for name in src.namelist():
        if name.startswith("word/media/"):
            payloads += [c.data.decode() for c in decode(Image.open(io.BytesIO(src.read(name))))]
    assert signed.qr_payload in payloads
    assert verify_qr(signed.qr_payload, lookup_of(record)).valid
