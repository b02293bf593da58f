"""Secrets kept in the OS keyring, one entry per data folder and name (a seal's
unlock secret, the terminal's sync token). Never on disk in the clear."""

from __future__ import annotations

from .context import Workstation


def _user(ws: Workstation, name: str) -> str:
    return f"{ws.data_dir.resolve()}|{name}"


def get(service: str, ws: Workstation, name: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(service, _user(ws, name))
    except KeyringError:
        return None


def put(service: str, ws: Workstation, name: str, secret: str) -> bool:
    """Store and read back; False when no keyring is usable here."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(service, _user(ws, name), secret)
    except KeyringError:
        return False
    return get(service, ws, name) == secret


def delete(service: str, ws: Workstation, name: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(service, _user(ws, name))
    except (KeyringError, PasswordDeleteError):
        pass
