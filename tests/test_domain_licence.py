"""Reading the QR code of a business licence: only a code that passes GB 32100 comes out."""

import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workstation.domain.identity import (
    CREDIT_CHARSET,
    make_credit_code,
    parse_credit_code,
)
from workstation.domain.licence import LicenceInfo, parse_licence_qr
from workstation.domain.text import has_control

# Codes published on the web with their licences; both pass the GB 32100 checksum.
CODE = "91330106673959654P"
SHENZHEN = "92440300MA5EEY5XXT"
# The same code with its last character changed: the checksum no longer holds.
WRONG = "91330106673959654Q"


# ---------------------------------------------------------------- URL forms


@pytest.mark.parametrize("payload", [
    f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}",
    f"https://www.gsxt.gov.cn/index.html?uniscid={CODE}",
    f"HTTP://WWW.GSXT.GOV.CN/index.html?UNISCID={CODE.lower()}",
    f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}\r\n",  # the scanner's Enter
    f"\ufeffhttp://www.gsxt.gov.cn/index.html?uniscid={CODE}",
    f"www.gsxt.gov.cn/index.html?uniscid={CODE}",
    f"http://sn.gsxt.gov.cn/index.html?uniscid={CODE}&x=1",
    f"ｈｔｔｐ：／／ｗｗｗ．ｇｓｘｔ．ｇｏｖ．ｃｎ／ｉｎｄｅｘ．ｈｔｍｌ？ｕｎｉｓｃｉｄ＝{CODE}",
    ("https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p"
     f"&serial={CODE}-SAIC_SHOW_10000091330106673959654P1710919400712&signData=MEUCIQDE%2Fyqe6"),
    "https://mp.weixin.qq.com/s?url=" + urllib.parse.quote(f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}",
                                                           safe=""),
    f"http://scjg.example.gov.cn/#/detail?creditCode={CODE}",
])
def test_national_url_forms(payload):
    assert parse_licence_qr(payload) == LicenceInfo(CODE, "")


def test_local_system_url_with_name():
    name = urllib.parse.quote("某某（西安）有限公司")
    payload = f"http://scjg.xa.gov.cn/query?tyshxydm={CODE}&entName={name}"
    assert parse_licence_qr(payload) == LicenceInfo(CODE, "某某（西安）有限公司")


def test_shenzhen_credit_url():
    payload = f"http://www.szcredit.com.cn/web/GSZJGSPT/QyxyDetail.aspx?rid=8a80845b5b67&cid={SHENZHEN}"
    assert parse_licence_qr(payload) == LicenceInfo(SHENZHEN, "")


@pytest.mark.parametrize("payload", [
    f"http://www.gsxt.gov.cn/index.html?uniscid={WRONG}",
    f"http://www.gsxt.gov.cn/index.html?uniscid={CODE[:-1]}",
    f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}0",
    "http://www.gsxt.gov.cn/index.html?uniscid=",
    "http://www.gsxt.gov.cn/index.html",
    ("https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p"
     "&serial=11000020190617181155000003571695-SAIC_SHOW_10002020190618113213545"),
    # Opaque ids of older provincial systems can only be resolved online.
    ("http://dzhy.haaic.gov.cn/yzt/toHandleQuery.do?id=YmVobG9xcXF2dXV0emx5ZHJm"
     "&uniScID=amJrbW9ycXheVXVxVWhcdXRy"),
    f"http://evil.example.com/index.html?uniscid={CODE}",
    f"http://www.gsxt.gov.cn.example.com/index.html?uniscid={CODE}",
    f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}\x00",
    f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}\u202e",
    f"http://www.gsxt.gov.cn/index .html?uniscid={CODE}",
    f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}&pad=" + "a" * 5000,
    "http://[::1/index.html?uniscid=" + CODE,
    "https://example.com/?u=" + urllib.parse.quote("https://example.com/?u=" + urllib.parse.quote(
        f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}")),  # wrapped twice
])
def test_urls_without_a_valid_code_give_none(payload):
    assert parse_licence_qr(payload) is None


# ---------------------------------------------------------------- text forms


def test_text_block_on_lines():
    payload = f"统一社会信用代码：{CODE}\n名称：某某（中国）有限公司\n类型：有限责任公司\n法定代表人：张三"
    # The full-width brackets of a registered name are kept as registered.
    assert parse_licence_qr(payload) == LicenceInfo(CODE, "某某（中国）有限公司")


def test_text_block_on_one_line_with_ascii_colons():
    payload = f"统一社会信用代码:{CODE}  企业名称:某某有限公司  类型:有限责任公司"
    assert parse_licence_qr(payload) == LicenceInfo(CODE, "某某有限公司")


def test_text_block_with_full_width_code_and_crlf():
    payload = "名称：某某商店\r\n统一社会信用代码：９２４４０３００ＭＡ５ＥＥＹ５ＸＸＴ\r\n"
    assert parse_licence_qr(payload) == LicenceInfo(SHENZHEN, "某某商店")


def test_text_block_without_name():
    assert parse_licence_qr(f"社会信用代码：{CODE}") == LicenceInfo(CODE, "")


def test_name_that_runs_into_the_next_field_is_dropped_not_guessed():
    payload = f"名称：某某公司类型：有限公司\n统一社会信用代码：{CODE}"
    assert parse_licence_qr(payload) == LicenceInfo(CODE, "")


def test_overlong_name_is_dropped():
    payload = f"统一社会信用代码：{CODE}\n名称：" + "某" * 500
    assert parse_licence_qr(payload) == LicenceInfo(CODE, "")


@pytest.mark.parametrize("payload", [
    CODE,  # typed, not scanned from a licence
    f"统一社会信用代码：{WRONG}\n名称：某某有限公司",
    f"统一社会信用代码：{CODE}1\n名称：某某有限公司",
    "注册号：610102100012345\n名称：某某有限公司",
    "名称：某某有限公司",
    f"统一社会信用代码：{CODE}\n名称：某某\x00有限公司",
    f"统一社会信用代码：{CODE}\n名称：\u202e司公限有某某",
    f"统一社会信用代码：{CODE}\u200b",
    f"统一社会信用代码：{CODE}\n" + "名称：某\n" * 1000,
    "",
    "   ",
])
def test_text_without_a_clean_valid_code_gives_none(payload):
    assert parse_licence_qr(payload) is None


# ---------------------------------------------------------------- bytes from a decoder


def test_bytes_are_read_as_utf8_or_gb18030():
    text = f"统一社会信用代码：{CODE}\n名称：某某有限公司"
    assert parse_licence_qr(text.encode("utf-8")) == LicenceInfo(CODE, "某某有限公司")
    assert parse_licence_qr(text.encode("gb18030")) == LicenceInfo(CODE, "某某有限公司")
    assert parse_licence_qr(bytearray(f"http://www.gsxt.gov.cn/index.html?uniscid={CODE}", "ascii")) \
        == LicenceInfo(CODE, "")


@pytest.mark.parametrize("payload", [None, 42, 3.5, ["http://www.gsxt.gov.cn"], {"uniscid": CODE},
                                     b"\xff\xfe\xfd", b"\x00" * 100_000])
def test_other_objects_give_none(payload):
    assert parse_licence_qr(payload) is None


# ---------------------------------------------------------------- properties


credit_codes = st.builds(
    make_credit_code,
    region=st.sampled_from(["610102", "110105", "440300", "330106"]),
    body=st.text(alphabet=CREDIT_CHARSET, min_size=9, max_size=9),
)


@settings(max_examples=200, deadline=None)
@given(credit_codes)
def test_any_valid_code_comes_back_from_the_national_url(code):
    assert parse_licence_qr(f"http://www.gsxt.gov.cn/index.html?uniscid={code}") == LicenceInfo(code, "")


@settings(max_examples=200, deadline=None)
@given(code=credit_codes, position=st.integers(0, 17), char=st.sampled_from(CREDIT_CHARSET))
def test_a_changed_character_never_yields_a_different_code(code, position, char):
    changed = code[:position] + char + code[position + 1:]
    result = parse_licence_qr(f"http://www.gsxt.gov.cn/index.html?uniscid={changed}")
    if changed == code:
        assert result == LicenceInfo(code, "")
    else:
        # GB 32100's mod-31 check catches every single substitution.
        assert result is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_is_not_a_licence(text):
    assert parse_licence_qr(text) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_not_a_licence(data):
    assert parse_licence_qr(data) is None


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(max_size=50), suffix=st.text(max_size=50))
def test_garbage_around_a_payload_never_invents_a_code(prefix, suffix):
    for payload in (f"{prefix}http://www.gsxt.gov.cn/index.html?uniscid={CODE}{suffix}",
                    f"{prefix}统一社会信用代码：{CODE}\n名称：{suffix}"):
        result = parse_licence_qr(payload)
        assert result is None or result.credit_code == CODE
        if result is not None:
            assert parse_credit_code(result.credit_code) == CODE
            assert not has_control(result.name) and "\n" not in result.name
