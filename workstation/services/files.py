"""Reading a file the user named: one set of plain messages for every command."""

from __future__ import annotations

from pathlib import Path

from ..domain.errors import DomainError


def read_input(path: str | Path, *, max_bytes: int, what: str = "文件") -> bytes:
    """The file's bytes, or a DomainError saying in Chinese what is wrong with it."""
    path = Path(path)
    try:
        if path.stat().st_size > max_bytes:
            raise DomainError(f"{what} {path.name} 太大（超过 {max_bytes // 1024 // 1024} MB）")
        return path.read_bytes()
    except FileNotFoundError:
        raise DomainError(f"找不到{what}：{path}") from None
    except IsADirectoryError:
        raise DomainError(f"{path} 是文件夹，不是{what}") from None
    except OSError as exc:
        raise DomainError(f"无法读取{what} {path}：{exc.strerror}") from None
