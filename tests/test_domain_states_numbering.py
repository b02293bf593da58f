"""Case states and transitions; receipt numbers and document numbers."""

from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workstation.domain.errors import DomainError
from workstation.domain.numbering import (
    DEFAULT_DOCNO_PATTERN,
    DEFAULT_RECEIPT_PATTERN,
    ReceiptNumbering,
    check_docno_pattern,
    check_receipt_pattern,
    check_region,
    check_terminal,
    format_document_number,
    looks_like_receipt_number,
    offline_block,
)
from workstation.domain.states import (
    FINAL,
    OPEN,
    STATUS_LABELS,
    TRANSITIONS,
    CaseStatus,
    check_transition,
    parse_status,
)

S = CaseStatus
ALL_PAIRS = [(a, b) for a in CaseStatus for b in CaseStatus]
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
FORBIDDEN = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


from .helpers import raises_domain  # noqa: E402


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


# ---------------------------------------------------------------- states


def test_every_status_has_transitions_and_a_label():
    assert set(TRANSITIONS) == set(CaseStatus)
    assert set(STATUS_LABELS) == set(CaseStatus)
    assert all(has_chinese(s.label) for s in CaseStatus)
    assert len(ALLOWED) > 20 and len(FORBIDDEN) > 100


@pytest.mark.parametrize("current, target", ALLOWED, ids=lambda s: s.value)
def test_allowed_transitions_pass(current, target):
    assert check_transition(current, target) is target


@pytest.mark.parametrize("current, target", FORBIDDEN, ids=lambda s: s.value)
def test_forbidden_transitions_raise_in_chinese(current, target):
    err = raises_domain(target.label, check_transition, current, target)
    assert current.label in str(err)
    assert has_chinese(str(err))


def test_final_states_have_no_exits():
    assert FINAL == {S.REFUSED, S.DELIVERED, S.WITHDRAWN, S.TERMINATED}
    for final in FINAL:
        assert TRANSITIONS[final] == frozenset()
        for target in CaseStatus:
            raises_domain("案件已", check_transition, final, target)


def test_open_states_are_not_final_and_can_reach_a_final_state():
    assert not OPEN & FINAL
    for start in CaseStatus:
        seen, todo = {start}, [start]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert seen & FINAL, start


def test_key_procedural_rules():
    # a 容缺 case cannot be decided before the material arrives
    for target in (S.APPROVED, S.DENIED):
        raises_domain("不能直接变为", check_transition, S.TOLERATED, target)
    # a refused (不予受理) application cannot be accepted afterwards
    raises_domain("案件已不予受理", check_transition, S.REFUSED, S.ACCEPTED)
    # nothing goes back to draft
    for s in CaseStatus:
        with pytest.raises(DomainError):
            check_transition(s, S.DRAFT)


@pytest.mark.parametrize("status", list(CaseStatus), ids=lambda s: s.value)
def test_parse_status_code_and_label(status):
    assert parse_status(status.value) is status
    assert parse_status(status.label) is status
    assert parse_status(f"  {status.value} ") is status


def test_parse_status_short_forms_of_delivered():
    assert parse_status("已送达") is S.DELIVERED
    assert parse_status("办结") is S.DELIVERED


@pytest.mark.parametrize("text", ["", None, "closed", "ACCEPTED", "受 理", "x" * 10_000, "审批中"])
def test_parse_status_rejects_unknown(text):
    err = raises_domain("未知的案件状态", parse_status, text)
    assert err.field == "status"
    assert "accepted（受理）" in str(err)  # lists what is allowed
    assert len(str(err)) < 1000


# ---------------------------------------------------------------- receipt numbers


def test_default_receipt_number():
    assert ReceiptNumbering("610102", "001").format(date(2026, 9, 30), 1) == "610102202609300010001"
    assert ReceiptNumbering("610102", "017").format(date(2026, 1, 2), 9999) == "610102202601020179999"
    assert ReceiptNumbering("610102", "001").pattern == DEFAULT_RECEIPT_PATTERN


def test_receipt_sequence_starts_at_one():
    for seq in (0, -1):
        raises_domain("从1开始", ReceiptNumbering("610102", "001").format, date(2026, 9, 30), seq)


def test_receipt_scope_is_per_terminal_and_day():
    a = ReceiptNumbering("610102", "001")
    assert a.scope(date(2026, 9, 30)) == "receipt:610102:001:20260930"
    assert a.scope(date(2026, 10, 8)) != a.scope(date(2026, 9, 30))
    assert ReceiptNumbering("610102", "002").scope(date(2026, 9, 30)) != a.scope(date(2026, 9, 30))


terminals = st.integers(min_value=1, max_value=999).map(lambda n: f"{n:03d}")
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
seqs = st.integers(min_value=1, max_value=99_999)


@settings(max_examples=200, deadline=None)
@given(terminals, terminals, days, days, seqs, seqs)
def test_receipt_numbers_of_different_terminals_never_collide(t1, t2, d1, d2, s1, s2):
    assume(t1 != t2)
    n1 = ReceiptNumbering("610102", t1).format(d1, s1)
    n2 = ReceiptNumbering("610102", t2).format(d2, s2)
    assert n1 != n2
    assert looks_like_receipt_number(n1) and looks_like_receipt_number(n2)


@settings(max_examples=200, deadline=None)
@given(terminals, days, days, seqs, seqs)
def test_receipt_numbers_of_one_terminal_never_repeat(t, d1, d2, s1, s2):
    assume((d1, s1) != (d2, s2))
    numbering = ReceiptNumbering("610102", t)
    assert numbering.format(d1, s1) != numbering.format(d2, s2)


def test_check_receipt_pattern_accepts_default_and_variants():
    assert check_receipt_pattern(DEFAULT_RECEIPT_PATTERN) == DEFAULT_RECEIPT_PATTERN
    check_receipt_pattern("{region}{terminal}{date:%Y%m%d}{seq:05d}")
    check_receipt_pattern("{date:%Y%m%d}{terminal}{seq:04d}")


@pytest.mark.parametrize("pattern, fragment", [
    ("{region}{date:%Y%m%d}{seq:04d}", "{terminal}"),
    ("{region}{date:%Y%m%d}{terminal}", "{seq}"),
    ("{region}{terminal}{seq:04d}", "{date}"),
    ("610102", "{terminal}"),
    ("", "{terminal}"),
    ("{region}{date:%Y%m%d}{terminal}{seq:04d}{matter}", "未知字段：matter"),
    ("{region}{date:%Y%m%d}{terminal}{seq:04d}{}", "未知字段"),
    ("{region}{date:%Y%m%d}{terminal}{seq:04d}{0}", "未知字段"),
    ("{region}{date:%Y%m%d}{terminal.real}{seq:04d}", "未知字段"),
    ("{region}{date:%Y%m%d}{terminal[0]}{seq:04d}", "未知字段"),
    ("{region}{date:%Y%m%d}{terminal}{seq:04d", "写法有误"),
    ("{region}{date:%Y%m%d}{terminal}{seq:04d}}", "写法有误"),
    ("{region{date:%Y%m%d}{terminal}{seq:04d}", "写法有误"),
    ("{region}{date:%Y%m%d}{terminal}{seq:04d}{", "写法有误"),
])
def test_check_receipt_pattern_rejects(pattern, fragment):
    raises_domain(fragment, check_receipt_pattern, pattern)


# Patterns a clerk could type into the 受理编号格式 setting. Receipt numbers are stored
# unique, counted per terminal and per day (scope), and found again by search only when
# numeric (looks_like_receipt_number). A pattern the check accepts must keep all of that.
SUSPECT_PATTERNS = [
    "{region}{date:%Y%m}{terminal}{seq:04d}",          # no day, while the counter restarts daily
    "{region}{date:%Y%m%d}{terminal:.1}{seq:04d}",     # terminal truncated to one digit
    "{region}{date:%Y%m%d}{terminal}{seq:s}",          # format spec invalid for an int
    "{region}-{date:%Y%m%d}-{terminal}-{seq:04d}",     # not numeric: search cannot find it
]


@pytest.mark.parametrize("pattern", SUSPECT_PATTERNS)
def test_patterns_passing_the_check_give_unique_numeric_numbers(pattern):
    try:
        check_receipt_pattern(pattern)
    except DomainError:
        return  # refused at the door: fine
    a = ReceiptNumbering("610102", "001", pattern)
    b = ReceiptNumbering("610102", "002", pattern)
    d1, d2 = date(2026, 9, 30), date(2026, 9, 29)
    numbers = [a.format(d1, 1), a.format(d2, 1), b.format(d1, 1), b.format(d2, 1)]
    assert len(set(numbers)) == 4, numbers
    assert all(looks_like_receipt_number(n) for n in numbers), numbers


@pytest.mark.parametrize("region", ["610102", "110105", "810000"])
def test_check_region_accepts(region):
    assert check_region(region) == region


@pytest.mark.parametrize("region", ["000", "000000", "990102", "01", "abc", "", "6101021", "61010a", "６１０１０２",
                                    610102, None, " 61010"])
def test_check_region_rejects(region):
    err = raises_domain("行政区划代码", check_region, region)
    assert err.field == "region"


@pytest.mark.parametrize("terminal", ["001", "010", "999"])
def test_check_terminal_accepts(terminal):
    assert check_terminal(terminal) == terminal


@pytest.mark.parametrize("terminal", ["000", "01", "abc", "", "1000", "1", "０01", "00a", 1, None])
def test_check_terminal_rejects(terminal):
    err = raises_domain("终端编码", check_terminal, terminal)
    assert err.field == "terminal"


# ---------------------------------------------------------------- document numbers


def test_default_document_number():
    assert format_document_number(DEFAULT_DOCNO_PATTERN, "新城审", "受", 2026, 123) == \
        "新城审受字〔2026〕第00123号"
    assert format_document_number(DEFAULT_DOCNO_PATTERN, "新城审", "不受", 2027, 100001) == \
        "新城审不受字〔2027〕第100001号"


def test_check_docno_pattern():
    assert check_docno_pattern(DEFAULT_DOCNO_PATTERN) == DEFAULT_DOCNO_PATTERN
    check_docno_pattern("{short}〔{year}〕{seq}号")
    raises_domain("{seq}", check_docno_pattern, "{short}{act}字〔{year}〕")
    raises_domain("{year}", check_docno_pattern, "{short}{act}字第{seq:05d}号")
    raises_domain("未知字段：terminal", check_docno_pattern, "{short}{terminal}〔{year}〕{seq}")
    raises_domain("写法有误", check_docno_pattern, "{short}{act}字〔{year}〕第{seq:05d号")


def test_offline_block_examples():
    assert offline_block("001") == (100_001, 199_999)
    assert offline_block("002") == (200_001, 299_999)
    assert offline_block("999") == (99_900_001, 99_999_999)
    raises_domain("终端编码", offline_block, "000")
    raises_domain("终端编码", offline_block, "01")


@settings(max_examples=200, deadline=None)
@given(terminals, terminals)
def test_offline_blocks_of_different_terminals_are_disjoint(t1, t2):
    assume(t1 != t2)
    a1, b1 = offline_block(t1)
    a2, b2 = offline_block(t2)
    assert a1 <= b1 and a2 <= b2
    assert b1 < a2 or b2 < a1
    assert a1 > 100_000 and a2 > 100_000  # above the centre's leased range start


@settings(max_examples=100, deadline=None)
@given(terminals, terminals, st.integers(min_value=0, max_value=99_998))
def test_document_numbers_from_offline_blocks_never_collide(t1, t2, k):
    assume(t1 != t2)
    a1, b1 = offline_block(t1)
    a2, _ = offline_block(t2)
    n1 = format_document_number(DEFAULT_DOCNO_PATTERN, "新城审", "受", 2026, a1 + k)
    others = {format_document_number(DEFAULT_DOCNO_PATTERN, "新城审", "受", 2026, a2 + j)
              for j in (0, k, 99_998)}
    assert a1 + k <= b1
    assert n1 not in others
