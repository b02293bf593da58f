"""The audit log: append-only, each entry keyed-hashing the one before it.

Edits and deletes are refused by database triggers; anyone who drops those
triggers breaks the chain, and `verify` names the first entry that no longer fits.

- Each entry's hash is an HMAC-SHA256 under the audit key (services/audit_key.py:
  the OS keyring, or derived from the seal secret), so nobody holding only the data
  folder can recompute the chain after editing an entry.
- The head (last sequence and hash) is kept in settings with its own MAC (another
  domain than the entries'), so cutting entries off the end and pointing the head
  back at an earlier one is caught, as is deleting the whole log of a set-up terminal.
- Each sync sends the head to the centre as a signed checkpoint; the last one the
  centre confirmed is kept (MAC'd) and the chain must still reach and agree with it.

A log from before keying (a terminal upgraded from an older version, or one that has
neither keyring nor seal secret) is hashed with plain SHA-256. The first time a
process that has a key source opens it, the unkeyed chain is verified once and, if
intact, sealed by a keyed `audit.rekey` entry naming the unkeyed head; from then on
the key is required. An unkeyed chain that does not verify is left as it is, for
`verify` to report: nothing is re-keyed silently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import DomainError
from ..store import raw
from ..store.models import AuditEntry
from . import audit_key
from .audit_key import KeyMeta
from .results import AuditReportJson

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
HEAD_MAC_KEY = "audit_head_mac"
CONFIRMED_KEY = "audit_checkpoint"          # sync_state: the last checkpoint the centre confirmed
SYSTEM = "(系统)"
NO_KEY = ("取不到审计密钥：审计日志已加密钥，而本机的系统钥匙串中没有它，也未设置与初始化时相同的 "
          f"{audit_key.SECRET_ENV}。请在初始化本终端的桌面会话中操作，或设置该环境变量后重试")


def _canonical(seq: int, at: datetime, user: str, terminal: str, action: str, target: str,
               detail: str, prev_hash: str) -> str:
    return json.dumps([seq, at.isoformat(), user, terminal, action, target, detail, prev_hash],
                      ensure_ascii=False, separators=(",", ":"))


def _digest(key: bytes | None, *fields) -> str:
    text = _canonical(*fields)
    if key is None:
        return hashlib.sha256(text.encode()).hexdigest()
    return audit_key.mac(key, audit_key.ENTRY, text)


def _setting(cur: sqlite3.Cursor, name: str) -> str | None:
    row = cur.execute("SELECT value FROM settings WHERE key = ?", (name,)).fetchone()
    return row[0] if row else None


def _put(cur: sqlite3.Cursor, name: str, value: str) -> None:
    cur.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (name, value))


def _append(cur: sqlite3.Cursor, key: bytes | None, user: str, terminal: str, at: datetime,
            action: str, target: str, text: str) -> str:
    head = _setting(cur, HEAD_KEY)
    if head is None:
        seq, prev = 1, GENESIS
    else:
        last_seq, prev = head.split(":")
        seq = int(last_seq) + 1
    digest = _digest(key, seq, at, user, terminal, action, target, text, prev)
    cur.execute("INSERT INTO audit_log (seq, at, user_login, terminal, action, target, detail, "
                "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, raw.ts(at), user, terminal, action, target, text, prev, digest))
    _put(cur, HEAD_KEY, f"{seq}:{digest}")
    if key is not None:
        _put(cur, HEAD_MAC_KEY, audit_key.mac(key, audit_key.HEAD, f"{seq}:{digest}"))
    return digest


def current_key(cur: sqlite3.Cursor) -> bytes | None:
    """The audit key of a keyed log (DomainError if it cannot be found); None if unkeyed."""
    meta = KeyMeta.parse(_setting(cur, audit_key.KEY_ROW))
    if meta is None:
        return None
    key, found = audit_key.load(cur, meta)
    if key is None:
        raise DomainError("本机找到的审计密钥（系统钥匙串或 WORKSTATION_SEAL_SECRET）与数据库中的密钥记录不符："
                          "口令不是初始化本终端时的，或审计密钥记录被改动" if found else NO_KEY)
    return key


def record(session: Session, user: str, terminal: str, at: datetime, action: str, target: str,
           detail: dict) -> str:
    """Append an entry inside the caller's transaction; returns its hash. The first
    entry of a new log creates the audit key when a keyring or seal secret is there."""
    cur = raw.cursor(session)
    key = current_key(cur)
    if key is None and _setting(cur, HEAD_KEY) is None:
        key = audit_key.create(cur, since=1)
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    return _append(cur, key, user, terminal, at, action, target, text)


def ensure_keyed(ws) -> bool:
    """Key an unkeyed log when this process has a key source (see the module's
    docstring); True if it did. Called when a workstation opens."""
    with ws.reading() as s:
        cur = raw.cursor(s)
        if _setting(cur, audit_key.KEY_ROW) is not None or _setting(cur, HEAD_KEY) is None \
                or _setting(cur, "terminal") is None:
            return False
    with ws.transaction() as s:
        cur = raw.cursor(s)
        if _setting(cur, audit_key.KEY_ROW) is not None:
            return False                     # another process keyed it meanwhile
        report = _check(s, cur, None, None)
        if not report.ok:
            return False                     # left for `verify` to report, never sealed over
        head = _setting(cur, HEAD_KEY)
        assert head is not None
        seq, digest = head.split(":")
        key = audit_key.create(cur, since=int(seq) + 1)
        if key is None:
            return False
        _append(cur, key, SYSTEM, _setting(cur, "terminal") or "", ws.clock.now(), "audit.rekey",
                "audit_log", json.dumps({"unkeyed_entries": int(seq), "unkeyed_head": digest},
                                        sort_keys=True))
        return True


def confirm_checkpoint(session: Session, seq: int, digest: str, at: str, confirmed_at: str) -> None:
    """Keep the checkpoint the centre confirmed (MAC'd: a changed one fails verify)."""
    cur = raw.cursor(session)
    key = current_key(cur)
    body = json.dumps({"seq": seq, "hash": digest, "at": at, "confirmed_at": confirmed_at},
                      sort_keys=True)
    value = json.dumps({"checkpoint": body,
                        "mac": audit_key.mac(key, audit_key.CONFIRMED, body) if key else ""})
    cur.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (CONFIRMED_KEY, value))


def head(session: Session) -> tuple[int, str] | None:
    value = _setting(raw.cursor(session), HEAD_KEY)
    if value is None:
        return None
    seq, digest = value.split(":")
    return int(seq), digest


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    entries: int
    problem: str = ""
    seq: int | None = None
    keyed: bool = False
    checkpoint: int | None = None

    def to_json(self) -> AuditReportJson:
        return {"ok": self.ok, "entries": self.entries, "problem": self.problem, "seq": self.seq,
                "keyed": self.keyed, "checkpoint": self.checkpoint}


def verify(session: Session) -> AuditReport:
    """Check the whole chain, its head and the last confirmed checkpoint. A keyed log
    whose key this process cannot find raises DomainError (not a verdict)."""
    cur = raw.cursor(session)
    meta = KeyMeta.parse(_setting(cur, audit_key.KEY_ROW))
    key = current_key(cur) if meta is not None else None
    return _check(session, cur, key, meta)


def confirmed_checkpoint(cur: sqlite3.Cursor, key: bytes | None) -> dict | str | None:
    """The confirmed checkpoint, or a problem's text."""
    row = cur.execute("SELECT value FROM sync_state WHERE key = ?", (CONFIRMED_KEY,)).fetchone()
    if row is None:
        return None
    try:
        outer = json.loads(row[0])
        body = outer["checkpoint"]
        if key is not None and not hmac.compare_digest(
                audit_key.mac(key, audit_key.CONFIRMED, body), outer["mac"]):
            raise ValueError
        data = json.loads(body)
        return {"seq": int(data["seq"]), "hash": str(data["hash"])}
    except (ValueError, KeyError, TypeError):
        return "中心确认的审计检查点记录被改动"


def _check(session: Session, cur: sqlite3.Cursor, key: bytes | None, meta: KeyMeta | None) -> AuditReport:
    keyed = meta is not None
    since = meta.since if meta is not None else None
    confirmed = confirmed_checkpoint(cur, key)
    checkpoint = confirmed["seq"] if isinstance(confirmed, dict) else None
    prev, expected_seq, count = GENESIS, 1, 0
    at_checkpoint = None

    def bad(problem: str, seq: int | None = None) -> AuditReport:
        return AuditReport(False, count, problem, seq, keyed, checkpoint)

    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(2000):
        if entry.seq != expected_seq:
            return bad(f"第{expected_seq}条审计记录缺失（被删除）", expected_seq)
        if entry.prev_hash != prev:
            return bad(f"第{entry.seq}条审计记录与前一条不衔接（前一条被改动或删除）", entry.seq)
        use = key if since is not None and entry.seq >= since else None
        digest = _digest(use, entry.seq, entry.at, entry.user_login, entry.terminal, entry.action,
                         entry.target, entry.detail, entry.prev_hash)
        if not hmac.compare_digest(digest, entry.hash):
            return bad(f"第{entry.seq}条审计记录的内容被改动", entry.seq)
        if entry.seq == checkpoint:
            at_checkpoint = entry.hash
        prev = entry.hash
        expected_seq += 1
        count += 1
    head_value = _setting(cur, HEAD_KEY)
    if head_value is not None and head_value != f"{count}:{prev}":
        return bad(f"审计记录末尾缺失：应有{head_value.split(':')[0]}条，实有{count}条", count + 1)
    if head_value is None and count:
        return bad("审计记录头信息缺失")
    if _setting(cur, "terminal") is not None and count == 0:
        return bad("本终端已经初始化，审计日志却是空的：审计记录被整体删除")
    if key is not None:
        if since is not None and since > count:
            return bad(f"加密钥后的审计记录（自第{since}条起）全部缺失", since)
        expected = audit_key.mac(key, audit_key.HEAD, f"{count}:{prev}")
        if not hmac.compare_digest(expected, _setting(cur, HEAD_MAC_KEY) or ""):
            return bad("审计记录头的校验码不符：末尾的记录被截去，或记录头被改动", count)
    elif count and audit_key.keyring_key(audit_key.folder_of(cur)) is not None:
        return bad("本机钥匙串中有本终端的审计密钥，审计日志却未加密钥：审计日志被整体替换")
    if isinstance(confirmed, str):
        return bad(confirmed)
    if confirmed is not None:
        if confirmed["seq"] > count:
            return bad(f"审计记录少于中心已确认的检查点：中心确认到第{confirmed['seq']}条，本机只有{count}条",
                       count + 1)
        if at_checkpoint != confirmed["hash"]:
            return bad(f"第{confirmed['seq']}条审计记录与中心已确认的检查点不一致", confirmed["seq"])
    return AuditReport(True, count, "", None, keyed, checkpoint)
