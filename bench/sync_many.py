"""bench_sync's many terminals: 50 terminals push a day's 200 events each at the same
moment (one POST each, as a sync round sends them) to one server of 1 or 2 worker
processes; the floor is the same 10,000 events' rows written with COPY, one
terminal's batch after another, in one connection."""

from __future__ import annotations

import copy
import json
import statistics
import threading
import time
from pathlib import Path

import httpx
from sync_day import STATION, Day
from sync_day import make_days as sealed_days
from sync_pg import PgServer
from sync_push import Server, floor_batches, preload_files, preload_seal, push_floor, table_counts

TERMINALS = 50
PER_TERMINAL = 200
MAX_WAIT = 3.0          # seconds a terminal may wait for its push's answer


def make_days(terminals: int, per_terminal: int, seal) -> list[Day]:
    return sealed_days([(per_terminal, 100 + n, f"{n:03d}") for n in range(1, terminals + 1)], seal)


def many_floor(pg: PgServer, template: str, days: list[Day], tag: str, seal) -> tuple[float, dict]:
    batches = [b for day in days for b in floor_batches(day)]
    return push_floor(pg, template, days, copy.deepcopy(batches), f"many_{tag}", seal)


def many_real(pg: PgServer, template: str, days: list[Day], workers: int, tag: str,
              work: Path, seal) -> tuple[float, dict]:
    """Every terminal's push released at one moment; the time until the last answer,
    and each terminal's wait for its own."""
    db = pg.create(f"many_real_{tag}", template)
    url = pg.url(db)
    for day in days:
        preload_files(pg, db, day, work / f"files-many-{tag}")
    preload_seal(pg, db, seal)
    server = Server(url, work / f"files-many-{tag}", workers=workers)
    clients: list[httpx.Client] = []
    try:
        clients = [server.enroll(url, STATION, day.terminal) for day in days]
        bodies = [json.dumps({"terminal": day.terminal, "events": day.events}, ensure_ascii=False).encode("utf-8")
                  for day in days]
        for client in clients:
            client.get("/time")                 # the connections are open, as in a sync round
        waits = [0.0] * len(days)
        answers: list[httpx.Response | None] = [None] * len(days)
        start = threading.Barrier(len(days) + 1)

        def push(i: int) -> None:
            start.wait()
            t = time.perf_counter()
            answers[i] = clients[i].post("/events", content=bodies[i],
                                         headers={"Content-Type": "application/json"})
            waits[i] = time.perf_counter() - t

        threads = [threading.Thread(target=push, args=(i,)) for i in range(len(days))]
        for th in threads:
            th.start()
        start.wait()
        t = time.perf_counter()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
    finally:
        for client in clients:
            client.close()
        server.stop()
    statuses: dict[str, int] = {}
    for r in answers:
        if r is None or r.status_code != 200:
            raise SystemExit(f"推送失败：{'无应答' if r is None else f'{r.status_code} {r.text[:300]}'}")
        for res in r.json()["results"]:
            statuses[res["status"]] = statuses.get(res["status"], 0) + 1
    counts = table_counts(pg, db)
    pg.drop(db)
    return elapsed, {"statuses": statuses, "rows": counts, "waits": sorted(waits)}


def same_rows(real: dict, floor: dict) -> bool:
    """The same rows on both sides; the change feed's cursors aside (concurrent pushes
    take them in the order they commit, the floor in terminal order)."""
    def strip(rows: dict) -> dict:
        return {**rows, "md5": {t: v for t, v in rows["md5"].items() if t != "changes"}}
    return strip(real) == strip(floor)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
