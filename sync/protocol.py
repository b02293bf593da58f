"""The wire protocol of sync/PROTOCOL.md, the one copy both sides import: the API's
prefix and version, the limits, the canonical JSON and content hash of an event, the
district's clock and how dates travel.

Pure Python: the terminal's client (workstation/services/sync) and the central server
(sync/central) both import it, so neither can drift from the other.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

PROTOCOL_VERSION = 1
BASE = "/api/v1"

MAX_EVENTS = 500                    # events in one POST /events
MAX_BATCH_BYTES = 8 * 1024 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_BLOCK = 10_000
CHANGES_DEFAULT, CHANGES_MAX = 500, 2000
DISTRICT = "district"

# The district's clock: China Standard Time has no daylight saving, so a fixed
# offset is exact and needs no tz database. Device times in events are naive local
# times of this zone; the centre stores its own times the same way.
CST = timezone(timedelta(hours=8), "CST")

# \A…\Z, not ^…$: "$" also matches before a trailing newline, which let a hash
# with one through to file names and queries. Use it with fullmatch.
HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")

# json.dumps with these options, without building an encoder for every event.
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                              default=str).encode


def canonical(payload: Mapping[str, object]) -> str:
    """An event's payload as the text both sides hash: sorted keys, no spaces, UTF-8."""
    return _canonical(payload)


def content_hash(kind: str, body: str) -> str:
    """The hash an event carries: SHA-256 of its kind, a newline and its canonical body."""
    return hashlib.sha256(f"{kind}\n{body}".encode()).hexdigest()


def parse_day(value) -> date | None:
    """An ISO date from a payload; None and "" stay None; anything else is ValueError."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    return date.fromisoformat(value[:10])


def parse_device_time(value) -> datetime:
    """``YYYY-MM-DDTHH:MM:SS[.ffffff]`` (a space instead of T is accepted too, as the
    terminal's SQLite stores it); an offset, if given, is converted to CST."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise ValueError(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(CST).replace(tzinfo=None)
    return moment
