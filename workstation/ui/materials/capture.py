"""采集电子材料: the pages of one case material, captured at the counter.

Sources: files (Ctrl+O, or dropped on the window: images and PDFs), a watched folder
(Ctrl+W; many document cameras save each shot into a folder), the document camera
(F3, or Space on the live picture; camera.py) and, where python-sane finds a scanner,
the scanner (scanner_hook.py). Every source goes the same two steps:

1. **stage** on the task manager's CPU pool (``materials.stage_files`` /
   ``stage_bytes``: page files only, no rows), its progress in place (a bar and 取消,
   Esc while it runs) through the operation's progress handle;
2. **attach** on the database worker (``materials.attach``: one transaction).

A bad file stops its batch with the service's message and attaches nothing; a
cancelled batch attaches nothing (the page files already written are swept later).

Pages (the strip of thumbnails): Ctrl+↑/↓ move the current page earlier or later, R
turns it clockwise, Shift+R back, Delete removes the selected pages — each one
service call. F4 attaches the material offered for reuse (same applicant, still valid).
"""

from __future__ import annotations

import os
from pathlib import Path

from ...domain.errors import DomainError
from ...domain.states import CaseStatus
from ...services import materials
from ..qt import (QBuffer, QDialog, QFileDialog, QFileSystemWatcher, QGroupBox, QHBoxLayout, QIODevice,
                  QKeySequence, QLabel, QLineEdit, QObject, QProgressBar, QPushButton, QShortcut,
                  QTimer, QVBoxLayout, QWidget, pyqtSignal)
from ..tasks import CPU, Operation
from .camera import CameraPanel
from .images import PageImages
from .pages import PageListModel, page_strip
from .scanner_hook import sane_source
from ..messages import error_text, say

# Names a document camera or a browser gives a file it is still writing.
_UNFINISHED = (".tmp", ".part", ".crdownload", ".partial", ".download")
FILE_FILTER = "材料文件 (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp *.pdf);;所有文件 (*)"


class FolderWatch(QObject):
    """New files in a folder, each handed over once it has stopped growing.

    Files already there when watching starts are not taken; hidden files and names
    that say "still being written" are skipped. QFileSystemWatcher says when the
    folder changes; a slow poll catches what it misses (network folders).

    Signals:
        arrived(list): paths of new, complete files, oldest first.
    """

    arrived = pyqtSignal(list)
    SETTLE_MS = 600                     # a file must keep its size this long
    POLL_MS = 2000

    def __init__(self, parent=None):
        super().__init__(parent)
        self.folder: Path | None = None
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _: self._soon())
        self.poll = QTimer(self, interval=self.POLL_MS, timeout=self.scan)
        self.settle = QTimer(self, singleShot=True, interval=self.SETTLE_MS, timeout=self.scan)
        self._seen: set[tuple[str, int]] = set()
        self._growing: dict[str, int] = {}

    def start(self, folder: str) -> None:
        path = Path(folder).expanduser()
        if not folder.strip():
            raise DomainError("请填写要监视的文件夹（高拍仪保存照片的位置）", "folder")
        if not path.is_dir():
            raise DomainError(f"文件夹不存在：{path}", "folder")
        if not os.access(path, os.R_OK | os.X_OK):
            raise DomainError(f"无权读取文件夹：{path}", "folder")
        self.stop()
        self.folder = path
        self._seen = {(e.name, e.stat().st_mtime_ns) for e in self._entries()}
        self._growing = {}
        self.watcher.addPath(str(path))
        self.poll.start()

    def stop(self) -> None:
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        self.poll.stop()
        self.settle.stop()
        self.folder = None

    @property
    def active(self) -> bool:
        return self.folder is not None

    def _entries(self):
        try:
            with os.scandir(self.folder) as it:
                return [e for e in it if e.is_file() and not e.name.startswith((".", "~"))
                        and not e.name.lower().endswith(_UNFINISHED)]
        except OSError:
            return []

    def _soon(self) -> None:
        if self.active:
            self.settle.start()

    def scan(self) -> None:
        if not self.active:
            return
        ready, waiting = [], False
        for e in self._entries():
            st = e.stat()
            key = (e.name, st.st_mtime_ns)
            if key in self._seen:
                continue
            if st.st_size == 0 or self._growing.get(e.path) != st.st_size:
                self._growing[e.path] = st.st_size        # look again once it settles
                waiting = True
                continue
            self._growing.pop(e.path, None)
            self._seen.add(key)
            ready.append((st.st_mtime_ns, e.path))
        if waiting:
            self.settle.start()
        if ready:
            self.arrived.emit([p for _, p in sorted(ready)])


class CaptureDialog(QDialog):
    """Attributes:
        material: the material as the services last returned it (None until loaded).
        offer: the reuse offer shown (None when there is none).
        camera: the camera panel (``camera.available`` says whether it can be used).
    Signals:
        changed(dict): the material after each change (the checklist updates its line).
    """

    changed = pyqtSignal(object)
    last_folder = ""            # the watched folder last used at this counter (this session)

    def __init__(self, ws, actor, tasks, case_id: str, code: str, *, title: str = "",
                 images: PageImages | None = None, camera_edge=None,
                 parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks = ws, actor, tasks
        self.case_id, self.code = case_id, code
        self.images = images or PageImages(tasks, self)
        self._own_images = images is None
        self.material: dict | None = None
        self.offer: dict | None = None
        self.editable = True
        self._batches: list[Operation] = []
        self.setWindowTitle(f"采集电子材料 — {title or code}")
        self.setAcceptDrops(True)
        self.resize(1060, 760)
        self._init_widgets(camera_edge)
        self._init_layout()
        self._connect_signals()
        for button in self.findChildren(QPushButton):     # Enter in a field must not press one
            button.setAutoDefault(False)
        self.load()

    # ---- construction ------------------------------------------------------------------------

    def _init_widgets(self, camera_edge) -> None:
        self.heading = QLabel(objectName="heading", wordWrap=True)
        self.open_button = QPushButton("打开文件… Ctrl+O", objectName="open_files")
        self.drop_hint = QLabel("或把图片、PDF 文件拖放到本窗口（JPEG、PNG、TIFF、BMP、WebP、PDF）")
        self.folder_edit = QLineEdit(objectName="watch_folder")
        self.folder_edit.setPlaceholderText("高拍仪保存照片的文件夹，例如 D:\\高拍仪")
        self.folder_edit.setText(type(self).last_folder)
        self.watch_button = QPushButton("开始监视 Ctrl+W", objectName="watch")
        self.folder_state = QLabel(objectName="folder_state", wordWrap=True)
        self.watch = FolderWatch(self)
        self.camera = CameraPanel(camera_edge, self)
        self.scanner = sane_source()
        self.scan_button = QPushButton("扫描一页（扫描仪）", objectName="scan")
        self.scan_button.setVisible(self.scanner is not None)
        self.progress = QProgressBar(objectName="progress")
        self.progress.setFormat("")                  # says "n / m 个文件" once a batch runs
        self.progress.setValue(0)
        self.cancel_button = QPushButton("取消", objectName="cancel", enabled=False)
        self.pages_model = PageListModel(self.images, self)
        self.strip = page_strip(self.pages_model, "pages")
        self.strip.setMinimumHeight(230)
        self.page_hint = QLabel("Ctrl+↑/↓ 调整顺序　R 顺时针旋转　Shift+R 逆时针旋转　Delete 删除所选页面",
                                objectName="page_hint")
        self.count_label = QLabel(objectName="count")
        self.offer_label = QLabel(objectName="offer", wordWrap=True)
        self.reuse_button = QPushButton("复用 F4", objectName="reuse")
        self.offer_label.hide()
        self.reuse_button.hide()
        self.message = QLabel(objectName="message", wordWrap=True)
        self.close_button = QPushButton("完成 Esc", objectName="close")

    def _init_layout(self) -> None:
        sources = QGroupBox("采集来源")
        s = QVBoxLayout(sources)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.drop_hint, 1)
        row.addWidget(self.scan_button)
        s.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("监视文件夹"))
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.watch_button)
        s.addLayout(row)
        s.addWidget(self.folder_state)
        camera_box = QGroupBox("高拍仪")
        QVBoxLayout(camera_box).addWidget(self.camera)
        pages = QGroupBox("页面")
        p = QVBoxLayout(pages)
        p.addWidget(self.strip, 1)
        row = QHBoxLayout()
        row.addWidget(self.count_label)
        row.addStretch()
        row.addWidget(self.page_hint)
        p.addLayout(row)
        offer = QHBoxLayout()
        offer.addWidget(self.offer_label, 1)
        offer.addWidget(self.reuse_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.close_button)
        top = QHBoxLayout()
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(sources)
        lv.addWidget(pages, 1)
        top.addWidget(left, 3)
        top.addWidget(camera_box, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(top, 1)
        layout.addLayout(offer)
        layout.addWidget(self.message)
        layout.addLayout(bottom)

    def _connect_signals(self) -> None:
        self.open_button.clicked.connect(self.open_files)
        self.watch_button.clicked.connect(self.toggle_watch)
        self.folder_edit.returnPressed.connect(self.toggle_watch)
        self.watch.arrived.connect(lambda paths: self.stage_files(paths, "folder"))
        self.camera.captured.connect(self.stage_image)
        self.camera.problem.connect(self.show_error)
        self.scan_button.clicked.connect(self.scan_page)
        self.cancel_button.clicked.connect(self.cancel)
        self.reuse_button.clicked.connect(self.reuse)
        self.close_button.clicked.connect(self.close)
        self.strip.action.connect(self._page_key)
        QShortcut(QKeySequence("Ctrl+O"), self, activated=self.open_files)
        QShortcut(QKeySequence("Ctrl+W"), self, activated=self.toggle_watch)
        QShortcut(QKeySequence("F3"), self, activated=self.camera.capture_page)
        QShortcut(QKeySequence("F4"), self, activated=self.reuse)

    # ---- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        ws, actor, case_id, code = self.ws, self.actor, self.case_id, self.code

        def call():
            data = materials.list_materials(ws, actor, case_id)
            found = [m for m in data["materials"] if m["code"] == code]
            if not found:
                raise DomainError(f"案件的材料清单中没有材料编码“{code}”", "material")
            offers = materials.offers(ws, actor, case_id, code) if not found[0]["pages"] else []
            return data, found[0], offers

        self.tasks.run(call, self._loaded, self.show_error, parent=self)

    def _loaded(self, value) -> None:
        data, material, offers = value
        self.case_id = data["case_id"]
        self.editable = CaseStatus(data["status"]) in materials.EDITABLE
        self.heading.setText(
            f"<b>{material['name']}</b>（{material['code']}，{material['form']}）　"
            f"{data['matter_name']}　受理编号 {data['receipt_no']}　申请人 {data['applicant']['name']}")
        self._show_material(material, emit=False)
        self._show_offer(offers[0] if offers else None)
        if not self.editable:
            for w in (self.open_button, self.watch_button, self.camera, self.scan_button):
                w.setEnabled(False)
            self.setAcceptDrops(False)
            self.show_error(f"案件已{data['status_label']}，电子材料不能再修改（仍可查看）")

    def _show_material(self, material: dict, *, emit: bool = True, current: int | None = None) -> None:
        self.material = material
        row = self.strip.currentIndex().row() if current is None else current
        self.pages_model.reset(material["pages"])
        if material["pages"]:
            self.strip.select_row(row if row >= 0 else len(material["pages"]) - 1)
        n = material["page_count"]
        check = f"　{material['check_label']}" if n else ""
        self.count_label.setText(f"共 {n} 页{check}" if n else "还没有页面")
        if n:
            self._show_offer(None)
        if emit:
            self.changed.emit(material)

    def _show_offer(self, offer: dict | None) -> None:
        self.offer = offer
        self.offer_label.setVisible(offer is not None)
        self.reuse_button.setVisible(offer is not None)
        if offer is not None:
            until = f"，有效期至 {offer['valid_until']}" if offer["valid_until"] else ""
            self.offer_label.setText(
                f"可复用：申请人在受理编号 {offer['receipt_no']} 中已提交“{offer['name']}”"
                f"（{offer['pages']} 页，{offer['captured_on']} 采集{until}）。按 F4 直接复用，无需重新采集。")

    # ---- sources -----------------------------------------------------------------------------

    def open_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "选择材料文件（可多选）", "", FILE_FILTER)
        if paths:
            self.stage_files(paths, "file")

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        mime = event.mimeData()
        if self.editable and mime.hasUrls() and all(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.stage_files(paths, "file")

    def toggle_watch(self) -> None:
        if self.watch.active:
            self.watch.stop()
            self.watch_button.setText("开始监视 Ctrl+W")
            self.folder_state.setText("已停止监视")
            return
        folder = self.folder_edit.text().strip()
        try:
            self.watch.start(folder)
        except DomainError as exc:
            self.show_error(str(exc))
            self.folder_edit.setFocus()
            return
        type(self).last_folder = folder           # the next material at this counter asks the same
        self.watch_button.setText("停止监视 Ctrl+W")
        self.folder_state.setStyleSheet("color: #1b5e20")
        self.folder_state.setText(f"正在监视 {self.watch.folder}：高拍仪新存入的每个文件都作为本材料的页面"
                                  "（已有的文件不取）")

    def scan_page(self) -> None:
        scanner = self.scanner
        if scanner is None:
            return
        ws, actor = self.ws, self.actor

        def work(on_page, cancelled):
            out = []
            for n, data in enumerate(scanner.scan(), start=1):
                out += materials.stage_bytes(ws, actor, data, f"扫描仪第{n}页", on_page=on_page,
                                             cancelled=cancelled)
            return out

        self._start_batch(work, "scanner", 1)

    def stage_image(self, image) -> None:
        """A camera picture (QImage): encoded as JPEG and staged on the worker."""
        ws, actor, name = self.ws, self.actor, f"高拍仪第{self.camera.capture_count}张"

        def work(progress, on_page):
            buffer = QBuffer()
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            if not image.save(buffer, "JPEG", 92):
                raise DomainError("高拍仪画面无法编码为 JPEG，本张未保存", "camera")
            return materials.stage_bytes(ws, actor, bytes(buffer.data()), name, on_page=on_page,
                                         cancelled=progress.cancelled)

        self._start_batch(work, "camera", 1)

    def stage_files(self, paths: list[str], source: str) -> None:
        if len(paths) > materials.MAX_FILES:
            self.show_error(f"一次最多添加 {materials.MAX_FILES} 个文件，本次 {len(paths)} 个，未添加任何页面")
            return
        ws, actor = self.ws, self.actor

        def work(progress, on_page):
            out = []
            for i, path in enumerate(paths, start=1):
                out += materials.stage_files(ws, actor, [path], on_page=on_page, cancelled=progress.cancelled)
                progress.update(i, len(paths))
            return out

        self._start_batch(work, source, len(paths))

    # ---- staging and attaching ---------------------------------------------------------------

    def _start_batch(self, work, source: str, files: int) -> None:
        if not self.editable:
            self.show_error("案件已办结或不予受理，电子材料不能再修改")
            return
        self._set_busy(files)

        def stage(progress):
            read = [0]

            def on_page(_page):
                read[0] += 1
                progress.update(progress.read()[0], text=f"已读入 {read[0]} 页")
            return work(progress, on_page)

        batch = self.tasks.op(self, stage, CPU).on_progress(self._advanced).cancellable()
        batch.success(lambda pages: self._staged(batch, pages, source)) \
            .failure(lambda exc: self._batch_failed(batch, exc))
        self._batches.append(batch)
        batch.run()

    def _staged(self, batch: Operation, pages: list, source: str) -> None:
        if batch.progress.cancelled():
            self._batch_done(batch, "已取消：未加入任何页面")
            return
        ws, actor, case_id, code = self.ws, self.actor, self.case_id, self.code
        self.tasks.run(lambda: materials.attach(ws, actor, case_id, code, pages, source=source),
                       lambda m: self._attached(batch, m, len(pages)),
                       lambda exc: self._batch_failed(batch, exc), parent=self)

    def _attached(self, batch: Operation, material: dict, added: int) -> None:
        self._show_material(material, current=material["page_count"] - 1)
        self._batch_done(batch, f"已加入 {added} 页，共 {material['page_count']} 页", error=False)

    def _batch_failed(self, batch: Operation, exc: BaseException) -> None:
        if isinstance(exc, materials.Cancelled):
            self._batch_done(batch, "已取消：未加入任何页面")
        else:
            self._batch_done(batch, f"{error_text(exc)}（未加入任何页面）")

    def _batch_done(self, batch: Operation, text: str, *, error: bool = True) -> None:
        if batch in self._batches:
            self._batches.remove(batch)
        if not self._batches:
            self.cancel_button.setEnabled(False)
            self.progress.setValue(self.progress.maximum())
        (self.show_error if error else self.show_info)(text)

    def _set_busy(self, files: int) -> None:
        self.progress.setFormat("%v / %m 个文件")
        self.progress.setMaximum(max(1, files))
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.show_info("正在读入页面…")

    def _advanced(self, done: int, total: int, text: str) -> None:
        """A batch's progress: files done of the batch's files, and pages read so far."""
        if total:
            self.progress.setMaximum(total)
            self.progress.setValue(done)
        if text:
            self.message.setText(f"正在读入页面…{text}")

    def cancel(self) -> None:
        for batch in self._batches:
            batch.cancel()
        if self._batches:
            self.show_info("正在取消…")

    @property
    def busy(self) -> bool:
        return bool(self._batches)

    # ---- pages -------------------------------------------------------------------------------

    def _page_key(self, action: str) -> None:
        page = self.strip.current_page()
        if page is None or self.material is None or not self.editable:
            return
        ws, actor, case_id, code = self.ws, self.actor, self.case_id, self.code
        row = self.strip.currentIndex().row()
        if action in ("earlier", "later"):
            ids = [p["id"] for p in self.material["pages"]]
            target = row - 1 if action == "earlier" else row + 1
            if not 0 <= target < len(ids):
                return
            ids[row], ids[target] = ids[target], ids[row]
            self.tasks.run(lambda: materials.reorder(ws, actor, case_id, code, ids),
                           lambda m: self._show_material(m, current=target), self.show_error, parent=self)
        elif action in ("clockwise", "anticlockwise"):
            degrees = 90 if action == "clockwise" else -90
            self.tasks.run(lambda: materials.rotate(ws, actor, case_id, code, page["id"], degrees),
                           lambda m: self._show_material(m, current=row), self.show_error, parent=self)
        elif action == "delete":
            rows = sorted({i.row() for i in self.strip.selectionModel().selectedIndexes()} | {row})
            ids = [self.material["pages"][r]["id"] for r in rows]
            self.tasks.run(lambda: materials.delete_pages(ws, actor, case_id, code, ids),
                           lambda m: (self._show_material(m, current=min(rows[0], m["page_count"] - 1)),
                                      self.show_info(f"已删除 {len(ids)} 页")),
                           self.show_error, parent=self)

    def reuse(self) -> None:
        offer = self.offer
        if offer is None:
            self.show_error("没有可复用的材料（须是同一申请人仍在有效期内、未标为有缺陷的同类材料）")
            return
        ws, actor, case_id, code = self.ws, self.actor, self.case_id, self.code
        self.tasks.run(lambda: materials.reuse(ws, actor, case_id, code, offer["source_id"]),
                       lambda m: (self._show_material(m, current=0),
                                  self.show_info(f"已复用受理编号 {offer['receipt_no']} 的材料，"
                                                 f"共 {m['page_count']} 页")),
                       self.show_error, parent=self)

    # ---- messages and closing ----------------------------------------------------------------

    def show_error(self, exc_or_text) -> None:
        say(self.message, exc_or_text if isinstance(exc_or_text, str) else error_text(exc_or_text),
            error=True)

    def show_info(self, text: str) -> None:
        say(self.message, text)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # Esc while pages are being read cancels the reading; otherwise it closes.
        from ..qt import Qt

        if event.key() == Qt.Key.Key_Escape and self.busy:
            self.cancel()
            event.accept()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.finish()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.finish()
        super().closeEvent(event)

    def finish(self) -> None:
        """Stop the camera and the folder watch; a batch still reading is cancelled (its
        files are swept later, nothing is attached)."""
        self.cancel()
        self.watch.stop()
        self.camera.stop()
        if self._own_images:
            self.images.close()
