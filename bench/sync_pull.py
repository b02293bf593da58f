"""bench_sync's pull: a large catalog published at the centre, pulled by a terminal,
changed by one matter and pulled again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import benchlib
import httpx
from sync_pg import PgServer
from sync_push import Server

ROOT = benchlib.ROOT
PULL_PAGE = 500        # workstation/services/sync/client.py PULL_PAGE


def make_catalog(n: int, version: str) -> dict:
    base = json.loads((ROOT / "resources" / "catalog" / "default.json").read_text(encoding="utf-8"))
    matters = []
    for i in range(n):
        m = dict(base["matters"][i % len(base["matters"])])
        m["code"] = f"{m['code']}-{i:05d}"
        m["name"] = f"{m['name']}（{i // len(base['matters']) + 1}）"
        matters.append(m)
    return {"version": version, "title": f"新城区政务服务事项目录（{n} 项）", "matters": matters, "bundles": []}


def publish(url: str, catalog: dict, work: Path) -> tuple[float, dict]:
    path = work / f"catalog-{catalog['version']}.json"
    path.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sync.central.cli", "catalog", "publish", str(path),
                           "--db", url, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"目录发布失败：{proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def pull_all(client: httpx.Client, since: int) -> tuple[int, int, int, int, float]:
    """Changes, bytes, requests, the last cursor, seconds."""
    n = size = requests = 0
    t = time.perf_counter()
    while True:
        r = client.get("/changes", params={"since": since, "limit": PULL_PAGE})
        assert r.status_code == 200, r.text
        requests += 1
        size += len(r.content)
        page = r.json()
        n += len(page["changes"])
        since = page["cursor"]
        if not page["more"]:
            return n, size, requests, since, time.perf_counter() - t


def bench_pull(pg: PgServer, template: str, matters: int, work: Path) -> dict:
    db = pg.create("pull_catalog", template)
    url = pg.url(db)
    catalog = make_catalog(matters, "2026-10")
    t1, first_publish = publish(url, catalog, work)
    server = Server(url, work / "files-pull")
    try:
        client = server.enroll(url, "S01", "002")
        n1, b1, q1, cursor, s1 = pull_all(client, 0)
        changed = dict(catalog["matters"][matters // 2])
        changed["promised_days"] = (changed.get("promised_days") or 0) + 2
        catalog2 = {**catalog, "version": "2026-11",
                    "matters": [*catalog["matters"][:matters // 2], changed, *catalog["matters"][matters // 2 + 1:]]}
        t2, second_publish = publish(url, catalog2, work)
        n2, b2, q2, _, s2 = pull_all(client, cursor)
        client.close()
    finally:
        server.stop()
    pg.drop(db)
    return {"matters": matters, "publish_1": first_publish, "publish_1_s": t1, "publish_2": second_publish,
            "publish_2_s": t2, "pull_1": {"changes": n1, "bytes": b1, "requests": q1, "seconds": s1},
            "pull_2": {"changes": n2, "bytes": b2, "requests": q2, "seconds": s2}}

