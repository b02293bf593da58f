"""The command line: the same services as the window, for scripts and batch work.

Exit codes: 0 success; 2 bad input or a refused action (a Chinese message on
stderr, nothing changed); 1 an unexpected fault.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import traceback
from datetime import date
from pathlib import Path

from .domain.errors import DomainError
from .store import StoreError

EXIT_OK, EXIT_FAULT, EXIT_BAD_INPUT = 0, 1, 2
MAX_APPLICANT_FILE = 1024 * 1024


class CliError(DomainError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in Chinese with exit code 2."""

    def error(self, message: str):
        raise CliError(f"命令参数有误：{message}（用 -h 查看用法）")


def _print(args, data: dict, human: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(human)


def _workstation(args):
    from .services import Workstation

    return Workstation(args.data_dir).open()


def _actor(ws, args, *, needed: bool = True):
    from .services.auth import login

    name = args.user or os.environ.get("WORKSTATION_USER")
    if not name:
        if needed:
            raise CliError("请用 --user 指定操作人（密码放在环境变量 WORKSTATION_PASSWORD 中）")
        return None
    password = os.environ.get("WORKSTATION_PASSWORD")
    if password is None:
        if not sys.stdin or not sys.stdin.isatty():
            raise CliError("未提供密码：请设置环境变量 WORKSTATION_PASSWORD")
        password = getpass.getpass(f"{name} 的密码：")
    return login(ws, name, password)


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


def _read_json(path: str, what: str):
    from .shared.files import read_json

    return read_json(path, max_bytes=MAX_APPLICANT_FILE, what=what)


def _codes(text: str | None) -> list[str]:
    if not text:
        return []
    return [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        code, sep, value = item.partition("=")
        if not sep or not code.strip() or not value.strip():
            raise CliError(f"{what}应写成 材料编码=内容，例如 M03=2026-12-01；收到：“{item[:40]}”")
        if code.strip() in out:
            raise CliError(f"{what}中材料“{code.strip()[:40]}”重复")
        out[code.strip()] = value.strip()
    return out


def _promises(items) -> dict[str, date]:
    out = {}
    for code, text in _pairs(items, "--promise").items():
        try:
            out[code] = date.fromisoformat(text)
        except ValueError:
            raise CliError(f"材料“{code[:40]}”的承诺日期“{text[:20]}”不是存在的 YYYY-MM-DD 日期") from None
    return out


def _intake(args):
    from .services.acceptance import Intake

    return Intake(matters=args.matter, applicant=_read_json(args.applicant, "申请人"),
                  received=_codes(args.received),
                  promises=_promises(getattr(args, "promise", None)),
                  defects=_pairs(getattr(args, "defect", None), "--defect"))


def _result_text(result) -> str:
    data = result.to_json()
    lines = [f"受理编号：{data['receipt_no']}    结果：{data['status_label']}"]
    for c in data["cases"]:
        due = c["due_date"] or "—"
        mark = "（暂定）" if c["provisional"] else ""
        lines.append(f"  {c['matter_name']}：{c['status']}  承诺办结 {due}{mark}  "
                     f"法定期限 {c['statutory_due_date'] or '—'}")
    for d in data["documents"]:
        lines.append(f"  {d['kind']}：{d['number']}")
    return "\n".join(lines)


# ---- commands -------------------------------------------------------------------------------

def cmd_window(args) -> int:
    from .ui.app import run

    return run(args.data_dir)


def cmd_init(args) -> int:
    from .services import Workstation
    from .services.setup import init

    values = {"region": args.region, "terminal": args.terminal, "authority": args.authority,
              "authority_short": args.authority_short, "station": args.station,
              "receipt_pattern": args.receipt_pattern, "docno_pattern": args.docno_pattern,
              "complaint_phone": args.complaint_phone}
    with Workstation(args.data_dir) as ws:
        out = init(ws, values)
    s = out["settings"]
    seal = (f"\n已创建受理印章 {out['seal']['id']}（{out['seal']['name']}）" if out["seal"] else
            "\n未创建受理印章：本机没有可用的系统钥匙串，请设置 WORKSTATION_SEAL_SECRET 后运行 "
            "workstation seal create")
    _print(args, out, f"已初始化：{s['authority']}（{s['authority_short']}），区划 {s['region']}，"
                      f"终端 {s['terminal']}\n数据目录：{out['data_dir']}" + seal)
    return EXIT_OK


def cmd_user_add(args) -> int:
    from .services.auth import add_user

    with _workstation(args) as ws:
        actor = _actor(ws, args, needed=False)
        user = add_user(ws, actor, args.login, args.name, args.role, _new_password(actor is None),
                        station=args.station, rights=tuple(args.right or ()),
                        categories=tuple(_codes(args.categories)))
    _print(args, {"login": user.login, "name": user.name, "role": user.role,
                  "station": user.station, "rights": sorted(user.rights),
                  "categories": sorted(user.categories)},
           f"已添加用户 {user.login}（{user.name}，{user.role_label}）")
    return EXIT_OK


def cmd_user_categories(args) -> int:
    from .services.auth import set_categories

    with _workstation(args) as ws:
        user = set_categories(ws, _actor(ws, args), args.login, _codes(args.categories))
    _print(args, {"login": user.login, "categories": sorted(user.categories)},
           f"{user.name} 的业务类别：{'、'.join(sorted(user.categories)) or '（无）'}")
    return EXIT_OK


def cmd_user_password(args) -> int:
    from .services.auth import set_password

    with _workstation(args) as ws:
        user = set_password(ws, _actor(ws, args), args.login, _new_password(False))
    _print(args, {"login": user.login}, f"已设置 {user.name}（{user.login}）的密码")
    return EXIT_OK


def cmd_seal(args) -> int:
    from .services import seals

    with _workstation(args) as ws:
        if args.sub == "list":
            data = {"seals": seals.list_seals(ws)}
            human = "\n".join(f"{x['id']}  {x['name']}  [{x['category']}/{x['algorithm']}]  {x['status']}  "
                              f"有效期 {x['valid_from']}至{x['valid_to']}" for x in data["seals"]) or "没有印章"
            _print(args, data, human)
            return EXIT_OK
        actor = _actor(ws, args)
        if args.sub == "create":
            image = None
            if args.image:
                try:
                    image = Path(args.image).read_bytes()
                except OSError as exc:
                    raise CliError(f"无法读取印章图片 {args.image}：{exc.strerror}") from None
            out = seals.create_seal(ws, actor, name=args.name, category=args.category,
                                    algorithm=args.algorithm, image_png=image)
        else:
            out = seals.revoke_seal(ws, actor, args.seal, args.reason)
    _print(args, out, f"印章 {out['id']}（{out['name']}，{out['category']}，{out['algorithm']}）："
                      f"{'有效' if out['status'] == 'active' else '已吊销'}")
    return EXIT_OK


def cmd_catalog_import(args) -> int:
    from .services.catalog import import_catalog, read_file

    with _workstation(args) as ws:
        actor = _actor(ws, args)
        out = import_catalog(ws, actor, read_file(args.file))
    _print(args, out, f"已导入事项目录 {out['label']}（第{out['version_id']}版）："
                      f"{out['matters']}个事项、{out['bundles']}个一件事")
    return EXIT_OK


def cmd_catalog_list(args) -> int:
    from .services.catalog import catalog_json, current_catalog

    with _workstation(args) as ws:
        version_id, catalog = current_catalog(ws)
    data = catalog_json(version_id, catalog)
    human = [f"{catalog.title}（{catalog.version}）"]
    human += [f"  {m.code}  {m.name}  [{m.category.value}/{m.kind.value}] 承诺{m.promised_days}日 "
              f"法定{m.statutory_days}日  材料：{','.join(x.code for x in m.materials)}"
              for m in catalog.matters]
    human += [f"  一件事 {b.code}  {b.name}：{','.join(b.matters)}" for b in catalog.bundles]
    _print(args, data, "\n".join(human))
    return EXIT_OK


def cmd_calendar_import(args) -> int:
    from .services.calendar import import_calendar

    data = _read_json(args.file, "日历")
    with _workstation(args) as ws:
        out = import_calendar(ws, _actor(ws, args), data)
    _print(args, out, f"已导入{out['year']}年节假日安排：{out['holidays']}天假日、"
                      f"{out['workdays']}天调休上班；重算了{out['cases_recomputed']}件在办案件的期限")
    return EXIT_OK


def _with_documents(ws, actor, result) -> dict:
    """Issue (fill, seal, sign, store) the documents the outcome just numbered.

    The acceptance is already committed: if the seal cannot be unlocked here the
    documents stay pending (`workstation documents issue RECEIPT` finishes them)."""
    from .services.documents import issue_pending
    from .services.seals import SealVault

    data = result.to_json()
    try:
        issued = {d["number"]: d for d in issue_pending(ws, actor, result.receipt_no, SealVault())}
    except DomainError as exc:
        data["documents_pending"] = True
        data["documents_warning"] = f"文书尚未签章：{exc}"
        print(f"注意：{data['documents_warning']}", file=sys.stderr)
        return data
    for d in data["documents"]:
        if d["number"] in issued:
            d["path"] = issued[d["number"]]["path"]
    data["documents_pending"] = False
    return data


def _outcome(args, register) -> int:
    intake = _intake(args)
    with _workstation(args) as ws:
        actor = _actor(ws, args)
        result = register(ws, actor, intake)
        data = _with_documents(ws, actor, result)
    text = _result_text(result) + "".join(f"\n  已签章：{d['path']}" for d in data["documents"]
                                          if d.get("path"))
    _print(args, data, text)
    return EXIT_OK


def cmd_accept(args) -> int:
    from .services.acceptance import accept

    return _outcome(args, lambda ws, actor, intake: accept(ws, actor, intake,
                                                            approve_now=args.approve_now))


def cmd_notify(args) -> int:
    from .services.acceptance import notify

    return _outcome(args, notify)


def cmd_refuse(args) -> int:
    from .services.acceptance import refuse

    return _outcome(args, lambda ws, actor, intake: refuse(
        ws, actor, intake, reason=args.reason, basis=args.basis, competent_organ=args.organ))


def cmd_documents_issue(args) -> int:
    from .services.documents import issue_pending
    from .services.seals import SealVault

    with _workstation(args) as ws:
        issued = issue_pending(ws, _actor(ws, args), args.receipt, SealVault())
    _print(args, {"receipt_no": args.receipt, "issued": issued},
           "\n".join(f"已签章：{d['kind']} {d['number']} → {d['path']}" for d in issued) or "没有待签章的文书")
    return EXIT_OK


EXIT_INVALID = 3


def cmd_approve(args) -> int:
    from .services import approval
    from .services.seals import SealVault

    chosen = [bool(args.cases), args.all_pending, bool(args.resume)]
    if sum(chosen) != 1:
        raise CliError("请给出案件号，或 --all-pending，或 --resume 任务号（三者选一）")
    if args.category and not args.all_pending:
        raise CliError("--category 只与 --all-pending 一起使用")
    with _workstation(args) as ws:
        actor = _actor(ws, args)
        if args.resume:
            job = args.resume
        else:
            cases = args.cases or [r.id for r in approval.queue(ws, actor, args.category)]
            if not cases:
                _print(args, {"job_id": None, "total": 0, "done": 0, "pending": 0, "failed": [],
                              "documents": []}, "审批队列中没有待决定的案件")
                return EXIT_OK
            job = approval.create_job(ws, actor, cases, "approve")
        show = (lambda done, total: print(f"\r已处理 {done}/{total}", end="", file=sys.stderr, flush=True)) \
            if sys.stderr.isatty() else None
        try:
            out = approval.run_job(ws, actor, job, SealVault(), progress=show)
        except KeyboardInterrupt:
            print(f"\n已中断：已完成的案件保持已决定；继续请运行 workstation approve --resume {job}",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
    failed = "".join(f"\n  未处理 {f['case_id']}：{f['message']}" for f in out["failed"])
    _print(args, out, f"批量准予：{out['done']}/{out['total']} 件已决定并签章（任务 {job}）{failed}")
    return EXIT_OK


def cmd_deny(args) -> int:
    from .services import approval
    from .services.seals import SealVault

    with _workstation(args) as ws:
        out = approval.decide(ws, _actor(ws, args), args.case, "deny", SealVault(), reason=args.reason)
    _print(args, out, f"案件 {out['case_id']}：不予许可，决定书 {out['document']['number']} → "
                      f"{out['document']['path']}")
    return EXIT_OK


def cmd_verify(args) -> int:
    from .services.documents import verify_file, verify_image

    if bool(args.file) == bool(args.image):
        raise CliError("请给出一个 .docx 文件，或用 --image 给出扫描件/照片")
    with _workstation(args) as ws:
        verdict = verify_file(ws, args.file) if args.file else verify_image(ws, args.image)
    data = verdict.to_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    elif verdict.valid:
        print(f"有效：{verdict.kind or '文书'} {verdict.document_no}（受理编号 {verdict.receipt_no}）"
              f"\n  印章：{verdict.seal_name}（{verdict.seal_id}）  签章时间：{verdict.signed_at or '（二维码不含时间）'}")
    else:
        print(f"无效：{verdict.reason}", file=sys.stderr)
    return EXIT_OK if verdict.valid else EXIT_INVALID


def cmd_show(args) -> int:
    from .services.cases import show

    with _workstation(args) as ws:
        data = show(ws, _actor(ws, args), args.key)
    lines = [f"受理编号 {data['receipt_no']}  {data['applicant']['name']} "
             f"{data['applicant']['id_number']}  收件 {data['received_on']}  受理人 {data['clerk']}"]
    for c in data["cases"]:
        lines.append(f"  {c['matter_name']}  {c['status_label']}  承诺办结 {c['due_date'] or '—'}"
                     f"{'（暂定）' if c['provisional'] else ''}  案件号 {c['id']}")
        lines += [f"    {m['code']} {m['name']}：{m['state_label']}"
                  f"{'（' + m['note'] + '）' if m['note'] and m['state'] == 'defective' else ''}"
                  for m in c["materials"]]
    lines += [f"  {d['kind']} {d['number']}" for d in data["documents"]]
    _print(args, data, "\n".join(lines))
    return EXIT_OK


def _rows_out(args, rows, total=None) -> None:
    data = {"count": len(rows), "cases": [r.to_json() for r in rows]}
    if total is not None:
        data["total"] = total
    human = "\n".join(f"{r.receipt_no}  {r.applicant_name}  {r.matter_name}  {r.status_label}  "
                      f"{r.due_date or '—'}" for r in rows) or "没有找到案件"
    _print(args, data, human)


def cmd_search(args) -> int:
    from .services.cases import search

    with _workstation(args) as ws:
        rows = search(ws, _actor(ws, args), args.text, limit=args.limit)
    _rows_out(args, rows)
    return EXIT_OK


def cmd_list(args) -> int:
    from .services.cases import count_cases, list_cases

    with _workstation(args) as ws:
        actor = _actor(ws, args)
        rows = list_cases(ws, actor, args.status, limit=args.limit, offset=args.offset)
        total = count_cases(ws, actor, args.status)
    _rows_out(args, rows, total)
    return EXIT_OK


def cmd_audit_verify(args) -> int:
    from .services import audit

    with _workstation(args) as ws, ws.reading() as s:
        report = audit.verify(s)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    elif report.ok:
        print(f"审计日志完整：共{report.entries}条，逐条哈希衔接无误")
    else:
        print(f"审计日志被篡改：{report.problem}", file=sys.stderr)
    return EXIT_OK if report.ok else 3


def cmd_applicant_flag(args) -> int:
    from .services.applicants import set_ineligible

    with _workstation(args) as ws:
        out = set_ineligible(ws, _actor(ws, args), args.number, None if args.clear else args.reason)
    _print(args, out, f"{out['name']}：" + (f"已标记不适用容缺受理（{out['ineligible_reason']}）"
                                            if out.get("ineligible_reason") else "已清除失信标记"))
    return EXIT_OK


def cmd_case(args) -> int:
    from .services import case_clock

    with _workstation(args) as ws:
        actor = _actor(ws, args)
        if args.sub == "review":
            out = case_clock.start_review(ws, actor, args.case)
        elif args.sub == "suspend":
            out = case_clock.suspend(ws, actor, args.case, args.reason)
        elif args.sub == "resume":
            out = case_clock.resume(ws, actor, args.case)
        else:
            out = case_clock.extend(ws, actor, args.case, args.days, args.reason)
    _print(args, out, f"案件 {out['case_id']}：{out['status_label']}，承诺办结 {out['due_date'] or '计时中止'}，"
                      f"法定期限 {out['statutory_due_date'] or '计时中止'}")
    return EXIT_OK


def cmd_settings(args) -> int:
    from .services.setup import change_settings
    from .services.settings import OPTIONS

    with _workstation(args) as ws:
        if args.sub == "set":
            values = {}
            for item in args.pairs:
                key, sep, value = item.partition("=")
                if not sep or not key.strip():
                    raise CliError(f"设置应写成 KEY=VALUE，例如 sender_phone=029-87654321；收到：“{item[:40]}”")
                values[key.strip()] = value
            current = change_settings(ws, _actor(ws, args), values)
        else:
            current = ws.settings().as_dict()
    _print(args, current, "\n".join(f"{k} = {v}    # {OPTIONS[k].title}" for k, v in current.items()))
    return EXIT_OK


def cmd_demo(args) -> int:
    from .services import Workstation
    from .services.demo import build_demo

    with Workstation(args.data_dir) as ws:
        out = build_demo(ws, cases=args.cases, if_empty=args.if_empty)
    _print(args, out, out["message"])
    return EXIT_OK


# ---- parser ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    def options(default):
        # The same options before or after the command; after wins. A subcommand's
        # defaults are SUPPRESS so that they never overwrite what came before it.
        parser = _Parser(add_help=False, argument_default=default)
        parser.add_argument("--data-dir", help="数据目录（默认见 README；也可用 WORKSTATION_DATA_DIR）")
        parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象",
                            default=False if default is None else default)
        parser.add_argument("--user", help="操作人登录名；密码取自 WORKSTATION_PASSWORD")
        return parser

    common = options(argparse.SUPPRESS)
    p = _Parser(prog="workstation", description="综合窗口工作台", parents=[options(None)])
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    def command(name, func, help_text, parent=sub):
        c = parent.add_parser(name, help=help_text, parents=[common])
        c.set_defaults(func=func)
        return c

    c = command("init", cmd_init, "初始化本终端")
    c.add_argument("--region", required=True, help="6位行政区划代码，如 610102")
    c.add_argument("--terminal", required=True, help="3位终端编码，如 001")
    c.add_argument("--authority", required=True, help="机关全称")
    c.add_argument("--authority-short", required=True, help="机关简称，用于文号")
    c.add_argument("--station", help="所属中心/站点编码（默认 district）")
    c.add_argument("--receipt-pattern", help="受理编号格式")
    c.add_argument("--docno-pattern", help="文号格式")
    c.add_argument("--complaint-phone", help="投诉电话")

    users = sub.add_parser("user", help="用户管理").add_subparsers(dest="sub", parser_class=_Parser,
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

    seal = sub.add_parser("seal", help="电子印章").add_subparsers(dest="sub", parser_class=_Parser,
                                                                required=True)
    c = command("create", cmd_seal, "创建印章（密钥解锁口令存入系统钥匙串）", seal)
    c.add_argument("--name", required=True)
    c.add_argument("--category", required=True, help="受理|商事登记|投资建设|社会民生")
    c.add_argument("--algorithm", required=True, help="sm2|ecdsa-p256")
    c.add_argument("--image", help="印章图片 PNG；不给则按名称绘制圆形红章")
    command("list", cmd_seal, "列出印章", seal)
    c = command("revoke", cmd_seal, "吊销印章", seal)
    c.add_argument("seal")
    c.add_argument("--reason", required=True)

    cat = sub.add_parser("catalog", help="事项目录").add_subparsers(dest="sub", parser_class=_Parser,
                                                                   required=True)
    command("import", cmd_catalog_import, "导入事项目录", cat).add_argument("file")
    command("list", cmd_catalog_list, "列出当前事项目录", cat)

    cal = sub.add_parser("calendar", help="节假日").add_subparsers(dest="sub", parser_class=_Parser,
                                                                  required=True)
    command("import", cmd_calendar_import, "导入某年节假日安排", cal).add_argument("file")

    def intake_args(c):
        c.add_argument("--matter", action="append", required=True, help="事项编码或一件事编码，可重复")
        c.add_argument("--applicant", required=True, help="申请人 JSON 文件")
        c.add_argument("--received", help="已收材料编码，逗号分隔；多事项时可写 事项:材料")

    c = command("accept", cmd_accept, "受理（带 --promise 即容缺受理）")
    intake_args(c)
    c.add_argument("--promise", action="append", help="容缺材料=承诺补交日期，如 M03=2026-12-01")
    c.add_argument("--approve-now", action="store_true", help="即办件当场审批（需授权）")
    c = command("notify", cmd_notify, "一次性告知（补正材料通知）")
    intake_args(c)
    c.add_argument("--defect", action="append", help="材料=需补正的原因，可重复")
    c = command("refuse", cmd_refuse, "不予受理")
    intake_args(c)
    c.add_argument("--reason", required=True)
    c.add_argument("--basis", required=True)
    c.add_argument("--organ", help="有权受理的机关（不属本机关职权时）")

    c = command("approve", cmd_approve, "准予许可（一件、多件或整个队列），决定书自动签章")
    c.add_argument("cases", nargs="*", help="案件号")
    c.add_argument("--all-pending", action="store_true", help="本人审批队列中全部待决定案件")
    c.add_argument("--category", help="与 --all-pending 一起：只处理该业务类别")
    c.add_argument("--resume", help="继续中断的批量任务")
    c = command("deny", cmd_deny, "不予许可（须写明理由），决定书自动签章")
    c.add_argument("case")
    c.add_argument("--reason", required=True)

    docs = sub.add_parser("documents", help="文书").add_subparsers(dest="sub", parser_class=_Parser,
                                                                 required=True)
    command("issue", cmd_documents_issue, "为受理编号签发尚未签章的文书", docs).add_argument("receipt")
    c = command("verify", cmd_verify, "验证文书的电子签章（文件或扫描件二维码）")
    c.add_argument("file", nargs="?", help="文书 .docx 文件")
    c.add_argument("--image", help="纸面文书的扫描件或照片（读二维码）")

    command("show", cmd_show, "查看案件").add_argument("key", help="受理编号、案件号或文号")
    c = command("search", cmd_search, "按编号、姓名/名称、证件号码查找")
    c.add_argument("text")
    c.add_argument("--limit", type=int, default=100)
    c = command("list", cmd_list, "列出案件")
    c.add_argument("--status")
    c.add_argument("--limit", type=int, default=100)
    c.add_argument("--offset", type=int, default=0)

    aud = sub.add_parser("audit", help="审计").add_subparsers(dest="sub", parser_class=_Parser,
                                                             required=True)
    command("verify", cmd_audit_verify, "校验审计日志是否被改动", aud)

    app = sub.add_parser("applicant", help="申请人").add_subparsers(dest="sub", parser_class=_Parser,
                                                                   required=True)
    c = command("flag", cmd_applicant_flag, "标记/清除不适用容缺受理", app)
    c.add_argument("number", help="身份证号码或统一社会信用代码")
    group = c.add_mutually_exclusive_group(required=True)
    group.add_argument("--reason")
    group.add_argument("--clear", action="store_true")

    case = sub.add_parser("case", help="案件计时").add_subparsers(dest="sub", parser_class=_Parser,
                                                                required=True)
    command("review", cmd_case, "开始审查", case).add_argument("case", help="案件号")
    c = command("suspend", cmd_case, "中止计时（听证、检验、检测、鉴定、专家评审等）", case)
    c.add_argument("case")
    c.add_argument("--reason", required=True)
    command("resume", cmd_case, "恢复计时", case).add_argument("case")
    c = command("extend", cmd_case, "延长法定时限", case)
    c.add_argument("case")
    c.add_argument("--days", type=int, required=True)
    c.add_argument("--reason", required=True)

    settings = sub.add_parser("settings", help="设置").add_subparsers(dest="sub", parser_class=_Parser,
                                                                     required=True)
    command("list", cmd_settings, "列出全部设置", settings)
    c = command("set", cmd_settings, "修改设置（管理员）：KEY=VALUE，可多项", settings)
    c.add_argument("pairs", nargs="+", help="如 sender_address=西安市新城区东五路1号")

    from .cli_output import register as register_output

    register_output(sub, command)

    from .cli_sync import register as register_sync

    register_sync(sub, command)

    from .cli_transfer import register as register_transfer

    register_transfer(sub, command)

    from .cli_material import register as register_material

    register_material(sub, command)

    c = command("demo", cmd_demo, "生成演示数据库")
    c.add_argument("--cases", type=int, default=300)
    c.add_argument("--if-empty", action="store_true", help="数据目录已有数据时什么也不做")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        func = getattr(args, "func", cmd_window)
        return func(args)
    except (DomainError, StoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (`… | head`): what was done is done; say nothing more
        # into a closed pipe (Python would complain again at exit).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAULT
    except Exception:  # noqa: BLE001 - the last line of defence: say so, keep the trace
        print("内部错误：操作未完成。详细信息如下，请反馈给管理员：", file=sys.stderr)
        traceback.print_exc()
        return EXIT_FAULT


if __name__ == "__main__":
    sys.exit(main())
