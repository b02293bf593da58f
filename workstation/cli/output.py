"""The output window's commands: deliver, label, manifest, scan.

Registered into workstation.cli's parser; exit codes as there (0 done, 2 bad
input or refused, nothing changed), plus 3 for `scan` when the picture holds
codes but none of ours. `found` says whether a case (or an enterprise) was found.
"""

from __future__ import annotations

import sys
from datetime import date

from .common import (
    EXIT_OK, CliError, acting_user, headless_qt, open_workstation, output_path, print_json, print_result,
    read_json_file,
)


EXIT_NOT_OURS = 3
OUTPUT_SUFFIXES = {".pdf", ".xlsx"}


def cmd_deliver(args) -> int:
    from ..domain.mail import parse_mail_address
    from ..services.delivery import mail, pickup
    from ..services.seals import SealVault

    if args.pickup == args.mail:
        raise CliError("请选择 --pickup（窗口领取）或 --mail（邮寄）之一")
    if args.pickup and not args.collector_id:
        raise CliError("窗口领取须用 --collector-id 给出领取人证件号码")
    if args.pickup and (args.waybill is not None or args.address_file is not None):
        raise CliError("窗口领取不需要 --waybill 和 --address-file")
    if args.mail and (args.waybill is None or args.address_file is None):
        raise CliError("邮寄须同时给出 --waybill 运单号和 --address-file 地址文件")
    if args.mail and (args.collector_id or args.signature):
        raise CliError("邮寄不需要 --collector-id 和 --signature")
    address = parse_mail_address(read_json_file(args.address_file, "地址")) if args.mail else None
    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        if args.pickup:
            out = pickup(ws, actor, args.case, args.collector_id, SealVault(),
                         signature_image=args.signature)
            text = (f"已由{out['collector_role_label']}“{out['collector']}”领取，案件已办结"
                    f"\n  送达回证：{out['document']['number']}  {out['document']['path']}")
        else:
            out = mail(ws, actor, args.case, args.waybill, address)
            text = f"已登记邮寄：运单号 {out['waybill']}，寄往 {out['address']}（邮编 {out['postcode']}）"
    print_result(args, out, text)
    return EXIT_OK


def cmd_delivered(args) -> int:
    from ..services.delivery import mark_delivered

    with open_workstation(args) as ws:
        out = mark_delivered(ws, acting_user(ws, args), args.key)
    print_result(args, out, f"已妥投：运单号 {out['waybill']}，案件已办结")
    return EXIT_OK


def cmd_label(args) -> int:
    from ..services.delivery import mail_records
    from ..services.printouts import write_labels

    out_path = output_path(args.out, {".pdf"})
    headless_qt()
    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        records = mail_records(ws, actor, args.cases)
        with ws.reading() as s:
            settings = ws.settings(s)
        write_labels(records, settings, out_path, size=args.size)
    data = {"out": str(out_path), "labels": len(records),
            "waybills": [r.waybill for r in records], "size": args.size}
    print_result(args, data, f"已生成 {len(records)} 张面单：{out_path}")
    return EXIT_OK


def cmd_manifest(args) -> int:
    from ..services.delivery import manifest
    from ..services.printouts import write_manifest

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise CliError(f"日期应为 YYYY-MM-DD：{args.date[:20]}") from None
    out_path = output_path(args.out, OUTPUT_SUFFIXES)
    headless_qt()
    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        records = manifest(ws, actor, day)
        with ws.reading() as s:
            settings = ws.settings(s)
        write_manifest(records, settings, day, out_path)
    data = {"out": str(out_path), "date": day.isoformat(), "count": len(records),
            "waybills": [r.waybill for r in records]}
    print_result(args, data, f"{day} 交寄清单：{len(records)} 件，已写入 {out_path}")
    return EXIT_OK


def cmd_scan(args) -> int:
    from ..services.scanning import scan_file

    with open_workstation(args) as ws:
        actor = acting_user(ws, args, needed=False)
        results = scan_file(ws, actor, args.image)
    ours = [r for r in results if r.kind != "foreign"]
    found = any(r.opens_case or r.kind == "licence" or r.detail.get("known") for r in results)
    data = {"codes": [r.to_json() for r in results], "found": found,
            "receipt_no": next((r.receipt_no for r in results if r.receipt_no), None)}
    if args.json:
        print_json(data)
    else:
        for r in results:
            print(_scan_line(r))
    if not ours:
        if not args.json:
            print("图片中的条码/二维码都不是本系统的", file=sys.stderr)
        return EXIT_NOT_OURS
    return EXIT_OK


def _scan_line(r) -> str:
    if r.kind == "licence":
        return f"营业执照：{r.detail['credit_code']} {r.detail['name']}".rstrip()
    if r.kind == "transfer":
        d = r.detail
        if not d.get("known"):
            return f"材料流转单：{d.get('message', '')}"
        return f"材料流转单 {d['transfer_no']}：{d['status_label']}，{d['cases']} 个案件"
    if r.kind == "foreign":
        return f"非本系统的码：{r.text[:60]}"
    if r.kind == "document":
        verdict = r.detail["verdict"]
        state = "有效" if verdict["valid"] else f"无效（{verdict['reason']}）"
        return f"文书 {verdict['document_no']}：{state}；受理编号 {r.receipt_no or '（本机无此案件）'}"
    if r.receipt_no:
        return f"案件：受理编号 {r.receipt_no}（{len(r.case_ids)} 件）"
    return r.detail.get("message", r.text)


def register(sub, command) -> None:
    c = command("deliver", cmd_deliver, "出件：窗口领取（核验领取人）或邮寄（登记运单和地址）")
    c.add_argument("case", help="案件号（或只有一个案件的受理编号）")
    c.add_argument("--pickup", action="store_true", help="窗口领取")
    c.add_argument("--collector-id", help="领取人证件号码：申请人、法定代表人或委托代理人")
    c.add_argument("--signature", help="领取人签名的扫描图片（不给则视为在回证上勾选确认）")
    c.add_argument("--mail", action="store_true", help="免费邮寄")
    c.add_argument("--waybill", help="运单号：国际 EMS（S10，如 EA123456785CN）或 13 位国内单号")
    c.add_argument("--address-file", help='收件地址 JSON：{"name", "phone", "address", "postcode"}')
    c = command("delivered", cmd_delivered, "邮件妥投：按运单号、案件号或受理编号")
    c.add_argument("key")
    c = command("label", cmd_label, "打印邮寄面单到 PDF")
    c.add_argument("cases", nargs="+", help="已登记邮寄的案件号")
    c.add_argument("--out", required=True, help="输出 PDF 文件")
    c.add_argument("--size", default="100x150", choices=["100x150", "76x130", "100x180"],
                   help="面单尺寸（毫米）")
    c = command("manifest", cmd_manifest, "某日的交寄清单（PDF 或 Excel）")
    c.add_argument("--date", required=True, help="交寄日期 YYYY-MM-DD")
    c.add_argument("--out", required=True, help="输出文件：.pdf 或 .xlsx")
    c = command("scan", cmd_scan, "识别图片或 PDF 中的条码/二维码，找到对应案件")
    c.add_argument("image", help="图片（PNG/JPEG/TIFF…）或 PDF")
