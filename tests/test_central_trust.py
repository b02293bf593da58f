"""Issue 16, findings 2 and 9 at the centre: what a terminal's token may say, a
decision only with its sealed document, files per station, strict numbers. Each test
is the attack as it was tried."""

from __future__ import annotations

import hashlib
import json

import httpx

from .decision_support import decision_seal, signed_decision, upload
from .test_central_support import (acceptance, case_event, central, central_db_url,  # noqa: F401
                                   cli_json, make_event, pg_server)


def _refused(r: httpx.Response) -> str:
    assert r.status_code == 403, (r.status_code, r.text)
    assert r.json()["error"] == "forbidden"
    return r.json()["message"]


def _stored(central) -> tuple[int, int, int]:
    return tuple(central.sql(f"SELECT count(*) FROM {table}")[0][0]
                 for table in ("events", "cases", "conflicts"))


def test_a_station_token_cannot_decide_and_nothing_of_its_batch_is_stored(central):
    station = central.enroll("S01", "001")
    acc = acceptance("S01")
    case_id = acc["cases"][0]["id"]
    seal = decision_seal()
    # Finding 2: a station pushed case.approve naming any user, and the centre applied it.
    message = _refused(station.push([station.event("acceptance.accepted", acc),
                                     station.event(*case_event("case.approve", case_id), user="chen")]))
    assert "第2个事件" in message and "无权作出审批决定" in message
    # Nor with a document, nor decided on the spot, nor a decision document signed, nor a review.
    station.seq = 0
    attempts = [
        [station.event("seal.create", seal.create_payload(station.code)), station.decide("case.approve", case_id,
                                                                             acc["receipt_no"], seal)],
        [station.event("acceptance.accepted", acceptance("S01", status="approved"))],
        [station.event("document.sign", {"receipt_no": acc["receipt_no"], "kind": "准予行政许可决定书",
                                         "number": "N-1"})],
        [station.event(*case_event("case.review", case_id))],
        [station.event("case.deny", {"case_id": case_id})],
    ]
    for batch in attempts:
        station.seq = 0
        _refused(station.push(batch))
    assert _stored(central) == (0, 0, 0)
    refusals = cli_json(central.db_url, "refusals")["refusals"]
    assert [(r["terminal"], r["station"], r["reason"]) for r in refusals] == [
        ("001", "S01", "decision"), ("001", "S01", "decision"), ("001", "S01", "decision"),
        ("001", "S01", "decision"), ("001", "S01", "kind"), ("001", "S01", "decision")]
    assert refusals[0]["user"] == "chen" and refusals[0]["kind"] == "case.approve" and refusals[0]["events"] == 2
    # What a station may do still goes through.
    station.seq = 0
    assert station.statuses([station.event("acceptance.accepted", acc)]) == ["applied"]


def test_a_batch_naming_another_terminal_or_station_is_refused_whole(central):
    s01 = central.enroll("S01", "001")
    hall = central.enroll("district", "002")
    good = s01.event("acceptance.accepted", acceptance("S01"))
    assert "不符" in _refused(s01.client.post("/events", json={"terminal": "002", "events": [good]}))
    for payload in (acceptance("S01", terminal="002"), acceptance("S02"), acceptance("district")):
        s01.seq = 0
        _refused(s01.push([s01.event("acceptance.accepted", acceptance("S01")),
                           s01.event("acceptance.accepted", payload)]))
    # The district too cannot speak for another terminal.
    _refused(hall.push([hall.event("acceptance.accepted", acceptance("S01", terminal="001"))]))
    assert _stored(central) == (0, 0, 0)
    reasons = [(r["terminal"], r["reason"]) for r in cli_json(central.db_url, "refusals")["refusals"]]
    assert reasons == [("001", "terminal"), ("001", "terminal"), ("001", "station"), ("001", "station"),
                       ("002", "terminal")]


def test_a_decision_is_applied_only_with_its_sealed_verifying_document(central, tmp_path):
    hall = central.enroll("district", "001")
    acc = acceptance("S01", 2)
    one, two = (c["id"] for c in acc["cases"])
    seal, counter = decision_seal("商事登记"), decision_seal("受理")
    assert hall.statuses([hall.event("seal.create", seal.create_payload(hall.code)),
                          hall.event("seal.create", counter.create_payload(hall.code)),
                          hall.event("acceptance.accepted", acc)]) == ["applied"] * 3

    def attempt(document, user="chen") -> str:
        result = hall.results([hall.event(*case_event("case.approve", one, document=document), user=user)])[0]
        assert result["status"] == "conflict", result
        return result["message"]

    assert "没有附上" in attempt("新城审许字〔2026〕第00007号")            # a bare number
    assert "没有附上" in attempt(None)
    # The 受理 seal is not a decision seal.
    data, doc = signed_decision(counter, "case.approve", acc["receipt_no"])
    upload(hall.client, data)
    assert "不是审批决定用章" in attempt(doc)
    # A document of another case (another receipt number).
    data, doc = signed_decision(seal, "case.approve", "610102202601010019999")
    upload(hall.client, data)
    assert "不符" in attempt(doc)
    # The wrong kind of document, and a 不予 document for an approval.
    data, doc = signed_decision(seal, "case.approve", acc["receipt_no"], kind="受理通知书")
    upload(hall.client, data)
    assert "应为准予行政许可决定书" in attempt(doc)
    # A file whose signature does not verify (its text changed after signing).
    from forms.docx_tools import open_docx, save_docx

    data, doc = signed_decision(seal, "case.approve", acc["receipt_no"])
    tampered_doc = open_docx(data)
    tampered_doc.paragraphs[0].add_run("（改）")
    tampered = save_docx(tampered_doc)
    sha = upload(hall.client, tampered)
    assert "签章无效" in attempt({**doc, "sha256": sha})
    # A seal the centre does not know.
    stranger = decision_seal()
    data, doc = signed_decision(stranger, "case.approve", acc["receipt_no"])
    upload(hall.client, data)
    assert "签章无效" in attempt(doc)
    case = {c["id"]: c for c in cli_json(central.db_url, "cases")["cases"]}[one]
    assert case["status"] == "accepted" and case["decided_on"] is None
    # Users published at the centre: the user named must be one of its approvers.
    (tmp_path / "users.json").write_text(json.dumps([{"login": "chen", "name": "陈审", "role": "approver"},
                                                     {"login": "wang", "name": "王敏", "role": "clerk"}]),
                                         encoding="utf-8")
    cli_json(central.db_url, "users", "publish", str(tmp_path / "users.json"))
    data, doc = signed_decision(seal, "case.approve", acc["receipt_no"])
    upload(hall.client, data)
    assert "审批员" in attempt(doc, user="wang")
    assert "审批员" in attempt(doc, user="nobody")
    # The real thing.
    results = hall.results([hall.event(*case_event("case.approve", one, document=doc), user="chen"),
                            hall.decide("case.deny", two, acc["receipt_no"], seal, reason="不符", user="chen")])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    held = {c["id"]: c["status"] for c in cli_json(central.db_url, "cases")["cases"]}
    assert held == {one: "approved", two: "denied"}


def _plant_certificate(central, seal_id: str, certificate: dict, status: str) -> None:
    """What a tampered or older centre database might hold for a seal."""
    from sync.central.db import CentralDB
    from sync.central.models import SealRecord

    db = CentralDB(central.db_url).open()
    try:
        def plant(s):
            row = s.get(SealRecord, seal_id)
            row.certificate, row.status = certificate, status
        db.write(plant)
    finally:
        db.close()


def test_a_decision_seal_counts_only_through_the_centres_x509_chain(central):
    """The decision's seal is judged as the public check judges it: its certificate
    issued by this centre's authority, not revoked, and the picture on the page the one
    the certificate binds. Before, the centre trusted the seal row's key and status."""
    import base64
    import dataclasses
    from datetime import date

    from forms import signing, x509

    from .test_forms_templates import seal_png

    hall = central.enroll("district", "001")
    acc = acceptance("S01", 2)
    one, two = (c["id"] for c in acc["cases"])
    forged, pictured, revoked, waiting, good = (decision_seal() for _ in range(5))
    assert hall.statuses([hall.event("seal.create", s.create_payload(hall.code))
                          for s in (forged, pictured, revoked, waiting, good)]
                         + [hall.event("acceptance.accepted", acc)]) == ["applied"] * 6

    def attempt(seal, seal_for_signing=None) -> str:
        signer = dataclasses.replace(seal, seal=seal_for_signing) if seal_for_signing else seal
        data, doc = signed_decision(signer, "case.approve", acc["receipt_no"])
        upload(hall.client, data)
        result = hall.results([hall.event(*case_event("case.approve", one, document=doc), user="chen")])[0]
        assert result["status"] == "conflict", result
        return result["message"]

    # A certificate for the same request, from another authority of the same name.
    other_key, _ = signing.generate_keypair("ecdsa-p256")
    other_root = x509.make_authority(algorithm="ecdsa-p256", private=other_key, organ="西安市新城区行政审批服务局",
                                     valid_from=date(2026, 1, 1), valid_to=date(2046, 1, 1))
    request = forged.request(hall.code)
    foreign = x509.issue(x509.read_request(base64.b64decode(request)), authority=other_root,
                         authority_private=other_key, valid_from=date(2026, 1, 1), valid_to=date(2031, 1, 1))
    _plant_certificate(central, forged.id, {"request": request, "x509": base64.b64encode(foreign).decode()},
                       "active")
    assert "不是由本机认可的电子印章根证书" in attempt(forged)
    # The seal's own key, but another picture drawn on the page than its certificate binds.
    blue = dataclasses.replace(pictured.seal, image_png=seal_png((0, 0, 220, 255)))
    assert "印章证书登记的图片不符" in attempt(pictured, blue)
    # Revoked at the centre.
    assert hall.statuses([hall.event("seal.revoke", {"seal_id": revoked.id, "reason": "遗失"})]) == ["applied"]
    assert "已吊销" in attempt(revoked)
    # A request the centre has not certified (kept while its authority was locked).
    _plant_certificate(central, waiting.id, {"request": waiting.request(hall.code)}, "pending")
    assert "尚未由中心签发" in attempt(waiting)
    assert {c["id"]: c for c in cli_json(central.db_url, "cases")["cases"]}[one]["status"] == "accepted"
    # The seal the authority certified, with its own picture.
    assert hall.statuses([hall.decide("case.approve", one, acc["receipt_no"], good),
                          hall.decide("case.deny", two, acc["receipt_no"], good, reason="不符")]) \
        == ["applied", "applied"]


def test_a_station_cannot_reach_another_stations_file_by_naming_its_hash(central):
    s01 = central.enroll("S01", "001")
    s02 = central.enroll("S02", "002")
    secret = b"S02's scan of an ID card" * 100
    sha = upload(s02.client, secret)
    theirs = acceptance("S02")
    assert s02.statuses([s02.event("acceptance.accepted", theirs),
                         s02.event("document.sign", {"receipt_no": theirs["receipt_no"], "kind": "受理通知书",
                                                     "number": theirs["documents"][0]["number"],
                                                     "sha256": sha})]) == ["applied", "applied"]
    mine = acceptance("S01")
    sign = {"receipt_no": mine["receipt_no"], "kind": "受理通知书", "number": mine["documents"][0]["number"],
            "sha256": sha}
    message = _refused(s01.push([s01.event("acceptance.accepted", mine), s01.event("document.sign", sign)]))
    assert "不是本终端" in message
    s01.seq = 0
    _refused(s01.push([s01.event("acceptance.accepted", mine),
                       s01.event("material.pages", {"case_id": mine["cases"][0]["id"], "material": "M01",
                                                    "pages": [{"sha256": sha}]})]))
    assert s01.client.get(f"/files/{sha}").status_code == 404
    assert s01.client.head(f"/files/{sha}").status_code == 404
    assert central.sql("SELECT count(*) FROM documents WHERE station = 'S01'")[0][0] == 0


def test_numbers_and_hashes_are_parsed_strictly(central):
    t = central.enroll("S01", "001")
    data = b"a file"
    sha = hashlib.sha256(data).hexdigest()
    for params in ({"since": "²"}, {"limit": "²"}, {"since": "١٢"}, {"limit": " 5"}, {"since": "9" * 40}):
        r = t.client.get("/changes", params=params)
        assert r.status_code == 422 and "整数" in r.json()["message"], (params, r.text)
    for headers in ({"Upload-Offset": "0", "Upload-Length": "²".encode()},
                    {"Upload-Offset": "²".encode(), "Upload-Length": "6"},
                    {"Upload-Offset": "0", "Upload-Length": "-6"}, {"Upload-Offset": "0", "Upload-Length": "6.0"}):
        r = t.client.put(f"/files/{sha}", content=data, headers=headers)
        assert r.status_code == 400 and "整数" in r.json()["message"], (headers, r.text)
    # A hash with a trailing newline: refused, not a 500 nor a file name with a newline.
    for path in (f"/files/{sha}%0A", f"/files/{sha}%0a"):
        assert t.client.put(path, content=data, headers={"Upload-Offset": "0", "Upload-Length": "6"}) \
            .status_code == 400
        assert t.client.get(path).status_code == 400
        assert t.client.head(path).status_code == 400
    event = t.event("acceptance.accepted", acceptance("S01"))
    event["content_hash"] += "\n"
    assert t.push([event]).status_code == 422
    assert not list(central.files.rglob("*\n*"))
