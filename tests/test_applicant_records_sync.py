"""Each acceptance's applicant, as recorded that day, across sync (issue 16, finding 10):
the centre keeps what the terminal sent for each acceptance, and a terminal that
pulls an acceptance made elsewhere records it as sent there, without rewriting its
own earlier cases or its applicant's current record. Real centre, real PostgreSQL."""

from workstation.services.acceptance import Intake, accept
from workstation.services.applicants import lookup
from workstation.services.auth import login
from workstation.services.cases import search, show
from workstation.services.sync.client import sync_once

from .conftest import PASSWORD
from .pg import central_db_url, pg_url  # noqa: F401
from .test_sync_client import centre, enrolled  # noqa: F401
from .test_sync_station import _enroll, station  # noqa: F401

RENAMED = {"name": "张薇", "phone": "13900139000"}


def test_the_centre_keeps_each_acceptances_applicant(enrolled, centre, clerk, person):
    ws = enrolled
    first = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    second = accept(ws, clerk, Intake(["T-GT"], person | RENAMED, ["M01", "M02"], update_applicant=True))
    assert sync_once(ws)["pending"] == 0
    held = {c["receipt_no"]: c["applicant"] for c in centre.cli("cases")["cases"]}
    assert held == {first.receipt_no: "张伟", second.receipt_no: "张薇"}


def test_a_pulled_acceptance_keeps_its_own_record_and_rewrites_nothing_here(
        ws, station, centre, clerk, person):
    district = ws
    _enroll(station, centre, "S01", "002")
    _enroll(district, centre, "district", "001")
    earlier = accept(district, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]))
    zhao = login(station, "zhao", PASSWORD)
    there = accept(station, zhao, Intake(["T-GT"], person | RENAMED, ["M01", "M02"]))
    assert sync_once(station)["pending"] == 0
    assert sync_once(district)["conflicts"] == 0

    assert show(district, clerk, there.receipt_no)["applicant"]["name"] == "张薇"
    assert show(district, clerk, there.receipt_no)["applicant"]["phone"] == RENAMED["phone"]
    assert show(district, clerk, earlier.receipt_no)["applicant"]["name"] == "张伟"
    # The current record here changes only when a clerk here confirms it.
    assert lookup(district, person["id_number"])["name"] == "张伟"
    for query in ("张伟", "张薇"):
        assert {r.receipt_no: r.applicant_name for r in search(district, clerk, query)} == {
            earlier.receipt_no: "张伟", there.receipt_no: "张薇"}, query
