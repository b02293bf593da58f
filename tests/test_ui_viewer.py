"""Electronic materials in the viewer, by keys: paged and zoomed (pictures decoded off
the GUI thread), materials checked and marked defective, the defects turned into a
一次性告知 at the counter; who may check; a page file gone from disk; capture from the
viewer; and the models under the model tester."""

import sqlite3
import threading
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QInputDialog, QMessageBox

from workstation.services import materials
from workstation.services.acceptance import Intake, accept
from workstation.services.auth import login
from workstation.ui.materials import MaterialsViewer
from workstation.ui.materials import images as images_module
from workstation.ui.materials.images import VIEW_SIDE, key_of
from workstation.ui.tasks import SyncRunner

from .conftest import PASSWORD
from .helpers import open_main_window
from .material_samples import colour_page, line_art_page, pdf_with_pages
from .test_ui_materials import activate, counts, drop, pages_of
from .test_ui_materials import case_id, files, no_real_camera  # noqa: F401  (fixtures; the camera one is autouse)


@pytest.fixture
def food_case(ws, clerk, enterprise, files):
    """食品经营许可 (社会民生) with pages: M01 two, M02 three (JPEG, line-art PNG, PDF), M03 none."""
    cid = accept(ws, clerk, Intake(["T-SP"], dict(enterprise), ["M01", "M02", "M03", "M04"])).cases[0]["id"]
    materials.add_files(ws, clerk, cid, "M01", [files("申请书1.jpg", colour_page(1240, 1754)),
                                                files("申请书2.jpg", colour_page(1240, 1754, quality=70))])
    materials.add_files(ws, clerk, cid, "M02", [files("执照.jpg", colour_page(1754, 1240)),
                                                files("执照副本.png", line_art_page()),
                                                files("执照.pdf", pdf_with_pages([(595, 842)]))])
    return cid


def wait_page(qtbot, viewer):
    page = viewer._current_page()
    qtbot.waitUntil(lambda: viewer.view.key == key_of(page, VIEW_SIDE), timeout=10_000)
    return page


def open_viewer(qtbot, window):
    viewer = window.materials_viewer
    activate(qtbot, viewer)
    qtbot.waitUntil(lambda: viewer.data is not None)
    wait_page(qtbot, viewer)
    return viewer


def test_viewer_from_the_queue_pages_and_zooms_by_keys(qtbot, ws, food_case, social_approver, monkeypatch):
    decoded_on = []
    real = images_module.decode
    monkeypatch.setattr(images_module, "decode", lambda *a, **k: (
        decoded_on.append(threading.current_thread() is threading.main_thread()), real(*a, **k))[1])
    images_module.clear_cache()
    window = open_main_window(qtbot, ws, social_approver)
    screen = window.approval
    screen.table.setFocus()
    qtbot.keyClick(screen, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    v = open_viewer(qtbot, window)
    assert "食品经营许可" in v.heading.text() and v.material["code"] == "M01" and v.page_index == 0
    assert not v.buttons["capture"].isVisible()               # approvers read, clerks capture
    assert "第 1/2 页" in v.status.text()
    qtbot.keyClick(v, Qt.Key.Key_PageDown)
    assert v.page_index == 1 and wait_page(qtbot, v)["seq"] == 2
    qtbot.keyClick(v, Qt.Key.Key_PageDown)                    # past the last page: the next material
    assert v.material["code"] == "M02" and v.page_index == 0
    qtbot.keyClick(v, Qt.Key.Key_End)
    assert v.page_index == 2
    wait_page(qtbot, v)
    qtbot.keyClick(v, Qt.Key.Key_Home)
    assert v.page_index == 0
    qtbot.keyClick(v, Qt.Key.Key_PageUp)                      # back to M01's last page
    assert (v.material["code"], v.page_index) == ("M01", 1)
    qtbot.keyClick(v, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert v.material["code"] == "M02"
    qtbot.keyClick(v, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)   # M03, M04: no pages
    assert v.material["code"] == "M02" and "最后一项" in v.message.text()
    page = wait_page(qtbot, v)
    fit = v.view.zoom
    assert v.view.fit_mode
    qtbot.keyClick(v, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert v.view.zoom == pytest.approx(fit * 1.25) and not v.view.fit_mode
    assert f"缩放 {fit * 125:.0f}%" in v.status.text()
    for _ in range(8):                                        # beyond the screen picture: the full one
        qtbot.keyClick(v, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: v.view.key == key_of(page, 0), timeout=10_000)
    assert v.view.image_side == max(page["width"], page["height"])
    qtbot.keyClick(v, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(v, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert v.view.fit_mode and v.view.zoom == pytest.approx(fit)
    qtbot.keyClick(v, Qt.Key.Key_R)
    assert v.view.rotation == 90 and "视图旋转 90°" in v.status.text()
    qtbot.keyClick(v, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    assert v.view.rotation == 0
    assert all(p["rotation"] == 0 for p in pages_of(ws, social_approver, food_case, "M02"))  # view only
    assert decoded_on and not any(decoded_on)                 # never decoded on the GUI thread
    v.close()


def test_check_defect_and_notice_from_the_case_detail(qtbot, ws, clerk, food_case, monkeypatch):
    window = open_main_window(qtbot, ws, clerk)
    window.open_case(food_case)
    detail = window.last_case_dialog
    activate(qtbot, detail)
    qtbot.keyClick(detail, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    v = open_viewer(qtbot, window)
    qtbot.keyClick(v, Qt.Key.Key_F5)                          # M01 已核验, on to M02
    assert v.model.rows[0]["check_state"] == "checked" and v.material["code"] == "M02"
    assert v.model.index(0, 2).data() == "已核验"
    answers = iter([("", True), ("营业执照复印件缺少副本页", True)])
    monkeypatch.setattr(QInputDialog, "getMultiLineText", staticmethod(lambda *a, **k: next(answers)))
    before = counts(ws)
    qtbot.keyClick(v, Qt.Key.Key_F6)                          # an empty note: nothing marked
    assert "请写明" in v.message.text() and counts(ws) == before
    qtbot.keyClick(v, Qt.Key.Key_F6)
    m02 = next(m for m in materials.list_materials(ws, clerk, food_case)["materials"] if m["code"] == "M02")
    assert (m02["check_state"], m02["check_note"]) == ("defective", "营业执照复印件缺少副本页")
    assert v.model.index(1, 3).data() == "营业执照复印件缺少副本页"
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a: (asked.append(text), QMessageBox.StandardButton.Yes)[1]))
    qtbot.keyClick(v, Qt.Key.Key_F7)
    assert "营业执照或主体资格证明：营业执照复印件缺少副本页" in asked[0]
    notice = v.last_notice
    assert notice.status == "notified" and notice.receipt_no in v.message.text()
    counter = window.acceptance
    assert notice.receipt_no in counter.result_view.toPlainText()
    assert "一次性告知书" in counter.result_view.toPlainText()
    assert [d["kind"] for d in counter.issued] == ["一次性告知书"]       # sealed as at the counter
    with sqlite3.connect(ws.db.path) as conn:
        rows = conn.execute("SELECT code, state, note FROM case_materials WHERE case_id = ?",
                            (notice.cases[0]["id"],)).fetchall()
    assert ("M02", "defective", "营业执照复印件缺少副本页") in rows


def test_an_approver_marks_but_the_counter_issues_the_notice(qtbot, ws, food_case, social_approver, monkeypatch):
    window = open_main_window(qtbot, ws, social_approver)
    window.open_materials(food_case)
    v = open_viewer(qtbot, window)
    qtbot.keyClick(v, Qt.Key.Key_F7)
    assert "没有标为“有缺陷”的材料" in v.message.text()
    monkeypatch.setattr(QInputDialog, "getMultiLineText", staticmethod(lambda *a, **k: ("申请书未签字", True)))
    qtbot.keyClick(v, Qt.Key.Key_F6)
    assert v.model.rows[0]["check_state"] == "defective"
    before = counts(ws)
    qtbot.keyClick(v, Qt.Key.Key_F7)
    assert "由综合窗口出具" in v.message.text() and counts(ws) == before
    qtbot.keyClick(v, Qt.Key.Key_F3)
    assert not hasattr(v, "capture_dialog")


def test_another_categorys_approver_may_read_but_not_check(qtbot, ws, admin, clerk, person, files):
    from workstation.services.auth import add_user

    cid = accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]
    materials.add_files(ws, clerk, cid, "M02", [files("id.jpg", colour_page(400, 600))])
    add_user(ws, admin, "min2", "民审", "approver", PASSWORD, categories=("社会民生",))
    other = login(ws, "min2", PASSWORD)
    window = open_main_window(qtbot, ws, other)
    window.open_materials(cid)
    v = open_viewer(qtbot, window)
    before = counts(ws)
    qtbot.keyClick(v, Qt.Key.Key_F5)
    assert "不在审批员" in v.message.text() and counts(ws) == before


def test_a_page_file_gone_from_disk_is_said_in_the_viewer(qtbot, ws, clerk, case_id, files):
    out = materials.add_files(ws, clerk, case_id, "M02", [files("id.jpg", colour_page(400, 601))])
    Path(out["pages"][0]["file"]).unlink()
    images_module.clear_cache()
    viewer = MaterialsViewer(ws, clerk, SyncRunner(), case_id)
    qtbot.addWidget(viewer)
    activate(qtbot, viewer)
    qtbot.waitUntil(lambda: "无法显示" in viewer.message.text(), timeout=10_000)
    assert "第1页" in viewer.message.text()
    viewer.close()


def test_capture_from_the_viewer_updates_it(qtbot, ws, clerk, case_id, files, monkeypatch):
    viewer = MaterialsViewer(ws, clerk, SyncRunner(), case_id)
    qtbot.addWidget(viewer)
    activate(qtbot, viewer)
    assert viewer.material["code"] == "M01" and "还没有电子页面" in viewer.view.note.toPlainText()
    qtbot.keyClick(viewer, Qt.Key.Key_F3)
    dialog = viewer.capture_dialog
    activate(qtbot, dialog)
    assert drop(dialog, [files("a.jpg", colour_page(500, 700))])
    assert viewer.model.rows[0]["page_count"] == 1
    dialog.close()
    viewer.activateWindow()
    wait_page(qtbot, viewer)
    viewer.close()


# ---------------------------------------------------------------- models

def test_models_pass_the_model_tester(qtmodeltester, qtbot, ws, clerk, food_case):
    viewer = MaterialsViewer(ws, clerk, SyncRunner(), food_case)
    qtbot.addWidget(viewer)
    qtmodeltester.check(viewer.model)
    qtmodeltester.check(viewer.pages_model)
    viewer.show_material(1)
    qtmodeltester.check(viewer.pages_model)
    viewer.close()
