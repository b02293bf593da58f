"""Terminals: one-time enrollment codes, tokens (only their SHA-256 is stored) and
authentication of every call."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workstation.domain.errors import DomainError
from workstation.domain.numbering import check_region, check_terminal
from sync.protocol import DISTRICT

from .models import EnrollmentCode, Event, Terminal
from .protocol import CODE_VALIDITY, STATION_RE, UNAUTHORIZED, ApiError, now, token_hash

# No 0/O, 1/I/L: the code is read aloud and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, GROUP_LEN = 3, 4


@dataclass(frozen=True)
class Caller:
    """The terminal behind a token."""

    terminal: str
    station: str
    region: str

    @property
    def district(self) -> bool:
        return self.station == DISTRICT

    def may_see(self, station: str | None) -> bool:
        return self.district or station is None or station == self.station


def check_station(station) -> str:
    if not isinstance(station, str) or not STATION_RE.match(station.strip()):
        raise DomainError("站点编码应为1至20位字母、数字、“-”或“_”，区政务服务中心为 district", "station")
    return station.strip()


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(text) -> str | None:
    """ABCD-EFGH-JKLM however it was typed (lower case, spaces, no dashes); None if
    it cannot be one of ours."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    letters = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(letters) != CODE_GROUPS * GROUP_LEN or any(ch not in ALPHABET for ch in letters):
        return None
    return "-".join(letters[i:i + GROUP_LEN] for i in range(0, len(letters), GROUP_LEN))


def add_terminal(session: Session, *, station: str, terminal: str, region: str = "610102") -> dict:
    """Register (or re-register) a terminal and make its one-time enrollment code.

    A terminal code belongs to one station at a time; adding it again (for the same
    or another station) revokes its token and withdraws its unused codes."""
    station = check_station(station)
    terminal = check_terminal(terminal.strip() if isinstance(terminal, str) else terminal)
    region = check_region(region)
    at = now()
    row = session.get(Terminal, terminal, with_for_update=True)
    previous = None
    if row is None:
        row = Terminal(terminal=terminal, station=station, region=region, device="", created_at=at)
        session.add(row)
    else:
        previous = {"station": row.station, "enrolled": row.token_sha256 is not None}
        row.station, row.region = station, region
        row.token_sha256, row.revoked_at = None, at
    session.execute(update(EnrollmentCode)
                    .where(EnrollmentCode.terminal == terminal, EnrollmentCode.used_at.is_(None),
                           EnrollmentCode.withdrawn_at.is_(None))
                    .values(withdrawn_at=at))
    code = "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LEN))
                    for _ in range(CODE_GROUPS))
    expires = at + CODE_VALIDITY
    session.add(EnrollmentCode(code_sha256=_code_hash(code), terminal=terminal, station=station,
                               region=region, created_at=at, expires_at=expires))
    session.flush()
    return {"code": code, "station": station, "terminal": terminal, "region": region,
            "expires_at": expires.isoformat(timespec="seconds"), "previous": previous}


def enroll(session: Session, body) -> dict:
    """Trade a one-time code for a token (answer 201); ApiError otherwise."""
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象")
    code = normalise_code(body.get("code"))
    terminal, device = body.get("terminal"), body.get("device", "")
    if code is None:
        raise ApiError(404, "unknown_code", "登记码无效：请核对中心管理员给出的12位登记码")
    try:
        terminal = check_terminal(terminal)
    except DomainError as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    if device is None:
        device = ""
    if not isinstance(device, str) or len(device) > 100:
        raise ApiError(422, "invalid", "设备说明应为不超过100个字符的文字")
    from .checkpoints import check_key

    checkpoint_key = check_key(body.get("checkpoint_key"))
    row = session.scalar(select(EnrollmentCode).where(EnrollmentCode.code_sha256 == _code_hash(code))
                         .with_for_update())
    if row is None:
        raise ApiError(404, "unknown_code", "登记码无效：请核对中心管理员给出的12位登记码")
    at = now()
    if row.used_at is not None:
        raise ApiError(409, "code_used", "该登记码已经使用过，请向中心管理员重新申请登记码")
    if row.withdrawn_at is not None:
        raise ApiError(409, "code_withdrawn", "该登记码已被新的登记码取代，请使用最新的登记码")
    if row.expires_at < at:
        raise ApiError(409, "code_expired", "该登记码已过期（有效期7天），请向中心管理员重新申请")
    if row.terminal != terminal:
        raise ApiError(422, "terminal_mismatch",
                       f"该登记码是为终端 {row.terminal} 生成的，不能用于终端 {terminal}")
    used = session.execute(update(EnrollmentCode)
                           .where(EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None))
                           .values(used_at=at))
    if used.rowcount != 1:      # another connection used it a moment ago
        raise ApiError(409, "code_used", "该登记码已经使用过，请向中心管理员重新申请登记码")
    token = secrets.token_urlsafe(32)
    term = session.get(Terminal, terminal, with_for_update=True)
    if term is None:            # the code outlived its terminal's row: make it again
        term = Terminal(terminal=terminal, station=row.station, region=row.region, device="",
                        created_at=at)
        session.add(term)
    term.station, term.region = row.station, row.region
    term.token_sha256, term.enrolled_at, term.revoked_at = token_hash(token), at, None
    term.device = "".join(ch for ch in device if ch.isprintable())[:100]
    term.checkpoint_key = checkpoint_key
    last_seq = session.scalar(select(func.max(Event.seq)).where(Event.terminal == terminal)) or 0
    # The district's seal authority, which the terminal pins: from now on it accepts
    # only seal certificates issued by it (None while the centre has none yet).
    from .authority import b64, certificate

    root = certificate(session)
    return {"token": token, "station": row.station, "terminal": terminal, "region": row.region,
            "last_seq": last_seq, "authority": b64(root) if root else None}


def revoke_terminal(session: Session, terminal: str) -> bool:
    row = session.get(Terminal, terminal, with_for_update=True)
    if row is None:
        return False
    row.token_sha256, row.revoked_at = None, now()
    session.execute(update(EnrollmentCode)
                    .where(EnrollmentCode.terminal == terminal, EnrollmentCode.used_at.is_(None),
                           EnrollmentCode.withdrawn_at.is_(None))
                    .values(withdrawn_at=now()))
    return True


def authenticate(session: Session, authorization: str | None) -> Caller:
    if not authorization or not isinstance(authorization, str):
        raise ApiError(401, "unauthorized", UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not 32 <= len(token) <= 200:
        raise ApiError(401, "unauthorized", UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
    row = session.execute(select(Terminal.terminal, Terminal.station, Terminal.region)
                          .where(Terminal.token_sha256 == token_hash(token))).first()
    if row is None:
        raise ApiError(401, "unauthorized", UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
    return Caller(*row)


def list_terminals(session: Session) -> list[dict]:
    rows = session.scalars(select(Terminal).order_by(Terminal.terminal))
    return [{"terminal": t.terminal, "station": t.station, "region": t.region,
             "enrolled": t.token_sha256 is not None, "device": t.device,
             "enrolled_at": t.enrolled_at.isoformat(timespec="seconds") if t.enrolled_at else None}
            for t in rows]
