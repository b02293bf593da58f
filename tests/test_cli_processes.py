"""The command line as real processes (exit codes, pipes, the program's entry) and the demo database."""

import json
import re
import sqlite3
from datetime import date

from workstation.cli import main
from workstation.domain.identity import parse_credit_code, parse_id_card
from workstation.domain.workdays import WorkCalendar

from .conftest import DATA, ENTERPRISE
from .helpers import besides_a_failed_login, snapshot
from .cli_support import INIT, NEW_PASSWORD, RESULT_KEYS, TODAY, cli_process, db_path, ok_json, write_json
from .cli_support import env  # noqa: F401  (fixtures)


# ---- real processes --------------------------------------------------------------------------

def test_subprocess_full_round(tmp_path):
    data_dir = tmp_path / "data"
    first = cli_process(data_dir, *INIT, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["settings"]["terminal"] == "001"
    assert cli_process(data_dir, "user", "add", "admin", "--name", "管理员", "--role", "admin").returncode == 0
    p = cli_process(data_dir, "catalog", "import", DATA / "catalog_small.json", "--user", "admin")
    assert p.returncode == 0, p.stderr
    p = cli_process(data_dir, "user", "add", "clerk", "--name", "王敏", "--role", "clerk", "--user", "admin",
                    WORKSTATION_NEW_PASSWORD=NEW_PASSWORD)
    assert p.returncode == 0, p.stderr
    applicant = write_json(tmp_path / "e.json", ENTERPRISE)
    p = cli_process(data_dir, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant", applicant,
                    "--received", "M01,M02,M03,M04", "--json", WORKSTATION_PASSWORD=NEW_PASSWORD)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert RESULT_KEYS <= set(out) and out["receipt_no"] == "610102202609300010001"

    before = snapshot(db_path(data_dir))
    p = cli_process(data_dir, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant", applicant,
                    "--received", "M01,M02,M03,M04", "--json")            # the admin's password
    assert p.returncode == 2 and "用户名或密码错误" in p.stderr and p.stdout == ""
    p = cli_process(data_dir, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant", applicant,
                    "--received", "M01,M02,M04", "--promise", "M03=2026-02-30",
                    WORKSTATION_PASSWORD=NEW_PASSWORD)
    assert p.returncode == 2 and "不是存在的" in p.stderr
    p = cli_process(data_dir, "accept", "--nonsense")
    assert p.returncode == 2 and "命令参数有误" in p.stderr
    # nothing changed, but for the wrong password counted and audited (issue 16)
    assert besides_a_failed_login(before, snapshot(db_path(data_dir)))

    assert cli_process(data_dir, "audit", "verify").returncode == 0
    with sqlite3.connect(db_path(data_dir)) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET detail = '{}' WHERE seq = 1")
    p = cli_process(data_dir, "audit", "verify")
    assert p.returncode == 3 and "篡改" in p.stderr


def test_demo_then_list(tmp_path):
    data_dir = tmp_path / "demo"
    p = cli_process(data_dir, "demo", "--cases", "30")
    assert p.returncode == 0, p.stderr
    for word in ("demo1234", "admin", "clerk", "station", "approver", "supervisor", "30件申请"):
        assert word in p.stdout
    p = cli_process(data_dir, "list", "--json", "--user", "clerk", "--limit", "1000",
                    WORKSTATION_PASSWORD="demo1234")
    assert p.returncode == 0, p.stderr
    listed = json.loads(p.stdout)
    assert listed["count"] == listed["total"] >= 30
    assert len({c["receipt_no"] for c in listed["cases"]}) == 30
    assert {c["status"] for c in listed["cases"]} >= {"accepted", "refused"}
    received = sorted(c["received_on"] for c in listed["cases"])
    assert "2026-08-01" <= received[0] < received[-1] <= TODAY
    # --if-empty leaves a database with acceptances alone
    before = snapshot(db_path(data_dir))
    p = cli_process(data_dir, "demo", "--if-empty")
    assert p.returncode == 0 and "未生成" in p.stdout
    assert snapshot(db_path(data_dir)) == before
    assert cli_process(data_dir, "audit", "verify").returncode == 0


# ---- the demo database -----------------------------------------------------------------------

def test_demo_300_cases_is_realistic_and_consistent(env, capsys):
    # How long it takes is the benchmarks' business, not a test's (a loaded CI machine).
    out = ok_json(capsys, "demo")
    assert "demo1234" in out["message"] and "clerk" in out["message"]
    assert out["acceptances"] == 300 and out["cases"] >= 300
    o = out["outcomes"]
    assert o["accepted"] + o["tolerated"] + o["notified"] + o["refused"] == 300
    assert 0.60 <= o["accepted"] / 300 <= 0.80
    assert 0.05 <= o["tolerated"] / 300 <= 0.16
    assert 0.06 <= o["notified"] / 300 <= 0.18
    assert 0.03 <= o["refused"] / 300 <= 0.14
    assert o["bundles"] >= 5 and o["approved_on_spot"] >= 1

    with sqlite3.connect(db_path(env)) as conn:
        rows = conn.execute("SELECT kind, name, id_number, legal_rep, phone, address FROM applicants").fetchall()
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM acceptances GROUP BY outcome"))
        days = conn.execute("SELECT DISTINCT received_on FROM acceptances").fetchall()
        repeat = conn.execute("SELECT count(*) FROM (SELECT applicant_id FROM acceptances "
                              "GROUP BY applicant_id HAVING count(*) > 1)").fetchone()[0]
        promises = conn.execute("SELECT m.promise_date, c.due_date FROM case_materials m "
                                "JOIN cases c ON c.id = m.case_id WHERE m.state = 'promised'").fetchall()
        notes = conn.execute("SELECT notice FROM acceptances WHERE outcome = 'refused'").fetchall()
    assert set(outcomes) == {"accepted", "tolerated", "notified", "refused"}
    assert sum(outcomes.values()) == 300
    calendar = WorkCalendar()
    assert len(days) >= 30 and all(calendar.is_workday(date.fromisoformat(d)) for (d,) in days)
    assert repeat >= 5
    assert promises and all(p <= due for p, due in promises)
    assert all(json.loads(n)["reason"] and json.loads(n)["basis"] for (n,) in notes)
    persons = [r for r in rows if r[0] == "person"]
    firms = [r for r in rows if r[0] == "enterprise"]
    assert len(persons) >= 30 and len(firms) >= 30
    assert sum(len(r[1]) == 2 for r in persons) >= len(persons) // 5       # many 2-character names
    for _, name, number, _, phone, address in persons:
        assert parse_id_card(number).number == number and 2 <= len(name) <= 4
        assert address.startswith("西安市") and re.fullmatch(r"1[3-9]\d{9}", phone)
    for _, name, code, rep, _, _address in firms:
        assert parse_credit_code(code) == code and name.endswith("有限公司") and rep
    assert ok_json(capsys, "audit", "verify")["ok"] is True



def test_without_a_command_the_program_opens_the_window_and_the_cli_alone_asks_for_one(monkeypatch, tmp_path,
                                                                                           capsys):
    import workstation.main as program

    opened = []
    monkeypatch.setattr(program, "open_window", lambda data_dir: opened.append(data_dir) or 0)
    assert program.main(["--data-dir", str(tmp_path)]) == 0
    assert opened == [str(tmp_path)]
    # The command line on its own never imports the window: it asks for a command.
    assert main(["--data-dir", str(tmp_path)]) == 2
    assert "请给出命令" in capsys.readouterr().err
