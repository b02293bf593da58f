"""The audit key and the terminal's checkpoint key pair (services/audit.py uses them).

The audit key (32 bytes) keys every entry's hash and the head's MAC. It lives in
the OS keyring under the data folder ("workstation-audit"). Where a seal secret is
set (WORKSTATION_SEAL_SECRET, a headless terminal) the key is derived from it with
scrypt and a salt kept in the database, so every process given that secret finds
the same key; it is put in the keyring too when there is one. With neither, the
terminal's log stays unkeyed (and `audit verify` says so) until a process that has
one opens it (audit.ensure_keyed).

The database keeps only the salt, the sequence the keyed chain starts at and a
check value (an HMAC of that sequence), so a wrong key is told apart from a
changed log. The terminal's checkpoint key pair (signed checkpoints the centre
keeps) is created with the audit key; its private half is stored encrypted
(AES-256-GCM) under a key derived from the audit key, like the seals' keys under
their secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import keyring_store

SERVICE = "workstation-audit"
SECRET_ENV = "WORKSTATION_SEAL_SECRET"          # the seals' fallback secret (services/seals.py)
KEY_ROW = "audit_key"                           # settings: the key's salt, start and check value
TERMINAL_KEY_ROW = "terminal_key"               # settings: the checkpoint key pair (private encrypted)
CHECKPOINT_ALGORITHM = "ecdsa-p256"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024}

# Domain separation: an entry hash can never pass for a head MAC, a checkpoint's or the check value.
ENTRY = b"workstation-audit-entry\x00"
HEAD = b"workstation-audit-head\x00"
CHECK = b"workstation-audit-key-check\x00"
CONFIRMED = b"workstation-audit-confirmed-checkpoint\x00"
PRIVATE = b"workstation-terminal-key\x00"
SIGNED_CHECKPOINT = "workstation-audit-checkpoint"

_found: dict[tuple[str, str], bytes] = {}       # (folder, check) → key: scrypt once per process


@dataclass(frozen=True)
class KeyMeta:
    since: int          # the first sequence hashed with the key (1 on a terminal keyed at init)
    salt: str
    check: str
    source: str         # "keyring" or "seal-secret", for the operator's message only

    @classmethod
    def parse(cls, text: str | None) -> KeyMeta | None:
        if text is None:
            return None
        try:
            data = json.loads(text)
            return cls(int(data["since"]), str(data["salt"]), str(data["check"]), str(data["source"]))
        except (ValueError, KeyError, TypeError):
            return cls(0, "", "", "?")          # garbled: no key will match its check

    def dumps(self) -> str:
        return json.dumps({"since": self.since, "salt": self.salt, "check": self.check,
                           "source": self.source}, sort_keys=True)


def mac(key: bytes, domain: bytes, data: str) -> str:
    return hmac.new(key, domain + data.encode("utf-8"), hashlib.sha256).hexdigest()


def check_value(key: bytes, since: int) -> str:
    return mac(key, CHECK, str(since))


def folder_of(cur: sqlite3.Cursor) -> Path:
    """The data folder of the database this cursor writes (keyring entries are per folder)."""
    for _, name, path in cur.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(path).parent
    raise AssertionError("no main database")


def _derive(secret: str, salt: str) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(salt), dklen=32, **_SCRYPT)


def keyring_key(folder: Path) -> bytes | None:
    text = keyring_store.get(SERVICE, folder, "key")
    try:
        return bytes.fromhex(text) if text else None
    except ValueError:
        return None


def load(cur: sqlite3.Cursor, meta: KeyMeta) -> tuple[bytes | None, bool]:
    """(the key, whether some key was found at all): a key found whose check value
    does not match means the key record in the database was changed."""
    folder = folder_of(cur)
    cached = _found.get((str(folder), meta.check))
    if cached is not None:
        return cached, True
    candidates = []
    stored = keyring_key(folder)
    if stored is not None:
        candidates.append(stored)
    secret = os.environ.get(SECRET_ENV)
    if secret and len(meta.salt) == 32:
        try:
            candidates.append(_derive(secret, meta.salt))
        except ValueError:
            pass
    for key in candidates:
        if hmac.compare_digest(check_value(key, meta.since), meta.check):
            _found[(str(folder), meta.check)] = key
            return key, True
    return None, bool(candidates)


def create(cur: sqlite3.Cursor, since: int) -> bytes | None:
    """Make the key (and the checkpoint key pair) and record them in the caller's
    transaction; None when neither a keyring nor a seal secret is usable here."""
    from forms import signing

    folder = folder_of(cur)
    salt = secrets.token_hex(16)
    secret = os.environ.get(SECRET_ENV)
    if secret:
        key, source = _derive(secret, salt), "seal-secret"
        keyring_store.put(SERVICE, folder, "key", key.hex())         # best effort
    else:
        key, source = secrets.token_bytes(32), "keyring"
        if not keyring_store.put(SERVICE, folder, "key", key.hex()):
            return None
    meta = KeyMeta(since, salt, check_value(key, since), source)
    _put(cur, KEY_ROW, meta.dumps())
    private, public = signing.generate_keypair(CHECKPOINT_ALGORITHM)
    _put(cur, TERMINAL_KEY_ROW, json.dumps({
        "algorithm": CHECKPOINT_ALGORITHM, "public_key": signing.b64url(public),
        "private_key": base64.b64encode(_seal_private(key, private)).decode()}))
    del private
    _found[(str(folder), meta.check)] = key
    return key


def _put(cur: sqlite3.Cursor, name: str, value: str) -> None:
    cur.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (name, value))


def _wrapping_key(key: bytes) -> bytes:
    return hmac.new(key, PRIVATE, hashlib.sha256).digest()


def _seal_private(key: bytes, private: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_wrapping_key(key)).encrypt(nonce, private, PRIVATE)


def terminal_public_key(cur: sqlite3.Cursor) -> dict | None:
    """{"algorithm", "public_key"} of this terminal's checkpoint key, for enrolment."""
    row = cur.execute("SELECT value FROM settings WHERE key = ?", (TERMINAL_KEY_ROW,)).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return {"algorithm": data["algorithm"], "public_key": data["public_key"]}


def checkpoint_bytes(terminal: str, seq: int, digest: str, at: str) -> bytes:
    """What a checkpoint's signature covers (sync/PROTOCOL.md, POST /checkpoints)."""
    return "\x00".join([SIGNED_CHECKPOINT, terminal, str(seq), digest, at]).encode("utf-8")


def sign_checkpoint(cur: sqlite3.Cursor, key: bytes, terminal: str, seq: int, digest: str,
                    at: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from forms import signing

    from ..domain.errors import DomainError

    row = cur.execute("SELECT value FROM settings WHERE key = ?", (TERMINAL_KEY_ROW,)).fetchone()
    if row is None:
        raise DomainError("本终端没有审计检查点密钥（审计日志尚未加密钥）")
    data = json.loads(row[0])
    blob = base64.b64decode(data["private_key"])
    try:
        private = AESGCM(_wrapping_key(key)).decrypt(blob[:12], blob[12:], PRIVATE)
    except InvalidTag:
        raise DomainError("本终端的审计检查点私钥已损坏或被替换") from None
    signature = signing.sign(data["algorithm"], private, checkpoint_bytes(terminal, seq, digest, at))
    return signing.b64url(signature)
