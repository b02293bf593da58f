"""`workstation transfer …`: the 材料流转 commands' options, JSON fields and exit codes,
with wrong, empty, huge and hostile input (exit 2, a Chinese message, nothing changed)."""

import pytest

from printing.codes import decode_codes

from .helpers import snapshot
from .cli_support import PASSWORD, cli, db_path, env, files, ok, ok_json, run, template  # noqa: F401

DETAIL = {"id", "number", "station", "terminal", "status", "status_label", "created_by",
          "created_by_name", "created_at", "carrier", "sent_by", "sent_at", "received_by",
          "received_by_name", "received_at", "note", "qr", "cases", "materials", "copies",
          "missing", "items"}
ITEM = {"seq", "case_id", "receipt_no", "matter", "applicant", "materials", "copies", "state",
        "state_label", "note"}


@pytest.fixture
def station(files, capsys, monkeypatch):
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    for login, name, st in (("station", "赵强", "S01"), ("s2", "孙丽", "S02")):
        ok(capsys, "user", "add", login, "--name", name, "--role", "station_clerk", "--station", st,
           "--user", "admin")
    return files


def took_in(capsys, files) -> dict:
    return ok_json(capsys, "accept", "--user", "station", "--matter", "T-SP", "--applicant",
                   files / "enterprise.json", "--received", "M01,M02,M03,M04")


def test_the_whole_way(capsys, station, tmp_path):
    a, b = took_in(capsys, station), took_in(capsys, station)
    pending = ok_json(capsys, "transfer", "pending", "--user", "station")
    assert pending["count"] == 2 and set(pending["cases"][0]) == {
        "case_id", "receipt_no", "matter", "applicant", "status", "status_label", "materials",
        "copies", "accepted_on"}
    slip = ok_json(capsys, "transfer", "create", "--user", "station", a["receipt_no"],
                   b["case_ids"][0])
    assert set(slip) == DETAIL and set(slip["items"][0]) == ITEM
    assert slip["status"] == "packed" and slip["cases"] == 2
    number = slip["number"]
    listed = ok_json(capsys, "transfer", "list", "--user", "station")
    assert listed["count"] == 1 and listed["transfers"][0]["number"] == number
    assert set(listed["transfers"][0]) == {"number", "station", "status", "status_label",
                                           "created_at", "created_by", "carrier", "sent_at",
                                           "received_at", "cases", "materials", "missing"}
    assert ok_json(capsys, "transfer", "list", "--user", "s2")["count"] == 0

    out = ok_json(capsys, "transfer", "slip", number, "--out", tmp_path / "lz.pdf", "--user", "station")
    assert out == {"out": str(tmp_path / "lz.pdf"), "number": number, "pages": 1, "cases": 2}
    found = {c["data"] for c in decode_codes((tmp_path / "lz.pdf").read_bytes())}
    assert number in found and slip["qr"] in found
    scanned = ok_json(capsys, "scan", tmp_path / "lz.pdf", "--user", "clerk")
    assert scanned["found"] and {c["kind"] for c in scanned["codes"]} == {"transfer"}
    assert all(c["transfer_no"] == number for c in scanned["codes"])

    sent = ok_json(capsys, "transfer", "send", "--user", "station", number, "--carrier", "李师傅")
    assert sent["status"] == "sent" and sent["carrier"] == "李师傅"
    got = ok_json(capsys, "transfer", "receive", "--user", "clerk", number, "--missing",
                  b["receipt_no"], "--note", "缺一袋")
    assert got["status"] == "discrepancy" and got["missing"] == 1 and got["note"] == "缺一袋"
    shown = ok_json(capsys, "transfer", "show", number, "--user", "clerk")
    assert [i["state"] for i in shown["items"]] == ["received", "missing"]
    # Human output, too.
    text = ok(capsys, "transfer", "show", number, "--user", "station")
    assert "签收有差异" in text and "缺失" in text and "李师傅" in text
    again = ok_json(capsys, "transfer", "create", "--user", "station", "--all")
    assert again["cases"] == 1 and again["remaining"] == 0
    void = ok_json(capsys, "transfer", "cancel", "--user", "station", again["number"],
                   "--reason", "重新打包")
    assert void["status"] == "cancelled"


def test_bad_input_exits_2_and_changes_nothing(capsys, station, tmp_path):
    a = took_in(capsys, station)
    slip = ok_json(capsys, "transfer", "create", "--user", "station", a["receipt_no"])
    number = slip["number"]
    before = snapshot(db_path(station / "data"))
    bad = [
        (("transfer", "create", "--user", "station"), "二者选一"),
        (("transfer", "create", "--user", "station", a["receipt_no"], "--all"), "二者选一"),
        (("transfer", "create", "--user", "station", a["receipt_no"]), "已列入流转单"),
        (("transfer", "create", "--user", "station", "张" * 100_000), "过长"),
        (("transfer", "create", "--user", "station", "61\u202e01"), "控制字符"),
        (("transfer", "create", "--user", "clerk", a["receipt_no"]), "只签收"),
        (("transfer", "create", "--user", "s2", a["receipt_no"]), "找不到"),
        (("transfer", "create", a["receipt_no"]), "--user"),
        (("transfer", "send", "--user", "station", number), "--carrier"),
        (("transfer", "send", "--user", "station", number, "--carrier", ""), "不能为空"),
        (("transfer", "send", "--user", "station", number, "--carrier", "张" * 51), "过长"),
        (("transfer", "send", "--user", "s2", number, "--carrier", "王五"), "本机没有"),
        (("transfer", "receive", "--user", "clerk", number), "尚未交接出站"),
        (("transfer", "receive", "--user", "station", number), "不能签收"),
        (("transfer", "receive", "--user", "clerk", "LZ-garbage"), "不是材料流转单编号"),
        (("transfer", "receive", "--user", "clerk", ""), "请输入"),
        (("transfer", "show", number, "--user", "s2"), "本机没有"),
        (("transfer", "show", "LZ-" + "9" * 5000, "--user", "clerk"), "过长"),
        (("transfer", "list", "--user", "clerk", "--status", "lost"), "未知的流转单状态"),
        (("transfer", "slip", number, "--out", tmp_path / "x.txt", "--user", "station"), ".pdf"),
        (("transfer", "slip", number, "--out", tmp_path / "no" / "x.pdf", "--user", "station"),
         "输出目录不存在"),
        (("transfer", "cancel", "--user", "station", number), "--reason"),
        (("transfer",), "命令参数有误"),
    ]
    for argv, fragment in bad:
        code, out, err = run(capsys, *argv)
        assert code == 2, (argv, code, err)
        assert fragment in err, (argv, err)
        assert err.startswith(("错误：", "错误：命令参数有误")) and out == ""
    assert snapshot(db_path(station / "data")) == before
    assert not (tmp_path / "x.txt").exists()
