"""Issue 16, the local trust boundary: demo and init on a live terminal (finding 6),
the data folder's permissions, password cost and lockout, acknowledged outbox payloads,
plain http to a remote centre (finding 7), JSON depth and size (finding 11) and a
failure after the commit (finding 12)."""

import json
import sqlite3

from .cli_support import INIT, db_path, ok, ok_json, run
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)
from .helpers import snapshot
from .test_sync_client import centre, enrolled  # noqa: F401  (fixtures: a real centre on PostgreSQL)


# ---- demo and init on a terminal that is already set up (finding 6) ---------------------------

def test_demo_refuses_a_set_up_terminal_and_adds_no_admin(cli, capsys):
    before = snapshot(db_path(cli))
    code, out, err = run(capsys, "demo", "--cases", "5")
    assert code == 2 and "已初始化" in err and "未作任何改动" in err and "Traceback" not in err
    assert snapshot(db_path(cli)) == before
    # --if-empty (what `make run` uses) leaves it alone and says so, exit 0
    assert "未生成" in ok(capsys, "demo", "--if-empty")
    assert snapshot(db_path(cli)) == before


def test_init_again_needs_an_admin_and_is_audited(cli, capsys, monkeypatch):
    changed = ("init", "--region", "610102", "--terminal", "001", "--authority", "某冒名机关",
               "--authority-short", "冒名", "--station", "S99", "--receipt-pattern",
               "{region}{date:%Y%m%d}{terminal}{seq:06d}")
    before = snapshot(db_path(cli))
    code, _, err = run(capsys, *changed)
    assert code == 2 and "管理员" in err and "未作任何改动" in err
    assert snapshot(db_path(cli)) == before
    # a clerk is not enough
    code, _, err = run(capsys, *changed, "--user", "clerk")
    assert code == 2 and "修改设置" in err
    assert snapshot(db_path(cli)) == before
    settings = ok_json(capsys, "settings", "list")
    assert settings["authority"] == "西安市新城区行政审批服务局" and settings["station"] == "district"
    # an admin may, and the audit log says who
    out = ok_json(capsys, *INIT[:-2], "--authority-short", "新城", "--user", "admin")
    assert out["settings"]["authority_short"] == "新城"
    with sqlite3.connect(db_path(cli)) as conn:
        who = conn.execute("SELECT user_login FROM audit_log WHERE action = 'settings.init' "
                           "ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert who == "admin"
    assert ok(capsys, "audit", "verify")


def test_init_on_a_fresh_folder_and_before_any_user_needs_no_login(env, capsys):
    assert ok_json(capsys, *INIT)["settings"]["terminal"] == "001"
    assert ok_json(capsys, *INIT)["settings"]["terminal"] == "001"     # no user yet: set-up goes on


# ---- JSON nested 200,000 levels deep, or just past the limit (finding 11) -----------------------

def _deep(path, levels: int, inner: str = "1"):
    """A JSON file nested `levels` deep: an object holding a list holding an object …"""
    text = '{"a": [' * (levels // 2) + inner + "]}" * (levels // 2)
    path.write_text(text, encoding="utf-8")
    return path


def _refused_deep(capsys, data_dir, argv_of, tmp_path):
    """Each command, given a file nested 200,000 levels deep and one just past the
    limit: exit 2, a clear message, no traceback, nothing changed."""
    before = snapshot(db_path(data_dir))
    for levels in (200_000, 66):
        path = _deep(tmp_path / f"deep{levels}.json", levels)
        code, out, err = run(capsys, *argv_of(path))
        assert code == 2, (levels, out, err)
        assert "嵌套过深" in err and "Traceback" not in err, err
    assert snapshot(db_path(data_dir)) == before


def test_accept_refuses_a_deeply_nested_applicant_file(files, capsys, tmp_path):
    _refused_deep(capsys, files / "data", lambda p: (
        "accept", "--user", "clerk", "--matter", "T-SP", "--applicant", p, "--received", "M01"), tmp_path)
    # an applicant nested within the limit still gets the applicant's own checks
    within = tmp_path / "within.json"
    within.write_text(json.dumps({"kind": "person", "name": [[[["张伟"]]]]}), encoding="utf-8")
    code, _, err = run(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant", within)
    assert code == 2 and "嵌套" not in err and "Traceback" not in err


def test_catalog_and_calendar_import_refuse_deep_nesting(files, capsys, tmp_path):
    _refused_deep(capsys, files / "data", lambda p: ("catalog", "import", p, "--user", "admin"), tmp_path)
    _refused_deep(capsys, files / "data", lambda p: ("calendar", "import", p, "--user", "admin"), tmp_path)


def test_deliver_refuses_a_deeply_nested_address_file(files, capsys, tmp_path):
    from workstation.domain.mail import make_s10

    case = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
                   files / "person.json", "--received", "M01,M02", "--approve-now")["case_ids"][0]
    _refused_deep(capsys, files / "data", lambda p: (
        "deliver", "--user", "clerk", case, "--mail", "--waybill", make_s10(11), "--address-file", p),
        tmp_path)


def test_read_json_limits_size_and_depth(tmp_path):
    from workstation.domain.errors import DomainError
    from workstation.shared.files import MAX_JSON_DEPTH, json_depth, read_json

    import pytest

    ok_file = _deep(tmp_path / "ok.json", MAX_JSON_DEPTH)
    assert json_depth(read_json(ok_file, max_bytes=1 << 20), 1000) == MAX_JSON_DEPTH
    with pytest.raises(DomainError, match="嵌套过深"):
        read_json(_deep(tmp_path / "deep.json", MAX_JSON_DEPTH + 2), max_bytes=1 << 20)
    with pytest.raises(DomainError, match="过大"):
        read_json(_deep(tmp_path / "big.json", 2, " " * 2000), max_bytes=1000)


def test_a_deeply_nested_answer_from_the_centre_is_offline_not_a_crash():
    import httpx
    import pytest

    from workstation.services.sync.http import Central, Offline

    deep = b'{"a": [' * 100_000 + b"1" + b"]}" * 100_000
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=deep))
    with Central("http://127.0.0.1:9", "t" * 20, transport=transport, attempts=1) as central:
        with pytest.raises(Offline, match="无法识别"):
            central.json("GET", "/changes")


# ---- plain http only to this machine (finding 7) ------------------------------------------------

REMOTE_HTTP = ["http://192.0.2.10:8000", "http://zwfw.example.gov.cn", "http://10.0.0.1",
               "http://127.0.0.1.nip.io", "http://[2001:db8::1]:8000", "http://2130706433"]


def test_enrolment_refuses_plain_http_to_a_remote_centre(cli, capsys):
    before = snapshot(db_path(cli))
    for server in REMOTE_HTTP:
        code, _, err = run(capsys, "enroll", "--server", server, "--code", "ABCD-EFGH-JKLM", "--user", "admin")
        assert code == 2 and "https://" in err and "明文" in err, (server, err)
    assert snapshot(db_path(cli)) == before


def test_loopback_may_use_plain_http():
    from workstation.services.sync.http import check_server_url

    for server in ("http://127.0.0.1:8000", "http://127.8.9.10", "http://localhost:1",
                   "http://[::1]:8000", "https://zwfw.example.gov.cn:8443", "https://10.0.0.1"):
        assert check_server_url(server) == server


def test_a_stored_plain_http_address_is_refused_when_connecting(ws, monkeypatch):
    """A server address written before this check (or into the database by hand) is
    refused at connection time: no request leaves the machine."""
    from workstation.domain.errors import DomainError
    from workstation.services.sync import client
    from workstation.services.sync.http import Central

    import pytest

    monkeypatch.setenv("WORKSTATION_SYNC_TOKEN", "t" * 32)
    with ws.transaction() as s:
        client._put(s, server="http://192.0.2.10:8000", station="district")

    def no_network(self, *a, **k):
        raise AssertionError("a request was sent")

    monkeypatch.setattr(Central, "request", no_network)
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError, match="明文"):
        client.sync_once(ws)
    assert snapshot(ws.db.path) == before
    for server in REMOTE_HTTP:
        with pytest.raises(DomainError, match="明文"):
            Central(server, "t" * 32)


# ---- acknowledged outbox events keep no applicant records (finding 7) ---------------------------

def test_acknowledged_outbox_payloads_keep_no_applicant_records(enrolled, centre, clerk, person, enterprise):
    from workstation.services.acceptance import Intake, accept
    from workstation.services.sync.client import sync_once

    ws = enrolled
    firm = dict(enterprise, agent={"name": "周代理", "id_number": "110105198001011238", "phone": "13900139000"})
    accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    accept(ws, clerk, Intake(["T-SP"], firm, ["M01", "M02", "M03", "M04"]))
    secrets = [person["id_number"], person["name"], person["address"], person["phone"],
               enterprise["credit_code"], enterprise["name"], enterprise["legal_rep"],
               enterprise["address"], "110105198001011238", "周代理", "13900139000"]

    def outbox(acked: bool) -> list[tuple[str, str]]:
        with sqlite3.connect(ws.db.path) as conn:
            return conn.execute("SELECT kind, payload FROM outbox WHERE acked_at IS "
                                + ("NOT NULL" if acked else "NULL")).fetchall()

    waiting = " ".join(p for _, p in outbox(False))
    assert all(s in waiting for s in secrets)            # until the centre has them, they are here
    assert sync_once(ws)["pending"] == 0
    acked = outbox(True)
    assert {k for k, _ in acked} >= {"acceptance.accepted"}
    for kind, payload in acked:
        data = json.loads(payload)
        assert data["reduced"] is True
        leaked = [s for s in secrets if s in payload]
        assert not leaked, (kind, leaked)
    receipts = [json.loads(p)["receipt_no"] for k, p in acked if k == "acceptance.accepted"]
    assert len(receipts) == 2 and {c["receipt_no"] for c in centre.cases().values()} == set(receipts)


# ---- a failure after the commit: the receipt number and what is pending (finding 12) ------------

def _disk_full(*args, **kwargs):
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_after_the_acceptance_commits_prints_the_receipt_and_what_is_pending(files, capsys):
    import pytest

    from workstation.services import documents

    with pytest.MonkeyPatch.context() as full:
        full.setattr(documents, "_write_atomically", _disk_full)    # the one place documents are written
        code, out, err = run(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                             files / "enterprise.json", "--received", "M01,M02,M03,M04", "--json")
        assert code == 4, err
        data = json.loads(out)
        receipt = data["receipt_no"]
        assert data["documents_pending"] is True and data["partly_done"] is True
        assert f"受理编号 {receipt} 已登记" in err and "受理通知书、材料接收凭证尚未生成" in err and "磁盘已满" in err
        assert f"workstation documents issue {receipt}" in err
        assert "内部错误" not in err and "Traceback" not in err
        with sqlite3.connect(db_path(files / "data")) as conn:
            assert conn.execute("SELECT count(*) FROM acceptances WHERE receipt_no = ?", (receipt,)).fetchone()[0] == 1
            assert conn.execute("SELECT count(*) FROM documents WHERE path IS NULL").fetchone()[0] >= 1
        # without --json the clerk reads the same
        code, out, err = run(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                             files / "enterprise.json", "--received", "M01,M02,M03,M04")
        assert code == 4 and "受理编号：" in out and "已登记" in err
        # documents issue hits the full disk too: partly done, told how to go on
        code, _, err = run(capsys, "documents", "issue", receipt, "--user", "clerk")
        assert code == 4 and f"workstation documents issue {receipt}" in err and "内部错误" not in err
        # the disk has room again: the documents are made from the committed acceptance
    issued = ok_json(capsys, "documents", "issue", receipt, "--user", "clerk")["issued"]
    assert {d["kind"] for d in issued} >= {"受理通知书"}
    assert ok(capsys, "audit", "verify")


# ---- passwords: today's scrypt cost, upgraded at login; five wrong ones lock (finding 7) --------

class _Later:
    """The clock `minutes` after the real one (today fixed as in the tests)."""

    def __init__(self, clock, minutes: int):
        from datetime import timedelta

        self.clock, self.delta = clock, timedelta(minutes=minutes)

    def today(self):
        return self.clock.today()

    def now(self):
        return self.clock.now() + self.delta


def _audit(ws, action: str) -> list[tuple[str, str]]:
    with sqlite3.connect(ws.db.path) as conn:
        return conn.execute("SELECT user_login, detail FROM audit_log WHERE action = ? ORDER BY seq",
                            (action,)).fetchall()


def _hash_of(ws, login: str) -> str:
    with sqlite3.connect(ws.db.path) as conn:
        return conn.execute("SELECT password_hash FROM users WHERE login = ?", (login,)).fetchone()[0]


def test_a_weaker_hash_is_upgraded_at_the_next_successful_login(ws, monkeypatch):
    import pytest

    from workstation.services import auth
    from workstation.services.auth import login

    old = _hash_of(ws, "clerk")
    # the hashes here were made with the tests' cheap cost; today's cost is now higher
    monkeypatch.setattr(auth, "SCRYPT_N", int(old.split("$")[1]) * 2)
    with pytest.raises(auth.AuthenticationFailed):
        login(ws, "clerk", "wrong-password")
    assert _hash_of(ws, "clerk") == old                   # a wrong password upgrades nothing
    assert login(ws, "clerk", "secret123").login == "clerk"
    new = _hash_of(ws, "clerk")
    assert new != old and new.split("$")[1] == str(auth.SCRYPT_N)
    assert auth.verify_password("secret123", new) and not auth.weaker_than_now(new)
    assert [u for u, _ in _audit(ws, "user.password_rehash")] == ["clerk"]
    before = snapshot(ws.db.path)
    login(ws, "clerk", "secret123")                       # strong enough now: nothing written
    assert snapshot(ws.db.path) == before


def test_five_wrong_passwords_lock_the_login_for_the_set_time(ws):
    import pytest

    from workstation.services.auth import login
    from workstation.services.errors import AuthenticationFailed
    from workstation.services.lockout import AccountLocked

    for _ in range(4):
        with pytest.raises(AuthenticationFailed, match="用户名或密码错误"):
            login(ws, "clerk", "wrong-password")
    with pytest.raises(AccountLocked) as locked:
        login(ws, "clerk", "wrong-password")
    message = str(locked.value)
    assert "已被锁定" in message and "连续5次" in message and f"{locked.value.until:%H:%M}" in message
    assert 14 * 60 <= (locked.value.until - ws.clock.now()).total_seconds() <= 15 * 60
    # while locked, even the right password is refused (not tried)
    with pytest.raises(AccountLocked):
        login(ws, "clerk", "secret123")
    assert len(_audit(ws, "user.login_failed")) == 5
    (who, detail), = _audit(ws, "user.locked")
    assert who == "clerk" and json.loads(detail)["minutes"] == 15
    # other logins are not affected
    assert login(ws, "plain", "secret123").login == "plain"
    # fifteen minutes later the right password works and the count starts again
    ws.clock = _Later(ws.clock, 16)
    assert login(ws, "clerk", "secret123").login == "clerk"
    with sqlite3.connect(ws.db.path) as conn:
        assert conn.execute("SELECT count(*) FROM login_failures WHERE login = 'clerk'").fetchone()[0] == 0


def test_an_unknown_login_locks_the_same_way_and_the_time_is_a_setting(ws, admin):
    import pytest

    from workstation.services.auth import login
    from workstation.services.errors import AuthenticationFailed
    from workstation.services.lockout import AccountLocked
    from workstation.services.setup import change_settings

    change_settings(ws, admin, {"login_lock_minutes": "30"})
    for _ in range(4):
        with pytest.raises(AuthenticationFailed, match="用户名或密码错误"):
            login(ws, "nobody", "wrong-password")
    with pytest.raises(AccountLocked) as locked:     # a stranger learns nothing from the lock
        login(ws, "nobody", "wrong-password")
    assert 29 * 60 <= (locked.value.until - ws.clock.now()).total_seconds() <= 30 * 60
    with pytest.raises(Exception, match="1至1440"):
        change_settings(ws, admin, {"login_lock_minutes": "0"})


def test_the_clerk_sees_the_lock_in_chinese_at_the_command_line(cli, capsys, monkeypatch):
    monkeypatch.setenv("WORKSTATION_PASSWORD", "wrong-password")
    for _ in range(5):
        code, _, err = run(capsys, "list", "--user", "clerk")
        assert code == 2
    assert "已被锁定" in err and "再试" in err and "Traceback" not in err
    monkeypatch.setenv("WORKSTATION_PASSWORD", "secret123")
    code, _, err = run(capsys, "list", "--user", "clerk")
    assert code == 2 and "已被锁定" in err
    assert ok(capsys, "audit", "verify")


def test_the_login_dialog_shows_the_lock(qtbot, ws):
    from PyQt6.QtCore import Qt

    from workstation.ui.login import LoginDialog

    dialog = LoginDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(5):
        qtbot.keyClicks(dialog.login_edit, "clerk")
        qtbot.keyClick(dialog.login_edit, Qt.Key.Key_Return)
        qtbot.keyClicks(dialog.password_edit, "wrong-password")
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        dialog.login_edit.clear()
    assert dialog.actor is None
    text = dialog.message.text()
    assert "已被锁定" in text and "再试" in text, text
    # The whole wrapped message is shown, not clipped to the one line laid out first.
    label = dialog.message
    assert label.height() >= label.heightForWidth(label.width()), (label.height(), label.width())


# ---- the data folder is 0700 and its files 0600 (finding 7) -------------------------------------

def _loose(folder) -> list[str]:
    """Everything in `folder` (and itself) not kept to its user: folders not 0700, files not 0600."""
    import os
    import stat

    out = []
    for root, dirs, names in os.walk(folder):
        for name, want in [(d, 0o700) for d in dirs] + [(n, 0o600) for n in names]:
            mode = os.lstat(os.path.join(root, name)).st_mode
            if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) != want:
                out.append(f"{os.path.relpath(os.path.join(root, name), folder)} {oct(stat.S_IMODE(mode))}")
    if stat.S_IMODE(os.stat(folder).st_mode) != 0o700:
        out.append(f". {oct(stat.S_IMODE(os.stat(folder).st_mode))}")
    return out


def test_a_whole_days_data_folder_is_private(tmp_path, capsys, monkeypatch):
    import os

    from .cli_support import NEW_PASSWORD, SEAL_SECRET, TODAY
    from .conftest import PASSWORD, PERSON

    os.umask(0o022)                           # as a desktop session starts the program
    data = tmp_path / "day"
    for key in list(os.environ):
        if key.startswith("WORKSTATION_"):
            monkeypatch.delenv(key)
    for key, value in {"WORKSTATION_DATA_DIR": str(data), "WORKSTATION_PASSWORD": PASSWORD,
                       "WORKSTATION_TODAY": TODAY, "WORKSTATION_SEAL_SECRET": SEAL_SECRET}.items():
        monkeypatch.setenv(key, value)
    ok(capsys, *INIT)
    ok(capsys, "user", "add", "admin", "--name", "管理员", "--role", "admin")
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", NEW_PASSWORD)
    ok(capsys, "user", "add", "clerk", "--name", "王敏", "--role", "clerk", "--right", "approve_on_spot",
       "--user", "admin")
    monkeypatch.setenv("WORKSTATION_PASSWORD", NEW_PASSWORD)
    person = tmp_path / "person.json"
    person.write_text(json.dumps(PERSON, ensure_ascii=False), encoding="utf-8")
    result = ok_json(capsys, "accept", "--user", "clerk", "--matter", "SJ-001", "--applicant", person,
                     "--received", "M01,M02,M03")
    assert all(d.get("path") for d in result["documents"])
    (data / "exports").mkdir()
    ok(capsys, "manifest", "--date", TODAY, "--out", data / "exports" / "交寄清单.xlsx", "--user", "clerk")
    ok(capsys, "audit", "verify")
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.suffix == ".docx" for p in files) and any(p.name == "workstation.sqlite3" for p in files)
    assert _loose(data) == []


def test_a_looser_folder_from_before_is_tightened_at_open(ws):
    import os

    from workstation.services import Workstation

    folder = ws.data_dir
    ws.close()
    (folder / "documents" / "2026").mkdir(parents=True, exist_ok=True)
    (folder / "documents" / "2026" / "old.docx").write_bytes(b"PK")
    for root, dirs, names in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for n in names:
            os.chmod(os.path.join(root, n), 0o644)
    os.chmod(folder, 0o755)
    assert _loose(folder)
    again = Workstation(folder).open()
    try:
        again.settings()                        # SQLite makes its -wal and -shm files
        assert (folder / "workstation.sqlite3-wal").exists()
        assert _loose(folder) == []
    finally:
        again.close()
    assert _loose(folder) == []
