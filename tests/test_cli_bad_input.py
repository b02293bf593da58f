"""Bad input to the command line: exit 2, a Chinese message on stderr, nothing changed."""

from pathlib import Path

import pytest

from .conftest import DATA, ENTERPRISE, PERSON
from .helpers import besides_a_failed_login, snapshot
from .cli_support import CHINESE, accept_sp, db_path, run, write_json
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)


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
    if case in ("wrong_password", "unknown_user"):      # a wrong password is counted and audited
        assert besides_a_failed_login(before, snapshot(db_path(files / "data")))
    else:
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
