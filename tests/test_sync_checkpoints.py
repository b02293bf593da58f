"""Issue 16, finding 5 at the centre: each sync sends the terminal's audit head as a
checkpoint signed with the key registered at enrolment; the centre keeps it and
refuses one that is replayed, goes backwards or forks; `audit verify` compares the
local chain with the last checkpoint the centre confirmed. A real centre process on
the private PostgreSQL."""

import sqlite3

import httpx

from workstation.services import audit, audit_key
from workstation.services.acceptance import Intake, accept
from workstation.services.sync.client import status, sync_once, token
from workstation.store import raw

from .test_sync_client import Centre, centre, enrolled  # noqa: F401  (fixtures)


def _verify(ws):
    with ws.reading() as s:
        return audit.verify(s)


def _head(ws):
    with ws.reading() as s:
        return audit.head(s)


def _signed(ws, seq, digest, at):
    with ws.reading() as s:
        cur = raw.cursor(s)
        return {"terminal": "001", "seq": seq, "hash": digest, "at": at,
                "signature": audit_key.sign_checkpoint(cur, audit.current_key(cur), "001", seq, digest, at)}


def _post(centre, ws, body):
    return httpx.post(centre.url + "/api/v1/checkpoints", json=body,
                      headers={"Authorization": f"Bearer {token(ws)}"})


def test_each_sync_checkpoints_the_head_and_verify_compares_with_it(enrolled, centre, clerk, person):
    ws = enrolled
    sync_once(ws)
    first = _head(ws)
    held = centre.cli("checkpoints", "--terminal", "001")["checkpoints"]
    assert [(c["seq"], c["hash"]) for c in held] == [first]
    report = _verify(ws)
    assert report.ok and report.checkpoint == first[0]
    sync_once(ws)                                       # nothing audited since: nothing new sent
    assert centre.cli("checkpoints")["count"] == 1
    accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    out = sync_once(ws)
    assert out["last_error"] is None
    second = _head(ws)
    assert second[0] > first[0]
    assert [c["seq"] for c in centre.cli("checkpoints")["checkpoints"]] == [first[0], second[0]]
    assert _verify(ws).checkpoint == second[0]


def test_the_centre_refuses_replayed_backwards_forked_and_forged_checkpoints(enrolled, centre, clerk,
                                                                             person):
    ws = enrolled
    accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    sync_once(ws)
    seq, digest = _head(ws)
    body = _signed(ws, seq, digest, "2026-09-30T23:59:00")     # the same head, later than the sync's
    first = _post(centre, ws, body)
    assert first.status_code == 201, first.text
    for bad, status_code, code, fragment in [
        (body, 409, "checkpoint_replayed", "重放"),
        (_signed(ws, seq - 1, digest, "2026-09-30T23:59:30"), 409, "checkpoint_backwards", "倒退"),
        (_signed(ws, seq, "0" * 64, "2026-09-30T23:59:30"), 409, "checkpoint_fork", "改写"),
        (dict(_signed(ws, seq + 5, digest, "2026-09-30T23:59:30"), seq=seq + 6), 422, "bad_signature", "签名无效"),
        (dict(body, terminal="002"), 403, "forbidden", "其他终端"),
        (dict(body, hash="xyz"), 422, "invalid", "hash"),
    ]:
        answer = _post(centre, ws, bad)
        assert (answer.status_code, answer.json()["error"]) == (status_code, code), answer.text
        assert fragment in answer.json()["message"]
    assert centre.cli("checkpoints")["count"] == 2     # the sync's and the first one posted here


def test_a_restored_older_log_is_caught_locally_and_at_the_centre(enrolled, centre, clerk, person, tmp_path):
    """An attacker puts back an older copy of the audit log (a valid chain, valid head
    MAC, just shorter) after the centre confirmed a later head."""
    ws = enrolled
    sync_once(ws)
    backup = tmp_path / "old.sqlite3"
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("VACUUM INTO ?", (str(backup),))
    conn.close()
    for _ in range(2):
        accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    sync_once(ws)
    confirmed = _head(ws)
    restore = ["DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log",
               "INSERT INTO audit_log SELECT * FROM old.audit_log",
               "DELETE FROM settings WHERE key LIKE 'audit_head%'",
               "INSERT INTO settings SELECT * FROM old.settings WHERE key LIKE 'audit_head%'"]
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("ATTACH DATABASE ? AS old", (str(backup),))
        for statement in restore:
            conn.execute(statement)
    conn.close()
    report = _verify(ws)
    assert not report.ok and "少于中心已确认的检查点" in report.problem
    assert f"第{confirmed[0]}条" in report.problem
    # Removing the terminal's record of the confirmation too passes locally, but the
    # centre will not take the older head.
    with sqlite3.connect(ws.db.path) as conn:
        conn.execute("DELETE FROM sync_state WHERE key = ?", (audit.CONFIRMED_KEY,))
    conn.close()
    accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    assert _verify(ws).ok and _head(ws)[0] < confirmed[0]
    sync_once(ws)
    st = status(ws)
    assert "审计检查点未被中心接受" in st["last_error"] and "倒退" in st["last_error"]
    assert centre.cli("checkpoints")["checkpoints"][-1]["seq"] == confirmed[0]


def test_a_terminal_enrolled_without_a_key_is_told_to_enrol_again(enrolled, centre):
    ws = enrolled
    code = centre.cli("terminal", "add", "--station", "district", "--terminal", "002")["code"]
    answer = httpx.post(centre.url + "/api/v1/enroll", json={"code": code, "terminal": "002"})
    assert answer.status_code == 201, answer.text
    body = dict(_signed(ws, 1, "a" * 64, "2026-09-30T09:00:00"), terminal="002")
    refused = httpx.post(centre.url + "/api/v1/checkpoints", json=body,
                         headers={"Authorization": f"Bearer {answer.json()['token']}"})
    assert refused.status_code == 409 and refused.json()["error"] == "no_checkpoint_key"
    assert "重新登记" in refused.json()["message"]
    code = centre.cli("terminal", "add", "--station", "district", "--terminal", "003")["code"]
    bad = httpx.post(centre.url + "/api/v1/enroll", json={
        "code": code, "terminal": "003", "checkpoint_key": {"algorithm": "ecdsa-p256", "public_key": "AAAA"}})
    assert bad.status_code == 422 and "公钥无效" in bad.json()["message"]
    assert centre.cli("checkpoints")["count"] == 0
