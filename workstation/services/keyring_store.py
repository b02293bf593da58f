"""Secrets kept in the OS keyring, one entry per data folder and name (a seal's
unlock secret, the terminal's sync token, the audit key). Never on disk in the clear."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class _HasFolder(Protocol):
    data_dir: Path


def _user(where: _HasFolder | Path, name: str) -> str:
    folder = where if isinstance(where, Path) else where.data_dir
    return f"{folder.resolve()}|{name}"


def get(service: str, ws: _HasFolder | Path, name: str) -> str | None:
    """``ws`` is the workstation or its data folder (the audit log knows only its session's file)."""
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(service, _user(ws, name))
    except KeyringError:
        return None


def put(service: str, ws: _HasFolder | Path, name: str, secret: str) -> bool:
    """Store and read back; False when no keyring is usable here."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(service, _user(ws, name), secret)
    except KeyringError:
        return False
    return get(service, ws, name) == secret


def delete(service: str, ws: _HasFolder | Path, name: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(service, _user(ws, name))
    except (KeyringError, PasswordDeleteError):
        pass
