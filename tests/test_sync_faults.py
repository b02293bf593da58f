"""The terminal's sync through a network that drops connections, delays, resends
requests and cuts answers halfway (tests/fault_proxy.py), against a real central
server process on a real PostgreSQL: every event arrives exactly once, whatever
the network does, and the outbox empties only by the centre's acknowledgement."""

from __future__ import annotations

import json
import random
import sqlite3
import time

import pytest

from workstation.services.sync import http as sync_http
from workstation.services.sync.client import enroll, status, sync_once
from workstation.services.sync.http import Offline, Refused
from workstation.services.auth import login
from workstation.services.case_clock import start_review

from .accept_loop import one as accept_one
from .conftest import PASSWORD
from .fault_proxy import FAULTS, FaultProxy
from .test_central_support import Central

EVENTS = "/api/v1/events"
TOTAL = 10_000                 # outbox events carried through the faulty network
ACCEPTANCES = 7_000            # the rest of TOTAL are case.review events (and init's seal)
EARLY_REVIEWS = 1_000          # reviews made before the first push
BATCH = 250                    # events per push: more requests, so more of them meet a fault
# Rounds for the whole carry, faults and all: a bound on the loop, not a stopwatch (a
# loaded CI machine is slow, not wrong). A round pushes every waiting batch it can.
MAX_ROUNDS = 400


@pytest.fixture
def centre(central_db_url, tmp_path):
    server = Central(central_db_url, tmp_path / "central-files").start()
    yield server
    server.stop()


@pytest.fixture
def proxy(centre):
    p = FaultProxy(centre.port, seed=20261202, max_delay=0.15).start()
    yield p
    p.stop()


@pytest.fixture
def terminal(ws, admin, centre, proxy):
    """The test workstation enrolled at the district, its server address being the proxy
    (enrolled while the proxy is quiet: enrolment is not what is tested here)."""
    enroll(ws, admin, proxy.url, centre.add_code_fast("district", "001"))
    return ws


def _local(ws, sql: str, *params):
    with sqlite3.connect(ws.db.path) as conn:
        return conn.execute(sql, params).fetchall()


def _unacked(ws) -> int:
    return _local(ws, "SELECT count(*) FROM outbox WHERE acked_at IS NULL")[0][0]


def _centre_events(centre) -> list[tuple]:
    return centre.sql("SELECT id, seq, status FROM events WHERE terminal = '001'")


def _sync_until_empty(ws, budget: int = MAX_ROUNDS, *, stop_below: int = 0) -> dict:
    """Sync rounds as the background sync does them: an Offline or Refused round is
    noted and the next round tries again, until at most `stop_below` events wait."""
    rounds = {"ok": 0, "offline": 0, "refused": 0}
    while _unacked(ws) > stop_below:
        assert sum(rounds.values()) < budget, (
            f"outbox not empty after {budget} rounds: {_unacked(ws)} waiting, rounds {rounds}")
        try:
            sync_once(ws)
            rounds["ok"] += 1
        except Offline:
            rounds["offline"] += 1
        except Refused:
            rounds["refused"] += 1
    return rounds


def test_ten_thousand_events_through_a_faulty_network_arrive_exactly_once(terminal, centre, proxy, clerk,
                                                                          monkeypatch):
    import workstation.services.sync.client

    monkeypatch.setattr(workstation.services.sync.client, "BATCH", BATCH)
    ws = terminal
    started = time.monotonic()
    rng = random.Random(7)
    approver = login(ws, "approver", PASSWORD)
    # Real acceptances through the services (single cases, bundles of two, 补正
    # notices), and reviews of some of those cases before any of it is pushed.
    for n in range(ACCEPTANCES):
        accept_one(ws, clerk, rng, n)
    reviewable = [r[0] for r in _local(ws, "SELECT id FROM cases WHERE status = 'accepted' ORDER BY id")]
    rng.shuffle(reviewable)
    for case_id in reviewable[:EARLY_REVIEWS]:
        start_review(ws, approver, case_id)
    made = time.monotonic() - started

    proxy.set_rates(drop=0.12, delay=0.12, duplicate=0.15, cut=0.12, garble=0.03)
    # A whole round lost at the start (the centre unreachable three times running) and
    # a batch's answer lost three times over: both must end in Offline, and later in
    # a resend answered duplicate, not in anything applied twice.
    proxy.force("drop", 3)
    proxy.force("cut", 3, path=EVENTS)
    rounds = _sync_until_empty(ws)

    # The clerks went on working: reviews of cases already at the centre top the
    # outbox up to exactly TOTAL events, and they go through the same network.
    missing = TOTAL - _local(ws, "SELECT count(*) FROM outbox")[0][0]
    assert 0 < missing <= len(reviewable) - EARLY_REVIEWS
    for case_id in reviewable[EARLY_REVIEWS:EARLY_REVIEWS + missing]:
        start_review(ws, approver, case_id)
    assert _local(ws, "SELECT count(*) FROM outbox")[0][0] == TOTAL
    more = _sync_until_empty(ws, MAX_ROUNDS - sum(rounds.values()))
    for key, value in more.items():
        rounds[key] += value
    elapsed = time.monotonic() - started

    # Exactly once at the centre: every outbox id, once, in the terminal's sequence.
    local = {r[0]: r[1] for r in _local(ws, "SELECT id, seq FROM outbox")}
    held = _centre_events(centre)
    assert len(held) == TOTAL
    assert {r[0] for r in held} == set(local)
    assert sorted(r[1] for r in held) == list(range(1, TOTAL + 1))
    assert all(local[r[0]] == r[1] for r in held)
    assert {r[2] for r in held} == {"applied"}
    assert centre.sql("SELECT count(*) FROM conflicts")[0][0] == 0
    # Every case, in the state the terminal left it.
    local_cases = dict(_local(ws, "SELECT id, status FROM cases"))
    centre_cases = dict(centre.sql("SELECT id, status FROM cases"))
    assert centre_cases == local_cases
    assert sum(1 for s in centre_cases.values() if s == "reviewing") == EARLY_REVIEWS + missing
    assert (centre.sql("SELECT count(*) FROM acceptances")[0][0]
            == _local(ws, "SELECT count(*) FROM acceptances")[0][0] == ACCEPTANCES)
    # The terminal: everything acknowledged, nothing it must show a clerk.
    assert _unacked(ws) == 0
    st = status(ws)
    assert st["pending"] == 0 and st["conflicts"] == 0 and st["online"]
    assert _local(ws, "SELECT count(*) FROM conflicts")[0][0] == 0

    # The network really was that bad, and the centre never failed because of it.
    assert all(proxy.counts[f] >= 1 for f in FAULTS), proxy.counts
    assert proxy.by_path[("duplicate", EVENTS)] >= 1 and proxy.by_path[("cut", EVENTS)] >= 4, proxy.by_path
    assert rounds["offline"] >= 2 and rounds["ok"] >= 1, rounds
    assert not [code for code in proxy.upstream_status if code >= 500], proxy.upstream_status
    print(f"\n{TOTAL} events ({ACCEPTANCES} acceptances made in {made:.1f} s) carried in "
          f"{elapsed:.1f} s; rounds {rounds}; faults {dict(proxy.counts)}; "
          f"server answers {dict(proxy.upstream_status)}")


def test_an_events_answer_cut_halfway_acknowledges_nothing_and_the_resend_is_a_duplicate(
        terminal, centre, proxy, clerk):
    ws = terminal
    rng = random.Random(3)
    for n in range(40):
        accept_one(ws, clerk, rng, n)
    total = _unacked(ws)
    assert total == 41                                  # 40 acceptances and init's seal

    # Every attempt of the round loses the answer halfway: the centre has applied the
    # batch, the terminal knows nothing of it and must keep every event.
    proxy.force("cut", sync_http.ATTEMPTS, path=EVENTS, cut_at=0.5)
    with pytest.raises(Offline):
        sync_once(ws)
    assert proxy.by_path[("cut", EVENTS)] == sync_http.ATTEMPTS
    assert _unacked(ws) == total                        # not one event half-acknowledged
    assert len(_centre_events(centre)) == total         # ...though the centre has them all
    assert not status(ws)["online"]

    # The next round resends them all: the centre answers duplicate, applies nothing.
    out = sync_once(ws)
    assert out["pushed"]["applied"] == 0 and out["pushed"]["duplicate"] == total, out["pushed"]
    assert out["pending"] == 0 and out["conflicts"] == 0

    # One cut answer within a round: the client's own retry resends at once and the
    # round still ends with everything acknowledged (the resend is the duplicate).
    for n in range(40, 50):
        accept_one(ws, clerk, rng, n)
    proxy.force("cut", 1, path=EVENTS, cut_at=0.5)
    out = sync_once(ws)
    assert out["pushed"]["applied"] == 0 and out["pushed"]["duplicate"] == 10, out["pushed"]
    assert _unacked(ws) == 0

    held = _centre_events(centre)
    assert len(held) == total + 10 and len({r[0] for r in held}) == total + 10
    assert {r[2] for r in held} == {"applied"}
    assert centre.sql("SELECT count(*) FROM conflicts")[0][0] == 0
    assert dict(centre.sql("SELECT id, status FROM cases")) == dict(_local(ws, "SELECT id, status FROM cases"))


def test_garbage_that_arrives_whole_is_a_failed_round_never_an_acknowledgement(terminal, centre, proxy, clerk):
    ws = terminal
    rng = random.Random(11)
    for n in range(5):
        accept_one(ws, clerk, rng, n)
    total = _unacked(ws)
    ids = [r[0] for r in _local(ws, "SELECT id FROM outbox WHERE acked_at IS NULL ORDER BY seq")]
    # Answers to the batch that are well framed but not the protocol's: junk bytes,
    # JSON of the wrong shape, the right ids with a status that is not a word.
    for body in [None, b"[]", b'{"results": "applied"}', b'{"results": [1]}',
                 json.dumps({"results": [{"id": i, "status": ["applied"]} for i in ids]}).encode()]:
        proxy.force("garble", path=EVENTS, body=body)
        with pytest.raises(Offline):
            sync_once(ws)
        assert _unacked(ws) == total, body
    assert sync_once(ws)["pending"] == 0                # the centre had them: duplicates now

    # Pages of changes that are not changes: the round fails, nothing is applied, the
    # cursor stays where it was.
    case_id, status = _local(ws, "SELECT id, status FROM cases ORDER BY id LIMIT 1")[0]
    cursor = _local(ws, "SELECT value FROM sync_state WHERE key = 'cursor'")
    for changes in [["x"], [{"kind": "case"}], [{"kind": "case", "key": case_id, "data": [1]}],
                    [{"kind": "seal.certificate", "key": "S-1", "data": "x"}],
                    [{"kind": "case", "key": 5, "data": {"status": "approved"}}]]:
        body = json.dumps({"changes": changes, "cursor": 10 ** 6, "more": False}).encode()
        proxy.force("garble", path="/api/v1/changes", body=body)
        with pytest.raises(Offline):
            sync_once(ws)
        assert _local(ws, "SELECT value FROM sync_state WHERE key = 'cursor'") == cursor, changes
    assert status != "approved"      # so that the garbage's "approved" would show
    assert _local(ws, "SELECT status FROM cases WHERE id = ?", case_id)[0][0] == status
    assert _local(ws, "SELECT count(*) FROM conflicts")[0][0] == 0
    out = sync_once(ws)
    assert out["online"] and out["pending"] == 0 and out["conflicts"] == 0
    assert proxy.counts["garble"] == 10
    assert len(_centre_events(centre)) == total and centre.sql("SELECT count(*) FROM conflicts")[0][0] == 0
