"""GB/T 38540 SESeal / SES_Signature: round trips, a second decoder (asn1crypto,
tests/ses_support.py) both ways, openssl checking every SM2 signature, and strict
refusal of truncated, padded, altered and random input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import ses
from forms.errors import FormError

from . import ses_support as x

CREATED = datetime(2026, 1, 5, 9, 0, 0)            # Beijing time, as the workstation's clock
VALID_END = datetime(2030, 12, 31, 23, 59, 59)
SIGNED_AT = datetime(2026, 9, 30, 10, 15, 0)
DIGEST = bytes(range(32))
PROPERTY = "scope=ws-docx-digest;doc=X;receipt=1"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ses")
    return {"dir": folder, "maker": x.make_party(folder, "maker"),
            "signer": x.make_party(folder, "signer"), "other": x.make_party(folder, "other")}


def seal_of(pki, **over):
    args = dict(es_id="S-610102-001-7f3a", name="西安市新城区行政审批服务局行政审批专用章",
                signer_certs=[pki["signer"].cert], created=CREATED, valid_start=CREATED,
                valid_end=VALID_END, picture_png=x.small_png(), width_mm=42, height_mm=42,
                maker_cert=pki["maker"].cert, maker_private=pki["maker"].private)
    args.update(over)
    return ses.make_seal(**args)


def signature_of(pki, seal_der=None, **over):
    args = dict(seal_der=seal_der or seal_of(pki), data_hash=DIGEST, property_info=PROPERTY,
                signer_cert=pki["signer"].cert, signer_private=pki["signer"].private,
                signed_at=SIGNED_AT)
    args.update(over)
    return ses.make_signature(**args)


def utc(naive_beijing: datetime) -> datetime:
    return (naive_beijing - timedelta(hours=8)).replace(tzinfo=UTC)


# --------------------------------------------------------------------------- round trips

def test_seal_round_trip(pki):
    der = seal_of(pki)
    seal = ses.decode_seal(der)
    assert (seal.vid, seal.es_id, seal.seal_type, seal.cert_list_type) == ("WS", "S-610102-001-7f3a", 1, 1)
    assert seal.name == "西安市新城区行政审批服务局行政审批专用章"
    assert seal.signer_certs == (pki["signer"].cert,) and seal.maker_cert == pki["maker"].cert
    assert (seal.picture_type, seal.picture, seal.width_mm, seal.height_mm) == ("PNG", x.small_png(), 42, 42)
    assert seal.created == utc(CREATED) and seal.valid_end == utc(VALID_END)
    assert seal.der == der
    ses.verify_seal(seal)


def test_signature_round_trip(pki):
    seal_der = seal_of(pki)
    der = signature_of(pki, seal_der)
    data = ses.verify_signature(der, data_hash=DIGEST)
    assert data.data_hash == DIGEST and data.property_info == PROPERTY
    assert data.signed_at == utc(SIGNED_AT) and data.signer_cert == pki["signer"].cert
    assert data.seal.der == seal_der and data.timestamp is None
    assert data.der == der


# --------------------------------------------------------------------------- the second decoder and openssl

def test_independent_decoder_and_openssl_check_what_forms_writes(pki):
    der = signature_of(pki)
    parsed = x.SESSignature.load(der, strict=True)
    tbs = parsed["to_sign"]
    seal = tbs["eseal"]
    info = seal["e_seal_info"]
    assert info["header"].native == {"id": "ES", "version": 4, "vid": "WS"}
    assert info["es_id"].native == "S-610102-001-7f3a"
    prop = info["property"]
    assert prop["name"].native.endswith("专用章") and prop["cert_list_type"].native == 1
    assert prop["cert_list"].native == [pki["signer"].cert]
    assert prop["valid_start"].native == utc(CREATED)
    assert info["picture"].native == {"type": "PNG", "data": x.small_png(), "width": 42, "height": 42}
    assert seal["sign_alg_id"].dotted == x.SM2_SM3 == parsed["signature_alg_id"].dotted
    assert seal["cert"].native == pki["maker"].cert and parsed["cert"].native == pki["signer"].cert
    assert tbs["version"].native == 4 and tbs["data_hash"].native == DIGEST
    assert tbs["property_info"].native == PROPERTY and tbs["time_info"].native == utc(SIGNED_AT)
    # openssl: the maker signed SES_SealInfo, the signer signed TBS_Sign
    assert x.openssl_verifies(pki["maker"], info.dump(), seal["signed_value"].native, pki["dir"])
    assert x.openssl_verifies(pki["signer"], tbs.dump(), parsed["signature"].native, pki["dir"])
    # and not over anything else (the check can fail)
    assert not x.openssl_verifies(pki["signer"], info.dump(), parsed["signature"].native, pki["dir"])
    assert not x.openssl_verifies(pki["other"], tbs.dump(), parsed["signature"].native, pki["dir"])


def build_with_asn1crypto(pki, *, header_version=4, tbs_version=4, alg=x.SM2_SM3,
                          picture=None, signer=None, certs=None):
    """A seal and a signature made without forms.ses: asn1crypto encodes, openssl signs."""
    signer = signer or pki["signer"]
    info = x.SealInfo({
        "header": {"id": "ES", "version": header_version, "vid": "OTHER-VENDOR"},
        "es_id": "ES-0001",
        "property": {"type": 1, "name": "测试专用章", "cert_list_type": 1,
                     "cert_list": certs or [signer.cert],
                     "create_date": utc(CREATED), "valid_start": utc(CREATED),
                     "valid_end": utc(VALID_END)},
        "picture": {"type": "png", "data": picture or x.small_png(), "width": 40, "height": 40}})
    seal = x.Seal({"e_seal_info": info, "cert": pki["maker"].cert, "sign_alg_id": alg,
                   "signed_value": x.openssl_sign(pki["maker"], info.dump(), pki["dir"])})
    tbs = x.TBSSign({"version": tbs_version, "eseal": seal, "time_info": utc(SIGNED_AT),
                     "data_hash": DIGEST, "property_info": "scope=all"})
    signature = x.SESSignature({
        "to_sign": tbs, "cert": signer.cert, "signature_alg_id": alg,
        "signature": x.openssl_sign(signer, tbs.dump(), pki["dir"])})
    return seal.dump(), signature.dump()


def test_forms_reads_and_verifies_what_the_independent_encoder_and_openssl_make(pki):
    seal_der, signature_der = build_with_asn1crypto(pki)
    data = ses.verify_signature(signature_der, data_hash=DIGEST)
    assert data.seal.der == seal_der and data.seal.vid == "OTHER-VENDOR"
    assert data.seal.picture_type == "png" and data.property_info == "scope=all"
    ses.verify_seal(ses.decode_seal(seal_der))


@pytest.mark.parametrize("change, words", [
    ({"header_version": 3}, "版本号是 3"),
    ({"tbs_version": 1}, "版本号是 1"),
    ({"alg": "1.2.840.10045.4.3.2"}, "签名算法不是 SM2/SM3"),
])
def test_wrong_version_or_algorithm_is_refused_even_when_signed(pki, change, words):
    _, signature_der = build_with_asn1crypto(pki, **change)
    with pytest.raises(FormError, match=words):
        ses.verify_signature(signature_der)


def test_altered_seal_inside_a_freshly_signed_signature_is_caught(pki):
    # The signer re-signs TBS_Sign, but the seal's picture is not what the maker signed.
    seal_der, _ = build_with_asn1crypto(pki)
    seal = x.Seal.load(seal_der)
    info = x.SealInfo.load(seal["e_seal_info"].dump())
    info["picture"]["data"] = x.small_png((0, 0, 0, 255))
    forged = x.Seal({"e_seal_info": info, "cert": seal["cert"].native,
                     "sign_alg_id": x.SM2_SM3, "signed_value": seal["signed_value"].native})
    tbs = x.TBSSign({"version": 4, "eseal": forged, "time_info": utc(SIGNED_AT),
                     "data_hash": DIGEST, "property_info": "scope=all"})
    signature = x.SESSignature({"to_sign": tbs, "cert": pki["signer"].cert,
                                "signature_alg_id": x.SM2_SM3,
                                "signature": x.openssl_sign(pki["signer"], tbs.dump(), pki["dir"])})
    with pytest.raises(FormError, match="制章者签名无效"):
        ses.verify_signature(signature.dump())


def test_signer_not_listed_in_the_seal_is_refused(pki):
    _, signature_der = build_with_asn1crypto(pki, signer=pki["other"], certs=[pki["signer"].cert])
    with pytest.raises(FormError, match="不在电子印章的签章者证书列表中"):
        ses.verify_signature(signature_der)
    with pytest.raises(FormError, match="不在该电子印章"):
        signature_of(pki, signer_cert=pki["other"].cert, signer_private=pki["other"].private)


def test_other_digest_and_time_outside_validity_are_refused(pki):
    with pytest.raises(FormError, match="原文杂凑值与文书不符"):
        ses.verify_signature(signature_of(pki), data_hash=bytes(32))
    late = signature_of(pki, signed_at=datetime(2031, 1, 1, 8, 0, 1))
    with pytest.raises(FormError, match="有效期"):
        ses.verify_signature(late)


def test_wrong_keys_and_certificates_are_refused_when_making(pki):
    with pytest.raises(FormError, match="制章者证书与制章者私钥不匹配"):
        seal_of(pki, maker_private=pki["other"].private)
    with pytest.raises(FormError, match="签章者证书与签章者私钥不匹配"):
        signature_of(pki, signer_private=pki["other"].private)
    with pytest.raises(FormError, match="证书格式错误"):
        seal_of(pki, maker_cert=b"\x30\x03\x02\x01\x01")
    with pytest.raises(FormError, match="ASCII"):
        seal_of(pki, es_id="印章一号")
    with pytest.raises(FormError, match="32 字节"):
        signature_of(pki, data_hash=bytes(20))
    with pytest.raises(FormError, match="终止时间早于起始时间"):  # naive and aware mixed
        seal_of(pki, valid_end=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(FormError, match="日期时间"):
        seal_of(pki, created="2026-01-05")
    with pytest.raises(FormError, match="原文杂凑值与文书不符"):
        ses.verify_signature(signature_of(pki), data_hash="not bytes")


def test_ecdsa_certificate_is_not_an_sm2_key(pki):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "p256")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(datetime(2026, 1, 1)).not_valid_after(datetime(2027, 1, 1))
            .sign(key, hashes.SHA256()))
    with pytest.raises(FormError, match="不是 SM2 公钥"):
        ses.certificate_sm2_public_key(cert.public_bytes(serialization.Encoding.DER))


# --------------------------------------------------------------------------- strict decoding

def test_truncation_at_every_byte_fails_cleanly(pki):
    der = signature_of(pki)
    for end in range(len(der)):
        with pytest.raises(FormError):
            ses.decode_signature(der[:end])
    seal_der = seal_of(pki)
    for end in range(0, len(seal_der), 7):
        with pytest.raises(FormError):
            ses.decode_seal(seal_der[:end])


def test_trailing_bytes_non_der_oversize_and_non_bytes_are_refused(pki):
    der = signature_of(pki)
    with pytest.raises(FormError, match="多余的字节"):
        ses.decode_signature(der + b"\x00")
    # the same value with its outer length in a longer form than DER allows
    body = der[4:] if der[1] == 0x82 else None
    assert body is not None
    ber = b"\x30\x83" + len(body).to_bytes(3, "big") + body
    with pytest.raises(FormError, match="DER"):
        ses.decode_signature(ber)
    with pytest.raises(FormError, match="MiB"):
        ses.decode_signature(b"\x30" * (ses.MAX_DER_SIZE + 1))
    for bad in (None, "text", 7, b""):
        with pytest.raises(FormError):
            ses.decode_signature(bad)
    with pytest.raises(FormError):   # a seal is not a signature, and the reverse
        ses.decode_signature(seal_of(pki))
    with pytest.raises(FormError):
        ses.decode_seal(der)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_are_refused(data):
    for decode in (ses.decode_signature, ses.decode_seal, ses.certificate_sm2_public_key):
        with pytest.raises(FormError):
            decode(data)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_fails_verification(pki, position, flip):
    der = bytearray(_signature_cache(pki))
    der[position % len(der)] ^= flip
    with pytest.raises(FormError):
        ses.verify_signature(bytes(der), data_hash=DIGEST)


_CACHE: dict[str, bytes] = {}


def _signature_cache(pki) -> bytes:
    if "der" not in _CACHE:
        _CACHE["der"] = signature_of(pki)
    return _CACHE["der"]
