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
