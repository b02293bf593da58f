"""The typed results (workstation/services/results.py) name the keys the services
return, in the order the CLI prints them: a TypedDict that drifts from its service
fails here rather than in a script that reads the JSON."""

from workstation.services import results
from workstation.services.acceptance import Intake, accept
from workstation.services.applicants import lookup
from workstation.services.cases import show
from workstation.services.sync.client import status


def keys(shape) -> list[str]:
    return list(shape.__annotations__)


def test_an_acceptance_and_its_detail_have_the_keys_of_their_types(ws, clerk, enterprise):
    data = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"])).to_json()
    assert list(data) == keys(results.RegisteredJson)
    assert [list(c) for c in data["cases"]] == [keys(results.CaseSummary)]
    detail = show(ws, clerk, data["receipt_no"])
    assert list(detail) == keys(results.AcceptanceDetail)
    assert list(detail["cases"][0]) == keys(results.CaseDetail)
    assert list(detail["cases"][0]["materials"][0]) == keys(results.CaseMaterialJson)


def test_an_applicant_has_only_keys_its_type_names(ws, clerk, enterprise):
    accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    found = lookup(ws, enterprise["credit_code"])
    assert found is not None
    # (NotRequired is not seen at run time under `from __future__ import annotations`
    # on Python 3.11, so the always-present keys are spelled out.)
    assert {"kind", "name", "phone", "address"} <= set(found) <= set(keys(results.ApplicantJson))
    assert found["credit_code"] == enterprise["credit_code"]


def test_the_sync_status_has_the_keys_of_its_type(ws):
    out = status(ws)
    assert list(out) == keys(results.SyncStatus)
    assert out["enrolled"] is False and out["server"] is None
