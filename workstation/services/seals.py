"""The seal registry: creating, listing, revoking and unlocking electronic seals.

A seal's private key is stored only encrypted (forms.signing). The secret that
opens it is kept in the OS keyring under the data folder and seal id; where no
keyring is usable (a headless server, CI) it comes from WORKSTATION_SEAL_SECRET.
An unlocked key stays in this process's memory only (SealVault), so an approver
unlocks a seal once per session. Neither keys nor secrets are ever logged,
audited or written in clear.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from forms import signing, x509
from forms.stamp import SealForSigning
from .sync import outbox

from ..domain.errors import DomainError
from ..domain.text import clean_text
from ..store.models import Seal
from . import audit, authority, keyring_store
from .auth import Actor, require
from .context import Workstation
from .errors import LibraryError, NotFound, PermissionDenied, library_errors
from .results import SealJson

from .auth import BUSINESS_CATEGORIES  # noqa: E402

CATEGORIES = ("受理", *BUSINESS_CATEGORIES)
KEYRING_SERVICE = "workstation-seal"
SECRET_ENV = "WORKSTATION_SEAL_SECRET"
VALID_YEARS = 5


def _keyring_get(ws: Workstation, seal_id: str) -> str | None:
    return keyring_store.get(KEYRING_SERVICE, ws, seal_id)


def _keyring_set(ws: Workstation, seal_id: str, secret: str) -> bool:
    return keyring_store.put(KEYRING_SERVICE, ws, seal_id, secret)


def secret_available(ws: Workstation) -> bool:
    """Whether a new seal's secret can be kept somewhere other than the disk."""
    if os.environ.get(SECRET_ENV):
        return True
    probe = "__probe__"
    ok = _keyring_set(ws, probe, "probe-secret")
    if ok:
        keyring_store.delete(KEYRING_SERVICE, ws, probe)
    return ok


@functools.lru_cache(maxsize=32)
def drawn_seal(name: str, category: str) -> bytes:
    """A round red seal for a seal created without a picture: the organ's name on
    the arc and the kind of seal under the star (drawing is deterministic and
    takes ~0.1 s, hence the cache)."""
    from forms.seal_image import draw_round_seal

    center = "行政审批专用章" if category == "受理" else f"{category}专用章"
    arc = name
    for suffix in (center, "行政审批专用章", "专用章"):
        if arc.endswith(suffix) and len(arc) - len(suffix) >= 2:
            arc = arc[: -len(suffix)]
            break
    with library_errors():
        return draw_round_seal(arc[:40], center_text=center)


def seal_json(seal: Seal) -> SealJson:
    return {"id": seal.id, "name": seal.name, "category": seal.category,
            "algorithm": seal.algorithm, "status": seal.status,
            "valid_from": seal.valid_from.isoformat(), "valid_to": seal.valid_to.isoformat(),
            "certificate": seal.certificate}


@library_errors()
def create_in(s, ws: Workstation, by: str, *, name: str, category: str, algorithm: str,
              image_png: bytes | None = None) -> SealJson:
    """Create a seal inside the caller's transaction (init uses it with the settings)."""
    from forms.seal_image import check_seal_png

    name = clean_text(name, "印章名称", max_len=60, field="name")
    if len(name) < 2:
        raise DomainError("印章名称至少2个字", "name")
    if category not in CATEGORIES:
        raise DomainError(f"印章类别应为：{'、'.join(CATEGORIES)}", "category")
    if algorithm not in signing.ALGORITHMS:
        raise DomainError(f"签名算法应为：{'、'.join(signing.ALGORITHMS)}", "algorithm")
    image = check_seal_png(image_png) if image_png is not None else drawn_seal(name, category)
    settings = ws.settings(s)
    # Random ids: nobody can guess (and take first at the centre) the id a seal will get.
    seal_id = secrets.token_hex(8)
    secret = os.environ.get(SECRET_ENV) or signing.new_secret()
    if not _keyring_set(ws, seal_id, secret) and not os.environ.get(SECRET_ENV):
        raise DomainError(f"本机没有可用的系统钥匙串，无法保管印章密钥的解锁口令；"
                          f"请设置环境变量 {SECRET_ENV}（至少8位）后重试")
    private, public = signing.generate_keypair(algorithm)
    today = ws.clock.today()
    valid_to = authority.years_after(today, VALID_YEARS)
    with library_errors():
        request = x509.make_request(algorithm=algorithm, private=private, seal_id=seal_id, name=name,
                                    category=category, organ=settings.authority,
                                    terminal=settings.terminal,
                                    picture_sha256=hashlib.sha256(image).hexdigest())
    # Before enrolment this terminal's own authority certifies the seal at once; after
    # it, the centre does (the request goes with the outbox) and until then the
    # seal's documents verify as provisional, on this terminal only.
    issued = ses_seal = None
    now = ws.clock.now()
    if authority.pinned(s) is None:
        issued, ses_seal = authority.issue_own(s, ws, settings.authority, request, today, valid_to,
                                               picture_png=image, now=now)
    certificate = {"x509": authority.b64(issued) if issued else None,
                   "request": authority.b64(request)}
    if ses_seal is not None:
        certificate["ses"] = authority.b64(ses_seal)
    seal = Seal(id=seal_id, name=name, category=category, algorithm=algorithm, public_key=public,
                private_key_blob=signing.encrypt_private_key(private, secret),
                certificate=certificate, image_png=image, valid_from=today, valid_to=valid_to,
                status="active", created_at=now, created_by=by)
    del private, secret
    s.add(seal)
    s.flush()
    audit.record(s, by, settings.terminal, now, "seal.create", seal_id,
                 {"name": name, "category": category, "algorithm": algorithm})
    # The centre certifies the request (public key and what the seal is); never the key.
    # An SM2 seal's picture goes too: the district authority, as the seal maker, puts it
    # in the seal's GB/T 38540 SESeal (the request binds its hash).
    payload = {"seal_id": seal_id, "request": certificate["request"]}
    if algorithm == "sm2":
        payload["picture"] = authority.b64(image)
    outbox.append(s, "seal.create", payload, user=by, terminal=settings.terminal, at=now)
    return seal_json(seal)


def create_seal(ws: Workstation, actor: Actor, *, name: str, category: str, algorithm: str,
                image_png: bytes | None = None) -> SealJson:
    require(actor, "manage_seals")
    with ws.transaction() as s:
        return create_in(s, ws, actor.login, name=name, category=category, algorithm=algorithm,
                         image_png=image_png)


def list_seals(ws: Workstation) -> list[SealJson]:
    with ws.reading() as s:
        return [seal_json(x) for x in s.scalars(select(Seal).order_by(Seal.created_at, Seal.id))]


def revoke_seal(ws: Workstation, actor: Actor, seal_id: str, reason: str) -> SealJson:
    require(actor, "manage_seals")
    reason = clean_text(reason, "吊销原因", max_len=200, field="reason")
    with ws.transaction() as s:
        seal = s.get(Seal, seal_id)
        if seal is None:
            raise NotFound(f"没有编号为“{seal_id[:40]}”的印章")
        if seal.status == "revoked":
            raise DomainError("该印章已吊销")
        seal.status = "revoked"
        settings, now = ws.settings(s), ws.clock.now()
        audit.record(s, actor.login, settings.terminal, now, "seal.revoke", seal_id, {"reason": reason})
        outbox.append(s, "seal.revoke", {"seal_id": seal_id, "reason": reason},
                      user=actor.login, terminal=settings.terminal, at=now)
        return seal_json(seal)


def usable_seal_id(session, category: str) -> str | None:
    """The newest active seal of ``category`` whose private key is on this terminal.
    Certificates pulled from the centre (other terminals' seals, same names and
    categories) are for verifying only and are never chosen to seal with."""
    return session.scalar(select(Seal.id).where(Seal.category == category, Seal.status == "active",
                                                Seal.private_key_blob.is_not(None))
                          .order_by(Seal.created_at.desc()).limit(1))


def for_signing(ws: Workstation, unlocked: UnlockedSeal) -> SealForSigning:
    """The unlocked seal as forms.stamp signs with it. An SM2 seal whose certificate came
    with its GB/T 38540 SESeal (made by the authority, authority.py) also gets an
    SES_Signature in each document; read from the registry at each signing, so a
    certificate pulled after the seal was unlocked is used at once."""
    ses_seal = ses_cert = None
    if unlocked.algorithm == "sm2":
        with ws.reading() as s:
            seal = s.get(Seal, unlocked.id)
            ses_seal, ses_cert = authority.ses_of(seal) if seal is not None else (None, None)
    return SealForSigning(unlocked.id, unlocked.algorithm, unlocked.private_key,
                          unlocked.image_png, ses_seal=ses_seal, ses_cert=ses_cert)


def may_use(actor: Actor, category: str) -> bool:
    """Clerks use the 受理 seal; an approver only the seals of their categories."""
    if category == "受理":
        return actor.can("accept")
    return actor.can("approve") and category in actor.categories


@dataclass
class UnlockedSeal:
    id: str
    name: str
    category: str
    algorithm: str
    image_png: bytes
    private_key: bytes


class SealVault:
    """Seals unlocked in this session, kept in memory only."""

    def __init__(self):
        self._open: dict[str, UnlockedSeal] = {}

    def unlock(self, ws: Workstation, actor: Actor, seal_id: str, secret: str | None = None) -> UnlockedSeal:
        with ws.reading() as s:
            seal = s.get(Seal, seal_id)
            if seal is None:
                raise NotFound(f"没有编号为“{seal_id[:40]}”的印章")
            if not may_use(actor, seal.category):
                raise PermissionDenied(f"{actor.role_label}“{actor.name}”无权使用“{seal.name}”")
            if seal.status != "active":
                raise DomainError(f"印章“{seal.name}”已吊销，不能使用")
            today = ws.clock.today()
            if not seal.valid_from <= today <= seal.valid_to:
                raise DomainError(f"印章“{seal.name}”不在有效期内（{seal.valid_from}至{seal.valid_to}）")
            if seal.private_key_blob is None:
                raise DomainError(f"本机没有印章“{seal.name}”的私钥，只能用于验证")
            secret = secret or _keyring_get(ws, seal_id) or os.environ.get(SECRET_ENV)
            if not secret:
                raise DomainError(f"请输入印章“{seal.name}”的解锁口令", "secret")
            try:
                private = signing.decrypt_private_key(seal.private_key_blob, secret)
            except LibraryError as exc:
                raise DomainError(str(exc), "secret") from None
            unlocked = UnlockedSeal(seal.id, seal.name, seal.category, seal.algorithm,
                                    seal.image_png, private)
        self._open[seal_id] = unlocked
        return unlocked

    def get(self, seal_id: str) -> UnlockedSeal | None:
        return self._open.get(seal_id)

    def lock_all(self) -> None:
        self._open.clear()
