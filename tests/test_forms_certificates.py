"""Seal certificates: made by the district's root, checked field by field, tampering found."""

import base64
import json
from datetime import date, datetime

import pytest

from forms import certificates as C
from forms import signing as S
from forms.errors import FormError

from .test_forms_signing import ALGS, SEAL, b64url, flip, keys  # noqa: F401  (keys: a fixture)


# --------------------------------------------------------------------------- certificates

FROM, TO = date(2026, 1, 1), date(2028, 12, 31)


def _cert(keys, alg="sm2", issuer=None, **over):
    private, public = keys[alg]
    issuer_alg, issuer_private = issuer if issuer else (alg, private)
    args = dict(seal_id=SEAL, name="西安市新城区行政审批服务局行政审批专用章(1)",
                category="企业登记", organ="西安市新城区行政审批服务局", algorithm=alg,
                public=public, valid_from=FROM, valid_to=TO,
                issuer_id=SEAL if issuer is None else "ROOT-610102",
                issuer_algorithm=issuer_alg, issuer_private=issuer_private)
    args.update(over)
    return C.make_certificate(**args)


@ALGS
def test_certificate_round_trip_self_issued(alg, keys):
    cert = _cert(keys, alg)
    assert set(cert) == {"version", "seal_id", "name", "category", "organ", "algorithm",
                         "public_key", "valid_from", "valid_to", "issuer_id",
                         "issuer_algorithm", "signature"}
    assert cert["version"] == 1 and cert["valid_from"] == "2026-01-01"
    assert base64.urlsafe_b64decode(cert["public_key"] + "==") == keys[alg][1]
    assert "=" not in cert["public_key"] + cert["signature"]
    public = keys[alg][1]
    assert C.verify_certificate(cert, public) is None
    for day in (FROM, date(2027, 6, 1), TO):
        assert C.verify_certificate(cert, public, on=day) is None
    # survives a trip through JSON storage
    assert C.verify_certificate(json.loads(json.dumps(cert, ensure_ascii=False)), public) is None
    unsigned = {k: v for k, v in cert.items() if k != "signature"}
    assert S.verify(cert["issuer_algorithm"], public, S.canonical_json(unsigned),
                    base64.urlsafe_b64decode(cert["signature"] + "=="))


def test_certificate_issued_by_another_seal(keys):
    """An ECDSA seal certified by an SM2 root seal, and the other way round."""
    root_private, root_public = keys["sm2"]
    cert = _cert(keys, "ecdsa-p256", issuer=("sm2", root_private))
    assert C.verify_certificate(cert, root_public, on=date(2026, 9, 30)) is None
    with pytest.raises(FormError, match="证书签名无效"):
        C.verify_certificate(cert, keys["ecdsa-p256"][1])
    cert2 = _cert(keys, "sm2", issuer=("ecdsa-p256", keys["ecdsa-p256"][0]))
    assert C.verify_certificate(cert2, keys["ecdsa-p256"][1]) is None


@ALGS
def test_certificate_tampered(alg, keys):
    cert = _cert(keys, alg)
    public = keys[alg][1]
    other_public = S.generate_keypair(alg)[1]
    for key, value in (("name", "伪造专用章"), ("organ", "别的机关"), ("category", "社会事务"),
                       ("valid_to", "2099-12-31"), ("valid_from", "2025-01-01"),
                       ("seal_id", "S-610102-001-4")):
        forged = dict(cert, **{key: value})
        with pytest.raises(FormError, match="证书签名无效"):
            C.verify_certificate(forged, public)
    # a swapped-in key, self-issued: the signature no longer matches either key
    forged = dict(cert, public_key=b64url(other_public))
    with pytest.raises(FormError, match="证书签名无效"):
        C.verify_certificate(forged, public)
    with pytest.raises(FormError, match="证书签名无效"):
        C.verify_certificate(forged, other_public)
    sig = base64.urlsafe_b64decode(cert["signature"] + "==")
    with pytest.raises(FormError, match="证书签名无效"):
        C.verify_certificate(dict(cert, signature=b64url(flip(sig, 40))), public)


def test_certificate_wrong_issuer_key(keys):
    cert = _cert(keys, "sm2", issuer=("sm2", keys["sm2"][0]), public=S.generate_keypair("sm2")[1])
    # issued by "ROOT-610102" with keys["sm2"]; checked against a different root key
    with pytest.raises(FormError, match="证书签名无效"):
        C.verify_certificate(cert, S.generate_keypair("sm2")[1])
    with pytest.raises(FormError, match="证书签名无效"):
        C.verify_certificate(cert, keys["ecdsa-p256"][1])
    with pytest.raises(FormError, match="证书签名无效"):
        C.verify_certificate(cert, b"not a key")


def test_certificate_validity_period(keys):
    cert = _cert(keys, "ecdsa-p256")
    public = keys["ecdsa-p256"][1]
    with pytest.raises(FormError) as err:
        C.verify_certificate(cert, public, on=date(2029, 1, 1))
    assert err.value.message == "证书已过期"
    with pytest.raises(FormError) as err:
        C.verify_certificate(cert, public, on=date(2025, 12, 31))
    assert err.value.message == "证书尚未生效"


def test_certificate_format_errors(keys):
    cert = _cert(keys, "ecdsa-p256")
    public = keys["ecdsa-p256"][1]
    bad = [
        "not a dict", {}, dict(cert, version=2), dict(cert, version="1"),
        dict(cert, version=True), dict(cert, extra="x"),
        {k: v for k, v in cert.items() if k != "organ"},
        dict(cert, algorithm="rsa"), dict(cert, issuer_algorithm="sm2"),
        dict(cert, public_key="!!!"), dict(cert, public_key=cert["public_key"] + "="),
        dict(cert, public_key=b64url(b"\x04" + b"\x00" * 64)),
        dict(cert, signature=cert["signature"][:-2]), dict(cert, signature=123),
        dict(cert, valid_to="2028-13-01"), dict(cert, valid_to="20281231"),
        dict(cert, valid_to="2025-01-01"), dict(cert, name=""), dict(cert, name=None),
        dict(cert, seal_id="S|1", issuer_id="S|1"), dict(cert, issuer_id=" ROOT"),
    ]
    for item in bad:
        with pytest.raises(FormError) as err:
            C.verify_certificate(item, public)
        assert err.value.message == "证书格式错误", item


def test_make_certificate_rejects_bad_input(keys):
    private, public = keys["sm2"]
    with pytest.raises(FormError):
        _cert(keys, "sm2", valid_from=TO, valid_to=FROM)
    with pytest.raises(FormError):
        _cert(keys, "sm2", valid_from=datetime(2026, 1, 1))
    with pytest.raises(FormError):
        _cert(keys, "sm2", public=b"\x01" * 64)
    with pytest.raises(FormError):
        _cert(keys, "sm2", algorithm="rsa")
    for bad_id in (" ", "", "S|1", " S-1", "S\n1"):
        with pytest.raises(FormError):
            _cert(keys, "sm2", seal_id=bad_id, issuer_id="ROOT")
    # self-issued with someone else's private key
    with pytest.raises(FormError):
        _cert(keys, "sm2", issuer_private=S.generate_keypair("sm2")[0])
    with pytest.raises(FormError):
        _cert(keys, "sm2", issuer_algorithm="ecdsa-p256",
              issuer_private=keys["ecdsa-p256"][0])


def test_certificate_text_is_nfc(keys):
    cert = _cert(keys, "sm2", name="Cafe\u0301 专用章")
    assert cert["name"] == "Caf\u00e9 专用章"
    assert C.verify_certificate(cert, keys["sm2"][1]) is None
