"""Issue 5's sync targets, against the real central server on PostgreSQL.

    .venv/bin/python bench/bench_sync.py [--events 10000] [--repeat 3] [--matters 20000]
                                         [--fast] [--skip-pull]

1. Push: 10,000 events of a real day (acceptances, each creating its acceptance, case
   and document rows, and the case transitions that follow: review, suspend/resume,
   extend, approve/deny with their sealed documents, delivery) go over loopback to
   ``python -m sync.central.cli serve`` in the protocol's batches (500 per POST, like
   workstation/services/sync/client.py), one after another. Floor, in the same run on the same PostgreSQL
   server: the rows the centre ends up writing for those events (events, acceptances,
   cases, documents, changes and the change counter), built from the same payloads
   before the clock starts, written with psycopg COPY in the same batches, one
   transaction per batch (cases a batch changes go through COPY into a temporary table
   and one UPDATE … FROM). Each side gets a fresh database (copied from a migrated
   template) each time; the sides take turns and the median of the repeats counts.
   Criterion: push events/s ≥ 50 % of the floor's events/s (the median of the rounds'
   ratios: the two sides of a round run back to back under the same machine load).
2. Pull: a 20,000-matter catalog is published at the centre (``workstation-central
   catalog publish``), a terminal pulls the change feed (pages of 500, like the client);
   then one matter changes, the catalog is published again and the terminal pulls
   again. Criterion: the second pull is incremental (1–2 changes, not 20,000).

The PostgreSQL server is private (initdb/pg_ctl in a temporary folder, as tests/pg.py
does; as root it runs as ``postgres``/``nobody`` through runuser). It runs with
PostgreSQL's default durability (fsync, synchronous_commit and full_page_writes on)
unless ``--fast`` gives it the test suite's settings (all three off); both sides always
share the same server and settings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchlib  # noqa: E402

ROOT = benchlib.ROOT

import httpx  # noqa: E402

from sync.protocol import CST, canonical, content_hash  # noqa: E402
from tests.pg import _find_bin, _PgServer, free_port  # noqa: E402  (the tests' private server)

MIN_RATIO = 0.5
BATCH = 500            # workstation/services/sync/client.py BATCH: events per POST
PULL_PAGE = 500        # workstation/services/sync/client.py PULL_PAGE
PG_USER = "ws"
STATION = "district"   # the hall: accepts and decides (委托受理 cases included)
TERMINAL = "001"
DURABLE = "fsync=on, synchronous_commit=on, full_page_writes=on（PostgreSQL 默认）"
FAST = "fsync=off, synchronous_commit=off, full_page_writes=off（与测试相同）"


# --------------------------------------------------------------------------- PostgreSQL

class PgServer:
    """A private PostgreSQL server (tests/pg.py's approach, with a choice of durability)."""

    def __init__(self, fast: bool):
        initdb, self.pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
        if not initdb or not self.pg_ctl:
            raise SystemExit("找不到 PostgreSQL 的 initdb/pg_ctl：请安装 Debian 软件包 postgresql（make bench 会安装）")
        root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="ws-bench-pg-", dir="/tmp" if root else None))
        self.data, self.log = self.base / "data", self.base / "server.log"
        self.port = free_port()
        self.prefix: list[str] = []
        if root:
            import pwd

            user = _PgServer._unprivileged_user()
            self.prefix = _PgServer._runner(user)
            entry = pwd.getpwnam(user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self._run([initdb, "-D", str(self.data), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
                   "--locale=C", "-N"])
        durability = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off " if fast else "")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} {durability}"
                   "-c max_connections=100 -c shared_buffers=128MB")
        self._run([self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options,
                   "start"])
        self.settings = FAST if fast else DURABLE
        self.admin_dsn = f"host=127.0.0.1 port={self.port} user={PG_USER} dbname=postgres"
        self.version = self.query("SHOW server_version")

    def _run(self, argv):
        proc = subprocess.run(self.prefix + argv, capture_output=True, text=True, cwd=self.base, timeout=120)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise SystemExit(f"{argv[0]} 失败：{proc.stderr[-2000:]}\n{log}")

    def query(self, sql: str):
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            cur = conn.execute(sql)
            row = cur.fetchone() if cur.description else None
            return row[0] if row else None

    def dsn(self, db: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={PG_USER} dbname={db}"

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{db}"

    def create(self, name: str, template: str | None = None) -> str:
        for attempt in range(100):
            try:
                self.query(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
                return name
            except Exception as exc:     # the template is busy for a moment after use
                if "being accessed by other users" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.1)
        raise AssertionError

    def drop(self, name: str) -> None:
        self.query(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        subprocess.run(self.prefix + [self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def migrated_template(pg: PgServer) -> str:
    from sqlalchemy import create_engine

    from sync.central.db import migrate

    name = pg.create("central_template")
    engine = create_engine(pg.url(name))
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return name


# --------------------------------------------------------------------------- the server

class Server:
    """``python -m sync.central.cli serve`` on 127.0.0.1, as an operator starts it."""

    def __init__(self, url: str, files: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        files.mkdir(parents=True, exist_ok=True)
        self.log = open(files.parent / f"server-{self.port}.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "sync.central.cli", "serve", "--db", url,
                                      "--port", str(self.port), "--files", str(files)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"中心服务器未能启动：{Path(self.log.name).read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/time", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("中心服务器 60 秒内没有应答")
            time.sleep(0.05)

    def enroll(self, url: str, station: str, terminal: str) -> httpx.Client:
        from sync.central.db import CentralDB
        from sync.central.terminals import add_terminal

        db = CentralDB(url)
        try:
            code = db.write(lambda s: add_terminal(s, station=station, terminal=terminal))["code"]
        finally:
            db.close()
        r = httpx.post(f"{self.base}/enroll", json={"code": code, "terminal": terminal, "device": "bench"})
        assert r.status_code == 201, r.text
        return httpx.Client(base_url=self.base, timeout=120,
                            headers={"Authorization": f"Bearer {r.json()['token']}"})

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# --------------------------------------------------------------------------- a day's events

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红"
MATTERS = (("SJ-001", "个体工商户设立登记"), ("SJ-002", "个体工商户变更登记"), ("SP-011", "食品经营许可"),
           ("WS-003", "公共场所卫生许可"), ("JY-021", "民办培训机构设立审批"), ("MZ-005", "养老机构备案"),
           ("CS-031", "城市建筑垃圾处置核准"), ("YL-007", "诊所备案"))


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


class Day:
    """The events of one terminal, in seq order, and the rows the centre writes for them.

    ``events`` are the protocol's events; for each one ``rows`` holds what a correct
    centre persists (built here from the payload, the way sync/central/handlers.py
    describes it): the events row, new acceptance/case/document rows, the changed case
    state and the change rows."""

    def __init__(self, n: int, seed: int = 5):
        rng = random.Random(seed)
        self.rng = rng
        self.events: list[dict] = []
        self.files: list[str] = []           # sha256 of decision / receipt documents (uploaded first)
        self.cases: dict[str, dict] = {}     # the case state after each event
        self.docs: dict[tuple[str, str], dict] = {}    # (acceptance id, number) -> documents row
        start = datetime.now(CST).replace(tzinfo=None, microsecond=0) - timedelta(hours=10)
        self.moments = [start + timedelta(seconds=3 * i) for i in range(n + 5)]
        pools = {k: [] for k in ("accepted", "reviewing", "suspended", "decided", "awaiting")}
        self.per_event: list[dict] = []
        numbers = iter(range(1, 10 ** 6))
        while len(self.events) < n:
            r = rng.random()
            if r < 0.40 or not any(pools.values()):
                self._acceptance(pools, numbers)
            elif r < 0.62 and pools["accepted"]:
                self._case(pools, "accepted", "case.review", "reviewing")
            elif r < 0.80 and pools["reviewing"]:
                kind = "case.approve" if rng.random() < 0.9 else "case.deny"
                self._case(pools, "reviewing", kind, "decided", numbers)
            elif r < 0.92 and pools["decided"]:
                self._deliver(pools)
            elif r < 0.95 and pools["awaiting"]:
                self._case(pools, "awaiting", "case.delivered", None)
            elif r < 0.97 and pools["reviewing"]:
                self._case(pools, "reviewing", "case.suspend", "suspended")
            elif r < 0.99 and pools["suspended"]:
                self._case(pools, "suspended", "case.resume", "reviewing")
            elif pools["reviewing"]:
                self._case(pools, "reviewing", "case.extend", "reviewing")
            else:
                self._acceptance(pools, numbers)
        # An acceptance's signatures may run past n: the rows are per event, so cut.
        del self.events[n:], self.per_event[n:]

    # ---- events

    def _event(self, kind: str, payload: dict) -> dict:
        seq = len(self.events) + 1
        at = self.moments[seq - 1]
        body = canonical(payload)
        ev = {"id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "seq": seq, "kind": kind,
              "payload": payload, "content_hash": content_hash(kind, body),
              "user": "clerk" if kind.startswith("acceptance") else "approver",
              "created_at": at.isoformat()}
        self.events.append(ev)
        rows = {"event": {"id": ev["id"], "terminal": TERMINAL, "seq": seq, "kind": kind, "payload": body,
                          "content_hash": ev["content_hash"], "user_login": ev["user"], "created_at": at,
                          "status": "applied", "message": ""},
                "acceptances": [], "new_cases": [], "new_docs": [], "changes": [], "touched": [],
                "touched_docs": []}
        self.per_event.append(rows)
        return ev

    def _person(self) -> dict:
        rng = self.rng
        return {"kind": "person", "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "id_number": f"610102{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                             f"{rng.randrange(1000):03d}{rng.choice('0123456789X')}",
                "phone": f"13{rng.randrange(10 ** 9):09d}", "address": f"西安市新城区解放路{rng.randint(1, 299)}号"}

    def _file(self) -> str:
        sha = hashlib.sha256(f"document {len(self.files)}".encode()).hexdigest()
        self.files.append(sha)
        return sha

    def _acceptance(self, pools, numbers) -> None:
        rng = self.rng
        at = self.moments[len(self.events)]
        n_cases = 2 if rng.random() < 0.05 else 1
        tolerated = rng.random() < 0.08
        status = "tolerated" if tolerated else "accepted"
        acc_id = uuid.UUID(int=rng.getrandbits(128)).hex
        receipt = f"610102{at:%Y%m%d}{TERMINAL}{next(numbers):05d}"
        cases = []
        for _ in range(n_cases):
            code, name = rng.choice(MATTERS)
            due = at.date() + timedelta(days=rng.choice((5, 10, 15, 20)))
            cases.append({"id": uuid.UUID(int=rng.getrandbits(128)).hex, "matter_code": code,
                          "matter_name": name, "status": status, "due_date": _day(due),
                          "statutory_due_date": _day(due + timedelta(days=10)), "provisional": tolerated})
        documents = [{"kind": "受理通知书", "number": f"新城审受字〔{at.year}〕第{next(numbers):05d}号"}]
        if tolerated:
            documents.append({"kind": "容缺受理承诺书", "number": f"新城审容字〔{at.year}〕第{next(numbers):05d}号"})
        payload = {"acceptance_id": acc_id, "receipt_no": receipt, "outcome": status, "station": STATION,
                   "terminal": TERMINAL, "clerk": "clerk", "received_on": at.date().isoformat(),
                   "catalog_version": "2026-09", "applicant": self._person(),
                   "bundle": "开办餐馆" if n_cases == 2 else None, "notice": None, "cases": cases,
                   "documents": documents,
                   "materials": {c["id"]: [{"code": f"M0{i}", "state": "promised" if tolerated and i == 3
                                            else "received", "promise_date": None, "note": ""}
                                           for i in range(1, 4)] for c in cases}}
        ev = self._event(f"acceptance.{status}", payload)
        rows = self.per_event[-1]
        rows["acceptances"].append({
            "id": acc_id, "receipt_no": receipt, "outcome": status, "station": STATION, "terminal": TERMINAL,
            "clerk": "clerk", "applicant_name": payload["applicant"]["name"], "applicant": payload["applicant"],
            "bundle": payload["bundle"], "received_on": at.date(), "catalog_version": "2026-09",
            "event_id": ev["id"], "created_at": at})
        for d in documents:
            self._new_doc({"acceptance_id": acc_id, "case_id": None, "station": STATION,
                           "kind": d["kind"], "number": d["number"], "seal_id": None,
                           "digest": None, "signature": None, "sha256": None, "signed_at": None,
                           "event_id": ev["id"]})
        for c in cases:
            case = {"id": c["id"], "acceptance_id": acc_id, "station": STATION, "status": status,
                    "receipt_no": receipt, "applicant_name": payload["applicant"]["name"],
                    "matter_code": c["matter_code"], "matter_name": c["matter_name"],
                    "due_date": date.fromisoformat(c["due_date"]),
                    "statutory_due_date": date.fromisoformat(c["statutory_due_date"]),
                    "provisional": tolerated, "decided_on": None, "document_no": None, "version": 0,
                    "document": None}
            self.cases[case["id"]] = case
            rows["new_cases"].append(case["id"])
            self._touch(case, ev, {"acceptance": payload})
            pools["accepted"].append(case["id"])
        # The clerk prints and seals the notices at once (documents.issue_pending).
        for d in documents:
            self._sign(acc_id, receipt, d)

    def _new_doc(self, row: dict) -> None:
        key = (row["acceptance_id"], row["number"])
        self.docs[key] = row
        self.per_event[-1]["new_docs"].append(key)
        self.per_event[-1]["touched_docs"].append(dict(row))

    def _sign(self, acc_id: str, receipt: str, d: dict) -> None:
        at = self.moments[len(self.events)]
        digest = hashlib.sha256(d["number"].encode() + b"d").hexdigest()
        payload = {"receipt_no": receipt, "kind": d["kind"], "number": d["number"], "seal_id": "S-XC-SL-01",
                   "digest": digest, "signature": "30450221" + digest[:64] + "0220" + digest[:64],
                   "path": f"documents/2026/{receipt}/{d['kind']}-1.docx", "sha256": self._file()}
        ev = self._event("document.sign", payload)
        row = self.docs[(acc_id, d["number"])]
        row.update({k: payload[k] for k in ("seal_id", "digest", "signature", "sha256")},
                   signed_at=at, event_id=ev["id"])
        self.per_event[-1]["touched_docs"].append(dict(row))

    def _take(self, pools, pool: str) -> dict:
        items = pools[pool]
        # Mostly the older cases first, as a hall works its queue.
        i = min(int(self.rng.expovariate(1 / 40)), len(items) - 1)
        return self.cases[items.pop(i)]

    def _case(self, pools, pool: str, kind: str, then: str | None, numbers=None) -> None:
        case = self._take(pools, pool)
        at = self.moments[len(self.events)]
        target = {"case.review": "reviewing", "case.suspend": "suspended", "case.resume": "reviewing",
                  "case.approve": "approved", "case.deny": "denied", "case.delivered": "delivered",
                  "case.extend": case["status"]}[kind]
        payload = {"case_id": case["id"], "status": target}
        if kind == "case.suspend":
            payload["reason"], payload["from"] = "申请人补充材料", _day(at.date())
        if kind == "case.resume":
            payload["from"], payload["to"] = _day(at.date() - timedelta(days=3)), _day(at.date() - timedelta(days=1))
        if kind == "case.extend":
            payload["days"], payload["reason"] = 10, "情况复杂，经负责人批准延长"
            case["due_date"] = case["due_date"] + timedelta(days=10)
        if kind in ("case.approve", "case.deny"):
            number = (f"新城审{'许' if kind == 'case.approve' else '不许'}字〔{at.year}〕第{next(numbers):05d}号")
            document = {"kind": "准予许可决定书" if kind == "case.approve" else "不予许可决定书",
                        "number": number, "sha256": self._file(), "seal_id": "S-XC-SHMS-01",
                        "digest": hashlib.sha256(number.encode()).hexdigest(),
                        "signature": "MEUCIQ" + hashlib.sha256(number.encode() + b"s").hexdigest()[:80],
                        "path": f"documents/2026/{case['receipt_no']}/{number}.pdf"}
            payload.update(decided_on=_day(at.date()), reason=None if kind == "case.approve"
                           else "材料不符合法定条件", document=document)
        if kind != "case.approve" and kind != "case.deny" and kind != "case.delivered":
            payload.update(due_date=_day(case["due_date"]), statutory_due_date=_day(case["statutory_due_date"]))
        ev = self._event(kind, payload)
        rows = self.per_event[-1]
        case["status"] = target
        if kind in ("case.approve", "case.deny"):
            case["decided_on"] = at.date()
            case["document_no"] = payload["document"]["number"]
            d = payload["document"]
            doc = {"acceptance_id": case["acceptance_id"], "case_id": case["id"], "station": STATION,
                   "kind": d["kind"], "number": d["number"], "seal_id": d["seal_id"], "digest": d["digest"],
                   "signature": d["signature"], "sha256": d["sha256"], "signed_at": at, "event_id": ev["id"]}
            self._new_doc(doc)
            case["document"] = {k: d[k] for k in ("kind", "number", "sha256", "seal_id", "digest", "signature")}
        self._touch(case, ev)
        if then:
            pools[then].append(case["id"])

    def _deliver(self, pools) -> None:
        case = self._take(pools, "decided")
        at = self.moments[len(self.events)]
        if self.rng.random() < 0.6:
            number = f"新城审送字〔{at.year}〕第{len(self.events):05d}号"
            payload = {"case_id": case["id"], "method": "pickup", "role": "self",
                       "document": {"kind": "送达回证", "number": number, "sha256": self._file(),
                                    "seal_id": "S-XC-SL-01", "digest": hashlib.sha256(number.encode()).hexdigest(),
                                    "signature": "MEQCIA" + hashlib.sha256(number.encode()).hexdigest()[:80],
                                    "path": f"documents/2026/{case['receipt_no']}/{number}.pdf"},
                       "at": at.isoformat()}
            case["status"], then = "delivered", None
        else:
            payload = {"case_id": case["id"], "method": "mail", "waybill": f"SF{self.rng.randrange(10 ** 12):012d}",
                       "at": at.isoformat()}
            case["status"], then = "awaiting_delivery", "awaiting"
        ev = self._event("case.deliver", payload)
        self._touch(case, ev)
        if then:
            pools[then].append(case["id"])

    def _touch(self, case: dict, ev: dict, extra: dict | None = None) -> None:
        rows = self.per_event[-1]
        at = rows["event"]["created_at"]
        case.update(updated_at=at, last_terminal=TERMINAL, last_user=ev["user"], last_event_id=ev["id"],
                    version=case["version"] + 1)
        data = {"status": case["status"], "decided_on": _day(case["decided_on"]), "due_date": _day(case["due_date"]),
                "statutory_due_date": _day(case["statutory_due_date"]),
                "document": case["document"] if case["document_no"] else None, "station": STATION,
                "receipt_no": case["receipt_no"], "acceptance_id": case["acceptance_id"],
                "matter_code": case["matter_code"], "matter_name": case["matter_name"],
                "applicant_name": case["applicant_name"], "event": ev["kind"], "version": case["version"]}
        if extra:
            data.update(extra)
        rows["changes"].append({"station": STATION, "kind": "case", "key": case["id"], "data": data,
                                "origin_terminal": TERMINAL, "origin_station": STATION,
                                "origin_user": ev["user"], "origin_at": at})
        rows["touched"].append(dict(case))      # the case's state after this event

    def mix(self) -> str:
        kinds: dict[str, int] = {}
        for ev in self.events:
            kinds[ev["kind"]] = kinds.get(ev["kind"], 0) + 1
        return "，".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))


# --------------------------------------------------------------------------- push: real

def preload_files(pg: PgServer, db: str, shas: list[str]) -> None:
    """The documents' files, uploaded before their events (as the client does)."""
    import psycopg

    at = datetime.now(CST).replace(tzinfo=None)
    with psycopg.connect(pg.dsn(db)) as conn, conn.cursor() as cur:
        with cur.copy("COPY files (sha256, size, complete, path, station, terminal, created_at, completed_at)"
                      " FROM STDIN") as copy:
            for sha in shas:
                copy.write_row((sha, 48_000, True, f"{sha[:2]}/{sha}", STATION, TERMINAL, at, at))
        cur.execute("ANALYZE files")


def push_real(pg: PgServer, template: str, day: Day, tag: str, work: Path) -> tuple[float, dict]:
    db = pg.create(f"push_real_{tag}", template)
    url = pg.url(db)
    preload_files(pg, db, day.files)
    server = Server(url, work / f"files-{tag}")
    try:
        client = server.enroll(url, STATION, TERMINAL)
        bodies = [json.dumps({"terminal": TERMINAL, "events": day.events[i:i + BATCH]},
                             ensure_ascii=False).encode("utf-8")
                  for i in range(0, len(day.events), BATCH)]
        client.get("/time")                     # the connection is open, as in a sync round
        statuses: dict[str, int] = {}
        t = time.perf_counter()
        for body in bodies:
            r = client.post("/events", content=body, headers={"Content-Type": "application/json"})
            if r.status_code != 200:
                raise SystemExit(f"推送失败 {r.status_code}: {r.text[:500]}")
            for res in r.json()["results"]:
                statuses[res["status"]] = statuses.get(res["status"], 0) + 1
        elapsed = time.perf_counter() - t
        client.close()
    finally:
        server.stop()
    counts = table_counts(pg, db)
    pg.drop(db)
    return elapsed, {"statuses": statuses, "rows": counts}


# What each side ended with, the times of writing left out: equal when the floor wrote
# the same rows as the centre.
FINGERPRINTS = {
    "events": "id, terminal, seq, kind, payload, content_hash, user_login, created_at, status, message",
    "acceptances": "id, receipt_no, outcome, station, terminal, clerk, applicant_name, applicant::text, bundle,"
                   " received_on, catalog_version, event_id, created_at",
    "cases": "id, acceptance_id, station, status, receipt_no, applicant_name, matter_code, matter_name, due_date,"
             " statutory_due_date, provisional, decided_on, document_no, updated_at, last_terminal, last_user,"
             " last_event_id, version",
    "documents": "acceptance_id, case_id, station, kind, number, seal_id, digest, signature, sha256, signed_at,"
                 " event_id",
    "changes": "cursor, station, kind, key, data::text, origin_terminal, origin_station, origin_user, origin_at",
}


def table_counts(pg: PgServer, db: str) -> dict:
    import psycopg

    with psycopg.connect(pg.dsn(db)) as conn:
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
               for t in ("events", "acceptances", "cases", "documents", "changes", "conflicts")}
        out["md5"] = {t: conn.execute(f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), ''))"
                                      f" FROM (SELECT {cols} FROM {t}) r").fetchone()[0][:8]
                      for t, cols in FINGERPRINTS.items()}
        return out


# --------------------------------------------------------------------------- push: floor

EVENT_COLS = ("id", "terminal", "seq", "kind", "payload", "content_hash", "user_login", "created_at",
              "received_at", "status", "message")
ACC_COLS = ("id", "receipt_no", "outcome", "station", "terminal", "clerk", "applicant_name", "applicant",
            "bundle", "received_on", "catalog_version", "event_id", "created_at")
CASE_COLS = ("id", "acceptance_id", "station", "status", "receipt_no", "applicant_name", "matter_code",
             "matter_name", "due_date", "statutory_due_date", "provisional", "decided_on", "document_no",
             "updated_at", "received_at", "last_terminal", "last_user", "last_event_id", "version")
CASE_STATE = ("id", "status", "due_date", "statutory_due_date", "decided_on", "document_no", "updated_at",
              "received_at", "last_terminal", "last_user", "last_event_id", "version")
DOC_COLS = ("acceptance_id", "case_id", "station", "kind", "number", "seal_id", "digest", "signature",
            "sha256", "signed_at", "event_id", "created_at")
DOC_STATE = ("acceptance_id", "number", "kind", "seal_id", "digest", "signature", "sha256", "signed_at",
             "event_id")
CHANGE_COLS = ("cursor", "station", "kind", "key", "data", "origin_terminal", "origin_station", "origin_user",
               "origin_at", "created_at")


def floor_batches(day: Day) -> list[dict]:
    """Per batch: the rows to write (JSON already text, as the server's COPY sends it)."""
    out = []
    for i in range(0, len(day.per_event), BATCH):
        chunk = day.per_event[i:i + BATCH]
        new = {cid for rows in chunk for cid in rows["new_cases"]}
        final: dict[str, dict] = {}
        for rows in chunk:
            for case in rows["touched"]:
                final[case["id"]] = case
        new_docs = {k for rows in chunk for k in rows["new_docs"]}
        docs: dict[tuple[str, str], dict] = {}
        for rows in chunk:
            for doc in rows["touched_docs"]:
                docs[(doc["acceptance_id"], doc["number"])] = doc
        out.append({
            "events": [[r["event"].get(c) for c in EVENT_COLS] for r in chunk],
            "acceptances": [[json.dumps(a[c], ensure_ascii=False) if c == "applicant" else a.get(c)
                             for c in ACC_COLS] for r in chunk for a in r["acceptances"]],
            "new_cases": [[final[cid].get(c) for c in CASE_COLS] for cid in sorted(new)],
            "updated_cases": [[final[cid].get(c) for c in CASE_STATE] for cid in sorted(final) if cid not in new],
            "documents": [[docs[k].get(c) for c in DOC_COLS] for r in chunk for k in r["new_docs"]],
            "updated_docs": [[d.get(c) for c in DOC_STATE] for k, d in docs.items() if k not in new_docs],
            "changes": [{**c, "data": json.dumps(c["data"], ensure_ascii=False)} for r in chunk
                        for c in r["changes"]],
        })
    return out


def push_floor(pg: PgServer, template: str, day: Day, batches: list[dict], tag: str) -> tuple[float, dict]:
    import psycopg

    db = pg.create(f"push_floor_{tag}", template)
    preload_files(pg, db, day.files)
    q = lambda cols: ", ".join(f'"{c}"' for c in cols)   # noqa: E731
    with psycopg.connect(pg.dsn(db)) as conn:
        t = time.perf_counter()
        for b in batches:
            received = datetime.now(CST).replace(tzinfo=None)
            with conn.transaction(), conn.cursor() as cur:
                with cur.copy(f"COPY events ({q(EVENT_COLS)}) FROM STDIN") as copy:
                    for row in b["events"]:
                        row[8] = received
                        copy.write_row(row)
                if b["acceptances"]:
                    with cur.copy(f"COPY acceptances ({q(ACC_COLS)}) FROM STDIN") as copy:
                        for row in b["acceptances"]:
                            copy.write_row(row)
                if b["new_cases"]:
                    with cur.copy(f"COPY cases ({q(CASE_COLS)}) FROM STDIN") as copy:
                        for row in b["new_cases"]:
                            row[14] = received
                            copy.write_row(row)
                if b["updated_cases"]:
                    cur.execute(f"CREATE TEMP TABLE case_state ON COMMIT DROP AS SELECT {q(CASE_STATE)} FROM cases"
                                " WITH NO DATA")
                    with cur.copy(f"COPY case_state ({q(CASE_STATE)}) FROM STDIN") as copy:
                        for row in b["updated_cases"]:
                            row[7] = received
                            copy.write_row(row)
                    cur.execute("UPDATE cases c SET " + ", ".join(f"{k} = t.{k}" for k in CASE_STATE[1:])
                                + " FROM case_state t WHERE c.id = t.id")
                if b["documents"]:
                    with cur.copy(f"COPY documents ({q(DOC_COLS)}) FROM STDIN") as copy:
                        for row in b["documents"]:
                            row[11] = received
                            copy.write_row(row)
                if b["updated_docs"]:
                    cur.execute(f"CREATE TEMP TABLE doc_state ON COMMIT DROP AS SELECT {q(DOC_STATE)} FROM documents"
                                " WITH NO DATA")
                    with cur.copy(f"COPY doc_state ({q(DOC_STATE)}) FROM STDIN") as copy:
                        for row in b["updated_docs"]:
                            copy.write_row(row)
                    cur.execute("UPDATE documents d SET " + ", ".join(f"{k} = t.{k}" for k in DOC_STATE[2:])
                                + " FROM doc_state t WHERE d.acceptance_id = t.acceptance_id AND d.number = t.number")
                if b["changes"]:
                    value = cur.execute("SELECT value FROM counters WHERE name = 'changes' FOR UPDATE").fetchone()[0]
                    cur.execute("UPDATE counters SET value = %s WHERE name = 'changes'", (value + len(b["changes"]),))
                    with cur.copy(f"COPY changes ({q(CHANGE_COLS)}) FROM STDIN") as copy:
                        for n, c in enumerate(b["changes"], start=1):
                            copy.write_row([value + n, *(c[k] for k in CHANGE_COLS[1:-1]), received])
        elapsed = time.perf_counter() - t
    counts = table_counts(pg, db)
    pg.drop(db)
    return elapsed, {"rows": counts}


# --------------------------------------------------------------------------- pull

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


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--matters", type=int, default=20_000)
    p.add_argument("--fast", action="store_true", help="PostgreSQL with fsync/synchronous_commit/full_page_writes off")
    p.add_argument("--skip-pull", action="store_true")
    args = p.parse_args(argv)

    print(f"== bench_sync — {benchlib.machine()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="ws-bench-sync-"))
    pg = PgServer(args.fast)
    try:
        print(f"  PostgreSQL {pg.version}（私有实例，127.0.0.1:{pg.port}），{pg.settings}；两侧同一服务器、同一设置",
              flush=True)
        template = migrated_template(pg)
        t = time.perf_counter()
        day = Day(args.events)
        batches = floor_batches(day)
        print(f"  {len(day.events):,} 个事件（{len(batches)} 批，每批 ≤ {BATCH}），{len(day.files):,} 份文书文件"
              f"（预先上传）；生成 {time.perf_counter() - t:.1f} s", flush=True)
        print(f"  组成：{day.mix()}", flush=True)
        real, floor, details = [], [], {}
        import copy as _copy

        for i in range(args.repeat):
            order = ("real", "floor") if i % 2 == 0 else ("floor", "real")
            for side in order:
                if side == "real":
                    s, info = push_real(pg, template, day, str(i), work)
                    real.append(s)
                    details["real"] = info
                else:
                    s, info = push_floor(pg, template, day, _copy.deepcopy(batches), str(i))
                    floor.append(s)
                    details["floor"] = info
                print(f"  第{i + 1}轮 {'服务器推送' if side == 'real' else '裸 COPY  '}："
                      f"{s:6.2f} s，{len(day.events) / s:8,.0f} 事件/s", flush=True)
        rate_real = len(day.events) / statistics.median(real)
        rate_floor = len(day.events) / statistics.median(floor)
        # The two sides of a round run back to back, under the same load from whatever
        # else the machine runs: the criterion is the median of the rounds' ratios.
        ratios = [f / r for r, f in zip(real, floor)]
        ratio = statistics.median(ratios)
        print("  各轮比值（裸 COPY 用时 / 推送用时）：" + "，".join(f"{x:.0%}" for x in ratios))
        statuses = details["real"]["statuses"]
        same = details["real"]["rows"] == details["floor"]["rows"]
        ok_push = ratio >= MIN_RATIO and statuses.get("applied") == len(day.events) and same
        print(f"  中心写入的行：{details['real']['rows']}")
        print(f"  裸 COPY 写入：{details['floor']['rows']}（{'一致' if same else '不一致！'}）")
        print(f"  结果：{statuses}")
        print(f"  推送（中位数）{rate_real:8,.0f} 事件/s   裸 COPY {rate_floor:8,.0f} 事件/s   "
              f"比值（各轮中位数）{ratio:.0%}（目标 ≥ {MIN_RATIO:.0%}）→ {'PASS' if ok_push else 'FAIL'}", flush=True)
        result = {"events": len(day.events), "batch": BATCH, "pg": pg.version, "pg_settings": pg.settings,
                  "real_s": real, "floor_s": floor, "real_eps": rate_real, "floor_eps": rate_floor,
                  "ratio": ratio, "ratios": ratios, "statuses": statuses, "rows": details, "pass_push": ok_push}
        ok_pull = True
        if not args.skip_pull:
            print(f"  目录：发布 {args.matters:,} 个事项，终端拉取，改一个事项后再发布、再拉取 …", flush=True)
            r = bench_pull(pg, template, args.matters, work)
            p1, p2 = r["pull_1"], r["pull_2"]
            ok_pull = 1 <= p2["changes"] <= 2 and p1["changes"] >= args.matters
            print(f"  首次发布 {r['publish_1_s']:.1f} s（新增 {r['publish_1']['added']:,}）；"
                  f"再次发布 {r['publish_2_s']:.1f} s（变更 {r['publish_2']['changed']}，"
                  f"未变 {r['publish_2']['unchanged']:,}）")
            print(f"  首次拉取：{p1['changes']:,} 条变更，{p1['bytes'] / 2 ** 20:,.1f} MiB，{p1['requests']} 次请求，"
                  f"{p1['seconds']:.1f} s")
            print(f"  再次拉取：{p2['changes']} 条变更，{p2['bytes']:,} 字节，{p2['requests']} 次请求，"
                  f"{p2['seconds'] * 1000:.0f} ms（目标：增量，1–2 条）→ {'PASS' if ok_pull else 'FAIL'}")
            result["pull"] = r
        result["pass_pull"] = ok_pull
        result["pass"] = ok_push and ok_pull
        benchlib.save_result("sync", result)
        return 0 if result["pass"] else 1
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
