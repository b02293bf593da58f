"""Reading a file the user named: one set of plain messages for every command."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..domain.errors import DomainError

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


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


# Deeper than any file or answer of ours nests (a catalog is six levels); checked
# because Python's parser, and every recursive walk after it, fails on deep nesting
# with a RecursionError instead of a message.
MAX_JSON_DEPTH = 64


def loads_json(text: str | bytes, *, what: str, max_depth: int = MAX_JSON_DEPTH):
    """JSON text (UTF-8 bytes may start with a BOM) parsed, nested at most `max_depth`
    levels, or a DomainError in Chinese naming `what`."""
    import json

    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        value = json.loads(text)
    except RecursionError:
        raise DomainError(f"{what}嵌套过深（超过 {max_depth} 层），不是本程序能读的内容") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(f"{what}不是有效的 UTF-8 JSON：{str(exc)[:200]}") from None
    if json_depth(value, max_depth) > max_depth:
        raise DomainError(f"{what}嵌套过深（超过 {max_depth} 层），不是本程序能读的内容")
    return value


def json_depth(value, limit: int) -> int:
    """How deep `value`'s lists and objects nest (0 for a scalar), counted without
    recursion and no further than one level past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def read_json(path: str | Path, *, max_bytes: int, what: str = "文件"):
    """A UTF-8 JSON file (a BOM from Notepad is fine) of at most `max_bytes` and
    MAX_JSON_DEPTH levels, or a DomainError in Chinese."""
    path = Path(path)
    raw = read_input(path, max_bytes=max_bytes, what=f"{what}文件")
    return loads_json(raw, what=f"{what}文件 {path.name} ")


def make_private(folder: Path, own_files: tuple[Path, ...] = ()) -> None:
    """Keep a data folder to its user on POSIX: the folder 0700, every file 0600.

    Files made from now on by this process get that from its umask (SQLite gives its
    -wal and -shm files the database's mode); a folder left looser by an older version
    or by hand is tightened, with everything in it, the first time it is opened.
    `own_files` (the database's) are checked at every open. Symbolic links are left
    alone: what they point to is not ours to change. Best effort: a file that is not
    ours to change stays as it is."""
    if os.name != "posix":
        return
    os.umask(0o077)
    try:
        loose = folder.stat().st_mode & 0o077
    except OSError:
        return
    if loose:
        for root, dirs, files in os.walk(folder):
            for name in dirs:
                _tighten(Path(root) / name, PRIVATE_DIR)
            for name in files:
                _tighten(Path(root) / name, PRIVATE_FILE)
        _tighten(folder, PRIVATE_DIR)
    for path in own_files:
        _tighten(path, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError:
        pass
