"""Catalog imports: validated whole, versioned, and cases keep their version."""

import copy
import json

import pytest

from workstation.domain.errors import DomainError
from workstation.services import PermissionDenied
from workstation.services.acceptance import Intake, accept
from workstation.services.catalog import DEFAULT_CATALOG, current_catalog, import_catalog
from workstation.services.cases import show

from .conftest import DATA
from .helpers import snapshot


@pytest.fixture
def small():
    return json.loads((DATA / "catalog_small.json").read_text(encoding="utf-8"))


def test_default_catalog_is_rich_and_valid(ws):
    from workstation.domain.catalog import parse_catalog

    catalog = parse_catalog(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    assert len(catalog.matters) >= 15
    assert {m.category.value for m in catalog.matters} == {"商事登记", "投资建设", "社会民生"}
    names = {b.name for b in catalog.bundles}
    assert any("餐饮" in n for n in names) and any("民办幼儿园" in n for n in names)
    three = next(b for b in catalog.bundles if "三改一通一落地" in b.name)
    assert len(three.matters) == 8
    for m in catalog.matters:
        assert m.basis and m.conditions and m.procedure and m.fee and m.materials


def test_new_version_for_new_cases_old_cases_keep_theirs(ws, admin, clerk, person, small):
    old_version, _ = current_catalog(ws)
    first = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    changed = copy.deepcopy(small)
    changed["version"] = "test-2"
    changed["matters"][0]["promised_days"] = 1
    out = import_catalog(ws, admin, changed)
    assert out["version_id"] == old_version + 1
    second = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    assert show(ws, clerk, first.receipt_no)["cases"][0]["catalog_version_id"] == old_version
    assert show(ws, clerk, second.receipt_no)["cases"][0]["catalog_version_id"] == old_version + 1
    assert show(ws, clerk, second.receipt_no)["cases"][0]["promised_days"] == 1


@pytest.mark.parametrize("fault,fragment", [
    (lambda c: c["matters"][1].pop("basis"), "matters[1].basis"),
    (lambda c: c["matters"][0]["materials"][0].pop("code"), "matters[0].materials[0].code"),
    (lambda c: c["matters"][2].update(category="其他"), "matters[2].category"),
    (lambda c: c["bundles"][0]["matters"].append("NOPE"), "bundles[0].matters"),
    (lambda c: c["matters"][0].update(name="x" * 10_000), "matters[0].name"),
    (lambda c: c.update(matters=[]), "matters"),
])
def test_bad_catalog_rejected_whole(ws, admin, small, fault, fragment):
    fault(small)
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError) as info:
        import_catalog(ws, admin, small)
    assert fragment in str(info.value)
    assert snapshot(ws.db.path) == before


def test_only_admin_imports(ws, clerk, small):
    with pytest.raises(PermissionDenied):
        import_catalog(ws, clerk, small)
