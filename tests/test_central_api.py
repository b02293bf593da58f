"""The central server's protocol (sync/PROTOCOL.md) against a real server process,
on PostgreSQL and once more on SQLite: enrollment, tokens, pushing events (applied,
duplicate, conflict, retry), station walls, bad batches, files, changes, numbers."""

from __future__ import annotations

import hashlib
import json
import socket
import time
import uuid
from datetime import timedelta

import httpx

from .decision_support import decision_seal
from .test_central_support import (acceptance, case_event, central, central_db_url,  # noqa: F401
                                   cli_json, device_now, make_event, pg_server)

UNAUTHORIZED = "终端令牌无效或已吊销，请重新登记"


def _error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error", "message"} and body["message"], body
    return body


# --------------------------------------------------------------------------- enrollment, tokens

def test_time_and_openapi(central):
    r = httpx.get(f"{central.base}/time")
    assert r.status_code == 200 and r.json()["protocol"] == 1
    assert r.json()["server_time"].endswith("+08:00")
    spec = httpx.get(f"{central.base}/openapi.json").json()
    for path in ("/api/v1/events", "/api/v1/enroll", "/api/v1/changes", "/api/v1/files/{sha256}",
                 "/api/v1/number-blocks", "/api/v1/verify", "/api/v1/time"):
        assert path in spec["paths"], path
    assert "EventBatch" in spec["components"]["schemas"]
    _error(httpx.get(f"{central.base}/no-such-thing"), 404)


def test_enroll_good_reused_wrong_terminal_expired(central):
    code = central.add_code("S01", "001")
    url = f"{central.base}/enroll"
    # The wrong terminal is refused and does not burn the code.
    assert "002" in _error(httpx.post(url, json={"code": code, "terminal": "002"}), 422)["message"]
    r = httpx.post(url, json={"code": code.lower().replace("-", " "), "terminal": "001", "device": "窗口1"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["station"] == "S01" and body["terminal"] == "001" and body["region"] == "610102"
    assert len(body["token"]) >= 32 and body["server_time"] and body["last_seq"] == 0
    assert _error(httpx.post(url, json={"code": code, "terminal": "001"}), 409)["error"] == "code_used"
    _error(httpx.post(url, json={"code": "AAAA-BBBB-CCCC", "terminal": "001"}), 404)
    _error(httpx.post(url, content=b"not json"), 400)
    # Only the token's hash is stored.
    stored = central.sql("SELECT token_sha256 FROM terminals WHERE terminal = '001'")[0][0]
    assert stored == hashlib.sha256(body["token"].encode()).hexdigest()
    # Expired after 7 days.
    late = central.add_code("S01", "003")
    central.sql("UPDATE enrollment_codes SET expires_at = created_at - INTERVAL '1 second'"
                if central.db_url.startswith("postgresql") else
                "UPDATE enrollment_codes SET expires_at = '2000-01-01 00:00:00.000000'")
    assert _error(httpx.post(url, json={"code": late, "terminal": "003"}), 409)["error"] == "code_expired"


def test_wrong_and_revoked_tokens_get_401(central):
    t = central.enroll("S01", "001")
    assert t.pull()["changes"] == []
    for headers in ({}, {"Authorization": "Bearer " + "x" * 43}, {"Authorization": "Basic abc"},
                    {"Authorization": f"Bearer {t.token}x"}):
        r = httpx.get(f"{central.base}/changes", headers=headers)
        assert _error(r, 401)["message"] == UNAUTHORIZED
        r = httpx.post(f"{central.base}/events", headers=headers, json={"terminal": "001", "events": []})
        assert _error(r, 401)["message"] == UNAUTHORIZED
    # A second `terminal add` for the same terminal revokes the old token.
    central.add_code_fast("S01", "001")
    assert _error(t.client.get("/changes"), 401)["message"] == UNAUTHORIZED


# --------------------------------------------------------------------------- events

def test_push_applied_duplicate_and_same_id_other_hash(central):
    t = central.enroll("district", "001")
    acc = acceptance("S01")
    case_id = acc["cases"][0]["id"]
    batch = [t.event("acceptance.accepted", acc), t.event(*case_event("case.review", case_id))]
    assert t.statuses(batch) == ["applied", "applied"]
    assert t.statuses(batch) == ["duplicate", "duplicate"]
    # The same UUID with another content: a conflict, kept, never silently dropped.
    forged = make_event(2, *case_event("case.suspend", case_id, reason="听证"), event_id=batch[1]["id"])
    result = t.results([forged])[0]
    assert result["status"] == "conflict" and "不同的内容" in result["message"]
    assert t.results([forged])[0]["status"] == "conflict"            # again: still a conflict
    listed = cli_json(central.db_url, "conflicts")
    assert listed["count"] == 1                                      # recorded once
    item = listed["conflicts"][0]
    assert item["event_id"] == batch[1]["id"] and item["reason"] == "same_id"
    assert item["terminal"] == "001" and item["station"] == "district"
    cases = cli_json(central.db_url, "cases")["cases"]
    assert [(c["id"], c["status"], c["station"], c["applicant"]) for c in cases] == \
        [(case_id, "reviewing", "S01", "张伟")]


def test_seq_gap_is_retry_and_nothing_stored(central):
    t = central.enroll("district", "001")
    acc = acceptance("S01")
    e1 = t.event("acceptance.accepted", acc)
    e2 = t.event(*case_event("case.review", acc["cases"][0]["id"]))
    e3 = t.event(*case_event("case.suspend", acc["cases"][0]["id"], reason="检验"))
    assert t.statuses([e1]) == ["applied"]
    results = t.results([e3])
    assert results[0]["status"] == "retry" and "2" in results[0]["message"]
    assert t.statuses([e3, e2]) == ["retry", "applied"]              # order within a batch matters
    assert t.statuses([e2, e3]) == ["duplicate", "applied"]          # e3 was not stored before
    assert cli_json(central.db_url, "cases")["cases"][0]["status"] == "suspended"


def test_invalid_transition_is_a_conflict_and_changes_nothing(central):
    t = central.enroll("district", "001")
    acc = acceptance("S01")
    case_id = acc["cases"][0]["id"]
    seal = decision_seal()
    assert t.statuses([t.event("seal.create", seal.create_payload(t.code)), t.event("acceptance.accepted", acc),
                       t.decide("case.approve", case_id, acc["receipt_no"], seal)]) == ["applied"] * 3
    result = t.results([t.event(*case_event("case.deny", case_id))])[0]
    assert result["status"] == "conflict"
    assert "准予" in result["message"] and "不予许可" in result["message"]
    # Never a 500: a case the centre does not know, a payload without its case.
    assert t.statuses([t.event(*case_event("case.review", uuid.uuid4().hex)),
                       t.event("case.review", {"status": "reviewing"})]) == ["conflict", "conflict"]
    case = cli_json(central.db_url, "cases")["cases"][0]
    assert case["status"] == "approved" and case["decided_on"] == "2026-10-09"
    assert {c["reason"] for c in cli_json(central.db_url, "conflicts")["conflicts"]} == \
        {"transition", "unknown_case", "invalid"}


def test_another_stations_case_is_refused_whole(central):
    s01 = central.enroll("S01", "001")
    s02 = central.enroll("S02", "002")
    hall = central.enroll("district", "003")
    acc = acceptance("S01")
    case_id = acc["cases"][0]["id"]
    assert s01.statuses([s01.event("acceptance.accepted", acc)]) == ["applied"]
    message = _error(s02.push([s02.event("case.deliver", {"case_id": case_id, "method": "pickup"})]),
                     403)["message"]
    assert "站点 S01" in message and "无权" in message and "整批" in message
    # A station cannot accept on another station's behalf either …
    s02.seq = 0
    _error(s02.push([s02.event("acceptance.accepted", acceptance("S01"))]), 403)
    assert [(r["terminal"], r["reason"]) for r in cli_json(central.db_url, "refusals")["refusals"]] == \
        [("002", "station"), ("002", "station")]
    # … but the district hall reviews and decides every station's cases (委托受理).
    seal = decision_seal()
    assert hall.statuses([hall.event("seal.create", seal.create_payload(hall.code)),
                          hall.event(*case_event("case.review", case_id)),
                          hall.decide("case.approve", case_id, acc["receipt_no"], seal)]) == ["applied"] * 3
    assert cli_json(central.db_url, "cases")["cases"][0]["status"] == "approved"


def test_event_from_the_future_and_a_bad_hash_are_conflicts(central):
    t = central.enroll("S01", "001")
    future = t.event("acceptance.accepted", acceptance("S01"), created_at=device_now(timedelta(days=2)))
    soon = t.event("acceptance.accepted", acceptance("S01"), created_at=device_now(timedelta(hours=1)))
    bad = t.event("acceptance.accepted", acceptance("S01"))
    bad["payload"]["station"] = "S01 "          # changed after hashing
    results = t.results([future, soon, bad])
    assert [r["status"] for r in results] == ["conflict", "applied", "conflict"]
    assert "超前" in results[0]["message"] and "摘要" in results[2]["message"]
    assert len(cli_json(central.db_url, "cases")["cases"]) == 1
    # A conflict answered once is answered the same way when resent (the answer may have been lost).
    assert t.results([future])[0] == results[0]


def test_malformed_batches_are_refused_whole(central):
    t = central.enroll("S01", "001")
    good = t.event("acceptance.accepted", acceptance("S01"))
    post = t.client.post
    _error(post("/events", content=b"{\"terminal\": \"001\", \"events\": [",
                headers={"Content-Type": "application/json"}), 400)
    _error(post("/events", content=b"[1, 2]"), 400)
    _error(post("/events", content=b""), 400)
    _error(post("/events", json={"terminal": "001", "events": "x"}), 422)
    _error(post("/events", json={"terminal": "001"}), 422)
    _error(post("/events", json={"terminal": "002", "events": [good]}), 403)
    for broken in ({**good, "id": "not-a-uuid"}, {**good, "seq": 0}, {**good, "seq": True},
                   {**good, "payload": [1]}, {**good, "content_hash": "xyz"},
                   {**good, "created_at": "yesterday"}, {**good, "kind": ""}, "event"):
        message = _error(t.push([good, broken]), 422)["message"]
        assert "第2个事件" in message
    # Nothing of a refused batch was applied.
    assert t.statuses([good]) == ["applied"]
    assert t.push([]).json()["results"] == []


def test_too_many_events_are_refused_with_413_quickly(central):
    t = central.enroll("district", "001")
    small = [make_event(i, "note", {}) for i in range(1, 502)]            # 501 events, < 8 MiB
    assert _error(t.push(small), 413)["error"] == "too_large"
    # 100,000 events (about 20 MB): refused from the declared length, not parsed.
    text = json.dumps(make_event(1, "note", {"text": "x"}))
    body = ('{"terminal": "001", "events": [' + ",".join([text] * 100_000) + "]}").encode()
    started = time.monotonic()
    r = t.client.post("/events", content=body, headers={"Content-Type": "application/json"})
    assert time.monotonic() - started < 10
    _error(r, 413)

    # Without a Content-Length (chunked), the limit is enforced while reading.
    def chunks():
        for i in range(0, len(body), 1 << 20):
            yield body[i:i + (1 << 20)]
    _error(t.client.post("/events", content=chunks(), headers={"Content-Type": "application/json"}), 413)
    assert t.statuses([t.event("note", {})]) == ["applied"]               # the server is fine
    assert central.sql("SELECT count(*) FROM events")[0][0] == 1


# --------------------------------------------------------------------------- files

def _cut_upload(central, token: str, sha: str, data: bytes, sent: int) -> None:
    """A PUT announcing all of ``data`` whose connection is cut after ``sent`` bytes."""
    head = (f"PUT /api/v1/files/{sha} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nUpload-Offset: 0\r\nUpload-Length: {len(data)}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", central.port)) as s:
        s.sendall(head + data[:sent])
        time.sleep(0.3)
    # the server notices the cut and keeps what arrived


def test_files_resume_after_a_cut_and_check_the_hash(central):
    s01 = central.enroll("S01", "001")
    s02 = central.enroll("S02", "002")
    hall = central.enroll("district", "003")
    data = bytes(range(256)) * 4096 + b"tail"                   # ~1 MiB
    sha = hashlib.sha256(data).hexdigest()
    assert s01.client.head(f"/files/{sha}").status_code == 404
    _cut_upload(central, s01.token, sha, data, 300_000)
    deadline = time.monotonic() + 10
    while (r := s01.client.head(f"/files/{sha}")).status_code != 206 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert r.status_code == 206
    offset = int(r.headers["Upload-Offset"])
    assert 0 < offset <= 300_000
    # A wrong offset is refused and tells where to resume.
    wrong = s01.client.put(f"/files/{sha}", content=data[5:],
                           headers={"Upload-Offset": "5", "Upload-Length": str(len(data))})
    assert _error(wrong, 409) and wrong.headers["Upload-Offset"] == str(offset)
    # An event naming the file before it is complete waits (retry).
    acc = acceptance("S01")
    receipt = acc["receipt_no"]
    sign = {"receipt_no": receipt, "kind": "受理通知书", "number": acc["documents"][0]["number"],
            "seal_id": "S-610102-001-1", "digest": "ab" * 32, "signature": "cd" * 64,
            "path": "documents/x.docx", "sha256": sha}
    events = [s01.event("acceptance.accepted", acc), s01.event("document.sign", sign)]
    assert s01.statuses(events) == ["applied", "retry"]
    r = s01.client.put(f"/files/{sha}", content=data[offset:],
                       headers={"Upload-Offset": str(offset), "Upload-Length": str(len(data))})
    assert r.status_code == 201 and r.json()["complete"] is True, r.text
    head = s01.client.head(f"/files/{sha}")
    assert head.status_code == 200 and head.headers["Upload-Length"] == str(len(data))
    assert s01.statuses(events) == ["duplicate", "applied"]
    assert s01.client.get(f"/files/{sha}").content == data
    assert hall.client.get(f"/files/{sha}").content == data          # the district sees all
    # Another station does not, and cannot tell it from a file the centre lacks.
    unknown = "0" * 64
    assert _error(s02.client.get(f"/files/{sha}"), 404) == _error(s02.client.get(f"/files/{unknown}"), 404)
    assert s02.client.head(f"/files/{sha}").status_code == s02.client.head(f"/files/{unknown}").status_code == 404
    put = {"Upload-Offset": str(len(data)), "Upload-Length": str(len(data))}
    theirs, none = s02.client.put(f"/files/{sha}", content=b"", headers=put), \
        s02.client.put(f"/files/{unknown}", content=b"", headers=put)
    assert (theirs.status_code, theirs.json()) == (none.status_code, none.json()) and theirs.status_code == 409
    # Again, complete, by its own station: nothing to do.
    again = s01.client.put(f"/files/{sha}", content=b"", headers=put)
    assert again.status_code == 200 and again.json()["complete"] is True


def test_file_with_the_wrong_hash_is_discarded(central):
    t = central.enroll("S01", "001")
    data = b"scan of an ID card" * 1000
    claimed = hashlib.sha256(b"something else").hexdigest()
    r = t.client.put(f"/files/{claimed}", content=data,
                     headers={"Upload-Offset": "0", "Upload-Length": str(len(data))})
    assert _error(r, 422)["error"] == "hash_mismatch"
    assert t.client.head(f"/files/{claimed}").status_code == 404
    _error(t.client.put(f"/files/{claimed}", content=b"x",
                        headers={"Upload-Offset": "0", "Upload-Length": str(51 * 1024 * 1024)}), 413)
    _error(t.client.put("/files/not-a-hash", content=b"x",
                        headers={"Upload-Offset": "0", "Upload-Length": "1"}), 400)
    _error(t.client.put(f"/files/{claimed}", content=b"xy",
                        headers={"Upload-Offset": "0", "Upload-Length": "1"}), 400)


# --------------------------------------------------------------------------- changes, numbers

def test_changes_follow_station_visibility(central):
    a = central.enroll("S01", "001")
    b = central.enroll("S01", "002")
    c = central.enroll("S02", "003")
    hall = central.enroll("district", "004")
    acc1, acc2 = acceptance("S01", 2), acceptance("S02")
    assert a.statuses([a.event("acceptance.accepted", acc1)]) == ["applied"]
    assert c.statuses([c.event("acceptance.accepted", acc2)]) == ["applied"]
    case = acc1["cases"][0]["id"]
    seal = decision_seal()
    assert hall.statuses([hall.event("seal.create", seal.create_payload(hall.code))]) == ["applied"]
    review = hall.event(*case_event("case.review", case))
    approve = hall.decide("case.approve", case, acc1["receipt_no"], seal)
    assert hall.statuses([review, approve]) == ["applied", "applied"]

    def cases_seen(t):
        changes = [ch for ch in t.pull()["changes"] if ch["kind"] != "seal.certificate"]
        assert all(ch["kind"] == "case" for ch in changes)
        return [(ch["key"], ch["data"]["status"]) for ch in changes]

    created = [(x["id"], "accepted") for x in acc1["cases"]]
    assert cases_seen(b) == created + [(case, "reviewing"), (case, "approved")]
    assert cases_seen(a) == [(case, "reviewing"), (case, "approved")]      # not its own
    assert cases_seen(c) == []                                             # S02 sees nothing of S01
    assert cases_seen(hall) == created + [(acc2["cases"][0]["id"], "accepted")]
    last = a.pull()["changes"][-1]
    assert last["origin"]["terminal"] == "004" and last["origin"]["station"] == "district"
    assert last["data"]["document"]["number"] == approve["payload"]["document"]["number"]
    assert last["data"]["decided_on"] == "2026-10-09" and last["data"]["station"] == "S01"
    # The new case carries its acceptance for a terminal that never saw it.
    first = b.pull()["changes"][0]
    assert first["data"]["acceptance"]["receipt_no"] == acc1["receipt_no"]
    # Paging: cursor and more.
    page = b.pull(0, 1)
    assert len(page["changes"]) == 1 and page["more"] is True
    rest = b.pull(page["cursor"])
    assert rest["more"] is False and len(rest["changes"]) == 4          # with the seal's certificate
    assert b.pull(rest["cursor"]) == {"changes": [], "cursor": rest["cursor"], "more": False}
    _error(b.client.get("/changes", params={"since": "-1"}), 422)
    _error(b.client.get("/changes", params={"limit": "5000"}), 422)


def test_number_blocks_skip_offline_ranges(central):
    t = central.enroll("S01", "001")

    def lease(size, **kw):
        r = t.client.post("/number-blocks", json={"authority": "新城审", "act": "受", "year": 2026,
                                                  "size": size, **kw})
        assert r.status_code == 201, r.text
        return r.json()["first"], r.json()["last"]

    assert lease(1000) == (1, 1000)
    assert lease(1000, year=2027) == (1, 1000)                      # per year
    assert lease(1000, act="许") == (1, 1000)                       # per act
    for _ in range(9):
        lease(10_000)
    assert lease(10_000) == (91_001, 100_000)                       # cut where 001's range begins
    assert lease(10_000) == (200_000, 200_000)                      # between 001's and 002's ranges
    _error(t.client.post("/number-blocks", json={"authority": "新城审", "act": "受", "year": 2026,
                                                 "size": 10_001}), 422)
    _error(t.client.post("/number-blocks", json={"authority": "", "act": "受", "year": 2026}), 422)
    _error(t.client.post("/number-blocks", content=b"[]"), 400)
