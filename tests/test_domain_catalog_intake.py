"""The matters catalog, applicants, and what the counter may decide (行政许可法 art. 32)."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from workstation.domain.applicants import Agent, parse_applicant
from workstation.domain.catalog import Catalog, Category, MaterialForm, MatterKind, parse_catalog
from workstation.domain.identity import make_id_number
from workstation.domain.intake import (
    ABSENT,
    DEFECTIVE,
    MISSING,
    PROMISED,
    RECEIVED,
    accept_lines,
    check_approve_on_spot,
    check_codes,
    check_notice,
    notice_lines,
)
from workstation.domain.workdays import WorkCalendar, add_working_days

DATA = Path(__file__).parent / "data"
from .helpers import raises_domain  # noqa: E402

TODAY = date(2026, 9, 30)




# ---------------------------------------------------------------- catalog


def minimal_catalog() -> dict:
    def matter(code, name, tolerance):
        return {
            "code": code, "name": name, "category": "社会民生", "kind": "承诺件",
            "department": "区市场监督管理局", "basis": "某条例第八条", "conditions": "条件",
            "procedure": "申请→受理→决定", "fee": "不收费", "statutory_days": 20,
            "promised_days": 5, "allows_tolerance": tolerance, "allows_pledge": False,
            "applicant_kinds": ["person", "enterprise"], "delivery": ["窗口领取"],
            "materials": [
                {"code": "M01", "name": "申请书", "form": "原件", "copies": 1, "required": True},
                {"code": "M02", "name": "营业执照", "form": "复印件", "copies": 2, "required": False},
            ],
        }
    return {"version": "v1", "title": "最小目录",
            "matters": [matter("A-01", "甲事项", False), matter("B-02", "乙事项", True)],
            "bundles": [{"code": "ONE-1", "name": "甲乙一件事", "matters": ["A-01", "B-02"]}]}


def test_minimal_catalog_accepted():
    cat = parse_catalog(minimal_catalog())
    assert isinstance(cat, Catalog)
    assert (cat.version, cat.title) == ("v1", "最小目录")
    a = cat.matter("A-01")
    assert a.category is Category.LIVELIHOOD
    assert a.kind is MatterKind.PROMISED
    assert (a.statutory_days, a.promised_days) == (20, 5)
    assert a.applicant_kinds == ("person", "enterprise")
    m2 = a.material("M02")
    assert m2.form is MaterialForm.COPY and m2.copies == 2
    assert (m2.required, m2.tolerable, m2.reusable, m2.standard) == (False, False, False, "")
    assert cat.bundle("ONE-1").matters == ("A-01", "B-02")
    # the same catalog as JSON text
    assert parse_catalog(json.dumps(minimal_catalog(), ensure_ascii=False)) == cat


def test_minimal_catalog_without_bundles_accepted():
    data = minimal_catalog()
    del data["bundles"]
    assert parse_catalog(data).bundles == ()


def fault(mutate):
    data = minimal_catalog()
    mutate(data)
    return data


def _set(path, value):
    def mutate(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _del(path):
    def mutate(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


def _dup_material(data):
    data["matters"][0]["materials"][1]["code"] = "M01"


def _tolerable_without_tolerance(data):
    data["matters"][0]["materials"][0]["tolerable"] = True


def _dup_matter(data):
    data["matters"][1]["code"] = "A-01"


CATALOG_FAULTS = [
    ("missing name", _del(["matters", 0, "name"]), "matters[0].name"),
    ("blank name", _set(["matters", 1, "name"], "   "), "matters[1].name"),
    ("bad category", _set(["matters", 0, "category"], "其他"), "matters[0].category"),
    ("bad kind", _set(["matters", 0, "kind"], "急件"), "matters[0].kind"),
    ("promised > statutory", _set(["matters", 0, "promised_days"], 21), "matters[0].promised_days"),
    ("statutory negative", _set(["matters", 0, "statutory_days"], -1), "matters[0].statutory_days"),
    ("days as bool", _set(["matters", 0, "statutory_days"], True), "matters[0].statutory_days"),
    ("duplicate material code", _dup_material, "matters[0].materials[1].code"),
    ("tolerable without tolerance", _tolerable_without_tolerance, "matters[0]"),
    ("bundle unknown matter", _set(["bundles", 0, "matters"], ["A-01", "Z-99"]), "bundles[0].matters[1]"),
    ("bundle with one matter", _set(["bundles", 0, "matters"], ["A-01"]), "bundles[0].matters"),
    ("bundle repeats a matter", _set(["bundles", 0, "matters"], ["A-01", "A-01"]), "bundles[0].matters"),
    ("bundle code is a matter code", _set(["bundles", 0, "code"], "A-01"), "bundles[0].code"),
    ("code with spaces", _set(["matters", 0, "code"], "A 01"), "matters[0].code"),
    ("code with colon", _set(["matters", 0, "code"], "A:01"), "matters[0].code"),
    ("material code with spaces", _set(["matters", 1, "materials", 0, "code"], "M 01"),
     "matters[1].materials[0].code"),
    ("duplicate matter code", _dup_matter, "matters[1].code"),
    ("required as string", _set(["matters", 0, "materials", 0, "required"], "true"),
     "matters[0].materials[0].required"),
    ("allows_tolerance as string", _set(["matters", 1, "allows_tolerance"], "false"),
     "matters[1].allows_tolerance"),
    ("copies zero", _set(["matters", 0, "materials", 1, "copies"], 0), "matters[0].materials[1].copies"),
    ("bad material form", _set(["matters", 0, "materials", 0, "form"], "扫描件"), "matters[0].materials[0].form"),
    ("no materials", _set(["matters", 0, "materials"], []), "matters[0].materials"),
    ("no required material", _set(["matters", 0, "materials", 0, "required"], False), "matters[0].materials"),
    ("unknown delivery", _set(["matters", 0, "delivery"], ["快递到付"]), "matters[0].delivery[0]"),
    ("unknown applicant kind", _set(["matters", 0, "applicant_kinds"], ["robot"]),
     "matters[0].applicant_kinds[0]"),
    ("control char in name", _set(["matters", 0, "name"], "甲\x00事项"), "matters[0].name"),
    ("name too long", _set(["matters", 0, "name"], "甲" * 10_000), "matters[0].name"),
    ("name not text", _set(["matters", 0, "name"], 42), "matters[0].name"),
    ("material not an object", _set(["matters", 0, "materials", 1], "M02"), "matters[0].materials[1]"),
    ("matters missing", _del(["matters"]), "matters"),
    ("version missing", _del(["version"]), "version"),
]


@pytest.mark.parametrize("name, mutate, path", CATALOG_FAULTS, ids=[f[0] for f in CATALOG_FAULTS])
def test_catalog_fault_names_its_path(name, mutate, path):
    raises_domain(path, parse_catalog, fault(mutate))


@pytest.mark.parametrize("bad", ["\x01", "\x1b[2J", "\x7f", "\x85", "\x9b", "\u200b", "\u202e"],
                         ids=["SOH", "ESC", "DEL", "NEL", "CSI", "ZWSP", "RLO"])
def test_catalog_text_rejects_every_control_character(bad):
    # The reader's message promises "过长或含控制字符"; matter and material names are
    # printed on every notice, so any control or invisible format character (as
    # clean_text refuses at the counter) must be refused here too, not only ASCII < 32.
    raises_domain("matters[0].name", parse_catalog, fault(_set(["matters", 0, "name"], f"甲{bad}事项")))


@pytest.mark.parametrize("text", ["{not json", "", b"\xff\xfe\x00"])
def test_catalog_non_json_text(text):
    raises_domain("JSON", parse_catalog, text)


@pytest.mark.parametrize("data", [[], 42, None, "[1, 2]"])
def test_catalog_root_must_be_object(data):
    raises_domain("应为对象", parse_catalog, data)


def test_catalog_field_attribute_for_highlighting():
    err = raises_domain("matters[0].name", parse_catalog, fault(_del(["matters", 0, "name"])))
    assert err.field == "matters[0].name"


@pytest.fixture(scope="module")
def small() -> Catalog:
    return parse_catalog((DATA / "catalog_small.json").read_text(encoding="utf-8"))


def test_small_catalog_lookup(small):
    assert [m.code for m in small.matters] == ["T-GT", "T-SP", "T-WS"]
    sp = small.matter("T-SP")
    assert sp.name == "食品经营许可"
    assert sp.allows_tolerance and sp.kind is MatterKind.PROMISED
    assert sp.material("M03").tolerable and sp.material("M03").standard == "加盖公章"
    assert not sp.material("M01").tolerable
    assert small.matter("T-GT").material("M02").reusable
    assert small.bundle("B-CY").matters == ("T-SP", "T-WS")
    raises_domain("没有事项编码", small.matter, "T-XX")
    raises_domain("没有“一件事”编码", small.bundle, "T-SP")
    raises_domain("没有材料编码", sp.material, "M99")


def test_small_catalog_find(small):
    assert [x.code for x in small.find("食品")] == ["T-SP"]
    assert [x.code for x in small.find("b-cy")] == ["B-CY"]
    assert [x.code for x in small.find("许可")] == ["T-SP", "T-WS"]
    # bundles come first, then matters
    assert [x.code for x in small.find("餐饮")] == ["B-CY"]
    assert [x.code for x in small.find(" t-")] == ["T-GT", "T-SP", "T-WS"]
    assert small.find("不存在的事项") == []


# ---------------------------------------------------------------- applicants

PERSON = {"kind": "person", "name": "张伟", "id_number": "11010519491231002X",
          "phone": "13800138000", "address": "西安市新城区解放路1号"}
ENTERPRISE = {"kind": "enterprise", "name": "西安市新城区好味道餐饮有限公司",
              "credit_code": "91350100m000100y43", "legal_rep": "李娜",
              "phone": "029-87654321", "address": "西安市新城区东五路8号"}
AGENT = {"name": "王五", "id_number": "440524188001010014", "phone": "13912345678"}


def test_person_with_id_card():
    a = parse_applicant(dict(PERSON), TODAY)
    assert (a.kind, a.name, a.id_type, a.id_number) == ("person", "张伟", "id_card", "11010519491231002X")
    assert a.phone == "13800138000"
    assert a.agent is None
    assert a.key == ("id_card", "11010519491231002X")
    assert parse_applicant(a.to_json(), TODAY) == a


def test_enterprise_with_credit_code_and_legal_rep():
    a = parse_applicant(dict(ENTERPRISE), TODAY)
    assert a.kind == "enterprise"
    assert a.id_type == "credit_code"
    assert a.id_number == "91350100M000100Y43"
    assert a.legal_rep == "李娜"
    assert a.phone == "029-87654321"
    assert parse_applicant(a.to_json(), TODAY) == a


def test_enterprise_without_legal_rep_rejected():
    data = dict(ENTERPRISE)
    del data["legal_rep"]
    err = raises_domain("法定代表人不能为空", parse_applicant, data)
    assert err.field == "legal_rep"


def test_enterprise_with_bad_credit_code_rejected():
    raises_domain("校验位", parse_applicant, dict(ENTERPRISE, credit_code="91350100M000100Y44"))
    raises_domain("不能为空", parse_applicant, dict(ENTERPRISE, credit_code=None))


def test_person_with_bad_id_rejected():
    err = raises_domain("校验位", parse_applicant, dict(PERSON, id_number="110105194912310021"))
    assert err.field == "id_number"
    future = make_id_number("110105", date(2027, 1, 1), 3)
    raises_domain("不合理", parse_applicant, dict(PERSON, id_number=future), TODAY)


def test_person_with_passport():
    a = parse_applicant(dict(PERSON, id_type="passport", id_number="E12345678"))
    assert a.key == ("passport", "E12345678")
    assert parse_applicant(a.to_json()) == a


def test_person_must_not_carry_credit_code():
    raises_domain("不应填写统一社会信用代码", parse_applicant,
                  dict(PERSON, credit_code="91350100M000100Y43"))


def test_agent_with_valid_id():
    a = parse_applicant(dict(PERSON, agent=dict(AGENT)), TODAY)
    assert a.agent == Agent("王五", "440524188001010014", "13912345678")
    assert parse_applicant(a.to_json(), TODAY) == a


def test_agent_with_invalid_id():
    err = raises_domain("校验位", parse_applicant,
                        dict(PERSON, agent=dict(AGENT, id_number="440524188001010015")))
    assert err.field == "agent.id_number"
    err = raises_domain("不能为空", parse_applicant, dict(PERSON, agent=dict(AGENT, id_number=None)))
    assert err.field == "agent.id_number"


def test_agent_needs_name_and_phone():
    raises_domain("代理人姓名不能为空", parse_applicant, dict(PERSON, agent=dict(AGENT, name="")))
    raises_domain("代理人联系电话不能为空", parse_applicant, dict(PERSON, agent=dict(AGENT, phone="")))
    raises_domain("代理人信息应为对象", parse_applicant, dict(PERSON, agent="王五"))


def test_phone_required_only_without_agent():
    no_phone = {k: v for k, v in PERSON.items() if k != "phone"}
    err = raises_domain("联系电话不能为空", parse_applicant, no_phone)
    assert err.field == "phone"
    a = parse_applicant(dict(no_phone, agent=dict(AGENT)))
    assert a.phone == ""
    assert a.agent.phone == "13912345678"
    raises_domain("联系电话不能为空", parse_applicant, dict(no_phone, agent={}))


def test_unknown_keys_rejected():
    raises_domain("未知字段：nickname", parse_applicant, dict(PERSON, nickname="小张"))


@pytest.mark.parametrize("kind", [None, "robot", "", "Person", 1])
def test_kind_missing_or_unknown(kind):
    data = dict(PERSON, kind=kind) if kind is not None else {k: v for k, v in PERSON.items()
                                                            if k != "kind"}
    err = raises_domain("申请人类型", parse_applicant, data)
    assert err.field == "kind"


@pytest.mark.parametrize("kind", [["person"], {"person": 1}])
def test_kind_of_wrong_json_type_is_a_domain_error(kind):
    # An applicant file is JSON: a list or object in "kind" must be refused with the
    # same Chinese message, not crash with TypeError (unhashable type).
    raises_domain("申请人类型", parse_applicant, dict(PERSON, kind=kind))


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_name(name):
    raises_domain("申请人姓名不能为空", parse_applicant, dict(PERSON, name=name))
    raises_domain("企业名称不能为空", parse_applicant, dict(ENTERPRISE, name=name))


def test_name_of_ten_thousand_characters():
    raises_domain("过长（10000字", parse_applicant, dict(PERSON, name="张" * 10_000))
    raises_domain("过长（10000字", parse_applicant, dict(ENTERPRISE, name="张" * 10_000))


def test_name_with_control_characters():
    raises_domain("控制字符", parse_applicant, dict(PERSON, name="张\x1b伟"))


def test_applicant_not_an_object():
    raises_domain("JSON 对象", parse_applicant, ["person"])
    raises_domain("JSON 对象", parse_applicant, None)


# ---------------------------------------------------------------- intake

DUE_SP = add_working_days(WorkCalendar(), TODAY, 5).day  # T-SP promises 5 working days


def test_promised_due_of_food_licence():
    assert DUE_SP == date(2026, 10, 13)


def states(lines):
    return {line.material.code: line.state for line in lines}


def test_all_required_received_is_accepted(small):
    sp = small.matter("T-SP")
    status, lines = accept_lines(sp, [sp], {"M01", "M02", "M03", "M04"}, {}, today=TODAY,
                                 promised_due=DUE_SP, ineligible_reason=None)
    assert status == "accepted"
    assert states(lines) == {"M01": RECEIVED, "M02": RECEIVED, "M03": RECEIVED, "M04": RECEIVED}


def test_optional_material_absent_is_still_accepted(small):
    gt = small.matter("T-GT")
    status, lines = accept_lines(gt, [gt], {"M01", "M02"}, {}, today=TODAY, promised_due=TODAY,
                                 ineligible_reason=None)
    assert status == "accepted"
    assert states(lines) == {"M01": RECEIVED, "M02": RECEIVED, "M03": ABSENT}


@pytest.mark.parametrize("when", [date(2026, 10, 1), date(2026, 10, 12), DUE_SP])
def test_tolerable_material_promised_in_time_is_tolerated(small, when):
    sp = small.matter("T-SP")
    status, lines = accept_lines(sp, [sp], {"M01", "M02", "M04"}, {"M03": when}, today=TODAY,
                                 promised_due=DUE_SP, ineligible_reason=None)
    assert status == "tolerated"
    promised = [line for line in lines if line.state == PROMISED]
    assert [(line.material.code, line.promise_date) for line in promised] == [("M03", when)]


def test_promise_for_non_tolerable_material(small):
    sp = small.matter("T-SP")
    err = raises_domain("不允许容缺", accept_lines, sp, [sp], {"M02", "M03", "M04"},
                        {"M01": date(2026, 10, 8)}, today=TODAY, promised_due=DUE_SP,
                        ineligible_reason=None)
    assert "食品经营许可申请书" in str(err)


def test_promise_in_matter_without_tolerance(small):
    gt = small.matter("T-GT")
    raises_domain("不适用容缺受理", accept_lines, gt, [gt], {"M02"}, {"M01": date(2026, 10, 8)},
                  today=TODAY, promised_due=date(2026, 10, 13), ineligible_reason=None)


def test_promise_after_the_promised_due_date(small):
    sp = small.matter("T-SP")
    raises_domain("晚于事项承诺时限届满日", accept_lines, sp, [sp], {"M01", "M02", "M04"},
                  {"M03": date(2026, 10, 14)}, today=TODAY, promised_due=DUE_SP,
                  ineligible_reason=None)


@pytest.mark.parametrize("when", [TODAY, date(2026, 9, 29), date(2025, 1, 1)])
def test_promise_on_or_before_today(small, when):
    sp = small.matter("T-SP")
    raises_domain("应晚于今天", accept_lines, sp, [sp], {"M01", "M02", "M04"}, {"M03": when},
                  today=TODAY, promised_due=DUE_SP, ineligible_reason=None)


def test_promise_by_ineligible_applicant(small):
    sp = small.matter("T-SP")
    raises_domain("失信被执行人", accept_lines, sp, [sp], {"M01", "M02", "M04"},
                  {"M03": date(2026, 10, 8)}, today=TODAY, promised_due=DUE_SP,
                  ineligible_reason="失信被执行人")
    raises_domain("不符合容缺受理条件", accept_lines, sp, [sp], {"M01", "M02", "M04"},
                  {"M03": date(2026, 10, 8)}, today=TODAY, promised_due=DUE_SP,
                  ineligible_reason="曾违反容缺承诺")


def test_ineligible_applicant_without_promise_is_accepted(small):
    sp = small.matter("T-SP")
    status, _ = accept_lines(sp, [sp], {"M01", "M02", "M03", "M04"}, {}, today=TODAY,
                             promised_due=DUE_SP, ineligible_reason="失信被执行人")
    assert status == "accepted"


def test_missing_required_without_promise(small):
    sp = small.matter("T-SP")
    err = raises_domain("一次性告知", accept_lines, sp, [sp], {"M01", "M02"}, {}, today=TODAY,
                        promised_due=DUE_SP, ineligible_reason=None)
    assert "食品安全管理制度文本" in str(err) and "经营设备布局和工艺流程图" in str(err)
    assert "食品经营许可申请书" not in str(err)


def test_received_and_promised_at_once(small):
    sp = small.matter("T-SP")
    raises_domain("不能既已收取又承诺补交", accept_lines, sp, [sp], {"M01", "M02", "M03", "M04"},
                  {"M03": date(2026, 10, 8)}, today=TODAY, promised_due=DUE_SP,
                  ineligible_reason=None)


def test_notice_lists_every_missing_and_defective(small):
    sp = small.matter("T-SP")
    lines = notice_lines(sp, [sp], {"M01", "M02"}, {"M02": "复印件不清晰，需加盖公章"})
    by_code = {line.material.code: line for line in lines}
    assert [line.material.code for line in lines] == ["M01", "M02", "M03", "M04"]
    assert by_code["M01"].state == RECEIVED
    assert by_code["M02"].state == DEFECTIVE
    assert by_code["M02"].note == "复印件不清晰，需加盖公章"
    assert by_code["M03"].state == MISSING and by_code["M03"].note == "加盖公章"
    assert by_code["M04"].state == MISSING and by_code["M04"].note
    check_notice(lines)  # there is something to tell: no error


def test_notice_with_nothing_received(small):
    ws = small.matter("T-WS")
    lines = notice_lines(ws, [ws], set(), {})
    assert states(lines) == {"M01": MISSING, "M02": MISSING, "M05": MISSING}


def test_notice_optional_material_is_not_asked_for(small):
    gt = small.matter("T-GT")
    lines = notice_lines(gt, [gt], {"M01"}, {})
    assert states(lines) == {"M01": RECEIVED, "M02": MISSING, "M03": ABSENT}


@pytest.mark.parametrize("reason, fragment", [("", "不能为空"), ("   ", "不能为空"),
                                              ("不清晰\x00", "控制字符"), ("长" * 501, "过长")])
def test_notice_defect_reason_is_checked(small, reason, fragment):
    sp = small.matter("T-SP")
    raises_domain(fragment, notice_lines, sp, [sp], {"M01"}, {"M01": reason})


def test_check_notice_on_complete_materials_raises(small):
    sp = small.matter("T-SP")
    lines = notice_lines(sp, [sp], {"M01", "M02", "M03", "M04"}, {})
    raises_domain("材料齐全", check_notice, lines)
    gt = small.matter("T-GT")
    raises_domain("材料齐全", check_notice, notice_lines(gt, [gt], {"M01", "M02"}, {}))
    raises_domain("材料齐全", check_notice, [])


def test_qualified_received_code_applies_only_to_its_matter(small):
    gt, sp = small.matter("T-GT"), small.matter("T-SP")
    matters = [gt, sp]
    received = {"M01", "M02", "T-SP:M03", "T-SP:M04"}
    status, lines = accept_lines(sp, matters, received, {}, today=TODAY, promised_due=DUE_SP,
                                 ineligible_reason=None)
    assert status == "accepted"
    status, lines = accept_lines(gt, matters, received, {}, today=TODAY, promised_due=TODAY,
                                 ineligible_reason=None)
    assert status == "accepted"
    assert states(lines)["M03"] == ABSENT  # T-SP:M03 is not T-GT's M03


def test_bare_code_applies_to_every_matter_that_has_it(small):
    sp, ws = small.matter("T-SP"), small.matter("T-WS")
    matters = [sp, ws]
    received = {"M01", "M02", "T-SP:M03", "T-SP:M04"}
    assert accept_lines(sp, matters, received, {}, today=TODAY, promised_due=DUE_SP,
                        ineligible_reason=None)[0] == "accepted"
    raises_domain("卫生检测报告", accept_lines, ws, matters, received, {}, today=TODAY,
                  promised_due=DUE_SP, ineligible_reason=None)
    # a promise qualified for T-WS tolerates T-WS only
    promises = {"T-WS:M05": date(2026, 10, 9)}
    assert accept_lines(ws, matters, received, promises, today=TODAY, promised_due=DUE_SP,
                        ineligible_reason=None)[0] == "tolerated"
    assert accept_lines(sp, matters, received, promises, today=TODAY, promised_due=DUE_SP,
                        ineligible_reason=None)[0] == "accepted"


def test_qualified_defect_applies_only_to_its_matter(small):
    sp, ws = small.matter("T-SP"), small.matter("T-WS")
    defects = {"T-WS:M02": "营业执照已过期"}
    assert states(notice_lines(ws, [sp, ws], {"M01", "M02", "M05"}, defects))["M02"] == DEFECTIVE
    assert states(notice_lines(sp, [sp, ws], {"M01", "M02"}, defects))["M02"] == RECEIVED


def test_check_codes_accepts_known(small):
    sp, ws = small.matter("T-SP"), small.matter("T-WS")
    assert check_codes({"M01", "M05", "T-SP:M03", "T-WS:M05"}, [sp, ws], "已收材料") is None
    assert check_codes(set(), [sp], "已收材料") is None


@pytest.mark.parametrize("code, fragment", [
    ("M05", "不在"),                  # T-WS's material, but only T-SP is in this acceptance
    ("M99", "不在"),
    ("T-WS:M05", "不在本次受理中"),
    ("T-XX:M01", "不在本次受理中"),
    ("T-SP:M05", "没有材料编码"),
    ("T-SP:", "没有材料编码"),
    ("", "无效"),
    ("M" * 91, "无效"),
    (5, "无效"),
    (None, "无效"),
])
def test_check_codes_rejects_unknown(small, code, fragment):
    sp = small.matter("T-SP")
    err = raises_domain(fragment, check_codes, [code], [sp], "已收材料")
    assert err.field == "materials"


def test_check_approve_on_spot(small):
    gt, sp = small.matter("T-GT"), small.matter("T-SP")
    assert check_approve_on_spot(gt, "accepted") is None
    raises_domain("容缺", check_approve_on_spot, gt, "tolerated")
    raises_domain("承诺件", check_approve_on_spot, sp, "accepted")


def test_catalog_is_not_mutated_by_parsing():
    data = minimal_catalog()
    before = copy.deepcopy(data)
    parse_catalog(data)
    assert data == before
