"""The HTTP side of the central server (sync/PROTOCOL.md): a FastAPI application.

Database work runs in the thread pool (``run_in_threadpool``); request bodies are
read with their limits enforced while they arrive (a 30 MB batch is refused from
its Content-Length before a byte of it is read, and uvicorn discards the rest);
every refusal is ``{"error", "message"}`` with a Chinese message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from sync.protocol import BASE, CHANGES_DEFAULT, CHANGES_MAX, MAX_BATCH_BYTES, PROTOCOL_VERSION

from . import changes as change_feed
from . import access, numbers, schemas, scope
from .apply import process_batch
from .batch import parse_batch
from .db import CentralDB
from .files import FileStore, ascii_int, check_lengths, check_sha, default_dir, header_int
from .models import StoredFile
from .openapi import describe
from .protocol import ApiError, now, server_time
from .terminals import Caller, authenticate, enroll

log = logging.getLogger("workstation.central")
SMALL_BODY = 64 * 1024
ERRORS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid"}
MESSAGES = {404: "没有这个接口或资源", 405: "该接口不支持此请求方法", 413: "请求过大"}
# How `serve --workers N` hands each worker process its settings (JSON: db, files).
CONFIG_ENV = "WORKSTATION_CENTRAL_SERVE"


def _json_body(schema: str, media: str = "application/json") -> dict:
    return {"requestBody": {"required": True,
                            "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}}


def _errors(*codes: int) -> dict:
    return {code: {"model": schemas.ErrorBody} for code in codes}


async def read_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        size = ascii_int(declared.strip(), 15)
        if size is None:
            raise ApiError(400, "bad_request", "Content-Length 无效")
        if size > limit:
            raise ApiError(413, "too_large", f"{what}超过 {limit // (1024 * 1024) or 1} MiB 的上限，请分批发送")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "too_large", f"{what}超过 {limit // (1024 * 1024) or 1} MiB 的上限，请分批发送")
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(400, "bad_request", "连接在请求发送完之前中断") from None
    return b"".join(chunks)


def parse_json(raw: bytes):
    if not raw.strip():
        raise ApiError(400, "bad_request", "请求体为空，应为 JSON")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "bad_request", "请求体不是有效的 UTF-8 JSON") from None


def create_app(db_url: str, *, files_dir: str | Path | None = None) -> FastAPI:
    """The application over the database at ``db_url`` (migrated now), keeping
    uploaded files in ``files_dir`` (default: next to an SQLite file, or
    ./central-files)."""
    db = CentralDB(db_url).open()
    store = FileStore(Path(files_dir) if files_dir else default_dir(db_url))
    app = FastAPI(title="综合窗口工作台 · 中心服务器", version=str(PROTOCOL_VERSION),
                  description="终端与区中心之间的同步协议（sync/PROTOCOL.md）",
                  openapi_url=f"{BASE}/openapi.json", docs_url=f"{BASE}/docs", redoc_url=None)
    app.state.db, app.state.files = db, store

    # ---------------------------------------------------------------- errors

    @app.exception_handler(ApiError)
    async def _api_error(_request, exc: ApiError):
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request, exc: StarletteHTTPException):
        code = ERRORS.get(exc.status_code, "error")
        message = MESSAGES.get(exc.status_code, "请求有误")
        return JSONResponse({"error": code, "message": message}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request, exc: RequestValidationError):
        where = "、".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()[:3])
        return JSONResponse({"error": "invalid", "message": f"请求参数有误：{where}"}, status_code=422)

    @app.exception_handler(Exception)
    async def _fault(_request, exc: Exception):
        log.exception("central server fault", exc_info=exc)
        return JSONResponse({"error": "server_error", "message": "中心服务器内部错误，请稍后重试"},
                            status_code=500)

    def caller_of(request: Request) -> Caller:
        with db.reading() as s:
            return authenticate(s, request.headers.get("authorization"))

    async def caller(request: Request) -> Caller:
        return await run_in_threadpool(caller_of, request)

    # ---------------------------------------------------------------- time, enrollment

    @app.get(f"{BASE}/time", response_model=schemas.TimeAnswer)
    async def get_time():
        return {"server_time": server_time(), "protocol": PROTOCOL_VERSION}

    @app.post(f"{BASE}/enroll", status_code=201, openapi_extra=_json_body("EnrollRequest"),
              responses={201: {"model": schemas.EnrollAnswer}, **_errors(400, 404, 409, 422)})
    async def post_enroll(request: Request):
        body = parse_json(await read_body(request, SMALL_BODY, "请求"))
        answer = await run_in_threadpool(db.write, enroll, body)
        return JSONResponse({**answer, "server_time": server_time()}, status_code=201)

    @app.post(f"{BASE}/checkpoints", status_code=201, openapi_extra=_json_body("CheckpointRequest"),
              responses={201: {"model": schemas.CheckpointAnswer}, **_errors(400, 401, 403, 409, 422)})
    async def post_checkpoint(request: Request):
        from .checkpoints import record

        who = await caller(request)
        body = parse_json(await read_body(request, SMALL_BODY, "请求"))
        return JSONResponse(await run_in_threadpool(db.write, record, who, body), status_code=201)

    # ---------------------------------------------------------------- events

    @app.post(f"{BASE}/events", openapi_extra=_json_body("EventBatch"),
              responses={200: {"model": schemas.BatchAnswer}, **_errors(400, 401, 403, 413, 422)})
    async def post_events(request: Request):
        who = await caller(request)
        data = parse_json(await read_body(request, MAX_BATCH_BYTES, "事件批次"))
        try:
            events = parse_batch(data, who)
            scope.check_batch(who, events)
            results = (await run_in_threadpool(db.write, process_batch, who, events, store)
                       if events else [])
        except scope.Refused as refused:        # nothing of the batch stored; who tried is
            size = len(data.get("events") or []) if isinstance(data.get("events"), list) else 0
            await run_in_threadpool(db.write, scope.record, who, refused, size)
            raise
        return JSONResponse({"results": results, "server_time": server_time()})

    # ---------------------------------------------------------------- files

    def file_row(sha: str, who: Caller) -> StoredFile | None:
        """The file's row, or None when ``who`` may not see it (as if it were not here)."""
        with db.reading() as s:
            row = s.get(StoredFile, sha)
            return row if access.visible(s, who, row) else None

    @app.head(f"{BASE}/files/{{sha256}}", responses=_errors(400, 401, 404))
    async def head_file(sha256: str, request: Request):
        who = await caller(request)
        sha = check_sha(sha256)
        row = await run_in_threadpool(file_row, sha, who)
        if row is None:                 # unknown, or not this terminal's to know of
            return Response(status_code=404)
        if row.complete:
            return Response(status_code=200, headers={"Upload-Length": str(row.size),
                                                      "Upload-Offset": str(row.size)})
        # An upload still writing (its client may just have been cut off): wait for it
        # to settle, so the offset given is the one a resumed PUT will find.
        for _ in range(200):
            if not store.busy(sha):
                break
            await asyncio.sleep(0.05)
        row = await run_in_threadpool(file_row, sha, who)
        if row is not None and row.complete:
            return Response(status_code=200, headers={"Upload-Length": str(row.size),
                                                      "Upload-Offset": str(row.size)})
        offset = store.offset(sha)
        if row is None and offset == 0:
            return Response(status_code=404)
        headers = {"Upload-Offset": str(offset)}
        if row is not None:
            headers["Upload-Length"] = str(row.size)
        return Response(status_code=206, headers=headers)

    def start_upload(sha: str, total: int, who: Caller) -> StoredFile:
        def _tx(s):
            row = s.get(StoredFile, sha, with_for_update=True)
            if row is None:
                row = StoredFile(sha256=sha, size=total, complete=False, path=store.relative(sha),
                                 station=who.station, terminal=who.terminal, created_at=now())
                s.add(row)
            elif not row.complete and row.size != total:
                row.size = total
            return row
        return db.write(_tx)

    def forget_upload(sha: str) -> None:
        def _tx(s):
            row = s.get(StoredFile, sha, with_for_update=True)
            if row is not None and not row.complete:
                s.delete(row)
        db.write(_tx)

    def complete_upload(sha: str) -> None:
        def _tx(s):
            row = s.get(StoredFile, sha, with_for_update=True)
            row.complete, row.completed_at = True, now()
        db.write(_tx)

    @app.put(f"{BASE}/files/{{sha256}}",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
             responses={200: {"model": schemas.UploadAnswer}, 201: {"model": schemas.UploadAnswer},
                        **_errors(400, 401, 409, 413, 422)})
    async def put_file(sha256: str, request: Request):
        who = await caller(request)
        sha = check_sha(sha256)
        total = header_int(request.headers.get("upload-length"), "Upload-Length")
        offset = header_int(request.headers.get("upload-offset"), "Upload-Offset")
        declared = header_int(request.headers.get("content-length"), "Content-Length", required=False)
        check_lengths(total, offset, declared)
        # A file another station holds is uploaded whole again (its hash checked), as if
        # it were not here: its existence is not told.
        row = await run_in_threadpool(file_row, sha, who)
        if row is not None and row.complete:
            if total != row.size:
                raise ApiError(422, "invalid", "文件长度与中心已有的同一文件不符")
            return JSONResponse({"sha256": sha, "size": row.size, "offset": row.size, "complete": True},
                                headers={"Upload-Offset": str(row.size)})
        with store.lock(sha):
            have = store.offset(sha)
            if have and row is not None and row.size != total and offset != 0:
                raise ApiError(409, "offset_mismatch", "文件长度与中断的上传不符，请从头上传（Upload-Offset: 0）",
                               {"Upload-Offset": "0"})
            if have and offset == 0:        # a fresh upload replaces an interrupted one
                store.discard(sha)
                have = 0
            if offset != have:
                raise ApiError(409, "offset_mismatch", f"上传位置不符：中心已收到 {have} 字节，请从该处续传",
                               {"Upload-Offset": str(have)})
            await run_in_threadpool(start_upload, sha, total, who)
            written, too_much = await _receive(request, store.partial_path(sha), total - offset)
            size = offset + written
            if too_much:
                raise ApiError(400, "bad_request", "上传的数据超过了 Upload-Length 声明的文件长度")
            if size < total:
                return JSONResponse({"sha256": sha, "size": total, "offset": size, "complete": False},
                                    headers={"Upload-Offset": str(size)})
            if not await run_in_threadpool(store.finish, sha):
                await run_in_threadpool(forget_upload, sha)
                raise ApiError(422, "hash_mismatch", "文件内容与其 SHA-256 不符，已丢弃本次上传，请重新上传")
            await run_in_threadpool(complete_upload, sha)
        return JSONResponse({"sha256": sha, "size": total, "offset": total, "complete": True},
                            status_code=201, headers={"Upload-Offset": str(total)})

    def may_download(sha: str, who: Caller) -> StoredFile:
        row = file_row(sha, who)
        if row is None or not row.complete:     # unknown, or not this station's: the same answer
            raise ApiError(404, "not_found", "中心没有这个文件（或该文件不属于本终端可见的案件）")
        return row

    @app.get(f"{BASE}/files/{{sha256}}", responses=_errors(400, 401, 404))
    async def get_file(sha256: str, request: Request):
        who = await caller(request)
        sha = check_sha(sha256)
        row = await run_in_threadpool(may_download, sha, who)
        return FileResponse(store.root / row.path, media_type="application/octet-stream",
                            headers={"Upload-Length": str(row.size)})

    # ---------------------------------------------------------------- changes, numbers, verify

    def _query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
        value = request.query_params.get(name)
        if value is None or value == "":
            return default
        number = ascii_int(value, len(str(high)))
        if number is None:
            raise ApiError(422, "invalid", f"参数 {name} 应为非负整数（ASCII 数字）")
        if not low <= number <= high:
            raise ApiError(422, "invalid", f"参数 {name} 应在 {low} 至 {high} 之间")
        return number

    def pull(who: Caller, since: int, limit: int) -> dict:
        with db.reading() as s:
            return change_feed.pull(s, who, since, limit)

    @app.get(f"{BASE}/changes", responses={200: {"model": schemas.ChangesAnswer}, **_errors(401, 422)})
    async def get_changes(request: Request):
        who = await caller(request)
        since = _query_int(request, "since", 0, 0, 2 ** 62)
        limit = _query_int(request, "limit", CHANGES_DEFAULT, 1, CHANGES_MAX)
        return JSONResponse(await run_in_threadpool(pull, who, since, limit))

    @app.post(f"{BASE}/number-blocks", status_code=201, openapi_extra=_json_body("BlockRequest"),
              responses={201: {"model": schemas.BlockAnswer}, **_errors(400, 401, 422)})
    async def post_number_block(request: Request):
        who = await caller(request)
        authority, act, year, size = numbers.check_request(
            parse_json(await read_body(request, SMALL_BODY, "请求")))
        block = await run_in_threadpool(db.write, numbers.lease, who, authority, act, year, size)
        return JSONResponse(block, status_code=201)

    def verify(qr: str) -> dict:
        from forms.errors import FormError
        from forms.stamp import verify_qr

        from .authority import seal_lookup

        with db.reading() as s:
            try:
                return verify_qr(qr, seal_lookup(s)).to_json()
            except FormError as exc:
                raise ApiError(400, "not_ours", str(exc)) from None

    @app.get(f"{BASE}/verify", responses={200: {"model": schemas.VerifyAnswer}, **_errors(400)})
    async def get_verify(request: Request):
        qr = request.query_params.get("qr")
        if not qr:
            raise ApiError(400, "bad_request", "缺少参数 qr（文书二维码的内容）")
        return JSONResponse(await run_in_threadpool(verify, qr))

    # ---------------------------------------------------------------- the description

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in schemas.REQUEST_MODELS:
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        schema["info"]["x-protocol"] = PROTOCOL_VERSION
        app.openapi_schema = describe(schema)
        return schema

    app.openapi = openapi
    return app


def app_from_environment() -> FastAPI:
    """The application of one of ``serve --workers N``'s worker processes."""
    config = json.loads(os.environ[CONFIG_ENV])
    return create_app(config["db"], files_dir=config["files"])


async def _receive(request: Request, path: Path, room: int) -> tuple[int, bool]:
    """Append the request body to ``path``; at most ``room`` bytes. Returns the bytes
    written and whether the body was longer (then nothing of it is kept). A cut
    connection keeps what arrived, for the client to resume."""
    written, too_much = 0, False
    with open(path, "ab") as f:
        start = f.tell()
        try:
            async for chunk in request.stream():
                if written + len(chunk) > room:
                    too_much = True
                    break
                f.write(chunk)
                written += len(chunk)
        except ClientDisconnect:
            pass
        if too_much:
            f.truncate(start)
            written = 0
        f.flush()
        os.fsync(f.fileno())
    return written, too_much
