"""bench_sync's push: the real server (``python -m sync.central.cli serve``) taking a
day's events, and the floor — the same rows written with psycopg COPY — with the
fingerprints that say both wrote the same."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import benchlib
import httpx
from sync_day import STATION, TERMINAL, Day
from sync_pg import PgServer

from sync.protocol import CST
from tests.pg import free_port

ROOT = benchlib.ROOT
BATCH = 500            # workstation/services/sync/client.py BATCH: events per POST


class Server:
    """``python -m sync.central.cli serve`` on 127.0.0.1, as an operator starts it."""

    def __init__(self, url: str, files: Path, workers: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        files.mkdir(parents=True, exist_ok=True)
        self.log = open(files.parent / f"server-{self.port}.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "sync.central.cli", "serve", "--db", url,
                                      "--port", str(self.port), "--files", str(files),
                                      "--workers", str(workers)],
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



# --------------------------------------------------------------------------- push: real

def preload_files(pg: PgServer, db: str, day: Day, files_dir: Path | None = None) -> None:
    """The documents' files, uploaded before their events (as the client does): their
    rows, and (``files_dir``: the server's folder) the decisions' documents themselves,
    which the centre reads and verifies (issue 16). Other documents' bytes are never
    read by the centre, so only their rows are written."""
    import psycopg

    at = datetime.now(CST).replace(tzinfo=None)
    if files_dir is not None:
        for sha, data in day.contents.items():
            target = files_dir / sha[:2] / sha
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    with psycopg.connect(pg.dsn(db)) as conn, conn.cursor() as cur:
        with cur.copy("COPY files (sha256, size, complete, path, station, terminal, created_at, completed_at)"
                      " FROM STDIN") as copy:
            for sha in day.files:
                size = len(day.contents[sha]) if sha in day.contents else 48_000
                copy.write_row((sha, size, True, f"{sha[:2]}/{sha}", STATION, day.terminal, at, at))
        cur.execute("ANALYZE files")


_made: dict = {}


def _certified(seal) -> dict:
    """The district's authority and the seal's certificate it issued for the district
    terminal's request (tests/decision_support.py): made once per run, so every side
    holds the same rows."""
    if seal.id not in _made:
        from datetime import date

        from forms import signing, x509
        from tests.decision_support import ORGAN, PASSPHRASE

        if "authority" not in _made:
            private, _ = signing.generate_keypair("ecdsa-p256")
            _made["authority"] = (x509.make_authority(algorithm="ecdsa-p256", private=private, organ=ORGAN,
                                                      valid_from=date(2026, 1, 1), valid_to=date(2046, 1, 1)),
                                  private, signing.encrypt_private_key(private, PASSPHRASE),
                                  datetime.now(CST).replace(tzinfo=None))
        root, private = _made["authority"][:2]
        request = seal.request(TERMINAL)
        info = x509.read_request(base64.b64decode(request))
        valid_from, valid_to = date(2026, 1, 1), date(2031, 1, 1)
        der = x509.issue(info, authority=root, authority_private=private, valid_from=valid_from,
                         valid_to=valid_to)
        _made[seal.id] = {"info": info, "certificate": {"request": request, "x509": base64.b64encode(der).decode()},
                          "valid_from": valid_from, "valid_to": valid_to}
    return _made[seal.id]


def preload_seal(pg: PgServer, db: str, seal) -> None:
    """The district's seal authority and the decision seal it certified, at the centre
    before the clock starts (as ``authority init`` and the district's ``seal.create``
    would have left them), on both sides."""
    import psycopg
    from psycopg.types.json import Jsonb

    made = _certified(seal)
    info = made["info"]
    root, _, blob, created = _made["authority"]
    at = datetime.now(CST).replace(tzinfo=None)
    with psycopg.connect(pg.dsn(db)) as conn:
        conn.execute("INSERT INTO authority (id, algorithm, organ, certificate, key_blob, created_at)"
                     " VALUES (1, %s, %s, %s, %s, %s)", ("ecdsa-p256", info.organ, root, blob, created))
        conn.execute("INSERT INTO seals (id, name, category, algorithm, public_key, certificate, status, valid_from,"
                     " valid_to, station, terminal, created_at) VALUES (%s, %s, %s, %s, %s, %s, 'active', %s, %s,"
                     " %s, %s, %s)",
                     (seal.id, info.name, info.category, info.algorithm, info.public_key,
                      Jsonb(made["certificate"]), made["valid_from"], made["valid_to"], STATION, TERMINAL, at))


def push_real(pg: PgServer, template: str, day: Day, tag: str, work: Path, seal) -> tuple[float, dict]:
    db = pg.create(f"push_real_{tag}", template)
    url = pg.url(db)
    preload_files(pg, db, day, work / f"files-{tag}")
    preload_seal(pg, db, seal)
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


def push_floor(pg: PgServer, template: str, days: list[Day], batches: list[dict], tag: str,
               seal) -> tuple[float, dict]:
    """The floor: the days' rows written with COPY, one batch (one transaction) after another."""
    import psycopg

    db = pg.create(f"push_floor_{tag}", template)
    for day in days:
        preload_files(pg, db, day)
    preload_seal(pg, db, seal)
    q = lambda cols: ", ".join(f'"{c}"' for c in cols)
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

