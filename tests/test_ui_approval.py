"""The approver's screen, driven by keys: select, approve in bulk, watch, cancel, resume."""

import pytest
from PyQt6.QtCore import Qt

from workstation.services.acceptance import Intake, accept
from workstation.services.auth import add_user, login
from workstation.services.cases import search
from workstation.services.seals import create_seal
from workstation.ui.tasks import SyncRunner, TaskManager

from .conftest import PASSWORD
from .helpers import open_main_window


@pytest.fixture
def cases(ws, admin, clerk, enterprise):
    create_seal(ws, admin, name="西安市新城区行政审批服务局社会民生专用章", category="社会民生",
                algorithm="ecdsa-p256")
    add_user(ws, admin, "min", "民审", "approver", PASSWORD, categories=("社会民生",))
    return [accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"])).cases[0]["id"]
            for _ in range(6)]


def open_window(qtbot, ws, tasks):
    return open_main_window(qtbot, ws, login(ws, "min", PASSWORD), tasks)


def statuses(ws, clerk):
    return sorted(r.status for r in search(ws, clerk, "好味道"))


def test_approver_sees_only_the_queue(qtbot, ws, clerk, cases):
    w = open_window(qtbot, ws, SyncRunner())
    assert w.tabs.count() == 2 and w.tabs.currentWidget() is w.approval   # no 受理 tab
    assert w.approval.model.rowCount() == 6


def test_select_all_and_approve_with_progress(qtbot, ws, clerk, cases):
    w = open_window(qtbot, ws, SyncRunner())
    screen = w.approval
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert screen.progress.value() == 6 and screen.progress.maximum() == 6
    assert "已准予并签章 6/6" in screen.message.text()
    assert statuses(ws, clerk) == ["approved"] * 6
    assert screen.model.rowCount() == 0


def test_cancel_then_resume(qtbot, ws, clerk, cases):
    w = open_window(qtbot, ws, SyncRunner())
    screen = w.approval
    screen.advanced.connect(lambda done, total: done == 2 and screen.cancel())
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert "已准予并签章 2/6" in screen.message.text() and "F6" in screen.message.text()
    assert screen.resume_button.isEnabled()
    qtbot.keyClick(screen, Qt.Key.Key_F6)
    assert "已准予并签章 6/6" in screen.message.text()
    assert statuses(ws, clerk) == ["approved"] * 6


def test_nothing_selected_and_deny_needs_one(qtbot, ws, clerk, cases, monkeypatch):
    w = open_window(qtbot, ws, SyncRunner())
    screen = w.approval
    screen.table.clearSelection()
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert "请先选择" in screen.message.text()
    screen.table.selectAll()
    qtbot.keyClick(screen, Qt.Key.Key_F8)
    assert "逐件" in screen.message.text()
    from PyQt6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        staticmethod(lambda *a, **k: ("现场核查发现场所与申报不符", True)))
    screen.table.clearSelection()
    screen.table.selectRow(0)
    qtbot.keyClick(screen, Qt.Key.Key_F8)
    assert "不予许可决定" in screen.message.text()
    assert statuses(ws, clerk).count("denied") == 1


def test_bulk_job_on_the_worker_thread(qtbot, ws, clerk, cases):
    """The real task manager: the job runs off the GUI thread and its progress is shown."""
    w = open_window(qtbot, ws, TaskManager())
    screen = w.approval
    qtbot.waitUntil(lambda: screen.model.rowCount() == 6, timeout=10_000)
    screen.table.selectAll()
    with qtbot.waitSignal(screen.decided, timeout=60_000):
        screen.approve_selected()
    assert screen.progress.value() == 6
    assert statuses(ws, clerk) == ["approved"] * 6
    w.close()
