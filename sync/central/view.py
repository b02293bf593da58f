"""The rows a batch touches: loaded (and locked) once, changed in memory by the
handlers, written back in a few bulk statements (see apply.py)."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from pathlib import Path
from collections.abc import Iterable

from sqlalchemy import select, union_all, update
from sqlalchemy.orm import Session

from sync.protocol import HEX64

from .batch import (ACCEPTANCE_KINDS, Conflict, Incoming, Retry, case_ids_of, lookup_key,
                    payload_str)
from .bulk import insert_rows, one_of, update_rows
from .access import visible_hashes
from .models import AcceptanceRecord, CaseRecord, DocumentRecord, SealRecord, StoredFile
from .protocol import text
from .scope import Refused
from .terminals import Caller

CHUNK = 1000


def chunks(items: Iterable, size: int = CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def plain_rows(session: Session, query) -> list[dict]:
    """A table's rows as dicts keyed by column (plain rows, no ORM objects: the view
    only reads and writes them back in bulk)."""
    result = session.execute(query)
    keys = tuple(result.keys())
    return [dict(zip(keys, row)) for row in result]


def when_text(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "此前"


# --------------------------------------------------------------------------- the view


class View:
    """The rows a batch touches, loaded (and locked) once, changed in memory and
    written back by ``flush``."""

    def __init__(self, session: Session, caller: Caller, received_at: datetime,
                 files_root: Path | None = None):
        self.s, self.caller, self.received_at = session, caller, received_at
        self.files_root = files_root            # the uploaded files (decisions.py reads there)
        self.cases: dict[str, dict] = {}
        self._by_acceptance: dict[str, list[dict]] = {}   # see cases_of
        self._indexed = 0
        self.new_cases: set[str] = set()
        self.dirty_cases: set[str] = set()
        self.acceptances: dict[str, dict] = {}        # id -> {id, station, receipt_no}
        self.receipts: dict[str, str] = {}            # receipt_no -> acceptance id
        self.new_acceptances: list[dict] = []
        self.documents: dict[tuple[str, str], dict] = {}  # (acceptance id, number) -> row
        self.new_documents: list[dict] = []
        self.dirty_documents: set[int] = set()
        self.seals: dict[str, dict] = {}
        self.new_seals: set[str] = set()
        self.dirty_seals: set[str] = set()
        self.files: set[str] = set()
        self.visible_files: set[str] = set()     # those of files the caller may see (access.py)
        self.changes: list[dict] = []

    # ---- loading

    def load(self, events: list[Incoming]) -> None:
        s = self.s
        acceptance_ids = {k for ev in events if ev.kind in ACCEPTANCE_KINDS
                          and (k := lookup_key(ev.payload.get("acceptance_id")))}
        receipts = {k for ev in events if (k := lookup_key(ev.payload.get("receipt_no"), 40))}
        # By id and by receipt number, in one round trip.
        lookups = [select(AcceptanceRecord.id, AcceptanceRecord.station, AcceptanceRecord.receipt_no)
                   .where(one_of(s, column, chunk))
                   for column, keys in ((AcceptanceRecord.id, acceptance_ids),
                                        (AcceptanceRecord.receipt_no, receipts))
                   for chunk in chunks(keys)]
        if lookups:
            self._add_acceptances(s.execute(union_all(*lookups) if len(lookups) > 1 else lookups[0]))
        signed = [self.receipts[k] for ev in events if ev.kind == "document.sign"
                  and (k := lookup_key(ev.payload.get("receipt_no"), 40)) in self.receipts]
        case_ids = {cid for ev in events for cid in case_ids_of(ev)}
        for chunk in chunks(set(signed)):
            case_ids.update(s.scalars(select(CaseRecord.id).where(one_of(s, CaseRecord.acceptance_id, chunk))))
        # Lock in id order: two batches touching the same cases never deadlock.
        for chunk in chunks(sorted(case_ids)):
            for case in plain_rows(s, select(CaseRecord.__table__).where(one_of(s, CaseRecord.id, chunk))
                              .order_by(CaseRecord.id).with_for_update()):
                self.cases[case["id"]] = case
        doc_acceptances = set(signed) | {c["acceptance_id"] for c in self.cases.values()}
        for chunk in chunks(doc_acceptances):
            for doc in plain_rows(s, select(DocumentRecord.__table__)
                             .where(one_of(s, DocumentRecord.acceptance_id, chunk))
                             .order_by(DocumentRecord.id)):
                self.documents[(doc["acceptance_id"], doc["number"])] = doc
        seal_ids = {k for ev in events if ev.kind.startswith("seal.")
                    and (k := lookup_key(ev.payload.get("seal_id"), 60))}
        for chunk in chunks(sorted(seal_ids)):
            for seal in plain_rows(s, select(SealRecord.__table__).where(one_of(s, SealRecord.id, chunk))
                              .order_by(SealRecord.id).with_for_update()):
                self.seals[seal["id"]] = seal
        hashes = {h for ev in events for h in ev.files if HEX64.fullmatch(h)}
        for chunk in chunks(hashes):
            self.files.update(s.scalars(select(StoredFile.sha256).where(
                one_of(s, StoredFile.sha256, chunk), StoredFile.complete.is_(True))))
        for chunk in chunks(self.files):
            self.visible_files |= visible_hashes(s, self.caller, chunk)

    def cases_of(self, acceptance_id: str) -> list[dict]:
        """The view's cases of an acceptance, in the view's order (cases are only ever
        added to the view, so the index is brought up to date from where it stopped)."""
        if self._indexed < len(self.cases):
            for case in itertools.islice(self.cases.values(), self._indexed, None):
                self._by_acceptance.setdefault(case["acceptance_id"], []).append(case)
            self._indexed = len(self.cases)
        return self._by_acceptance.get(acceptance_id, [])

    def _add_acceptances(self, rows) -> None:
        for acc_id, station, receipt in rows:
            self.acceptances[acc_id] = {"id": acc_id, "station": station, "receipt_no": receipt}
            self.receipts[receipt] = acc_id

    # ---- checks shared by the handlers

    def wall(self, station: str, what: str, case_id: str | None = None) -> None:
        if not self.caller.may_see(station):
            # Another station's data: the whole batch is refused and the attempt recorded
            # (scope.py), not kept as one event's conflict.
            raise Refused("station", f"{what}属于站点 {station}，本终端（站点 {self.caller.station}）"
                                     "无权办理：整批未予接收")

    def case(self, ev: Incoming) -> dict:
        case_id = payload_str(ev.payload, "case_id", 64, "案件编号").lower()
        case = self.cases.get(case_id)
        if case is None:
            raise Conflict("unknown_case", f"中心没有案件 {case_id[:40]}（其受理记录尚未同步到中心或已被拒收）",
                           case_id)
        self.wall(case["station"], f"案件 {case['receipt_no']}（{case['matter_name']}）", case_id)
        return case

    def need_files(self, ev: Incoming) -> None:
        for digest in ev.files:
            if not HEX64.fullmatch(digest):
                raise Conflict("invalid", "事件内容有误：文件摘要 sha256 应为64位十六进制数")
            if digest not in self.files:
                raise Retry(f"中心还没有文件 {digest[:12]}…（请先上传文件再发送此事件）")
            if digest not in self.visible_files:
                # Naming another station's file would make it ours to download.
                raise Refused("file", f"事件引用的文件 {digest[:12]}… 不是本终端（站点 {self.caller.station}）"
                                      "上传的，也不属于本站点的案件：整批未予接收")

    # ---- changes

    def touch(self, case: dict, ev: Incoming) -> None:
        case.update(updated_at=ev.created_at, received_at=self.received_at,
                    last_terminal=self.caller.terminal, last_user=text(ev.user, 64),
                    last_event_id=ev.id, version=(case.get("version") or 0) + 1)
        if case["id"] not in self.new_cases:
            self.dirty_cases.add(case["id"])

    def document_json(self, case: dict) -> dict | None:
        number = case.get("document_no")
        if not number:
            return None
        doc = self.documents.get((case["acceptance_id"], number))
        if doc is None:
            return {"kind": None, "number": number, "sha256": None, "seal_id": None,
                    "digest": None, "signature": None}
        return {"kind": doc["kind"], "number": number, "sha256": doc["sha256"],
                "seal_id": doc["seal_id"], "digest": doc["digest"], "signature": doc["signature"]}

    def case_change(self, case: dict, ev: Incoming, extra: dict | None = None) -> None:
        data = {"status": case["status"], "decided_on": iso_day(case["decided_on"]),
                "due_date": iso_day(case["due_date"]),
                "statutory_due_date": iso_day(case["statutory_due_date"]),
                "document": self.document_json(case), "station": case["station"],
                "receipt_no": case["receipt_no"], "acceptance_id": case["acceptance_id"],
                "matter_code": case["matter_code"], "matter_name": case["matter_name"],
                "applicant_name": case["applicant_name"], "event": ev.kind, "version": case["version"]}
        if extra:
            data.update(extra)
        self.changes.append({"station": case["station"], "kind": "case", "key": case["id"],
                             "data": data, **self.origin(ev)})

    def origin(self, ev: Incoming) -> dict:
        return {"origin_terminal": self.caller.terminal, "origin_station": self.caller.station,
                "origin_user": text(ev.user, 64), "origin_at": ev.created_at}

    # ---- writing back

    def flush(self) -> None:
        s = self.s
        insert_rows(s, AcceptanceRecord, self.new_acceptances)
        insert_rows(s, CaseRecord, [self.cases[i] for i in sorted(self.new_cases)])
        update_rows(s, CaseRecord, [{k: self.cases[i][k] for k in CASE_STATE}
                                    for i in sorted(self.dirty_cases)])
        insert_rows(s, DocumentRecord, self.new_documents)
        update_rows(s, DocumentRecord, [d for d in self.documents.values()
                                        if d.get("id") in self.dirty_documents])
        insert_rows(s, SealRecord, [self.seals[i] for i in sorted(self.new_seals)])
        if self.dirty_seals:
            s.execute(update(SealRecord), [self.seals[i] for i in sorted(self.dirty_seals)])


CASE_STATE = ("id", "status", "due_date", "statutory_due_date", "decided_on", "document_no",
              "updated_at", "received_at", "last_terminal", "last_user", "last_event_id", "version")


def iso_day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- handlers
