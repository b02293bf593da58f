"""The change feed terminals pull (``GET /api/v1/changes``), and publishing the data
that flows from the centre to every terminal: the catalog (one change per changed
matter), holiday calendars, users.

Cursors are taken from the ``changes`` counter under its row lock, held to the end
of the writing transaction: two transactions therefore get their cursors in commit
order, and a puller that has seen cursor N has seen every cursor below N."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session

from workstation.domain.errors import DomainError
from sync.protocol import DISTRICT, canonical

from .bulk import insert_rows, is_pg
from .models import CalendarYear, CatalogMatter, CatalogRelease, Change, Counter, PublishedUser
from .protocol import STATION_RE, now

CENTRE_ORIGIN = {"origin_terminal": None, "origin_station": DISTRICT, "origin_user": "central"}


def _digest(data) -> str:
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def write_changes(session: Session, changes: list[dict]) -> None:
    """Append changes (dicts with station, kind, key, data and origin_*), taking their
    cursors under the counter's row lock (kept until the caller commits)."""
    if not changes:
        return
    if is_pg(session):
        # One statement: the UPDATE takes the row lock and says where the counter stood.
        value = session.execute(update(Counter.__table__).where(Counter.name == "changes")
                                .values(value=Counter.value + len(changes))
                                .returning(Counter.value)).scalar_one() - len(changes)
    else:
        value = session.execute(select(Counter.value).where(Counter.name == "changes")
                                .with_for_update()).scalar_one()
        session.execute(update(Counter).where(Counter.name == "changes").values(value=value + len(changes)))
    at = now()
    insert_rows(session, Change, [{"cursor": value + i, "created_at": at, "origin_terminal": None,
                                   "origin_station": None, "origin_user": None, "origin_at": None,
                                   **c}
                                  for i, c in enumerate(changes, start=1)])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def pull(session: Session, caller, since: int, limit: int) -> dict:
    """The changes the caller's station may see, made by others, after ``since``."""
    q = select(Change.cursor, Change.kind, Change.key, Change.data, Change.origin_terminal,
               Change.origin_station, Change.origin_user, Change.origin_at, Change.created_at
               ).where(Change.cursor > since)
    if not caller.district:
        q = q.where(or_(Change.station.is_(None), Change.station == caller.station))
    q = q.where(or_(Change.origin_terminal.is_(None), Change.origin_terminal != caller.terminal))
    rows = session.execute(q.order_by(Change.cursor).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"changes": [{"cursor": r[0], "kind": r[1], "key": r[2], "data": r[3],
                         "origin": {"terminal": r[4], "station": r[5], "user": r[6],
                                    "at": _iso(r[7] or r[8])}}
                        for r in rows],
            "cursor": rows[-1][0] if rows else since, "more": more}


# --------------------------------------------------------------------------- catalog

def _check_catalog(catalog, version) -> tuple[str, str, list, list[dict]]:
    if not isinstance(catalog, dict):
        raise DomainError("事项目录应为 JSON 对象（含 version、title、matters）")
    version = version if version is not None else catalog.get("version")
    if not isinstance(version, str) or not version.strip() or len(version) > 40:
        raise DomainError("目录版本号应为1至40个字符", "version")
    title = catalog.get("title", "")
    if not isinstance(title, str) or len(title) > 200:
        raise DomainError("目录标题应为不超过200个字符的文字", "title")
    matters = catalog.get("matters")
    if not isinstance(matters, list) or not matters:
        raise DomainError("事项目录中没有事项（matters）", "matters")
    bundles = catalog.get("bundles", [])
    if not isinstance(bundles, list):
        raise DomainError("目录中的 bundles 应为列表", "bundles")
    seen = set()
    for i, m in enumerate(matters, start=1):
        code = m.get("code") if isinstance(m, dict) else None
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            raise DomainError(f"第{i}个事项缺少有效的事项编码（code，1至40个字符）", "matters")
        if code in seen:
            raise DomainError(f"事项编码“{code}”重复", "matters")
        seen.add(code)
    return version.strip(), title, bundles, matters


def publish_catalog(session: Session, catalog: dict, version: str | None = None) -> dict:
    """Publish a catalog: diff it against the last published one and write one
    ``catalog.matter`` change per added or changed matter, one ``catalog.removed``
    per removed matter and, when anything changed, one ``catalog.version``
    (data: version, title, bundles, number of matters). Returns the counts."""
    version, title, bundles, matters = _check_catalog(catalog, version)
    at = now()
    if is_pg(session):      # one publisher at a time (SQLite: BEGIN IMMEDIATE already)
        session.execute(text("LOCK TABLE catalog_matters IN EXCLUSIVE MODE"))
    known = {code: (digest, removed) for code, digest, removed in session.execute(
        select(CatalogMatter.code, CatalogMatter.digest, CatalogMatter.removed))}
    inserts, updates, changes = [], [], []
    added = changed = 0
    for m in matters:
        digest = _digest(m)
        old = known.get(m["code"])
        if old is not None and old[0] == digest and not old[1]:
            continue
        row = {"code": m["code"], "digest": digest, "data": m, "version": version, "removed": False,
               "updated_at": at}
        if old is None:
            inserts.append(row)
        else:
            updates.append(row)
        if old is None or old[1]:
            added += 1
        else:
            changed += 1
        changes.append({"station": None, "kind": "catalog.matter", "key": m["code"],
                        "data": {**m, "version": version}, **CENTRE_ORIGIN, "origin_at": at})
    codes = {m["code"] for m in matters}
    gone = sorted(code for code, (_, removed) in known.items() if code not in codes and not removed)
    for code in gone:
        updates.append({"code": code, "removed": True, "version": version, "updated_at": at})
        changes.append({"station": None, "kind": "catalog.removed", "key": code,
                        "data": {"version": version}, **CENTRE_ORIGIN, "origin_at": at})
    last = session.scalar(select(CatalogRelease).order_by(CatalogRelease.id.desc()).limit(1))
    same_release = (last is not None and last.version == version and last.title == title
                    and _digest(last.bundles) == _digest(bundles))
    if changes or not same_release:
        insert_rows(session, CatalogMatter, inserts)
        if updates:
            session.execute(update(CatalogMatter), updates)
        changes.append({"station": None, "kind": "catalog.version", "key": version,
                        "data": {"version": version, "title": title, "bundles": bundles,
                                 "matters": len(matters)}, **CENTRE_ORIGIN, "origin_at": at})
        session.add(CatalogRelease(version=version, title=title, bundles=bundles,
                                   matters=len(matters), changed=added + changed,
                                   removed=len(gone), published_at=at))
        session.flush()
        write_changes(session, changes)
    return {"version": version, "matters": len(matters), "added": added, "changed": changed,
            "removed": len(gone), "unchanged": len(matters) - added - changed}


# --------------------------------------------------------------------------- calendar, users

def publish_calendar(session: Session, data: dict) -> dict:
    """A year's holiday schedule (the terminals' import format, with ``year``)."""
    if not isinstance(data, dict):
        raise DomainError("节假日安排应为 JSON 对象")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise DomainError("节假日安排缺少有效的年份（year，2000至2100）", "year")
    digest, at = _digest(data), now()
    row = session.get(CalendarYear, year, with_for_update=True)
    if row is not None and row.digest == digest:
        return {"year": year, "changed": False}
    if row is None:
        session.add(CalendarYear(year=year, digest=digest, data=data, published_at=at))
    else:
        row.digest, row.data, row.published_at = digest, data, at
    session.flush()
    write_changes(session, [{"station": None, "kind": "calendar.year", "key": str(year),
                             "data": data, **CENTRE_ORIGIN, "origin_at": at}])
    return {"year": year, "changed": True}


USER_FIELDS = ("name", "role", "station", "categories", "rights", "active")


def publish_user(session: Session, user: dict) -> dict:
    """A user for the terminals: seen by the user's station (and the district), or
    by everyone for a district user. Never a password hash."""
    if not isinstance(user, dict):
        raise DomainError("用户信息应为 JSON 对象")
    login = user.get("login")
    if not isinstance(login, str) or not 1 <= len(login) <= 64:
        raise DomainError("用户缺少有效的登录名（login）", "login")
    station = user.get("station") or DISTRICT
    if not isinstance(station, str) or not STATION_RE.match(station):
        raise DomainError("用户的站点编码无效", "station")
    data = {k: user.get(k) for k in USER_FIELDS}
    data["station"] = None if station == DISTRICT else station
    data["active"] = bool(user.get("active", True))
    digest, at = _digest(data), now()
    row = session.get(PublishedUser, login, with_for_update=True)
    if row is not None and row.digest == digest:
        return {"login": login, "changed": False}
    if row is None:
        session.add(PublishedUser(login=login, station=station, digest=digest, data=data, updated_at=at))
    else:
        row.station, row.digest, row.data, row.updated_at = station, digest, data, at
    session.flush()
    write_changes(session, [{"station": None if station == DISTRICT else station, "kind": "user",
                             "key": login, "data": data, **CENTRE_ORIGIN, "origin_at": at}])
    return {"login": login, "changed": True}
