"""Back-office decisions: `workstation approve` (one, several or the whole queue,
resumable) and `workstation deny`; the decision documents are sealed as they are made."""

from __future__ import annotations

import sys

from ..domain.errors import DomainError
from .common import (
    EXIT_BAD_INPUT, EXIT_OK, EXIT_PARTLY, CliError, acting_user, open_workstation, partly_done, print_result,
)


def cmd_approve(args) -> int:
    from ..services import approval
    from ..services.seals import SealVault

    chosen = [bool(args.cases), args.all_pending, bool(args.resume)]
    if sum(chosen) != 1:
        raise CliError("请给出案件号，或 --all-pending，或 --resume 任务号（三者选一）")
    if args.category and not args.all_pending:
        raise CliError("--category 只与 --all-pending 一起使用")
    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        if args.resume:
            job = args.resume
        else:
            cases = args.cases or [r.id for r in approval.queue(ws, actor, args.category)]
            if not cases:
                print_result(args, {"job_id": None, "total": 0, "done": 0, "pending": 0, "failed": [],
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
        except DomainError:
            raise                     # refused as a whole (no such job…): nothing was done
        except Exception as exc:  # noqa: BLE001 - each decided case is committed: say how to go on
            partly_done(f"批量任务 {job} 已部分完成，已决定的案件保持已决定；其余待处理，"
                        f"请排除故障后运行 workstation approve --resume {job}", exc)
            return EXIT_PARTLY
    failed = "".join(f"\n  未处理 {f['case_id']}：{f['message']}" for f in out["failed"])
    print_result(args, out, f"批量准予：{out['done']}/{out['total']} 件已决定并签章（任务 {job}）{failed}")
    return EXIT_OK


def cmd_deny(args) -> int:
    from ..services import approval
    from ..services.seals import SealVault

    with open_workstation(args) as ws:
        out = approval.decide(ws, acting_user(ws, args), args.case, "deny", SealVault(), reason=args.reason)
    print_result(args, out, f"案件 {out['case_id']}：不予许可，决定书 {out['document']['number']} → "
                      f"{out['document']['path']}")
    return EXIT_OK


def register(sub, command) -> None:
    c = command("approve", cmd_approve, "准予许可（一件、多件或整个队列），决定书自动签章")
    c.add_argument("cases", nargs="*", help="案件号")
    c.add_argument("--all-pending", action="store_true", help="本人审批队列中全部待决定案件")
    c.add_argument("--category", help="与 --all-pending 一起：只处理该业务类别")
    c.add_argument("--resume", help="继续中断的批量任务")
    c = command("deny", cmd_deny, "不予许可（须写明理由），决定书自动签章")
    c.add_argument("case")
    c.add_argument("--reason", required=True)
