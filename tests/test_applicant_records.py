"""Records keep what was true when they were made (issue 16, finding 10): each
acceptance keeps the applicant as recorded that day; a returning applicant whose
details differ is refused until the clerk confirms the update, which never rewrites
earlier acceptances, and the old name stays findable."""

import json
import re
import sqlite3
import zipfile

import pytest

from workstation.config import Clock
from workstation.services import Workstation
from workstation.services.acceptance import Intake, accept, notify, refuse
from workstation.services.applicants import ApplicantChanged, lookup
from workstation.services.cases import list_cases, search, show
from workstation.services.documents import issue_pending
from workstation.services.seals import SealVault

from .cli_support import db_path, ok_json, run, write_json
from .cli_support import cli, env, files, template  # noqa: F401  (fixtures)
from .conftest import PERSON, TODAY
from .helpers import snapshot

RENAMED = {"name": "张薇", "phone": "13900139000"}   # the same ID number, a changed name


def _docx_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml)


def _outbox_applicant(ws, receipt_no: str) -> dict:
    with sqlite3.connect(ws.db.path) as conn:
        for (payload,) in conn.execute("SELECT payload FROM outbox WHERE kind LIKE 'acceptance.%'"):
            data = json.loads(payload)
            if data["receipt_no"] == receipt_no:
                return data["applicant"]
    raise AssertionError(f"no acceptance event for {receipt_no}")


def test_a_later_acceptance_under_another_name_leaves_earlier_cases_alone(ws, clerk, person):
    """The finding: the earlier receipt's show, search row and re-issued notice said the
    new name; its sealed notice said the old one."""
    first = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))   # documents left pending
    second = accept(ws, clerk, Intake(["T-GT"], person | RENAMED, ["M01", "M02"],
                                      update_applicant=True))

    assert show(ws, clerk, first.receipt_no)["applicant"]["name"] == "张伟"
    assert show(ws, clerk, first.receipt_no)["applicant"]["phone"] == person["phone"]
    assert show(ws, clerk, second.receipt_no)["applicant"]["name"] == "张薇"
    assert {r.receipt_no: r.applicant_name for r in list_cases(ws, clerk)} == {
        first.receipt_no: "张伟", second.receipt_no: "张薇"}
    # The applicant is found under both names; each row says what its acceptance recorded.
    for query in ("张伟", "张薇", "张", person["id_number"]):
        rows = {r.receipt_no: r.applicant_name for r in search(ws, clerk, query)}
        assert rows == {first.receipt_no: "张伟", second.receipt_no: "张薇"}, query
    assert {r.applicant_name for r in search(ws, clerk, first.receipt_no)} == {"张伟"}
    # The notice of the earlier acceptance, issued only now, says what it said that day.
    issued = issue_pending(ws, clerk, first.receipt_no, SealVault())
    notice = next(d for d in issued if d["kind"] == "受理通知书")
    text = _docx_text(notice["path"])
    assert "张伟" in text and "张薇" not in text and person["phone"] in text
    later = next(d for d in issue_pending(ws, clerk, second.receipt_no, SealVault())
                 if d["kind"] == "受理通知书")
    assert "张薇" in _docx_text(later["path"])
    # What goes to the centre is each acceptance's own record.
    assert _outbox_applicant(ws, first.receipt_no)["name"] == "张伟"
    assert _outbox_applicant(ws, second.receipt_no)["name"] == "张薇"
    # The current record is today's.
    assert lookup(ws, person["id_number"])["name"] == "张薇"


@pytest.mark.parametrize("outcome", ["accept", "notify", "refuse"])
def test_different_details_are_refused_until_confirmed_and_nothing_changes(ws, clerk, person, outcome):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    before = snapshot(ws.db.path)
    intake = Intake(["T-GT"], person | RENAMED, ["M01"])
    calls = {"accept": lambda i: accept(ws, clerk, Intake(["T-GT"], i.applicant, ["M01", "M02"],
                                                           update_applicant=i.update_applicant)),
             "notify": lambda i: notify(ws, clerk, i),
             "refuse": lambda i: refuse(ws, clerk, i, reason="不属于本机关职权", basis="第三十二条")}
    with pytest.raises(ApplicantChanged) as caught:
        calls[outcome](intake)
    assert [(c.field, c.old, c.new) for c in caught.value.changes] == [
        ("name", "张伟", "张薇"), ("phone", "13800138000", "13900139000")]
    assert "姓名：张伟 → 张薇" in str(caught.value) and caught.value.field == "name"
    assert snapshot(ws.db.path) == before
    intake.update_applicant = True
    result = calls[outcome](intake)
    assert show(ws, clerk, result.receipt_no)["applicant"]["name"] == "张薇"


def test_what_counts_as_a_difference(ws, clerk, person, enterprise):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    # The same details, or a field left blank (what we knew is kept): no question asked.
    same = accept(ws, clerk, Intake(["T-GT"], person | {"address": ""}, ["M01", "M02"]))
    assert show(ws, clerk, same.receipt_no)["applicant"]["address"] == person["address"]
    # A new legal representative named without an ID number clears the old one's: shown.
    rep = enterprise | {"legal_rep_id": "11010519491231002X"}
    accept(ws, clerk, Intake(["T-SP"], rep, ["M01", "M02", "M03", "M04"]))
    with pytest.raises(ApplicantChanged) as caught:
        accept(ws, clerk, Intake(["T-SP"], enterprise | {"legal_rep": "王强"}, ["M01", "M02", "M03", "M04"]))
    assert [(c.label, c.old, c.new) for c in caught.value.changes] == [
        ("法定代表人", "李娜", "王强"), ("法定代表人身份证号", "11010519491231002X", "")]


def test_a_confirmed_update_is_audited_without_the_id_number(ws, clerk, person):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    second = accept(ws, clerk, Intake(["T-GT"], person | RENAMED, ["M01", "M02"], update_applicant=True))
    with sqlite3.connect(ws.db.path) as conn:
        rows = conn.execute("SELECT user_login, target, detail FROM audit_log "
                            "WHERE action = 'applicant.update'").fetchall()
    assert len(rows) == 1
    user, target, detail = rows[0]
    assert user == "clerk" and target.isdigit()
    assert json.loads(detail) == {"receipt_no": second.receipt_no, "fields": ["name", "phone"]}
    assert person["id_number"] not in detail


def test_existing_acceptances_are_migrated_with_the_applicant_of_the_time(tmp_path, ws, clerk, person,
                                                                          enterprise):
    """A terminal on schema 0010 with acceptances in it: after the upgrade each
    acceptance holds its applicant's record, and a later rename leaves it alone."""
    from alembic import command

    from workstation.store.db import _alembic_config, head_revision

    a = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    b = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    command.downgrade(_alembic_config(ws.db.engine), "0010")
    with sqlite3.connect(ws.db.path) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info('acceptances')")}
    assert "applicant_name" not in columns
    data_dir = ws.data_dir
    ws.close()
    again = Workstation(data_dir, Clock(TODAY)).open()
    assert again.db.schema_revision() == head_revision()
    assert show(again, clerk, a.receipt_no)["applicant"] == {
        "kind": "person", "name": "张伟", "id_type": "id_card", "id_number": person["id_number"],
        "legal_rep": "", "phone": person["phone"], "address": person["address"]}
    assert show(again, clerk, b.receipt_no)["applicant"]["legal_rep"] == "李娜"
    later = accept(again, clerk, Intake(["T-GT"], person | RENAMED, ["M01", "M02"],
                                        update_applicant=True))
    assert show(again, clerk, a.receipt_no)["applicant"]["name"] == "张伟"
    assert {r.receipt_no for r in search(again, clerk, "张伟")} == {a.receipt_no, later.receipt_no}
    again.close()


# ---- the command line ---------------------------------------------------------------------------



def _accept_cli(capsys, files, applicant, *extra):
    return run(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant", applicant,
               "--received", "M01,M02", *extra)


def test_cli_refuses_changed_details_until_update_applicant(capsys, files):
    first = ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
                    files / "person.json", "--received", "M01,M02")
    renamed = write_json(files / "renamed.json", PERSON | RENAMED)
    before = snapshot(db_path(files / "data"))
    code, out, err = _accept_cli(capsys, files, renamed)
    assert code == 2 and out == ""
    assert "姓名：张伟 → 张薇" in err and "联系电话：13800138000 → 13900139000" in err
    assert "--update-applicant" in err
    assert snapshot(db_path(files / "data")) == before
    code, out, err = _accept_cli(capsys, files, renamed, "--update-applicant", "--json")
    assert code == 0, err
    second = json.loads(out)
    assert ok_json(capsys, "show", "--user", "clerk", first["receipt_no"])["applicant"]["name"] == "张伟"
    assert ok_json(capsys, "show", "--user", "clerk", second["receipt_no"])["applicant"]["name"] == "张薇"
    found = ok_json(capsys, "search", "--user", "clerk", "张伟")
    assert {c["receipt_no"]: c["applicant"] for c in found["cases"]} == {
        first["receipt_no"]: "张伟", second["receipt_no"]: "张薇"}
    # The same details again: no question, with or without the option.
    code, _, err = _accept_cli(capsys, files, renamed)
    assert code == 0, err
    code, _, err = _accept_cli(capsys, files, files / "person.json", "--update-applicant")
    assert code == 0, err


@pytest.mark.parametrize("bad", [("--update-applicant=yes",), ("--update-applicant", "yes"),
                                 ("--update-applicants",)])
def test_cli_bad_update_applicant_option_changes_nothing(capsys, files, bad):
    ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
            files / "person.json", "--received", "M01,M02")
    renamed = write_json(files / "renamed.json", PERSON | RENAMED)
    before = snapshot(db_path(files / "data"))
    code, out, err = _accept_cli(capsys, files, renamed, *bad)
    assert code == 2 and out == ""
    assert "命令参数有误" in err
    assert snapshot(db_path(files / "data")) == before


def test_cli_update_applicant_does_not_excuse_a_bad_applicant(capsys, files):
    ok_json(capsys, "accept", "--user", "clerk", "--matter", "T-GT", "--applicant",
            files / "person.json", "--received", "M01,M02")
    bad = write_json(files / "bad.json", PERSON | {"name": "张\x00薇"})
    before = snapshot(db_path(files / "data"))
    code, _, err = _accept_cli(capsys, files, bad, "--update-applicant")
    assert code == 2 and "控制字符" in err
    assert snapshot(db_path(files / "data")) == before
