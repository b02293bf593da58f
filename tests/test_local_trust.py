"""Issue 16, the local trust boundary: demo and init on a live terminal (finding 6),
the data folder's permissions, password cost and lockout, acknowledged outbox payloads,
plain http to a remote centre (finding 7), JSON depth and size (finding 11) and a
failure after the commit (finding 12)."""

import json
import sqlite3

from .cli_support import INIT, db_path, ok, ok_json, run
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)
from .helpers import snapshot


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
