"""bench_sync's workload: the events of one terminal's real day and the rows a correct
centre writes for them.

Since issue 16 the centre applies a decision only with its sealed document, which it
reads and verifies: each approve/deny carries a real 准予/不予行政许可决定书 signed by the
bench's decision seal (registered at the centre before the clock starts). Filling a
.docx costs a few hundred ms, so ``make_day`` builds the day twice: a draft names the
decisions, their documents are signed in a process pool, then the day is built again
(deterministic from its seed and start) with them."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta

import benchlib  # noqa: F401 (puts the project on sys.path)

from sync.protocol import CST, canonical, content_hash

STATION = "district"   # the hall: accepts and decides (委托受理 cases included)
TERMINAL = "001"


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

    def __init__(self, n: int, seed: int = 5, terminal: str = TERMINAL, *, start: datetime | None = None,
                 documents: dict[tuple[str, str], tuple[bytes, dict]] | None = None):
        rng = random.Random(seed)
        self.rng = rng
        self.terminal = terminal
        self.events: list[dict] = []
        self.files: list[str] = []           # sha256 of decision / receipt documents (uploaded first)
        # Decisions' sealed documents by (terminal, number) (None: a draft, which lists what to sign).
        self.documents = documents
        self.decisions: list[tuple[str, str, str]] = []      # (event kind, receipt, number) of a draft
        self.contents: dict[str, bytes] = {}                  # sha256 -> a decision document's bytes
        self.cases: dict[str, dict] = {}     # the case state after each event
        self.docs: dict[tuple[str, str], dict] = {}    # (acceptance id, number) -> documents row
        start = start or datetime.now(CST).replace(tzinfo=None, microsecond=0) - timedelta(hours=10)
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
        rows = {"event": {"id": ev["id"], "terminal": self.terminal, "seq": seq, "kind": kind, "payload": body,
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
        sha = hashlib.sha256(f"document {self.terminal} {len(self.files)}".encode()).hexdigest()
        self.files.append(sha)
        return sha

    def _acceptance(self, pools, numbers) -> None:
        rng = self.rng
        at = self.moments[len(self.events)]
        n_cases = 2 if rng.random() < 0.05 else 1
        tolerated = rng.random() < 0.08
        status = "tolerated" if tolerated else "accepted"
        acc_id = uuid.UUID(int=rng.getrandbits(128)).hex
        receipt = f"610102{at:%Y%m%d}{self.terminal}{next(numbers):05d}"
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
                   "terminal": self.terminal, "clerk": "clerk", "received_on": at.date().isoformat(),
                   "catalog_version": "2026-09", "applicant": self._person(),
                   "bundle": "开办餐馆" if n_cases == 2 else None, "notice": None, "cases": cases,
                   "documents": documents,
                   "materials": {c["id"]: [{"code": f"M0{i}", "state": "promised" if tolerated and i == 3
                                            else "received", "promise_date": None, "note": ""}
                                           for i in range(1, 4)] for c in cases}}
        ev = self._event(f"acceptance.{status}", payload)
        rows = self.per_event[-1]
        rows["acceptances"].append({
            "id": acc_id, "receipt_no": receipt, "outcome": status, "station": STATION, "terminal": self.terminal,
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
            document = self._decision(kind, case["receipt_no"], number)
            payload.update(decided_on=_day(at.date()), reason=None if kind == "case.approve"
                           else "材料不符合法定条件", document=document)
        if kind != "case.approve" and kind != "case.deny" and kind != "case.delivered":
            payload.update(due_date=_day(case["due_date"]), statutory_due_date=_day(case["statutory_due_date"]))
        ev = self._event(kind, payload)
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

    def _decision(self, kind: str, receipt: str, number: str) -> dict:
        """The decision's sealed document (a draft: a stand-in, and the decision noted)."""
        if self.documents is None:
            self.decisions.append((kind, receipt, number))
            return {"kind": DECISION_KINDS[kind], "number": number, "sha256": "0" * 64, "seal_id": "",
                    "digest": "", "signature": "", "path": ""}
        data, document = self.documents[(self.terminal, number)]
        self.contents[document["sha256"]] = data
        self.files.append(document["sha256"])
        return dict(document)

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
        case.update(updated_at=at, last_terminal=self.terminal, last_user=ev["user"], last_event_id=ev["id"],
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
                                "origin_terminal": self.terminal, "origin_station": STATION,
                                "origin_user": ev["user"], "origin_at": at})
        rows["touched"].append(dict(case))      # the case's state after this event

    def mix(self) -> str:
        kinds: dict[str, int] = {}
        for ev in self.events:
            kinds[ev["kind"]] = kinds.get(ev["kind"], 0) + 1
        return "，".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))



DECISION_KINDS = {"case.approve": "准予行政许可决定书", "case.deny": "不予行政许可决定书"}


def decision_seal():
    """The bench's decision seal (商事登记专用章), registered at the centre before the clock."""
    from tests.decision_support import decision_seal as make

    return make("商事登记", "S-BENCH-SJ-01")


def _sign(job: tuple) -> tuple[str, bytes, dict]:
    from tests.decision_support import signed_decision

    seal, terminal, kind, receipt, number = job
    data, document = signed_decision(seal, kind, receipt, number)
    return (terminal, number), data, document


def make_days(specs: list[tuple[int, int, str]], seal) -> list[Day]:
    """Days for (events, seed, terminal), their decisions' documents signed by ``seal``
    in a pool of processes (fork: the children start with forms imported)."""
    start = datetime.now(CST).replace(tzinfo=None, microsecond=0) - timedelta(hours=10)
    drafts = [Day(n, seed, terminal, start=start) for n, seed, terminal in specs]
    jobs = [(seal, draft.terminal, *d) for draft in drafts for d in draft.decisions]
    with ProcessPoolExecutor(max(1, min(4, os.cpu_count() or 1)),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        signed = {key: (data, document) for key, data, document in pool.map(_sign, jobs, chunksize=4)}
    return [Day(n, seed, terminal, start=start, documents=signed) for n, seed, terminal in specs]
