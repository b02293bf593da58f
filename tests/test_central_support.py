"""What the central server's tests share: a real server process on loopback
(``python -m sync.central.cli serve``), fake terminals that enroll and push events
over HTTP with httpx, and builders for the payloads the services write.

No tests here; the fixtures are imported by the test_central_* modules."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from sync.protocol import CST, canonical

from .pg import central_db_url, free_port, pg_server  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
CLI = "sync.central.cli"


def cli(db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``workstation-central ARGS --db URL`` in a subprocess (the console script's main)."""
    proc = subprocess.run([sys.executable, "-m", CLI, *args, "--db", db_url], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


def run_main(*argv: str) -> tuple[int, str, str]:
    """``workstation-central ARGV`` in-process (cli.main): exit code, stdout, stderr."""
    from sync.central.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def cli_json(db_url: str, *args: str):
    """``workstation-central ARGS --db URL --json`` in-process, parsed."""
    code, out, err = run_main(*args, "--db", db_url, "--json")
    assert code == 0, err
    return json.loads(out)


def device_now(delta: timedelta = timedelta()) -> str:
    return (datetime.now(CST).replace(tzinfo=None) + delta).isoformat()


def make_event(seq: int, kind: str, payload: dict, *, user: str = "clerk",
               created_at: str | None = None, event_id: str | None = None) -> dict:
    body = canonical(payload)
    return {"id": event_id or str(uuid.uuid4()), "seq": seq, "kind": kind, "payload": payload,
            "content_hash": hashlib.sha256(f"{kind}\n{body}".encode()).hexdigest(), "user": user,
            "created_at": created_at or device_now()}


# Receipt numbers are unique, as a terminal's are (its code and a counter): random
# ones collided now and then (2,000 random 8-digit numbers repeat one in ~2 % of runs),
# and the centre rightly refused the second acceptance as a conflict.
_receipts = itertools.count(os.getpid() % 1000 * 100_000)


def acceptance(station: str, n_cases: int = 1, *, status: str = "accepted",
               receipt: str | None = None, terminal: str | None = None) -> dict:
    """An acceptance.accepted payload as workstation/services/acceptance.py writes it
    (``terminal``: the code it names, left out by default; the centre refuses a batch
    naming another terminal than the token's)."""
    acc_id = uuid.uuid4().hex
    receipt = receipt or f"610102{datetime.now():%Y%m%d}{next(_receipts):08d}"
    cases = [{"id": uuid.uuid4().hex, "matter_code": "T-GT", "matter_name": "个体工商户设立登记",
              "status": status, "due_date": "2026-10-15", "statutory_due_date": "2026-10-28",
              "provisional": False} for _ in range(n_cases)]
    return {"acceptance_id": acc_id, "receipt_no": receipt, "outcome": "accepted", "station": station,
            **({"terminal": terminal} if terminal else {}), "clerk": "clerk", "received_on": "2026-09-30",
            "catalog_version": "test-1",
            "applicant": {"kind": "person", "name": "张伟", "phone": "13800000000",
                          "address": "西安市新城区", "id_number": "610102199001011234"},
            "bundle": None, "notice": None, "cases": cases,
            "documents": [{"kind": "受理通知书", "number": f"新城审受字〔2026〕第{uuid.uuid4().int % 10 ** 5:05d}号"}],
            "materials": {c["id"]: [{"code": "M01", "state": "received", "promise_date": None, "note": ""}]
                          for c in cases}}


def case_event(kind: str, case_id: str, **extra) -> tuple[str, dict]:
    status = {"case.review": "reviewing", "case.suspend": "suspended", "case.resume": "reviewing",
              "case.approve": "approved", "case.deny": "denied"}.get(kind)
    payload = {"case_id": case_id, **({"status": status} if status else {}), **extra}
    if kind in ("case.approve", "case.deny"):
        payload.setdefault("decided_on", "2026-10-09")
        payload.setdefault("reason", None if kind == "case.approve" else "材料不符合法定条件")
        payload.setdefault("document", f"新城审许字〔2026〕第{uuid.uuid4().int % 10 ** 5:05d}号")
    return kind, payload


@dataclass
class Terminal:
    """A fake terminal: its token and the next seq of its outbox."""

    server: Central
    code: str
    station: str
    token: str
    seq: int = 0
    client: httpx.Client = field(init=False)

    def __post_init__(self):
        self.client = httpx.Client(base_url=self.server.base, timeout=60,
                                   headers={"Authorization": f"Bearer {self.token}"})

    def event(self, kind: str, payload: dict, **kw) -> dict:
        self.seq += 1
        return make_event(self.seq, kind, payload, **kw)

    def push(self, events: list[dict]) -> httpx.Response:
        return self.client.post("/events", json={"terminal": self.code, "events": events})

    def statuses(self, events: list[dict]) -> list[str]:
        r = self.push(events)
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert [x["id"] for x in results] == [e["id"] for e in events]
        return [x["status"] for x in results]

    def results(self, events: list[dict]) -> list[dict]:
        r = self.push(events)
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def decide(self, kind: str, case_id: str, receipt_no: str, seal, *, user: str = "chen",
               **extra) -> dict:
        """A case.approve / case.deny event with its sealed document, uploaded now
        (the seal must be registered at the centre: ``seal.create`` first)."""
        from .decision_support import signed_decision, upload

        data, document = signed_decision(seal, kind, receipt_no)
        upload(self.client, data)
        return self.event(*case_event(kind, case_id, document=document, **extra), user=user)

    def pull(self, since: int = 0, limit: int | None = None) -> dict:
        params = {"since": since, **({"limit": limit} if limit else {})}
        r = self.client.get("/changes", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def pull_all(self, since: int = 0) -> tuple[list[dict], int]:
        out, cursor = [], since
        while True:
            page = self.pull(cursor, 2000)
            out += page["changes"]
            cursor = page["cursor"]
            if not page["more"]:
                return out, cursor


# A process that has imported everything a server needs and forks a server per
# test on request: `workstation-central serve` (cli.main) in a process of its own,
# without paying ~0.7 s of imports each time. SIGCHLD is ignored there, so its
# children are reaped as they end and a pid that is gone is a server that ended.
_ZYGOTE = r"""
import json, os, signal, sys
import uvicorn, sync.central.app, sync.central.cli
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
for line in sys.stdin:
    argv, log = json.loads(line)
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0), os.dup2(null, 1), os.dup2(out, 2)
        code = 1
        try:
            code = sync.central.cli.main(argv)
        finally:
            sys.stderr.flush()
            os._exit(code)
    print(pid, flush=True)
"""
_zygote: subprocess.Popen | None = None


def _spawn(argv: list[str], log: Path) -> int:
    global _zygote
    if _zygote is None or _zygote.poll() is not None:
        _zygote = subprocess.Popen([sys.executable, "-c", _ZYGOTE], cwd=ROOT, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    _zygote.stdin.write(json.dumps([argv, str(log)]) + "\n")
    _zygote.stdin.flush()
    return int(_zygote.stdout.readline())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


@atexit.register
def _stop_zygote():
    # It also ends by itself when the test run's end closes its stdin.
    if _zygote is not None and _zygote.poll() is None:
        _zygote.stdin.close()
        _zygote.wait(10)


class Central:
    """The central server as a real process on a free loopback port: forked from
    the zygote, or (``exec=True``) started as ``python -m sync.central.cli serve``."""

    def __init__(self, db_url: str, files: Path, *, exec: bool = False, workers: int = 1,
                 authority: bool = True):
        """``authority``: the district's seal authority is made at the first start and
        the server unlocks it (the passphrase by file), so seal requests are certified
        at once and decisions can verify; False for a centre without one."""
        self.db_url, self.files, self.exec, self.workers = db_url, files, exec, workers
        self.authority = authority
        self.log = files.parent / "central-server.log"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.proc: subprocess.Popen | None = None
        self.pid: int | None = None
        self.terminals: list[Terminal] = []
        self.extra_args: list[str] = []     # e.g. --authority-passphrase-file

    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        return self.pid is not None and _alive(self.pid)

    def start(self) -> Central:
        self.files.mkdir(parents=True, exist_ok=True)
        if self.authority and "--authority-passphrase-file" not in self.extra_args:
            from .decision_support import PASSPHRASE

            secret = self.files.parent / "authority-passphrase"
            secret.write_text(PASSPHRASE)
            self.extra_args.append("--authority-passphrase-file")
            self.extra_args.append(str(secret))
        argv = ["serve", "--db", self.db_url, "--port", str(self.port), "--files", str(self.files),
                *(["--workers", str(self.workers)] if self.workers != 1 else []), *self.extra_args]
        if self.exec:
            with open(self.log, "a") as log:
                self.proc = subprocess.Popen([sys.executable, "-m", CLI, *argv], cwd=ROOT,
                                             stdout=subprocess.DEVNULL, stderr=log)
        else:
            self.pid = _spawn(argv, self.log)
        deadline = time.monotonic() + 30
        while True:
            if not self.running():
                raise AssertionError(f"central server ended: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.base}/time", timeout=1).status_code == 200:
                    if self.authority:
                        from .decision_support import init_authority

                        init_authority(self.db_url)
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("central server did not answer within 30 s")
            time.sleep(0.02)

    def _signal(self, sig: int, timeout: float) -> bool:
        if not self.running():
            return True
        os.kill(self.proc.pid if self.proc else self.pid, sig)
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as a power cut would."""
        assert self._signal(signal.SIGKILL, 10)

    def stop(self) -> None:
        for t in self.terminals:
            t.client.close()
        if not self._signal(signal.SIGTERM, 10):
            self.kill()
        if self.log.exists() and self.log.stat().st_size:
            print("central server's stderr:\n" + self.log.read_text(errors="replace")[-5000:])

    def add_code(self, station: str, terminal: str) -> str:
        return cli_json(self.db_url, "terminal", "add", "--station", station, "--terminal", terminal)["code"]

    def add_code_fast(self, station: str, terminal: str) -> str:
        """The same as `terminal add`, in-process (a subprocess costs ~1 s)."""
        from sync.central.db import CentralDB
        from sync.central.terminals import add_terminal

        db = CentralDB(self.db_url)
        try:
            return db.write(lambda s: add_terminal(s, station=station, terminal=terminal))["code"]
        finally:
            db.close()

    def enroll(self, station: str, terminal: str) -> Terminal:
        code = self.add_code_fast(station, terminal)
        r = httpx.post(f"{self.base}/enroll", json={"code": code, "terminal": terminal, "device": "测试"})
        assert r.status_code == 201, r.text
        t = Terminal(self, terminal, station, r.json()["token"])
        self.terminals.append(t)
        return t

    def sql(self, statement: str, **params):
        """Read (or poke) the central database directly."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db_url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return result.all() if result.returns_rows else None
        finally:
            engine.dispose()


@pytest.fixture
def pg_central(central_db_url, tmp_path):
    server = Central(central_db_url, tmp_path / "files").start()
    yield server
    server.stop()


@pytest.fixture(params=["postgresql", "sqlite"])
def central(request, tmp_path):
    """The core API runs on both: PostgreSQL for real use, SQLite for a quick try."""
    url = (request.getfixturevalue("central_db_url") if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'central.sqlite3'}")
    server = Central(url, tmp_path / "files").start()
    yield server
    server.stop()
