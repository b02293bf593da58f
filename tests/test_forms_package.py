"""Issue 16, findings 4 and 8: what is printed is what is signed.

The signature covers every part of the package but its own container and the QR
picture; the seal checked is the picture drawn at the seal's place."""

import hashlib
import io
import re

import pytest
from PIL import Image, ImageDraw

from forms import package, signing
from forms.errors import FormError
from forms.docx_tools import document_text, image_hashes, set_custom_properties
from forms.package import (CONTAINER_PART, drawn_seal_sha256, parse_container, read_parts,
                           seal_picture_sha256, with_container_entries)
from forms.stamp import SIGNED_FIELDS, verify_docx
from forms.templates import fill

from . import docx_attacks as attacks
from .test_forms_stamp import issue, keys, lookup_of  # noqa: F401  (keys: a fixture)
from .test_forms_templates import base_context, qr_png


@pytest.mark.parametrize("attack", list(attacks.PRINTED), ids=list(attacks.PRINTED))
def test_every_change_to_what_is_printed_is_caught(keys, attack):
    seal, record = keys
    signed = issue(seal)
    forged = attacks.PRINTED[attack](signed.docx)
    verdict = verify_docx(forged, lookup_of(record))
    assert not verdict.valid and "被改动" in verdict.reason, verdict.reason


def test_the_findings_kept_the_signed_text():
    """The premise of finding 4: these forgeries leave the visible body text as it was,
    which is all the first signature format covered."""
    docx = fill("受理通知书", base_context(), seal_png=attacks.crossed_out_png(qr_png()), qr_png=qr_png())
    text = signing.canonical_document({}, document_text(docx))
    for attack in (attacks.organ_white, attacks.vml_text_box, attacks.header, attacks.comment, attacks.style_changed):
        assert signing.canonical_document({}, document_text(attack(docx))) == text, attack.__name__


def test_every_part_of_an_issued_notice_is_covered(keys):
    """Flip one byte in each part in turn: only the container and the QR picture are
    outside the digest, and a flipped QR picture is caught as a picture."""
    seal, record = keys
    signed = issue(seal)
    parts = read_parts(signed.docx)
    entries = parse_container(parts[CONTAINER_PART])
    qr_part = entries["qr_part"]
    assert qr_part.startswith("word/media/") and len(parts) >= 15
    fields = {name: entries[name] for name in SIGNED_FIELDS}
    canonical = package.canonical_package(seal.algorithm, fields, parts, (qr_part, CONTAINER_PART))
    assert int.from_bytes(canonical.split(b"\n", 2)[2][:4], "big") == len(parts) - 2
    for name in parts:
        if name == CONTAINER_PART:
            continue
        verdict = verify_docx(attacks.flip_byte(signed.docx, name), lookup_of(record))
        assert not verdict.valid, name
        if name == qr_part:
            assert "二维码" in verdict.reason
        else:
            assert "被改动" in verdict.reason or "印章" in verdict.reason, (name, verdict.reason)


def _with_part(docx: bytes, name: str, data: bytes) -> bytes:
    return attacks.rewrite(docx, lambda parts: parts.__setitem__(name, data))


def test_the_excluded_picture_must_be_the_qr_code_of_the_signature(keys):
    seal, record = keys
    signed = issue(seal)
    parts = read_parts(signed.docx)
    qr_part = parse_container(parts[CONTAINER_PART])["qr_part"]
    image = Image.open(io.BytesIO(parts[qr_part]))
    # The same pixels written again by another program: still the QR code.
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    assert out.getvalue() != parts[qr_part]
    assert verify_docx(_with_part(signed.docx, qr_part, out.getvalue()), lookup_of(record)).valid
    # "作废" drawn over the code (zbar may still read it), or another picture: refused.
    void = image.convert("L")
    ImageDraw.Draw(void).rectangle((0, 0, void.width // 3, void.height // 6), fill=0)
    out = io.BytesIO()
    void.convert("1").save(out, format="PNG")
    transparent = io.BytesIO()
    image.save(transparent, format="PNG", transparency=0)
    for picture in (out.getvalue(), seal.image_png, b"not a picture", transparent.getvalue()):
        verdict = verify_docx(_with_part(signed.docx, qr_part, picture), lookup_of(record))
        assert not verdict.valid and "二维码" in verdict.reason


def test_the_exclusion_cannot_be_moved_to_another_part(keys):
    """Naming another part as "the QR picture" changes a signed field."""
    seal, record = keys
    signed = issue(seal)
    styled = attacks.style_changed(signed.docx)
    for name in ("word/styles.xml", CONTAINER_PART, "word/media/none.png"):
        forged = with_container_entries(styled, {"qr_part": name})
        verdict = verify_docx(forged, lookup_of(record))
        assert not verdict.valid, name


def test_the_container_holds_further_signature_data(keys):
    """Room for the GB/T 38540 structures: added entries leave the signature valid."""
    seal, record = keys
    signed = issue(seal)
    more = with_container_entries(signed.docx, {"SES_Signature": signing.b64url(b"\x30\x03\x02\x01\x01")})
    assert verify_docx(more, lookup_of(record)).valid
    assert parse_container(read_parts(more)[CONTAINER_PART])["SES_Signature"] == "MAMCAQE"
    from forms.stamp import stamp_and_sign

    from .test_forms_stamp import SIGNED_AT
    from .test_forms_templates import DOC_NO

    def ses(fields, digest, signature):
        assert fields["seal_id"] == seal.id and len(digest) == 32 and len(signature) == 64
        return {"SES_Signature": signing.b64url(digest)}
    made = stamp_and_sign("受理通知书", base_context(), seal=seal, document_no=DOC_NO,
                          receipt_no="610102202609300010001", signed_at=SIGNED_AT, extra=ses)
    assert verify_docx(made.docx, lookup_of(record)).valid
    assert parse_container(read_parts(made.docx)[CONTAINER_PART])["SES_Signature"] == \
        signing.b64url(made.digest)
    with pytest.raises(FormError, match="同名"):
        stamp_and_sign("受理通知书", base_context(), seal=seal, document_no=DOC_NO,
                       receipt_no="610102202609300010001", signed_at=SIGNED_AT,
                       extra=lambda *_: {"digest": "x"})
    for junk in (b"<x/>", b"not xml", b'<ws:signature xmlns:ws="urn:zhwt:ws-signature:1">'
                 b'<ws:entry name="a"/><ws:entry name="a"/></ws:signature>'):
        verdict = verify_docx(_with_part(signed.docx, CONTAINER_PART, junk), lookup_of(record))
        assert not verdict.valid and "签章信息" in verdict.reason


# --------------------------------------------------------------------------- finding 8


def test_the_seal_is_the_picture_drawn_at_its_place(keys):
    seal, record = keys
    signed = issue(seal)
    expected = hashlib.sha256(seal.image_png).hexdigest()
    assert seal_picture_sha256(signed.docx) == expected
    verdict = verify_docx(signed.docx, lookup_of(record))
    assert verdict.seal_image_sha256 == expected and verdict.to_json()["seal_image_sha256"] == expected


@pytest.mark.parametrize("attack", ["removed", "crossed out", "hidden", "hidden run"])
def test_a_seal_taken_off_the_page_is_caught(keys, attack):
    """The seal picture's bytes stay in the package (what the old check asked for);
    what is drawn at the seal's place is not the seal."""
    seal, record = keys
    signed = issue(seal)
    forged = {"removed": attacks.seal_removed(signed.docx),
              "crossed out": attacks.seal_crossed_out(signed.docx, seal.image_png),
              "hidden": attacks.seal_hidden(signed.docx),
              "hidden run": attacks.seal_in_hidden_run(signed.docx)}[attack]
    original = hashlib.sha256(seal.image_png).hexdigest()
    assert original in image_hashes(forged).values()
    assert seal_picture_sha256(forged) != original
    verdict = verify_docx(forged, lookup_of(record))
    assert not verdict.valid and "印章" in verdict.reason, verdict.reason


def test_drawn_seal_follows_the_package_not_file_names(keys):
    seal, _ = keys
    parts = read_parts(issue(seal).docx)
    assert drawn_seal_sha256({k: v for k, v in parts.items() if k != "_rels/.rels"}) is None
    broken = dict(parts, **{"word/_rels/document.xml.rels": b"<broken"})
    assert drawn_seal_sha256(broken) is None
    # A second "seal" showing another picture: which one is the seal is not for a reader
    # to guess.
    xml = parts["word/document.xml"].decode()
    i = xml.index('name="印章"')
    start, end = xml.rindex("<w:drawing>", 0, i), xml.index("</w:drawing>", i) + len("</w:drawing>")
    qr_rid = next(r for r in ("rId9", "rId10") if f'r:embed="{r}"' not in xml[start:end])
    second = re.sub(r'r:embed="[^"]*"', f'r:embed="{qr_rid}"', xml[start:end])
    assert drawn_seal_sha256(dict(parts, **{"word/document.xml": (xml[:end] + second + xml[end:]).encode()})) is None


def test_a_document_of_the_first_format_no_longer_verifies(keys):
    """Its signature covered the visible text only: a header added to it would pass."""
    _, record = keys
    plain = fill("受理通知书", base_context(), seal_png=attacks.crossed_out_png(qr_png()), qr_png=qr_png())
    old = set_custom_properties(plain, {"ws_version": "1", "ws_signature": "AAAA"})
    verdict = verify_docx(old, lookup_of(record))
    assert not verdict.valid and "旧版签章" in verdict.reason
