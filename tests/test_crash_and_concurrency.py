"""A process killed mid-acceptance leaves nothing half-written and no gap in the
numbers; several processes accepting at once on one data directory never share or
skip a number. Real processes, real SQLite files, SIGKILL."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from workstation.config import Clock
from workstation.services import Workstation
from workstation.services import audit

from .conftest import PASSWORD, SEAL_SECRET, TODAY

ROOT = Path(__file__).resolve().parent.parent
LOOP = "tests.accept_loop"                                # tests/accept_loop.py
MATERIALS = {"T-GT": 3, "T-SP": 4, "T-WS": 3}            # lines per case, from catalog_small.json
CASES_PER_BUNDLE = {None: 1, "B-CY": 2}
DOCUMENTS = {"accepted": 2, "notified": 1}
DAY_PREFIX = f"610102{TODAY:%Y%m%d}001"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _spawn(data_dir: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSTATION_")}
    env["WORKSTATION_SEAL_SECRET"] = SEAL_SECRET          # the audit key (conftest's template)
    return subprocess.Popen([sys.executable, "-m", LOOP, str(data_dir), "--password", PASSWORD, *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


class _Reader(threading.Thread):
    """Collects a process's stdout lines as they come, so the pipe never fills."""

    def __init__(self, proc: subprocess.Popen):
        super().__init__(daemon=True)
        self.proc, self.lines = proc, []

    def run(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.lines) < count:
            if self.proc.poll() is not None and not self.is_alive():
                raise AssertionError(f"process ended early: {self.proc.stderr.read()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.lines)} lines after {timeout} s")
            time.sleep(0.01)

    def records(self) -> list[dict]:
        return [json.loads(x) for x in self.lines if x.startswith("{")]


def _check_consistent(data_dir: Path) -> list[str]:
    """Everything an acceptance writes is there in full or not at all; returns the
    receipt numbers of the day in order."""
    db = data_dir / "workstation.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        acceptances = conn.execute("SELECT id, receipt_no, outcome, bundle_code FROM acceptances").fetchall()
        cases = conn.execute("SELECT id, acceptance_id, matter_code FROM cases").fetchall()
        materials = Counter(r[0] for r in conn.execute("SELECT case_id FROM case_materials"))
        documents = Counter(r[0] for r in conn.execute("SELECT acceptance_id FROM documents"))
        audits = {}
        for target, detail in conn.execute("SELECT target, detail FROM audit_log "
                                           "WHERE action LIKE 'acceptance.%'"):
            assert target not in audits, f"two audit entries for {target}"
            audits[target] = json.loads(detail)
        events = Counter(json.loads(p)["acceptance_id"] for (p,) in conn.execute(
            "SELECT payload FROM outbox WHERE kind LIKE 'acceptance.%'"))
        outbox_seqs = [s for (s,) in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
        counter = conn.execute("SELECT value FROM counters WHERE scope = ?",
                               (f"receipt:610102:001:{TODAY:%Y%m%d}",)).fetchone()

    by_acceptance: dict[str, list[tuple[str, str]]] = {}
    for case_id, acceptance_id, matter in cases:
        by_acceptance.setdefault(acceptance_id, []).append((case_id, matter))
    assert set(by_acceptance) <= {a[0] for a in acceptances}, "cases without their acceptance"
    for acc_id, receipt_no, outcome, bundle in acceptances:
        mine = by_acceptance.get(acc_id, [])
        assert len(mine) == CASES_PER_BUNDLE[bundle], f"{receipt_no}: {len(mine)} cases"
        for case_id, matter in mine:
            assert materials[case_id] == MATERIALS[matter], f"{receipt_no}: materials of {matter}"
        assert documents[acc_id] == DOCUMENTS[outcome], f"{receipt_no}: documents"
        assert receipt_no in audits, f"{receipt_no}: no audit entry"
        assert sorted(audits[receipt_no]["cases"]) == sorted(c for c, _ in mine)
        assert events[acc_id] == 1, f"{receipt_no}: {events[acc_id]} outbox events"
    assert len(audits) == len(acceptances) and sum(events.values()) == len(acceptances)
    assert sum(materials.values()) == sum(MATERIALS[m] for _, _, m in cases)
    assert outbox_seqs == list(range(1, len(outbox_seqs) + 1))

    with Workstation(data_dir, Clock(TODAY)) as ws, ws.reading() as s:
        report = audit.verify(s)
    assert report.ok, report.problem

    receipts = sorted(r for _, r, _, _ in acceptances if r.startswith(DAY_PREFIX))
    assert len(receipts) == len(acceptances)
    assert [int(r[-4:]) for r in receipts] == list(range(1, len(receipts) + 1)), "gap in receipt numbers"
    assert (counter[0] if counter else 0) == len(receipts), "counter ahead of the acceptances"
    return receipts


def test_kill_mid_acceptance_three_times(ws):
    data_dir = ws.data_dir
    ws.close()
    printed: list[str] = []
    total = 0
    for round_ in range(3):
        proc = _spawn(data_dir, "--seed", str(round_ + 1))
        reader = _Reader(proc)
        reader.start()
        try:
            reader.wait_for(1)               # up and accepting
            time.sleep(1.5)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            reader.join(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        got = [r["receipt_no"] for r in reader.records()]
        assert len(got) >= 5, "the loop hardly ran before the kill"
        printed += got
        receipts = _check_consistent(data_dir)
        # What the process reported as done is there; at most the one in flight besides.
        assert set(printed) <= set(receipts)
        assert 0 <= len(receipts) - len(printed) <= round_ + 1
        assert len(receipts) > total
        total = len(receipts)


def test_four_processes_accepting_at_once(ws, tmp_path):
    data_dir = ws.data_dir
    ws.close()
    go = tmp_path / "go"
    procs = [_spawn(data_dir, "--count", "25", "--seed", str(i), "--go", str(go)) for i in range(1, 5)]
    readers = [_Reader(p) for p in procs]
    try:
        for r in readers:
            r.start()
        for r in readers:
            r.wait_for(1)                    # all logged in and waiting
        go.touch()
        for p in procs:
            p.wait(timeout=120)
        for r in readers:
            r.join(timeout=10)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p in procs:
        assert p.returncode == 0, p.stderr.read()
    records = [rec for r in readers for rec in r.records()]
    assert [len(r.records()) for r in readers] == [25] * 4
    receipts = [rec["receipt_no"] for rec in records]
    assert len(set(receipts)) == 100
    assert sorted(int(r[-4:]) for r in receipts) == list(range(1, 101))
    documents = [d for rec in records for d in rec["documents"]]
    assert len(documents) == len(set(documents))
    assert sorted(_check_consistent(data_dir)) == sorted(receipts)
    with sqlite3.connect(data_dir / "workstation.sqlite3") as conn:
        stored = [n for (n,) in conn.execute("SELECT number FROM documents")]
    assert sorted(stored) == sorted(documents)
