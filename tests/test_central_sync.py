"""The central server under pressure, on PostgreSQL: the same batch posted by two
connections at once, two terminals deciding one case at once, number blocks
leased concurrently, a 20,000-matter catalog changed by one matter, a document QR
verified against the seals the centre knows, and the server killed with SIGKILL
in the middle of a batch."""

from __future__ import annotations

import copy
import json
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

from forms import signing
from forms.stamp import SealForSigning, stamp_and_sign

from .decision_support import decision_seal
from .helpers import together
from .test_central_support import (Central, acceptance, case_event, central_db_url,  # noqa: F401
                                   cli_json, pg_central, pg_server)
from .test_forms_templates import DOC_NO, base_context, seal_png

DATA = Path(__file__).parent / "data"


def test_the_same_batch_posted_twice_at_once_is_applied_once(pg_central):
    t = pg_central.enroll("S01", "001")
    other = httpx.Client(base_url=pg_central.base, timeout=60, headers=dict(t.client.headers))
    total_cases = 0
    for _ in range(6):
        batch = [t.event("acceptance.accepted", acceptance("S01", 2)) for _ in range(40)]
        total_cases += 80
        first, second = together(lambda batch=batch: t.push(batch), lambda batch=batch: other.post(
            "/events", json={"terminal": "001", "events": batch}))
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        for a, b in zip(first.json()["results"], second.json()["results"]):
            assert sorted([a["status"], b["status"]]) == ["applied", "duplicate"], (a, b)
    other.close()
    assert pg_central.sql("SELECT count(*) FROM events")[0][0] == 240
    assert pg_central.sql("SELECT count(*) FROM cases")[0][0] == total_cases
    assert pg_central.sql("SELECT count(*) FROM changes WHERE kind = 'case'")[0][0] == total_cases
    assert pg_central.sql("SELECT count(*) FROM conflicts")[0][0] == 0


def test_two_terminals_deciding_one_case_at_once(pg_central):
    one = pg_central.enroll("district", "001")
    two = pg_central.enroll("district", "002")
    accs = [acceptance("S01") for _ in range(30)]
    seal = decision_seal()
    assert set(one.statuses([one.event("seal.create", seal.create_payload(one.code))]
                            + [one.event("acceptance.accepted", a) for a in accs])) == {"applied"}
    # Each decision with its own sealed document (issue 16), uploaded before the race.
    approvals = [one.decide("case.approve", a["cases"][0]["id"], a["receipt_no"], seal) for a in accs]
    denials = [two.decide("case.deny", a["cases"][0]["id"], a["receipt_no"], seal) for a in reversed(accs)]
    a, d = together(lambda: one.results(approvals), lambda: two.results(denials))
    outcome = {}
    for ev, res in zip(approvals, a):
        outcome.setdefault(ev["payload"]["case_id"], []).append(("approved", res["status"]))
    for ev, res in zip(denials, d):
        outcome.setdefault(ev["payload"]["case_id"], []).append(("denied", res["status"]))
    final = dict(pg_central.sql("SELECT id, status FROM cases"))
    for case_id, pair in outcome.items():
        assert sorted(s for _, s in pair) == ["applied", "conflict"], pair
        winner = next(status for status, s in pair if s == "applied")
        assert final[case_id] == winner


def test_number_blocks_from_two_concurrent_clients_never_overlap(pg_central):
    clients = [pg_central.enroll("S01", "001"), pg_central.enroll("S02", "002")]

    def many(t):
        out = []
        for _ in range(8):
            r = t.client.post("/number-blocks", json={"authority": "新城审", "act": "许", "year": 2026,
                                                      "size": 10_000})
            assert r.status_code == 201, r.text
            out.append((r.json()["first"], r.json()["last"]))
        return out

    blocks = sorted(sum(together(*[lambda t=t: many(t) for t in clients]), []))
    assert len(blocks) == 16
    for (_, last), (first, _) in zip(blocks, blocks[1:]):
        assert first > last                                      # never overlapping
    for first, last in blocks:
        for terminal in range(1, 1000):                          # never in an offline range
            low, high = terminal * 100_000 + 1, terminal * 100_000 + 99_999
            assert last < low or first > high, (first, last, terminal)
    assert blocks[:10] == [(i * 10_000 + 1, (i + 1) * 10_000) for i in range(10)]
    assert blocks[10:] == [(n * 100_000, n * 100_000) for n in range(2, 8)]


def _catalog(n: int) -> dict:
    small = json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8"))
    base = small["matters"][0]
    matters = []
    for i in range(n):
        m = copy.deepcopy(base)
        m["code"], m["name"] = f"X-{i:05d}", f"{base['name']}（{i}）"
        matters.append(m)
    return {"version": "2026.1", "title": "测试目录", "matters": matters, "bundles": []}


def test_a_catalog_change_of_one_matter_among_20000_is_one_change(pg_central, tmp_path):
    from sync.central import publish_catalog
    from sync.central.db import CentralDB

    station = pg_central.enroll("S01", "001")
    catalog = _catalog(20_000)
    db = CentralDB(pg_central.db_url)
    try:
        first = db.write(publish_catalog, catalog, None)
        again = db.write(publish_catalog, catalog, None)
    finally:
        db.close()
    assert (first["added"], first["changed"], first["removed"]) == (20_000, 0, 0)
    assert (again["added"], again["changed"], again["unchanged"]) == (0, 0, 20_000)
    changes, cursor = station.pull_all()
    assert len(changes) == 20_001 and changes[-1]["kind"] == "catalog.version"
    assert changes[0]["kind"] == "catalog.matter" and changes[0]["data"]["version"] == "2026.1"

    catalog["version"] = "2026.2"
    catalog["matters"][12_345]["fee"] = "按件收费"
    del catalog["matters"][7]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    published = cli_json(pg_central.db_url, "catalog", "publish", str(path))
    assert (published["changed"], published["removed"], published["added"]) == (1, 1, 0)
    changes, _ = station.pull_all(cursor)
    assert [(c["kind"], c["key"]) for c in changes] == [
        ("catalog.matter", "X-12345"), ("catalog.removed", "X-00007"), ("catalog.version", "2026.2")]
    assert changes[0]["data"]["fee"] == "按件收费" and changes[0]["data"]["version"] == "2026.2"
    assert changes[2]["data"]["matters"] == 19_999


def test_verify_a_real_document_qr_against_the_centres_seals(central_db_url, tmp_path, monkeypatch):
    import base64
    import hashlib

    from forms import x509

    monkeypatch.setenv("WORKSTATION_AUTHORITY_PASSPHRASE", "district-root-passphrase")
    cli_json(central_db_url, "authority", "init", "--organ", "西安市新城区行政审批服务局")
    # The server is forked from a zygote started earlier, so it does not see this
    # test's environment: the passphrase goes by file, as an operator would give it.
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("district-root-passphrase")
    pg_central = Central(central_db_url, tmp_path / "files")
    pg_central.extra_args = ["--authority-passphrase-file", str(passphrase)]
    pg_central.start()
    try:
        _verify_qr_at_the_centre(pg_central, x509, base64, hashlib)
    finally:
        pg_central.stop()


def _verify_qr_at_the_centre(pg_central, x509, base64, hashlib):
    hall = pg_central.enroll("district", "001")
    station = pg_central.enroll("S01", "002")
    private, public = signing.generate_keypair("ecdsa-p256")
    seal_id = "0123456789abcdef"

    def request(name):
        return base64.b64encode(x509.make_request(
            algorithm="ecdsa-p256", private=private, seal_id=seal_id, name=name, category="受理",
            organ="西安市新城区行政审批服务局", terminal="001",
            picture_sha256=hashlib.sha256(seal_png()).hexdigest())).decode()
    signed = stamp_and_sign("受理通知书", base_context(),
                            seal=SealForSigning(seal_id, "ecdsa-p256", private, seal_png()),
                            document_no=DOC_NO, receipt_no="610102202609300010001",
                            signed_at=datetime(2026, 9, 30, 10, 15))
    verify = f"{pg_central.base}/verify"
    before = httpx.get(verify, params={"qr": signed.qr_payload}).json()
    assert before["valid"] is False and "未知印章" in before["reason"]

    forged = request("伪造的印章")
    assert hall.statuses([hall.event("seal.create", {"seal_id": seal_id, "request": forged})]) == ["conflict"]
    assert hall.statuses([hall.event("seal.create", {"seal_id": seal_id, "request": request(
        "西安市新城区行政审批服务局行政审批专用章")})]) == ["applied"]
    seen = station.pull()["changes"]
    assert [(c["kind"], c["key"], c["data"]["status"]) for c in seen] == [("seal.certificate", seal_id, "active")]

    verdict = httpx.get(verify, params={"qr": signed.qr_payload}).json()
    assert verdict["valid"] is True, verdict
    assert verdict["document_no"] == DOC_NO and verdict["seal_id"] == seal_id
    assert verdict["seal"].endswith("专用章") and verdict["receipt_no"] == "610102202609300010001"
    parts = signed.qr_payload.split("|")
    parts[1] = parts[1].replace("100001", "100002")                 # another number, same signature
    tampered = httpx.get(verify, params={"qr": "|".join(parts)}).json()
    assert tampered["valid"] is False and "签名无效" in tampered["reason"]
    r = httpx.get(verify, params={"qr": "https://example.com/x"})
    assert r.status_code == 400 and r.json()["error"] == "not_ours"
    assert httpx.get(verify).status_code == 400

    assert hall.statuses([hall.event("seal.revoke", {"seal_id": seal_id, "reason": "印章遗失"})]) == ["applied"]
    revoked = httpx.get(verify, params={"qr": signed.qr_payload}).json()
    assert revoked["valid"] is False and "吊销" in revoked["reason"]
    assert station.pull(seen[-1]["cursor"])["changes"][0]["data"]["status"] == "revoked"


def test_server_killed_mid_batch_then_resent_applies_everything_once(central_db_url, tmp_path):
    # The server exactly as deployed: `python -m sync.central.cli serve` (no zygote).
    server = Central(central_db_url, tmp_path / "files", exec=True).start()
    try:
        _killed_mid_batch(server)
    finally:
        server.stop()


def _killed_mid_batch(server):
    # The district hall's terminal: it accepts and reviews (a station may not review, issue 16).
    t = server.enroll("district", "001")
    batches, reviewed = [], set()
    for _ in range(16):
        batch = []
        for i in range(125):
            acc = acceptance("district")
            batch.append(t.event("acceptance.accepted", acc))
            if i % 2 == 0:
                case_id = acc["cases"][0]["id"]
                batch.append(t.event(*case_event("case.review", case_id)))
                reviewed.add(case_id)
        batches.append(batch)
    answered = []

    def sender():
        try:
            for batch in batches:
                r = t.push(batch)
                if r.status_code != 200:
                    return
                answered.append(r.json()["results"])
        except httpx.TransportError:
            return                     # the server died under us

    thread = threading.Thread(target=sender)
    thread.start()
    deadline = time.monotonic() + 60
    while len(answered) < 2 and time.monotonic() < deadline:
        time.sleep(0.002)
    server.kill()
    thread.join(60)
    done = len(answered)
    assert 2 <= done < len(batches), "the kill should land in the middle of the run"
    assert all(r["status"] == "applied" for results in answered for r in results)

    server.start()                 # same database, same port
    for number, batch in enumerate(batches):
        results = t.results(batch)
        statuses = {r["status"] for r in results}
        odd = [r for r in results if r["status"] not in ("applied", "duplicate")]
        assert not odd, (number, done, odd[:3], server.sql("SELECT reason, message FROM conflicts LIMIT 3"))
        if number < done:
            assert statuses == {"duplicate"}
    count = sum(len(b) for b in batches)
    assert server.sql("SELECT count(*), count(DISTINCT id) FROM events")[0] == (count, count)
    assert server.sql("SELECT count(*) FROM conflicts")[0][0] == 0
    statuses = dict(server.sql("SELECT id, status FROM cases"))
    assert len(statuses) == 16 * 125
    assert {k for k, v in statuses.items() if v == "reviewing"} == reviewed
    assert server.sql("SELECT count(*) FROM changes")[0][0] == count      # one per applied event
    versions = server.sql("SELECT max(version) FROM cases")[0][0]
    assert versions == 2
