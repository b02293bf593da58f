"""Documents: `workstation documents issue` and `workstation verify` (exit 3: not valid)."""

from __future__ import annotations

import sys

from ..domain.errors import DomainError
from .common import (
    EXIT_OK, EXIT_PARTLY, CliError, Parser, acting_user, open_workstation, partly_done, print_json,
    print_result,
)


def cmd_documents_issue(args) -> int:
    from ..services.documents import issue_pending
    from ..services.seals import SealVault

    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        try:
            issued = issue_pending(ws, actor, args.receipt, SealVault())
        except (DomainError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - documents issued before the failure stay issued
            partly_done(f"受理编号 {args.receipt[:40]} 的文书未能全部生成，已生成的保持有效；"
                        f"排除故障后请再运行 workstation documents issue {args.receipt[:40]}", exc)
            return EXIT_PARTLY
    print_result(args, {"receipt_no": args.receipt, "issued": issued},
           "\n".join(f"已签章：{d['kind']} {d['number']} → {d['path']}" for d in issued) or "没有待签章的文书")
    return EXIT_OK


EXIT_INVALID = 3


def cmd_verify(args) -> int:
    from ..services.documents import verify_file, verify_image

    if bool(args.file) == bool(args.image):
        raise CliError("请给出一个 .docx 文件，或用 --image 给出扫描件/照片")
    with open_workstation(args) as ws:
        verdict = verify_file(ws, args.file) if args.file else verify_image(ws, args.image)
    data = verdict.to_json()
    if args.json:
        print_json(data)
    elif verdict.valid:
        print(f"有效：{verdict.kind or '文书'} {verdict.document_no}（受理编号 {verdict.receipt_no}）"
              f"\n  印章：{verdict.seal_name}（{verdict.seal_id}）"
              f"  签章时间：{verdict.signed_at or '（二维码不含时间）'}")
    else:
        print(f"无效：{verdict.reason}", file=sys.stderr)
    return EXIT_OK if verdict.valid else EXIT_INVALID


def register(sub, command) -> None:
    docs = sub.add_parser("documents", help="文书").add_subparsers(dest="sub", parser_class=Parser,
                                                                 required=True)
    command("issue", cmd_documents_issue, "为受理编号签发尚未签章的文书", docs).add_argument("receipt")
    c = command("verify", cmd_verify, "验证文书的电子签章（文件或扫描件二维码）")
    c.add_argument("file", nargs="?", help="文书 .docx 文件")
    c.add_argument("--image", help="纸面文书的扫描件或照片（读二维码）")
