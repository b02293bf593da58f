"""Integrated acceptance: `workstation accept|notify|refuse`
(受理、容缺受理、一次性告知、不予受理)."""

from __future__ import annotations

import sys
from datetime import date

from ..domain.errors import DomainError
from .common import (
    EXIT_OK, EXIT_PARTLY, CliError, acting_user, codes, open_workstation, partly_done, print_result,
    read_json_file,
)


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
    from ..services.acceptance import Intake

    return Intake(matters=args.matter, applicant=read_json_file(args.applicant, "申请人"),
                  received=codes(args.received),
                  promises=_promises(getattr(args, "promise", None)),
                  defects=_pairs(getattr(args, "defect", None), "--defect"),
                  update_applicant=args.update_applicant)


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


def _with_documents(ws, actor, result) -> dict:
    """Issue (fill, seal, sign, store) the documents the outcome just numbered.

    The acceptance is already committed: if the seal cannot be unlocked here the
    documents stay pending (`workstation documents issue RECEIPT` finishes them)."""
    from ..services.documents import issue_pending
    from ..services.seals import SealVault

    data = result.to_json()
    try:
        issued = {d["number"]: d for d in issue_pending(ws, actor, result.receipt_no, SealVault())}
    except DomainError as exc:
        data["documents_pending"] = True
        data["documents_warning"] = f"文书尚未签章：{exc}"
        print(f"注意：{data['documents_warning']}", file=sys.stderr)
        return data
    except Exception as exc:  # noqa: BLE001 - after the commit: the number must not be lost
        # The disk filled, the folder turned read-only…: the acceptance stands, its
        # documents are still to be made; say both, with the number (exit 4).
        kinds = "、".join(dict.fromkeys(d["kind"] for d in data["documents"])) or "文书"
        data["documents_pending"] = True
        data["partly_done"] = True
        data["documents_warning"] = (f"受理编号 {result.receipt_no} 已登记；{kinds}尚未生成，请稍后用 "
                                     f"workstation documents issue {result.receipt_no} 补出")
        partly_done(data["documents_warning"], exc)
        return data
    for d in data["documents"]:
        if d["number"] in issued:
            d["path"] = issued[d["number"]]["path"]
    data["documents_pending"] = False
    return data


def _outcome(args, register) -> int:
    from ..services.applicants import ApplicantChanged

    intake = _intake(args)
    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        try:
            result = register(ws, actor, intake)
        except ApplicantChanged as exc:
            listed = "\n".join(f"  {c.label}：{c.old or '（空）'} → {c.new or '（空）'}" for c in exc.changes)
            raise CliError(f"该证件号码的申请人已有登记，本次申请人文件与登记不同：\n{listed}\n"
                           "核对无误后加 --update-applicant 更新申请人信息（以前的案件不受影响）；"
                           "未作任何改动") from None
        data = _with_documents(ws, actor, result)
    text = _result_text(result) + "".join(f"\n  已签章：{d['path']}" for d in data["documents"]
                                          if d.get("path"))
    print_result(args, data, text)
    return EXIT_PARTLY if data.get("partly_done") else EXIT_OK


def cmd_accept(args) -> int:
    from ..services.acceptance import accept

    return _outcome(args, lambda ws, actor, intake: accept(ws, actor, intake,
                                                            approve_now=args.approve_now))


def cmd_notify(args) -> int:
    from ..services.acceptance import notify

    return _outcome(args, notify)


def cmd_refuse(args) -> int:
    from ..services.acceptance import refuse

    return _outcome(args, lambda ws, actor, intake: refuse(
        ws, actor, intake, reason=args.reason, basis=args.basis, competent_organ=args.organ))


def register(sub, command) -> None:
    def intake_args(c):
        c.add_argument("--matter", action="append", required=True, help="事项编码或一件事编码，可重复")
        c.add_argument("--applicant", required=True, help="申请人 JSON 文件")
        c.add_argument("--received", help="已收材料编码，逗号分隔；多事项时可写 事项:材料")
        c.add_argument("--update-applicant", action="store_true",
                       help="老申请人信息有变化时，确认更新其登记信息（以前的案件仍保留当时的信息）")

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
