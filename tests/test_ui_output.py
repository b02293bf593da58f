"""The output window driven by keys: pickup with the ID check, mail with a checked
address and a scanned waybill, and a hand scanner typing anywhere in the window."""

import pytest
from PyQt6.QtCore import Qt

from workstation.domain.identity import make_credit_code
from workstation.domain.mail import make_s10
from workstation.services.acceptance import Intake, accept
from workstation.services.cases import show
from .helpers import open_main_window


@pytest.fixture
def window(qtbot, ws, clerk):
    return open_main_window(qtbot, ws, clerk)


@pytest.fixture
def decided(ws, clerk, person):
    return accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]), approve_now=True)


def open_output(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.output
    return window.output


def scan(qtbot, widget, code: str) -> None:
    """A hand scanner: the whole code within a few milliseconds, then Enter."""
    widget.setFocus()
    qtbot.keyClicks(widget, code)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_pickup_by_keys(qtbot, window, ws, clerk, decided, person):
    screen = open_output(qtbot, window)
    assert [r.receipt_no for r in screen.model.rows] == [decided.receipt_no]
    screen.table.setFocus()
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    dialog = screen.pickup_dialog
    assert dialog.isVisible()
    qtbot.waitUntil(dialog.isActiveWindow)
    scan(qtbot, dialog.collector, person["id_number"])      # stays in the field: a scan target
    assert dialog.collector.text() == person["id_number"]
    assert dialog.signed.hasFocus()
    qtbot.keyClick(dialog.signed, Qt.Key.Key_Space)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert "申请人本人" in screen.message.text() and "送达回证" in screen.message.text()
    assert screen.model.rowCount() == 0
    assert show(ws, clerk, decided.receipt_no)["cases"][0]["status"] == "delivered"


def test_wrong_collector_is_refused(qtbot, window, ws, clerk, decided):
    screen = open_output(qtbot, window)
    screen.table.setFocus()
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    dialog = screen.pickup_dialog
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)                 # nothing typed: Enter moves on
    qtbot.keyClick(dialog, Qt.Key.Key_Return)                 # and then presses OK
    assert "证件号码" in dialog.message.text() and dialog.isVisible()
    qtbot.keyClicks(dialog.collector, "610102199005171232")
    qtbot.keyClick(dialog.collector, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.signed, Qt.Key.Key_Space)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert "均不符" in screen.message.text()
    assert show(ws, clerk, decided.receipt_no)["cases"][0]["status"] == "approved"
    assert screen.model.rowCount() == 1


def test_mail_by_keys_with_a_scanned_waybill(qtbot, window, ws, clerk, decided):
    screen = open_output(qtbot, window)
    screen.table.setFocus()
    qtbot.keyClick(screen, Qt.Key.Key_F6)
    dialog = screen.mail_dialog
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.name.text() == "张伟" and dialog.phone.text() == "13800138000"  # from the counter
    assert "新城区" in dialog.hints["address"].text()
    dialog.phone.clear()
    qtbot.keyClicks(dialog.phone, "1380013800")                # ten digits
    assert dialog.hints["phone"].text().startswith("✗")
    dialog.phone.clear()
    qtbot.keyClicks(dialog.phone, "13800138000")
    qtbot.keyClicks(dialog.postcode, "710004")
    waybill = make_s10(31415926)
    bad = waybill[:10] + str((int(waybill[10]) + 1) % 10) + waybill[11:]
    scan(qtbot, dialog.waybill, bad)
    assert dialog.isVisible() and "校验" in dialog.message.text()
    dialog.waybill.clear()
    scan(qtbot, dialog.waybill, waybill)
    assert not dialog.isVisible()
    assert waybill in screen.message.text()
    row = screen.model.rows[0]
    assert (row.method, row.waybill) == ("mail", waybill)


def test_scanner_in_the_output_window_selects_the_case(qtbot, window, ws, clerk, decided, person):
    other = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"]), approve_now=True)
    screen = open_output(qtbot, window)
    assert screen.model.rowCount() == 2
    scan(qtbot, screen.table, other.receipt_no)
    selected = screen.table.selectionModel().selectedRows()
    assert [screen.model.rows[i.row()].receipt_no for i in selected] == [other.receipt_no]


def test_scanning_a_licence_fills_the_enterprise(qtbot, window):
    code = make_credit_code("610102", "MA6X00017")
    form = window.acceptance.applicant
    scan(qtbot, form.address, f"http://www.gsxt.gov.cn/index.html?uniscid={code}")
    assert window.tabs.currentWidget() is window.acceptance
    assert form.enterprise.isChecked() and form.number.text() == code
    assert form.address.text() == ""                          # the scan was taken back out


def test_labels_and_manifest_in_print_preview(qtbot, window, ws, clerk, decided, tmp_path):
    from workstation.domain.mail import parse_mail_address
    from workstation.services.delivery import mail
    from printing.codes import decode_codes

    waybill = make_s10(27182818)
    mail(ws, clerk, decided.cases[0]["id"], waybill, parse_mail_address(
        {"name": "张伟", "phone": "13800138000", "address": "陕西省西安市新城区解放路1号", "postcode": "710004"}))
    screen = open_output(qtbot, window)
    screen.table.setFocus()
    assert screen.select_receipt(decided.receipt_no)
    qtbot.keyClick(screen, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: screen.last_pdf is not None or "错误" in screen.message.text(), timeout=20_000)
    assert screen.last_pdf, screen.message.text()
    assert waybill in [c["data"] for c in decode_codes(open(screen.last_pdf, "rb").read())]
    assert screen.previews[-1].document.pageCount() == 1
    screen.last_pdf = None
    preview = screen.previews[-1]
    qtbot.keyClick(preview, Qt.Key.Key_Escape)            # the clerk closes the preview
    assert not preview.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(screen, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: screen.last_pdf is not None, timeout=20_000)
    assert "交寄清单" in screen.previews[-1].windowTitle()
    out = tmp_path / "m.xlsx"
    screen.save_manifest_xlsx(str(out))
    qtbot.waitUntil(out.exists, timeout=20_000)
    qtbot.waitUntil(lambda: "已导出 1 件" in screen.message.text(), timeout=20_000)
