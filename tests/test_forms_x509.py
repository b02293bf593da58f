"""X.509 seal certificates (forms/x509.py): made here, checked by OpenSSL 3, refused in Chinese."""

import hashlib
import os
import secrets
import subprocess
from datetime import date

import pytest
from cryptography import x509 as cx509

from forms import signing as S
from forms import x509 as X
from forms.errors import FormError

ALGS = pytest.mark.parametrize("alg", ["ecdsa-p256", "sm2"])
ORGAN = "西安市新城区行政审批服务局"
PICTURE = hashlib.sha256(b"seal picture").hexdigest()
TODAY = date.today()
FROM, TO = date(TODAY.year - 1, 1, 1), date(TODAY.year + 4, 12, 31)
# OpenSSL 3.0 verifies SM2 only when told the signer's distinguishing id (the GB/T 35276 default).
SM2_ID = ["-vfyopt", "distid:1234567812345678"]


def authority(alg, organ=ORGAN, valid_from=date(2020, 1, 1), valid_to=date(2045, 12, 31)):
    private, _ = S.generate_keypair(alg)
    return X.make_authority(algorithm=alg, private=private, organ=organ, valid_from=valid_from,
                            valid_to=valid_to), private


def request(alg, **over):
    private, public = S.generate_keypair(alg)
    args = dict(algorithm=alg, private=private, seal_id=secrets.token_hex(8),
                name=f"{ORGAN}商事登记专用章", category="商事登记", organ=ORGAN, terminal="001",
                picture_sha256=PICTURE)
    args.update(over)
    return X.make_request(**args), private, public


def seal_cert(alg, ca=None, valid_from=FROM, valid_to=TO, **over):
    ca = ca or authority(alg)
    req, private, public = request(alg, **over)
    der = X.issue(X.read_request(req), authority=ca[0], authority_private=ca[1],
                  valid_from=valid_from, valid_to=valid_to)
    return der, ca, req


def _openssl(tmp_path, alg, *args, inputs=None):
    for name, (der, label) in (inputs or {}).items():
        (tmp_path / name).write_text(X.to_pem(der, label))
    extra = SM2_ID if alg == "sm2" and args[0] in ("verify", "req") else []
    cmd = ["openssl", args[0], *extra, *args[1:]]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})


@ALGS
def test_openssl_verifies_the_chain_the_request_and_reads_the_binding(alg, tmp_path):
    der, (ca, _), req = seal_cert(alg)
    out = _openssl(tmp_path, alg, "verify", "-CAfile", "ca.pem", "seal.pem",
                   inputs={"ca.pem": (ca, "CERTIFICATE"), "seal.pem": (der, "CERTIFICATE")})
    assert out.returncode == 0 and "seal.pem: OK" in out.stdout, out.stderr
    out = _openssl(tmp_path, alg, "req", "-verify", "-noout", "-in", "req.pem",
                   inputs={"req.pem": (req, "CERTIFICATE REQUEST")})
    assert out.returncode == 0 and "verify OK" in out.stdout + out.stderr, out.stderr
    text = _openssl(tmp_path, alg, "x509", "-text", "-noout", "-nameopt", "utf8", "-in", "seal.pem").stdout
    assert ("SM2-with-SM3" if alg == "sm2" else "ecdsa-with-SHA256") in text
    assert f"CN={ORGAN}商事登记专用章" in text.replace(" = ", "=") or f"CN = {ORGAN}商事登记专用章" in text
    assert "CA:FALSE" in text and "Digital Signature, Non Repudiation" in text
    assert str(X.SEAL_INFO_OID)[:20] in text
    assert "Not After : " in text and str(TO.year) in text
    info = X.verify_seal_certificate(der, authority=ca, on=TODAY)
    assert (info.category, info.organ, info.terminal, info.picture_sha256) == (
        "商事登记", ORGAN, "001", PICTURE)
    assert (info.valid_from, info.valid_to, info.authority) == (FROM, TO, f"{ORGAN}电子印章根证书")


def test_cryptography_reads_the_p256_certificate_and_checks_its_signature():
    der, (ca, _), _ = seal_cert("ecdsa-p256")
    leaf, root = cx509.load_der_x509_certificate(der), cx509.load_der_x509_certificate(ca)
    leaf.verify_directly_issued_by(root)
    ext = leaf.extensions.get_extension_for_oid(cx509.ObjectIdentifier(str(X.SEAL_INFO_OID)))
    assert not ext.critical and bytes.fromhex(PICTURE) in ext.value.value


@ALGS
def test_openssl_refuses_a_certificate_of_another_authority(alg, tmp_path):
    der, _, _ = seal_cert(alg)
    other, _ = authority(alg)
    out = _openssl(tmp_path, alg, "verify", "-CAfile", "ca.pem", "seal.pem",
                   inputs={"ca.pem": (other, "CERTIFICATE"), "seal.pem": (der, "CERTIFICATE")})
    assert out.returncode != 0
    with pytest.raises(FormError, match="不是由本机认可的电子印章根证书"):
        X.verify_seal_certificate(der, authority=other)


def test_same_name_other_authority_is_refused_by_its_key():
    """Another authority with the very same organ name (the attack: a look-alike root)."""
    der, _, _ = seal_cert("sm2")
    look_alike, _ = authority("sm2")        # same subject, another key
    with pytest.raises(FormError, match="不是由本机认可|签名无效"):
        X.verify_seal_certificate(der, authority=look_alike)


@ALGS
def test_random_bytes_and_truncated_der_are_unreadable(alg):
    der, (ca, _), req = seal_cert(alg)
    for bad in (secrets.token_bytes(300), der[:-1], der[:40], der + b"\x00", b"", "text"):
        with pytest.raises(FormError, match="证书无法读取"):
            X.verify_seal_certificate(bad, authority=ca)
    for bad in (secrets.token_bytes(200), req[:-3]):
        with pytest.raises(FormError, match="证书申请无法读取"):
            X.read_request(bad)
    with pytest.raises(FormError, match="根证书无法读取"):
        X.read_authority(ca[:-5])


@ALGS
def test_expired_and_not_yet_valid_on_the_signing_day(alg):
    der, (ca, _), _ = seal_cert(alg, valid_from=date(2021, 1, 1), valid_to=date(2022, 6, 30))
    assert X.verify_seal_certificate(der, authority=ca, on=date(2022, 6, 30)).seal_id
    with pytest.raises(FormError, match="已过期（有效期至 2022-06-30）"):
        X.verify_seal_certificate(der, authority=ca, on=date(2022, 7, 1))
    with pytest.raises(FormError, match="尚未生效"):
        X.verify_seal_certificate(der, authority=ca, on=date(2020, 12, 31))


def test_openssl_agrees_that_the_expired_one_is_expired(tmp_path):
    der, (ca, _), _ = seal_cert("ecdsa-p256", valid_from=date(2021, 1, 1), valid_to=date(2022, 6, 30))
    out = _openssl(tmp_path, "ecdsa-p256", "verify", "-CAfile", "ca.pem", "seal.pem",
                   inputs={"ca.pem": (ca, "CERTIFICATE"), "seal.pem": (der, "CERTIFICATE")})
    assert out.returncode != 0 and "expired" in out.stdout + out.stderr


@ALGS
def test_revoked_serial_is_refused(alg):
    der, (ca, _), _ = seal_cert(alg)
    serial = X.read_certificate(der).serial
    assert serial > 2**120
    with pytest.raises(FormError, match="已被吊销"):
        X.verify_seal_certificate(der, authority=ca, revoked={serial})
    X.verify_seal_certificate(der, authority=ca, revoked={serial + 1})


@ALGS
def test_tampered_certificate_fails_its_signature(alg):
    der, (ca, _), _ = seal_cert(alg)
    # Change the terminal code inside SealInfo: still well-formed DER, signature broken.
    tampered = der.replace(b"\x0c\x03001", b"\x0c\x03002")
    assert tampered != der
    with pytest.raises(FormError, match="签名无效"):
        X.verify_seal_certificate(tampered, authority=ca)


def test_a_request_signed_by_another_key_is_refused():
    req, _, _ = request("sm2")
    other, _ = S.generate_keypair("sm2")
    forged = request("sm2", private=other)[0]
    assert X.read_request(req).seal_id
    # Splice the first request's public key into the second: the proof of possession breaks.
    info = X.read_request(req)
    forged_info = X.read_request(forged)
    spliced = forged.replace(S.derive_public_key("sm2", other), info.public_key)
    assert spliced != forged and forged_info.public_key != info.public_key
    with pytest.raises(FormError, match="签名无效"):
        X.read_request(spliced)


def test_authority_needs_a_self_signed_ca_and_issuing_needs_its_key():
    der, (ca, ca_private), req = seal_cert("ecdsa-p256")
    with pytest.raises(FormError, match="根证书"):
        X.read_authority(der)               # a seal certificate is no authority
    wrong, _ = S.generate_keypair("ecdsa-p256")
    with pytest.raises(FormError, match="签发私钥与根证书不匹配"):
        X.issue(X.read_request(req), authority=ca, authority_private=wrong,
                valid_from=FROM, valid_to=TO)
    with pytest.raises(FormError, match="不是印章证书"):
        X.verify_seal_certificate(ca, authority=ca)


def test_picture_hash_and_names_are_checked_in_the_request():
    with pytest.raises(FormError, match="印章图片摘要"):
        request("sm2", picture_sha256="abc")
    with pytest.raises(FormError, match="控制字符"):
        request("sm2", name="章\n")
    assert X.fingerprint(b"x") == hashlib.sha256(b"x").hexdigest()


def test_a_mixed_chain_sm2_authority_p256_seal():
    ca = authority("sm2")
    req, _, _ = request("ecdsa-p256")
    der = X.issue(X.read_request(req), authority=ca[0], authority_private=ca[1],
                  valid_from=FROM, valid_to=TO)
    info = X.verify_seal_certificate(der, authority=ca[0], on=TODAY)
    assert info.algorithm == "ecdsa-p256"
