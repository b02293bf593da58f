"""Issue 16, finding 12 in the window: the disk fills after an acceptance commits.
The clerk must see the receipt number that was issued and what is still pending, in
Chinese, never a bare "内部错误", and finish the documents from the case's screen."""

import errno
import sqlite3

from PyQt6.QtCore import Qt

from workstation.services import audit, documents

from .helpers import open_main_window
from .qt_typing import type_text
from .test_ui_acceptance import choose, fill_enterprise, tick


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _document_rows(ws, receipt: str) -> list[tuple[str, str | None]]:
    with sqlite3.connect(ws.db.path) as conn:
        rows = conn.execute("SELECT d.kind, d.path FROM documents d JOIN acceptances a ON a.id = d.acceptance_id "
                            "WHERE a.receipt_no = ? ORDER BY d.id", (receipt,)).fetchall()
    conn.close()
    return rows


def _active(qtbot, widget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)


def test_disk_full_after_the_commit_shows_the_receipt_and_the_clerk_finishes_from_the_case(
        qtbot, ws, clerk, enterprise, monkeypatch):
    window = open_main_window(qtbot, ws, clerk)
    screen = window.acceptance
    monkeypatch.setattr(documents, "_write_atomically", _disk_full)   # the one place documents are written
    fill_enterprise(qtbot, screen.applicant, enterprise)
    choose(qtbot, screen, "食品")
    tick(qtbot, screen, 4)
    qtbot.keyClick(screen, Qt.Key.Key_F5)

    receipt = screen.last_receipt_no
    assert receipt == "610102202609300010001"
    message = screen.message.text()
    assert f"受理编号 {receipt} 已登记" in message, message
    assert "受理通知书、材料接收凭证尚未生成" in message and "磁盘已满" in message
    assert "按 F5 补出文书" in message and "内部错误" not in message
    shown = screen.result_view.toPlainText()
    assert receipt in shown and "尚未生成：受理通知书、材料接收凭证" in shown
    # The acceptance stands; its documents are numbered and waiting for their files.
    assert [kind for kind, _ in _document_rows(ws, receipt)] == ["受理通知书", "材料接收凭证"]
    assert all(path is None for _, path in _document_rows(ws, receipt))

    # 案件 (Ctrl+2): the receipt number, Enter, and the case says what is missing.
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    cases = window.cases
    type_text(cases.search_edit, receipt)
    qtbot.keyClick(cases.search_edit, Qt.Key.Key_Return)
    cases.table.setFocus()
    qtbot.keyClick(cases.table, Qt.Key.Key_Return)
    dialog = window.last_case_dialog
    _active(qtbot, dialog)
    assert dialog.view.toPlainText().count("尚未生成（F5 补出）") == 2
    # F5 while the disk is still full: told why, nothing lost, F5 stays available.
    qtbot.keyClick(dialog, Qt.Key.Key_F5)
    assert "文书仍未生成" in dialog.message.text() and "磁盘已满" in dialog.message.text()
    assert "内部错误" not in dialog.message.text() and dialog.issue_button.isEnabled()
    assert all(path is None for _, path in _document_rows(ws, receipt))

    # Room again: F5 makes both from the committed acceptance.
    monkeypatch.undo()
    qtbot.keyClick(dialog, Qt.Key.Key_F5)
    assert "已补出并盖章签名" in dialog.message.text(), dialog.message.text()
    assert "尚未生成" not in dialog.view.toPlainText()
    rows = _document_rows(ws, receipt)
    assert all(path is not None and (ws.data_dir / path).is_file() for _, path in rows), rows
    with ws.reading() as s:
        assert audit.verify(s).ok


def test_a_case_whose_documents_are_all_made_offers_no_f5(qtbot, ws, clerk, person):
    from workstation.services.acceptance import Intake, accept
    from workstation.services.documents import issue_pending
    from workstation.services.seals import SealVault

    result = accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]))
    issue_pending(ws, clerk, result.receipt_no, SealVault())
    window = open_main_window(qtbot, ws, clerk)
    window.open_case(result.receipt_no)
    dialog = window.last_case_dialog
    assert dialog.issue_button is None and "尚未生成" not in dialog.view.toPlainText()
