"""The centre as several worker processes on one PostgreSQL (``serve --workers N``):
terminals pushing at once, each batch sent twice at the same moment and racing the
batch after it, must end with every event applied once, in its terminal's order;
a batch that follows one still being settled waits for it instead of being sent
back; bad ``--workers`` values and SQLite with several workers are refused."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from sync.central.apply import process_batch
from sync.central.batch import parse_batch
from sync.central.db import CentralDB
from sync.central.terminals import Caller

from .helpers import together
from .test_central_support import Central, acceptance, case_event, make_event, run_main
from .test_central_support import central_db_url, pg_server  # noqa: F401  (fixtures)

TERMINALS = 6
CASES = 3            # per terminal
CYCLES = 6           # suspend/resume pairs per case, after its review
BATCH = 5


@pytest.mark.parametrize("value", ["0", "-1", "x", "1000", "2.5", ""])
def test_bad_worker_counts_are_refused(value, tmp_path):
    code, out, err = run_main("serve", "--db", f"sqlite:///{tmp_path / 'c.sqlite3'}", "--port", "8080",
                              "--workers", value)
    assert code == 2 and out == ""
    assert "--workers 应为 1 至 16 之间的整数" in err, err
    assert not (tmp_path / "c.sqlite3").exists()       # refused before the database is touched


def test_sqlite_with_several_workers_is_refused(tmp_path):
    code, _, err = run_main("serve", "--db", f"sqlite:///{tmp_path / 'c.sqlite3'}", "--port", "8080",
                            "--workers", "2")
    assert code == 2
    assert "SQLite 数据库不能由 2 个工作进程同时写入" in err and "PostgreSQL" in err, err
    assert not (tmp_path / "c.sqlite3").exists()


def _stream(t) -> tuple[list[dict], dict[str, list[str]]]:
    """A terminal's events in seq order: acceptances, then per case review and
    suspend/resume cycles, interleaved so that every batch depends on the one before."""
    accs = [acceptance(t.station) for _ in range(CASES)]
    events = [t.event("acceptance.accepted", a) for a in accs]
    kinds = {a["cases"][0]["id"]: ["acceptance.accepted"] for a in accs}
    steps = ["case.review"] + ["case.suspend", "case.resume"] * CYCLES
    for step in steps:
        for case_id, so_far in kinds.items():
            events.append(t.event(*case_event(step, case_id)))
            so_far.append(step)
    return events, kinds


def test_two_workers_apply_every_terminals_events_once_in_order(central_db_url, tmp_path):
    server = Central(central_db_url, tmp_path / "files", exec=True, workers=2).start()
    try:
        # The district hall's terminals: their streams review, suspend and resume, which a
        # station may not (issue 16), and each step depends on the one before.
        terminals = [server.enroll("district", f"{n:03d}") for n in range(1, TERMINALS + 1)]
        streams = {t.code: _stream(t) for t in terminals}
        seen: dict[str, Counter] = {t.code: Counter() for t in terminals}    # (event id, status) → times
        failures: list[str] = []

        def run(t):
            events = streams[t.code][0]
            batches = [events[i:i + BATCH] for i in range(0, len(events), BATCH)]
            # A second connection, as a retry on a fresh connection would use.
            other = httpx.Client(base_url=server.base, timeout=120, headers=dict(t.client.headers))
            try:
                for k, batch in enumerate(batches):
                    # The batch twice at once (a retry racing its original), and at the
                    # same moment the batch with the next one behind it.
                    longer = batch + (batches[k + 1] if k + 1 < len(batches) else [])
                    for _ in range(50):
                        answers = together(
                            lambda batch=batch: t.push(batch),
                            lambda batch=batch: other.post("/events", json={"terminal": t.code, "events": batch}),
                            lambda longer=longer: t.push(longer))
                        done = set()
                        for r in answers:
                            if r.status_code != 200:
                                failures.append(f"{t.code}: {r.status_code} {r.text[:200]}")
                                return
                            for res in r.json()["results"]:
                                seen[t.code][(res["id"], res["status"])] += 1
                                if res["status"] in ("applied", "duplicate"):
                                    done.add(res["id"])
                        if {e["id"] for e in batch} <= done:
                            break
                    else:
                        failures.append(f"{t.code}: batch {k} never settled")
                        return
            finally:
                other.close()

        threads = [threading.Thread(target=run, args=(t,)) for t in terminals]
        for th in threads:
            th.start()
        for th in threads:
            th.join(300)
        assert not failures, failures[:5]

        # Both workers took part (each names its connections after its process).
        names = server.sql("SELECT DISTINCT application_name FROM pg_stat_activity"
                           " WHERE application_name LIKE 'workstation-central %'")
        assert len(names) == 2, names

        total = sum(len(events) for events, _ in streams.values())
        for t in terminals:
            events, kinds = streams[t.code]
            for ev in events:
                statuses = {s: n for (i, s), n in seen[t.code].items() if i == ev["id"]}
                assert statuses.get("applied") == 1, (t.code, ev["seq"], statuses)     # answered applied once
                assert set(statuses) <= {"applied", "duplicate", "retry"}, statuses
            # In the terminal's order: each case's changes, by cursor, are its events in seq order.
            for case_id, expected in kinds.items():
                rows = server.sql("SELECT data->>'event', (data->>'version')::int FROM changes"
                                  " WHERE key = :k ORDER BY cursor", k=case_id)
                assert [r[0] for r in rows] == expected
                assert [r[1] for r in rows] == list(range(1, len(expected) + 1))
        assert server.sql("SELECT count(*), count(DISTINCT id) FROM events")[0] == (total, total)
        assert server.sql("SELECT count(*) FROM conflicts")[0][0] == 0
        assert server.sql("SELECT count(*) FROM changes")[0][0] == total
        assert set(dict(server.sql("SELECT id, status FROM cases")).values()) == {"reviewing"}
        # Per terminal, the seqs stored are 1 … n without a gap or a repeat.
        for t in terminals:
            seqs = [r[0] for r in server.sql("SELECT seq FROM events WHERE terminal = :t ORDER BY seq", t=t.code)]
            assert seqs == list(range(1, len(streams[t.code][0]) + 1))
    finally:
        server.stop()
    assert not server.running()


def test_a_batch_waits_for_its_terminals_batch_in_progress_on_another_worker(central_db_url):
    # Two processes are two database sessions: one settles batch 1 and has not
    # committed yet when batch 2 of the same terminal arrives at the other.
    caller = Caller("001", "S01", "610102")
    first = [make_event(seq, "acceptance.accepted", acceptance("S01")) for seq in (1, 2, 3)]
    second = [make_event(4, "acceptance.accepted", acceptance("S01"))]
    one, two = CentralDB(central_db_url).open(), CentralDB(central_db_url).open()
    answer: list = []
    try:
        with one.transaction() as s:
            assert [r["status"] for r in process_batch(
                s, caller, parse_batch({"terminal": "001", "events": first}, caller))] == ["applied"] * 3
            worker = threading.Thread(target=lambda: answer.append(two.write(
                process_batch, caller, parse_batch({"terminal": "001", "events": second}, caller))))
            worker.start()
            time.sleep(0.5)
            assert answer == [], "the second batch must wait for the first to commit"
        worker.join(30)
        # Had it not waited, seq 3 would have been missing and the event sent back (retry).
        assert [r["status"] for r in answer[0]] == ["applied"]
    finally:
        one.close()
        two.close()


def test_a_resent_acceptance_is_a_duplicate_and_only_another_acceptance_meets_its_receipt(central_db_url):
    # The killed-mid-batch flake's message: it comes from a *different* acceptance with
    # the same receipt number (the test helper's random receipts collided), never from
    # the resend of an acceptance the centre already holds, committed or not.
    caller = Caller("001", "S01", "610102")
    db = CentralDB(central_db_url).open()
    try:
        def push(events):
            return db.write(process_batch, caller, parse_batch({"terminal": "001", "events": events}, caller))

        first = make_event(1, "acceptance.accepted", acceptance("S01"))
        assert [r["status"] for r in push([first])] == ["applied"]
        assert [r["status"] for r in push([first])] == ["duplicate"]
        other = acceptance("S01", receipt=first["payload"]["receipt_no"])
        [clash] = push([first, make_event(2, "acceptance.accepted", other)])[1:]
        assert clash["status"] == "conflict"
        assert clash["message"] == f"受理编号 {first['payload']['receipt_no']} 已被中心的另一条受理记录使用"
        # The helper's receipts no longer repeat.
        receipts = [acceptance("S01")["receipt_no"] for _ in range(20_000)]
        assert len(set(receipts)) == len(receipts)
    finally:
        db.close()
