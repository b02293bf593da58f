"""What both sides of sync/PROTOCOL.md agree on, as the centre needs it: limits, the
canonical JSON and content hash of an event, the server's clock and the error shape."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta, timezone

PROTOCOL_VERSION = 1
BASE = "/api/v1"

MAX_EVENTS = 500
MAX_BATCH_BYTES = 8 * 1024 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_BLOCK = 10_000
CHANGES_DEFAULT, CHANGES_MAX = 500, 2000
FUTURE_LIMIT = timedelta(hours=24)
CODE_VALIDITY = timedelta(days=7)
DISTRICT = "district"

# The district's clock: China Standard Time has no daylight saving, so a fixed
# offset is exact and needs no tz database. Device times in events are naive local
# times of this zone; the centre stores its own times the same way.
CST = timezone(timedelta(hours=8), "CST")

HEX64 = re.compile(r"^[0-9a-f]{64}$")
STATION_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def now() -> datetime:
    """The centre's local time (CST), naive, microseconds kept."""
    return datetime.now(CST).replace(tzinfo=None)


def server_time() -> str:
    return datetime.now(CST).replace(microsecond=0).isoformat()


def canonical(payload: dict) -> str:
    """Exactly workstation.services.sync.outbox.canonical (a test holds the two together)."""
    return _canonical(payload)


# json.dumps with these options, without building an encoder for every event.
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                              default=str).encode


def content_hash(kind: str, body: str) -> str:
    return hashlib.sha256(f"{kind}\n{body}".encode("utf-8")).hexdigest()


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


def parse_day(value) -> date | None:
    """An ISO date from a payload; None stays None; anything else is ValueError."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    return date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)


def parse_device_time(value) -> datetime:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]`` (a space instead of T is accepted too, as the
    terminal's SQLite stores it); an offset, if given, is converted to CST."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise ValueError(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(CST).replace(tzinfo=None)
    return moment
