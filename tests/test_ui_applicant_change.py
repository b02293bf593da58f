"""The counter screen with a returning applicant whose details differ: the differences
are shown old → new, Esc goes back to the form with nothing written, Enter confirms
the update and registers the outcome; the earlier case keeps its name."""

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from workstation.services.acceptance import Intake, accept
from workstation.services.applicants import lookup
from workstation.services.cases import search, show
from workstation.ui.main_window import MainWindow
from workstation.ui.tasks import SyncRunner

from .helpers import snapshot
from .qt_typing import type_text


@pytest.fixture
def window(qtbot, ws, clerk):
    w = MainWindow(ws, clerk, SyncRunner())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _returning_with_new_name(qtbot, screen, person):
    form = screen.applicant
    qtbot.keyClicks(form.number, person["id_number"])
    assert form.name.text() == "张伟"                      # recognised and filled in
    form.name.setFocus()
    qtbot.keyClick(form.name, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(form.name, Qt.Key.Key_Delete)
    type_text(form.name, "张薇")
    type_text(screen.matter_search, "个体")
    qtbot.keyClick(screen.matter_search, Qt.Key.Key_Return)
    screen.table.setFocus()
    for _ in range(2):
        qtbot.keyClick(screen.table, Qt.Key.Key_Space)


def _dialog(qtbot, screen):
    qtbot.waitUntil(lambda: getattr(screen, "change_dialog", None) is not None
                    and screen.change_dialog.isVisible())
    return screen.change_dialog


def test_changed_name_is_shown_and_esc_goes_back_with_nothing_written(qtbot, window, ws, clerk, person):
    first = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    screen = window.acceptance
    _returning_with_new_name(qtbot, screen, person)
    before = snapshot(ws.db.path)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    dialog = _dialog(qtbot, screen)
    assert dialog.rows == [("姓名", "张伟", "张薇")]
    assert dialog.findChild(type(dialog.confirm), "confirm_update") is dialog.confirm
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert "未登记" in screen.message.text()
    assert QApplication.focusWidget() is screen.applicant.name
    assert snapshot(ws.db.path) == before
    assert screen.result is None
    assert show(ws, clerk, first.receipt_no)["applicant"]["name"] == "张伟"


def test_enter_confirms_the_update_and_the_earlier_case_keeps_its_name(qtbot, window, ws, clerk, person):
    first = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    screen = window.acceptance
    _returning_with_new_name(qtbot, screen, person)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    dialog = _dialog(qtbot, screen)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.result is not None)
    second = screen.result.receipt_no
    assert second in screen.result_view.toPlainText()
    assert show(ws, clerk, second)["applicant"]["name"] == "张薇"
    assert show(ws, clerk, first.receipt_no)["applicant"]["name"] == "张伟"
    assert lookup(ws, person["id_number"])["name"] == "张薇"
    assert {r.receipt_no: r.applicant_name for r in search(ws, clerk, "张伟")} == {
        first.receipt_no: "张伟", second: "张薇"}


def test_same_details_register_without_a_question(qtbot, window, ws, clerk, person):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    screen = window.acceptance
    qtbot.keyClicks(screen.applicant.number, person["id_number"])
    type_text(screen.matter_search, "个体")
    qtbot.keyClick(screen.matter_search, Qt.Key.Key_Return)
    screen.table.setFocus()
    for _ in range(2):
        qtbot.keyClick(screen.table, Qt.Key.Key_Space)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert screen.result is not None
    assert getattr(screen, "change_dialog", None) is None
