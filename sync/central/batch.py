"""A pushed batch, checked for shape (``parse_batch``), and the payload readers the
handlers share: a missing or malformed field is a ``Conflict`` with a plain message,
a file not uploaded yet a ``Retry`` (see apply.py for how a batch is settled)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sync.protocol import HEX64, MAX_EVENTS, canonical, parse_day, parse_device_time

from .protocol import ApiError, clean_label, text
from .scope import Refused
from .terminals import Caller

MAX_CASES_PER_ACCEPTANCE = 100


# --------------------------------------------------------------------------- the batch

@dataclass
class Incoming:
    """One event of a batch, checked for shape."""

    sent_id: str          # as the terminal wrote it (echoed in the answer)
    id: str               # canonical UUID text
    seq: int
    kind: str
    payload: dict
    body: str             # canonical JSON of the payload
    content_hash: str     # as sent
    user: str
    created_at: datetime
    files: list[str]      # the file hashes it names (uploaded before it is applied)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def _bad(index: int, message: str) -> ApiError:
    return ApiError(422, "invalid", f"第{index}个事件{message}，整批未处理")


def parse_batch(data, caller: Caller) -> list[Incoming]:
    """The events of a request body, or ApiError (400/403/413/422) for the batch."""
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象：{\"terminal\": …, \"events\": […]}")
    events = data.get("events")
    if not isinstance(events, list):
        raise ApiError(422, "invalid", "请求中缺少事件列表 events")
    if len(events) > MAX_EVENTS:
        raise ApiError(413, "too_large", f"一批最多{MAX_EVENTS}个事件，本批{len(events)}个，请分批发送")
    terminal = data.get("terminal")
    if not isinstance(terminal, str):
        raise ApiError(422, "invalid", "请求中缺少终端编码 terminal")
    if terminal != caller.terminal:
        raise Refused("terminal", f"批次的终端编码“{terminal[:10]}”与令牌所属终端 {caller.terminal} 不符，"
                                  "整批未予接收")
    out = []
    for i, ev in enumerate(events, start=1):
        if not isinstance(ev, dict):
            raise _bad(i, "不是 JSON 对象")
        sent_id = ev.get("id")
        if isinstance(sent_id, str) and _UUID.match(sent_id):
            event_id = sent_id          # already the canonical text
        else:
            try:
                if not isinstance(sent_id, str) or len(sent_id) > 40:
                    raise ValueError
                event_id = str(uuid.UUID(sent_id))
            except ValueError:
                raise _bad(i, "的编号 id 不是 UUID") from None
        seq = ev.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 2 ** 53:
            raise _bad(i, "的序号 seq 应为不小于1的整数")
        kind = ev.get("kind")
        if not isinstance(kind, str) or not 1 <= len(kind) <= 80 or not clean_label(kind):
            raise _bad(i, "的类型 kind 应为1至80个字符")
        payload = ev.get("payload")
        if not isinstance(payload, dict):
            raise _bad(i, "的内容 payload 应为 JSON 对象")
        digest = ev.get("content_hash")
        if not isinstance(digest, str) or not HEX64.fullmatch(digest.lower()):
            raise _bad(i, "的内容摘要 content_hash 应为64位十六进制数")
        user = ev.get("user")
        if not isinstance(user, str) or len(user) > 64 or not clean_label(user):
            raise _bad(i, "的操作人 user 应为不超过64个字符的登录名")
        try:
            created_at = parse_device_time(ev.get("created_at"))
        except (ValueError, TypeError):
            raise _bad(i, "的时间 created_at 应为 YYYY-MM-DDTHH:MM:SS 格式") from None
        body = canonical(payload)
        try:
            body.encode("utf-8")
        except UnicodeEncodeError:
            raise _bad(i, "的内容含有无效的 Unicode 字符") from None
        out.append(Incoming(sent_id, event_id, seq, kind, payload, body, digest.lower(), user,
                            created_at, _files_named(payload)))
    return out


# --------------------------------------------------------------------------- outcomes

class Conflict(Exception):
    def __init__(self, reason: str, message: str, case_id: str | None = None):
        message = text(message, 2000)       # it may quote the payload: no control characters
        super().__init__(message)
        self.reason, self.message, self.case_id = reason, message, case_id


class Retry(Exception):
    def __init__(self, message: str):
        message = text(message, 2000)
        super().__init__(message)
        self.message = message


def payload_str(payload: dict, key: str, max_len: int, what: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Conflict("invalid", f"事件内容不完整：缺少{what}（{key}）")
    if len(value) > max_len or not clean_label(value):
        raise Conflict("invalid", f"事件内容有误：{what}（{key}）过长或含有控制字符")
    return value.strip()


def payload_day(payload: dict, key: str, what: str) -> date | None:
    try:
        return parse_day(payload.get(key))
    except (ValueError, TypeError):
        raise Conflict("invalid", f"事件内容有误：{what}（{key}）不是有效日期") from None



ACCEPTANCE_KINDS = ("acceptance.accepted", "acceptance.tolerated", "acceptance.notified",
                    "acceptance.refused")


def lookup_key(value, max_len: int = 64) -> str | None:
    """A payload value fit to look a row up by (the handlers refuse the others)."""
    if isinstance(value, str) and value.strip() and len(value) <= max_len and clean_label(value):
        return value.strip()
    return None


def case_ids_of(ev: Incoming) -> list[str]:
    p = ev.payload
    if ev.kind.startswith(("case.", "material.")) or ev.kind == "document.sign":
        key = lookup_key(p.get("case_id"))
        return [key.lower()] if key else []
    if ev.kind in ACCEPTANCE_KINDS and isinstance(p.get("cases"), list):
        keys = [lookup_key(c.get("id")) for c in p["cases"][:MAX_CASES_PER_ACCEPTANCE] if isinstance(c, dict)]
        return [k.lower() for k in keys if k]
    return []


def _files_named(p: dict) -> list[str]:
    out = []
    for holder in (p, p.get("document") if isinstance(p.get("document"), dict) else {}):
        value = holder.get("sha256")
        if isinstance(value, str):
            out.append(value.lower())
    files = p.get("files")
    if isinstance(files, list):
        out += [f.lower() for f in files if isinstance(f, str)]
    pages = p.get("pages")          # material.pages: each page's file, uploaded first
    if isinstance(pages, list):
        out += [page["sha256"].lower() for page in pages[:1000]
                if isinstance(page, dict) and isinstance(page.get("sha256"), str)]
    return out


