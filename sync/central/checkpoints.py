"""Terminals' audit checkpoints (sync/PROTOCOL.md, POST /checkpoints).

At each sync a terminal sends its audit head (sequence, hash, device time) signed
with the key it registered at enrolment. The centre keeps every checkpoint it
accepts and refuses one that goes backwards (a lower sequence than the last), forks
(the same sequence with another hash) or is replayed (the same head again with a
time not later than the last): a terminal whose audit log was cut or rewritten
cannot report a head the centre has already seen pass."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import signing

from .models import AuditCheckpoint, Terminal
from .numbers import _whole
from .protocol import ApiError, now
from .terminals import Caller

HASH_RE = re.compile(r"[0-9a-f]{64}")
# ASCII digits only (Python's \d also takes other scripts' digits).
AT_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
SIGNED = "workstation-audit-checkpoint"


def signed_bytes(terminal: str, seq: int, digest: str, at: str) -> bytes:
    """The same bytes the terminal signs (workstation/services/audit_key.checkpoint_bytes)."""
    return "\x00".join([SIGNED, terminal, str(seq), digest, at]).encode("utf-8")


def check_key(value) -> dict | None:
    """The optional ``checkpoint_key`` of an enrolment request, checked."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("algorithm") not in signing.ALGORITHMS \
            or not isinstance(value.get("public_key"), str) or len(value["public_key"]) > 200:
        raise ApiError(422, "invalid", "checkpoint_key 应为 {\"algorithm\", \"public_key\"}（审计检查点公钥）")
    try:
        public = signing.unb64url(value["public_key"])
    except Exception:   # noqa: BLE001 - any undecodable key is the same refusal
        public = b""
    if not signing.valid_public(value["algorithm"], public):
        raise ApiError(422, "invalid", "审计检查点公钥无效")
    return {"algorithm": value["algorithm"], "public_key": value["public_key"]}


def _parse(body) -> tuple[int, str, str, bytes]:
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象")
    # seq as JSON Schema's integer: 7 or 7.0 (the OpenAPI description says integer).
    seq, digest, at, signature = _whole(body.get("seq")), body.get("hash"), body.get("at"), body.get("signature")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 2**62:
        raise ApiError(422, "invalid", "检查点的 seq 应为正整数")
    if not isinstance(digest, str) or not HASH_RE.fullmatch(digest):
        raise ApiError(422, "invalid", "检查点的 hash 应为64位小写十六进制")
    if not isinstance(at, str) or not AT_RE.fullmatch(at):
        raise ApiError(422, "invalid", "检查点的 at 应为设备时间 YYYY-MM-DDTHH:MM:SS")
    try:
        sig = signing.unb64url(signature) if isinstance(signature, str) and len(signature) <= 200 else b""
    except Exception:   # noqa: BLE001
        sig = b""
    return seq, digest, at, sig


def record(session: Session, who: Caller, body) -> dict:
    """Check and keep a checkpoint (answer 201), or refuse it with ApiError."""
    seq, digest, at, signature = _parse(body)
    if body.get("terminal") not in (None, who.terminal):
        raise ApiError(403, "forbidden", f"终端 {who.terminal} 不能替其他终端提交审计检查点")
    term = session.get(Terminal, who.terminal, with_for_update=True)   # one checkpoint at a time
    key = term.checkpoint_key if term is not None else None
    if not key:
        raise ApiError(409, "no_checkpoint_key", "本终端登记时没有提供审计检查点公钥：请重新生成登记码并重新登记")
    if not signing.verify(key["algorithm"], signing.unb64url(key["public_key"]),
                          signed_bytes(who.terminal, seq, digest, at), signature):
        raise ApiError(422, "bad_signature", "审计检查点的签名无效：不是本终端登记的密钥所签")
    last = session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.terminal == who.terminal)
                          .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()).limit(1))
    if last is not None:
        if seq < last.seq:
            raise ApiError(409, "checkpoint_backwards",
                           f"审计检查点倒退：中心已确认到第{last.seq}条，本次只有第{seq}条（本机审计记录可能被截去）")
        if seq == last.seq and digest != last.hash:
            raise ApiError(409, "checkpoint_fork",
                           f"第{seq}条审计记录的哈希与中心已确认的不同（本机审计记录可能被改写）")
        if seq == last.seq and at <= last.at:
            raise ApiError(409, "checkpoint_replayed", "这是已经提交过的审计检查点（重放），未予接受")
    row = AuditCheckpoint(terminal=who.terminal, seq=seq, hash=digest, at=at,
                          signature=signing.b64url(signature), received_at=now())
    session.add(row)
    session.flush()
    return {"terminal": who.terminal, "seq": seq, "hash": digest, "at": at,
            "confirmed_at": row.received_at.isoformat(timespec="seconds")}


def list_checkpoints(session: Session, terminal: str | None = None) -> list[dict]:
    q = select(AuditCheckpoint).order_by(AuditCheckpoint.terminal, AuditCheckpoint.seq, AuditCheckpoint.id)
    if terminal:
        q = q.where(AuditCheckpoint.terminal == terminal)
    return [{"terminal": c.terminal, "seq": c.seq, "hash": c.hash, "at": c.at,
             "received_at": c.received_at.isoformat(timespec="seconds")} for c in session.scalars(q)]
