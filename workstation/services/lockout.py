"""Login lockout: LOCK_AFTER wrong passwords in a row lock a login name for the
setting login_lock_minutes. Counted per name whether or not such a user exists, so
a locked name says nothing about which logins are real. Each failure and each lock
is audited; a successful login clears the count (and, in the same transaction,
stores a stronger hash when auth.py asks for one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import LoginFailure, User
from . import audit
from .context import Workstation
from .errors import AuthenticationFailed, NotInitialised


class AccountLocked(AuthenticationFailed):
    """A login locked after too many wrong passwords; the message says for how long."""

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class LockState:
    failures: int                      # wrong passwords in a row (0 after a lock ran out)
    locked_until: datetime | None      # set only while the lock lasts
    recorded: bool = False             # a row to clear at the next successful login


def state(s: Session, ws: Workstation, login: str) -> LockState:
    row = s.get(LoginFailure, login)
    if row is None:
        return LockState(0, None)
    if row.locked_until is not None:
        if row.locked_until > ws.clock.now():
            return LockState(row.failures, row.locked_until, True)
        return LockState(0, None, True)     # the lock ran out: a fresh count
    return LockState(row.failures, None, True)


def locked_error(login: str, st: LockState) -> AccountLocked:
    assert st.locked_until is not None
    return AccountLocked(f"账号“{login}”因连续{_lock_after()}次密码错误已被锁定，"
                         f"请于{st.locked_until:%H:%M}后再试（锁定至{st.locked_until:%Y-%m-%d %H:%M}）；"
                         "忘记密码请联系管理员重设", st.locked_until)


def _lock_after() -> int:
    from .auth import LOCK_AFTER

    return LOCK_AFTER


def failed(ws: Workstation, login: str) -> None:
    """Count a wrong password (audited); the LOCK_AFTER-th in a row locks the name.
    Raises AccountLocked when this one locked it."""
    with ws.transaction() as s:
        try:
            settings = ws.settings(s)
        except NotInitialised:
            return                     # no terminal yet, so no user to protect
        now = ws.clock.now()
        minutes = int(settings.get("login_lock_minutes"))
        previous = state(s, ws, login)
        if previous.locked_until is not None:
            return                     # locked meanwhile by another window
        count = previous.failures + 1
        row = s.get(LoginFailure, login)
        if row is None:
            row = LoginFailure(login=login, failures=0, last_failed_at=now)
            s.add(row)
        row.failures, row.last_failed_at, row.locked_until = count, now, None
        audit.record(s, login, settings.terminal, now, "user.login_failed", login, {"failures": count})
        if count < _lock_after():
            return
        row.locked_until = now + timedelta(minutes=minutes)
        audit.record(s, login, settings.terminal, now, "user.locked", login,
                     {"failures": count, "minutes": minutes, "until": row.locked_until})
        until = row.locked_until
    raise locked_error(login, LockState(count, until))


def succeeded(ws: Workstation, login: str, new_hash: str | None, old_hash: str) -> None:
    """A correct password: clear the count; store `new_hash` (today's scrypt cost) in
    place of `old_hash` unless the password was changed meanwhile."""
    with ws.transaction() as s:
        row = s.get(LoginFailure, login)
        if row is not None:
            s.delete(row)
        user = s.scalar(select(User).where(User.login == login)) if new_hash else None
        if new_hash and user is not None and user.password_hash == old_hash:
            user.password_hash = new_hash
            audit.record(s, login, ws.settings(s).terminal, ws.clock.now(), "user.password_rehash",
                         login, {"scheme": "$".join(new_hash.split("$")[:4])})
