"""Finding and timing cases: `workstation show|search|list`,
`workstation case review|suspend|resume|extend`, `workstation applicant flag`."""

from __future__ import annotations

from .common import EXIT_OK, Parser, acting_user, open_workstation, print_result


def cmd_show(args) -> int:
    from ..services.cases import show

    with open_workstation(args) as ws:
        data = show(ws, acting_user(ws, args), args.key)
    lines = [f"受理编号 {data['receipt_no']}  {data['applicant']['name']} "
             f"{data['applicant']['id_number']}  收件 {data['received_on']}  受理人 {data['clerk']}"]
    for c in data["cases"]:
        lines.append(f"  {c['matter_name']}  {c['status_label']}  承诺办结 {c['due_date'] or '—'}"
                     f"{'（暂定）' if c['provisional'] else ''}  案件号 {c['id']}")
        lines += [f"    {m['code']} {m['name']}：{m['state_label']}"
                  f"{'（' + m['note'] + '）' if m['note'] and m['state'] == 'defective' else ''}"
                  for m in c["materials"]]
    lines += [f"  {d['kind']} {d['number']}" for d in data["documents"]]
    print_result(args, data, "\n".join(lines))
    return EXIT_OK


def _rows_out(args, rows, total=None) -> None:
    data = {"count": len(rows), "cases": [r.to_json() for r in rows]}
    if total is not None:
        data["total"] = total
    human = "\n".join(f"{r.receipt_no}  {r.applicant_name}  {r.matter_name}  {r.status_label}  "
                      f"{r.due_date or '—'}" for r in rows) or "没有找到案件"
    print_result(args, data, human)


def cmd_search(args) -> int:
    from ..services.cases import search

    with open_workstation(args) as ws:
        rows = search(ws, acting_user(ws, args), args.text, limit=args.limit)
    _rows_out(args, rows)
    return EXIT_OK


def cmd_list(args) -> int:
    from ..services.cases import count_cases, list_cases

    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        rows = list_cases(ws, actor, args.status, limit=args.limit, offset=args.offset)
        total = count_cases(ws, actor, args.status)
    _rows_out(args, rows, total)
    return EXIT_OK


def cmd_applicant_flag(args) -> int:
    from ..services.applicants import set_ineligible

    with open_workstation(args) as ws:
        out = set_ineligible(ws, acting_user(ws, args), args.number, None if args.clear else args.reason)
    print_result(args, out, f"{out['name']}：" + (f"已标记不适用容缺受理（{out['ineligible_reason']}）"
                                            if out.get("ineligible_reason") else "已清除失信标记"))
    return EXIT_OK


def cmd_case(args) -> int:
    from ..services import case_clock

    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        if args.sub == "review":
            out = case_clock.start_review(ws, actor, args.case)
        elif args.sub == "suspend":
            out = case_clock.suspend(ws, actor, args.case, args.reason)
        elif args.sub == "resume":
            out = case_clock.resume(ws, actor, args.case)
        else:
            out = case_clock.extend(ws, actor, args.case, args.days, args.reason)
    print_result(args, out, f"案件 {out['case_id']}：{out['status_label']}，承诺办结 {out['due_date'] or '计时中止'}，"
                      f"法定期限 {out['statutory_due_date'] or '计时中止'}")
    return EXIT_OK


def register(sub, command) -> None:
    command("show", cmd_show, "查看案件").add_argument("key", help="受理编号、案件号或文号")
    c = command("search", cmd_search, "按编号、姓名/名称、证件号码查找")
    c.add_argument("text")
    c.add_argument("--limit", type=int, default=100)
    c = command("list", cmd_list, "列出案件")
    c.add_argument("--status")
    c.add_argument("--limit", type=int, default=100)
    c.add_argument("--offset", type=int, default=0)

    app = sub.add_parser("applicant", help="申请人").add_subparsers(dest="sub", parser_class=Parser,
                                                                   required=True)
    c = command("flag", cmd_applicant_flag, "标记/清除不适用容缺受理", app)
    c.add_argument("number", help="身份证号码或统一社会信用代码")
    group = c.add_mutually_exclusive_group(required=True)
    group.add_argument("--reason")
    group.add_argument("--clear", action="store_true")

    case = sub.add_parser("case", help="案件计时").add_subparsers(dest="sub", parser_class=Parser,
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
