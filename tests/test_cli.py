"""The command line's contract: commands, options, JSON keys and exit codes, driven
in-process through `workstation.cli.main` (bad input, real processes and documents
have files of their own)."""

import json
import re
import sqlite3
from pathlib import Path

import pytest

from .conftest import DATA, ENTERPRISE, PASSWORD, PERSON
from .helpers import snapshot
from .cli_support import (CALENDAR_2027, CHINESE, INIT, NEW_PASSWORD, RESULT_KEYS, accept_sp, db_path, ok, ok_json,
                          run, write_json)
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)


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
