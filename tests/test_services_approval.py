"""Back-office decisions: the queue, one case, many cases, a crash in the middle."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from workstation.domain.errors import DomainError
from workstation.services import PermissionDenied
from workstation.services.acceptance import Intake, accept
from workstation.services.approval import create_job, decide, job_summary, queue, run_job
from workstation.services.documents import verify_file
from workstation.services.errors import NotFound
from workstation.services.seals import SealVault

from .conftest import SEAL_SECRET
from .helpers import snapshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def approver(social_approver):
    return social_approver


def accepted(ws, clerk, enterprise, n):
    return [accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"])).cases[0]["id"]
            for _ in range(n)]


def test_queue_holds_the_approvers_categories(ws, clerk, approver, person, enterprise):
    sp = accepted(ws, clerk, enterprise, 2)
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))        # 商事登记: not theirs
    assert sorted(r.id for r in queue(ws, approver)) == sorted(sp)
    with pytest.raises(PermissionDenied):
        queue(ws, clerk)


def test_one_decision_with_a_sealed_document(ws, clerk, approver, enterprise):
    case_id = accepted(ws, clerk, enterprise, 1)[0]
    out = decide(ws, approver, case_id, "approve", SealVault())
    assert out["status"] == "approved"
    verdict = verify_file(ws, out["document"]["path"])
    assert verdict.valid and verdict.kind == "准予行政许可决定书" and verdict.seal_name.endswith("社会民生专用章")
    with pytest.raises(DomainError, match="不能重复审批"):
        decide(ws, approver, case_id, "approve", SealVault())
    denied = decide(ws, approver, accepted(ws, clerk, enterprise, 1)[0], "deny", SealVault(),
                    reason="现场核查发现经营场所与申报不符")
    assert denied["status"] == "denied"
    assert verify_file(ws, denied["document"]["path"]).kind == "不予行政许可决定书"


def test_bad_decisions_change_nothing(ws, clerk, approver, person, enterprise):
    case_id = accepted(ws, clerk, enterprise, 1)[0]
    other = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"])).cases[0]["id"]
    before = snapshot(ws.db.path)
    for call, fragment in [
        (lambda: decide(ws, approver, case_id, "deny", SealVault(), reason=""), "理由不能为空"),
        (lambda: decide(ws, approver, case_id, "deny", SealVault(), reason="理" * 10_000), "过长"),
        (lambda: decide(ws, approver, case_id, "maybe", SealVault()), "准予或不予"),
        (lambda: decide(ws, approver, other, "approve", SealVault()), "商事登记"),
        (lambda: decide(ws, approver, "f" * 32, "approve", SealVault()), "找不到案件"),
        (lambda: decide(ws, clerk, case_id, "approve", SealVault()), "没有“审批”的权限"),
        (lambda: create_job(ws, approver, [case_id, "0" * 32], "approve"), "找不到案件"),
        (lambda: create_job(ws, approver, [], "approve"), "没有选中"),
    ]:
        with pytest.raises(DomainError, match=fragment):
            call()
    assert snapshot(ws.db.path) == before


def test_bulk_job_lists_failures_and_goes_on(ws, clerk, approver, person, enterprise):
    cases = accepted(ws, clerk, enterprise, 5)
    decide(ws, approver, cases[2], "approve", SealVault())          # already decided
    job = create_job(ws, approver, cases, "approve")
    seen = []
    summary = run_job(ws, approver, job, SealVault(), progress=lambda d, t: seen.append((d, t)))
    assert summary["done"] == 4 and summary["pending"] == 0 and summary["status"] == "done"
    assert [f["case_id"] for f in summary["failed"]] == [cases[2]]
    assert seen[-1] == (5, 5)


def test_cancel_and_resume(ws, clerk, approver, enterprise):
    cases = accepted(ws, clerk, enterprise, 6)
    job = create_job(ws, approver, cases, "approve")
    calls = []
    summary = run_job(ws, approver, job, SealVault(), progress=lambda d, t: calls.append(d),
                      cancelled=lambda: len(calls) >= 2)
    assert summary["done"] == 2 and summary["pending"] == 4 and summary["status"] == "open"
    summary = run_job(ws, approver, job, SealVault())
    assert summary["done"] == 6 and summary["pending"] == 0


def _run_and_kill_after(ws, job, lines):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", WORKSTATION_SEAL_SECRET=SEAL_SECRET)
    proc = subprocess.Popen([sys.executable, "-m", "tests.approve_job", str(ws.data_dir), job],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    for _ in range(lines):
        line = proc.stdout.readline()
        assert line, "the job process ended early"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_the_summary_of_an_unknown_job_is_not_found(ws):
    with pytest.raises(NotFound, match="找不到批量任务"):
        job_summary(ws, "no-such-job")


def test_killed_job_resumes_and_seals_each_case_once(ws, clerk, approver, enterprise):
    """Issue 3's test: a 200-case job killed twice in the middle, then resumed."""
    cases = accepted(ws, clerk, enterprise, 200)
    job = create_job(ws, approver, cases, "approve")
    _run_and_kill_after(ws, job, 40)              # first process: killed after ~40 cases
    first = job_summary(ws, job)["done"]
    assert 40 <= first < 200
    _run_and_kill_after(ws, job, 40)              # a resume, killed again
    second = job_summary(ws, job)["done"]
    assert first + 40 <= second < 200
    summary = run_job(ws, approver, job, SealVault())
    assert summary["done"] == 200 and summary["failed"] == [] and summary["pending"] == 0
    with sqlite3.connect(ws.db.path) as conn:
        per_case = dict(conn.execute(
            "SELECT case_id, count(*) FROM documents WHERE kind = '准予行政许可决定书' GROUP BY case_id"))
        paths = [r[0] for r in conn.execute(
            "SELECT path FROM documents WHERE kind = '准予行政许可决定书'")]
        statuses = {r[0] for r in conn.execute(
            f"SELECT status FROM cases WHERE id IN ({','.join('?' * len(cases))})", cases)}
    assert per_case == {c: 1 for c in cases}             # each case sealed exactly once
    assert statuses == {"approved"}
    assert all(verify_file(ws, ws.data_dir / p).valid for p in paths)
