"""Reading a file the user named: one set of plain messages for every command."""

from __future__ import annotations

from pathlib import Path

from ..domain.errors import DomainError


def read_input(path: str | Path, *, max_bytes: int, what: str = "文件") -> bytes:
    """The file's bytes, or a DomainError saying in Chinese what is wrong with it."""
    path = Path(path)
    try:
        if path.stat().st_size > max_bytes:
            raise DomainError(f"{what} {path.name} 过大（超过 {max_bytes // 1024 // 1024} MB）")
        return path.read_bytes()
    except FileNotFoundError:
        raise DomainError(f"找不到{what}：{path}") from None
    except IsADirectoryError:
        raise DomainError(f"{path} 是文件夹，不是{what}") from None
    except OSError as exc:
        raise DomainError(f"无法读取{what} {path}：{exc.strerror}") from None


def read_json(path: str | Path, *, max_bytes: int, what: str = "文件"):
    """A UTF-8 JSON file (a BOM from Notepad is fine), or a DomainError in Chinese."""
    import json

    path = Path(path)
    raw = read_input(path, max_bytes=max_bytes, what=f"{what}文件")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(f"{what}文件 {path.name} 不是有效的 UTF-8 JSON：{exc}") from None
