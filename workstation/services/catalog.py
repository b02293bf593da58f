"""The matters catalog: importing a version, and reading the one in force."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import RESOURCES
from ..domain.catalog import Catalog, parse_catalog
from ..store import raw
from ..store.models import CatalogVersion
from . import audit
from .auth import Actor, require
from .context import Workstation
from .errors import ServiceError
from .results import CatalogImported, CatalogJson

DEFAULT_CATALOG = RESOURCES / "catalog" / "default.json"
MAX_FILE_BYTES = 20 * 1024 * 1024
_cache: dict[tuple[str, int], Catalog] = {}


def read_file(path: str | Path) -> dict:
    from ..shared.files import read_json

    return read_json(path, max_bytes=MAX_FILE_BYTES)


def store_version(session: Session, catalog: Catalog, data: dict, by: str, now) -> CatalogVersion:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    row = CatalogVersion(label=catalog.version, title=catalog.title, digest=digest, data=data,
                         imported_at=now, imported_by=by)
    session.add(row)
    session.flush()
    return row


def import_catalog(ws: Workstation, actor: Actor, data: dict) -> CatalogImported:
    """Validate the whole file, then store it as a new version. Cases already
    accepted keep the version they were accepted under."""
    require(actor, "import_catalog")
    catalog = parse_catalog(data)
    with ws.transaction() as s:
        settings = ws.settings(s)
        current = s.scalar(select(CatalogVersion).order_by(CatalogVersion.id.desc()).limit(1))
        now = ws.clock.now()
        row = store_version(s, catalog, data, actor.login, now)
        if current is not None and current.digest == row.digest:
            raise ServiceError(f"该事项目录（{catalog.version}）与当前版本完全相同，未导入")
        audit.record(s, actor.login, settings.terminal, now, "catalog.import", str(row.id),
                     {"label": catalog.version, "matters": len(catalog.matters),
                      "bundles": len(catalog.bundles), "digest": row.digest})
        return {"version_id": row.id, "label": catalog.version, "matters": len(catalog.matters),
                "bundles": len(catalog.bundles)}


def current(session: Session, data_dir: str = "") -> tuple[int, Catalog]:
    row = raw.cursor(session).execute("SELECT max(id) FROM catalog_versions").fetchone()[0]
    if row is None:
        raise ServiceError("尚未导入事项目录，请先运行 workstation catalog import")
    return row, version(session, row, data_dir)


def version(session: Session, version_id: int, data_dir: str = "") -> Catalog:
    key = (str(data_dir), version_id)
    if key not in _cache:
        text = raw.cursor(session).execute("SELECT data FROM catalog_versions WHERE id = ?",
                                           (version_id,)).fetchone()[0]
        _cache[key] = parse_catalog(text)
    return _cache[key]


def current_catalog(ws: Workstation) -> tuple[int, Catalog]:
    with ws.reading() as s:
        return current(s, str(ws.data_dir))


def catalog_json(version_id: int, catalog: Catalog) -> CatalogJson:
    return {
        "version_id": version_id, "version": catalog.version, "title": catalog.title,
        "matters": [{
            "code": m.code, "name": m.name, "category": m.category.value, "kind": m.kind.value,
            "statutory_days": m.statutory_days, "promised_days": m.promised_days,
            "allows_tolerance": m.allows_tolerance,
            "materials": [{"code": x.code, "name": x.name, "form": x.form.value, "copies": x.copies,
                           "required": x.required, "tolerable": x.tolerable} for x in m.materials],
        } for m in catalog.matters],
        "bundles": [asdict(b) | {"matters": list(b.matters)} for b in catalog.bundles],
    }
