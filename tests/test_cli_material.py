"""`workstation material …`: JSON shapes, Chinese messages and exit codes 0/2/3."""

import json
import os
import re

import pytest

from workstation.cli import main
from workstation.services.acceptance import Intake, accept

from .conftest import PASSWORD
from .helpers import snapshot
from .material_samples import colour_page, encrypted_pdf, pdf_with_pages, write

CHINESE = re.compile(r"[\u4e00-\u9fff]")
PAGE_KEYS = {"id", "seq", "sha256", "mime", "size", "width", "height", "dpi", "rotation", "source",
             "captured_by", "captured_at", "path", "file"}
MATERIAL_KEYS = {"code", "name", "form", "required", "state", "state_label", "pages", "page_count",
                 "check_state", "check_label", "checked_by", "checked_at", "check_note", "valid_until",
                 "reused_from"}


@pytest.fixture
def cli(ws, monkeypatch, capsys):
    for key in list(os.environ):
        if key.startswith("WORKSTATION_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKSTATION_TODAY", "2026-09-30")

    def run(*argv):
        code = main(["--data-dir", str(ws.data_dir), *map(str, argv)])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def case_id(ws, clerk, person):
    return accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]


def test_add_list_check_export(cli, ws, case_id, tmp_path):
    a = write(tmp_path / "a.jpg", colour_page(400, 600))
    b = write(tmp_path / "b.pdf", pdf_with_pages([(595, 842), (842, 595)]))
    code, out, err = cli("material", "add", "--user", "clerk", case_id, "M02", a, b,
                         "--valid-until", "2030-01-01", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert set(added) == MATERIAL_KEYS and added["page_count"] == 3 and added["valid_until"] == "2030-01-01"
    assert all(set(p) == PAGE_KEYS for p in added["pages"])

    code, out, err = cli("material", "list", case_id, "--user", "clerk", "--json")
    listed = json.loads(out)
    assert code == 0 and listed["case_id"] == case_id and listed["receipt_no"]
    assert [m["code"] for m in listed["materials"]] == ["M01", "M02", "M03"]
    assert listed["materials"][1] == added

    code, out, err = cli("material", "check", "--user", "clerk", case_id, "M02", "--defect", "第2页缺角", "--json")
    assert code == 0 and json.loads(out)["check_label"] == "有缺陷"
    code, out, err = cli("material", "check", "--user", "clerk", case_id, "M02", "--ok")
    assert code == 0 and "已核验" in out

    code, out, err = cli("material", "export", case_id, "--out", tmp_path / "out", "--user", "clerk", "--json")
    data = json.loads(out)
    assert code == 0 and data["files"][0]["pages"] == 3 and os.path.exists(data["files"][0]["path"])

    code, out, err = cli("material", "verify", "--user", "clerk", "--json")
    assert code == 0 and json.loads(out)["ok"]
    first = ws.data_dir / added["pages"][0]["path"]
    first.write_bytes(first.read_bytes()[:-10] + b"0123456789")
    code, out, err = cli("material", "verify", case_id, "--user", "clerk")
    assert code == 3 and "已被改动" in err


def test_bad_input_exits_2_with_a_chinese_message_and_changes_nothing(cli, ws, case_id, tmp_path):
    before = snapshot(ws.db.path)
    fake = write(tmp_path / "id.jpg", "只是文字".encode() * 50)
    for argv in [("material", "add", "--user", "clerk", case_id, "M02", fake),
                 ("material", "add", "--user", "clerk", case_id, "M02", write(tmp_path / "x.pdf", encrypted_pdf())),
                 ("material", "add", "--user", "clerk", case_id, "M02", tmp_path / "missing.png"),
                 ("material", "add", "--user", "clerk", case_id, "M99", fake),
                 ("material", "add", "--user", "approver", case_id, "M02", fake),
                 ("material", "add", case_id, "M02", fake),                               # no --user
                 ("material", "list", "f" * 32, "--user", "clerk"),
                 ("material", "list", case_id, "--user", "station"),                     # another station
                 ("material", "check", "--user", "clerk", case_id, "M02", "--ok", "--defect", "x"),
                 ("material", "check", "--user", "clerk", case_id, "M02", "--ok"),      # no pages yet
                 ("material", "rotate", "--user", "clerk", case_id, "M02", "1", "--degrees", "45"),
                 ("material", "export", case_id, "--out", tmp_path / "o", "--user", "clerk"),
                 ("material", "add", "--user", "clerk", case_id, "M02", fake, "--valid-until", "2030-02-30")]:
        code, out, err = cli(*argv)
        assert code == 2, (argv, out, err)
        assert CHINESE.search(err) and out == "", (argv, err)
    assert snapshot(ws.db.path) == before


def test_reuse_lists_then_links(cli, ws, clerk, person, case_id, tmp_path):
    cli("material", "add", "--user", "clerk", case_id, "M02", write(tmp_path / "a.jpg", colour_page(300, 400)))
    second = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    code, out, err = cli("material", "reuse", "--user", "clerk", second, "--json")
    offers = json.loads(out)
    assert code == 0 and offers["count"] == 1
    assert set(offers["offers"][0]) == {"material", "source_id", "case_id", "receipt_no", "name", "pages",
                                        "valid_until", "check_state", "captured_on"}
    code, out, err = cli("material", "reuse", "--user", "clerk", second, "M02", "--from",
                         offers["offers"][0]["source_id"], "--json")
    assert code == 0 and json.loads(out)["reused_from"]["case_id"] == case_id
    code, out, err = cli("material", "reuse", "--user", "clerk", second, "M02", "--from", "99999")
    assert code == 2 and "已有电子页面" in err


def test_pages_edited_from_the_command_line(cli, case_id, tmp_path):
    code, out, _ = cli("material", "add", "--user", "clerk", case_id, "M02",
                       write(tmp_path / "a.pdf", pdf_with_pages([(595, 842)] * 3)), "--json")
    ids = [p["id"] for p in json.loads(out)["pages"]]
    code, out, err = cli("material", "reorder", "--user", "clerk", case_id, "M02", ids[2], ids[1], ids[0], "--json")
    assert code == 0 and [p["id"] for p in json.loads(out)["pages"]] == ids[::-1]
    code, out, err = cli("material", "rotate", "--user", "clerk", case_id, "M02", ids[0], "--degrees", "-90", "--json")
    assert code == 0 and json.loads(out)["pages"][2]["rotation"] == 270
    code, out, err = cli("material", "delete", "--user", "clerk", case_id, "M02", ids[1], "--json")
    assert code == 0 and json.loads(out)["page_count"] == 2
