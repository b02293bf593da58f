"""The 材料流转 commands (station mode): `workstation transfer create|pending|list|show|
send|receive|cancel|slip`.

Registered into workstation.cli's parser; exit codes as there: 0 done, 2 bad input
or a refused action (a Chinese message on stderr, nothing changed), 1 a fault.
"""

from __future__ import annotations

from .common import (
    EXIT_OK, CliError, Parser, acting_user, headless_qt, open_workstation, output_path,
    print_result,
)


def _detail_text(d: dict, head: str) -> str:
    lines = [f"{head}：{d['number']}（{d['status_label']}）  站点 {d['station']}  "
             f"{d['cases']} 个案件，纸质材料 {d['materials']} 件 {d['copies']} 份"]
    if d["carrier"]:
        lines.append(f"  送件人：{d['carrier']}  交接时间：{d['sent_at']}")
    if d["received_at"]:
        lines.append(f"  签收：{d['received_by_name']}  {d['received_at']}"
                     + (f"  缺失 {d['missing']} 件" if d["missing"] else ""))
    if d["note"]:
        lines.append(f"  备注：{d['note']}")
    for i in d["items"]:
        lines.append(f"  {i['seq']:>2}. {i['receipt_no']}  {i['matter']}  {i['applicant']}  "
                     f"{i['materials']}件/{i['copies']}份  {i['state_label']}"
                     + (f"（{i['note']}）" if i["note"] else ""))
    return "\n".join(lines)


def cmd_create(args) -> int:
    from ..services import transfers

    if bool(args.cases) == bool(args.all):
        raise CliError("请给出案件号（或受理编号），或用 --all 打包本站全部待移交案件（二者选一）")
    with open_workstation(args) as ws:
        out = transfers.create(ws, acting_user(ws, args), args.cases or None, all_pending=args.all)
    text = _detail_text(out, "已打包材料流转单")
    if out.get("remaining"):
        text += f"\n  还有 {out['remaining']} 个案件待移交，请再打包一张"
    text += f"\n  打印：workstation transfer slip {out['number']} --out 流转单.pdf"
    print_result(args, out, text)
    return EXIT_OK


def cmd_pending(args) -> int:
    from ..services import transfers

    with open_workstation(args) as ws:
        rows = transfers.pending_cases(ws, acting_user(ws, args), limit=args.limit)
    data = {"count": len(rows), "cases": [r.to_json() for r in rows]}
    human = "\n".join(f"{r.receipt_no}  {r.matter_name}  {r.applicant_name}  "
                      f"{r.materials}件/{r.copies}份  案件号 {r.case_id}" for r in rows)
    print_result(args, data, human or "本站点没有待移交纸质材料的案件")
    return EXIT_OK


def cmd_list(args) -> int:
    from ..services import transfers

    with open_workstation(args) as ws:
        rows = transfers.list_transfers(ws, acting_user(ws, args), args.status, limit=args.limit)
    data = {"count": len(rows), "transfers": rows}
    human = "\n".join(f"{r['number']}  {r['status_label']}  站点 {r['station']}  {r['cases']} 个案件"
                      f"  打包 {r['created_at']}" + (f"  缺失 {r['missing']}" if r["missing"] else "")
                      for r in rows)
    print_result(args, data, human or "没有材料流转单")
    return EXIT_OK


def _slip_step(args, step, head) -> int:
    """Run one use case on a slip (``step(transfers, ws, actor)``) and print the slip."""
    from ..services import transfers

    with open_workstation(args) as ws:
        out = step(transfers, ws, acting_user(ws, args))
    print_result(args, out, _detail_text(out, head(out) if callable(head) else head))
    return EXIT_OK


def cmd_show(args) -> int:
    return _slip_step(args, lambda t, ws, actor: t.show(ws, actor, args.number), "材料流转单")


def cmd_send(args) -> int:
    return _slip_step(args, lambda t, ws, actor: t.send(ws, actor, args.number, args.carrier), "已交接出站")


def cmd_receive(args) -> int:
    return _slip_step(args, lambda t, ws, actor: t.receive(ws, actor, args.number, args.missing or (),
                                                           args.note or ""),
                      lambda out: "签收有差异" if out["missing"] else "已签收")


def cmd_cancel(args) -> int:
    return _slip_step(args, lambda t, ws, actor: t.cancel(ws, actor, args.number, args.reason), "已作废")


def cmd_slip(args) -> int:
    from ..services import transfers
    from ..services.printouts import transfer_slip_pages

    out_path = output_path(args.out, {".pdf"})
    headless_qt()
    with open_workstation(args) as ws:
        detail = transfers.show(ws, acting_user(ws, args), args.number)
        pages = transfer_slip_pages(detail, ws.settings())
    from ..services.printouts import write_pages

    write_pages(pages, out_path)
    data = {"out": str(out_path), "number": detail["number"], "pages": len(pages),
            "cases": detail["cases"]}
    print_result(args, data, f"材料流转单 {detail['number']}（{len(pages)} 页）已写入 {out_path}")
    return EXIT_OK


def register(sub, command) -> None:
    group = sub.add_parser("transfer", help="材料流转：便民服务站向区中心移交纸质材料").add_subparsers(
        dest="sub", parser_class=Parser, required=True)
    c = command("create", cmd_create, "打包材料流转单：列出案件号/受理编号，或 --all", group)
    c.add_argument("cases", nargs="*", help="案件号或受理编号（受理编号含其全部案件）")
    c.add_argument("--all", action="store_true", help="本站全部待移交的案件（一张最多60个）")
    c = command("pending", cmd_pending, "本站待移交纸质材料的案件", group)
    c.add_argument("--limit", type=int, default=100)
    c = command("list", cmd_list, "列出材料流转单（站点只见本站的）", group)
    c.add_argument("--status", help="packed|sent|received|discrepancy|cancelled（或中文状态）")
    c.add_argument("--limit", type=int, default=100)
    c = command("show", cmd_show, "查看一张材料流转单", group)
    c.add_argument("number", help="流转单编号（或扫描到的二维码内容）")
    c = command("send", cmd_send, "登记交接出站（送件人）", group)
    c.add_argument("number")
    c.add_argument("--carrier", required=True, help="送件人（交接人）姓名")
    c = command("receive", cmd_receive, "区中心签收：未列缺失的案件视为已收到", group)
    c.add_argument("number", help="流转单编号（或扫描到的二维码内容）")
    c.add_argument("--missing", nargs="+", help="未收到材料的案件号或受理编号")
    c.add_argument("--note", help="签收备注（有缺失时写明情况）")
    c = command("cancel", cmd_cancel, "作废尚未交接的流转单，案件可重新打包", group)
    c.add_argument("number")
    c.add_argument("--reason", required=True)
    c = command("slip", cmd_slip, "把材料流转单打印到 PDF（A4）", group)
    c.add_argument("number")
    c.add_argument("--out", required=True, help="输出 PDF 文件")
