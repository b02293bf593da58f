"""Sync commands: enroll, sync, sync status, conflicts."""

from __future__ import annotations

from .common import EXIT_OK, acting_user, open_workstation, print_result


def cmd_enroll(args) -> int:
    from workstation.services.sync.client import enroll

    with open_workstation(args) as ws:
        out = enroll(ws, acting_user(ws, args), args.server, args.code)
    print_result(args, out, f"已登记到 {out['server']}：站点 {out['station']}，终端 {out['terminal']}")
    return EXIT_OK


def cmd_sync(args) -> int:
    from workstation.services.sync.client import skew_too_large, status, sync_once

    with open_workstation(args) as ws:
        if args.what == "status":
            out = status(ws)
            text = (f"{'在线' if out['online'] else '离线'}；待同步 {out['pending']} 条；冲突 {out['conflicts']} 件；"
                    f"上次同步 {out['last_sync'] or '从未'}" + (f"；{out['last_error']}" if out['last_error'] else "")
                    + "".join(f"\n号段 {b['authority']}{b['act']}字〔{b['year']}〕第{b['next']}–{b['last']}号"
                              for b in out["leases"]))
        else:
            out = sync_once(ws)
            text = (f"已同步：上传 {out['pushed']}，下载 {out['pulled']}；待同步 {out['pending']} 条；"
                    f"冲突 {out['conflicts']} 件")
            if skew_too_large(out["skew_seconds"]):
                text += f"\n注意：本机时钟与中心相差 {out['skew_seconds']} 秒，请校准"
    print_result(args, out, text)
    return EXIT_OK


def cmd_conflicts(args) -> int:
    from ..services.conflicts import list_conflicts, resolve

    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        if args.resolve is not None:
            out = resolve(ws, actor, args.resolve, args.note or "")
            print_result(args, out, f"冲突 {out['id']} 已处理")
            return EXIT_OK
        rows = list_conflicts(ws, actor, include_resolved=args.all)
    print_result(args, {"conflicts": rows},
               "\n".join(f"{r['id']}  {r['created_at']}  {r['message']}" for r in rows) or "没有待处理的冲突")
    return EXIT_OK


def register(sub, command) -> None:
    c = command("enroll", cmd_enroll, "用中心服务器给出的一次性登记码登记本终端（管理员）")
    c.add_argument("--server", required=True, help="中心服务器地址，如 https://zwfw.example.gov.cn:8443")
    c.add_argument("--code", required=True, help="一次性登记码")
    c = command("sync", cmd_sync, "与中心同步一次（上传待同步事件、下载变更）；sync status 查看状态")
    c.add_argument("what", nargs="?", choices=["status"], help="status：只看同步状态")
    c = command("conflicts", cmd_conflicts, "列出或处理同步冲突")
    c.add_argument("--all", action="store_true", help="包括已处理的")
    c.add_argument("--resolve", type=int, help="处理某个冲突（写明 --note）")
    c.add_argument("--note", help="处理说明")
