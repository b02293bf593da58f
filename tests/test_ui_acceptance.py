"""The counter screen driven the way a clerk drives it: keys first."""

from datetime import date

import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication

from workstation.services.acceptance import Intake, accept
from workstation.services.cases import search
from workstation.ui.acceptance.checklist import COL_DEFECT, COL_PROMISE
from workstation.ui.login import LoginDialog
from workstation.ui.main_window import MainWindow
from workstation.ui.tasks import SyncRunner, TaskManager

from .conftest import PASSWORD
from .helpers import snapshot
from .qt_typing import type_text


@pytest.fixture
def window(qtbot, ws, clerk):
    w = MainWindow(ws, clerk, SyncRunner())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def choose(qtbot, screen, text):
    type_text(screen.matter_search, text)
    qtbot.keyClick(screen.matter_search, Qt.Key.Key_Return)


def tick(qtbot, screen, count):
    screen.table.setFocus()
    for _ in range(count):
        qtbot.keyClick(screen.table, Qt.Key.Key_Space)


def fill_enterprise(qtbot, form, data):
    qtbot.mouseClick(form.enterprise, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(form.number, data["credit_code"])
    type_text(form.name, data["name"])
    type_text(form.legal_rep, data["legal_rep"])
    qtbot.keyClicks(form.phone, data["phone"])


def test_login_dialog_wrong_then_right(qtbot, ws):
    dialog = LoginDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.login_edit, "clerk")
    qtbot.keyClick(dialog.login_edit, Qt.Key.Key_Return)
    assert dialog.message.text() == ""   # Enter in the login field only moves on
    qtbot.keyClicks(dialog.password_edit, "wrong-password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.message.text() == "用户名或密码错误"
    assert dialog.actor is None
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.login == "clerk"


def test_accept_by_keyboard_shows_receipt_and_due_date(qtbot, window, ws, clerk, enterprise):
    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    assert "号码有效" in screen.applicant.number_hint.text()
    choose(qtbot, screen, "食品")
    assert screen.chosen_codes == ["T-SP"]
    tick(qtbot, screen, 4)
    assert "已收 4 项" in screen.summary.text()
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    text = screen.result_view.toPlainText()
    assert "610102202609300010001" in text
    assert "2026年10月13日" in text
    assert "受理通知书" in text
    assert [r.matter_name for r in search(ws, clerk, "好味道")] == ["食品经营许可"]
    # What waits for the centre, as this clerk sees it: their own events only (a shared
    # PC does not show the next clerk someone else's stuck work); the 受理 seal's
    # certificate from init waits too, but is not theirs.
    import sqlite3

    with sqlite3.connect(ws.db.path) as conn:
        mine, everyone = conn.execute(
            "SELECT sum(user_login = 'clerk'), count(*) FROM outbox WHERE acked_at IS NULL").fetchone()
    assert mine >= 1 and everyone > mine
    assert f"待同步 {mine} 条" in window.outbox_label.text()


def test_next_applicant_clears_everything(qtbot, window, enterprise):
    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 2)
    qtbot.keyClick(screen, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert screen.applicant.number.text() == ""
    assert screen.checklist.rowCount() == 0
    assert screen.chosen_codes == []


def test_known_applicant_is_filled_in(qtbot, window, ws, clerk, person):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    form = window.acceptance.applicant
    qtbot.keyClicks(form.number, person["id_number"])
    assert form.name.text() == "张伟"
    assert form.phone.text() == person["phone"]
    assert "老申请人" in form.number_hint.text()


def test_bad_id_is_shown_as_typed_and_nothing_written(qtbot, window, ws):
    screen = window.acceptance
    qtbot.keyClicks(screen.applicant.number, "110105194912310021")
    assert "校验位" in screen.applicant.number_hint.text()
    type_text(screen.applicant.name, "张伟")
    choose(qtbot, screen, "个体")
    tick(qtbot, screen, 2)
    before = snapshot(ws.db.path)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert "校验位" in screen.message.text()
    assert QApplication.focusWidget() is screen.applicant.number
    assert snapshot(ws.db.path) == before


def test_missing_material_says_what_to_do(qtbot, window, ws, enterprise):
    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 2)
    before = snapshot(ws.db.path)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert "缺少必需材料" in screen.message.text()
    qtbot.keyClick(screen, Qt.Key.Key_F6)
    assert "承诺补交日期" in screen.message.text()
    assert snapshot(ws.db.path) == before


def edit_cell(qtbot, screen, row, column, text):
    """F2 opens the cell's editor; type; Enter commits."""
    screen.table.setCurrentIndex(screen.checklist.index(row, column))
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not screen.table
    type_text(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # Qt commits an editor on Enter through a queued call.
    qtbot.waitUntil(lambda: screen.table.state() != screen.table.State.EditingState)


def test_tolerated_acceptance_with_promise_date(qtbot, window, ws, clerk, enterprise):
    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 2)            # M01, M02
    qtbot.keyClick(screen.table, Qt.Key.Key_Down)  # skip M03
    qtbot.keyClick(screen.table, Qt.Key.Key_Space)  # M04
    edit_cell(qtbot, screen, 2, COL_PROMISE, "20261012")  # digits; each part advances
    assert screen.checklist.promises() == {"T-SP:M03": date(2026, 10, 12)}
    qtbot.keyClick(screen, Qt.Key.Key_F6)
    assert "容缺受理" in screen.result_view.toPlainText()
    assert "容缺受理承诺书" in screen.result_view.toPlainText()


def test_one_time_notice_with_defect(qtbot, window, ws, clerk, enterprise):
    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 2)
    edit_cell(qtbot, screen, 1, COL_DEFECT, "复印件模糊")
    qtbot.keyClick(screen, Qt.Key.Key_F7)
    assert "补正告知" in screen.result_view.toPlainText()
    assert "一次性告知书" in screen.result_view.toPlainText()


def test_refusal_dialog(qtbot, window, ws, clerk, person):
    screen = window.acceptance
    qtbot.keyClicks(screen.applicant.number, person["id_number"])
    type_text(screen.applicant.name, "张伟")
    qtbot.keyClicks(screen.applicant.phone, person["phone"])
    choose(qtbot, screen, "个体")

    def answer():
        dialog = QApplication.activeModalWidget()
        type_text(dialog.reason, "经营项目属于禁止类")
        dialog.basis.setCurrentIndex(0)
        qtbot.keyClick(dialog.organ, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    qtbot.keyClick(screen, Qt.Key.Key_F8)
    assert "不予受理" in screen.result_view.toPlainText()
    assert search(ws, clerk, "张伟")[0].status == "refused"


def test_bundle_accepts_all_matters_on_one_receipt(qtbot, window, ws, clerk, enterprise):
    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "餐饮企业")
    assert len(screen.chosen) == 2
    tick(qtbot, screen, screen.checklist.rowCount())
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    rows = search(ws, clerk, "好味道")
    assert len(rows) == 2 and len({r.receipt_no for r in rows}) == 1


def test_scanner_anywhere_opens_the_case(qtbot, window, ws, clerk, person):
    result = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    target = window.acceptance.applicant.address   # the scanner fires into whatever has focus
    target.setFocus()
    qtbot.keyClicks(target, result.receipt_no)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    dialog = window.last_case_dialog
    assert result.receipt_no in dialog.view.toPlainText()
    assert "张伟" in dialog.view.toPlainText()
    assert target.text() == ""


def test_slow_typing_is_not_a_scan(qtbot, window, ws, clerk, person):
    result = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    target = window.acceptance.applicant.address
    target.setFocus()
    for ch in result.receipt_no:
        qtbot.keyClick(target, ch)
        qtbot.wait(60)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    assert not hasattr(window, "last_case_dialog")
    assert target.text() == result.receipt_no


def test_case_list_search_and_open(qtbot, window, ws, clerk, person, enterprise):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    cases = window.cases
    assert cases.model.rowCount() == 2
    type_text(cases.search_edit, "张伟")
    qtbot.keyClick(cases.search_edit, Qt.Key.Key_Return)
    assert cases.model.rowCount() == 1
    cases.table.setFocus()
    qtbot.keyClick(cases.table, Qt.Key.Key_Return)
    assert "个体工商户设立登记" in window.last_case_dialog.view.toPlainText()
    cases.search_edit.clear()
    qtbot.keyClicks(cases.search_edit, "x")
    qtbot.keyClick(cases.search_edit, Qt.Key.Key_Return)
    assert cases.info.text() == "没有找到案件"


def test_models_pass_the_model_tester(qtmodeltester, window, ws, clerk, person):
    accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    screen = window.acceptance
    choose_item = screen.catalog.bundle("B-CY")
    screen.choose(choose_item)
    qtmodeltester.check(screen.checklist)
    qtmodeltester.check(screen.matter_model)
    window.cases.refresh()
    qtmodeltester.check(window.cases.model)


def test_real_worker_thread_delivers_result(qtbot, ws, clerk, enterprise):
    """The real task manager does the work on its own thread and reports back by signal."""
    w = MainWindow(ws, clerk, TaskManager())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    screen = w.acceptance
    qtbot.waitUntil(lambda: screen.catalog is not None)
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 4)
    screen.submit("accept")
    qtbot.waitUntil(lambda: screen.result is not None or bool(screen.message.text()), timeout=10_000)
    assert screen.message.text() == ""
    assert screen.result.receipt_no == "610102202609300010001"
    w.close()


def test_fast_typing_in_two_fields_is_not_a_scan(qtbot, window, ws, clerk, person):
    """Digits typed into the ID field and an Enter later in another field are two
    things, however fast the clerk (or the test) is."""
    screen = window.acceptance
    qtbot.keyClicks(screen.applicant.number, person["id_number"])
    qtbot.keyClicks(screen.applicant.phone, "13800138000")
    qtbot.keyClick(screen.applicant.phone, Qt.Key.Key_Return)
    assert screen.applicant.phone.text() == "13800138000"
    assert not hasattr(window, "last_case_dialog")


def test_documents_sealed_after_acceptance_in_the_window(qtbot, window, ws, enterprise):
    from workstation.services.documents import verify_file

    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 4)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert [d["kind"] for d in screen.issued] == ["受理通知书", "材料接收凭证"]
    assert "已盖章签名" in screen.result_view.toPlainText()
    assert all(verify_file(ws, d["path"]).valid for d in screen.issued)


def test_window_asks_for_the_seal_secret_when_the_keyring_has_none(qtbot, window, ws, enterprise,
                                                                   monkeypatch):
    import keyring

    from workstation.services.seals import KEYRING_SERVICE, list_seals

    seal_id = list_seals(ws)[0]["id"]
    user = f"{ws.data_dir.resolve()}|{seal_id}"
    secret = keyring.get_password(KEYRING_SERVICE, user)
    keyring.delete_password(KEYRING_SERVICE, user)
    monkeypatch.delenv("WORKSTATION_SEAL_SECRET", raising=False)
    asked = []

    def answer(parent, title, label, echo):
        asked.append(title)
        return (secret, True) if len(asked) > 1 else ("wrong-secret", True)

    from PyQt6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(answer))
    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 4)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    # First a wrong secret (asked again), then the right one: documents issued.
    assert asked == ["解锁受理印章", "解锁受理印章"]
    assert len(screen.issued) == 2


def test_preview_and_print_the_documents(qtbot, window, ws, enterprise, tmp_path):
    """F9: LibreOffice converts on its own worker, the pages show, and what is
    printed still carries a QR code that verifies."""
    import subprocess

    from PyQt6.QtPrintSupport import QPrinter

    from workstation.services.documents import verify_image

    screen = window.acceptance
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 4)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    qtbot.keyClick(screen, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: len(screen.previews) == 2, timeout=180_000)
    preview = screen.previews[0]
    assert preview.document.pageCount() >= 1
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert preview.print_to(printer) == preview.document.pageCount()
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(tmp_path / "printed.pdf"),
                    str(tmp_path / "printed")], check=True, timeout=60)
    verdict = verify_image(ws, next(tmp_path.glob("printed*.png")))
    assert verdict.valid and verdict.document_no in [d["number"] for d in screen.issued]
    for dialog in screen.previews:
        dialog.close()
    window.tasks.wait()


def test_preview_before_any_document(qtbot, window):
    qtbot.keyClick(window.acceptance, Qt.Key.Key_F9)
    assert "还没有已签章的文书" in window.acceptance.message.text()
