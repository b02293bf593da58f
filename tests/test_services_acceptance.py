"""The four outcomes of the counter, on a real SQLite file."""

from datetime import date

import pytest

from workstation.domain.errors import DomainError
from workstation.services import PermissionDenied
from workstation.services.acceptance import Intake, accept, notify, refuse
from workstation.services.auth import login
from workstation.services.cases import search, show

from .conftest import PASSWORD
from .helpers import snapshot


def test_accept_gives_receipt_due_dates_documents(ws, clerk, enterprise):
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    assert result.receipt_no == "610102202609300010001"
    assert result.status == "accepted"
    # 2026-09-30 + 5 working days across the National Day holiday and the 10-10 make-up day.
    assert result.due_date == date(2026, 10, 13)
    assert result.statutory_due_date == date(2026, 11, 3)
    assert not result.provisional
    kinds = [d["kind"] for d in result.documents]
    assert kinds == ["受理通知书", "材料接收凭证"]
    assert result.documents[0]["number"] == "新城审受字〔2026〕第100001号"
    data = show(ws, clerk, result.receipt_no)
    assert data["applicant"]["name"] == enterprise["name"]
    assert [m["state"] for m in data["cases"][0]["materials"]] == ["received"] * 4


def test_receipt_numbers_are_gap_free_per_day(ws, clerk, person, enterprise):
    numbers = [accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"])).receipt_no
               for _ in range(3)]
    assert numbers == [f"61010220260930001000{i}" for i in (1, 2, 3)]


def test_bundle_is_one_acceptance_many_cases(ws, clerk, enterprise):
    result = accept(ws, clerk, Intake(["B-CY"], enterprise, ["M01", "M02", "M03", "M04", "M05"]))
    assert len(result.cases) == 2
    assert {c["matter_code"] for c in result.cases} == {"T-SP", "T-WS"}
    assert len(search(ws, clerk, result.receipt_no)) == 2
    # The bundle is done when its slowest matter is: 10 working days for T-WS.
    assert result.due_date == date(2026, 10, 20)


def test_tolerated_acceptance_records_promises(ws, clerk, enterprise):
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M04"],
                                      promises={"M03": date(2026, 10, 12)}))
    assert result.status == "tolerated"
    assert [d["kind"] for d in result.documents][:2] == ["容缺受理通知书", "容缺受理承诺书"]
    mats = {m["code"]: m for m in show(ws, clerk, result.receipt_no)["cases"][0]["materials"]}
    assert mats["M03"]["state"] == "promised" and mats["M03"]["promise_date"] == "2026-10-12"


@pytest.mark.parametrize("received,promises,fragment", [
    (["M01", "M03", "M04"], {"M02": date(2026, 10, 9)}, "不允许容缺"),
    (["M01", "M02", "M04"], {"M03": date(2026, 10, 14)}, "晚于事项承诺时限"),
    (["M01", "M02", "M04"], {"M03": date(2026, 9, 30)}, "应晚于今天"),
    (["M01", "M02"], {}, "一次性告知"),
    (["M01", "M02", "M03", "M04", "M99"], {}, "M99"),
])
def test_bad_acceptance_changes_nothing(ws, clerk, enterprise, received, promises, fragment):
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError, match=fragment):
        accept(ws, clerk, Intake(["T-SP"], enterprise, received, promises=promises))
    assert snapshot(ws.db.path) == before


@pytest.mark.parametrize("change,fragment", [
    ({"credit_code": "91350100M000100Y44"}, "校验位"),
    ({"credit_code": "91350100M000100Y4Z"}, "不使用I、O、Z"),
    ({"credit_code": "91350100M000100Y4"}, "18位"),
    ({"name": ""}, "不能为空"),
    ({"name": "公" * 10_000}, "过长"),
    ({"name": "好味道\x00公司"}, "控制字符"),
    ({"legal_rep": "\u200b"}, "控制字符"),
    ({"phone": "1380013800"}, "不是有效"),
    ({"kind": "robot"}, "kind"),
    ({"evil": "1"}, "未知字段"),
])
def test_bad_applicant_changes_nothing(ws, clerk, enterprise, change, fragment):
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError, match=fragment):
        accept(ws, clerk, Intake(["T-SP"], enterprise | change, ["M01", "M02", "M03", "M04"]))
    assert snapshot(ws.db.path) == before


def test_unknown_matter_and_wrong_applicant_kind(ws, clerk, person, enterprise):
    with pytest.raises(DomainError, match="没有事项编码"):
        accept(ws, clerk, Intake(["NOPE"], person, ["M01"]))
    with pytest.raises(DomainError, match="不受理自然人"):
        accept(ws, clerk, Intake(["T-WS"], person, ["M01", "M02", "M05"]))
    with pytest.raises(DomainError, match="请选择"):
        accept(ws, clerk, Intake([], person, ["M01"]))


def test_ineligible_applicant_cannot_get_tolerance(ws, clerk, admin, enterprise):
    from workstation.services.applicants import set_ineligible

    accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    set_ineligible(ws, admin, enterprise["credit_code"], "2026年列入经营异常名录")
    with pytest.raises(DomainError, match="不符合容缺受理条件"):
        accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M04"],
                                 promises={"M03": date(2026, 10, 12)}))
    # A full set of materials is still accepted normally.
    assert accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"])).status == "accepted"


def test_notify_lists_everything_at_once(ws, clerk, enterprise):
    result = notify(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02"],
                                      defects={"M02": "复印件模糊，无法辨认"}))
    assert result.status == "notified"
    assert result.due_date is None
    mats = {m["code"]: m for m in show(ws, clerk, result.receipt_no)["cases"][0]["materials"]}
    assert mats["M02"]["state"] == "defective" and "模糊" in mats["M02"]["note"]
    assert mats["M03"]["state"] == "missing" and mats["M04"]["state"] == "missing"
    assert [d["kind"] for d in result.documents] == ["一次性告知书"]


def test_notify_with_complete_materials_is_refused(ws, clerk, enterprise):
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError, match="材料齐全"):
        notify(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    assert snapshot(ws.db.path) == before


def test_refuse_keeps_reason_basis_and_organ(ws, clerk, person):
    result = refuse(ws, clerk, Intake(["T-GT"], person), reason="申请事项依法不需要取得行政许可",
                    basis="《中华人民共和国行政许可法》第三十二条第一款第（一）项",
                    competent_organ="西安市市场监督管理局")
    assert result.status == "refused"
    notice = show(ws, clerk, result.receipt_no)["notice"]
    assert notice["competent_organ"] == "西安市市场监督管理局"
    with pytest.raises(DomainError, match="理由不能为空"):
        refuse(ws, clerk, Intake(["T-GT"], person), reason="  ", basis="x")


def test_approve_on_the_spot_needs_right_and_immediate_matter(ws, clerk, person, enterprise):
    result = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]), approve_now=True)
    assert result.status == "approved"
    assert "准予行政许可决定书" in [d["kind"] for d in result.documents]
    with pytest.raises(DomainError, match="承诺件"):
        accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]), approve_now=True)
    plain = login(ws, "plain", PASSWORD)
    with pytest.raises(PermissionDenied, match="当场审批"):
        accept(ws, plain, Intake(["T-GT"], person, ["M01", "M02"]), approve_now=True)


def test_roles_are_checked_in_services(ws, person):
    approver = login(ws, "approver", PASSWORD)
    before = snapshot(ws.db.path)
    with pytest.raises(PermissionDenied, match="没有“受理”的权限"):
        accept(ws, approver, Intake(["T-GT"], person, ["M01", "M02"]))
    assert snapshot(ws.db.path) == before


def test_station_clerk_sees_own_station_only(ws, clerk, person, enterprise):
    station = login(ws, "station", PASSWORD)
    district_case = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    from workstation.services.cases import list_cases
    from workstation.services.errors import NotFound

    assert list_cases(ws, station) == []
    with pytest.raises(NotFound):
        show(ws, station, district_case.receipt_no)
    assert len(list_cases(ws, clerk)) == 1


def test_known_applicant_is_reused_and_updated(ws, clerk, person):
    from workstation.services.applicants import ApplicantChanged

    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    # A new phone number is a difference the clerk confirms (tests/test_applicant_records.py).
    before = snapshot(ws.db.path)
    with pytest.raises(ApplicantChanged, match="13800138000 → 13900139000"):
        accept(ws, clerk, Intake(["T-GT"], person | {"phone": "13900139000"}, ["M01", "M02"]))
    assert snapshot(ws.db.path) == before
    accept(ws, clerk, Intake(["T-GT"], person | {"phone": "13900139000"}, ["M01", "M02"],
                             update_applicant=True))
    from workstation.services.applicants import lookup

    known = lookup(ws, person["id_number"].lower())
    assert known["phone"] == "13900139000"
    import sqlite3
    with sqlite3.connect(ws.db.path) as conn:
        assert conn.execute("SELECT count(*) FROM applicants").fetchone()[0] == 1


def test_search_by_name_id_credit_code_and_number(ws, clerk, person, enterprise):
    a = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    b = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    assert [r.receipt_no for r in search(ws, clerk, "张伟")] == [a.receipt_no]
    assert [r.receipt_no for r in search(ws, clerk, "好味道")] == [b.receipt_no]
    assert [r.receipt_no for r in search(ws, clerk, "味道餐饮")] == [b.receipt_no]
    assert search(ws, clerk, "道好") == []
    assert [r.receipt_no for r in search(ws, clerk, person["id_number"])] == [a.receipt_no]
    assert [r.receipt_no for r in search(ws, clerk, enterprise["credit_code"].lower())] == [b.receipt_no]
    assert [r.receipt_no for r in search(ws, clerk, b.receipt_no)] == [b.receipt_no]
    assert [r.receipt_no for r in search(ws, clerk, b.documents[0]["number"])] == [b.receipt_no]
    assert [r.receipt_no for r in search(ws, clerk, "张")] == [a.receipt_no]
    with pytest.raises(DomainError):
        search(ws, clerk, "x" * 10_000)


def test_outbox_and_audit_written_with_the_case(ws, clerk, person):
    import json
    import sqlite3

    result = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    with sqlite3.connect(ws.db.path) as conn:
        kind, payload, h = conn.execute("SELECT kind, payload, content_hash FROM outbox "
                                        "WHERE kind LIKE 'acceptance.%'").fetchone()
        action, target = conn.execute(
            "SELECT action, target FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert kind == "acceptance.accepted"
    assert json.loads(payload)["receipt_no"] == result.receipt_no
    assert len(h) == 64
    assert (action, target) == ("acceptance.accepted", result.receipt_no)


def test_station_clerk_cases_belong_to_their_station(ws, clerk, person):
    station = login(ws, "station", PASSWORD)
    from workstation.services.cases import list_cases

    result = accept(ws, station, Intake(["T-GT"], person, ["M01", "M02"]))
    assert [r.receipt_no for r in list_cases(ws, station)] == [result.receipt_no]
    assert show(ws, station, result.receipt_no)["station"] == "S01"
    # The district clerk sees every station's cases.
    assert [r.receipt_no for r in list_cases(ws, clerk)] == [result.receipt_no]


def test_a_person_whose_id_number_ends_in_x_can_be_flagged(ws, clerk, admin, person):
    """About one person in eleven has an ID number ending in the check letter X, which
    also has a credit code's shape: flagging them must find the person."""
    from workstation.domain.identity import make_id_number
    from workstation.services.applicants import set_ineligible

    x_person = dict(person, id_number=make_id_number("610102", date(1980, 1, 1), 4))
    assert x_person["id_number"].endswith("X")
    accept(ws, clerk, Intake(["T-SP"], x_person, ["M01", "M02", "M03", "M04"]))
    flagged = set_ineligible(ws, admin, x_person["id_number"].lower(), "失信被执行人")
    assert flagged["name"] == person["name"]
    with pytest.raises(DomainError, match="不符合容缺受理条件"):
        accept(ws, clerk, Intake(["T-SP"], x_person, ["M01", "M02", "M04"],
                                 promises={"M03": date(2026, 10, 12)}))
