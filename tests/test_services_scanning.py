"""What a scanned code leads to: every code the workstation prints opens its case."""

import pytest

from workstation.domain.errors import DomainError
from workstation.domain.identity import make_credit_code
from workstation.domain.mail import make_s10, parse_mail_address
from workstation.services.acceptance import Intake, accept
from workstation.services.auth import login
from workstation.services.delivery import mail
from workstation.services.documents import issue_pending
from workstation.services.scanning import understand
from workstation.services.seals import SealVault

from .conftest import PASSWORD


@pytest.fixture
def accepted(ws, clerk, person):
    return accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]), approve_now=True)


def test_receipt_number_case_id_and_progress_url(ws, clerk, accepted):
    for text in (accepted.receipt_no, accepted.receipt_no.lower() + "\r\n", accepted.cases[0]["id"],
                 f"https://zwfw.example.gov.cn/progress?no={accepted.receipt_no}"):
        result = understand(ws, clerk, text)
        assert result.receipt_no == accepted.receipt_no and result.opens_case, text
        assert list(result.case_ids) == [accepted.cases[0]["id"]]


def test_document_qr_is_verified_and_opens_the_case(ws, clerk, accepted):
    docs = issue_pending(ws, clerk, accepted.receipt_no, SealVault())
    result = understand(ws, clerk, docs[0]["qr"])
    assert result.kind == "document" and result.receipt_no == accepted.receipt_no
    assert result.detail["verdict"]["valid"]
    forged = docs[0]["qr"].replace(accepted.receipt_no, accepted.receipt_no[:-1] + "9")
    bad = understand(ws, clerk, forged)
    assert bad.kind == "document" and not bad.detail["verdict"]["valid"]


def test_waybill_leads_to_the_mailed_case(ws, clerk, accepted):
    waybill = make_s10(4242)
    mail(ws, clerk, accepted.cases[0]["id"], waybill, parse_mail_address(
        {"name": "张伟", "phone": "13800138000", "address": "西安市新城区解放路1号", "postcode": "710004"}))
    result = understand(ws, clerk, waybill)
    assert result.kind == "waybill" and result.receipt_no == accepted.receipt_no
    unknown = understand(ws, clerk, make_s10(999))
    assert unknown.kind == "waybill" and not unknown.opens_case and "没有运单号" in unknown.detail["message"]


def test_licence_and_foreign_codes(ws, clerk):
    code = make_credit_code("610102", "MA6X00017")
    licence = understand(ws, clerk, f"http://www.gsxt.gov.cn/index.html?uniscid={code}")
    assert licence.kind == "licence" and licence.detail["credit_code"] == code and not licence.opens_case
    for text in ("https://example.com/?x=1", "hello world", "WX1|a|b", "9" * 5000, "\u202e" * 20):
        assert understand(ws, clerk, text).kind == "foreign"
    assert understand(ws, clerk, "6101022026093000199999").kind in ("receipt", "foreign")
    with pytest.raises(DomainError, match="为空"):
        understand(ws, clerk, "  \n")


def test_a_station_cannot_open_the_districts_cases(ws, accepted):
    station = login(ws, "station", PASSWORD)
    result = understand(ws, station, accepted.receipt_no)
    assert not result.opens_case and "没有受理编号" in result.detail["message"]


def test_a_domestic_waybill_is_not_taken_for_a_receipt(ws, clerk, accepted):
    waybill = "1100000000001"                 # 13 digits: a receipt pattern could match too
    mail(ws, clerk, accepted.cases[0]["id"], waybill, parse_mail_address(
        {"name": "张伟", "phone": "13800138000", "address": "西安市新城区解放路1号", "postcode": "710004"}))
    result = understand(ws, clerk, waybill)
    assert result.kind == "waybill" and result.receipt_no == accepted.receipt_no
