"""The terminal's side of sync (sync/PROTOCOL.md): enrol, push the outbox, pull changes.

- An outbox event leaves the outbox only when the centre acknowledged it
  (applied, duplicate or conflict); a conflict is also kept here, for a person.
- Files (signed documents) go up content-addressed before the events naming them;
  an interrupted upload resumes where the centre says it stopped.
- A pulled change to a case with unpushed local work is not applied: it becomes a
  conflict that says who did what, when, on which terminal.
- Each batch is acknowledged in one local transaction, so a terminal killed in the
  middle of a sync resends at most one batch, which the centre answers `duplicate`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from sync.protocol import CHANGES_DEFAULT, MAX_EVENTS, canonical
from workstation.domain.errors import DomainError
from workstation.domain.states import CaseStatus, check_transition
from workstation.services import audit, authority, keyring_store
from workstation.services.auth import Actor, require
from workstation.services.context import Workstation
from workstation.services.results import Enrolled, SyncRound, SyncStatus
from workstation.store import raw
from workstation.store.models import Case, Conflict, OutboxEvent, SyncState, User

from . import checkpoint, incoming, leases, outbox
from .http import Central, Offline, Refused, check_server_url

KEYRING_SERVICE = "workstation-sync"
TOKEN_ENV = "WORKSTATION_SYNC_TOKEN"
BATCH = MAX_EVENTS             # the most the centre takes in one POST
PULL_PAGE = CHANGES_DEFAULT
SKEW_WARN_SECONDS = 300


def skew_too_large(seconds: int | None) -> bool:
    """The one threshold past which every screen and command asks for the clock to be set."""
    return seconds is not None and abs(seconds) > SKEW_WARN_SECONDS

CODE_MAX = 40
CATALOG_KINDS = ("catalog.matter", "catalog.removed", "catalog.version")


# ---------------------------------------------------------------- local state

def _get(s, key: str) -> str | None:
    row = s.get(SyncState, key)
    return row.value if row else None


def _put(s, **values) -> None:
    for key, value in values.items():
        row = s.get(SyncState, key)
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if row is None:
            s.add(SyncState(key=key, value=text))
        else:
            row.value = text


def token(ws: Workstation) -> str | None:
    return keyring_store.get(KEYRING_SERVICE, ws, "token") or os.environ.get(TOKEN_ENV) or None


def _central(ws: Workstation) -> Central:
    with ws.reading() as s:
        server = _get(s, "server")
    secret = token(ws)
    if not server or not secret:
        raise DomainError("本终端尚未登记到中心服务器：请管理员运行 workstation enroll --server URL --code CODE")
    return Central(server, secret)


# ---------------------------------------------------------------- enrolment

def enroll(ws: Workstation, actor: Actor, server: str, code: str) -> Enrolled:
    """Trade a one-time code from the centre for this terminal's token (kept in the
    OS keyring) and take the station the centre assigned."""
    require(actor, "settings")
    server = check_server_url(server)
    if not isinstance(code, str) or not code.strip():
        raise DomainError("请填写中心服务器给出的一次性登记码", "code")
    if len(code.strip()) > CODE_MAX:
        raise DomainError(f"登记码过长（至多{CODE_MAX}个字符）：请照中心打印的一次性登记码填写，"
                          "如 ABCD-EFGH-JKLM", "code")
    if not code.strip().isprintable():
        raise DomainError("登记码中有控制字符或换行：请照中心打印的一次性登记码重新填写", "code")
    settings = ws.settings()
    # Before the code is spent: a token that cannot be kept would waste it.
    if not keyring_store.put(KEYRING_SERVICE, ws, "probe", "probe"):
        raise DomainError("本机没有可用的系统钥匙串，无法保存终端令牌（令牌绝不写入磁盘）："
                          "请在已登录的桌面会话中登记，登记码仍然有效")
    keyring_store.delete(KEYRING_SERVICE, ws, "probe")
    from .checkpoint import public_key

    request = {"code": code.strip(), "terminal": settings.terminal, "device": platform.node()[:100]}
    key = public_key(ws)            # the key the centre checks this terminal's audit checkpoints with
    if key is not None:
        request["checkpoint_key"] = key
    with Central(server) as central:
        answer = central.json("POST", "/enroll", expect=(201,), json=request)
    secret, station = answer.get("token"), answer.get("station")
    if not isinstance(secret, str) or len(secret) < 16 or not isinstance(station, str) or not station:
        raise Offline("中心服务器返回的登记结果无法识别")
    if not keyring_store.put(KEYRING_SERVICE, ws, "token", secret):
        raise DomainError("系统钥匙串拒绝保存终端令牌，请重新生成登记码后再试")
    root = answer.get("authority")
    try:
        root_der = authority.unb64(root) if root is not None else None
    except ValueError:
        raise Offline("中心服务器返回的电子印章根证书无法识别") from None
    with ws.transaction() as s:
        _put(s, server=server, station=station)
        pinned_name = authority.pin(s, root_der) if root_der is not None else None
        from workstation.services.settings import write

        write(s, {"station": station})
        # Users added before enrolment took the terminal's station of then (the default
        # `district`); left there, every case they accept here would be another
        # station's to the centre, which refuses it. They belong to this terminal's
        # station now; users given a station of their own keep it.
        moved = 0
        if settings.station != station:
            # An UPDATE's result is a CursorResult, which has rowcount; execute() is typed Result.
            moved = s.execute(update(User).where(User.station == settings.station)
                              .values(station=station)).rowcount  # type: ignore[attr-defined]
        audit.record(s, actor.login, settings.terminal, ws.clock.now(), "sync.enroll", server,
                     {"station": station, **({"users_moved": moved} if moved else {}),
                      **({"authority": pinned_name} if pinned_name else {})})
    return {"server": server, "station": station, "terminal": settings.terminal}


# ---------------------------------------------------------------- push

def _pending(ws: Workstation, limit: int) -> list[dict]:
    with ws.reading() as s:
        rows = s.execute(select(OutboxEvent).where(OutboxEvent.acked_at.is_(None))
                         .order_by(OutboxEvent.seq).limit(limit)).scalars().all()
        return [{"id": e.id, "seq": e.seq, "kind": e.kind, "payload": json.loads(e.payload),
                 "content_hash": e.content_hash, "user": e.user_login,
                 "created_at": e.created_at.isoformat()} for e in rows]


def _files_of(event: dict) -> list[tuple[str, str]]:
    """(sha256, relative path) of the document files an event names (and the page
    files of an electronic material, services/materials.py)."""
    payload = event["payload"]
    refs = [payload] if event["kind"] == "document.sign" else []
    if isinstance(payload.get("document"), dict):
        refs.append(payload["document"])
    if event["kind"] == "material.pages" and isinstance(payload.get("pages"), list):
        refs += [p for p in payload["pages"] if isinstance(p, dict)]
    return [(r["sha256"], r["path"]) for r in refs if r.get("sha256") and r.get("path")]


def _upload(ws: Workstation, central: Central, sha: str, relpath: str) -> None:
    head = central.request("HEAD", f"/files/{sha}", expect=(200, 206, 404))
    if head.status_code == 200:
        return
    offset = int(head.headers.get("Upload-Offset", 0)) if head.status_code == 206 else 0
    data = (ws.data_dir / relpath).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise DomainError(f"本地文书文件 {relpath} 与签章时的内容不符，请管理员核查")
    central.request("PUT", f"/files/{sha}", expect=(200, 201), content=data[offset:],
                    headers={"Upload-Offset": str(offset), "Upload-Length": str(len(data))})


def push(ws: Workstation, central: Central) -> dict[str, int]:
    """Send every unacknowledged event, oldest first, in batches."""
    terminal = ws.settings().terminal
    counts = {"applied": 0, "duplicate": 0, "conflict": 0, "retry": 0}
    while True:
        events = _pending(ws, BATCH)
        if not events:
            break
        for event in events:
            for sha, relpath in _files_of(event):
                _upload(ws, central, sha, relpath)
        answer = central.json("POST", "/events", json={"terminal": terminal, "events": events})
        results = answer.get("results")
        if not isinstance(results, list) or [r.get("id") if isinstance(r, dict) else None
                                             for r in results] != [e["id"] for e in events] \
                or not all(isinstance(r.get("status"), str) for r in results):
            raise Offline("中心服务器的确认与所发事件对不上，未作任何确认，稍后重试")
        _acknowledge(ws, events, results)
        for r in results:
            counts[r.get("status")] = counts.get(r.get("status"), 0) + 1
        if any(r.get("status") not in ("applied", "duplicate", "conflict") for r in results):
            break        # the centre wants something first: the next sync tries again
    return counts


def _acknowledge(ws: Workstation, events: list[dict], results: list[dict]) -> None:
    by_id = {e["id"]: e for e in events}
    with ws.transaction() as s:
        now = ws.clock.now()
        cur = raw.cursor(s)
        for r in results:
            status = r.get("status")
            if status not in ("applied", "duplicate", "conflict"):
                continue
            # Acknowledged: the payload shrinks to its references in the same step
            # (outbox.reduced); the content hash keeps what was sent provable.
            cur.execute("UPDATE outbox SET acked_at = ?, payload = ? WHERE id = ? AND acked_at IS NULL",
                        (raw.ts(now), canonical(outbox.reduced(by_id[r["id"]]["payload"])), r["id"]))
            if status == "conflict":
                e = by_id[r["id"]]
                s.add(Conflict(source="push", event_id=e["id"], kind=e["kind"],
                               case_id=e["payload"].get("case_id"), user_login=e["user"],
                               message=str(r.get("message") or "中心拒绝了这项办理")[:500],
                               detail={"event": e["kind"], "at": e["created_at"],
                                       "payload": e["payload"]}, created_at=now))


# ---------------------------------------------------------------- pull

def _unpushed_cases(s) -> set[str]:
    rows = s.execute(select(OutboxEvent.payload).where(OutboxEvent.acked_at.is_(None))).scalars()
    out = set()
    for payload in rows:
        data = json.loads(payload)
        if data.get("case_id"):
            out.add(data["case_id"])
        for case in data.get("cases") or []:
            if isinstance(case, dict) and case.get("id"):
                out.add(case["id"])
    return out


def _origin_text(origin: dict) -> str:
    at = str(origin.get("at") or "?")[:16].replace("T", " ")
    if not origin.get("terminal"):
        return f"{at} 中心"
    return f"{at} 终端 {origin['terminal']}（{origin.get('station') or '?'}）的 {origin.get('user') or '?'}"


def _apply_case(ws, s, files: dict[str, bytes], change: dict, unpushed: set[str]) -> str:
    data, origin = change.get("data") or {}, change.get("origin") or {}
    case = s.get(Case, change["key"])
    if case is None and isinstance(data.get("acceptance"), dict):
        # Accepted on another terminal of a station this terminal serves (委托受理
        # reaching the district's queues): the acceptance comes with its first change.
        try:
            incoming.import_acceptance(ws, s, change)
        except incoming.Unusable as exc:
            return _unusable(ws, s, change, str(exc))
        s.flush()
        case = s.get(Case, change["key"])
    if case is None:
        return "skipped"            # not a case of this terminal
    try:
        target = CaseStatus(str(data.get("status")))     # not a status (or none): ValueError
    except ValueError:
        return "skipped"
    now = ws.clock.now()
    if case.id in unpushed or (target.value != case.status
                               and target not in _reachable(CaseStatus(case.status))):
        label = target.label
        s.add(Conflict(source="pull", event_id=None, kind="case", case_id=case.id,
                       user_login=case.acceptance.clerk,
                       message=f"{_origin_text(origin)}把案件改为“{label}”，"
                               f"而本机的案件是“{CaseStatus(case.status).label}”"
                               + ("且有尚未上传的办理" if case.id in unpushed else ""),
                       detail={"change": change}, created_at=now))
        return "conflict"
    # Everything checked before anything changes: a bad date or document leaves the case
    # as it was and the change kept as a conflict.
    days = {name: incoming.parse_day(data.get(name), name) for name in
            ("decided_on", "due_date", "statutory_due_date") if data.get(name)}
    document = data.get("document")
    document = (incoming.check_document(document)
                if isinstance(document, dict) and document.get("sha256") else None)
    if document is not None and not incoming.document_held(s, document) and document["sha256"] not in files:
        raise Offline("中心的文书尚未下载完成，稍后重试")
    before = case.status
    while case.status != target.value:          # e.g. approved → awaiting_delivery → delivered
        step = _next_step(CaseStatus(case.status), target)
        case.status = check_transition(CaseStatus(case.status), step).value
    for name, day in days.items():
        setattr(case, name, day)
    case.updated_at = now
    number = incoming.store_document(ws, s, files, case, document) if document is not None else None
    incoming.audit_case(ws, s, case, before, change, number)
    return "applied"


def _unusable(ws, s, change: dict, reason: str) -> str:
    """A change from the centre this terminal cannot take: kept for a person."""
    origin = change.get("origin") or {}
    s.add(Conflict(source="pull", event_id=None, kind=str(change.get("kind"))[:40],
                   case_id=str(change.get("key"))[:32] if change.get("kind") == "case" else None,
                   user_login=incoming.CENTRE,
                   message=f"{_origin_text(origin)}的变更未能在本机采用：{reason}"[:500],
                   detail={"change": change}, created_at=ws.clock.now()))
    return "conflict"


def _reachable(start: CaseStatus) -> set[CaseStatus]:
    from workstation.domain.states import TRANSITIONS

    seen, todo = set(), [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _next_step(current: CaseStatus, target: CaseStatus) -> CaseStatus:
    from workstation.domain.states import TRANSITIONS

    if target in TRANSITIONS[current]:
        return target
    return next(n for n in TRANSITIONS[current] if target in _reachable(n))


def _download_documents(ws, central: Central, changes: list[dict]) -> dict[str, bytes]:
    """The decision documents a page names and this terminal lacks, fetched and checked
    before the page's write transaction: a slow download never holds the database's
    write lock (the counter keeps working during a sync)."""
    wanted = [c["data"]["document"] for c in changes if c.get("kind") == "case"
              and isinstance(c.get("data"), dict) and isinstance(c["data"].get("document"), dict)
              and incoming.valid_sha(c["data"]["document"].get("sha256"))
              and c["data"]["document"].get("kind") in incoming.document_kinds()]
    if not wanted:
        return {}
    with ws.reading() as s:
        wanted = [d for d in wanted if not incoming.document_held(s, d)]
    files = {}
    for document in wanted:
        sha = document["sha256"]
        if sha in files:
            continue
        data = central.request("GET", f"/files/{sha}").content
        if hashlib.sha256(data).hexdigest() != sha:
            raise Offline("从中心下载的文书与其摘要不符，稍后重试")
        files[sha] = data
    return files


def _download_pages(ws, central: Central, changes: list[dict]) -> None:
    """Material page files a page of changes names and this disk lacks, fetched,
    checked and written content-addressed before the write transaction (a file no row
    names yet is an orphan the materials sweep removes, never a half-written page)."""
    from workstation.services.page_store import write_page

    for sha, mime in incoming.page_files_wanted(ws, changes):
        data = central.request("GET", f"/files/{sha}").content
        if hashlib.sha256(data).hexdigest() != sha:
            raise Offline("从中心下载的材料页面与其摘要不符，稍后重试")
        write_page(ws.data_dir, data, mime)


def _audit_pulled(ws, s, action: str, target: str, change: dict, detail: dict) -> None:
    """Every pulled change applied is audited in the pull's transaction: what it
    changed and who, on which terminal, made it (the change's origin)."""
    origin = change.get("origin") or {}
    audit.record(s, incoming.CENTRE, ws.settings(s).terminal, ws.clock.now(), action, str(target)[:100],
                 {**detail, "origin": {k: origin.get(k) for k in ("terminal", "station", "user", "at")}})


def _apply_catalog(ws, s, changes: list[dict]) -> str:
    """Matters changed at the centre become a new local catalog version."""
    from workstation.domain.catalog import parse_catalog
    from workstation.services import catalog as catalog_service
    from workstation.store.models import CatalogVersion

    latest = s.scalar(select(CatalogVersion).order_by(CatalogVersion.id.desc()).limit(1))
    data: dict[str, Any] = (json.loads(json.dumps(latest.data)) if latest
                            else {"version": "", "matters": [], "bundles": []})
    matters = {m["code"]: m for m in data.get("matters", [])}
    for change in changes:
        if change["kind"] == "catalog.matter":
            matter = dict(change["data"])
            matter.pop("version", None)
            matters[change["key"]] = matter
        elif change["kind"] == "catalog.removed":
            matters.pop(change["key"], None)
        elif change["kind"] == "catalog.version":
            data["version"] = str((change.get("data") or {}).get("version") or change["key"])
    data["matters"] = list(matters.values())
    catalog = parse_catalog(data)           # the centre's catalog is checked like an import
    row = catalog_service.store_version(s, catalog, data, "(中心)", ws.clock.now())
    _audit_pulled(ws, s, "catalog.synced", str(row.id), changes[-1],
                  {"label": catalog.version, "changes": len(changes), "digest": row.digest})
    return "applied"


def _well_formed(change) -> bool:
    """The shape every change has (PROTOCOL.md); anything else is garbage to retry
    later, never half a page applied."""
    return (isinstance(change, dict) and isinstance(change.get("kind"), str)
            and isinstance(change.get("key"), str)
            and isinstance(change.get("data"), (dict, type(None)))
            and isinstance(change.get("origin"), (dict, type(None))))


def pull(ws: Workstation, central: Central) -> dict[str, int]:
    counts = {"applied": 0, "conflict": 0, "skipped": 0}
    while True:
        with ws.reading() as s:
            cursor = int(_get(s, "cursor") or 0)
        page = central.json("GET", "/changes", params={"since": cursor, "limit": PULL_PAGE})
        changes = page.get("changes")
        if not isinstance(changes, list) or not isinstance(page.get("cursor"), int) \
                or not all(_well_formed(c) for c in changes):
            raise Offline("中心服务器返回的变更无法识别，稍后重试")
        files = _download_documents(ws, central, changes)
        _download_pages(ws, central, changes)
        with ws.transaction() as s:
            unpushed = _unpushed_cases(s)
            # The page's catalog first: a case accepted elsewhere may name a matter
            # that arrives in the same page.
            catalog = [c for c in changes if c.get("kind") in CATALOG_KINDS]
            if catalog:
                counts[_apply_catalog(ws, s, catalog)] += len(catalog)
            for change in changes:
                kind = change.get("kind")
                if kind in CATALOG_KINDS:
                    continue
                try:
                    if kind == "case":
                        outcome = _apply_case(ws, s, files, change, unpushed)
                    elif kind == "seal.certificate":
                        outcome = authority.apply_certificate(ws, s, change)
                        if outcome == "applied":
                            _audit_pulled(ws, s, "seal.synced", change["key"], change,
                                          {"to": (change.get("data") or {}).get("status")})
                    elif kind == "calendar.year":
                        outcome = incoming.apply_calendar(ws, s, change)
                    elif kind == "user":
                        outcome = incoming.apply_user(ws, s, change)
                    elif kind == "transfer":
                        outcome = incoming.apply_transfer(ws, s, change)
                    elif kind == "material":
                        outcome = incoming.apply_material(ws, s, change)
                    else:
                        outcome = "skipped"
                except incoming.Unusable as exc:
                    outcome = _unusable(ws, s, change, str(exc))
                counts[outcome] += 1
            _put(s, cursor=str(max(cursor, page["cursor"])))
        if not page.get("more") or not changes:
            return counts


# ---------------------------------------------------------------- the whole round

def sync_once(ws: Workstation) -> SyncRound:
    """Check the clock, push, pull; record how it went. Offline is not an error the
    clerk must act on: the work stays local and the next round tries again."""
    central = _central(ws)
    started = ws.clock.now()
    try:
        with central:
            time = central.json("GET", "/time")
            skew = _skew(time.get("server_time"), started)
            pushed = push(ws, central)
            pulled = pull(ws, central)
            numbers = leases.lease_ahead(ws, central)     # 文号 blocks, ahead of need
            refused = checkpoint.send(ws, central)        # the audit head, signed, after the pull's entries
            if refused:
                numbers["errors"].append(refused)
    except (Offline, Refused) as exc:
        with ws.transaction() as s:
            _put(s, last_error=str(exc), last_attempt=started.isoformat(timespec="seconds"),
                 online="0")
        raise
    with ws.transaction() as s:
        _put(s, last_sync=ws.clock.now().isoformat(timespec="seconds"),
             last_error="；".join(numbers["errors"]), online="1",
             skew=str(skew if skew is not None else ""))
    out: SyncRound = {**status(ws), "pushed": pushed, "pulled": pulled, "skew_seconds": skew,
                      "leased": numbers["leased"]}
    return out


def _skew(server_time, local: datetime) -> int | None:
    try:
        server = datetime.fromisoformat(server_time)
    except (TypeError, ValueError):
        return None
    if server.tzinfo is not None:
        server = server.astimezone().replace(tzinfo=None)
    return int((local - server).total_seconds())


def status(ws: Workstation, user: str | None = None) -> SyncStatus:
    """What the status bar and `workstation sync status` show. With `user`, the
    waiting events and open conflicts are that user's (a shared PC shows each clerk
    their own)."""
    with ws.reading() as s:
        state = {row.key: row.value for row in s.scalars(select(SyncState))}
        pending = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.acked_at.is_(None))
        conflicts = select(func.count()).select_from(Conflict).where(Conflict.resolved_at.is_(None))
        if user:
            pending = pending.where(OutboxEvent.user_login == user)
            conflicts = conflicts.where(Conflict.user_login == user)
        skew = state.get("skew") or ""
        return {"server": state.get("server"), "enrolled": bool(state.get("server")) and bool(token(ws)),
                "station": state.get("station"), "online": state.get("online") == "1",
                "pending": s.scalar(pending) or 0, "conflicts": s.scalar(conflicts) or 0,
                "last_sync": state.get("last_sync"), "last_error": state.get("last_error") or None,
                "skew_seconds": int(skew) if skew.lstrip("-").isdigit() else None,
                "leases": leases.held(s)}
