"""The terminal against a real central server process on loopback, backed by a real
PostgreSQL: enrol, an offline day then sync, a lost acknowledgement resent, a
decision made at the centre coming back with its sealed document, conflicts."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from forms import signing, x509
from forms.seal_image import draw_round_seal
from forms.stamp import SealForSigning, stamp_and_sign
from workstation.services.sync.client import enroll, status, sync_once
from workstation.services.sync.http import Offline
from workstation.services.sync.outbox import canonical
from workstation.services.acceptance import Intake, accept
from workstation.services.auth import login
from workstation.services.case_clock import start_review
from workstation.services.cases import show
from workstation.services.conflicts import list_conflicts
from workstation.services.delivery import output_queue

from .conftest import PASSWORD


ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Centre:
    """The centre's server process; with ``log``, its output kept in that file as an
    operator runs it (else discarded)."""

    def __init__(self, db_url: str, files: Path, log: Path | None = None):
        self.db_url, self.files, self.port = db_url, files, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = log

    def cli(self, *argv) -> dict:
        out = subprocess.run([sys.executable, "-m", "sync.central.cli", *argv, "--db", self.db_url, "--json"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def start(self) -> None:
        if self.log is None:
            out = err = subprocess.DEVNULL
        else:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            out, err = self.log.open("ab"), subprocess.STDOUT
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.central.cli", "serve", "--db", self.db_url, "--port", str(self.port),
             "--files", str(self.files)], cwd=ROOT, stdout=out, stderr=err)
        if self.log is not None:
            out.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/v1/time", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the central server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None

    def cases(self) -> dict:
        return {c["id"]: c for c in self.cli("cases")["cases"]}


@pytest.fixture
def centre(central_db_url, tmp_path, monkeypatch):
    # The district's seal authority, its key unlocked by the passphrase in the environment.
    monkeypatch.setenv("WORKSTATION_AUTHORITY_PASSPHRASE", "district-root-passphrase")
    c = Centre(central_db_url, tmp_path / "central-files")
    c.cli("authority", "init", "--organ", "西安市新城区行政审批服务局")
    c.start()
    yield c
    c.stop()


@pytest.fixture
def enrolled(ws, admin, centre):
    code = centre.cli("terminal", "add", "--station", "district", "--terminal", "001")["code"]
    assert enroll(ws, admin, centre.url, code)["station"] == "district"
    return ws


def test_enrol_then_an_offline_day_then_sync(enrolled, centre, clerk, person):
    ws = enrolled
    first = sync_once(ws)                              # the 受理 seal's certificate from init
    assert first["pending"] == 0 and first["online"]
    centre.stop()                                      # the network goes down
    receipts = [accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).receipt_no
                for _ in range(5)]
    with pytest.raises(Offline, match="连不上中心服务器"):
        sync_once(ws)
    st = status(ws, user="clerk")
    assert st["pending"] == 5 and not st["online"] and "连不上" in st["last_error"]
    centre.start()                                     # the network is back
    out = sync_once(ws)
    assert out["pending"] == 0 and out["pushed"]["applied"] == 5 and out["online"]
    held = centre.cases()
    assert sorted(c["receipt_no"] for c in held.values()) == sorted(receipts)


def test_a_lost_acknowledgement_is_resent_and_applied_once(enrolled, centre, clerk, person):
    ws = enrolled
    accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    with sqlite3.connect(ws.db.path) as conn:
        sent = conn.execute("SELECT payload, id FROM outbox").fetchall()
    sync_once(ws)
    # The terminal died after the centre applied the batch but before it recorded the
    # acknowledgement: its outbox still holds the events as they were sent.
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("UPDATE outbox SET acked_at = NULL")
        conn.executemany("UPDATE outbox SET payload = ? WHERE id = ?", sent)
    out = sync_once(ws)
    assert out["pending"] == 0 and out["pushed"]["applied"] == 0 and out["pushed"]["duplicate"] >= 1
    assert len(centre.cases()) == 1


def _district_token(centre) -> str:
    code = centre.cli("terminal", "add", "--station", "district", "--terminal", "002")["code"]
    answer = httpx.post(centre.url + "/api/v1/enroll", json={"code": code, "terminal": "002", "device": "t"})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def _event(kind: str, payload: dict, seq: int) -> dict:
    body = canonical(payload)
    import hashlib

    return {"id": str(uuid.uuid4()), "seq": seq, "kind": kind, "payload": json.loads(body),
            "content_hash": hashlib.sha256(f"{kind}\n{body}".encode()).hexdigest(), "user": "chen",
            "created_at": datetime(2026, 9, 30, 15).isoformat()}


def test_a_decision_at_the_centre_comes_back_with_its_document(enrolled, centre, clerk, person):
    ws = enrolled
    case_id = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    sync_once(ws)
    # Another terminal of the district decides the case and seals the decision.
    import base64
    import hashlib

    private, public = signing.generate_keypair("ecdsa-p256")
    picture = draw_round_seal("西安市新城区行政审批服务局", center_text="行政审批专用章")
    request = base64.b64encode(x509.make_request(
        algorithm="ecdsa-p256", private=private, seal_id="5e415e41c0ffee09",
        name="西安市新城区行政审批服务局商事登记专用章", category="商事登记",
        organ="西安市新城区行政审批服务局", terminal="002",
        picture_sha256=hashlib.sha256(picture).hexdigest())).decode()
    seal = SealForSigning("5e415e41c0ffee09", "ecdsa-p256", private, picture)
    receipt = show(ws, clerk, case_id)["receipt_no"]
    signed = stamp_and_sign("准予行政许可决定书", {
        "organ": "西安市新城区行政审批服务局", "issue_date": "2026年9月30日", "case_no": receipt,
        "applicant_name": "张伟", "applicant_id_no": person["id_number"], "applicant_address": "西安",
        "legal_representative": "", "matter_name": "个体工商户设立登记", "legal_basis": "条例",
        "decision_content": "准予", "certificate_name": "营业执照", "received_date": "2026年9月30日",
        "reconsideration_organ": "本级人民政府", "court": "有管辖权的人民法院", "clerk": "陈审",
        "delivery_method": "窗口领取", "delivery_address": "本机关统一出件窗口", "contact_name": "张伟",
        "contact_phone": "13800138000", "accepted_date": "2026年9月30日"},
        seal=seal, document_no="新城审许字〔2026〕第200001号", receipt_no=receipt,
        signed_at=datetime(2026, 9, 30, 15))
    sha = hashlib.sha256(signed.docx).hexdigest()
    token = _district_token(centre)
    headers = {"Authorization": f"Bearer {token}"}
    put = httpx.put(f"{centre.url}/api/v1/files/{sha}", content=signed.docx, headers={
        **headers, "Upload-Offset": "0", "Upload-Length": str(len(signed.docx))})
    assert put.status_code in (200, 201), put.text
    document = {"kind": "准予行政许可决定书", "number": "新城审许字〔2026〕第200001号", "sha256": sha,
                "seal_id": seal.id, "digest": signed.digest.hex(), "signature": signed.signature.hex(),
                "path": "x.docx"}
    events = [_event("seal.create", {"seal_id": seal.id, "request": request}, 1),
              _event("case.approve", {"case_id": case_id, "status": "approved", "decided_on": "2026-09-30",
                                      "reason": None, "document": document}, 2)]
    answer = httpx.post(centre.url + "/api/v1/events", headers=headers,
                        json={"terminal": "002", "events": events})
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"], answer.text
    out = sync_once(ws)
    assert out["pulled"]["applied"] >= 1
    data = show(ws, clerk, case_id)
    assert data["cases"][0]["status"] == "approved"
    assert "准予行政许可决定书" in [d["kind"] for d in data["documents"]]
    assert case_id in [r.case_id for r in output_queue(ws, clerk)]      # ready to hand over
    local = next(Path(ws.data_dir) / p for p in _paths(ws, "准予行政许可决定书"))
    assert local.name == f"{sha}.docx"                # named by its content hash only
    assert local.read_bytes() == signed.docx
    from workstation.services.documents import verify_file

    verdict = verify_file(ws, local)                 # the district's seal came down too
    assert verdict.valid and verdict.seal_name.endswith("商事登记专用章"), verdict.reason


def _paths(ws, kind: str | None = None) -> list[str]:
    with sqlite3.connect(ws.db.path) as conn:
        return [r[0] for r in conn.execute("SELECT path FROM documents WHERE path IS NOT NULL "
                                           "AND kind = coalesce(?, kind)", (kind,))]


def test_an_action_refused_by_the_centre_becomes_a_conflict(enrolled, centre, clerk, person):
    ws = enrolled
    case_id = accept(ws, clerk, Intake(["T-SP"], {
        "kind": "enterprise", "name": "西安市新城区好味道餐饮有限公司", "credit_code": "91350100M000100Y43",
        "legal_rep": "李娜", "phone": "029-87654321"}, ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    sync_once(ws)
    token = _district_token(centre)
    from .decision_support import decision_seal, signed_decision, upload

    seal = decision_seal("商事登记")
    client = httpx.Client(base_url=centre.url + "/api/v1", headers={"Authorization": f"Bearer {token}"})
    data, document = signed_decision(seal, "case.deny", show(ws, clerk, case_id)["receipt_no"])
    upload(client, data)
    events = [_event("seal.create", seal.create_payload("002"), 1),
              _event("case.deny", {"case_id": case_id, "status": "denied", "decided_on": "2026-09-30",
                                   "reason": "现场核查不符", "document": document}, 2)]
    answer = client.post("/events", json={"terminal": "002", "events": events})
    client.close()
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"], answer.text
    start_review(ws, login(ws, "approver", PASSWORD), case_id)   # meanwhile, here, offline
    out = sync_once(ws)
    assert out["pending"] == 0 and out["conflicts"] >= 1
    conflicts = list_conflicts(ws, login(ws, "boss", PASSWORD))
    assert any(c["case_id"] == case_id for c in conflicts)
    assert os.environ.get("WORKSTATION_SYNC_TOKEN") is None     # the token stayed in the keyring


def test_enrol_and_sync_commands_with_bad_input(ws, centre, capsys, monkeypatch):
    from workstation.cli import main

    monkeypatch.setenv("WORKSTATION_DATA_DIR", str(ws.data_dir))
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKSTATION_TODAY", "2026-09-30")

    def run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = run("sync")
    assert code == 2 and "尚未登记" in err
    for server, code_text, fragment in [
        ("ftp://x", "AAAA", "http"), (centre.url, "", "登记码"), (centre.url, "X" * 100, "登记码"),
        (centre.url, "NOPE-NOPE-NOPE", "登记码无效"), (f"http://127.0.0.1:{_free_port()}", "AAAA", "连不上"),
    ]:
        code, _, err = run("enroll", "--server", server, "--code", code_text, "--user", "admin")
        assert code == 2 and fragment in err and "Traceback" not in err, (server, err)
    code, _, err = run("enroll", "--server", centre.url, "--code", "AAAA", "--user", "clerk")
    assert code == 2 and "权限" in err
    good = centre.cli("terminal", "add", "--station", "S01", "--terminal", "001")["code"]
    code, out, _ = run("enroll", "--server", centre.url, "--code", good, "--user", "admin", "--json")
    assert code == 0 and json.loads(out)["station"] == "S01"
    code, _, err = run("enroll", "--server", centre.url, "--code", good, "--user", "admin")
    assert code == 2 and "登记码" in err                         # a used code
    code, out, _ = run("sync", "--json")
    assert code == 0 and json.loads(out)["pending"] == 0
    code, out, _ = run("sync", "status", "--json")
    data = json.loads(out)
    assert code == 0 and data["enrolled"] and data["online"] and data["station"] == "S01"


def test_a_terminal_killed_mid_sync_loses_nothing_and_applies_nothing_twice(enrolled, centre, clerk, person):
    import signal

    ws = enrolled
    total = 1200                                       # three batches of 500 and a rest
    for _ in range(total):
        accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    from workstation.services.sync.client import TOKEN_ENV, token

    # The other process has no access to this test's in-memory keyring: the token goes
    # by the environment, as on a headless machine.
    env = dict(os.environ, WORKSTATION_DATA_DIR=str(ws.data_dir), WORKSTATION_TODAY="2026-09-30",
               **{TOKEN_ENV: token(ws)})
    proc = subprocess.Popen([sys.executable, "-m", "workstation.cli", "sync"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    acked = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(ws.db.path) as conn:
            acked = conn.execute("SELECT count(*) FROM outbox WHERE acked_at IS NOT NULL").fetchone()[0]
        if acked > 0:                                  # the first batch is in
            break
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read().decode()
    os.kill(proc.pid, signal.SIGKILL)                  # in the middle of the next batch
    proc.wait()
    assert 0 < acked < total + 1
    out = sync_once(ws)                                # the clerk's next sync
    assert out["pending"] == 0
    held = centre.cases()
    assert len(held) == total                          # every case there, none twice
    with sqlite3.connect(ws.db.path) as conn:
        assert conn.execute("SELECT count(*) FROM outbox WHERE acked_at IS NULL").fetchone()[0] == 0


def test_enrolment_without_a_keyring_keeps_the_code_unspent(ws, admin, centre, monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    from workstation.domain.errors import DomainError

    code = centre.cli("terminal", "add", "--station", "S01", "--terminal", "001")["code"]
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        with pytest.raises(DomainError, match="登记码仍然有效"):
            enroll(ws, admin, centre.url, code)
    finally:
        keyring.set_keyring(previous)
    assert enroll(ws, admin, centre.url, code)["station"] == "S01"     # the same code still works
