"""The shapes of requests and answers, for the OpenAPI description
(``/api/v1/openapi.json``). Requests are checked by hand (apply.parse_batch and
friends) so that every refusal carries a Chinese message in the protocol's
``{"error", "message"}`` shape; these models only describe them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    error: str = Field(description="机器可读的错误代码，如 unauthorized、invalid、too_large")
    message: str = Field(description="给用户看的中文说明")


class TimeAnswer(BaseModel):
    server_time: str
    protocol: int = 1


class CheckpointKey(BaseModel):
    algorithm: Literal["sm2", "ecdsa-p256"]
    public_key: str = Field(max_length=200, description="base64url")


class CheckpointRequest(BaseModel):
    terminal: str | None = Field(None, min_length=3, max_length=3)
    seq: int = Field(ge=1, le=2**62, description="审计记录头的序号")
    hash: str = Field(pattern="^[0-9a-f]{64}$")
    at: str = Field(pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
                    description="设备时间 YYYY-MM-DDTHH:MM:SS")
    signature: str = Field(max_length=200, description="base64url，覆盖 seq、hash、at 与终端编码")


class CheckpointAnswer(BaseModel):
    terminal: str
    seq: int
    hash: str
    at: str
    confirmed_at: str


class EnrollRequest(BaseModel):
    code: str = Field(examples=["ABCD-EFGH-JKLM"])
    terminal: str = Field(examples=["001"], min_length=3, max_length=3)
    device: str = Field("", max_length=100)
    checkpoint_key: CheckpointKey | None = Field(None, description="终端签署审计检查点所用的公钥")


class EnrollAnswer(BaseModel):
    token: str
    station: str
    terminal: str
    region: str
    server_time: str
    last_seq: int = Field(0, description="中心已收到的该终端事件的最大序号（新装终端应从其后继续编号）")


class EventIn(BaseModel):
    id: str = Field(description="UUID")
    seq: int = Field(ge=1)
    kind: str = Field(max_length=80)
    payload: dict[str, Any]
    content_hash: str = Field(pattern="^[0-9a-f]{64}$")
    user: str = Field(max_length=64)
    created_at: str = Field(description="设备本地时间 YYYY-MM-DDTHH:MM:SS[.ffffff]")


class EventBatch(BaseModel):
    terminal: str
    events: list[EventIn] = Field(max_length=500)


class EventResult(BaseModel):
    id: str
    status: Literal["applied", "duplicate", "conflict", "retry"]
    message: str


class BatchAnswer(BaseModel):
    results: list[EventResult]
    server_time: str


class Origin(BaseModel):
    terminal: str | None
    station: str | None
    user: str | None
    at: str | None


class ChangeOut(BaseModel):
    cursor: int
    kind: Literal["catalog.matter", "catalog.removed", "catalog.version", "calendar.year",
                  "seal.certificate", "user", "case", "material", "transfer"]
    key: str
    data: dict[str, Any]
    origin: Origin


class ChangesAnswer(BaseModel):
    changes: list[ChangeOut]
    cursor: int
    more: bool


# A label: no control characters, something besides spaces (protocol.clean_label).
LABEL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


class BlockRequest(BaseModel):
    authority: str = Field(examples=["新城审"], max_length=40, pattern=LABEL)
    act: str = Field(examples=["受"], max_length=10, pattern=LABEL)
    year: int = Field(ge=2000, le=2100)
    size: int = Field(1000, ge=1, le=10_000)


class BlockAnswer(BaseModel):
    first: int
    last: int


class VerifyAnswer(BaseModel):
    valid: bool
    reason: str
    document_no: str
    receipt_no: str
    kind: str
    seal_id: str
    seal: str
    signed_at: str | None
    digest: str
    # Issue 16: the authority the seal's chain ends at, whether the seal still awaits
    # its certificate (never true at the centre), the drawn seal picture's hash and
    # whether a GB/T 38540 signature was checked (a QR check: never).
    seal_image_sha256: str | None = None
    authority: str | None = None
    provisional: bool = False
    ses: bool = False


class UploadAnswer(BaseModel):
    sha256: str
    size: int
    offset: int
    complete: bool


REQUEST_MODELS = (EnrollRequest, EventBatch, BlockRequest, CheckpointRequest)
