"""Identity codes (GB 11643-1999, GB 32100-2015) and free-text hygiene."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workstation.domain.errors import DomainError
from workstation.domain.identity import (
    CREDIT_CHARSET,
    PROVINCE_PREFIXES,
    credit_check_char,
    id_check_char,
    make_credit_code,
    make_id_number,
    parse_credit_code,
    parse_id_card,
    parse_other_id,
)
from workstation.domain.text import clean_phone, clean_text

from .helpers import raises_domain  # noqa: E402

TODAY = date(2026, 9, 30)




# ---------------------------------------------------------------- ID numbers


def test_published_id_examples_are_valid():
    card = parse_id_card("11010519491231002X")
    assert card.number == "11010519491231002X"
    assert card.region == "110105"
    assert card.birth_date == date(1949, 12, 31)
    assert card.male is False  # sequence 002 is even

    card = parse_id_card("440524188001010014")
    assert card.region == "440524"
    assert card.birth_date == date(1880, 1, 1)
    assert card.male is True  # sequence 001 is odd


def test_check_digit_formula_matches_examples():
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


def test_lower_case_x_is_accepted_and_upper_cased():
    assert parse_id_card("11010519491231002x").number == "11010519491231002X"


def test_surrounding_whitespace_is_stripped():
    assert parse_id_card("  440524188001010014\n").number == "440524188001010014"


@pytest.mark.parametrize("value, length", [
    ("4405241880010100", 16), ("44052418800101001", 17), ("4405241880010100140", 19),
    ("440524800101001", 15),
])
def test_wrong_length_rejected(value, length):
    err = raises_domain("应为18位", parse_id_card, value)
    assert f"现为{length}位" in str(err)
    assert err.field == "id_number"


def test_empty_rejected():
    raises_domain("不能为空", parse_id_card, "")
    raises_domain("不能为空", parse_id_card, "   ")


@pytest.mark.parametrize("value", ["440524188001010015", "440524188001010010", "11010519491231002Y"[:17] + "0"])
def test_wrong_check_digit_rejected(value):
    raises_domain("校验位", parse_id_card, value)


def test_impossible_birth_date_rejected_even_with_valid_check_digit():
    first17 = "110105" + "19490230" + "002"  # 30 February
    number = first17 + id_check_char(first17)
    raises_domain("出生日期", parse_id_card, number)
    raises_domain("不存在", parse_id_card, number)

    first17 = "110105" + "19491301" + "002"  # month 13
    raises_domain("出生日期", parse_id_card, first17 + id_check_char(first17))


def test_birth_date_before_1850_rejected():
    number = make_id_number("110105", date(1849, 12, 31), 1)
    raises_domain("不合理", parse_id_card, number)


def test_future_birth_date_rejected_when_today_given():
    future = make_id_number("110105", TODAY + timedelta(days=1), 11)
    raises_domain("不合理", parse_id_card, future, today=TODAY)
    # without a today the date itself is possible, so the number is accepted
    assert parse_id_card(future).birth_date == TODAY + timedelta(days=1)
    # born today is fine
    assert parse_id_card(make_id_number("110105", TODAY, 11), today=TODAY).birth_date == TODAY


def test_unknown_province_prefix_rejected():
    first17 = "990105" + "19491231" + "002"
    raises_domain("地区码", parse_id_card, first17 + id_check_char(first17))


@pytest.mark.parametrize("value", [
    "1101051949123100AX",          # letter in the body
    "11010519491231002A",          # letter as check character
    "11010519491231\x0002X",       # NUL in the body
    "1101051949\x1b231002X",       # ESC in the body
    "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
    "11010519491231²02X",          # superscript digit (str.isdigit() is True)
])
def test_non_digits_in_body_rejected(value):
    assert len(value) == 18
    raises_domain("前17位应为数字", parse_id_card, value)


def test_ten_thousand_characters_rejected_with_length():
    raises_domain("现为10000位", parse_id_card, "1" * 10_000)
    raises_domain("现为10000位", parse_credit_code, "9" * 10_000)


@pytest.mark.parametrize("value", [None, 11010519491231002, b"11010519491231002X", ["1"], 1.5])
def test_non_str_input_rejected(value):
    raises_domain("应为文字", parse_id_card, value)
    raises_domain("应为文字", parse_credit_code, value)


regions = st.builds(lambda p, rest: p + rest, st.sampled_from(sorted(PROVINCE_PREFIXES)),
                    st.text("0123456789", min_size=4, max_size=4))
births = st.dates(min_value=date(1850, 1, 1), max_value=date(2099, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@settings(max_examples=200, deadline=None)
@given(regions, births, sequences)
def test_made_id_numbers_parse_back(region, birth, seq):
    number = make_id_number(region, birth, seq)
    card = parse_id_card(number)
    assert card.number == number
    assert card.region == region
    assert card.birth_date == birth
    assert card.male == (seq % 2 == 1)
    assert parse_id_card(number.lower()).number == number


@settings(max_examples=200, deadline=None)
@given(regions, births, sequences, st.integers(min_value=0, max_value=17), st.data())
def test_any_single_character_substitution_is_detected(region, birth, seq, pos, data):
    number = make_id_number(region, birth, seq)
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in alphabet if c != number[pos]]))
    mutated = number[:pos] + new + number[pos + 1:]
    with pytest.raises(DomainError) as info:
        parse_id_card(mutated)
    # When region and date survive the change, only the check digit can catch it.
    try:
        still_dated = date(int(mutated[6:10]), int(mutated[10:12]), int(mutated[12:14])).year >= 1850
    except ValueError:
        still_dated = False
    if mutated[:2] in PROVINCE_PREFIXES and still_dated:
        assert "校验位" in str(info.value)


# ---------------------------------------------------------------- credit codes


@pytest.mark.parametrize("code", ["91350100M000100Y43", "9144030071526726XG"])
def test_published_credit_codes_valid(code):
    assert parse_credit_code(code) == code
    assert parse_credit_code(code.lower()) == code
    assert credit_check_char(code[:17]) == code[17]


def test_published_invalid_credit_code_rejected():
    err = raises_domain("不允许的字符", parse_credit_code, "91350100M000100Y4Z")
    assert "Z" in str(err)
    assert err.field == "credit_code"


def test_credit_code_wrong_check_character_rejected():
    raises_domain("校验位", parse_credit_code, "91350100M000100Y44")
    raises_domain("校验位", parse_credit_code, "9144030071526726XH")


@pytest.mark.parametrize("code, fragment", [
    ("91350100M000100Y4", "现为17位"),
    ("", "不能为空"),
    ("91350100M000100YI3", "不允许的字符"),
    ("91350100M00O100Y43", "不允许的字符"),
    ("9135\x000100M000100Y4", "不允许的字符"),
    ("913501A0M000100Y43", "行政区划码"),
])
def test_credit_code_shape_faults(code, fragment):
    raises_domain(fragment, parse_credit_code, code)


credit_regions = st.text("0123456789", min_size=6, max_size=6)
credit_bodies = st.text(CREDIT_CHARSET, min_size=9, max_size=9)
credit_chars = st.sampled_from(CREDIT_CHARSET)


@settings(max_examples=200, deadline=None)
@given(credit_regions, credit_bodies, credit_chars, credit_chars)
def test_made_credit_codes_are_valid(region, body, dept, kind):
    code = make_credit_code(region, body, dept, kind)
    assert len(code) == 18
    assert parse_credit_code(code) == code


@settings(max_examples=200, deadline=None)
@given(credit_regions, credit_bodies, credit_chars, credit_chars,
       st.integers(min_value=0, max_value=17), st.data())
def test_credit_code_single_substitution_detected(region, body, dept, kind, pos, data):
    code = make_credit_code(region, body, dept, kind)
    new = data.draw(st.sampled_from([c for c in CREDIT_CHARSET if c != code[pos]]))
    mutated = code[:pos] + new + code[pos + 1:]
    with pytest.raises(DomainError) as info:
        parse_credit_code(mutated)
    if mutated[2:8].isdigit():
        assert "校验位" in str(info.value)


def test_other_id_types_checked_by_shape():
    assert parse_other_id("passport", " e12345678 ") == "E12345678"
    assert parse_other_id("hk_macao_permit", "H12345678") == "H12345678"
    raises_domain("格式不正确", parse_other_id, "hk_macao_permit", "X12345678")
    raises_domain("不能为空", parse_other_id, "passport", "")
    raises_domain("不支持的证件类型", parse_other_id, "library_card", "123")


# ---------------------------------------------------------------- free text


def test_clean_text_strips_and_returns():
    assert clean_text("  张伟 ", "姓名") == "张伟"


def test_clean_text_normalises_to_nfc():
    assert clean_text("Cafe\u0301", "名称") == "Café"


@pytest.mark.parametrize("value", ["", "   ", "\n\t ", None])
def test_clean_text_empty_required(value):
    err = raises_domain("姓名不能为空", clean_text, value, "姓名", field="name")
    assert err.field == "name"


@pytest.mark.parametrize("value", ["", "  ", None])
def test_clean_text_empty_optional(value):
    assert clean_text(value, "地址", required=False) == ""


@pytest.mark.parametrize("value", ["张\x00伟", "张\x1b[31m伟", "张\u200b伟", "张\x7f伟", "张\u202e伟",
                                   "张\n伟", "张\ufeff伟"])
def test_clean_text_rejects_control_and_invisible_characters(value):
    raises_domain("控制字符", clean_text, value, "姓名")


@pytest.mark.parametrize("value", ["张\u2028伟", "张\u2029伟"])
def test_clean_text_rejects_unicode_line_and_paragraph_separators(value):
    # "\n" in the middle of a name is refused as a control character; the Unicode
    # line/paragraph separators break a printed line the same way and must be refused too.
    with pytest.raises(DomainError):
        clean_text(value, "姓名")


def test_clean_text_rejects_tab_inside():
    raises_domain("制表符", clean_text, "张\t伟", "姓名")


def test_clean_text_too_long():
    raises_domain("过长（10000字，最多100字）", clean_text, "张" * 10_000, "姓名")
    assert clean_text("张" * 100, "姓名") == "张" * 100
    raises_domain("过长", clean_text, "张" * 101, "姓名")


@pytest.mark.parametrize("value", [123, 1.0, b"abc", ["a"], {"a": 1}])
def test_clean_text_non_str(value):
    raises_domain("姓名应为文字", clean_text, value, "姓名")


@pytest.mark.parametrize("value, expected", [
    ("13800138000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    (" 138 0013 8000 ", "13800138000"),
    ("19912345678", "19912345678"),
    ("029-87654321", "029-87654321"),
    ("02987654321", "02987654321"),
    ("0917-1234567", "0917-1234567"),
    ("0755 12345678", "075512345678"),
])
def test_clean_phone_valid(value, expected):
    assert clean_phone(value) == expected


@pytest.mark.parametrize("value, fragment", [
    ("1380013800", "不是有效的手机号"),         # 10 digits
    ("138001380001", "不是有效的手机号"),       # 12 digits, not a fixed line
    ("12800138000", "不是有效的手机号"),        # no mobile network starts 12
    ("87654321", "不是有效的手机号"),           # fixed line without area code
    ("1380013800O", "只能包含数字"),            # letter O for zero
    ("tel13800138000", "只能包含数字"),
    ("+8613800138000", "只能包含数字"),
    ("１３８００１３８０００", "只能包含数字"),  # full-width digits
    ("138\x0013800", "控制字符"),
    ("1" * 10_000, "过长"),
])
def test_clean_phone_invalid(value, fragment):
    raises_domain(fragment, clean_phone, value)


def test_clean_phone_required_and_optional():
    assert clean_phone("") == ""
    assert clean_phone(None) == ""
    raises_domain("联系电话不能为空", clean_phone, "", required=True)
    raises_domain("联系电话应为文字", clean_phone, 13800138000)
