"""One root of trust per district (issue 16, finding 1): the centre's authority on a real
PostgreSQL, two terminals, provisional documents, revocation, and the station's attack."""

import base64
import json
import re
import shutil
import sqlite3
from datetime import date

import httpx
import pytest

from forms import signing, x509
from workstation.config import Clock
from workstation.services.context import Workstation
from workstation.services.acceptance import Intake, accept
from workstation.services.auth import login
from workstation.services.documents import issue_pending, verify_file, verify_qr_text
from workstation.services.seals import SealVault, create_seal, revoke_seal
from workstation.services.sync.client import enroll, sync_once

from .conftest import KEYRING, PASSWORD, TODAY
from .helpers import snapshot
from .test_central_support import Central, cli, cli_json
from .pg import central_db_url, pg_server  # noqa: F401  (fixtures)

ORGAN = "西安市新城区行政审批服务局"


@pytest.fixture
def centre(central_db_url, tmp_path):
    secret = tmp_path / "authority-passphrase"
    secret.write_text("district-root-passphrase\n")
    made = cli_json(central_db_url, "authority", "init", "--organ", ORGAN, "--algorithm", "sm2",
                    "--passphrase-file", str(secret))
    assert made["algorithm"] == "sm2" and made["name"] == f"{ORGAN}电子印章根证书"
    server = Central(central_db_url, tmp_path / "files")
    server.extra_args = ["--authority-passphrase-file", str(secret)]
    server.start()
    server.secret = secret
    yield server
    server.stop()


def _second_ws(tmp_path, ws_template) -> Workstation:
    folder, secrets = ws_template
    target = tmp_path / "second"
    shutil.copytree(folder, target)
    for (service, name), secret in secrets.items():
        KEYRING.set_password(service, f"{target.resolve()}|{name}", secret)
    return Workstation(target, Clock(TODAY)).open()


def _enrol(ws, centre, station, terminal):
    from workstation.services.settings import write

    if terminal != "001":
        with ws.transaction() as s:      # a copy of the template: give it its own code
            write(s, {"terminal": terminal})
    code = centre.add_code_fast(station, terminal)
    return enroll(ws, login(ws, "admin", PASSWORD), centre.base.removesuffix("/api/v1"), code)


def _public_check(centre, qr: str) -> dict:
    return httpx.get(f"{centre.base}/verify", params={"qr": qr}).json()


def test_authority_init_is_once_and_needs_a_passphrase(centre, tmp_path):
    again = cli(centre.db_url, "authority", "init", "--organ", ORGAN, "--passphrase-file",
                str(centre.secret), check=False)
    assert again.returncode == 2 and "不能覆盖" in again.stderr
    shown = cli_json(centre.db_url, "authority", "show")
    assert shown["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    rows = centre.sql("SELECT key_blob FROM authority")
    assert rows[0][0][:4] == b"WSK1"           # the key only encrypted at rest


def test_authority_init_without_a_passphrase_is_refused(central_db_url, monkeypatch):
    monkeypatch.delenv("WORKSTATION_AUTHORITY_PASSPHRASE", raising=False)
    out = cli(central_db_url, "authority", "init", "--organ", ORGAN, check=False)
    assert out.returncode == 2 and "WORKSTATION_AUTHORITY_PASSPHRASE" in out.stderr


def test_finding_1_station_self_issued_certificate_and_forged_qr(centre, ws, admin):
    """Before: the station's self-issued "商事登记专用章" certificate was accepted and a
    forged 准予 QR verified at the centre and on a district terminal."""
    station = centre.enroll("S01", "002")
    private, public = signing.generate_keypair("ecdsa-p256")
    seal_id = "S-610102-001-2"       # the district's next id under the old numbering
    self_issued = {"version": 1, "seal_id": seal_id, "name": f"{ORGAN}商事登记专用章",
                   "category": "商事登记", "organ": ORGAN, "algorithm": "ecdsa-p256",
                   "public_key": signing.b64url(public), "valid_from": "2026-01-01",
                   "valid_to": "2030-12-31", "issuer_id": seal_id, "issuer_algorithm": "ecdsa-p256",
                   "signature": "x"}
    pushed = station.results([station.event("seal.create", {"seal_id": seal_id,
                                                             "certificate": self_issued})])
    assert pushed[0]["status"] == "conflict" and "不接受终端自己签发的证书" in pushed[0]["message"]

    def request(category, name):
        return base64.b64encode(x509.make_request(
            algorithm="ecdsa-p256", private=private, seal_id=seal_id, name=name, category=category,
            organ=ORGAN, terminal="002", picture_sha256="00" * 32)).decode()
    for category, name, why in (("商事登记", f"{ORGAN}商事登记专用章", "只能申请受理印章"),
                                ("受理", f"{ORGAN}商事登记专用章", "冒用审批决定印章"),
                                ("受理", "某某街道便民服务站受理章", "应以本区机关全称")):
        out = station.results([station.event("seal.create", {"seal_id": seal_id,
                                                             "request": request(category, name)})])
        assert out[0]["status"] == "conflict" and why in out[0]["message"], out
    payload = signing.make_qr_payload(
        document_no="新城审准字〔2026〕第00001号", receipt_no="610102202609300010001",
        digest=b"\x01" * 32, seal_id=seal_id, signature=signing.sign(
            "ecdsa-p256", private, signing.payload_signed_bytes(
                "新城审准字〔2026〕第00001号", "610102202609300010001", b"\x01" * 32, seal_id)))
    verdict = _public_check(centre, payload)
    assert verdict["valid"] is False and "未知印章" in verdict["reason"]
    # The district terminal pulls everything the centre has and still refuses it.
    _enrol(ws, centre, "district", "001")
    sync_once(ws)
    local = verify_qr_text(ws, payload)
    assert not local.valid and "未知印章" in local.reason
    # Even a seal row planted in its database (as the old pull did) needs the pinned chain.
    other_root_key, _ = signing.generate_keypair("ecdsa-p256")
    other_root = x509.make_authority(algorithm="ecdsa-p256", private=other_root_key, organ=ORGAN,
                                     valid_from=date(2026, 1, 1), valid_to=date(2040, 1, 1))
    planted = x509.issue(x509.read_request(base64.b64decode(request("受理", f"{ORGAN}受理专用章"))),
                         authority=other_root, authority_private=other_root_key,
                         valid_from=date(2026, 1, 1), valid_to=date(2030, 1, 1))
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("INSERT INTO seals (id, name, category, algorithm, public_key, certificate, "
                     "image_png, valid_from, valid_to, status, created_at, created_by) VALUES "
                     "(?, ?, '受理', 'ecdsa-p256', ?, ?, x'', '2026-01-01', '2030-01-01', 'active', "
                     "'2026-09-30 10:00:00', '(中心)')",
                     (seal_id, f"{ORGAN}商事登记专用章", public,
                      json.dumps({"x509": base64.b64encode(planted).decode(), "request": None})))
    local = verify_qr_text(ws, payload)
    assert not local.valid and "不是由本机认可的电子印章根证书" in local.reason


def test_random_seal_ids_leave_nothing_to_squat(ws, admin):
    first = create_seal(ws, admin, name=f"{ORGAN}商事登记专用章", category="商事登记", algorithm="sm2")
    second = create_seal(ws, admin, name=f"{ORGAN}社会民生专用章", category="社会民生", algorithm="sm2")
    assert re.fullmatch(r"[0-9a-f]{16}", first["id"]) and first["id"] != second["id"]


def test_provisional_then_certified_then_revoked_across_two_terminals(
        centre, ws, admin, clerk, enterprise, tmp_path, ws_template):
    district = ws
    assert _enrol(district, centre, "district", "001")["station"] == "district"
    # The own authority's certificate is dropped at enrolment: the 受理 seal awaits the centre's.
    result = accept(district, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    docs = issue_pending(district, clerk, result.receipt_no, SealVault())
    here = verify_file(district, docs[0]["path"])
    assert here.valid and here.provisional and "待中心签发证书" in here.reason
    qr = None
    with sqlite3.connect(district.db.path) as conn:
        seal_id = conn.execute("SELECT seal_id FROM documents WHERE seal_id IS NOT NULL").fetchone()[0]
    from forms import package
    props = package.parse_container(package.read_parts(open(docs[0]["path"], "rb").read())[
        package.CONTAINER_PART])
    here_qr = signing.make_qr_payload(
        document_no=props["document_no"], receipt_no=props["receipt_no"],
        digest=signing.unb64url(props["digest"]), seal_id=props["seal_id"],
        signature=signing.unb64url(props["signature"]))
    before = _public_check(centre, here_qr)
    assert before["valid"] is False and "未知印章" in before["reason"]    # provisional: here only

    sync_once(district)          # pushes the request; the centre issues; the pull brings it back
    now = verify_file(district, docs[0]["path"])
    assert now.valid and not now.provisional and now.authority == f"{ORGAN}电子印章根证书", now
    assert now.to_json()["authority"] == f"{ORGAN}电子印章根证书"
    assert _public_check(centre, here_qr)["valid"] is True

    station = _second_ws(tmp_path, ws_template)
    try:
        assert _enrol(station, centre, "S01", "002")["station"] == "S01"
        sync_once(station)
        there = verify_file(station, docs[0]["path"])
        assert there.valid and not there.provisional, there
        qr = verify_qr_text(station, here_qr)
        assert qr.valid and qr.authority == f"{ORGAN}电子印章根证书"

        revoke_seal(district, admin, seal_id, "印章遗失")
        sync_once(district)
        assert _public_check(centre, here_qr)["valid"] is False
        before = snapshot(station.db.path)
        assert verify_file(station, docs[0]["path"]).valid          # not synced yet
        assert snapshot(station.db.path) == before
        sync_once(station)
        after = verify_file(station, docs[0]["path"])
        assert not after.valid and "吊销" in after.reason
    finally:
        station.close()
    assert qr is not None


def test_before_enrolment_the_terminal_is_its_own_authority(ws, clerk, enterprise):
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    docs = issue_pending(ws, clerk, result.receipt_no, SealVault())
    verdict = verify_file(ws, docs[0]["path"])
    assert verdict.valid and not verdict.provisional
    assert verdict.authority == f"{ORGAN}电子印章根证书"
