"""Review, suspension, resumption and extension move the deadline as the law says."""

from datetime import date

import pytest

from workstation.config import Clock
from workstation.domain.errors import DomainError
from workstation.services import PermissionDenied
from workstation.services.acceptance import Intake, accept
from workstation.services.auth import login
from workstation.services.case_clock import extend, resume, start_review, suspend
from workstation.services.cases import show

from .conftest import PASSWORD
from .helpers import snapshot


@pytest.fixture
def case_id(ws, clerk, enterprise):
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    return result.cases[0]["id"]


def test_suspension_stops_the_clock(ws, case_id):
    approver = login(ws, "approver", PASSWORD)
    start_review(ws, approver, case_id)
    ws.clock = Clock(date(2026, 10, 8))
    out = suspend(ws, approver, case_id, "组织专家评审")
    assert out["status"] == "suspended" and out["due_date"] is None
    ws.clock = Clock(date(2026, 10, 12))
    out = resume(ws, approver, case_id)
    # Suspended 10-08 … 10-11 (Thu, Fri, the 10-10 make-up Saturday, Sunday):
    # three working days not counted, so 10-13 moves to 10-16.
    assert out["status"] == "reviewing"
    assert out["due_date"] == "2026-10-16"
    stops = show(ws, approver, case_id)["cases"][0]["suspensions"]
    assert stops == [{"start": "2026-10-08", "end": "2026-10-11", "reason": "组织专家评审"}]


def test_extension_moves_the_statutory_limit_only(ws, case_id):
    boss = login(ws, "boss", PASSWORD)
    before = show(ws, boss, case_id)["cases"][0]
    out = extend(ws, boss, case_id, 10, "需现场核查")
    assert out["due_date"] == before["due_date"]
    assert out["statutory_due_date"] == "2026-11-17"   # 2026-11-03 + 10 working days
    with pytest.raises(DomainError, match="累计延长不能超过15"):
        extend(ws, boss, case_id, 6, "再延")


@pytest.mark.parametrize("days", [0, -1, 16, True, "5"])
def test_bad_extension_changes_nothing(ws, case_id, days):
    boss = login(ws, "boss", PASSWORD)
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError):
        extend(ws, boss, case_id, days, "理由")
    assert snapshot(ws.db.path) == before


def test_forbidden_moves_and_roles(ws, clerk, case_id):
    with pytest.raises(PermissionDenied):
        start_review(ws, clerk, case_id)
    approver = login(ws, "approver", PASSWORD)
    before = snapshot(ws.db.path)
    with pytest.raises(DomainError, match="不能直接变为“中止”"):
        suspend(ws, approver, case_id, "检验")      # must be under review first
    with pytest.raises(PermissionDenied):
        extend(ws, approver, case_id, 5, "x")
    with pytest.raises(DomainError, match="找不到案件"):
        start_review(ws, approver, "0" * 32)
    assert snapshot(ws.db.path) == before


def test_calendar_import_recomputes_open_cases(ws, admin, clerk, enterprise):
    from workstation.services.calendar import import_calendar

    ws.clock = Clock(date(2026, 12, 22))
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    case = result.cases[0]
    assert case["provisional"] and result.statutory_due_date == date(2027, 1, 19)
    out = import_calendar(ws, admin, {"year": 2027, "source": "国办发明电〔2026〕示例",
                                      "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
                                      "workdays": []})
    assert out["cases_recomputed"] == 1
    now = show(ws, clerk, result.receipt_no)["cases"][0]
    assert now["provisional"] is False
    # 2027-01-01 (a Friday) counted as a working day until the schedule made it 元旦.
    assert now["statutory_due_date"] == "2027-01-20"
