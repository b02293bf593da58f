"""Electronic materials (电子材料): the pages of each case material — captured at the
counter from files (the camera and scanner screens hand their pictures to the same
calls), read in the back office, checked (已核验 / 有缺陷), reused for the same
applicant's later cases, exported, and carried to the centre by sync.

Order of writing, so that nothing is half-written: page files first (page_store,
outside any transaction: slow work never holds the database's write lock), then one
transaction with the rows, the audit entry and the outbox event. A crash between the
two leaves only files no row names; ``material_files.sweep`` removes those after a grace
period.

Every call is plain Python with no Qt: the capture screen and the viewer call them on
their worker thread (``stage_*`` need no database write and may run on any thread;
the rest on the database worker).

Events (sync carries them; the page files go up content-addressed first):

- ``material.pages`` — the material's pages as they are now, after each change:
  ``{"case_id", "material", "action": "add"|"reorder"|"rotate"|"delete"|"reuse",
  "pages": [{"sha256", "path", "mime", "size", "width", "height", "dpi", "rotation",
  "source"}], "files": [sha256…], "valid_until", "reused_from": {"case_id",
  "material"} | null}``;
- ``material.check`` — ``{"case_id", "material", "state", "note", "checked_by", "checked_at"}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .sync import outbox

from ..domain import materials as rules
from ..domain.errors import DomainError
from ..domain.states import CaseStatus
from ..domain.text import clean_text
from ..store.models import (Acceptance, Applicant, Case, CaseMaterial, ElectronicMaterial,
                            MaterialPage, PageFile)
from . import audit, catalog as catalog_service, page_store
from .auth import Actor, require
from .context import Workstation
from .errors import NotFound, PermissionDenied
from .material_results import (CaseMaterials, DeficienciesJson, EventPage, MaterialJson,
                               MaterialPagesEvent, MaterialRef, PageJson, ReuseOffer, Supplement)
from .page_store import Cancelled, StoredPage

SOURCES = ("file", "camera", "scanner", "folder", "reuse")
# While a case is at the counter or under review its pages may change; after the
# decision they are the record the decision was made on.
EDITABLE = frozenset({CaseStatus.DRAFT, CaseStatus.NOTIFIED, CaseStatus.ACCEPTED,
                      CaseStatus.TOLERATED, CaseStatus.REVIEWING, CaseStatus.SUSPENDED})
MAX_FILES = 200

__all__ = ["Cancelled", "StoredPage", "stage_files", "stage_bytes", "attach", "add_files",
           "reorder", "rotate", "delete_pages", "list_materials", "page_path",
           "offers", "reuse", "check", "deficiencies"]


# ---------------------------------------------------------------- reading a case

def _limit_mb(ws: Workstation) -> int:
    return rules.check_max_mb(ws.settings().get("material_max_mb"))


def find_case(s: Session, actor: Actor, case_id: str) -> Case:
    """A case by its id, or by the receipt number of a one-case acceptance."""
    key = clean_text(case_id, "案件号", max_len=60, field="case")
    case = s.get(Case, key.lower())
    if case is None:
        found = s.scalars(select(Case).join(Acceptance, Case.acceptance_id == Acceptance.id)
                          .where(Acceptance.receipt_no == key)).all()
        if len(found) > 1 and (actor.can("view_all") or found[0].station == actor.station):
            raise DomainError(f"受理编号 {key} 含 {len(found)} 个案件，请给出案件号："
                              + "、".join(f"{c.id}（{c.matter_name}）" for c in found), "case")
        case = found[0] if found else None
    if case is None or (not actor.can("view_all") and case.station != actor.station):
        raise NotFound(f"找不到案件“{key[:40]}”")
    return case


def _material(s: Session, case: Case, code: str) -> CaseMaterial:
    code = clean_text(code, "材料编码", max_len=40, field="material")
    row = s.scalar(select(CaseMaterial).where(CaseMaterial.case_id == case.id,
                                              CaseMaterial.code == code))
    if row is None:
        raise NotFound(f"案件“{case.matter_name}”的材料清单中没有材料编码“{code}”")
    return row


def _editable(case: Case) -> None:
    status = CaseStatus(case.status)
    if status not in EDITABLE:
        raise DomainError(f"案件已{status.label}，电子材料不能再修改", "case")


def _pages(s: Session, material_id: int) -> list[MaterialPage]:
    return list(s.scalars(select(MaterialPage).where(MaterialPage.case_material_id == material_id)
                          .order_by(MaterialPage.seq)))


def _record(s: Session, material_id: int) -> ElectronicMaterial | None:
    return s.get(ElectronicMaterial, material_id)


def _applicant(s: Session, applicant_id: int) -> Applicant:
    applicant = s.get(Applicant, applicant_id)
    assert applicant is not None        # cases.applicant_id: a foreign key, never null
    return applicant


def _catalog_material(s: Session, ws: Workstation, case: Case, code: str):
    matter = catalog_service.version(s, case.catalog_version_id, str(ws.data_dir)).matter(case.matter_code)
    return next((m for m in matter.materials if m.code == code), None)


def _page_json(ws: Workstation, p: MaterialPage, f: PageFile, *, absolute: bool = True) -> PageJson:
    rel = page_store.relpath(f.sha256, f.mime)
    out: PageJson = {"id": p.id, "seq": p.seq, "sha256": f.sha256, "mime": f.mime, "size": f.size,
           "width": f.width, "height": f.height, "dpi": f.dpi, "rotation": p.rotation,
           "source": p.source, "captured_by": p.captured_by,
           "captured_at": p.captured_at.isoformat(timespec="seconds"), "path": rel}
    if absolute:
        out["file"] = str(ws.data_dir / rel)
    return out


def _material_json(ws: Workstation, s: Session, case: Case, m: CaseMaterial) -> MaterialJson:
    from ..domain.intake import STATE_LABELS

    rows = s.execute(select(MaterialPage, PageFile).join(PageFile, MaterialPage.sha256 == PageFile.sha256)
                     .where(MaterialPage.case_material_id == m.id).order_by(MaterialPage.seq)).all()
    rec = _record(s, m.id)
    state = rules.CheckState(rec.check_state) if rec else rules.CheckState.UNCHECKED
    reused: MaterialRef | None = None
    if rec and rec.reused_from:
        src = s.get(CaseMaterial, rec.reused_from)
        if src is not None:
            reused = {"case_id": src.case_id, "material": src.code}
    return {"code": m.code, "name": m.name, "form": m.form, "required": m.required,
            "state": m.state, "state_label": STATE_LABELS.get(m.state, m.state),
            "pages": [_page_json(ws, p, f) for p, f in rows], "page_count": len(rows),
            "check_state": state.value, "check_label": state.label,
            "checked_by": rec.checked_by if rec else None,
            "checked_at": rec.checked_at.isoformat(timespec="seconds") if rec and rec.checked_at else None,
            "check_note": rec.check_note if rec else "",
            "valid_until": rec.valid_until.isoformat() if rec and rec.valid_until else None,
            "reused_from": reused}


def list_materials(ws: Workstation, actor: Actor, case_id: str) -> CaseMaterials:
    """A case's checklist with each material's pages, in order (the viewer's model).

    ``{"case_id", "receipt_no", "matter_code", "matter_name", "status", "applicant",
    "materials": [{"code", "name", "form", "required", "state", "state_label",
    "page_count", "pages": [{"id", "seq", "sha256", "mime", "size", "width", "height",
    "dpi", "rotation", "source", "captured_by", "captured_at", "path", "file"}],
    "check_state", "check_label", "checked_by", "checked_at", "check_note",
    "valid_until", "reused_from"}]}``; ``file`` is the page's absolute path."""
    with ws.reading() as s:
        case = find_case(s, actor, case_id)
        applicant = _applicant(s, case.applicant_id)
        return {"case_id": case.id, "receipt_no": case.acceptance.receipt_no, "matter_code": case.matter_code,
                "matter_name": case.matter_name, "status": case.status,
                "status_label": CaseStatus(case.status).label,
                "applicant": {"name": applicant.name, "id_number": applicant.id_number},
                "materials": [_material_json(ws, s, case, m) for m in case.materials]}


def page_path(ws: Workstation, actor: Actor, case_id: str, page_id: int) -> Path:
    """The file of one page of a case the actor may see (the viewer opens it)."""
    with ws.reading() as s:
        case = find_case(s, actor, case_id)
        row = s.execute(select(MaterialPage, PageFile, CaseMaterial)
                        .join(PageFile, MaterialPage.sha256 == PageFile.sha256)
                        .join(CaseMaterial, MaterialPage.case_material_id == CaseMaterial.id)
                        .where(MaterialPage.id == page_id, CaseMaterial.case_id == case.id)).first()
        if row is None:
            raise NotFound(f"案件中没有编号为 {page_id} 的页面")
        return ws.data_dir / page_store.relpath(row[1].sha256, row[1].mime)


# ---------------------------------------------------------------- capture: files first

def _check_access(ws: Workstation, actor: Actor, case_id: str, code: str) -> None:
    require(actor, "accept")
    with ws.reading() as s:
        case = find_case(s, actor, case_id)
        _material(s, case, code)
        _editable(case)


def stage_bytes(ws: Workstation, actor: Actor, data: bytes, name: str, *,
                on_page: Callable[[StoredPage], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> list[StoredPage]:
    """Normalise and store one file's pages (a camera frame, a scan, a dropped file's
    bytes) without any row: ``attach`` names them later. Safe on any thread."""
    require(actor, "accept")
    limit = _limit_mb(ws)
    rules.check_size(len(data), limit, name)
    kind = rules.check_kind(data[:1024], name)
    return page_store.store(ws.data_dir, data, kind, name, on_page=on_page, cancelled=cancelled)


def stage_files(ws: Workstation, actor: Actor, paths: Iterable[str | Path], *,
                on_page: Callable[[StoredPage], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> list[StoredPage]:
    """``stage_bytes`` for files on disk, in the order given. A bad file stops the
    whole call with its message; pages already written stay unnamed (swept later)."""
    require(actor, "accept")
    paths = list(paths)
    if not paths:
        raise DomainError("请至少选择一个材料文件", "file")
    if len(paths) > MAX_FILES:
        raise DomainError(f"一次最多添加 {MAX_FILES} 个文件", "file")
    limit = _limit_mb(ws)
    out: list[StoredPage] = []
    for path in paths:
        if cancelled is not None and cancelled():
            raise Cancelled("已取消：已读入的页面未加入材料")
        data, kind = page_store.read_source(path, limit)
        out += page_store.store(ws.data_dir, data, kind, Path(path).name, on_page=on_page,
                                cancelled=cancelled)
    return out


def _snapshot(ws: Workstation, s: Session, case: Case, m: CaseMaterial,
              action: str) -> MaterialPagesEvent:
    rows = s.execute(select(MaterialPage, PageFile).join(PageFile, MaterialPage.sha256 == PageFile.sha256)
                     .where(MaterialPage.case_material_id == m.id).order_by(MaterialPage.seq)).all()
    rec = _record(s, m.id)
    reused: MaterialRef | None = None
    if rec and rec.reused_from:
        src = s.get(CaseMaterial, rec.reused_from)
        reused = {"case_id": src.case_id, "material": src.code} if src else None
    pages: list[EventPage] = [{"sha256": f.sha256, "path": page_store.relpath(f.sha256, f.mime), "mime": f.mime,
              "size": f.size, "width": f.width, "height": f.height, "dpi": f.dpi,
              "rotation": p.rotation, "source": p.source} for p, f in rows]
    return {"case_id": case.id, "material": m.code, "action": action, "pages": pages,
            "files": list(dict.fromkeys(p["sha256"] for p in pages)),
            "valid_until": rec.valid_until.isoformat() if rec and rec.valid_until else None,
            "reused_from": reused}


def _changed(ws: Workstation, s: Session, actor: Actor, case: Case, m: CaseMaterial, action: str,
             detail: dict) -> MaterialJson:
    """After a change to a material's pages: its check goes back to 未核验 (the pages
    are not the ones checked), the audit entry and the outbox event are written."""
    rec = _record(s, m.id)
    if rec is not None and rec.check_state != rules.CheckState.UNCHECKED:
        rec.check_state, rec.checked_by, rec.checked_at, rec.check_note = "unchecked", None, None, ""
    s.flush()
    settings = ws.settings(s)
    now = ws.clock.now()
    case.updated_at = now
    event = _snapshot(ws, s, case, m, action)
    audit.record(s, actor.login, settings.terminal, now, f"material.{action}", case.id,
                 {"material": m.code, **detail, "pages": [p["sha256"] for p in event["pages"]]})
    outbox.append(s, "material.pages", event, user=actor.login, terminal=settings.terminal, at=now)
    return _material_json(ws, s, case, m)


def _ensure_record(s: Session, m: CaseMaterial, valid_until: date | None, today: date,
                   default_days: int) -> ElectronicMaterial:
    rec = _record(s, m.id)
    if rec is None:
        rec = ElectronicMaterial(case_material_id=m.id, check_state="unchecked", check_note="",
                                 valid_until=valid_until or rules.default_valid_until(today, default_days))
        s.add(rec)
    elif valid_until is not None:
        rec.valid_until = valid_until
    return rec


def attach(ws: Workstation, actor: Actor, case_id: str, code: str, pages: list[StoredPage], *,
           source: str = "file", valid_until: date | None = None) -> MaterialJson:
    """Add staged pages at the end of a case material, in one transaction (rows, audit,
    event). Each page's file must still be on disk with its size. ``valid_until``: how
    long the material serves later cases (an ID card's expiry, say); else the setting
    ``material_validity_days`` from today. Returns the material as ``list_materials``."""
    require(actor, "accept")
    if source not in SOURCES or source == "reuse":
        raise DomainError("页面来源应为 file、camera、scanner 或 folder", "source")
    if not pages:
        raise DomainError("没有要添加的页面", "file")
    for p in pages:
        path = ws.data_dir / page_store.relpath(p.sha256, p.mime)
        try:
            if path.stat().st_size != p.size:
                raise DomainError(f"页面文件 {p.origin or p.sha256[:12]} 已损坏，请重新采集", "file")
        except FileNotFoundError:
            raise DomainError(f"页面文件 {p.origin or p.sha256[:12]} 已不在磁盘上，请重新采集",
                              "file") from None
    with ws.transaction() as s:
        case = find_case(s, actor, case_id)
        m = _material(s, case, code)
        _editable(case)
        today, now = ws.clock.today(), ws.clock.now()
        until = rules.check_valid_until(valid_until, today)
        existing = _pages(s, m.id)
        if len(existing) + len(pages) > rules.MAX_PAGES_PER_MATERIAL:
            raise DomainError(f"一项材料最多 {rules.MAX_PAGES_PER_MATERIAL} 页", "file")
        known = set(s.scalars(select(PageFile.sha256).where(
            PageFile.sha256.in_({p.sha256 for p in pages}))))
        for p in pages:
            if p.sha256 not in known:
                s.add(PageFile(sha256=p.sha256, size=p.size, mime=p.mime, width=p.width,
                               height=p.height, dpi=p.dpi, created_at=now))
                known.add(p.sha256)
        s.flush()
        start = existing[-1].seq if existing else 0
        for i, p in enumerate(pages, start=1):
            s.add(MaterialPage(case_material_id=m.id, seq=start + i, sha256=p.sha256, rotation=0,
                               source=source, captured_by=actor.login, captured_at=now))
        _ensure_record(s, m, until, today, rules.check_validity_days(
            ws.settings(s).get("material_validity_days")))
        return _changed(ws, s, actor, case, m, "add",
                        {"added": [p.sha256 for p in pages], "source": source})


def add_files(ws: Workstation, actor: Actor, case_id: str, code: str, paths: Iterable[str | Path], *,
              source: str = "file", valid_until: date | None = None,
              on_page: Callable[[StoredPage], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> MaterialJson:
    """Read, normalise and store the files' pages, then attach them (the CLI's
    ``material add``; a capture screen may stage and attach in two steps instead)."""
    _check_access(ws, actor, case_id, code)
    staged = stage_files(ws, actor, paths, on_page=on_page, cancelled=cancelled)
    return attach(ws, actor, case_id, code, staged, source=source, valid_until=valid_until)


# ---------------------------------------------------------------- editing pages

def _renumber(s: Session, pages: list[MaterialPage]) -> None:
    """Give pages seq 1…n in the list's order (two passes: the unique (material, seq)
    never sees two pages on one number)."""
    for p in pages:
        p.seq = -p.id
    s.flush()
    for i, p in enumerate(pages, start=1):
        p.seq = i
    s.flush()


def reorder(ws: Workstation, actor: Actor, case_id: str, code: str,
            page_ids: list[int]) -> MaterialJson:
    """Put the material's pages in the order of ``page_ids`` (every page once)."""
    require(actor, "accept")
    with ws.transaction() as s:
        case = find_case(s, actor, case_id)
        m = _material(s, case, code)
        _editable(case)
        pages = _pages(s, m.id)
        order = rules.check_order([p.id for p in pages], [int(i) for i in page_ids])
        by_id = {p.id: p for p in pages}
        if order == [p.id for p in pages]:
            return _material_json(ws, s, case, m)
        _renumber(s, [by_id[i] for i in order])
        return _changed(ws, s, actor, case, m, "reorder", {"order": order})


def rotate(ws: Workstation, actor: Actor, case_id: str, code: str, page_id: int,
           degrees: int) -> MaterialJson:
    """Turn one page by ``degrees`` clockwise (a multiple of 90; -90 turns it back). The
    stored picture is unchanged: the rotation is shown and exported."""
    require(actor, "accept")
    turn = rules.check_rotation(degrees)
    with ws.transaction() as s:
        case = find_case(s, actor, case_id)
        m = _material(s, case, code)
        _editable(case)
        page = next((p for p in _pages(s, m.id) if p.id == page_id), None)
        if page is None:
            raise NotFound(f"材料“{m.name}”中没有编号为 {page_id} 的页面")
        if turn == 0:
            return _material_json(ws, s, case, m)
        page.rotation = (page.rotation + turn) % 360
        return _changed(ws, s, actor, case, m, "rotate", {"page": page_id, "rotation": page.rotation})


def delete_pages(ws: Workstation, actor: Actor, case_id: str, code: str,
                 page_ids: list[int]) -> MaterialJson:
    """Remove pages from the material (the stored file stays while anything names it)."""
    require(actor, "accept")
    with ws.transaction() as s:
        case = find_case(s, actor, case_id)
        m = _material(s, case, code)
        _editable(case)
        pages = _pages(s, m.id)
        wanted = {int(i) for i in page_ids}
        if not wanted or not wanted <= {p.id for p in pages}:
            raise NotFound(f"材料“{m.name}”中没有这些页面")
        gone = [p for p in pages if p.id in wanted]
        for p in gone:
            s.delete(p)
        s.flush()
        _renumber(s, [p for p in pages if p.id not in wanted])
        return _changed(ws, s, actor, case, m, "delete", {"deleted": [p.sha256 for p in gone]})


# ---------------------------------------------------------------- reuse

def _held(ws: Workstation, s: Session, actor: Actor, applicant_id: int) -> list[rules.HeldMaterial]:
    """The applicant's electronic materials on this terminal, from cases the actor sees."""
    applicant = _applicant(s, applicant_id)
    q = (select(CaseMaterial, Case, Acceptance.receipt_no, ElectronicMaterial)
         .join(Case, CaseMaterial.case_id == Case.id)
         .join(Acceptance, Case.acceptance_id == Acceptance.id)
         .join(ElectronicMaterial, ElectronicMaterial.case_material_id == CaseMaterial.id)
         .where(Case.applicant_id == applicant_id))
    if not actor.can("view_all"):
        q = q.where(Case.station == actor.station)
    out = []
    for m, case, receipt, rec in s.execute(q):
        pages = _pages(s, m.id)
        wanted = _catalog_material(s, ws, case, m.code)
        out.append(rules.HeldMaterial(
            case_material_id=m.id, case_id=case.id, receipt_no=receipt,
            applicant_key=(applicant.id_type, applicant.id_number), name=m.name,
            reusable=bool(wanted and wanted.reusable), shas=tuple(p.sha256 for p in pages),
            valid_until=rec.valid_until, check_state=rec.check_state,
            captured_on=(pages[-1].captured_at.date() if pages else date.min)))
    return out


def _wanted(ws: Workstation, s: Session, case: Case, m: CaseMaterial) -> rules.Wanted:
    applicant = _applicant(s, case.applicant_id)
    line = _catalog_material(s, ws, case, m.code)
    return rules.Wanted((applicant.id_type, applicant.id_number), m.name,
                        bool(line and line.reusable), case.id)


def _offer_json(h: rules.HeldMaterial, code: str) -> ReuseOffer:
    return {"material": code, "source_id": h.case_material_id, "case_id": h.case_id,
            "receipt_no": h.receipt_no, "name": h.name, "pages": len(h.shas),
            "valid_until": h.valid_until.isoformat() if h.valid_until else None,
            "check_state": h.check_state, "captured_on": h.captured_on.isoformat()}


def offers(ws: Workstation, actor: Actor, case_id: str, code: str | None = None) -> list[ReuseOffer]:
    """Materials the same applicant (same ID number or credit code) handed in for earlier
    cases that may serve this case's lines: reusable in the catalog, the same kind of
    document, still valid, not found defective. Lines that already have pages are not
    offered anything. ``[{"material", "source_id", "case_id", "receipt_no", "name",
    "pages", "valid_until", "check_state", "captured_on"}]``, newest first per line."""
    with ws.reading() as s:
        case = find_case(s, actor, case_id)
        lines = [_material(s, case, code)] if code else list(case.materials)
        held = _held(ws, s, actor, case.applicant_id)
        today = ws.clock.today()
        out: list[ReuseOffer] = []
        for m in lines:
            if code is None and _pages(s, m.id):
                continue
            out += [_offer_json(h, m.code) for h in rules.offers(held, _wanted(ws, s, case, m), today)]
        return out


def reuse(ws: Workstation, actor: Actor, case_id: str, code: str, source_id: int) -> MaterialJson:
    """Attach an offered material: the same stored pages are linked (never copied), its
    validity carried over; the rules are checked again inside the transaction."""
    require(actor, "accept")
    with ws.transaction() as s:
        case = find_case(s, actor, case_id)
        m = _material(s, case, code)
        _editable(case)
        if _pages(s, m.id):
            raise DomainError(f"材料“{m.name}”已有电子页面，请先删除后再复用", "material")
        held = {h.case_material_id: h for h in _held(ws, s, actor, case.applicant_id)}
        h = held.get(int(source_id))
        if h is None:
            raise NotFound("没有找到可复用的这份材料（须是同一申请人的材料）")
        reason = rules.why_not_offered(h, _wanted(ws, s, case, m), ws.clock.today())
        if reason:
            raise DomainError(f"不能复用：{reason}", "material")
        now = ws.clock.now()
        for i, p in enumerate(_pages(s, h.case_material_id), start=1):
            s.add(MaterialPage(case_material_id=m.id, seq=i, sha256=p.sha256, rotation=p.rotation,
                               source="reuse", captured_by=actor.login, captured_at=now))
        rec = _ensure_record(s, m, None, ws.clock.today(), 1)
        rec.valid_until, rec.reused_from = h.valid_until, h.case_material_id
        return _changed(ws, s, actor, case, m, "reuse",
                        {"from_case": h.case_id, "from_material": h.case_material_id})


# ---------------------------------------------------------------- checking

def _may_check(s: Session, actor: Actor, case: Case) -> None:
    """The approver of the case's category, or the clerk who accepted it."""
    if actor.login == case.acceptance.clerk and actor.can("accept"):
        return
    if actor.can("approve") and case.category in actor.categories:
        return
    if actor.can("approve"):
        raise PermissionDenied(f"案件属于“{case.category}”，不在审批员“{actor.name}”的审批范围内")
    raise PermissionDenied(f"只有本案的受理人或“{case.category}”的审批员可以核验材料")


def check(ws: Workstation, actor: Actor, case_id: str, code: str, state: str,
          note: str | None = None) -> MaterialJson:
    """Mark a material 已核验 (``checked``) or 有缺陷 (``defective``, with a note saying
    what is wrong). Audited; an outbox event tells the centre."""
    verdict, text = rules.check_verdict(state, note)
    with ws.transaction() as s:
        case = find_case(s, actor, case_id)
        m = _material(s, case, code)
        _may_check(s, actor, case)
        _editable(case)
        if not _pages(s, m.id):
            raise DomainError(f"材料“{m.name}”还没有电子页面，无法核验", "material")
        now = ws.clock.now()
        rec = _ensure_record(s, m, None, ws.clock.today(), rules.check_validity_days(
            ws.settings(s).get("material_validity_days")))
        rec.check_state, rec.checked_by, rec.checked_at, rec.check_note = verdict.value, actor.login, now, text
        s.flush()
        terminal = ws.settings(s).terminal
        audit.record(s, actor.login, terminal, now, "material.check", case.id,
                     {"material": m.code, "state": verdict.value, "note": text})
        outbox.append(s, "material.check", {
            "case_id": case.id, "material": m.code, "state": verdict.value, "note": text,
            "checked_by": actor.login, "checked_at": now.isoformat(timespec="seconds")},
            user=actor.login, terminal=terminal, at=now)
        return _material_json(ws, s, case, m)


@dataclass(frozen=True)
class Deficiencies:
    """The defects found in a case's materials, in the shapes the 一次性告知 flow takes.

    Attributes:
        supplements: the notice's table rows, ``{"name", "problem", "standard"}``, as
            services/documents.build_context gives the 一次性告知书.
        defects: material code → what is wrong, for ``acceptance.Intake.defects``.
        received: the codes received and not defective, for ``Intake.received``.
    """

    case_id: str
    matter_code: str
    applicant: dict[str, str]
    supplements: list[Supplement] = field(default_factory=list)
    defects: dict[str, str] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)

    def intake(self):
        """An Intake for ``acceptance.notify``: one notice listing every defect."""
        from .acceptance import Intake

        return Intake(matters=[self.matter_code], applicant=dict(self.applicant),
                      received=list(self.received), defects=dict(self.defects))

    def to_json(self) -> DeficienciesJson:
        return {"case_id": self.case_id, "matter_code": self.matter_code,
                "supplements": self.supplements, "defects": self.defects, "received": self.received}


def deficiencies(ws: Workstation, actor: Actor, case_id: str) -> Deficiencies:
    """Turn the materials checked 有缺陷 into the data of a 一次性告知."""
    with ws.reading() as s:
        case = find_case(s, actor, case_id)
        a = _applicant(s, case.applicant_id)
        applicant = {"kind": a.kind, "name": a.name, "phone": a.phone, "address": a.address}
        if a.kind == "enterprise":
            applicant.update(credit_code=a.id_number, legal_rep=a.legal_rep)
            if a.legal_rep_id:
                applicant["legal_rep_id"] = a.legal_rep_id
        else:
            applicant["id_number"] = a.id_number
            if a.id_type != "id_card":
                applicant["id_type"] = a.id_type
        out = Deficiencies(case.id, case.matter_code, applicant)
        for m in case.materials:
            rec = _record(s, m.id)
            if rec is not None and rec.check_state == rules.CheckState.DEFECTIVE:
                line = _catalog_material(s, ws, case, m.code)
                out.supplements.append({"name": m.name, "problem": rec.check_note,
                                        "standard": (line.standard if line else "") or "按材料清单要求提交"})
                out.defects[m.code] = rec.check_note
            elif m.state == "received":
                out.received.append(m.code)
        return out
