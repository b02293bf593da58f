"""Electronic materials in the window, by keys and clicks: capture from files (open and
drop), a watched folder and a document camera faked only at the Qt Multimedia edge;
pages reordered, turned and deleted by keys; reuse by one key; and bad input (a text
file, a corrupt PDF, a file over the limit) said plainly with nothing changed. The
viewer's tests are in test_ui_viewer.py."""

import sqlite3
import threading
from pathlib import Path

import pytest
from PyQt6.QtCore import QMimeData, QPointF, Qt, QUrl
from PyQt6.QtGui import QDropEvent
from PyQt6.QtWidgets import QApplication

from workstation.services import materials
from workstation.services.acceptance import Intake, accept
from workstation.services.setup import change_settings
from workstation.ui.acceptance.checklist import COL_PAGES, WITH_PAGES
from workstation.ui.materials import CaptureDialog
from workstation.ui.tasks import SyncRunner, TaskManager

from .fake_camera import FakeDevice, FakeEdge
from .helpers import open_main_window
from .material_samples import colour_page, corrupt_pdf, line_art_page, pdf_with_pages, write
from .qt_typing import type_text


def counts(ws) -> dict:
    with sqlite3.connect(ws.db.path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("page_files", "material_pages", "electronic_materials", "outbox", "audit_log")}


def stored_files(ws) -> list:
    root = ws.data_dir / "materials"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pages_of(ws, actor, case_id, code) -> list[dict]:
    return next(m for m in materials.list_materials(ws, actor, case_id)["materials"] if m["code"] == code)["pages"]


def activate(qtbot, w):
    """Shown and active: a window's shortcuts need an active window."""
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


@pytest.fixture(autouse=True)
def no_real_camera(monkeypatch):
    """Screens opened here see Qt Multimedia with no camera connected (the fake edge);
    the one test of the real module says so."""
    import workstation.ui.qt as qt

    monkeypatch.setattr(qt, "multimedia", lambda: FakeEdge([]))


@pytest.fixture
def case_id(ws, clerk, person):
    return accept(ws, clerk, Intake(["T-GT"], dict(person), ["M01", "M02"])).cases[0]["id"]


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()

    def make(name: str, data: bytes) -> Path:
        return write(folder / name, data)
    return make


@pytest.fixture
def capture(qtbot, ws, clerk, case_id):
    """The capture panel for 经营者身份证明 (M02), database and staging run at once."""
    def open_(code="M02", *, edge=None, tasks=None):
        dialog = CaptureDialog(ws, clerk, tasks or SyncRunner(), case_id, code, title="经营者身份证明",
                               camera_edge=edge or FakeEdge([]))
        qtbot.addWidget(dialog)
        return activate(qtbot, dialog)
    return open_


def drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    for kind in (QDropEvent.Type.DragEnter, QDropEvent.Type.Drop):
        if kind == QDropEvent.Type.DragEnter:
            from PyQt6.QtGui import QDragEnterEvent

            event = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                                    Qt.KeyboardModifier.NoModifier)
        else:
            event = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                               Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)
        if not event.isAccepted():
            return False
    return True


# ---------------------------------------------------------------- capture: files

def test_files_opened_and_dropped_become_pages(qtbot, capture, ws, clerk, case_id, files, monkeypatch):
    from PyQt6.QtWidgets import QFileDialog

    dialog = capture()
    assert "经营者身份证明" in dialog.heading.text() and "张伟" in dialog.heading.text()
    chosen = [str(files("正面.jpg", colour_page(600, 400))), str(files("两页.pdf", pdf_with_pages([(595, 842)] * 2)))]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (chosen, "")))
    changed = []
    dialog.changed.connect(changed.append)
    qtbot.keyClick(dialog, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert dialog.material["page_count"] == 3, dialog.message.text()
    assert (dialog.progress.value(), dialog.progress.maximum()) == (2, 2)
    assert "已加入 3 页" in dialog.message.text()
    assert drop(dialog, [files("反面.png", line_art_page(400, 560))])
    pages = pages_of(ws, clerk, case_id, "M02")
    assert [p["source"] for p in pages] == ["file"] * 4 and pages[3]["mime"] == "image/png"
    assert changed[-1]["page_count"] == 4 and dialog.count_label.text().startswith("共 4 页")
    qtbot.waitUntil(dialog.pages_model.thumbnails_ready, timeout=10_000)
    assert dialog.strip.currentIndex().row() == 3          # the page just added is current


@pytest.mark.parametrize("name,data,message", [
    ("说明.txt", "这是一个文本文件，不是扫描件。".encode() * 30, "不是可接收的材料文件"),
    ("合同.pdf", corrupt_pdf(), "损坏的 PDF"),
    ("空.jpg", b"", "空文件"),
])
def test_hostile_files_are_refused_and_nothing_changes(qtbot, capture, ws, files, name, data, message):
    dialog = capture()
    good = files("good.jpg", colour_page(300, 400))
    before = counts(ws)
    assert drop(dialog, [good, files(name, data)])          # one bad file: the whole drop refused
    assert message in dialog.message.text() and "未加入任何页面" in dialog.message.text()
    assert counts(ws) == before and dialog.material["page_count"] == 0


def test_a_file_over_the_limit_is_refused_before_reading(qtbot, capture, ws, admin, files):
    change_settings(ws, admin, {"material_max_mb": "1"})
    dialog = capture()
    big = files("大图.jpg", b"\xff\xd8\xff" + b"\x00" * (1024 * 1024 + 10))
    before = counts(ws)
    assert drop(dialog, [big])
    assert "过大" in dialog.message.text() and "上限为 1 MB" in dialog.message.text()
    assert counts(ws) == before and stored_files(ws) == []


def test_a_non_file_drop_is_not_taken(qtbot, capture, ws):
    dialog = capture()
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/a.jpg")])
    from PyQt6.QtGui import QDragEnterEvent

    event = QDragEnterEvent(dialog.rect().center(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(dialog, event)
    assert not event.isAccepted()


def test_cancelling_a_batch_attaches_nothing(qtbot, capture, ws, files, monkeypatch):
    dialog = capture()
    shown = dialog._advanced
    monkeypatch.setattr(dialog, "_advanced", lambda done, total, text: (
        shown(done, total, text), "已读入 1 页" in text and dialog.cancel_button.click()))
    before = counts(ws)
    assert drop(dialog, [files("三页.pdf", pdf_with_pages([(595, 842)] * 3))])
    assert "已取消" in dialog.message.text()
    assert counts(ws) == before and dialog.material["page_count"] == 0
    assert not dialog.cancel_button.isEnabled()


def test_staging_runs_on_a_worker_thread(qtbot, capture, ws, clerk, case_id, files, monkeypatch):
    seen = []
    real = materials.stage_files

    def spy(*args, **kwargs):
        seen.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(materials, "stage_files", spy)
    tasks = TaskManager()
    dialog = capture(tasks=tasks)
    qtbot.waitUntil(lambda: dialog.material is not None)
    drop(dialog, [files("a.jpg", colour_page(500, 700)), files("b.jpg", colour_page(400, 600))])
    assert dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.material["page_count"] == 2, timeout=20_000)
    assert seen == [False, False]
    assert not dialog.cancel_button.isEnabled() and dialog.progress.value() == 2
    dialog.close()
    tasks.close()


# ---------------------------------------------------------------- capture: watched folder

def test_new_files_in_the_watched_folder_become_pages(qtbot, capture, ws, clerk, case_id, tmp_path, monkeypatch):
    from workstation.ui.materials.capture import FolderWatch

    monkeypatch.setattr(FolderWatch, "SETTLE_MS", 150)
    monkeypatch.setattr(CaptureDialog, "last_folder", "")
    folder = tmp_path / "高拍仪"
    folder.mkdir()
    write(folder / "旧照片.jpg", colour_page(300, 400))         # there before: not taken
    dialog = capture()
    qtbot.keyClick(dialog, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert "请填写要监视的文件夹" in dialog.message.text()
    qtbot.keyClicks(dialog.folder_edit, str(tmp_path / "nope"))
    qtbot.keyClick(dialog.folder_edit, Qt.Key.Key_Return)
    assert "文件夹不存在" in dialog.message.text() and not dialog.watch.active
    dialog.folder_edit.clear()
    type_text(dialog.folder_edit, str(folder))
    qtbot.keyClick(dialog.folder_edit, Qt.Key.Key_Return)
    assert dialog.watch.active and "正在监视" in dialog.folder_state.text()
    write(folder / ".IMG_0001.jpg.tmp", b"half")                  # still being written: skipped
    write(folder / "IMG_0001.jpg", colour_page(500, 700))
    qtbot.waitUntil(lambda: dialog.material["page_count"] == 1, timeout=10_000)
    write(folder / "IMG_0002.jpg", colour_page(400, 600))
    qtbot.waitUntil(lambda: dialog.material["page_count"] == 2, timeout=10_000)
    pages = pages_of(ws, clerk, case_id, "M02")
    assert [p["source"] for p in pages] == ["folder", "folder"]
    assert (pages[0]["width"], pages[1]["width"]) == (500, 400)
    qtbot.keyClick(dialog, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.watch.active
    write(folder / "IMG_0003.jpg", colour_page(300, 300))
    qtbot.wait(400)
    assert len(pages_of(ws, clerk, case_id, "M02")) == 2
    assert CaptureDialog.last_folder == str(folder)         # offered for the next material


# ---------------------------------------------------------------- capture: the document camera

def camera_edge(**kwargs):
    return FakeEdge([FakeDevice(b"usb-1", "良田高拍仪 S1800", [(1600, 1200), (800, 600), (1600, 1200)]),
                     FakeDevice(b"usb-2", "罗技摄像头", [(640, 480)])], **kwargs)


def test_camera_capture_one_key_per_page(qtbot, capture, ws, clerk, case_id):
    edge = camera_edge()
    dialog = capture(edge=edge)
    cam = dialog.camera
    assert cam.available and cam.controls.isVisible()
    assert [cam.devices.itemText(i) for i in range(cam.devices.count())] == ["良田高拍仪 S1800", "罗技摄像头"]
    assert [cam.resolutions.itemText(i) for i in range(cam.resolutions.count())] == ["1600×1200", "800×600"]
    cam.resolutions.setCurrentIndex(1)
    qtbot.keyClick(dialog, Qt.Key.Key_F3)                # opens the camera, then captures
    qtbot.waitUntil(lambda: dialog.material["page_count"] == 1, timeout=10_000)
    assert edge.cameras[0].active and edge.cameras[0].format.resolution().width() == 800
    qtbot.keyClick(dialog, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: dialog.material["page_count"] == 2, timeout=10_000)
    qtbot.mouseClick(cam.viewfinder, Qt.MouseButton.LeftButton)
    qtbot.keyClick(cam.viewfinder, Qt.Key.Key_Space)     # Space on the live picture captures too
    qtbot.waitUntil(lambda: dialog.material["page_count"] == 3, timeout=10_000)
    pages = pages_of(ws, clerk, case_id, "M02")
    assert [p["source"] for p in pages] == ["camera"] * 3
    assert (pages[0]["width"], pages[0]["height"]) == (800, 600)
    assert len({p["sha256"] for p in pages}) == 3
    dialog.close()
    assert not edge.cameras[0].active                      # closing the panel closes the camera


def test_camera_unplugged_while_capturing_leaves_nothing_half_written(qtbot, capture, ws, clerk, case_id):
    edge = camera_edge(deliver=False)
    dialog = capture(edge=edge)
    qtbot.keyClick(dialog, Qt.Key.Key_F3)
    assert dialog.camera._pending                           # the picture is on its way
    before = counts(ws)
    edge.unplug()
    edge.release()                                          # a late frame after the unplug: dropped
    QApplication.processEvents()
    assert "高拍仪已断开" in dialog.message.text() and "未保存" in dialog.message.text()
    assert counts(ws) == before and stored_files(ws) == [] and dialog.material["page_count"] == 0
    assert not dialog.camera.available and not dialog.camera.controls.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_F3)                   # F3 now only says why not
    assert "高拍仪" in dialog.message.text() and counts(ws) == before


def test_without_qt_multimedia_the_camera_hides_itself(qtbot, ws, clerk, case_id, monkeypatch):
    import workstation.ui.qt as qt

    def missing():
        raise ImportError("libpulse.so.0: cannot open shared object file")

    monkeypatch.setattr(qt, "multimedia", missing)
    dialog = CaptureDialog(ws, clerk, SyncRunner(), case_id, "M02")
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    assert not dialog.camera.available and not dialog.camera.controls.isVisible()
    assert "Qt 多媒体" in dialog.camera.message.text() and "打开文件" in dialog.camera.message.text()
    qtbot.keyClick(dialog, Qt.Key.Key_F3)
    assert "Qt 多媒体" in dialog.message.text()


def test_no_camera_connected_says_so(qtbot, capture):
    dialog = capture(edge=FakeEdge([]))
    assert not dialog.camera.available
    assert "未检测到高拍仪" in dialog.camera.message.text()


# Qt Multimedia's FFmpeg backend says which optional system libraries it did not find.
@pytest.mark.qt_log_ignore(r"Couldn't (load|resolve) ", "Using Qt multimedia with FFmpeg")
def test_the_real_qt_multimedia_on_a_machine_without_a_camera(qtbot, monkeypatch):
    from workstation.ui.materials.camera import CameraPanel

    monkeypatch.undo()                                   # the real qt.multimedia()
    panel = CameraPanel()
    qtbot.addWidget(panel)
    assert not panel.available
    text = panel.message.text()
    assert "未检测到高拍仪" in text or "Qt 多媒体" in text, text


# ---------------------------------------------------------------- pages by keys

def test_reorder_rotate_delete_by_keys(qtbot, capture, ws, clerk, case_id, files):
    out = materials.add_files(ws, clerk, case_id, "M02", [files("p.pdf", pdf_with_pages([(595, 842)] * 3))])
    ids = [p["id"] for p in out["pages"]]
    dialog = capture()
    strip = dialog.strip
    strip.setFocus()
    strip.select_row(0)
    qtbot.keyClick(strip, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert [p["id"] for p in pages_of(ws, clerk, case_id, "M02")] == [ids[1], ids[0], ids[2]]
    assert strip.current_page()["id"] == ids[0]            # the moved page stays current
    qtbot.keyClick(strip, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert [p["id"] for p in pages_of(ws, clerk, case_id, "M02")] == ids
    qtbot.keyClick(strip, Qt.Key.Key_R)
    assert pages_of(ws, clerk, case_id, "M02")[0]["rotation"] == 90
    assert "↻90°" in dialog.pages_model.index(0, 0).data()
    qtbot.keyClick(strip, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(strip, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    assert pages_of(ws, clerk, case_id, "M02")[0]["rotation"] == 270
    strip.select_row(2)
    qtbot.keyClick(strip, Qt.Key.Key_Delete)
    assert [p["id"] for p in pages_of(ws, clerk, case_id, "M02")] == ids[:2]
    assert dialog.material["page_count"] == 2 and "已删除 1 页" in dialog.message.text()
    with sqlite3.connect(ws.db.path) as conn:
        actions = [r[0] for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'material.%' ORDER BY rowid")]
    assert actions == ["material.add", "material.reorder", "material.reorder", "material.rotate",
                       "material.rotate", "material.rotate", "material.delete"]


# ---------------------------------------------------------------- the counter: checklist lines

def choose_and_accept(qtbot, window, person, ticks=2):
    screen = window.acceptance
    qtbot.keyClicks(screen.applicant.number, person["id_number"])        # a returning applicant
    type_text(screen.matter_search, "个体")
    qtbot.keyClick(screen.matter_search, Qt.Key.Key_Return)
    screen.table.setFocus()
    for _ in range(ticks):
        qtbot.keyClick(screen.table, Qt.Key.Key_Space)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    assert screen.result is not None, screen.message.text()
    return screen


def test_reuse_offered_on_the_checklist_line_and_taken_with_one_key(qtbot, qtmodeltester, ws, clerk, person,
                                                                     case_id, files):
    first = materials.add_files(ws, clerk, case_id, "M02", [files("身份证.jpg", colour_page(500, 700))])
    window = open_main_window(qtbot, ws, clerk)
    screen = choose_and_accept(qtbot, window, person)
    rows = screen.checklist.rows
    new_case = rows[1].case_id
    assert new_case and new_case != case_id
    line = screen.checklist.index(1, COL_PAGES)
    assert line.data() == "可复用 1页 F4"
    assert screen.checklist.index(0, COL_PAGES).data() == "F3 采集"
    qtmodeltester.check(screen.checklist)                  # with its 电子材料 column bound
    screen.table.setCurrentIndex(screen.checklist.index(1, 0))
    before_files = len(stored_files(ws))
    qtbot.keyClick(screen, Qt.Key.Key_F4)
    assert line.data() == "✔ 1页"
    assert screen.checklist.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) == WITH_PAGES
    pages = pages_of(ws, clerk, new_case, "M02")
    assert [p["sha256"] for p in pages] == [first["pages"][0]["sha256"]] and pages[0]["source"] == "reuse"
    assert len(stored_files(ws)) == before_files            # linked, never copied
    qtbot.keyClick(screen, Qt.Key.Key_F4)
    assert "没有可复用" in screen.message.text()


def test_capture_from_the_checklist_after_registration(qtbot, ws, clerk, person, files, monkeypatch):
    window = open_main_window(qtbot, ws, clerk)
    screen = window.acceptance
    qtbot.keyClicks(screen.applicant.number, person["id_number"])
    type_text(screen.applicant.name, person["name"])
    qtbot.keyClicks(screen.applicant.phone, person["phone"])
    type_text(screen.matter_search, "个体")
    qtbot.keyClick(screen.matter_search, Qt.Key.Key_Return)
    qtbot.keyClick(screen, Qt.Key.Key_F3)
    assert "请先登记受理" in screen.message.text()           # no case yet: nothing to attach to
    screen.table.setFocus()
    for _ in range(2):
        qtbot.keyClick(screen.table, Qt.Key.Key_Space)
    qtbot.keyClick(screen, Qt.Key.Key_F5)
    screen.table.setCurrentIndex(screen.checklist.index(0, 0))
    qtbot.keyClick(screen, Qt.Key.Key_F3)
    dialog = screen.capture_dialog
    activate(qtbot, dialog)
    from PyQt6.QtWidgets import QFileDialog

    chosen = [str(files("申请书.jpg", colour_page(500, 700))), str(files("申请书2.jpg", colour_page(400, 600)))]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: (chosen, "")))
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.material["page_count"] == 2, timeout=20_000)   # the real staging worker
    assert screen.checklist.index(0, COL_PAGES).data() == "✔ 2页"
    assert screen.checklist.index(0, 2).data(Qt.ItemDataRole.BackgroundRole) == WITH_PAGES
    closed = []
    dialog.finished.connect(closed.append)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert closed                                           # Esc closes the panel (and deletes it)
    case = screen.checklist.rows[0].case_id
    assert len(pages_of(ws, clerk, case, "M01")) == 2
