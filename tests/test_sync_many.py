"""Fifty terminals syncing at once with one central server on a real PostgreSQL:
each terminal is a process of its own with its own SQLite data folder, enrolled
with its own one-time code, doing its own acceptances and reviews through the
services; all fifty call sync_once together. Nothing is lost, nothing arrives
twice, nobody's work lands in a conflict, and a second round has nothing to send."""

from __future__ import annotations

import json
import multiprocessing
import random
import sqlite3
import time
import traceback
from pathlib import Path

import pytest

from .conftest import DATA, PASSWORD, TODAY
from .test_central_support import Central

TERMINALS = 50
ACCEPTANCES = 20              # per terminal
REVIEWS = 6                   # per district terminal, of its own accepted cases (a station may not review)
SETUP_AT_ONCE = 4             # terminals being set up at the same moment (2 cores)
WAIT = 150                    # seconds any one step may take before the test gives up


def _station(i: int) -> str:
    # Two windows of the district hall and twelve community stations of four
    # terminals each. (A terminal takes in, as it pulls, the cases its station-mates
    # accepted, and a district terminal every station's: that costs far more than
    # its own push, so small stations and few district terminals keep the round short.)
    return "district" if i <= 2 else f"S{i % 12 + 1:02d}"


def _reviews(i: int) -> int:
    # Reviewing is the district's (issue 16: a station's token may not push it).
    return REVIEWS if _station(i) == "district" else 0


def _terminal(i: int, data_dir: str, server: str, code: str, setup_gate, ready, go: list,
              results: str) -> None:
    """One terminal, in a forked process: set up, enrol, work, then a sync round at
    each `go`, its outcome written to results/<i>-<round>.json."""
    out_dir = Path(results)

    def write(name: str, data: dict) -> None:
        tmp = out_dir / f".{i}-{name}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False, default=str))
        tmp.rename(out_dir / f"{i}-{name}.json")

    try:
        from workstation.services.sync.client import enroll, sync_once
        from workstation.config import Clock
        from workstation.services import Workstation
        from workstation.services.auth import add_user, login
        from workstation.services.case_clock import start_review
        from workstation.services.catalog import import_catalog
        from workstation.services.setup import init

        from .accept_loop import one as accept_one

        with setup_gate:
            ws = Workstation(Path(data_dir), Clock(TODAY)).open()
            init(ws, {"region": "610102", "terminal": f"{i:03d}", "authority": "西安市新城区行政审批服务局",
                      "authority_short": "新城审"})
            admin = add_user(ws, None, "admin", "管理员", "admin", PASSWORD)
            import_catalog(ws, admin, json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8")))
            add_user(ws, admin, "clerk", "王敏", "clerk", PASSWORD)
            add_user(ws, admin, "approver", "陈审", "approver", PASSWORD)
            # The token goes into this process's keyring (conftest's in-memory one,
            # inherited by the fork and private to this terminal from here on).
            enroll(ws, admin, server, code)
            clerk, approver = login(ws, "clerk", PASSWORD), login(ws, "approver", PASSWORD)
            rng = random.Random(i)
            cases = []
            for n in range(ACCEPTANCES):
                registered = accept_one(ws, clerk, rng, i * 1000 + n)
                cases += [c["id"] for c in registered.cases if c["status"] == "accepted"]
            for case_id in rng.sample(cases, _reviews(i)):
                start_review(ws, approver, case_id)
        ready.put(i)
        for round_no, event in enumerate(go, start=1):
            if not event.wait(WAIT):
                raise TimeoutError(f"no go for round {round_no}")
            began = time.monotonic()
            answer = sync_once(ws)
            write(str(round_no), {"ok": True, "began": began, "ended": time.monotonic(), **answer})
        ws.close()
    except BaseException:
        write("error", {"ok": False, "error": traceback.format_exc()})
        ready.put(-i)


def _overlap(intervals: list[tuple[float, float]]) -> int:
    """The most rounds running at the same moment."""
    edges = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
    now = best = 0
    for _, step in edges:
        now += step
        best = max(best, now)
    return best


def _local(path: Path, sql: str):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def centre(central_db_url, tmp_path):
    server = Central(central_db_url, tmp_path / "central-files").start()
    yield server
    server.stop()


def _codes(centre) -> dict[int, str]:
    from sync.central.db import CentralDB
    from sync.central.terminals import add_terminal

    db = CentralDB(centre.db_url)
    try:
        return {i: db.write(lambda s, i=i: add_terminal(s, station=_station(i), terminal=f"{i:03d}"))["code"]
                for i in range(1, TERMINALS + 1)}
    finally:
        db.close()


def _collect(results: Path, name: str, procs: dict, deadline: float) -> dict[int, dict]:
    while True:
        # Who had ended is looked at before the results: a process that ended had
        # written its result (or its error) already.
        ended = [i for i, p in procs.items() if not p.is_alive()]
        done = {int(p.name.split("-")[0]): json.loads(p.read_text()) for p in results.glob(f"*-{name}.json")}
        errors = [json.loads(p.read_text())["error"] for p in results.glob("*-error.json")]
        assert not errors, errors[0]
        if len(done) == TERMINALS:
            return done
        dead = [i for i in ended if i not in done]
        assert not dead, f"terminals {dead} ended without a result for round {name}"
        assert time.monotonic() < deadline, f"round {name}: only {len(done)} of {TERMINALS} terminals answered"
        time.sleep(0.05)


def test_fifty_terminals_sync_at_once_and_nothing_is_lost(centre, tmp_path):
    started = time.monotonic()
    codes = _codes(centre)
    server = f"http://127.0.0.1:{centre.port}"
    # fork: the children start from this process, imports done and the in-memory
    # keyring in place, instead of paying for a fresh interpreter fifty times.
    ctx = multiprocessing.get_context("fork")
    setup_gate, ready, go = ctx.Semaphore(SETUP_AT_ONCE), ctx.Queue(), [ctx.Event(), ctx.Event()]
    results = tmp_path / "results"
    results.mkdir()
    dirs = {i: tmp_path / f"terminal-{i:03d}" for i in range(1, TERMINALS + 1)}
    procs = {i: ctx.Process(target=_terminal, args=(i, str(dirs[i]), server, codes[i], setup_gate, ready,
                                                     go, str(results)), daemon=True)
             for i in dirs}
    try:
        for p in procs.values():
            p.start()
        deadline = time.monotonic() + WAIT
        waiting = set(procs)
        while waiting:
            i = ready.get(timeout=max(0.1, deadline - time.monotonic()))
            assert i > 0, (results / f"{-i}-error.json").read_text()
            waiting.discard(i)
        set_up = time.monotonic() - started

        go[0].set()                               # all fifty sync at once
        first = _collect(results, "1", procs, time.monotonic() + WAIT)
        first_round = max(r["ended"] for r in first.values()) - min(r["began"] for r in first.values())

        # Every terminal's events at the centre, exactly once, in each one's sequence.
        local_events = {(f"{i:03d}", eid): seq for i, d in dirs.items()
                        for eid, seq in _local(d / "workstation.sqlite3", "SELECT id, seq FROM outbox")}
        held = centre.sql("SELECT terminal, id, seq, status FROM events")
        reviews = sum(_reviews(i) for i in dirs)
        assert len(held) == len(local_events) == TERMINALS * (1 + ACCEPTANCES) + reviews
        assert {(t, e): s for t, e, s, _ in held} == local_events
        assert centre.sql("SELECT terminal, kind, reason, message FROM conflicts") == []
        assert {st for *_, st in held} == {"applied"}
        # Every case, each at its own terminal's station, in the state it was left in
        # (a district terminal also holds the cases it took in from the others).
        local_cases = {}
        for i, d in dirs.items():
            rows = _local(d / "workstation.sqlite3",
                          "SELECT c.id, c.status, c.station FROM cases c JOIN acceptances a "
                          f"ON a.id = c.acceptance_id WHERE a.terminal = '{i:03d}'")
            assert len(rows) >= ACCEPTANCES, (i, len(rows))
            assert {st for _, _, st in rows} == {_station(i)}
            local_cases.update({cid: (status, st) for cid, status, st in rows})
        assert {cid: (status, st) for cid, status, st in
                centre.sql("SELECT id, status, station FROM cases")} == local_cases
        assert sum(1 for status, _ in local_cases.values() if status == "reviewing") == reviews
        # Every outbox acknowledged; no terminal has a conflict to show.
        for i, d in dirs.items():
            assert _local(d / "workstation.sqlite3",
                          "SELECT count(*) FROM outbox WHERE acked_at IS NULL")[0][0] == 0, i
            assert first[i]["pending"] == 0 and first[i]["conflicts"] == 0, first[i]
            assert first[i]["pushed"]["applied"] == 1 + ACCEPTANCES + _reviews(i), first[i]["pushed"]
        # They really did sync together, not one after another.
        together = _overlap([(r["began"], r["ended"]) for r in first.values()])
        assert together >= TERMINALS // 5, together

        go[1].set()                               # a second round: nothing left to send
        second = _collect(results, "2", procs, time.monotonic() + WAIT)
        for i, r in second.items():
            assert sum(r["pushed"].values()) == 0, (i, r["pushed"])
            assert r["pending"] == 0 and r["conflicts"] == 0, (i, r)
        assert centre.sql("SELECT count(*) FROM events")[0][0] == len(local_events)
        assert centre.sql("SELECT count(*) FROM conflicts")[0][0] == 0
        for p in procs.values():
            p.join(timeout=WAIT)
            assert p.exitcode == 0
        longest = {}
        for i, r in first.items():
            longest[_station(i)] = max(longest.get(_station(i), 0), r["ended"] - r["began"])
        print(f"\nlongest first round by station: { {k: round(v, 1) for k, v in longest.items()} }")
        print(f"\n{TERMINALS} terminals set up in {set_up:.1f} s; first round {first_round:.1f} s "
              f"with up to {together} syncing at the same moment; {len(held)} events, {len(local_cases)} cases")
    finally:
        for p in procs.values():
            if p.is_alive():
                p.kill()
                p.join(timeout=10)
