"""The catalog and the holiday calendar: `workstation catalog import|list`,
`workstation calendar import`."""

from __future__ import annotations

from .common import EXIT_OK, Parser, acting_user, open_workstation, print_result, read_json_file


def cmd_catalog_import(args) -> int:
    from ..services.catalog import import_catalog, read_file

    with open_workstation(args) as ws:
        actor = acting_user(ws, args)
        out = import_catalog(ws, actor, read_file(args.file))
    print_result(args, out, f"已导入事项目录 {out['label']}（第{out['version_id']}版）："
                      f"{out['matters']}个事项、{out['bundles']}个一件事")
    return EXIT_OK


def cmd_catalog_list(args) -> int:
    from ..services.catalog import catalog_json, current_catalog

    with open_workstation(args) as ws:
        version_id, catalog = current_catalog(ws)
    data = catalog_json(version_id, catalog)
    human = [f"{catalog.title}（{catalog.version}）"]
    human += [f"  {m.code}  {m.name}  [{m.category.value}/{m.kind.value}] 承诺{m.promised_days}日 "
              f"法定{m.statutory_days}日  材料：{','.join(x.code for x in m.materials)}"
              for m in catalog.matters]
    human += [f"  一件事 {b.code}  {b.name}：{','.join(b.matters)}" for b in catalog.bundles]
    print_result(args, data, "\n".join(human))
    return EXIT_OK


def cmd_calendar_import(args) -> int:
    from ..services.calendar import import_calendar

    data = read_json_file(args.file, "日历")
    with open_workstation(args) as ws:
        out = import_calendar(ws, acting_user(ws, args), data)
    print_result(args, out, f"已导入{out['year']}年节假日安排：{out['holidays']}天假日、"
                      f"{out['workdays']}天调休上班；重算了{out['cases_recomputed']}件在办案件的期限")
    return EXIT_OK


def register(sub, command) -> None:
    cat = sub.add_parser("catalog", help="事项目录").add_subparsers(dest="sub", parser_class=Parser,
                                                                   required=True)
    command("import", cmd_catalog_import, "导入事项目录", cat).add_argument("file")
    command("list", cmd_catalog_list, "列出当前事项目录", cat)

    cal = sub.add_parser("calendar", help="节假日").add_subparsers(dest="sub", parser_class=Parser,
                                                                  required=True)
    command("import", cmd_calendar_import, "导入某年节假日安排", cal).add_argument("file")
