"""Who may collect a result at the window."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workstation.domain.delivery import CaseParties, clean_collector_id, collector_role
from workstation.domain.errors import DomainError
from workstation.domain.identity import make_credit_code, make_id_number

PERSON = make_id_number("610102", date(1990, 5, 17), 123)
REP = make_id_number("610103", date(1975, 1, 2), 45)
AGENT = make_id_number("110101", date(1988, 8, 8), 7)
CREDIT = make_credit_code("610102", "MA6X00017")


def test_the_applicant_themself():
    parties = CaseParties("id_card", PERSON, "", "")
    assert collector_role(PERSON, parties) == "applicant"
    assert collector_role(" " + PERSON.lower() + "\n", parties) == "applicant"   # scanner's Enter


def test_full_width_digits_from_an_ime():
    parties = CaseParties("id_card", PERSON, "", "")
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in PERSON)
    assert collector_role(wide, parties) == "applicant"


def test_enterprise_legal_rep_and_agent():
    parties = CaseParties("credit_code", CREDIT, REP, AGENT)
    assert collector_role(REP, parties) == "legal_rep"
    assert collector_role(AGENT, parties) == "agent"
    # the credit code is no person: it never collects
    with pytest.raises(DomainError, match="均不符"):
        collector_role(CREDIT, parties)


def test_a_person_with_an_agent():
    parties = CaseParties("id_card", PERSON, "", AGENT)
    assert collector_role(AGENT, parties) == "agent"


def test_passport_holder():
    parties = CaseParties("passport", "E12345678", "", "")
    assert collector_role("e12345678", parties) == "applicant"


def test_enterprise_without_rep_id_says_why():
    parties = CaseParties("credit_code", CREDIT, "", "")
    with pytest.raises(DomainError, match="未登记法定代表人身份证号"):
        collector_role(REP, parties)


@pytest.mark.parametrize("bad, fragment", [
    ("", "请扫描或输入"), ("   ", "请扫描或输入"), (None, "应为文字"), (12345, "应为文字"),
    ("1" * 31, "不超过30位"), ("6101<script>", "字母和数字"), ("张三", "字母和数字"),
    ("610102\u202e19900517", "字母和数字"),
    (PERSON[:17] + ("0" if PERSON[17] != "0" else "1"), "校验位"),
])
def test_bad_collector_ids(bad, fragment):
    with pytest.raises(DomainError, match=fragment) as err:
        clean_collector_id(bad)
    assert err.value.field == "collector_id"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_nobody_else_collects(text):
    parties = CaseParties("id_card", PERSON, "", AGENT)
    try:
        role = collector_role(text, parties)
    except DomainError:
        return
    assert clean_collector_id(text) in (PERSON, AGENT) and role in ("applicant", "agent")
