"""The seal registry: keys encrypted, secrets in the keyring, use by category."""

import base64
import json
import re
import sqlite3
from datetime import date

import keyring
import pytest

from forms import signing, x509
from workstation.config import Clock
from workstation.domain.errors import DomainError
from workstation.services import PermissionDenied
from workstation.services.auth import add_user, login, set_categories
from workstation.services.seals import (KEYRING_SERVICE, SECRET_ENV, SealVault, create_seal,
                                        list_seals, revoke_seal)

from .conftest import PASSWORD
from .helpers import snapshot


@pytest.fixture
def business_seal(ws, admin):
    return create_seal(ws, admin, name="西安市新城区行政审批服务局商事登记专用章", category="商事登记",
                       algorithm="sm2")


@pytest.fixture
def approver(ws, admin):
    add_user(ws, admin, "shang", "商审", "approver", PASSWORD, categories=("商事登记",))
    return login(ws, "shang", PASSWORD)


def test_init_creates_the_acceptance_seal(ws):
    seals = list_seals(ws)
    assert [(s["category"], s["status"]) for s in seals] == [("受理", "active")]
    assert seals[0]["name"] == "西安市新城区行政审批服务局行政审批专用章"
    cert = seals[0]["certificate"]
    # Before enrolment the terminal is its own authority: an X.509 chain to it.
    with sqlite3.connect(ws.db.path) as conn:
        own = conn.execute("SELECT value FROM sync_state WHERE key = 'authority.own'").fetchone()[0]
    info = x509.verify_seal_certificate(base64.b64decode(cert["x509"]), authority=base64.b64decode(own),
                                        on=date(2026, 9, 30))
    assert info.organ == "西安市新城区行政审批服务局" and info.algorithm == "ecdsa-p256"
    assert info.public_key == _public(ws, seals[0]["id"]) and info.seal_id == seals[0]["id"]
    assert re.fullmatch(r"[0-9a-f]{16}", seals[0]["id"])


def _public(ws, seal_id):
    with sqlite3.connect(ws.db.path) as conn:
        return conn.execute("SELECT public_key FROM seals WHERE id = ?", (seal_id,)).fetchone()[0]


def test_private_key_never_on_disk_in_clear(ws, admin, approver, business_seal):
    vault = SealVault()
    unlocked = vault.unlock(ws, approver, business_seal["id"])
    raw_db = ws.db.path.read_bytes() + (ws.data_dir / "workstation.sqlite3-wal").read_bytes()
    assert unlocked.private_key not in raw_db
    assert unlocked.private_key.hex().encode() not in raw_db
    secret = keyring.get_password(KEYRING_SERVICE, f"{ws.data_dir.resolve()}|{business_seal['id']}")
    assert secret and secret.encode() not in raw_db
    # The key signs, and the certificate's public key verifies it.
    sig = signing.sign("sm2", unlocked.private_key, b"data")
    assert signing.verify("sm2", _public(ws, business_seal["id"]), b"data", sig)


def test_use_by_category(ws, admin, clerk, approver, business_seal):
    vault = SealVault()
    acceptance_seal = list_seals(ws)[0]["id"]
    assert vault.unlock(ws, clerk, acceptance_seal).category == "受理"
    with pytest.raises(PermissionDenied, match="无权使用"):
        vault.unlock(ws, clerk, business_seal["id"])
    with pytest.raises(PermissionDenied):
        vault.unlock(ws, approver, acceptance_seal)
    other = login(ws, "approver", PASSWORD)          # an approver without 商事登记
    with pytest.raises(PermissionDenied):
        vault.unlock(ws, other, business_seal["id"])
    set_categories(ws, admin, "approver", ["商事登记"])
    assert vault.unlock(ws, login(ws, "approver", PASSWORD), business_seal["id"]).algorithm == "sm2"


def test_wrong_secret_revoked_and_expired(ws, admin, approver, business_seal):
    vault = SealVault()
    with pytest.raises(DomainError, match="解锁口令错误"):
        vault.unlock(ws, approver, business_seal["id"], secret="not-the-secret")
    ws.clock = Clock(date(2032, 1, 1))
    with pytest.raises(DomainError, match="不在有效期内"):
        vault.unlock(ws, approver, business_seal["id"])
    ws.clock = Clock(date(2026, 9, 30))
    revoke_seal(ws, admin, business_seal["id"], "印章图样变更")
    with pytest.raises(DomainError, match="已吊销"):
        vault.unlock(ws, approver, business_seal["id"])


@pytest.mark.parametrize("kwargs,fragment", [
    ({"name": ""}, "印章名称不能为空"),
    ({"name": "章" * 100}, "过长"),
    ({"name": "坏\x1b章"}, "控制字符"),
    ({"category": "其他"}, "印章类别"),
    ({"algorithm": "rsa"}, "签名算法"),
    ({"image_png": b"not an image"}, "印章图片"),
])
def test_bad_seal_creates_nothing(ws, admin, kwargs, fragment):
    args = {"name": "测试专用章", "category": "社会民生", "algorithm": "ecdsa-p256", **kwargs}
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError, match=fragment):
        create_seal(ws, admin, **args)
    assert snapshot(ws.db.path) == before


def test_only_admin_creates(ws, clerk):
    with pytest.raises(PermissionDenied):
        create_seal(ws, clerk, name="测试专用章", category="社会民生", algorithm="sm2")


def test_without_keyring_needs_the_environment_secret(ws, admin, monkeypatch):
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.delenv(SECRET_ENV, raising=False)
        before = snapshot(ws.db.path)
        with pytest.raises(DomainError, match=SECRET_ENV):
            create_seal(ws, admin, name="测试专用章", category="社会民生", algorithm="ecdsa-p256")
        assert snapshot(ws.db.path) == before
        monkeypatch.setenv(SECRET_ENV, "env-secret-1234")
        # The seal's secret could now be kept, but this terminal's own authority was made
        # with a keyring secret that is gone: a clear refusal, nothing written.
        with pytest.raises(DomainError, match="无法解锁本机根证书"):
            create_seal(ws, admin, name="测试专用章", category="社会民生", algorithm="ecdsa-p256")
        assert snapshot(ws.db.path) == before
    finally:
        keyring.set_keyring(previous)


def test_outbox_carries_the_certificate_not_the_key(ws, admin, business_seal):
    with sqlite3.connect(ws.db.path) as conn:
        payload = conn.execute("SELECT payload FROM outbox WHERE kind = 'seal.create' "
                               "ORDER BY seq DESC LIMIT 1").fetchone()[0]
        blob = conn.execute("SELECT private_key_blob FROM seals WHERE id = ?",
                            (business_seal["id"],)).fetchone()[0]
    assert json.loads(payload)["request"] == business_seal["certificate"]["request"]
    request = x509.read_request(base64.b64decode(business_seal["certificate"]["request"]))
    assert request.seal_id == business_seal["id"] and request.category == "商事登记"
    assert blob.hex() not in payload and "private" not in payload


def test_categories_only_for_approvers(ws, admin):
    with pytest.raises(DomainError, match="只有审批员"):
        add_user(ws, admin, "li", "李", "clerk", PASSWORD, categories=("商事登记",))
    with pytest.raises(DomainError, match="未知的业务类别"):
        add_user(ws, admin, "li", "李", "approver", PASSWORD, categories=("外星事务",))
