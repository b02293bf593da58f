"""GB/T 38540 in real use (issue 16, "Seals in the national structure"): an SM2 seal
certified by the terminal's own (SM2) authority gets its SESeal from that authority,
and the documents the workstation issues with it carry an SES_Signature that a
second decoder (asn1crypto, tests/ses_support.py) parses and openssl verifies."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from asn1crypto import keys, x509 as asn1_x509

from forms import package, ses_docx, ses_seals, x509
from forms.errors import FormError
from workstation.services import authority
from workstation.services.acceptance import Intake, accept
from workstation.services.documents import issue_pending, verify_file
from workstation.services.seals import SealVault, create_seal, list_seals, revoke_seal

from . import ses_support as x
from .cli_support import accept_sp, ok_json, run
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)

ORGAN = "西安市新城区行政审批服务局"


def entries(docx: bytes) -> dict[str, str]:
    return package.parse_container(package.read_parts(docx)[package.CONTAINER_PART])


def sm2_acceptance_seal(ws, admin) -> dict:
    """A new SM2 受理 seal, the one the counter then seals with: init's ECDSA one is
    revoked (created_at has whole seconds, so "the newest" could otherwise be a tie)."""
    for seal in list_seals(ws):
        if seal["category"] == "受理" and seal["algorithm"] == "ecdsa-p256" and seal["status"] == "active":
            revoke_seal(ws, admin, seal["id"], "换用 SM2 印章")
    return create_seal(ws, admin, name=f"{ORGAN}行政审批专用章", category="受理", algorithm="sm2")


def public_key_file(cert_der: bytes, folder: Path, name: str) -> x.Party:
    """An openssl public key file taken from a certificate by asn1crypto (no forms code)."""
    cert = asn1_x509.Certificate.load(cert_der)
    info: keys.PublicKeyInfo = cert["tbs_certificate"]["subject_public_key_info"]
    pub = folder / f"{name}.pub"
    pem = base64.encodebytes(info.dump()).decode()
    pub.write_text(f"-----BEGIN PUBLIC KEY-----\n{pem}-----END PUBLIC KEY-----\n")
    return x.Party(pub, pub, pub, cert_der, b"")


def test_own_authority_is_sm2_and_makes_the_seals_sesel(ws, admin):
    with ws.reading() as s:
        own = authority.trusted(s)
    assert x509.read_authority(own).algorithm == "sm2"
    ecdsa = [s for s in list_seals(ws) if s["algorithm"] == "ecdsa-p256"][0]
    made = sm2_acceptance_seal(ws, admin)
    cert = base64.b64decode(made["certificate"]["x509"])
    data = ses_seals.check_for_certificate(base64.b64decode(made["certificate"]["ses"]),
                                           certificate=cert, authority=own)
    assert data.maker_cert == own and data.signer_certs == (cert,) and data.es_id == made["id"]
    # an ECDSA seal is certified by the same SM2 authority, with no SESeal
    assert ecdsa["certificate"]["x509"] and "ses" not in ecdsa["certificate"]
    assert x509.verify_seal_certificate(base64.b64decode(ecdsa["certificate"]["x509"]),
                                        authority=own).seal_id == ecdsa["id"]


def test_acceptance_notice_carries_ses_that_openssl_verifies(ws, admin, clerk, enterprise, tmp_path):
    made = sm2_acceptance_seal(ws, admin)
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    docs = issue_pending(ws, clerk, result.receipt_no, SealVault())
    notice = next(d for d in docs if d["kind"] == "受理通知书")
    verdict = verify_file(ws, notice["path"])
    assert verdict.valid and verdict.ses and verdict.seal_id == made["id"], verdict.reason
    docx = Path(notice["path"]).read_bytes()
    props = entries(docx)
    # the second decoder, written from the standard's ASN.1, parses both structures
    der = base64.b64decode(props[ses_docx.PROP_SIGNATURE])
    parsed = x.SESSignature.load(der, strict=True)
    tbs = parsed["to_sign"]
    seal = x.Seal.load(base64.b64decode(props[ses_docx.PROP_SEAL]), strict=True)
    assert seal.dump() == tbs["eseal"].dump()
    info = tbs["eseal"]["e_seal_info"]
    assert info["es_id"].native == made["id"] and info["property"]["name"].native == made["name"]
    assert info["property"]["cert_list"][0].native == base64.b64decode(made["certificate"]["x509"])
    assert tbs["data_hash"].native == base64.urlsafe_b64decode(props["digest"] + "==")
    assert result.receipt_no in tbs["property_info"].native
    # openssl checks the signer's signature (key from the seal's certificate) and the
    # maker's (key from the terminal's own authority certificate)
    with ws.reading() as s:
        own = authority.trusted(s)
    assert tbs["eseal"]["cert"].native == own
    signer = public_key_file(parsed["cert"].native, tmp_path, "signer")
    maker = public_key_file(own, tmp_path, "maker")
    assert x.openssl_verifies(signer, tbs.dump(), parsed["signature"].native, tmp_path)
    assert x.openssl_verifies(maker, info.dump(), tbs["eseal"]["signed_value"].native, tmp_path)
    assert not x.openssl_verifies(maker, tbs.dump(), parsed["signature"].native, tmp_path)


def test_ecdsa_seal_documents_stay_as_they_were(ws, clerk, enterprise):
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    docs = issue_pending(ws, clerk, result.receipt_no, SealVault())
    verdict = verify_file(ws, docs[0]["path"])
    assert verdict.valid and not verdict.ses
    assert ses_docx.PROP_SIGNATURE not in entries(Path(docs[0]["path"]).read_bytes())


def test_sesel_of_another_certificate_is_refused(ws, admin):
    first, second = sm2_acceptance_seal(ws, admin), sm2_acceptance_seal(ws, admin)
    with ws.reading() as s:
        own = authority.trusted(s)
    cert = base64.b64decode(second["certificate"]["x509"])
    with pytest.raises(FormError, match="签章者证书不是该印章的证书"):
        ses_seals.check_for_certificate(base64.b64decode(first["certificate"]["ses"]),
                                        certificate=cert, authority=own)
    with pytest.raises(FormError, match="格式错误"):
        ses_seals.check_for_certificate(b"\x30\x03\x02\x01\x01", certificate=cert, authority=own)


# ---- the command line ---------------------------------------------------------------------------

def test_cli_verify_reports_ses_and_a_swapped_sesel_is_exit_3(files, capsys, tmp_path):
    init_seal = ok_json(capsys, "seal", "list")["seals"][0]
    assert init_seal["algorithm"] == "ecdsa-p256"
    ok_json(capsys, "seal", "revoke", init_seal["id"], "--reason", "换用 SM2 印章", "--user", "admin")
    made = ok_json(capsys, "seal", "create", "--user", "admin", "--name", f"{ORGAN}行政审批专用章",
                   "--category", "受理", "--algorithm", "sm2")
    out = accept_sp(capsys, files)
    path = next(d["path"] for d in out["documents"] if d["kind"] == "受理通知书")
    verdict = ok_json(capsys, "verify", path, "--json")
    assert verdict["valid"] and verdict["ses"] is True and verdict["seal_id"] == made["id"], (made, verdict)
    docx = Path(path).read_bytes()
    # Another SESeal of the same authority (another SM2 seal) put in the container.
    other = ok_json(capsys, "seal", "create", "--user", "admin", "--name", f"{ORGAN}行政审批专用章",
                    "--category", "受理", "--algorithm", "sm2")
    swapped = tmp_path / "swapped.docx"
    swapped.write_bytes(package.with_container_entries(
        docx, {ses_docx.PROP_SEAL: other["certificate"]["ses"]}))
    code, stdout, _ = run(capsys, "verify", swapped, "--json")
    answer = json.loads(stdout)
    assert code == 3 and answer["valid"] is False and answer["ses"] is False
    assert "GB/T 38540" in answer["reason"] and "不一致" in answer["reason"]
