"""The centre's side of the protocol: its clock, the error shape, and how it cleans
what a terminal sends. What both sides share is `sync.protocol`."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sync.protocol import CST

FUTURE_LIMIT = timedelta(hours=24)
CODE_VALIDITY = timedelta(days=7)
STATION_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def now() -> datetime:
    """The centre's local time (CST), naive, microseconds kept."""
    return datetime.now(CST).replace(tzinfo=None)


def server_time() -> str:
    return datetime.now(CST).replace(microsecond=0).isoformat()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiError(Exception):
    """An answer other than 2xx: ``{"error": code, "message": message}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def body(self) -> dict:
        return {"error": self.code, "message": self.message}


UNAUTHORIZED = "终端令牌无效或已吊销，请重新登记"


def text(value, max_len: int, default: str = "") -> str:
    """A string from an event payload made safe for a column: control characters
    (PostgreSQL rejects NUL in text) removed, cut to the column's length."""
    if value is None:
        return default
    if not isinstance(value, str):
        value = str(value)
    if value.isprintable():         # the usual case, decided in C: nothing to remove
        return value[:max_len]
    return _CONTROL.sub("", value)[:max_len]


def clean_label(value) -> bool:
    """A short identifier-like string from a request (kind, user, station)."""
    return isinstance(value, str) and (value.isprintable() or not _CONTROL.search(value))
