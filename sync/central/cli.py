"""``workstation-central``: run the central server and look after it.

    workstation-central serve --db URL --port N [--host 127.0.0.1] [--files DIR] [--workers N]
    workstation-central terminal add --db URL --station CODE --terminal CODE [--region 610102] [--json]
    workstation-central terminal revoke --db URL --terminal CODE [--json]
    workstation-central terminal list --db URL [--json]
    workstation-central cases --db URL [--station CODE] [--json]
    workstation-central conflicts --db URL [--json]
    workstation-central refusals --db URL [--json]
    workstation-central checkpoints --db URL [--terminal CODE] [--json]
    workstation-central catalog publish --db URL FILE.json [--version LABEL] [--json]
    workstation-central calendar publish --db URL FILE.json [--json]
    workstation-central users publish --db URL FILE.json [--json]

``--db`` may be left out when WORKSTATION_CENTRAL_DB is set. Exit codes: 0 done;
2 bad input or a refused action (a Chinese message on stderr, nothing changed);
1 an unexpected fault.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import traceback
from pathlib import Path

from workstation.domain.errors import DomainError

from .db import CentralError

EXIT_OK, EXIT_FAULT, EXIT_BAD_INPUT = 0, 1, 2
MAX_JSON_FILE = 512 * 1024 * 1024
# Each worker keeps a pool of up to 50 database connections (db.make_engine): 16
# workers already ask PostgreSQL for 800, far past its default max_connections.
MAX_WORKERS = 16


class CliError(DomainError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in Chinese with exit code 2."""

    def error(self, message: str):
        raise CliError(f"命令参数有误：{message}（用 -h 查看用法）")


def _db_url(args) -> str:
    url = args.db or os.environ.get("WORKSTATION_CENTRAL_DB")
    if not url:
        raise CliError("请用 --db 指定数据库，例如 --db postgresql+psycopg://用户:口令@主机/库名"
                       " 或 --db sqlite:///central.sqlite3（也可设置环境变量 WORKSTATION_CENTRAL_DB）")
    return url


def _open(args):
    from .db import CentralDB

    return CentralDB(_db_url(args)).open()


def _emit(args, data, human: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, default=str))
    else:
        print(human)


def _read_json(path: str, what: str):
    from workstation.shared.files import read_json

    return read_json(path, max_bytes=MAX_JSON_FILE, what=what)


# --------------------------------------------------------------------------- commands

def _workers(value: str) -> int:
    """``--workers``: a whole number of processes, 1 … MAX_WORKERS."""
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise CliError(f"--workers 应为 1 至 {MAX_WORKERS} 之间的整数（工作进程数），收到“{value[:20]}”")
    return int(text)


def cmd_serve(args) -> int:
    import uvicorn

    from .app import CONFIG_ENV, create_app
    from .db import CentralDB, is_sqlite_url
    from .files import FileStore, default_dir

    if not 1 <= args.port <= 65535:
        raise CliError("端口应在 1 至 65535 之间")
    workers = _workers(args.workers)
    url = _db_url(args)
    if args.authority_passphrase_file:      # the workers read it from the environment
        from .authority import PASSPHRASE_FILE_ENV

        os.environ[PASSPHRASE_FILE_ENV] = str(Path(args.authority_passphrase_file).resolve())
    if workers > 1 and is_sqlite_url(url):
        raise CliError(f"SQLite 数据库不能由 {workers} 个工作进程同时写入：多个工作进程请使用 PostgreSQL"
                       "（--db postgresql+psycopg://…），用 SQLite 试用时去掉 --workers")
    try:
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((args.host, args.port))
    except OSError as exc:
        raise CliError(f"无法在 {args.host}:{args.port} 上监听：{exc.strerror}") from None
    options = {"host": args.host, "port": args.port, "log_level": args.log_level, "access_log": False,
               "timeout_keep_alive": 30}
    if workers == 1:
        app = create_app(url, files_dir=args.files)
        print(f"中心服务器已启动：http://{args.host}:{args.port}/api/v1"
              f"（文件目录 {app.state.files.root}）", flush=True)
        uvicorn.run(app, **options)
        return EXIT_OK
    # Several processes: the schema is migrated here, once, before any worker opens
    # the database (two workers must not both run the migrations); each worker then
    # builds the application from the environment (uvicorn starts workers afresh).
    db = CentralDB(url).open()
    db.close()
    files = FileStore(Path(args.files) if args.files else default_dir(url)).root.resolve()
    os.environ[CONFIG_ENV] = json.dumps({"db": url, "files": str(files)})
    print(f"中心服务器已启动：http://{args.host}:{args.port}/api/v1"
          f"（{workers} 个工作进程，文件目录 {files}）", flush=True)
    uvicorn.run("sync.central.app:app_from_environment", factory=True, workers=workers, **options)
    return EXIT_OK


def cmd_terminal_add(args) -> int:
    from .terminals import add_terminal

    db = _open(args)
    try:
        result = db.write(lambda s: add_terminal(s, station=args.station, terminal=args.terminal,
                                                 region=args.region))
    finally:
        db.close()
    note = ""
    if result["previous"]:
        note = f"\n（终端原属站点 {result['previous']['station']}，旧令牌与未用的登记码已作废）"
    _emit(args, result,
          f"终端 {result['terminal']}（站点 {result['station']}）的一次性登记码：{result['code']}\n"
          f"有效期至 {result['expires_at']}，只能使用一次；在终端上运行 "
          f"workstation enroll --server URL --code {result['code']}{note}")
    return EXIT_OK


def cmd_terminal_revoke(args) -> int:
    from .terminals import revoke_terminal
    from workstation.domain.numbering import check_terminal

    terminal = check_terminal(args.terminal)
    db = _open(args)
    try:
        found = db.write(revoke_terminal, terminal)
    finally:
        db.close()
    if not found:
        raise CliError(f"中心没有登记终端 {terminal}")
    _emit(args, {"terminal": terminal, "revoked": True}, f"终端 {terminal} 的令牌已吊销")
    return EXIT_OK


def cmd_terminal_list(args) -> int:
    from .terminals import list_terminals

    db = _open(args)
    try:
        with db.reading() as s:
            rows = list_terminals(s)
    finally:
        db.close()
    lines = [f"{r['terminal']}  站点 {r['station']:<10} {'已登记' if r['enrolled'] else '未登记'}  {r['device']}"
             for r in rows]
    _emit(args, {"count": len(rows), "terminals": rows}, "\n".join(lines) or "还没有终端")
    return EXIT_OK


def _day(value) -> str | None:
    return value.isoformat() if value else None


def cmd_cases(args) -> int:
    from sqlalchemy import select

    from workstation.domain.states import CaseStatus

    from .models import CaseRecord

    db = _open(args)
    try:
        with db.reading() as s:
            q = select(CaseRecord).order_by(CaseRecord.received_at, CaseRecord.receipt_no, CaseRecord.id)
            if args.station:
                q = q.where(CaseRecord.station == args.station)
            rows = s.scalars(q).all()
    finally:
        db.close()
    cases = [{"id": c.id, "station": c.station, "status": c.status,
              "status_label": CaseStatus(c.status).label, "receipt_no": c.receipt_no,
              "applicant": c.applicant_name, "matter_code": c.matter_code, "matter_name": c.matter_name,
              "due_date": _day(c.due_date), "statutory_due_date": _day(c.statutory_due_date),
              "decided_on": _day(c.decided_on), "document_no": c.document_no,
              "updated_at": c.updated_at.isoformat(timespec="seconds"), "terminal": c.last_terminal,
              "user": c.last_user} for c in rows]
    lines = [f"{c['receipt_no']}  {c['station']:<10} {c['status_label']:<8} {c['matter_name']}  "
             f"{c['applicant']}  （终端 {c['terminal']} {c['user']} {c['updated_at']}）" for c in cases]
    _emit(args, {"count": len(cases), "cases": cases},
          "\n".join(lines + [f"共 {len(cases)} 件"]) if cases else "中心还没有案件")
    return EXIT_OK


def cmd_conflicts(args) -> int:
    from sqlalchemy import select

    from .models import ConflictRecord

    db = _open(args)
    try:
        with db.reading() as s:
            rows = s.scalars(select(ConflictRecord).order_by(ConflictRecord.id)).all()
    finally:
        db.close()
    items = [{"id": c.id, "event_id": c.event_id, "terminal": c.terminal, "station": c.station,
              "seq": c.seq, "kind": c.kind, "user": c.user_login,
              "created_at": c.created_at.isoformat(), "received_at": c.received_at.isoformat(),
              "reason": c.reason, "message": c.message, "case_id": c.case_id} for c in rows]
    lines = [f"#{c['id']} 终端 {c['terminal']}（{c['station']}）{c['user']} {c['created_at'][:16]} "
             f"{c['kind']}：{c['message']}" for c in items]
    _emit(args, {"count": len(items), "conflicts": items},
          "\n".join(lines) if items else "没有冲突")
    return EXIT_OK


def cmd_refusals(args) -> int:
    from .scope import list_refusals

    db = _open(args)
    try:
        with db.reading() as s:
            items = list_refusals(s)
    finally:
        db.close()
    lines = [f"#{r['id']} {r['at'][:16]} 终端 {r['terminal']}（{r['station']}）{r['user'] or ''} "
             f"{r['kind'] or ''}：{r['message']}" for r in items]
    _emit(args, {"count": len(items), "refusals": items}, "\n".join(lines) if items else "没有被拒收的批次")
    return EXIT_OK


def cmd_checkpoints(args) -> int:
    from .checkpoints import list_checkpoints

    db = _open(args)
    try:
        with db.reading() as s:
            items = list_checkpoints(s, args.terminal)
    finally:
        db.close()
    lines = [f"终端 {c['terminal']}  第{c['seq']}条  {c['hash'][:16]}…  设备时间 {c['at']}  收到 {c['received_at']}"
             for c in items]
    _emit(args, {"count": len(items), "checkpoints": items}, "\n".join(lines) if items else "还没有审计检查点")
    return EXIT_OK


def cmd_catalog_publish(args) -> int:
    from workstation.domain.catalog import parse_catalog

    from .changes import publish_catalog

    data = _read_json(args.file, "事项目录")
    parse_catalog(data)        # the same checks a terminal makes on import (DomainError → 2)
    db = _open(args)
    try:
        result = db.write(publish_catalog, data, args.version)
    finally:
        db.close()
    _emit(args, result, f"目录 {result['version']} 已发布：{result['matters']} 个事项，新增 {result['added']}，"
                        f"变更 {result['changed']}，删除 {result['removed']}，未变 {result['unchanged']}")
    return EXIT_OK


def cmd_calendar_publish(args) -> int:
    from .changes import publish_calendar

    data = _read_json(args.file, "节假日安排")
    db = _open(args)
    try:
        result = db.write(publish_calendar, data)
    finally:
        db.close()
    _emit(args, result, f"{result['year']} 年节假日安排" + ("已发布" if result["changed"] else "没有变化，未重复发布"))
    return EXIT_OK


def cmd_users_publish(args) -> int:
    from .changes import publish_user

    data = _read_json(args.file, "用户")
    users = data.get("users") if isinstance(data, dict) else data
    if not isinstance(users, list):
        raise CliError("用户文件应为用户对象的列表，或 {\"users\": [...]}")
    db = _open(args)
    try:
        results = db.write(lambda s: [publish_user(s, u) for u in users])
    finally:
        db.close()
    changed = sum(1 for r in results if r["changed"])
    _emit(args, {"users": len(results), "changed": changed},
          f"已发布 {len(results)} 个用户，其中 {changed} 个有变化")
    return EXIT_OK


def cmd_authority(args) -> int:
    """init: create the district's seal authority once; show: print it; issue: certify the
    requests kept while the key was locked (sync/central/authority.py)."""
    from datetime import date

    from . import authority
    from .changes import write_changes

    secret = authority.passphrase(getattr(args, "passphrase_file", None))
    db = _open(args)
    try:
        if args.action == "init":
            def init(s):
                out = authority.init(s, organ=args.organ, algorithm=args.algorithm, secret=secret,
                                     today=date.today())
                changes = authority.issue_pending(s, date.today(), secret)
                write_changes(s, changes)
                return {**out, "issued": len(changes)}
            data = db.write(init)
            human = (f"已建立本区电子印章根证书：{data['name']}（{data['algorithm']}，"
                     f"{data['valid_from']}至{data['valid_to']}）\nSHA-256 指纹：{data['sha256']}")
        elif args.action == "issue":
            def issue(s):
                changes = authority.issue_pending(s, date.today(), secret)
                write_changes(s, changes)
                return {"issued": len(changes)}
            data = db.write(issue)
            human = f"已签发 {data['issued']} 枚印章的证书"
        else:
            with db.reading() as s:
                root = authority.certificate(s)
            if root is None:
                raise CliError("本区尚未建立电子印章根证书：请运行 workstation-central authority init")
            data = authority.describe(root)
            human = f"{data['name']}（{data['algorithm']}）SHA-256 {data['sha256']}\n{data['certificate']}"
    finally:
        db.close()
    _emit(args, data, human)
    return EXIT_OK


# --------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="workstation-central", description="综合窗口工作台 · 区中心服务器")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="命令")
    sub.required = True

    def with_db(sp, json_flag=True):
        sp.add_argument("--db", help="SQLAlchemy 数据库地址（或环境变量 WORKSTATION_CENTRAL_DB）")
        if json_flag:
            sp.add_argument("--json", action="store_true", help="以 JSON 输出")
        return sp

    s = with_db(sub.add_parser("serve", help="运行中心服务器"), json_flag=False)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--files", help="上传文件的存放目录（默认：SQLite 数据库旁，或当前目录下 central-files）")
    s.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    s.add_argument("--authority-passphrase-file",
                   help="根证书私钥保护口令文件（签发印章证书用；也可用环境变量 WORKSTATION_AUTHORITY_PASSPHRASE）")
    s.add_argument("--workers", default="1",
                   help=f"工作进程数（1 至 {MAX_WORKERS}，默认 1）；多于 1 个时须使用 PostgreSQL")
    s.set_defaults(func=cmd_serve)

    t = sub.add_parser("terminal", help="终端登记").add_subparsers(dest="action", parser_class=_Parser,
                                                                 metavar="操作")
    t.required = True
    a = with_db(t.add_parser("add", help="登记终端并生成一次性登记码"))
    a.add_argument("--station", required=True, help="站点编码；区政务服务中心为 district")
    a.add_argument("--terminal", required=True, help="终端编码（3位数字）")
    a.add_argument("--region", default="610102", help="行政区划代码（默认 610102）")
    a.set_defaults(func=cmd_terminal_add)
    r = with_db(t.add_parser("revoke", help="吊销终端的令牌"))
    r.add_argument("--terminal", required=True)
    r.set_defaults(func=cmd_terminal_revoke)
    with_db(t.add_parser("list", help="列出终端")).set_defaults(func=cmd_terminal_list)

    c = with_db(sub.add_parser("cases", help="中心持有的案件"))
    c.add_argument("--station", help="只列出某个站点的案件")
    c.set_defaults(func=cmd_cases)
    with_db(sub.add_parser("conflicts", help="中心记录的冲突")).set_defaults(func=cmd_conflicts)
    with_db(sub.add_parser("refusals", help="整批拒收的记录（终端越权推送）")).set_defaults(func=cmd_refusals)
    k = with_db(sub.add_parser("checkpoints", help="终端提交的审计检查点"))
    k.add_argument("--terminal", help="只列出某个终端的检查点")
    k.set_defaults(func=cmd_checkpoints)

    cat = sub.add_parser("catalog", help="事项目录").add_subparsers(dest="action", parser_class=_Parser,
                                                                 metavar="操作")
    cat.required = True
    cp = with_db(cat.add_parser("publish", help="发布事项目录（只下发有变化的事项）"))
    cp.add_argument("file", help="目录 JSON 文件")
    cp.add_argument("--version", help="版本号（默认取文件中的 version）")
    cp.set_defaults(func=cmd_catalog_publish)

    cal = sub.add_parser("calendar", help="节假日安排").add_subparsers(dest="action", parser_class=_Parser,
                                                                   metavar="操作")
    cal.required = True
    lp = with_db(cal.add_parser("publish", help="发布一年的节假日安排"))
    lp.add_argument("file", help="节假日安排 JSON 文件（含 year）")
    lp.set_defaults(func=cmd_calendar_publish)

    us = sub.add_parser("users", help="下发给终端的用户").add_subparsers(dest="action", parser_class=_Parser,
                                                                   metavar="操作")
    us.required = True
    up = with_db(us.add_parser("publish", help="发布用户（登录名、姓名、角色、站点；不含密码）"))
    up.add_argument("file", help="用户 JSON 文件")
    up.set_defaults(func=cmd_users_publish)

    au = sub.add_parser("authority", help="本区电子印章根证书").add_subparsers(
        dest="action", parser_class=_Parser, metavar="操作")
    au.required = True
    passphrase_help = ("保存根证书私钥保护口令的文件（也可用环境变量 WORKSTATION_AUTHORITY_PASSPHRASE "
                       "或 WORKSTATION_AUTHORITY_PASSPHRASE_FILE）")
    ai = with_db(au.add_parser("init", help="建立本区电子印章根证书（只能一次）"))
    ai.add_argument("--organ", required=True, help="本区行政审批服务局全称")
    ai.add_argument("--algorithm", default="sm2", help="sm2|ecdsa-p256（默认 sm2）")
    ai.add_argument("--passphrase-file", help=passphrase_help)
    ai.set_defaults(func=cmd_authority)
    ii = with_db(au.add_parser("issue", help="为等待中的印章申请签发证书"))
    ii.add_argument("--passphrase-file", help=passphrase_help)
    ii.set_defaults(func=cmd_authority)
    with_db(au.add_parser("show", help="显示根证书（PEM）与指纹")).set_defaults(func=cmd_authority)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (CliError, DomainError, CentralError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_FAULT
    except Exception:  # noqa: BLE001 - the operator gets a message, the log the trace
        traceback.print_exc()
        print("错误：发生了意外故障（详情见上方）", file=sys.stderr)
        return EXIT_FAULT


if __name__ == "__main__":
    sys.exit(main())
