"""Test set-up: no display, an in-memory keyring, a fixed clock, a real SQLite file."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from workstation.config import Clock
from workstation.services import Workstation, auth
from workstation.services.auth import Actor, add_user, login
from workstation.services.setup import init
from workstation.store.db import DB_NAME

# The private PostgreSQL server (tests/pg.py) for the central server's tests.
pytest_plugins = ("tests.pg",)

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 9, 30)
PASSWORD = "secret123"
SEAL_SECRET = "seal-secret-for-tests"


class MemoryKeyring(KeyringBackend):
    """The OS keyring is the one edge CI cannot reach."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


KEYRING = MemoryKeyring()
keyring.set_keyring(KEYRING)

# scrypt as cheap as it goes in this process: a test logs in several times and the
# fixtures add six users, at ~50 ms a hash by design. Hashes carry their parameters,
# so a hash made here still verifies anywhere; processes the tests start (the CLI,
# the kill tests) hash with the real parameters, and test_services_auth checks those
# are what auth.py ships.
auth.SCRYPT_N, auth.SCRYPT_R, auth.SCRYPT_P = 2**4, 1, 1


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


def _initialise(w: Workstation) -> None:
    init(w, {"region": "610102", "terminal": "001", "authority": "西安市新城区行政审批服务局",
             "authority_short": "新城审"})
    admin = add_user(w, None, "admin", "管理员", "admin", PASSWORD)
    from workstation.services.catalog import current_catalog, import_catalog

    if current_catalog(w)[1].version != "test-1":
        import_catalog(w, admin, json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8")))
    add_user(w, admin, "clerk", "王敏", "clerk", PASSWORD, rights=("approve_on_spot",))
    add_user(w, admin, "plain", "李静", "clerk", PASSWORD)
    add_user(w, admin, "station", "赵强", "station_clerk", PASSWORD, station="S01")
    add_user(w, admin, "approver", "陈审", "approver", PASSWORD)
    add_user(w, admin, "boss", "刘科", "supervisor", PASSWORD)


@pytest.fixture(scope="session")
def ws_template(tmp_path_factory) -> tuple[Path, dict]:
    """The `ws` data folder built once per session (per xdist worker): the folder,
    its database checkpointed into one file, and the keyring entries init wrote for
    it (the 受理 seal's unlock secret, keyed by the folder's path)."""
    folder = tmp_path_factory.mktemp("template") / "data"
    # Set up with the seal secret in the environment, as on a headless terminal: the
    # audit key is then derived from it, so the processes some tests start on a copy
    # of this folder (given SEAL_SECRET) find the key without this process's keyring.
    before = os.environ.get("WORKSTATION_SEAL_SECRET")
    os.environ["WORKSTATION_SEAL_SECRET"] = SEAL_SECRET
    w = Workstation(folder, Clock(TODAY)).open()
    try:
        _initialise(w)
    finally:
        w.close()
        if before is None:
            del os.environ["WORKSTATION_SEAL_SECRET"]
        else:
            os.environ["WORKSTATION_SEAL_SECRET"] = before
    with sqlite3.connect(folder / DB_NAME) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    prefix = f"{folder.resolve()}|"
    secrets = {(service, user[len(prefix):]): secret for (service, user), secret in KEYRING.store.items()
               if user.startswith(prefix)}
    return folder, secrets


@pytest.fixture
def ws(data_dir, ws_template):
    """An initialised workstation on the small test catalog, today fixed at 2026-09-30:
    a copy of the session's template folder, with its keyring entries copied too."""
    folder, secrets = ws_template
    shutil.copytree(folder, data_dir)
    prefix = f"{data_dir.resolve()}|"
    for (service, name), secret in secrets.items():
        KEYRING.set_password(service, prefix + name, secret)
    w = Workstation(data_dir, Clock(TODAY)).open()
    yield w
    w.close()


@pytest.fixture
def admin(ws) -> Actor:
    return login(ws, "admin", PASSWORD)


@pytest.fixture
def clerk(ws) -> Actor:
    return login(ws, "clerk", PASSWORD)


PERSON = {"kind": "person", "name": "张伟", "id_number": "11010519491231002X",
          "phone": "13800138000", "address": "西安市新城区解放路1号"}
ENTERPRISE = {"kind": "enterprise", "name": "西安市新城区好味道餐饮有限公司",
              "credit_code": "91350100M000100Y43", "legal_rep": "李娜",
              "phone": "029-87654321", "address": "西安市新城区东五路8号"}


@pytest.fixture
def person() -> dict:
    return dict(PERSON)


@pytest.fixture
def enterprise() -> dict:
    return dict(ENTERPRISE)


@pytest.fixture
def social_approver(ws, admin, monkeypatch) -> Actor:
    """An approver of 社会民生 with that category's seal. The seal's secret is in the
    environment too, so that a second process (the kill tests) can unlock it."""
    from workstation.services.seals import create_seal

    monkeypatch.setenv("WORKSTATION_SEAL_SECRET", "seal-secret-for-tests")
    create_seal(ws, admin, name="西安市新城区行政审批服务局社会民生专用章", category="社会民生",
                algorithm="ecdsa-p256")
    add_user(ws, admin, "min", "民审", "approver", PASSWORD, categories=("社会民生",))
    return login(ws, "min", PASSWORD)
