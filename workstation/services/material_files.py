"""The stored pages as files: one PDF per material exported for a case, the page
files re-hashed against their SHA-256 (integrity), and files and rows no material
needs any more swept away after a grace period (see services.materials for the
order of writing that leaves such files behind).
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import DomainError
from ..store.models import Case, CaseMaterial, MaterialPage, OutboxEvent, PageFile
from . import page_store
from .auth import Actor
from .context import Workstation
from .material_results import (Exported, ExportedFile, MaterialRef, PageProblem, PagesVerified,
                               Swept)
from .materials import find_case, list_materials

SWEEP_GRACE = timedelta(hours=24)

__all__ = ["export", "verify", "sweep"]


# ---------------------------------------------------------------- export

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .")[:60] or "材料"


def export(ws: Workstation, actor: Actor, case_id: str, out_dir: str | Path) -> Exported:
    """One PDF per material with pages (``{seq:02d}-{code}-{name}.pdf``, pages in order,
    each turned by its rotation, at its own dpi) in ``out_dir`` (created if its parent
    exists; files of the same name are replaced). Returns ``{"out", "case_id",
    "receipt_no", "files": [{"material", "name", "path", "pages"}]}``."""
    from PIL import Image

    data = list_materials(ws, actor, case_id)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DomainError(f"{out} 不是文件夹", "out")
    if not out.parent.exists():
        raise DomainError(f"输出目录的上级目录不存在：{out.parent}", "out")
    out.mkdir(exist_ok=True)
    files: list[ExportedFile] = []
    for seq, m in enumerate(data["materials"], start=1):
        if not m["pages"]:
            continue
        images = []
        for p in m["pages"]:
            problem = page_store.file_problem(ws.data_dir, p["sha256"], p["mime"])
            if problem:
                raise DomainError(f"材料“{m['name']}”第{p['seq']}页：{problem}，未能导出", "file")
            im: Image.Image = Image.open(p["file"])
            if p["rotation"]:
                im = im.rotate(-p["rotation"], expand=True)
            images.append(im.convert("RGB") if im.mode not in ("1", "L", "RGB") else im)
        target = out / f"{seq:02d}-{_safe(m['code'])}-{_safe(m['name'])}.pdf"
        tmp = target.with_name(target.name + ".tmp")
        try:
            images[0].save(tmp, "PDF", save_all=True, append_images=images[1:],
                           resolution=float(m["pages"][0]["dpi"] or 150))
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DomainError(f"无法写入 {target}：{exc.strerror}", "out") from None
        files.append({"material": m["code"], "name": m["name"], "path": str(target),
                      "pages": len(m["pages"])})
    if not files:
        raise DomainError("该案件还没有任何电子材料", "case")
    return {"out": str(out), "case_id": data["case_id"], "receipt_no": data["receipt_no"],
            "files": files}


# ---------------------------------------------------------------- integrity and sweeping

def verify(ws: Workstation, actor: Actor, case_id: str | None = None) -> PagesVerified:
    """Re-hash stored pages (one case's, or all): a file missing or whose bytes no
    longer match its SHA-256 is reported. ``{"checked", "ok", "problems": [{"sha256",
    "path", "problem", "cases": [{"case_id", "material"}]}]}``."""
    with ws.reading() as s:
        q = (select(PageFile.sha256, PageFile.mime, CaseMaterial.case_id, CaseMaterial.code)
             .join(MaterialPage, MaterialPage.sha256 == PageFile.sha256)
             .join(CaseMaterial, MaterialPage.case_material_id == CaseMaterial.id))
        if case_id is not None:
            q = q.where(CaseMaterial.case_id == find_case(s, actor, case_id).id)
        elif not actor.can("view_all"):
            q = q.join(Case, CaseMaterial.case_id == Case.id).where(Case.station == actor.station)
        files: dict[str, tuple[str, list[MaterialRef]]] = {}
        for sha, mime, cid, code in s.execute(q):
            files.setdefault(sha, (mime, []))[1].append({"case_id": cid, "material": code})
    problems: list[PageProblem] = []
    for sha, (mime, uses) in sorted(files.items()):
        problem = page_store.file_problem(ws.data_dir, sha, mime)
        if problem:
            problems.append({"sha256": sha, "path": page_store.relpath(sha, mime), "problem": problem,
                             "cases": uses})
    return {"checked": len(files), "ok": not problems, "problems": problems}


def _pending_files(s: Session) -> set[str]:
    """Page files named by events not yet acknowledged by the centre: sync still needs them."""
    out: set[str] = set()
    for payload in s.scalars(select(OutboxEvent.payload).where(OutboxEvent.acked_at.is_(None),
                                                               OutboxEvent.kind == "material.pages")):
        out.update(json.loads(payload).get("files") or [])
    return out


def sweep(ws: Workstation, *, grace: timedelta = SWEEP_GRACE) -> Swept:
    """Remove what no material needs, older than ``grace``: files no row names (a crash
    or a cancelled capture between writing a file and its rows; temporary files), and
    stored pages no material uses any more and no unsent event names.
    ``{"files_removed", "rows_removed"}``."""
    root = ws.data_dir / page_store.PAGES_DIR
    cutoff = time.time() - grace.total_seconds()
    with ws.transaction() as s:
        used = set(s.scalars(select(MaterialPage.sha256).distinct()))
        needed = used | _pending_files(s)
        row_cutoff = ws.clock.now() - grace
        stale = [f for f in s.scalars(select(PageFile).where(PageFile.sha256.not_in(needed)))
                 if f.created_at <= row_cutoff]
        for f in stale:
            s.delete(f)
        known = set(s.scalars(select(PageFile.sha256)))
    removed = 0
    if root.is_dir():
        for sub in root.iterdir():
            if not sub.is_dir():
                continue
            for path in sub.iterdir():
                sha = path.name.split(".")[0] if not path.name.startswith(".") else ""
                if sha in known:
                    continue
                try:
                    if path.stat().st_mtime <= cutoff:
                        path.unlink()
                        removed += 1
                except OSError:
                    pass
    return {"files_removed": removed, "rows_removed": len(stale)}
