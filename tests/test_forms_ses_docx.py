"""GB/T 38540 data in a signed .docx: written by stamp_and_sign for an SM2 seal that
brings its SESeal, read by a second decoder and openssl, and required by verify_docx."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from forms import package, ses, ses_docx, signing
from forms.errors import FormError
from forms.stamp import SealForSigning, SealRecord, stamp_and_sign, verify_docx

from . import ses_support as x
from .test_forms_ses import CREATED, VALID_END
from .test_forms_stamp import SIGNED_AT, lookup_of
from .test_forms_templates import DOC_NO, base_context, seal_png

SEAL_ID = "S-610102-001-1"
RECEIPT = "610102202609300010001"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ses-docx")
    return {"dir": folder, "maker": x.make_party(folder, "maker"),
            "signer": x.make_party(folder, "seal"), "other": x.make_party(folder, "other")}


def ses_seal(pki, es_id=SEAL_ID, image=None):
    return ses.make_seal(es_id=es_id, name="西安市新城区行政审批服务局行政审批专用章",
                         signer_certs=[pki["signer"].cert], created=CREATED, valid_start=CREATED,
                         valid_end=VALID_END, picture_png=image or seal_png(), width_mm=42,
                         height_mm=42, maker_cert=pki["maker"].cert,
                         maker_private=pki["maker"].private)


@pytest.fixture(scope="module")
def sealed(pki):
    """(seal, record, signed document) for an SM2 seal whose key is the signer's."""
    image = seal_png()
    seal = SealForSigning(SEAL_ID, "sm2", pki["signer"].private, image,
                          ses_seal=ses_seal(pki, image=image), ses_cert=pki["signer"].cert)
    record = SealRecord(SEAL_ID, "西安市新城区行政审批服务局行政审批专用章", "sm2",
                        signing.derive_public_key("sm2", pki["signer"].private), "active",
                        date(2026, 1, 1), date(2030, 12, 31))
    return seal, record, issue(seal)


def issue(seal, document_no=DOC_NO):
    return stamp_and_sign("受理通知书", base_context(), seal=seal, document_no=document_no,
                          receipt_no=RECEIPT, signed_at=SIGNED_AT)


def test_document_carries_a_verifiable_ses_signature(pki, sealed):
    seal, record, signed = sealed
    verdict = verify_docx(signed.docx, lookup_of(record))
    assert verdict.valid, verdict.reason
    props = container_entries(signed.docx)
    assert base64.b64decode(props[ses_docx.PROP_SEAL]) == seal.ses_seal
    data = ses_docx.verify_docx_ses(signed.docx, signed.digest, seal_id=SEAL_ID,
                                    public_key=record.public_key)
    assert data.data_hash == signed.digest and data.seal.es_id == SEAL_ID
    assert "doc=" in data.property_info and RECEIPT in data.property_info
    # the QR code stays the short WS1 payload: no SES data in it
    assert signed.qr_payload.startswith("WS1|") and len(signed.qr_payload) < 300


def test_second_decoder_and_openssl_check_the_document_signature(pki, sealed):
    _, _, signed = sealed
    der = base64.b64decode(container_entries(signed.docx)[ses_docx.PROP_SIGNATURE])
    parsed = x.SESSignature.load(der, strict=True)
    tbs = parsed["to_sign"]
    assert tbs["data_hash"].native == signed.digest
    assert tbs["eseal"]["e_seal_info"]["es_id"].native == SEAL_ID
    assert x.openssl_verifies(pki["signer"], tbs.dump(), parsed["signature"].native, pki["dir"])
    info = tbs["eseal"]["e_seal_info"]
    assert x.openssl_verifies(pki["maker"], info.dump(), tbs["eseal"]["signed_value"].native,
                              pki["dir"])


def container_entries(docx: bytes) -> dict[str, str]:
    """The signature container's entries, where the SES data lives."""
    return package.parse_container(package.read_parts(docx)[package.CONTAINER_PART])


def _with(docx: bytes, **props: str) -> bytes:
    return package.with_container_entries(docx, props)


def test_ses_signature_of_another_document_is_caught(pki, sealed):
    seal, record, signed = sealed
    other = issue(seal, document_no="新城审受字〔2026〕第100002号")
    transplanted = _with(signed.docx, ws_ses_signature=container_entries(other.docx)[
        ses_docx.PROP_SIGNATURE])
    verdict = verify_docx(transplanted, lookup_of(record))
    assert not verdict.valid and "原文杂凑值与文书不符" in verdict.reason


@pytest.mark.parametrize("value, words", [
    ("not base64!", "base64"),
    (base64.b64encode(b"\x30\x05random").decode(), "格式错误"),
    ("", "格式错误"),
])
def test_garbled_ses_signature_is_a_clear_refusal(sealed, value, words):
    _, record, signed = sealed
    verdict = verify_docx(_with(signed.docx, ws_ses_signature=value), lookup_of(record))
    assert not verdict.valid and words in verdict.reason and "GB/T 38540" in verdict.reason


def test_swapped_or_missing_parts_are_caught(pki, sealed):
    _, record, signed = sealed
    swapped = _with(signed.docx, ws_ses_seal=base64.b64encode(ses_seal(pki)).decode())
    verdict = verify_docx(swapped, lookup_of(record))
    assert not verdict.valid and "不一致" in verdict.reason
    props = container_entries(signed.docx)
    with pytest.raises(FormError, match="没有完整的"):
        ses_docx.verify_docx_ses({ses_docx.PROP_SEAL: props[ses_docx.PROP_SEAL]}, signed.digest)


def test_seal_id_and_signer_key_must_match_the_registry(pki, sealed):
    _, record, _ = sealed
    image = seal_png()
    wrong_id = SealForSigning(SEAL_ID, "sm2", pki["signer"].private, image,
                              ses_seal=ses_seal(pki, es_id="S-OTHER-1", image=image),
                              ses_cert=pki["signer"].cert)
    verdict = verify_docx(issue(wrong_id).docx, lookup_of(record))
    assert not verdict.valid and "印章编号" in verdict.reason
    other_key = SealRecord(**{**record.__dict__, "public_key": signing.derive_public_key(
        "sm2", pki["other"].private)})
    signed = issue(SealForSigning(SEAL_ID, "sm2", pki["signer"].private, image,
                                  ses_seal=ses_seal(pki, image=image), ses_cert=pki["signer"].cert))
    with pytest.raises(FormError, match="登记的印章公钥不符"):
        ses_docx.verify_docx_ses(signed.docx, signed.digest, public_key=other_key.public_key)


def test_ses_only_for_sm2_seals(pki):
    private, _ = signing.generate_keypair("ecdsa-p256")
    seal = SealForSigning(SEAL_ID, "ecdsa-p256", private, seal_png(), ses_seal=ses_seal(pki),
                          ses_cert=pki["signer"].cert)
    with pytest.raises(FormError, match="只用于 SM2 印章"):
        issue(seal)
