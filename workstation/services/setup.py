"""First set-up of a terminal: its region, code, organ and the bundled catalog."""

from __future__ import annotations

from sqlalchemy import func, select

from ..domain.catalog import parse_catalog
from ..domain.errors import DomainError
from ..store.models import Acceptance, CatalogVersion, Seal, Setting, User
from . import audit, authority as own_authority, settings as settings_module
from .auth import Actor, create_user, require
from .errors import PermissionDenied
from .seals import create_in, secret_available
from .settings import Settings
from .catalog import DEFAULT_CATALOG, read_file, store_version
from .context import Workstation
from .results import CatalogImported, Initialised, SealJson


def init(ws: Workstation, values: dict[str, str], *, admin: dict | None = None,
         actor: Actor | None = None) -> Initialised:
    """Write the settings (validated) and import the bundled catalog if none is there.

    With `admin` ({"login", "name", "password"}) the first admin is created in the
    same transaction. Running it again changes the given settings; the terminal code of a terminal
    that has already issued numbers cannot change, since its numbers embed it. Once the
    terminal has users, running it again needs an admin (`actor`): the organ, station and
    number patterns are what every document says, not something anyone at the keyboard
    may rewrite.
    """
    clean = settings_module.checked({k: v for k, v in values.items() if v is not None})
    with ws.transaction() as s:
        existing = {k: v for k, v in s.execute(select(Setting.key, Setting.value))}
        set_up = "terminal" in existing and bool(s.scalar(select(func.count()).select_from(User)))
        if set_up:
            if actor is None:
                raise PermissionDenied("本终端已初始化并有用户：重新初始化需要管理员登录"
                                       "（--user 管理员登录名，密码放在环境变量 WORKSTATION_PASSWORD 中），"
                                       "未作任何改动")
            require(actor, "settings")
        missing = [o.title for o in settings_module.OPTIONS.values()
                   if o.default is None and o.key not in clean and o.key not in existing]
        if missing:
            raise DomainError(f"初始化缺少：{'、'.join(missing)}")
        if "terminal" in existing and clean.get("terminal", existing["terminal"]) != existing["terminal"]:
            if s.scalar(select(func.count()).select_from(Acceptance)):
                raise DomainError("本终端已出过受理编号，终端编码不能再改")
        settings_module.write(s, clean)
        s.flush()
        now = ws.clock.now()
        terminal = clean.get("terminal", existing.get("terminal"))
        assert terminal is not None         # a required setting: `missing` above refused its absence
        imported: CatalogImported | None = None
        if not s.scalar(select(func.count()).select_from(CatalogVersion)):
            data = read_file(DEFAULT_CATALOG)
            catalog = parse_catalog(data)
            row = store_version(s, catalog, data, "(初始化)", now)
            imported = {"version_id": row.id, "label": catalog.version,
                        "matters": len(catalog.matters), "bundles": len(catalog.bundles)}
        audit.record(s, actor.login if set_up and actor else "(初始化)", terminal, now,
                     "settings.init", terminal, clean)
        # A fresh terminal issues receipts at once: it gets its 受理 seal now, when a
        # keyring (or WORKSTATION_SEAL_SECRET) can keep the secret that unlocks it.
        seal: SealJson | None = None
        if not s.scalar(select(func.count()).select_from(Seal).where(Seal.category == "受理")):
            if secret_available(ws):
                authority = Settings.load(s).authority
                # The terminal is its own seal authority until it enrols (services/authority.py).
                own_authority.ensure_own(s, ws, authority)
                seal = create_in(s, ws, "(初始化)", name=f"{authority}行政审批专用章"[:60],
                                 category="受理", algorithm="ecdsa-p256")
        if admin is not None:
            # First start from the window: the terminal and its first admin together,
            # so a bad admin name leaves no half-set-up terminal behind.
            create_user(s, ws, None, admin["login"], admin["name"], "admin", admin["password"])
        return {"settings": Settings.load(s).as_dict(), "catalog": imported,
                "seal": seal, "data_dir": str(ws.data_dir)}


def needs_setup(ws: Workstation) -> bool:
    """Whether the window must run first set-up: no settings yet, or no user."""
    with ws.reading() as s:
        has_users = bool(s.scalar(select(func.count()).select_from(User)))
    return not ws.is_initialised() or not has_users


def open_for_window(data_dir) -> tuple[Workstation, bool]:
    """The workstation of `data_dir`, opened, and whether it still needs first set-up.
    A folder that cannot be used raises DomainError with the store's message (the
    window says it and changes nothing)."""
    from ..store import StoreError

    try:
        ws = Workstation(data_dir).open()
        return ws, needs_setup(ws)
    except StoreError as exc:
        raise DomainError(str(exc)) from exc


# Settings that change what numbers or the terminal mean: only `init` sets them.
FIXED_AFTER_INIT = frozenset({"region", "terminal"})


def change_settings(ws: Workstation, actor, values: dict[str, str]) -> dict[str, str]:
    """An admin changes some settings (checked, audited, one transaction)."""
    from .auth import require

    require(actor, "settings")
    if not values:
        raise DomainError("请给出要修改的设置项")
    fixed = sorted(FIXED_AFTER_INIT & set(values))
    if fixed:
        raise DomainError(f"{'、'.join(settings_module.OPTIONS[k].title for k in fixed)}只能在初始化时设定")
    clean = settings_module.checked(values)
    with ws.transaction() as s:
        settings_module.write(s, clean)
        s.flush()
        current = Settings.load(s)
        audit.record(s, actor.login, current.terminal, ws.clock.now(), "settings.change",
                     ",".join(sorted(clean)), clean)
        return current.as_dict()
