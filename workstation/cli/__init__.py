"""The command line: the same services as the window, for scripts and batch work.

One module per command group, each with its ``register(sub, command)``; what they
share (the parser class, the acting user, printing, exit codes) is in ``common``.

Exit codes: 0 success; 2 bad input or a refused action (a Chinese message on
stderr, nothing changed); 1 an unexpected fault; 4 partly done (common.EXIT_PARTLY:
committed, a later step failed, stderr says what is pending).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable

from ..domain.errors import DomainError
from ..services.errors import StoreError
from . import (
    acceptance, admin, approval, cases, catalog, documents, material, output, seals, setup, sync,
    transfer,
)
from .common import EXIT_BAD_INPUT, EXIT_FAULT, Parser


# ---- parser ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    def options(default):
        # The same options before or after the command; after wins. A subcommand's
        # defaults are SUPPRESS so that they never overwrite what came before it.
        parser = Parser(add_help=False, argument_default=default)
        parser.add_argument("--data-dir", help="数据目录（默认见 README；也可用 WORKSTATION_DATA_DIR）")
        parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象",
                            default=False if default is None else default)
        parser.add_argument("--user", help="操作人登录名；密码取自 WORKSTATION_PASSWORD")
        return parser

    common = options(argparse.SUPPRESS)
    p = Parser(prog="workstation", description="综合窗口工作台", parents=[options(None)])
    sub = p.add_subparsers(dest="command", parser_class=Parser)

    def command(name, func, help_text, parent=sub):
        c = parent.add_parser(name, help=help_text, parents=[common])
        c.set_defaults(func=func)
        return c

    for group in (setup, seals, catalog, acceptance, approval, documents, cases, output, sync,
                  transfer, material, admin):
        group.register(sub, command)
    return p


Window = Callable[[str | None], int]


def main(argv: list[str] | None = None, window: Window | None = None) -> int:
    """Run one command. Without a command, `window(data_dir)` opens the window: the
    program's entry point (workstation.main) passes it, so the CLI never imports the UI."""
    try:
        code = _run(argv, window)
        # Output waits in stdout's buffer; flushed only at interpreter exit, a reader
        # that went away would be reported there (exit 120, "Exception ignored").
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (`… | head`): what was done is done; say nothing more.
        _stdout_to_devnull()
        return EXIT_FAULT


def _run(argv: list[str] | None, window: Window | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        func = getattr(args, "func", None)
        if func is not None:
            return func(args)
        if window is None:
            print("错误：请给出命令（workstation -h 查看命令；不带命令运行 workstation 打开窗口）",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        return window(args.data_dir)
    except (DomainError, StoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        raise  # main's, not a fault
    except Exception:  # noqa: BLE001 - the last line of defence: say so, keep the trace
        print("内部错误：操作未完成。详细信息如下，请反馈给管理员：", file=sys.stderr)
        traceback.print_exc()
        return EXIT_FAULT


def _stdout_to_devnull() -> None:
    """Point stdout's descriptor at /dev/null, so that what is still buffered (and
    the flush at interpreter exit) goes nowhere instead of raising again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (tests capture it in memory): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)

