"""The 材料流转 dialog driven by keys: a station ticks and packs its cases, hands the
slip over; the centre scans the slip anywhere in the window, unticks a missing
bundle and signs for it."""

import pytest
from PyQt6.QtCore import Qt

from printing.codes import decode_codes
from workstation.services.acceptance import Intake, accept
from workstation.services.auth import login
from workstation.services.transfers import create, send, show
from workstation.ui.tasks import SyncRunner
from workstation.ui.transfer_dialog import CheckRowsModel, TransferDialog

from .conftest import PASSWORD
from .helpers import open_main_window

SP = ["M01", "M02", "M03", "M04"]


@pytest.fixture
def station(ws):
    return login(ws, "station", PASSWORD)


@pytest.fixture
def two_cases(ws, station, enterprise):
    return [accept(ws, station, Intake(["T-SP"], enterprise, SP)) for _ in range(2)]


def test_the_model_passes_qt_checks(qtmodeltester, ws, station, two_cases):
    from workstation.services.transfers import pending_cases

    model = CheckRowsModel()
    model.reset([r.to_json() for r in pending_cases(ws, station)])
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked


def test_station_packs_and_hands_over_by_keys(qtbot, ws, station, two_cases, tmp_path):
    window = open_main_window(qtbot, ws, station)
    qtbot.keyClick(window, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.transfer_dialog
    assert dialog.isVisible() and dialog.model.rowCount() == 2
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.table.hasFocus()
    dialog.table.setCurrentIndex(dialog.model.index(1, 0))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)           # the second stays for later
    assert [r["receipt_no"] for r in dialog.model.ticked_rows()] == [two_cases[0].receipt_no]
    qtbot.keyClick(dialog, Qt.Key.Key_F5)
    slip = dialog.slip
    assert slip and slip["status"] == "packed" and slip["cases"] == 1
    assert "已打包流转单" in dialog.message.text()
    qtbot.keyClick(dialog, Qt.Key.Key_F6)                    # no carrier yet: refused, said why
    assert "送件人" in dialog.message.text() and show(ws, station, slip["number"])["status"] == "packed"
    dialog.carrier.setFocus()
    dialog.carrier.setText("李师傅")                        # Chinese comes through the IME
    qtbot.keyClick(dialog, Qt.Key.Key_F6)
    assert dialog.slip["status"] == "sent" and "已交接出站" in dialog.message.text()
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: getattr(dialog, "last_pdf", None) is not None, timeout=20_000)
    with open(dialog.last_pdf, "rb") as f:
        assert slip["number"] in {c["data"] for c in decode_codes(f.read())}
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)                # back to what is still pending
    assert dialog.slip is None and dialog.model.rowCount() == 1


def test_centre_scans_and_signs_with_a_bundle_missing(qtbot, ws, clerk, station, two_cases):
    slip = create(ws, station, all_pending=True)
    send(ws, station, slip["number"], "李师傅")
    window = open_main_window(qtbot, ws, clerk)
    window.on_scanned(slip["qr"])                            # what the hand scanner hands on
    dialog = window.transfer_dialog
    assert dialog.isVisible() and dialog.slip["number"] == slip["number"]
    assert dialog.model.checkable and len(dialog.model.ticked_rows()) == 2
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(dialog.model.index(1, 0))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
    dialog.note.setFocus()
    dialog.note.setText("袋中缺第二件")
    qtbot.keyClick(dialog, Qt.Key.Key_F5)
    assert "签收有差异" in dialog.message.text()
    done = show(ws, clerk, slip["number"])
    assert done["status"] == "discrepancy"
    assert [i["state"] for i in done["items"]] == ["received", "missing"]
    assert done["items"][1]["note"] == "袋中缺第二件"
    assert not dialog.model.checkable                        # signed: nothing more to tick
    qtbot.keyClick(dialog, Qt.Key.Key_F5)
    assert "不能再签收" in dialog.message.text()


def test_unknown_slip_is_said_plainly(qtbot, ws, clerk):
    dialog = TransferDialog(ws, clerk, SyncRunner())
    qtbot.addWidget(dialog)
    dialog.number.setText("LZ-S01-20260930-001001-0")
    dialog.open_slip()
    assert dialog.slip is None and dialog.message.text()
    dialog.number.setText("nonsense")
    dialog.open_slip()
    assert "不是材料流转单编号" in dialog.message.text()
