"""The pure rules of electronic materials: file kinds by their bytes, the size limit,
check states, page orders, and which held materials may be offered for reuse."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from workstation.domain import materials as rules
from workstation.domain.errors import DomainError

from .helpers import raises_domain
from .material_samples import colour_page, encrypted_pdf, line_art_page, multipage_tiff

TODAY = date(2026, 9, 30)
PERSON = ("id_card", "11010519491231002X")
OTHER = ("id_card", "440524188001010014")


def test_kinds_come_from_the_bytes_not_the_name():
    assert rules.sniff_kind(colour_page(50, 50)) == "jpeg"
    assert rules.sniff_kind(line_art_page(50, 50)) == "png"
    assert rules.sniff_kind(multipage_tiff(1)) == "tiff"
    assert rules.sniff_kind(colour_page(50, 50, fmt="BMP")) == "bmp"
    assert rules.sniff_kind(colour_page(50, 50, fmt="WEBP")) == "webp"
    assert rules.sniff_kind(encrypted_pdf()) == "pdf"
    assert rules.sniff_kind(b"junk\r\n%PDF-1.7\n") == "pdf"
    assert rules.sniff_kind("这不是图片，只是改了扩展名".encode()) is None
    assert rules.sniff_kind(b"GIF89a....") is None
    raises_domain("不是可接收的材料文件", rules.check_kind, b"hello", "身份证.jpg")


@given(st.binary(max_size=64))
def test_no_random_bytes_pass_as_a_kind_they_are_not(data):
    kind = rules.sniff_kind(data)
    if kind is None:
        raises_domain("不是可接收的材料文件", rules.check_kind, data, "x")
    else:
        assert kind in rules.KIND_LABELS


def test_size_limit_and_empty_files():
    raises_domain("空文件", rules.check_size, 0, 300, "a.jpg")
    rules.check_size(300 * 1024 * 1024, 300, "a.jpg")
    err = raises_domain("过大", rules.check_size, 300 * 1024 * 1024 + 1, 300, "扫描.pdf")
    assert "300 MB" in err.message and "material_max_mb" in err.message
    assert rules.check_max_mb("300") == 300
    for bad in ("0", "-1", "abc", "4096", ""):
        with pytest.raises(DomainError):
            rules.check_max_mb(bad)


def test_check_verdicts():
    assert rules.check_verdict("checked", None) == (rules.CheckState.CHECKED, "")
    assert rules.check_verdict("defective", " 复印件不清晰 ") == (rules.CheckState.DEFECTIVE, "复印件不清晰")
    raises_domain("缺陷说明不能为空", rules.check_verdict, "defective", "  ")
    raises_domain("已核验 或 有缺陷", rules.check_verdict, "unchecked", None)
    raises_domain("已核验 或 有缺陷", rules.check_verdict, "ok", None)
    assert [s.label for s in rules.CheckState] == ["未核验", "已核验", "有缺陷"]


def test_rotation_and_order():
    assert rules.check_rotation(-90) == 270 and rules.check_rotation(450) == 90
    raises_domain("90 度", rules.check_rotation, 45)
    raises_domain("90 度", rules.check_rotation, True)
    assert rules.check_order([1, 2, 3], [3, 1, 2]) == [3, 1, 2]
    raises_domain("恰好包含", rules.check_order, [1, 2, 3], [3, 1])
    raises_domain("恰好包含", rules.check_order, [1, 2, 3], [3, 1, 1, 2])


@given(st.lists(st.integers(1, 10_000), unique=True, max_size=30), st.randoms())
def test_every_permutation_is_an_order_and_nothing_else_is(pages, rnd):
    wanted = list(pages)
    rnd.shuffle(wanted)
    assert rules.check_order(pages, wanted) == wanted
    if pages:
        with pytest.raises(DomainError):
            rules.check_order(pages, wanted[:-1])
        with pytest.raises(DomainError):
            rules.check_order(pages, wanted + [wanted[0]])


def test_kinds_of_documents_match_across_matters():
    k = rules.material_kind
    assert k("营业执照或主体资格证明") == k("营业执照") == k("营业执照正副本") == "licence"
    assert k("营业执照（或事业单位法人证书等主体资格证明）") == "licence"
    assert k("经营者身份证明") == k("经营者身份证件") == "identity"
    assert k("法定代表人（负责人）身份证明") == "legal_rep_id"
    assert k("授权委托书及受托人身份证件") == "proxy"
    assert k("食品安全管理制度文本") == k("食品安全管理制度文本（一式两份）") != k("卫生检测报告")


def held(**kw) -> rules.HeldMaterial:
    base = dict(case_material_id=1, case_id="old", receipt_no="R1", applicant_key=PERSON,
                name="经营者身份证明", reusable=True, shas=("a" * 64,),
                valid_until=TODAY + timedelta(days=10), check_state="unchecked",
                captured_on=TODAY - timedelta(days=30))
    base.update(kw)
    return rules.HeldMaterial(**base)


WANTED = rules.Wanted(PERSON, "经营者身份证件", True, "new")


def test_reuse_rules_one_by_one():
    assert rules.why_not_offered(held(), WANTED, TODAY) is None
    assert rules.why_not_offered(held(applicant_key=OTHER), WANTED, TODAY) == "不是同一申请人的材料"
    # Same number, other kind of ID (a passport numbered like an ID card) is someone else.
    assert rules.why_not_offered(held(applicant_key=("passport", PERSON[1])), WANTED, TODAY)
    assert rules.why_not_offered(held(case_id="new"), WANTED, TODAY) == "同一案件的材料"
    assert "未标为可复用" in rules.why_not_offered(held(reusable=False), WANTED, TODAY)
    assert "未标为可复用" in rules.why_not_offered(
        held(), rules.Wanted(PERSON, "经营者身份证件", False, "new"), TODAY)
    assert rules.why_not_offered(held(name="营业执照"), WANTED, TODAY) == "不是同一种材料"
    assert rules.why_not_offered(held(shas=()), WANTED, TODAY) == "没有电子页面"
    assert "有缺陷" in rules.why_not_offered(held(check_state="defective"), WANTED, TODAY)
    assert "过有效期" in rules.why_not_offered(held(valid_until=TODAY - timedelta(days=1)), WANTED, TODAY)
    assert "过有效期" in rules.why_not_offered(held(valid_until=None), WANTED, TODAY)
    assert rules.why_not_offered(held(valid_until=TODAY), WANTED, TODAY) is None     # valid through today


def test_offers_newest_first_and_the_same_pages_once():
    a = held(case_material_id=1, captured_on=TODAY - timedelta(days=40))
    b = held(case_material_id=2, captured_on=TODAY - timedelta(days=5), shas=("b" * 64,))
    c = held(case_material_id=3, captured_on=TODAY - timedelta(days=2))     # a reused: same pages
    assert [h.case_material_id for h in rules.offers([a, b, c], WANTED, TODAY)] == [3, 2]


keys = st.sampled_from([PERSON, OTHER, ("credit_code", "91350100M000100Y43")])
names = st.sampled_from(["经营者身份证明", "营业执照", "法定代表人身份证明", "卫生检测报告"])


@settings(max_examples=300)
@given(st.lists(st.builds(
    rules.HeldMaterial, case_material_id=st.integers(1, 10**6), case_id=st.sampled_from(["old", "new", "x"]),
    receipt_no=st.just("R"), applicant_key=keys, name=names, reusable=st.booleans(),
    shas=st.lists(st.sampled_from(["a" * 64, "b" * 64]), max_size=3).map(tuple),
    valid_until=st.one_of(st.none(), st.dates(TODAY - timedelta(days=400), TODAY + timedelta(days=400))),
    check_state=st.sampled_from(["unchecked", "checked", "defective"]),
    captured_on=st.dates(TODAY - timedelta(days=800), TODAY)), max_size=12),
    keys, names, st.booleans())
def test_an_offer_is_never_another_applicants_expired_or_unreusable(held_list, key, name, reusable):
    wanted = rules.Wanted(key, name, reusable, "new")
    for h in rules.offers(held_list, wanted, TODAY):
        assert h.applicant_key == key
        assert h.valid_until is not None and h.valid_until >= TODAY
        assert h.reusable and reusable and h.shas
        assert h.check_state != "defective" and h.case_id != "new"
        assert rules.material_kind(h.name) == rules.material_kind(name)
