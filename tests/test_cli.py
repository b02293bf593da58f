"""The command line's contract: commands, options, JSON keys and exit codes, driven
in-process through `workstation.cli.main` and, for a few, as real subprocesses."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from workstation.cli import main
from workstation.domain.identity import parse_credit_code, parse_id_card
from workstation.domain.workdays import WorkCalendar

from .conftest import DATA, ENTERPRISE, PASSWORD, PERSON
from .helpers import edit_docx, snapshot

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-09-30"
NEW_PASSWORD = "another456"
SEAL_SECRET = "seal-secret-for-tests"
RESULT_KEYS = {"receipt_no", "case_ids", "status", "due_date", "statutory_due_date", "provisional",
               "documents"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
CALENDAR_2027 = {
    "year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知（测试用）",
    "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
        {"name": "春节", "from": "2027-02-06", "to": "2027-02-13"},
        {"name": "清明节", "from": "2027-04-03", "to": "2027-04-05"},
        {"name": "劳动节", "from": "2027-05-01", "to": "2027-05-05"},
        {"name": "端午节", "from": "2027-06-09", "to": "2027-06-09"},
        {"name": "中秋节", "from": "2027-09-15", "to": "2027-09-15"},
        {"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"},
    ],
    "workdays": ["2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"],
}


# ---- helpers --------------------------------------------------------------------------------

def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, f"exit {code}: {err}"
    return out


def ok_json(capsys, *argv) -> dict:
    return json.loads(ok(capsys, *argv, "--json"))


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def db_path(data_dir: Path) -> Path:
    return data_dir / "workstation.sqlite3"


def subprocess_env(data_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSTATION_")}
    env.update({"WORKSTATION_DATA_DIR": str(data_dir), "WORKSTATION_PASSWORD": PASSWORD,
                "WORKSTATION_TODAY": TODAY, "QT_QPA_PLATFORM": "offscreen"})
    env.update(extra)
    return env


def cli_process(data_dir: Path, *argv, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workstation", *map(str, argv)], cwd=ROOT,
                          env=subprocess_env(data_dir, **extra), capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def env(tmp_path, monkeypatch) -> Path:
    """The environment a script would set: data dir, password, a fixed today."""
    data_dir = tmp_path / "data"
    for key in list(os.environ):
        if key.startswith("WORKSTATION_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("WORKSTATION_DATA_DIR", str(data_dir))
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKSTATION_TODAY", TODAY)
    # Each test copies a template data folder, and keyring entries belong to a folder:
    # the seals' unlock secret comes from the environment, as on a headless server.
    monkeypatch.setenv("WORKSTATION_SEAL_SECRET", SEAL_SECRET)
    return data_dir


INIT = ("init", "--region", "610102", "--terminal", "001", "--authority", "西安市新城区行政审批服务局",
        "--authority-short", "新城审")


def _set_up_through_the_cli(data_dir: Path) -> None:
    """init, the first admin, the small test catalog, a clerk who may approve on the
    spot and an approver: all through `main`, as an administrator would."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("WORKSTATION_"):
                mp.delenv(key)
        mp.setenv("WORKSTATION_DATA_DIR", str(data_dir))
        mp.setenv("WORKSTATION_PASSWORD", PASSWORD)
        mp.setenv("WORKSTATION_TODAY", TODAY)
        mp.setenv("WORKSTATION_SEAL_SECRET", SEAL_SECRET)
        steps = [
            INIT,
            ("user", "add", "admin", "--name", "管理员", "--role", "admin"),
            ("catalog", "import", DATA / "catalog_small.json", "--user", "admin"),
            ("user", "add", "clerk", "--name", "王敏", "--role", "clerk", "--right", "approve_on_spot",
             "--user", "admin"),
            ("user", "add", "approver", "--name", "陈审", "--role", "approver", "--user", "admin"),
        ]
        for step in steps:
            if step[:2] == ("user", "add") and step[2] != "admin":
                mp.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
            assert main([str(a) for a in step]) == 0


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Set up once per module; each test gets its own copy of the files."""
    data_dir = tmp_path_factory.mktemp("template") / "data"
    _set_up_through_the_cli(data_dir)
    return data_dir


@pytest.fixture
def cli(env, template, tmp_path, capsys) -> Path:
    """An initialised terminal (see _set_up_through_the_cli), in this test's own data dir."""
    shutil.copytree(template, env)
    capsys.readouterr()
    write_json(tmp_path / "person.json", PERSON)
    write_json(tmp_path / "enterprise.json", ENTERPRISE)
    return env


@pytest.fixture
def files(cli, tmp_path) -> Path:
    return tmp_path


def accept_sp(capsys, files, *extra) -> dict:
    return ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                   files / "enterprise.json", "--received", "M01,M02,M03,M04", *extra)


# ---- init and users -------------------------------------------------------------------------

def test_init_prints_settings_and_imports_the_bundled_catalog(env, capsys):
    out = ok_json(capsys, *INIT)
    assert out["settings"]["region"] == "610102" and out["settings"]["terminal"] == "001"
    assert out["settings"]["authority_short"] == "新城审"
    assert out["catalog"]["matters"] >= 1
    assert Path(out["data_dir"]) == env
    assert "已初始化" in ok(capsys, *INIT)          # running it again only rewrites the settings


def test_init_refuses_a_bad_region(env, capsys):
    code, _, err = run(capsys, "init", "--region", "61010", "--terminal", "001", "--authority", "某局",
                       "--authority-short", "某审")
    assert code == 2 and "行政区划代码" in err


def test_first_admin_needs_no_user_later_users_need_an_admin(env, capsys, monkeypatch):
    ok(capsys, *INIT)
    first = ok_json(capsys, "user", "add", "admin", "--name", "管理员", "--role", "admin")
    assert first == {"login": "admin", "name": "管理员", "role": "admin", "station": "district",
                     "rights": [], "categories": []}
    before = snapshot(db_path(env))
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", NEW_PASSWORD)
    code, _, err = run(capsys, "user", "add", "clerk", "--name", "王敏", "--role", "clerk")
    assert code == 2 and "登录" in err
    assert snapshot(db_path(env)) == before
    added = ok_json(capsys, "user", "add", "clerk", "--name", "王敏", "--role", "clerk", "--right",
                    "approve_on_spot", "--user", "admin")
    assert added["rights"] == ["approve_on_spot"]
    station = ok_json(capsys, "user", "add", "station", "--name", "赵强", "--role", "station_clerk",
                      "--station", "S01", "--user", "admin")
    assert station["station"] == "S01"
    # The new user logs in with WORKSTATION_NEW_PASSWORD, not the admin's password.
    monkeypatch.setenv("WORKSTATION_PASSWORD", NEW_PASSWORD)
    assert ok_json(capsys, "list", "--user", "clerk")["count"] == 0
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    code, _, err = run(capsys, "list", "--user", "clerk")
    assert code == 2 and "用户名或密码错误" in err


def test_user_add_rejects_duplicates_and_unknown_roles(cli, capsys, monkeypatch):
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", NEW_PASSWORD)
    before = snapshot(db_path(cli))
    code, _, err = run(capsys, "user", "add", "clerk", "--name", "王敏", "--role", "clerk",
                       "--user", "admin")
    assert code == 2 and "已存在" in err
    code, _, err = run(capsys, "user", "add", "boss", "--name", "刘科", "--role", "king",
                       "--user", "admin")
    assert code == 2 and "未知角色" in err
    code, _, err = run(capsys, "user", "add", "x2", "--name", "某人", "--role", "clerk",
                       "--user", "clerk")
    assert code == 2 and "管理用户" in err
    assert snapshot(db_path(cli)) == before


def test_later_user_needs_its_own_password(cli, capsys):
    """The admin's WORKSTATION_PASSWORD must not silently become the new clerk's."""
    before = snapshot(db_path(cli))
    code, _, err = run(capsys, "user", "add", "li", "--name", "李静", "--role", "clerk",
                       "--user", "admin")
    assert code == 2 and "WORKSTATION_NEW_PASSWORD" in err
    assert snapshot(db_path(cli)) == before


def test_global_options_before_the_command(cli, capsys, monkeypatch):
    monkeypatch.delenv("WORKSTATION_DATA_DIR")
    out = json.loads(ok(capsys, "--json", "--data-dir", cli, "--user", "clerk", "list"))
    assert out == {"count": 0, "cases": [], "total": 0}
    # after the command wins
    assert "没有找到案件" in ok(capsys, "--data-dir", cli, "list", "--user", "clerk")


def test_applicant_flag_blocks_tolerance(files, capsys):
    accept_sp(capsys, files)
    flagged = ok_json(capsys, "applicant", "flag", ENTERPRISE["credit_code"], "--reason",
                      "2026年列入经营异常名录", "--user", "admin")
    assert flagged["ineligible_reason"] == "2026年列入经营异常名录"
    before = snapshot(db_path(files / "data"))
    code, _, err = run(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                       files / "enterprise.json", "--received", "M01,M02,M04", "--promise",
                       "M03=2026-10-12")
    assert code == 2 and "不符合容缺受理条件" in err
    assert snapshot(db_path(files / "data")) == before
    code, _, err = run(capsys, "applicant", "flag", ENTERPRISE["credit_code"], "--clear",
                       "--user", "clerk")
    assert code == 2 and "标记失信申请人" in err
    assert "ineligible_reason" not in ok_json(capsys, "applicant", "flag", ENTERPRISE["credit_code"],
                                              "--clear", "--user", "admin")
    tolerated = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                        files / "enterprise.json", "--received", "M01,M02,M04", "--promise",
                        "M03=2026-10-12")
    assert tolerated["status"] == "tolerated"


def test_station_clerk_sees_the_case_they_accepted(cli, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    ok(capsys, "user", "add", "station", "--name", "赵强", "--role", "station_clerk", "--station",
       "S01", "--user", "admin")
    result = ok_json(capsys, "accept", "--user", "station", "--matter", "T-GT", "--applicant",
                     tmp_path / "person.json", "--received", "M01,M02")
    assert ok_json(capsys, "list", "--user", "station")["count"] == 1
    assert ok_json(capsys, "show", result["receipt_no"], "--user", "station")["cases"]


# ---- catalog ---------------------------------------------------------------------------------

def test_catalog_import_and_list(env, capsys):
    ok(capsys, *INIT)
    ok(capsys, "user", "add", "admin", "--name", "管理员", "--role", "admin")
    out = ok_json(capsys, "catalog", "import", DATA / "catalog_small.json", "--user", "admin")
    assert out["label"] == "test-1" and out["matters"] == 3 and out["bundles"] == 1
    listed = ok_json(capsys, "catalog", "list")
    assert listed["version"] == "test-1" and listed["version_id"] == out["version_id"]
    matters = {m["code"]: m for m in listed["matters"]}
    assert set(matters) == {"T-GT", "T-SP", "T-WS"}
    assert [x["code"] for x in matters["T-SP"]["materials"]] == ["M01", "M02", "M03", "M04"]
    assert [x["code"] for x in matters["T-WS"]["materials"]] == ["M01", "M02", "M05"]
    assert matters["T-SP"]["promised_days"] == 5 and matters["T-SP"]["statutory_days"] == 20
    assert {x["code"] for x in matters["T-SP"]["materials"] if x["tolerable"]} == {"M03", "M04"}
    assert listed["bundles"] == [{"code": "B-CY", "name": "餐饮企业设立",
                                  "description": "食品经营与卫生许可一次办", "matters": ["T-SP", "T-WS"]}]
    human = ok(capsys, "catalog", "list")
    assert "食品经营许可" in human and "一件事 B-CY" in human
    # The same file again is not a new version.
    code, _, err = run(capsys, "catalog", "import", DATA / "catalog_small.json", "--user", "admin")
    assert code == 2 and "完全相同" in err


@pytest.mark.parametrize("path,key", [
    (("matters", 1), "basis"),
    (("matters", 2, "materials", 0), "name"),
    ((), "version"),
])
def test_catalog_with_a_missing_field_is_rejected_naming_it(cli, capsys, tmp_path, path, key):
    data = json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8"))
    data["version"] = "test-2"
    node = data
    for step in path:
        node = node[step]
    del node[key]
    where = "".join(f"[{s}]" if isinstance(s, int) else (f".{s}" if i else s)
                    for i, s in enumerate(path))
    field = f"{where}.{key}" if where else key
    before = snapshot(db_path(cli))
    code, out, err = run(capsys, "catalog", "import", write_json(tmp_path / "bad.json", data),
                         "--user", "admin")
    assert code == 2 and out == ""
    assert field in err and "缺失" in err
    assert snapshot(db_path(cli)) == before
    assert before["catalog_versions"] == 2      # bundled default + test-1, nothing more


def test_catalog_import_needs_the_right(cli, capsys):
    before = snapshot(db_path(cli))
    code, _, err = run(capsys, "catalog", "import", DATA / "catalog_small.json", "--user", "clerk")
    assert code == 2 and "导入事项目录" in err
    assert snapshot(db_path(cli)) == before


# ---- calendar --------------------------------------------------------------------------------

def test_calendar_import_ends_provisional_due_dates(files, capsys, monkeypatch):
    monkeypatch.setenv("WORKSTATION_TODAY", "2026-12-20")
    # T-WS: 10 working days from 2026-12-20 run into 2027, for which nothing is published.
    result = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-WS", "--applicant",
                     files / "enterprise.json", "--received", "M01,M02,M05")
    assert result["provisional"] is True
    assert result["due_date"] == "2027-01-01"            # Monday to Friday, counted provisionally
    assert result["statutory_due_date"] == "2027-01-15"
    assert "暂定" in ok(capsys, "show", result["receipt_no"], "--user", "clerk")

    out = ok_json(capsys, "calendar", "import", write_json(files / "cal2027.json", CALENDAR_2027),
                  "--user", "admin")
    assert out == {"year": 2027, "holidays": 28, "workdays": 5, "cases_recomputed": 1}

    case = ok_json(capsys, "show", result["receipt_no"], "--user", "clerk")["cases"][0]
    assert case["provisional"] is False
    assert case["due_date"] == "2027-01-04"              # 元旦 1/1 is now a holiday
    assert case["statutory_due_date"] == "2027-01-18"
    row = ok_json(capsys, "list", "--user", "clerk")["cases"][0]
    assert row["provisional"] is False and row["due_date"] == "2027-01-04"
    # A case accepted after the import is not provisional at all.
    later = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-WS", "--applicant",
                    files / "enterprise.json", "--received", "M01,M02,M05")
    assert later["provisional"] is False and later["due_date"] == "2027-01-04"


@pytest.mark.parametrize("change,fragment", [
    ({"holidays": [{"name": "春节", "from": "2027-02-30", "to": "2027-02-30"}]}, "不是存在的日期"),
    ({"workdays": ["2027-13-01"]}, "不是存在的日期"),
    ({"workdays": ["2027-01-04"]}, "调休上班日应为周末"),
    ({"year": 1899}, "year"),
])
def test_bad_calendar_file_changes_nothing(cli, capsys, tmp_path, change, fragment):
    before = snapshot(db_path(cli))
    code, _, err = run(capsys, "calendar", "import",
                       write_json(tmp_path / "cal.json", CALENDAR_2027 | change), "--user", "admin")
    assert code == 2 and fragment in err
    assert snapshot(db_path(cli)) == before


def test_calendar_file_that_is_not_json(cli, capsys, tmp_path):
    bad = tmp_path / "cal.json"
    bad.write_text("{year: 2027", encoding="utf-8")
    code, _, err = run(capsys, "calendar", "import", bad, "--user", "admin")
    assert code == 2 and "JSON" in err and CHINESE.search(err)


# ---- the four outcomes -----------------------------------------------------------------------

def test_accept_json_contract(files, capsys):
    out = accept_sp(capsys, files)
    assert RESULT_KEYS <= set(out)
    assert out["receipt_no"] == "610102202609300010001"
    assert out["status"] == "accepted" and out["provisional"] is False
    assert out["due_date"] == "2026-10-13" and out["statutory_due_date"] == "2026-11-03"
    assert len(out["case_ids"]) == 1 and all(re.fullmatch(r"[0-9a-f]{32}", c) for c in out["case_ids"])
    assert [d["kind"] for d in out["documents"]] == ["受理通知书", "材料接收凭证"]
    assert out["documents"][0]["number"] == "新城审受字〔2026〕第100001号"
    assert accept_sp(capsys, files)["receipt_no"] == "610102202609300010002"
    human = ok(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
               files / "enterprise.json", "--received", "M01,M02,M03,M04")
    assert "610102202609300010003" in human and "受理" in human


def test_bundle_and_tolerance_and_approval_on_the_spot(files, capsys):
    bundle = ok_json(capsys, "accept", "--user", "clerk", "--matter", "B-CY", "--applicant",
                     files / "enterprise.json", "--received", "M01,M02,M03,M04,M05")
    assert RESULT_KEYS <= set(bundle) and len(bundle["case_ids"]) == 2
    assert bundle["due_date"] == "2026-10-20"
    tolerated = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                        files / "enterprise.json", "--received", "M01,M02,M04",
                        "--promise", "M03=2026-10-12")
    assert RESULT_KEYS <= set(tolerated) and tolerated["status"] == "tolerated"
    assert [d["kind"] for d in tolerated["documents"]][:2] == ["容缺受理通知书", "容缺受理承诺书"]
    approved = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
                       files / "person.json", "--received", "M01,M02", "--approve-now")
    assert RESULT_KEYS <= set(approved) and approved["status"] == "approved"
    assert "准予行政许可决定书" in [d["kind"] for d in approved["documents"]]


def test_notify_json_contract(files, capsys):
    out = ok_json(capsys, "notify", "--user", "clerk", "--matter", "T-SP", "--applicant",
                  files / "enterprise.json", "--received", "M01,M02", "--defect",
                  "M02=复印件模糊，无法辨认")
    assert RESULT_KEYS <= set(out)
    assert out["status"] == "notified" and out["due_date"] is None and out["provisional"] is False
    assert [d["kind"] for d in out["documents"]] == ["一次性告知书"]
    mats = {m["code"]: m for m in ok_json(capsys, "show", out["receipt_no"], "--user", "clerk")
            ["cases"][0]["materials"]}
    assert mats["M02"]["state"] == "defective" and "模糊" in mats["M02"]["note"]
    assert mats["M03"]["state"] == "missing" and mats["M04"]["state"] == "missing"


def test_refuse_json_contract(files, capsys):
    out = ok_json(capsys, "refuse", "--user", "clerk", "--matter", "T-GT", "--applicant",
                  files / "person.json", "--reason", "申请事项依法不需要取得行政许可",
                  "--basis", "《中华人民共和国行政许可法》第三十二条第一款第（一）项",
                  "--organ", "西安市市场监督管理局")
    assert RESULT_KEYS <= set(out)
    assert out["status"] == "refused" and out["due_date"] is None
    assert [d["kind"] for d in out["documents"]] == ["不予受理通知书"]
    notice = ok_json(capsys, "show", out["receipt_no"], "--user", "clerk")["notice"]
    assert notice == {"reason": "申请事项依法不需要取得行政许可",
                      "basis": "《中华人民共和国行政许可法》第三十二条第一款第（一）项",
                      "competent_organ": "西安市市场监督管理局"}


# ---- finding cases again ---------------------------------------------------------------------

def test_show_search_list(files, capsys):
    sp = accept_sp(capsys, files)
    gt = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
                 files / "person.json", "--received", "M01,M02")
    shown = ok_json(capsys, "show", sp["receipt_no"], "--user", "clerk")
    assert shown["receipt_no"] == sp["receipt_no"]
    assert shown["applicant"]["id_number"] == ENTERPRISE["credit_code"]
    assert [c["id"] for c in shown["cases"]] == sp["case_ids"]
    assert [d["number"] for d in shown["documents"]] == [d["number"] for d in sp["documents"]]
    # by case id and by document number too
    assert ok_json(capsys, "show", sp["case_ids"][0], "--user", "clerk")["receipt_no"] == sp["receipt_no"]
    assert ok_json(capsys, "show", sp["documents"][0]["number"],
                   "--user", "clerk")["receipt_no"] == sp["receipt_no"]

    by_name = ok_json(capsys, "search", "张伟", "--user", "clerk")
    assert by_name["count"] == 1 and by_name["cases"][0]["receipt_no"] == gt["receipt_no"]
    by_id = ok_json(capsys, "search", PERSON["id_number"], "--user", "clerk")
    assert [c["id"] for c in by_id["cases"]] == gt["case_ids"]
    by_code = ok_json(capsys, "search", ENTERPRISE["credit_code"], "--user", "clerk")
    assert [c["receipt_no"] for c in by_code["cases"]] == [sp["receipt_no"]]
    assert ok_json(capsys, "search", "没有这个人", "--user", "clerk")["count"] == 0

    listed = ok_json(capsys, "list", "--user", "clerk")
    assert listed["count"] == listed["total"] == 2
    assert {c["receipt_no"] for c in listed["cases"]} == {sp["receipt_no"], gt["receipt_no"]}
    assert {"id", "receipt_no", "applicant", "matter", "status", "due_date", "provisional"} \
        <= set(listed["cases"][0])
    assert ok_json(capsys, "list", "--status", "受理", "--limit", "1", "--user", "clerk")["count"] == 1
    code, _, err = run(capsys, "show", "610102202609300019999", "--user", "clerk")
    assert code == 2 and "找不到" in err
    code, _, err = run(capsys, "list", "--status", "whatever", "--user", "clerk")
    assert code == 2 and "未知的案件状态" in err


# ---- the audit log ---------------------------------------------------------------------------

def test_audit_verify_and_tampering(files, capsys):
    accept_sp(capsys, files)
    assert "审计日志完整" in ok(capsys, "audit", "verify")
    report = ok_json(capsys, "audit", "verify")
    assert report["ok"] is True and report["entries"] >= 5
    with sqlite3.connect(db_path(files / "data")) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("UPDATE audit_log SET user_login = 'mallory' WHERE seq = 2")
    code, out, err = run(capsys, "audit", "verify")
    assert code == 3 and "篡改" in err and "第2条" in err
    code, out, _ = run(capsys, "audit", "verify", "--json")
    assert code == 3 and json.loads(out)["ok"] is False and json.loads(out)["seq"] == 2


# ---- bad input: exit 2, a Chinese message, nothing changed ------------------------------------

BAD_APPLICANTS = {
    "wrong_check_digit": ENTERPRISE | {"credit_code": "91350100M000100Y44"},
    "long_name": PERSON | {"name": "张" * 10_000},
    "control_chars": PERSON | {"name": "张\x00伟"},
    "zero_width": PERSON | {"name": "张\u200b伟"},
    "bad_id_check": PERSON | {"id_number": "110105194912310021"},
}


def _bad_cases(files: Path) -> dict:
    not_json = files / "not_json.json"
    not_json.write_text("{\"kind\": \"person\", name", encoding="utf-8")
    binary = files / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for key, data in BAD_APPLICANTS.items():
        write_json(files / f"{key}.json", data)
    sp = ("accept", "--user", "clerk", "--matter", "T-SP", "--applicant", files / "enterprise.json")
    return {
        "wrong_password": ((*sp, "--received", "M01,M02,M03,M04"), {"WORKSTATION_PASSWORD": "wrong-pass"},
                           "用户名或密码错误"),
        "unknown_user": (("accept", "--user", "nobody", "--matter", "T-SP", "--applicant",
                          files / "enterprise.json", "--received", "M01,M02,M03,M04"), {},
                         "用户名或密码错误"),
        "missing_user": (("accept", "--matter", "T-SP", "--applicant", files / "enterprise.json",
                          "--received", "M01,M02,M03,M04"), {}, "--user"),
        "unknown_matter": (("accept", "--user", "clerk", "--matter", "NOPE", "--applicant",
                            files / "enterprise.json", "--received", "M01"), {}, "没有事项编码"),
        "applicant_not_json": (("accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                                not_json, "--received", "M01,M02,M03,M04"), {}, "不是有效的 UTF-8 JSON"),
        "applicant_binary": (("accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                              binary, "--received", "M01,M02,M03,M04"), {}, "不是有效的 UTF-8 JSON"),
        "applicant_missing_file": (("accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                                    files / "nowhere.json", "--received", "M01,M02,M03,M04"), {},
                                   "找不到申请人文件"),
        "wrong_check_digit": (("accept", "--user", "clerk", "--matter", "T-SP", "--applicant",
                               files / "wrong_check_digit.json", "--received", "M01,M02,M03,M04"), {},
                              "校验位错误"),
        "bad_id_check": (("accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
                          files / "bad_id_check.json", "--received", "M01,M02"), {}, "校验位错误"),
        "long_name": (("accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
                       files / "long_name.json", "--received", "M01,M02"), {}, "过长"),
        "control_chars": (("notify", "--user", "clerk", "--matter", "T-GT", "--applicant",
                           files / "control_chars.json", "--received", "M01"), {}, "控制字符"),
        "zero_width": (("refuse", "--user", "clerk", "--matter", "T-GT", "--applicant",
                        files / "zero_width.json", "--reason", "不属于本机关职权", "--basis", "第三十二条"),
                       {}, "控制字符"),
        "impossible_promise_date": ((*sp, "--received", "M01,M02,M04", "--promise", "M03=2026-02-30"),
                                    {}, "不是存在的 YYYY-MM-DD 日期"),
        "promise_past_limit": ((*sp, "--received", "M01,M02,M04", "--promise", "M03=2026-10-14"), {},
                               "晚于事项承诺时限"),
        "promise_not_tolerable": ((*sp, "--received", "M01,M03,M04", "--promise", "M02=2026-10-09"), {},
                                  "不允许容缺"),
        "promise_badly_written": ((*sp, "--received", "M01,M02,M04", "--promise", "M03"), {},
                                  "材料编码=内容"),
        "missing_material": ((*sp, "--received", "M01,M02"), {}, "一次性告知"),
        "unknown_material": ((*sp, "--received", "M01,M02,M03,M04,M99"), {}, "M99"),
        "approve_now_without_right_kind": ((*sp, "--received", "M01,M02,M03,M04", "--approve-now"), {},
                                           "承诺件"),
        "role_without_right": (("accept", "--user", "approver", "--matter", "T-SP", "--applicant",
                                files / "enterprise.json", "--received", "M01,M02,M03,M04"), {},
                               "没有“受理”的权限"),
        "refuse_without_reason": (("refuse", "--user", "clerk", "--matter", "T-GT", "--applicant",
                                   files / "person.json", "--reason", "  ", "--basis", "第三十二条"), {},
                                  "理由不能为空"),
        "unknown_option": ((*sp, "--received", "M01,M02,M03,M04", "--bogus"), {}, "命令参数有误"),
        "unknown_command": (("frobnicate",), {}, "命令参数有误"),
        "missing_required_option": (("accept", "--user", "clerk", "--matter", "T-SP"), {},
                                    "--applicant"),
        "bad_today": ((*sp, "--received", "M01,M02,M03,M04"), {"WORKSTATION_TODAY": "2026-02-30"},
                      "WORKSTATION_TODAY"),
    }


BAD_CASE_IDS = ["wrong_password", "unknown_user", "missing_user", "unknown_matter",
                "applicant_not_json", "applicant_binary", "applicant_missing_file",
                "wrong_check_digit", "bad_id_check", "long_name", "control_chars", "zero_width",
                "impossible_promise_date", "promise_past_limit", "promise_not_tolerable",
                "promise_badly_written", "missing_material", "unknown_material",
                "approve_now_without_right_kind", "role_without_right", "refuse_without_reason",
                "unknown_option", "unknown_command", "missing_required_option", "bad_today"]


@pytest.mark.parametrize("case", BAD_CASE_IDS)
def test_bad_input_exits_2_in_chinese_and_changes_nothing(files, capsys, monkeypatch, case):
    accept_sp(capsys, files)              # something in the database to keep intact
    argv, environment, fragment = _bad_cases(files)[case]
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    before = snapshot(db_path(files / "data"))
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert out == ""
    assert err.startswith("错误：") and CHINESE.search(err)
    assert fragment in err
    assert "Traceback" not in err
    assert snapshot(db_path(files / "data")) == before


def test_bad_catalog_file_kinds(cli, capsys, tmp_path):
    before = snapshot(db_path(cli))
    for argv, fragment in [
        (("catalog", "import", tmp_path / "missing.json", "--user", "admin"), "找不到文件"),
        (("catalog", "import", tmp_path, "--user", "admin"), "是文件夹"),
        (("catalog", "import", DATA / "catalog_small.json"), "--user"),
    ]:
        code, _, err = run(capsys, *argv)
        assert code == 2 and fragment in err, err
    assert snapshot(db_path(cli)) == before


def test_commands_before_init_say_so(env, capsys):
    code, _, err = run(capsys, "list", "--user", "clerk")
    assert code == 2 and CHINESE.search(err)
    code, _, err = run(capsys, "user", "add", "admin", "--name", "管理员", "--role", "admin")
    assert code == 2 and "尚未初始化" in err


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
    assert snapshot(db_path(data_dir)) == before

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


# ---- the case clock -------------------------------------------------------------------------

def test_case_clock_commands(files, capsys, monkeypatch):
    case_id = accept_sp(capsys, files)["case_ids"][0]
    assert ok_json(capsys, "case", "review", case_id, "--user", "approver")["status"] == "reviewing"
    monkeypatch.setenv("WORKSTATION_TODAY", "2026-10-08")
    out = ok_json(capsys, "case", "suspend", case_id, "--reason", "检验检测", "--user", "approver")
    assert out["status"] == "suspended" and out["due_date"] is None
    monkeypatch.setenv("WORKSTATION_TODAY", "2026-10-12")
    out = ok_json(capsys, "case", "resume", case_id, "--user", "approver")
    assert out["due_date"] == "2026-10-16"
    before = snapshot(db_path(files / "data"))
    for argv, fragment in [
        (("case", "extend", case_id, "--days", "5", "--reason", "x", "--user", "clerk"), "没有“延长时限”的权限"),
        (("case", "resume", case_id, "--user", "approver"), "不能直接变为"),
        (("case", "suspend", "f" * 32, "--reason", "x", "--user", "approver"), "找不到案件"),
        (("case", "extend", case_id, "--days", "ten", "--reason", "x", "--user", "approver"), "命令参数有误"),
    ]:
        code, out, err = run(capsys, *argv)
        assert code == 2 and fragment in err and out == ""
    assert snapshot(db_path(files / "data")) == before


# ---- seals, documents and verification --------------------------------------------------------

def test_accept_issues_signed_documents_and_verify_says_so(files, capsys):
    out = accept_sp(capsys, files)
    assert out["documents_pending"] is False
    paths = [d["path"] for d in out["documents"]]
    assert len(paths) == 2 and all(Path(p).exists() for p in paths)
    verdict = ok_json(capsys, "verify", paths[0])
    assert verdict["valid"] and verdict["receipt_no"] == out["receipt_no"]
    assert verdict["seal"].endswith("行政审批专用章") and verdict["signed_at"]


def test_verify_exit_codes(files, capsys, tmp_path):
    path = accept_sp(capsys, files)["documents"][0]["path"]
    forged = tmp_path / "forged.docx"
    forged.write_bytes(edit_docx(Path(path).read_bytes(), "好味道", "好滋味"))
    code, stdout, err = run(capsys, "verify", forged, "--json")
    assert code == 3 and json.loads(stdout)["valid"] is False and "被改动" in stdout
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"junk" * 10)
    for argv in (("verify", junk), ("verify", tmp_path / "none.docx"), ("verify", "--image", junk),
                 ("verify",), ("verify", forged, "--image", junk)):
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and CHINESE.search(err) and stdout == ""


def test_seal_commands(cli, capsys, monkeypatch, tmp_path):
    listed = ok_json(capsys, "seal", "list")["seals"]
    assert [s["category"] for s in listed] == ["受理"]        # made by init
    made = ok_json(capsys, "seal", "create", "--user", "admin", "--name", "西安市新城区行政审批服务局社会民生专用章",
                   "--category", "社会民生", "--algorithm", "sm2")
    assert made["algorithm"] == "sm2" and made["status"] == "active"
    before = snapshot(db_path(cli))
    bad_png = tmp_path / "bad.png"
    bad_png.write_bytes(b"not a picture")
    for argv, fragment in [
        (("seal", "create", "--user", "clerk", "--name", "章章", "--category", "受理", "--algorithm", "sm2"),
         "没有“管理电子印章”的权限"),
        (("seal", "create", "--user", "admin", "--name", "章章", "--category", "外星", "--algorithm", "sm2"),
         "印章类别"),
        (("seal", "create", "--user", "admin", "--name", "章章", "--category", "受理", "--algorithm", "rsa"),
         "签名算法"),
        (("seal", "create", "--user", "admin", "--name", "章章", "--category", "受理", "--algorithm", "sm2",
          "--image", bad_png), "印章图片"),
        (("seal", "revoke", "S-nope", "--reason", "x", "--user", "admin"), "没有编号"),
    ]:
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and fragment in err, err
    assert snapshot(db_path(cli)) == before
    ok(capsys, "seal", "revoke", made["id"], "--reason", "图样变更", "--user", "admin")
    assert ok_json(capsys, "seal", "list")["seals"][1]["status"] == "revoked"


def test_approve_and_deny_commands(files, capsys, monkeypatch):
    ok(capsys, "seal", "create", "--user", "admin", "--name", "西安市新城区行政审批服务局社会民生专用章",
       "--category", "社会民生", "--algorithm", "ecdsa-p256")
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    ok(capsys, "user", "add", "min", "--name", "民审", "--role", "approver", "--categories", "社会民生",
       "--user", "admin")
    cases = [accept_sp(capsys, files)["case_ids"][0] for _ in range(3)]
    out = ok_json(capsys, "approve", cases[0], "--user", "min")
    assert out["done"] == 1 and out["failed"] == [] and len(out["documents"]) == 1
    out = ok_json(capsys, "deny", cases[1], "--reason", "经营场所与申报不符", "--user", "min")
    assert out["status"] == "denied" and Path(out["document"]["path"]).exists()
    out = ok_json(capsys, "approve", "--all-pending", "--category", "社会民生", "--user", "min")
    assert out["total"] == 1 and out["done"] == 1
    assert ok_json(capsys, "approve", "--all-pending", "--user", "min")["total"] == 0
    before = snapshot(db_path(files / "data"))
    for argv, fragment in [
        (("approve", "--user", "min"), "三者选一"),
        (("approve", cases[0], "--all-pending", "--user", "min"), "三者选一"),
        (("approve", cases[0], "--category", "社会民生", "--user", "min"), "--category"),
        (("approve", "f" * 32, "--user", "min"), "找不到案件"),
        (("deny", cases[2], "--reason", "", "--user", "min"), "理由不能为空"),
        (("approve", cases[2], "--user", "clerk"), "没有“审批”的权限"),
        (("approve", "--resume", "nope", "--user", "min"), "找不到批量任务"),
    ]:
        code, stdout, err = run(capsys, *argv)
        assert code == 2 and fragment in err, (argv, err)
    assert snapshot(db_path(files / "data")) == before


def test_user_password_lets_a_user_from_the_centre_log_in(cli, capsys, monkeypatch):
    """A user published by the centre arrives without a password; an admin sets one."""
    from workstation.services.sync.incoming import apply_user
    from workstation.services.auth import login
    from workstation.services.context import Workstation
    from workstation.services.errors import AuthenticationFailed

    ws = Workstation(cli).open()
    try:
        with ws.transaction() as s:
            apply_user(ws, s, {"key": "newbie", "data": {"name": "新人", "role": "clerk"}})
        with pytest.raises(AuthenticationFailed):
            login(ws, "newbie", "")
    finally:
        ws.close()
    before = snapshot(db_path(cli))
    good = "a-good-password-1"
    for password, argv, fragment in [
        ("short", ("user", "password", "newbie", "--user", "admin"), "密码至少"),
        ("", ("user", "password", "newbie", "--user", "admin"), "WORKSTATION_NEW_PASSWORD"),
        ("x" * 10_000, ("user", "password", "newbie", "--user", "admin"), "密码最多"),
        (good, ("user", "password", "nobody", "--user", "admin"), "没有登录名"),
        (good, ("user", "password", "x\x00y", "--user", "admin"), "登录名"),
        (good, ("user", "password", "n" * 10_000, "--user", "admin"), "登录名"),
        (good, ("user", "password", "newbie", "--user", "clerk"), "权限"),
    ]:
        monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", password)
        code, _, err = run(capsys, *argv)
        assert code == 2 and fragment in err, (argv[:3], err)
    assert snapshot(db_path(cli)) == before
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", "a-good-password-1")
    assert ok_json(capsys, "user", "password", "newbie", "--user", "admin") == {"login": "newbie"}
    ws = Workstation(cli).open()
    try:
        assert login(ws, "newbie", "a-good-password-1").role == "clerk"
    finally:
        ws.close()


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_reader_that_goes_away_gets_no_traceback(cli, buffered):
    """`workstation … --json | head -c1`: the pipe closes under the command; it ends
    quietly, without the 内部错误 traceback meant for real faults. Buffered (Python's
    default for a pipe), the few kilobytes wait until stdout is flushed: at interpreter
    exit, that would be "Exception ignored … BrokenPipeError" and exit 120."""
    read, write = os.pipe()
    os.close(read)                   # the reader is already gone
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["WORKSTATION_DATA_DIR"] = str(cli)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    out = subprocess.run([sys.executable, "-m", "workstation", "catalog", "list", "--json"],
                         stdout=write, stderr=subprocess.PIPE, env=env, timeout=60, text=True)
    os.close(write)
    assert out.returncode == 1 and "内部错误" not in out.stderr and "Traceback" not in out.stderr, out.stderr


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
