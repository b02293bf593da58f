"""The electronic materials commands: `workstation material add|list|export|check|reuse|
rotate|reorder|delete|verify`.

Registered into workstation.cli's parser; exit codes as there: 0 done, 2 bad input or a
refused action (a Chinese message on stderr, nothing changed), 1 a fault; `verify`
exits 3 when a stored page is missing or its bytes no longer match its SHA-256.
"""

from __future__ import annotations

import sys
from datetime import date

from .common import EXIT_OK, CliError, Parser, acting_user, open_workstation, print_result


EXIT_DAMAGED = 3


def _date(text: str | None):
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--valid-until“{text[:20]}”不是存在的 YYYY-MM-DD 日期") from None


def _material_text(m: dict) -> str:
    head = (f"{m['code']} {m['name']}：{m['page_count']} 页  {m['check_label']}"
            + (f"（{m['check_note']}）" if m["check_note"] else "")
            + (f"  有效期至 {m['valid_until']}" if m["valid_until"] else "")
            + (f"  复用自案件 {m['reused_from']['case_id']}" if m["reused_from"] else ""))
    pages = [f"    第{p['seq']}页  #{p['id']}  {p['width']}×{p['height']}"
             + (f" {p['dpi']}dpi" if p["dpi"] else "") + f"  {p['mime']}"
             + (f"  旋转{p['rotation']}°" if p["rotation"] else "") + f"  {p['path']}"
             for p in m["pages"]]
    return "\n".join([head, *pages])


def cmd_add(args) -> int:
    from ..services import materials

    with open_workstation(args) as ws:
        out = materials.add_files(ws, acting_user(ws, args), args.case, args.material, args.files,
                                  source=args.source, valid_until=_date(args.valid_until))
    print_result(args, out, "已加入电子材料：" + _material_text(out))
    return EXIT_OK


def cmd_list(args) -> int:
    from ..services import materials

    with open_workstation(args) as ws:
        out = materials.list_materials(ws, acting_user(ws, args), args.case)
    lines = [f"受理编号 {out['receipt_no']}  {out['matter_name']}（{out['status_label']}）  "
             f"申请人 {out['applicant']['name']}  案件号 {out['case_id']}"]
    lines += ["  " + _material_text(m) for m in out["materials"]]
    print_result(args, out, "\n".join(lines))
    return EXIT_OK


def cmd_export(args) -> int:
    from ..services import material_files

    with open_workstation(args) as ws:
        out = material_files.export(ws, acting_user(ws, args), args.case, args.out)
    print_result(args, out, f"已导出 {len(out['files'])} 项材料到 {out['out']}：\n"
               + "\n".join(f"  {f['path']}（{f['pages']} 页）" for f in out["files"]))
    return EXIT_OK


def cmd_check(args) -> int:
    from ..services import materials

    if args.ok == (args.defect is not None):
        raise CliError("请选择 --ok（已核验）或 --defect 说明（有缺陷）之一")
    with open_workstation(args) as ws:
        out = materials.check(ws, acting_user(ws, args), args.case, args.material,
                              "checked" if args.ok else "defective", args.defect)
    print_result(args, out, _material_text(out))
    return EXIT_OK


def cmd_reuse(args) -> int:
    from ..services import materials

    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        if args.source is None:
            found = materials.offers(ws, actor, args.case, args.material)
            data = {"count": len(found), "offers": found}
            human = "\n".join(f"{o['material']} ← #{o['source_id']} {o['name']}（受理编号 {o['receipt_no']}，"
                              f"{o['pages']} 页，有效期至 {o['valid_until']}）" for o in found)
            print_result(args, data, human or "没有可复用的材料")
            return EXIT_OK
        if not args.material:
            raise CliError("复用须给出本案的材料编码和 --from 可复用材料编号")
        out = materials.reuse(ws, actor, args.case, args.material, args.source)
    print_result(args, out, "已复用：" + _material_text(out))
    return EXIT_OK


def cmd_pages(args) -> int:
    from ..services import materials

    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        if args.sub == "rotate":
            out = materials.rotate(ws, actor, args.case, args.material, args.page, args.degrees)
        elif args.sub == "reorder":
            out = materials.reorder(ws, actor, args.case, args.material, args.pages)
        else:
            out = materials.delete_pages(ws, actor, args.case, args.material, args.pages)
    print_result(args, out, _material_text(out))
    return EXIT_OK


def cmd_verify(args) -> int:
    from ..services import material_files

    with open_workstation(args) as ws:
        out = material_files.verify(ws, acting_user(ws, args), args.case)
    if args.json:
        print_result(args, out, "")
    elif out["ok"]:
        print(f"电子材料完整：{out['checked']} 个页面文件逐一核对 SHA-256 无误")
    else:
        for p in out["problems"]:
            where = "、".join(f"{u['case_id']}/{u['material']}" for u in p["cases"])
            print(f"{p['path']}：{p['problem']}（用于 {where}）", file=sys.stderr)
    return EXIT_OK if out["ok"] else EXIT_DAMAGED


def register(sub, command) -> None:
    group = sub.add_parser("material", help="电子材料：采集、查看、核验、复用、导出").add_subparsers(
        dest="sub", parser_class=Parser, required=True)
    c = command("add", cmd_add, "把文件（图片、PDF）加入案件的一项材料", group)
    c.add_argument("case", help="案件号（单事项时也可用受理编号）")
    c.add_argument("material", help="材料编码，如 M02")
    c.add_argument("files", nargs="+", help="JPEG、PNG、TIFF、BMP、WebP 图片或 PDF")
    c.add_argument("--source", default="file", choices=("file", "camera", "scanner", "folder"),
                   help="页面来源（默认 file）")
    c.add_argument("--valid-until", help="材料有效期至 YYYY-MM-DD（如身份证有效期），默认按设置")
    c = command("list", cmd_list, "列出案件的材料和页面", group)
    c.add_argument("case")
    c = command("export", cmd_export, "把案件的电子材料导出为每项一个 PDF", group)
    c.add_argument("case")
    c.add_argument("--out", required=True, help="输出文件夹")
    c = command("check", cmd_check, "核验一项材料：--ok 已核验，或 --defect 说明 有缺陷", group)
    c.add_argument("case")
    c.add_argument("material")
    c.add_argument("--ok", action="store_true")
    c.add_argument("--defect", help="缺陷说明（写入一次性告知书）")
    c = command("reuse", cmd_reuse, "列出同一申请人可复用的材料，或用 --from 复用一份", group)
    c.add_argument("case")
    c.add_argument("material", nargs="?")
    c.add_argument("--from", dest="source", type=int, help="可复用材料编号（列出时的 source_id）")
    c = command("rotate", cmd_pages, "旋转一页（顺时针，90 的倍数）", group)
    c.add_argument("case")
    c.add_argument("material")
    c.add_argument("page", type=int, help="页面编号（list 中的 #id）")
    c.add_argument("--degrees", type=int, default=90)
    c = command("reorder", cmd_pages, "按给出的页面编号重排一项材料的页", group)
    c.add_argument("case")
    c.add_argument("material")
    c.add_argument("pages", nargs="+", type=int)
    c = command("delete", cmd_pages, "删除一项材料的若干页", group)
    c.add_argument("case")
    c.add_argument("material")
    c.add_argument("pages", nargs="+", type=int)
    c = command("verify", cmd_verify, "核对已存页面文件的 SHA-256（全部或一个案件）", group)
    c.add_argument("case", nargs="?")
