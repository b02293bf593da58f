"""Users, roles, passwords and the permission check every use case starts with."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.errors import DomainError
from ..domain.text import clean_text
from ..store.models import User
from . import audit
from .context import Workstation
from .errors import AuthenticationFailed, PermissionDenied

ROLES = {
    "clerk": "综合窗口受理员",
    "station_clerk": "便民服务站受理员",
    "approver": "审批员",
    "supervisor": "科室负责人",
    "admin": "系统管理员",
}

PERMISSIONS = {
    "clerk": {"accept", "view_all", "deliver"},
    "station_clerk": {"accept", "deliver"},                  # sees its own station's cases only
    "approver": {"approve", "view_all", "suspend"},
    "supervisor": {"view_all", "extend", "suspend", "audit", "flag_applicant"},
    "admin": {"view_all", "manage_users", "import_catalog", "import_calendar", "audit",
              "flag_applicant", "settings", "manage_seals"},
}
# Rights granted to one user beyond the role, e.g. a clerk allowed 审核合一.
RIGHTS = {"approve_on_spot": "即办件当场审批（审核合一）"}
PERMISSION_LABELS = {
    "accept": "受理", "approve": "审批", "view_all": "查看全部案件", "suspend": "中止计时",
    "extend": "延长时限", "audit": "审计", "flag_applicant": "标记失信申请人",
    "manage_users": "管理用户", "import_catalog": "导入事项目录", "import_calendar": "导入节假日",
    "settings": "修改设置", "approve_on_spot": "当场审批", "manage_seals": "管理电子印章",
    "deliver": "出件",
}

LOGIN_RE = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
PASSWORD_MIN = 6
PASSWORD_MAX = 128
# scrypt parameters: N = 2^17 (128 MiB, some 0.3 s on the 2-core counter PC), the
# cost OWASP asks of scrypt; stored with each hash, and a hash made with less is
# rehashed at its user's next successful login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# What a stored hash may ask of this machine (a hash written into the database by hand
# must not take all its memory): twice what today's parameters need.
SCRYPT_MAXMEM = 2**28
# Wrong passwords in a row before a login is locked for the setting login_lock_minutes.
LOCK_AFTER = 5


@dataclass(frozen=True)
class Actor:
    """The logged-in user, as the services see them."""

    login: str
    name: str
    role: str
    station: str | None
    rights: frozenset[str]
    categories: frozenset[str] = frozenset()   # an approver's categories of business

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role] or permission in self.rights


def require(actor: Actor | None, permission: str) -> Actor:
    if actor is None:
        raise PermissionDenied("请先登录")
    if not actor.can(permission):
        raise PermissionDenied(
            f"{actor.role_label}“{actor.name}”没有“{PERMISSION_LABELS.get(permission, permission)}”的权限")
    return actor


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=SCRYPT_MAXMEM)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt),
                                n=int(n), r=int(r), p=int(p), dklen=len(expected),
                                maxmem=SCRYPT_MAXMEM)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def weaker_than_now(stored: str) -> bool:
    """Whether a stored hash was made with less than today's scrypt cost."""
    try:
        _, n, r, p, _, _ = stored.split("$")
        return int(n) < SCRYPT_N or int(r) < SCRYPT_R or int(p) < SCRYPT_P
    except ValueError:
        return False


def check_password(password) -> str:
    if not isinstance(password, str) or not password:
        raise DomainError("密码不能为空", "password")
    if len(password) < PASSWORD_MIN:
        raise DomainError(f"密码至少{PASSWORD_MIN}位", "password")
    if len(password) > PASSWORD_MAX:
        raise DomainError(f"密码最多{PASSWORD_MAX}位", "password")
    if any(ord(c) < 32 for c in password):
        raise DomainError("密码不能含控制字符", "password")
    return password


def _actor(user: User) -> Actor:
    rights = frozenset(r for r in user.rights.split(",") if r)
    categories = frozenset(c for c in (user.categories or "").split(",") if c)
    return Actor(user.login, user.name, user.role, user.station, rights, categories)


def login(ws: Workstation, login_name: str, password: str) -> Actor:
    """The Actor for a correct login and password; one message for every failure,
    so the counter never tells a stranger which logins exist. LOCK_AFTER wrong
    passwords in a row lock the login name (known or not) for the setting
    login_lock_minutes; each failure and the lock are audited (services/lockout.py)."""
    from . import lockout

    failure = AuthenticationFailed("用户名或密码错误")
    if not isinstance(login_name, str) or not isinstance(password, str):
        raise failure
    if not LOGIN_RE.match(login_name or "") or not password or len(password) > PASSWORD_MAX:
        raise failure           # not an attempt at a password: neither counted nor audited
    with ws.reading() as s:
        user = s.scalar(select(User).where(User.login == login_name))
        state = lockout.state(s, ws, login_name)
    if state.locked_until is not None:
        raise lockout.locked_error(login_name, state)   # the password is not even tried
    if user is None:
        verify_password(password, hash_password("x"))  # same time as a wrong password
        lockout.failed(ws, login_name)
        raise failure
    if not verify_password(password, user.password_hash):
        lockout.failed(ws, login_name)
        raise failure
    if not user.active:
        raise AuthenticationFailed("该账号已停用，请联系管理员")
    upgrade = hash_password(password) if weaker_than_now(user.password_hash) else None
    if upgrade is not None or state.recorded:
        lockout.succeeded(ws, login_name, upgrade, user.password_hash)
    return _actor(user)


def has_admin(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)
                               .where(User.role == "admin", User.active)))


def add_user(ws: Workstation, actor: Actor | None, login_name: str, name: str, role: str,
             password: str, *, station: str | None = None, rights: tuple[str, ...] = (),
             categories: tuple[str, ...] = ()) -> Actor:
    """Create a user. Until an admin exists anyone on the machine may (first set-up)."""
    with ws.transaction() as s:
        return create_user(s, ws, actor, login_name, name, role, password, station=station,
                           rights=rights, categories=categories)


BUSINESS_CATEGORIES = ("商事登记", "投资建设", "社会民生")


def check_categories(role: str, categories) -> str:
    categories = tuple(categories)
    for c in categories:
        if c not in BUSINESS_CATEGORIES:
            raise DomainError(f"未知的业务类别“{str(c)[:20]}”，可用：{'、'.join(BUSINESS_CATEGORIES)}",
                              "categories")
    if categories and role != "approver":
        raise DomainError("只有审批员按业务类别分派", "categories")
    return ",".join(c for c in BUSINESS_CATEGORIES if c in categories)


def set_categories(ws: Workstation, actor: Actor, login_name: str, categories) -> Actor:
    """An admin changes which categories (queues and seals) an approver holds."""
    require(actor, "manage_users")
    with ws.transaction() as s:
        user = s.scalar(select(User).where(User.login == login_name))
        if user is None:
            raise DomainError(f"没有登录名为“{str(login_name)[:32]}”的用户", "login")
        user.categories = check_categories(user.role, categories)
        settings = ws.settings(s)
        audit.record(s, actor.login, settings.terminal, ws.clock.now(), "user.categories",
                     user.login, {"categories": user.categories})
        return _actor(user)


def set_password(ws: Workstation, actor: Actor, login_name: str, password: str) -> Actor:
    """An admin sets a user's password here: a user published by the centre arrives
    without one (the centre never sends password hashes), and a forgotten one is reset."""
    require(actor, "manage_users")
    check_password(password)
    if not isinstance(login_name, str) or not LOGIN_RE.match(login_name):
        raise DomainError("登录名应为2–32位字母、数字、下划线、点或减号", "login")
    with ws.transaction() as s:
        user = s.scalar(select(User).where(User.login == login_name))
        if user is None:
            raise DomainError(f"没有登录名为“{login_name}”的用户", "login")
        user.password_hash = hash_password(password)
        audit.record(s, actor.login, ws.settings(s).terminal, ws.clock.now(), "user.password",
                     user.login, {})
        return _actor(user)


def create_user(s: Session, ws: Workstation, actor: Actor | None, login_name: str, name: str,
                role: str, password: str, *, station: str | None = None,
                rights: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> Actor:
    """add_user inside the caller's transaction (first-start set-up uses it with init)."""
    if not isinstance(login_name, str) or not LOGIN_RE.match(login_name):
        raise DomainError("登录名应为2–32位字母、数字、下划线、点或减号", "login")
    name = clean_text(name, "姓名", max_len=50, field="name")
    if role not in ROLES:
        raise DomainError(f"未知角色“{str(role)[:20]}”，可用：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}",
                          "role")
    for right in rights:
        if right not in RIGHTS:
            raise DomainError(f"未知的授权“{right[:20]}”，可用：{'、'.join(RIGHTS)}", "rights")
    if "approve_on_spot" in rights and role not in ("clerk", "station_clerk"):
        raise DomainError("当场审批授权只授予窗口受理员", "rights")
    if station is not None:
        station = clean_text(station, "站点编码", max_len=20, field="station")
    category_text = check_categories(role, categories)
    check_password(password)
    settings = ws.settings(s)
    if role == "station_clerk" and not station:
        raise DomainError("便民服务站受理员必须指定站点（--station）", "station")
    if has_admin(s):
        require(actor, "manage_users")
    if s.scalar(select(User).where(User.login == login_name)) is not None:
        raise DomainError(f"登录名“{login_name}”已存在", "login")
    now = ws.clock.now()
    user = User(login=login_name, name=name, role=role, station=station or settings.station,
                rights=",".join(sorted(rights)), categories=category_text,
                password_hash=hash_password(password), active=True, created_at=now)
    s.add(user)
    audit.record(s, actor.login if actor else "(首次设置)", settings.terminal, now,
                 "user.add", login_name, {"name": name, "role": role, "station": user.station,
                                          "rights": sorted(rights), "categories": category_text})
    return _actor(user)
