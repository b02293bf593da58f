"""Administration: `workstation audit verify` (exit 3: tampered),
`workstation settings list|set`, `workstation demo`."""

from __future__ import annotations

import sys

from .common import EXIT_OK, CliError, Parser, acting_user, open_workstation, print_json, print_result


def cmd_audit_verify(args) -> int:
    from ..services import audit

    with open_workstation(args) as ws, ws.reading() as s:
        report = audit.verify(s)
    if report.ok and not report.keyed:
        print("注意：审计日志未加密钥（本机没有系统钥匙串，也未设置 WORKSTATION_SEAL_SECRET），"
              "能拿到数据目录的人可以重算整条哈希链", file=sys.stderr)
    if args.json:
        print_json(report.to_json())
    elif report.ok:
        print(f"审计日志完整：共{report.entries}条，逐条哈希衔接无误"
              + ("，记录头校验码相符" if report.keyed else "")
              + (f"，与中心确认的检查点（第{report.checkpoint}条）一致" if report.checkpoint else ""))
    else:
        print(f"审计日志被篡改：{report.problem}", file=sys.stderr)
    return EXIT_OK if report.ok else 3


def cmd_settings(args) -> int:
    from ..services.setup import change_settings
    from ..services.settings import OPTIONS

    with open_workstation(args) as ws:
        if args.sub == "set":
            values = {}
            for item in args.pairs:
                key, sep, value = item.partition("=")
                if not sep or not key.strip():
                    raise CliError(f"设置应写成 KEY=VALUE，例如 sender_phone=029-87654321；收到：“{item[:40]}”")
                values[key.strip()] = value
            current = change_settings(ws, acting_user(ws, args), values)
        else:
            current = ws.settings().as_dict()
    print_result(args, current, "\n".join(f"{k} = {v}    # {OPTIONS[k].title}" for k, v in current.items()))
    return EXIT_OK


def cmd_demo(args) -> int:
    from ..services import Workstation
    from ..services.demo import build_demo

    with Workstation(args.data_dir) as ws:
        out = build_demo(ws, cases=args.cases, if_empty=args.if_empty)
    print_result(args, out, out["message"])
    return EXIT_OK


def register(sub, command) -> None:
    aud = sub.add_parser("audit", help="审计").add_subparsers(dest="sub", parser_class=Parser,
                                                             required=True)
    command("verify", cmd_audit_verify, "校验审计日志是否被改动", aud)

    settings = sub.add_parser("settings", help="设置").add_subparsers(dest="sub", parser_class=Parser,
                                                                     required=True)
    command("list", cmd_settings, "列出全部设置", settings)
    c = command("set", cmd_settings, "修改设置（管理员）：KEY=VALUE，可多项", settings)
    c.add_argument("pairs", nargs="+", help="如 sender_address=西安市新城区东五路1号")

    c = command("demo", cmd_demo, "生成演示数据库")
    c.add_argument("--cases", type=int, default=300)
    c.add_argument("--if-empty", action="store_true", help="数据目录已有数据时什么也不做")
