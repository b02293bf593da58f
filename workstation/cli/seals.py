"""Electronic seals: `workstation seal create|list|revoke`."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_OK, CliError, Parser, acting_user, open_workstation, print_result


def cmd_seal(args) -> int:
    from ..services import seals

    with open_workstation(args) as ws:
        if args.sub == "list":
            data = {"seals": seals.list_seals(ws)}
            human = "\n".join(f"{x['id']}  {x['name']}  [{x['category']}/{x['algorithm']}]  {x['status']}  "
                              f"有效期 {x['valid_from']}至{x['valid_to']}" for x in data["seals"]) or "没有印章"
            print_result(args, data, human)
            return EXIT_OK
        actor = acting_user(ws, args)
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
    print_result(args, out, f"印章 {out['id']}（{out['name']}，{out['category']}，{out['algorithm']}）："
                      f"{'有效' if out['status'] == 'active' else '已吊销'}")
    return EXIT_OK


def register(sub, command) -> None:
    seal = sub.add_parser("seal", help="电子印章").add_subparsers(dest="sub", parser_class=Parser,
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
