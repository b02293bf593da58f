"""What FastAPI cannot see in the centre's routes, added to its OpenAPI description
(issue 16, finding 9): the bearer token every operation but three needs, the path,
query and header parameters the handlers read by hand (they parse strictly and answer
in the protocol's ``{"error", "message"}`` shape, so FastAPI does not declare them),
the headers of the file answers and every status code each operation returns.

tests/test_central_openapi.py holds the app to this description with schemathesis.
"""

from __future__ import annotations

from typing import Any

from sync.protocol import BASE, CHANGES_DEFAULT, CHANGES_MAX, MAX_FILE_BYTES

# Open without a token: the clock, enrolment (the one-time code is the credential)
# and the public check of a printed document's QR code.
PUBLIC = {("get", "/time"), ("post", "/enroll"), ("get", "/verify")}

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
# Sent as ASCII digits (parsed strictly: "²" or "+1" is a 400).
_DIGITS = {"type": "integer", "minimum": 0, "maximum": MAX_FILE_BYTES}
_SHA = {"name": "sha256", "in": "path", "required": True,
        "description": "文件内容的 SHA-256（64位十六进制数，大小写均可）",
        "schema": {"type": "string", "pattern": r"^[0-9a-fA-F]{64}$"}}
_OFFSET = {"description": "中心已有的字节数（续传从此处开始）", "schema": _DIGITS}
_LENGTH = {"description": "文件的总长度（字节）", "schema": _DIGITS}

# The printed QR code (forms.signing.make_qr_payload): "WS1|文书编号|受理编号|摘要|印章编号|签名",
# the digest (32 bytes) and signature (64 bytes) in unpadded base64url. The text fields
# are described by the characters numbers and ids are made of; anything else is 400.
_FIELD = r"[0-9A-Za-z_.\-\u3001-\u303f\u4e00-\u9fff\uff08\uff09]+"
# (Canonical base64url: the bits past the last byte are zero, so the last character is
# one of few.)
QR = (rf"^WS1\|{_FIELD}\|{_FIELD}\|[A-Za-z0-9_-]{{42}}[AEIMQUYcgkosw048]\|{_FIELD}"
      rf"\|[A-Za-z0-9_-]{{85}}[AQgw]$")

# Status codes each operation may answer, beyond those FastAPI already lists, with
# what each means (the errors' body is ErrorBody).
ERRORS = {
    400: "请求有误（格式、长度、编码）",
    401: "缺少或无效的终端令牌",
    403: "令牌所属终端无权这样做（整批未予接收，见 PROTOCOL.md）",
    404: "没有这个资源（或它不属于本终端可见的范围）",
    409: "与中心的状态冲突（登记码已用、上传位置不符、上传进行中）",
    413: "请求或文件超过上限",
    422: "内容不合规则（参数范围、文件摘要不符等）",
}
STATUSES: dict[tuple[str, str], tuple[int, ...]] = {
    ("get", "/time"): (),
    ("post", "/enroll"): (400, 404, 409, 413, 422),
    ("post", "/events"): (400, 401, 403, 413, 422),
    ("head", "/files/{sha256}"): (400, 401, 404),
    ("put", "/files/{sha256}"): (400, 401, 409, 413, 422),
    ("get", "/files/{sha256}"): (400, 401, 404),
    ("get", "/changes"): (401, 422),
    ("post", "/number-blocks"): (400, 401, 413, 422),
    ("get", "/verify"): (400,),
}


def _headers(**names: dict) -> dict:
    return {name.replace("_", "-"): spec for name, spec in names.items()}


def _files(ops: dict[str, dict]) -> None:
    """The resumable upload's parameters and answers (PROTOCOL.md, "Files")."""
    for op in ops.values():
        op["parameters"] = [p for p in op.get("parameters", []) if p.get("name") != "sha256"]
        op["parameters"].insert(0, dict(_SHA))
    head, put, get = ops["head"], ops["put"], ops["get"]
    head["summary"] = "上传到了哪里：完整的文件、中断的上传或没有"
    head["responses"]["200"] = {"description": "中心有完整的文件",
                                "headers": _headers(Upload_Length=_LENGTH, Upload_Offset=_OFFSET)}
    head["responses"]["206"] = {"description": "有中断的上传：从 Upload-Offset 续传",
                                "headers": _headers(Upload_Offset=_OFFSET, Upload_Length=_LENGTH)}
    # HEAD answers carry no body.
    for code in ("400", "401", "404"):
        head["responses"][code] = {"description": ERRORS[int(code)]}
    put["parameters"] += [
        {"name": "Upload-Length", "in": "header", "required": True, "schema": _DIGITS,
         "description": f"文件的总长度（字节，至多 {MAX_FILE_BYTES} 字节）"},
        {"name": "Upload-Offset", "in": "header", "required": True, "schema": _DIGITS,
         "description": "本次数据在文件中的起始位置（新上传为 0）"},
    ]
    answer = put["responses"]["200"]["content"]
    put["responses"]["200"] = {"description": "数据已收下，上传尚未完成（或文件早已完整）", "content": answer,
                               "headers": _headers(Upload_Offset=_OFFSET)}
    put["responses"]["201"] = {"description": "文件完整，摘要相符", "content": answer,
                               "headers": _headers(Upload_Offset=_OFFSET)}
    put["responses"]["409"]["headers"] = _headers(Upload_Offset=_OFFSET)
    get["responses"]["200"] = {"description": "文件内容",
                               "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                   "format": "binary"}}},
                               "headers": _headers(Upload_Length=_LENGTH)}


def _query(op: dict, params: list[dict]) -> None:
    op["parameters"] = [p for p in op.get("parameters", []) if p.get("in") != "query"] + params


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """Complete FastAPI's description in place (and return it)."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer",
        "description": "终端登记（POST /enroll）时得到的令牌：Authorization: Bearer <token>"}
    schema["security"] = [{"bearer": []}]
    paths = schema["paths"]
    for path, item in paths.items():
        short = path.removeprefix(BASE)
        for method, op in item.items():
            key = (method, short)
            if key in PUBLIC:
                op["security"] = []
            responses = op.setdefault("responses", {})
            # FastAPI adds a 422 of its own validation-error shape: our errors are ErrorBody.
            for code in STATUSES.get(key, ()):
                responses[str(code)] = {"description": ERRORS[code], "content": _ERROR}
            if key not in PUBLIC and "401" not in responses:
                responses["401"] = {"description": ERRORS[401], "content": _ERROR}
    _files(paths[f"{BASE}/files/{{sha256}}"])
    _query(paths[f"{BASE}/changes"]["get"], [
        {"name": "since", "in": "query", "required": False, "description": "上次拉取到的游标（默认 0）",
         "schema": {"type": "integer", "minimum": 0, "maximum": 2 ** 62, "default": 0}},
        {"name": "limit", "in": "query", "required": False, "description": "本页至多几条变更",
         "schema": {"type": "integer", "minimum": 1, "maximum": CHANGES_MAX, "default": CHANGES_DEFAULT}}])
    _query(paths[f"{BASE}/verify"]["get"], [
        {"name": "qr", "in": "query", "required": True, "description": "文书二维码的内容（WS1|…）",
         "schema": {"type": "string", "pattern": QR}}])
    return schema
