"""What every command group shares: the parser class, the acting user, reading
the inputs a command names, printing (``--json``) and the exit codes.

Exit codes: 0 success; 2 bad input or a refused action (a Chinese message on
stderr, nothing changed); 1 an unexpected fault. A few commands add 3 for a
verdict (an invalid document, a tampered audit log, damaged pages, codes that
are not ours). 4: partly done: what was committed stays (a receipt number was
issued), something after the commit failed and stderr says what is still pending.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..domain.errors import DomainError


EXIT_OK, EXIT_FAULT, EXIT_BAD_INPUT = 0, 1, 2
EXIT_PARTLY = 4
MAX_APPLICANT_FILE = 1024 * 1024


class CliError(DomainError):
    pass


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in Chinese with exit code 2."""

    def error(self, message: str):
        raise CliError(f"命令参数有误：{message}（用 -h 查看用法）")


def print_json(data: Mapping[str, Any]) -> None:
    """The one place a service's typed result becomes the JSON object scripts read."""
    print(json.dumps(data, ensure_ascii=False))


def print_result(args, data: Mapping[str, Any], human: str) -> None:
    if getattr(args, "json", False):
        print_json(data)
    else:
        print(human)


def open_workstation(args):
    from ..services import Workstation

    return Workstation(args.data_dir).open()


def acting_user(ws, args, *, needed: bool = True):
    from ..services.auth import login

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


def partly_done(message: str, exc: BaseException) -> None:
    """Say on stderr what was committed and what is still pending after a failure
    that came after the commit (exit EXIT_PARTLY, not a fault that hides the number).
    Only a failure that is not a disk's or a rule's gets its traceback too."""
    import traceback

    from ..services.errors import failure_reason

    print(f"注意：{message}（原因：{failure_reason(exc)}）", file=sys.stderr)
    if not isinstance(exc, (OSError, DomainError)):
        traceback.print_exception(exc, file=sys.stderr)


def read_json_file(path: str, what: str):
    from ..shared.files import read_json

    return read_json(path, max_bytes=MAX_APPLICANT_FILE, what=what)


def codes(text: str | None) -> list[str]:
    if not text:
        return []
    return [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


def headless_qt() -> None:
    """Labels are drawn by Qt; a command run over SSH or in CI has no display."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def output_path(text: str, allowed: set[str]) -> Path:
    path = Path(text)
    if path.suffix.lower() not in allowed:
        raise DomainError(f"输出文件应以 {' 或 '.join(sorted(allowed))} 结尾：{path.name}")
    if path.is_dir():
        raise DomainError(f"{path} 是文件夹，请给出文件名")
    if not path.parent.exists():
        raise DomainError(f"输出目录不存在：{path.parent}")
    return path
