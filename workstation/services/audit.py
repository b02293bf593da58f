"""The audit log: append-only, each entry hashing the one before it.

Edits and deletes are refused by database triggers; anyone who drops those
triggers breaks the chain, and `verify` names the first entry that no longer fits.
The head (last sequence and hash) is kept in settings too, so that cutting
entries off the end is caught as well.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import raw
from ..store.models import AuditEntry, Setting
from .results import AuditReportJson

GENESIS = "0" * 64
HEAD_KEY = "audit_head"


def _digest(seq: int, at: datetime, user: str, terminal: str, action: str, target: str,
            detail: str, prev_hash: str) -> str:
    canonical = json.dumps([seq, at.isoformat(), user, terminal, action, target, detail, prev_hash],
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(session: Session, user: str, terminal: str, at: datetime, action: str, target: str,
           detail: dict) -> str:
    """Append an entry inside the caller's transaction; returns its hash."""
    cur = raw.cursor(session)
    head = cur.execute("SELECT value FROM settings WHERE key = ?", (HEAD_KEY,)).fetchone()
    if head is None:
        seq, prev = 1, GENESIS
    else:
        last_seq, prev = head[0].split(":")
        seq = int(last_seq) + 1
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = _digest(seq, at, user, terminal, action, target, text, prev)
    cur.execute("INSERT INTO audit_log (seq, at, user_login, terminal, action, target, detail, "
                "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, raw.ts(at), user, terminal, action, target, text, prev, digest))
    cur.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (HEAD_KEY, f"{seq}:{digest}"))
    return digest


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    entries: int
    problem: str = ""
    seq: int | None = None

    def to_json(self) -> AuditReportJson:
        return {"ok": self.ok, "entries": self.entries, "problem": self.problem, "seq": self.seq}


def verify(session: Session) -> AuditReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(2000):
        if entry.seq != expected_seq:
            return AuditReport(False, count, f"第{expected_seq}条审计记录缺失（被删除）", expected_seq)
        if entry.prev_hash != prev:
            return AuditReport(False, count, f"第{entry.seq}条审计记录与前一条不衔接（前一条被改动或删除）",
                               entry.seq)
        digest = _digest(entry.seq, entry.at, entry.user_login, entry.terminal, entry.action,
                         entry.target, entry.detail, entry.prev_hash)
        if digest != entry.hash:
            return AuditReport(False, count, f"第{entry.seq}条审计记录的内容被改动", entry.seq)
        prev = entry.hash
        expected_seq += 1
        count += 1
    head = session.get(Setting, HEAD_KEY)
    if head is not None and head.value != f"{count}:{prev}":
        return AuditReport(False, count, f"审计记录末尾缺失：应有{head.value.split(':')[0]}条，实有{count}条",
                           count + 1)
    if head is None and count:
        return AuditReport(False, count, "审计记录头信息缺失")
    return AuditReport(True, count)
