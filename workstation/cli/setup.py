"""Setting up a terminal and its users: `workstation init`,
`workstation user add|categories|password`."""

from __future__ import annotations

import getpass
import os
import sys

from .common import EXIT_OK, CliError, Parser, acting_user, codes, open_workstation, print_result


def _new_password(first_user: bool) -> str:
    """WORKSTATION_NEW_PASSWORD; WORKSTATION_PASSWORD only for the first user, who
    logs in with it. Once someone is logged in, WORKSTATION_PASSWORD is theirs and
    must never silently become the new user's."""
    password = os.environ.get("WORKSTATION_NEW_PASSWORD")
    if not password and first_user:
        password = os.environ.get("WORKSTATION_PASSWORD")
    if password:
        return password
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError("未提供新用户的密码：请设置环境变量 WORKSTATION_NEW_PASSWORD")
    first = getpass.getpass("新用户密码：")
    if getpass.getpass("再输入一次：") != first:
        raise CliError("两次输入的密码不一致")
    return first


def cmd_init(args) -> int:
    from ..services import Workstation
    from ..services.setup import init

    values = {"region": args.region, "terminal": args.terminal, "authority": args.authority,
              "authority_short": args.authority_short, "station": args.station,
              "receipt_pattern": args.receipt_pattern, "docno_pattern": args.docno_pattern,
              "complaint_phone": args.complaint_phone}
    with Workstation(args.data_dir) as ws:
        # Needed only when the terminal already has users (the service says so).
        out = init(ws, values, actor=acting_user(ws, args, needed=False))
    s = out["settings"]
    seal = (f"\n已创建受理印章 {out['seal']['id']}（{out['seal']['name']}）" if out["seal"] else
            "\n未创建受理印章：本机没有可用的系统钥匙串，请设置 WORKSTATION_SEAL_SECRET 后运行 "
            "workstation seal create")
    print_result(args, out, f"已初始化：{s['authority']}（{s['authority_short']}），区划 {s['region']}，"
                      f"终端 {s['terminal']}\n数据目录：{out['data_dir']}" + seal)
    return EXIT_OK


def cmd_user_add(args) -> int:
    from ..services.auth import add_user

    with open_workstation(args) as ws:
        actor = acting_user(ws, args, needed=False)
        user = add_user(ws, actor, args.login, args.name, args.role, _new_password(actor is None),
                        station=args.station, rights=tuple(args.right or ()),
                        categories=tuple(codes(args.categories)))
    print_result(args, {"login": user.login, "name": user.name, "role": user.role,
                  "station": user.station, "rights": sorted(user.rights),
                  "categories": sorted(user.categories)},
           f"已添加用户 {user.login}（{user.name}，{user.role_label}）")
    return EXIT_OK


def cmd_user_categories(args) -> int:
    from ..services.auth import set_categories

    with open_workstation(args) as ws:
        user = set_categories(ws, acting_user(ws, args), args.login, codes(args.categories))
    print_result(args, {"login": user.login, "categories": sorted(user.categories)},
           f"{user.name} 的业务类别：{'、'.join(sorted(user.categories)) or '（无）'}")
    return EXIT_OK


def cmd_user_password(args) -> int:
    from ..services.auth import set_password

    with open_workstation(args) as ws:
        user = set_password(ws, acting_user(ws, args), args.login, _new_password(False))
    print_result(args, {"login": user.login}, f"已设置 {user.name}（{user.login}）的密码")
    return EXIT_OK


def register(sub, command) -> None:
    c = command("init", cmd_init, "初始化本终端")
    c.add_argument("--region", required=True, help="6位行政区划代码，如 610102")
    c.add_argument("--terminal", required=True, help="3位终端编码，如 001")
    c.add_argument("--authority", required=True, help="机关全称")
    c.add_argument("--authority-short", required=True, help="机关简称，用于文号")
    c.add_argument("--station", help="所属中心/站点编码（默认 district）")
    c.add_argument("--receipt-pattern", help="受理编号格式")
    c.add_argument("--docno-pattern", help="文号格式")
    c.add_argument("--complaint-phone", help="投诉电话")

    users = sub.add_parser("user", help="用户管理").add_subparsers(dest="sub", parser_class=Parser,
                                                                   required=True)
    c = command("add", cmd_user_add, "添加用户", users)
    c.add_argument("login")
    c.add_argument("--name", required=True)
    c.add_argument("--role", required=True, help="clerk|station_clerk|approver|supervisor|admin")
    c.add_argument("--station", help="站点编码（便民服务站受理员必填）")
    c.add_argument("--right", action="append", help="额外授权，如 approve_on_spot（审核合一）")
    c.add_argument("--categories", help="审批员的业务类别，逗号分隔：商事登记,投资建设,社会民生")
    c = command("categories", cmd_user_categories, "修改审批员的业务类别", users)
    c.add_argument("login")
    c.add_argument("--categories", required=True)
    c = command("password", cmd_user_password, "设置用户密码（新密码取自 WORKSTATION_NEW_PASSWORD 或终端输入）",
                users)
    c.add_argument("login")
