"""The output window's services: pickup with the ID check, mail, delivered, labels, manifest."""

from datetime import date

import pytest

from workstation.domain.errors import DomainError
from workstation.domain.identity import make_id_number
from workstation.domain.mail import make_s10, parse_mail_address
from workstation.services import PermissionDenied
from workstation.services.acceptance import Intake, accept
from workstation.services.approval import decide
from workstation.services.auth import login
from workstation.services.cases import show
from workstation.services.delivery import (
    mail,
    mail_recipient,
    mail_records,
    manifest,
    mark_delivered,
    output_queue,
    pickup,
)
from workstation.services.documents import verify_file
from workstation.services.errors import NotFound
from workstation.services.seals import SealVault

from .conftest import PASSWORD
from .helpers import snapshot

REP_ID = make_id_number("610103", date(1975, 1, 2), 45)
AGENT_ID = make_id_number("110101", date(1988, 8, 8), 7)
ADDRESS = {"name": "李娜", "phone": "13912345678", "address": "陕西省西安市新城区东五路8号",
           "postcode": "710004"}


@pytest.fixture
def approver(social_approver):
    return social_approver


def approved_on_spot(ws, clerk, person) -> str:
    return accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]), approve_now=True).cases[0]["id"]


def decided_enterprise(ws, clerk, approver, enterprise, **extra) -> str:
    data = dict(enterprise, legal_rep_id=REP_ID, **extra)
    case_id = accept(ws, clerk, Intake(["T-SP"], data, ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    decide(ws, approver, case_id, "approve", SealVault())
    return case_id


def test_queue_lists_decided_cases_only(ws, clerk, approver, person, enterprise):
    spot = approved_on_spot(ws, clerk, person)
    waiting = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    ids = [r.case_id for r in output_queue(ws, clerk)]
    assert spot in ids and waiting not in ids
    with pytest.raises(PermissionDenied):
        output_queue(ws, approver)


def test_pickup_by_the_applicant_issues_a_valid_service_receipt(ws, clerk, person):
    case_id = approved_on_spot(ws, clerk, person)
    out = pickup(ws, clerk, case_id, person["id_number"].lower() + "\n", SealVault())
    assert out["status"] == "delivered" and out["collector_role"] == "applicant"
    assert out["collector"] == "张伟"
    verdict = verify_file(ws, out["document"]["path"])
    assert verdict.valid and verdict.kind == "送达回证"
    data = show(ws, clerk, case_id)
    assert data["cases"][0]["status"] == "delivered"
    assert "送达回证" in [d["kind"] for d in data["documents"]]
    assert case_id not in [r.case_id for r in output_queue(ws, clerk)]
    with pytest.raises(DomainError, match="已经出件"):
        pickup(ws, clerk, case_id, person["id_number"], SealVault())


def test_the_mail_recipient_is_the_agent_else_the_person_or_legal_rep(ws, clerk, person, enterprise):
    def recipient(applicant, **extra):
        matter, ticked = ("T-SP", ["M01", "M02", "M03", "M04"]) if applicant["kind"] == "enterprise" \
            else ("T-GT", ["M01", "M02"])
        receipt = accept(ws, clerk, Intake([matter], dict(applicant, **extra), ticked)).receipt_no
        return mail_recipient(ws, clerk, receipt)

    assert recipient(person) == {"name": "张伟", "phone": "13800138000", "address": "西安市新城区解放路1号"}
    assert recipient(enterprise, legal_rep_id=REP_ID)["name"] == "李娜"    # the legal representative
    agent = {"name": "周代", "id_number": AGENT_ID, "phone": "13700000000"}
    assert recipient(person, agent=agent) == {"name": "周代", "phone": "13700000000",
                                              "address": "西安市新城区解放路1号"}
    with pytest.raises(NotFound):
        mail_recipient(ws, clerk, "610102209912310010001")


def test_pickup_by_legal_rep_or_agent(ws, clerk, approver, enterprise):
    by_rep = decided_enterprise(ws, clerk, approver, enterprise)
    assert pickup(ws, clerk, by_rep, REP_ID, SealVault())["collector_role"] == "legal_rep"
    agent = {"name": "周代", "id_number": AGENT_ID, "phone": "13700000000"}
    by_agent = decided_enterprise(ws, clerk, approver, enterprise, agent=agent)
    out = pickup(ws, clerk, by_agent, AGENT_ID, SealVault())
    assert out["collector_role"] == "agent" and out["collector"] == "周代"


def test_wrong_collector_changes_nothing(ws, clerk, approver, person, enterprise, tmp_path):
    case_id = approved_on_spot(ws, clerk, person)
    other = make_id_number("610102", date(1990, 5, 17), 123)
    not_an_image = tmp_path / "sig.png"
    not_an_image.write_bytes(b"not a picture")
    before = snapshot(ws.db.path)
    for call, fragment in [
        (lambda: pickup(ws, clerk, case_id, other, SealVault()), "均不符"),
        (lambda: pickup(ws, clerk, case_id, "", SealVault()), "请扫描或输入"),
        (lambda: pickup(ws, clerk, case_id, "x" * 10_000, SealVault()), "不超过30位"),
        (lambda: pickup(ws, clerk, case_id, person["id_number"][:17] + "0", SealVault()), "校验位"),
        (lambda: pickup(ws, clerk, case_id, person["id_number"], SealVault(),
                        signature_image=not_an_image), "不是可识别的图片"),
        (lambda: pickup(ws, clerk, case_id, person["id_number"], SealVault(),
                        signature_image=tmp_path / "missing.png"), "找不到签名图片"),
        (lambda: pickup(ws, clerk, "f" * 32, person["id_number"], SealVault()), "找不到案件"),
    ]:
        with pytest.raises(DomainError, match=fragment):
            call()
    waiting = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError, match="尚未作出决定"):
        pickup(ws, clerk, waiting, REP_ID, SealVault())
    assert snapshot(ws.db.path) == before


def test_signature_picture_is_kept(ws, clerk, person, tmp_path):
    from PIL import Image

    sig = tmp_path / "sig.png"
    Image.new("L", (200, 80), 255).save(sig)
    case_id = approved_on_spot(ws, clerk, person)
    pickup(ws, clerk, case_id, person["id_number"], SealVault(), signature_image=sig)
    assert (ws.data_dir / "signatures" / f"{case_id}.png").read_bytes() == sig.read_bytes()


def test_mail_then_delivered(ws, clerk, approver, enterprise):
    case_id = decided_enterprise(ws, clerk, approver, enterprise)
    waybill = make_s10(12345678)
    out = mail(ws, clerk, case_id, waybill.lower(), parse_mail_address(ADDRESS))
    assert out["status"] == "awaiting_delivery" and out["waybill"] == waybill
    row = next(r for r in output_queue(ws, clerk) if r.case_id == case_id)
    assert (row.method, row.delivery_status, row.waybill) == ("mail", "mailed", waybill)
    records = mail_records(ws, clerk, [case_id])
    assert records[0].district == "新城区" and records[0].postcode == "710004"
    assert [r.waybill for r in manifest(ws, clerk, ws.clock.today())] == [waybill]
    assert manifest(ws, clerk, date(2026, 1, 1)) == []
    assert mark_delivered(ws, clerk, waybill)["status"] == "delivered"
    with pytest.raises(DomainError, match="已标记妥投"):
        mark_delivered(ws, clerk, case_id)


def test_bad_mail_changes_nothing(ws, clerk, approver, person, enterprise):
    case_id = decided_enterprise(ws, clerk, approver, enterprise)
    other = decided_enterprise(ws, clerk, approver, enterprise)
    used = make_s10(1)
    mail(ws, clerk, other, used, parse_mail_address(ADDRESS))
    good = make_s10(2)
    bad_check = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    before = snapshot(ws.db.path)
    for call, fragment in [
        (lambda: mail(ws, clerk, case_id, bad_check, parse_mail_address(ADDRESS)), "校验"),
        (lambda: mail(ws, clerk, case_id, used, parse_mail_address(ADDRESS)), "已用于案件"),
        (lambda: mail(ws, clerk, case_id, "", parse_mail_address(ADDRESS)), "不能为空"),
        (lambda: mark_delivered(ws, clerk, case_id), "没有邮寄记录"),
        (lambda: mail_records(ws, clerk, [case_id]), "还没有登记邮寄"),
        (lambda: mail_records(ws, clerk, []), "请指定"),
    ]:
        with pytest.raises(DomainError, match=fragment):
            call()
    assert snapshot(ws.db.path) == before


def test_station_clerk_sees_only_their_station(ws, admin, clerk, person):
    case_id = approved_on_spot(ws, clerk, person)        # the district's case
    station = login(ws, "station", PASSWORD)
    assert output_queue(ws, station) == []
    with pytest.raises(NotFound):
        pickup(ws, station, case_id, person["id_number"], SealVault())
