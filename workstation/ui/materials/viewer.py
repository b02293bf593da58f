"""电子材料 viewer: a case's checklist on the left, the material's pages on the right.

For the back office (审批, from the queue) and the counter (from the case detail).
Keys: PgDn/PgUp next/previous page (on into the next material), Home/End first/last
page, Ctrl+PgDn/Ctrl+PgUp next/previous material, Ctrl++ / Ctrl+- zoom, Ctrl+0 fit
the page, R / Shift+R turn the view (the stored page is not changed), F5 已核验,
F6 有缺陷 with a note, F7 一次性告知 from the defects, F3 capture pages (clerks), Esc.

Pictures are decoded on the image pool (images.py), first at screen size, in full only
when zoomed in beyond it; the next and previous pages are decoded ahead, so paging
shows a page from the cache.
"""

from __future__ import annotations

from ...services import materials
from ..qt import (QColor, QDialog, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QHBoxLayout, QHeaderView,
                  QInputDialog, QKeySequence, QLabel, QMessageBox, QPainter, QPixmap, QPushButton,
                  QShortcut, QSplitter, Qt, QTransform, QVBoxLayout, QWidget, pyqtSignal)
from ..table_model import RowTableModel, row_table
from .images import FULL, VIEW_SIDE, PageImages, key_of
from .pages import PageListModel, page_strip
from ..messages import error_text, say

ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.05, 8.0
CHECK_COLOURS = {"checked": "#cdebc9", "defective": "#fbd3d0"}



class MaterialTableModel(RowTableModel):
    """The case's checklist: one row per material, as ``materials.list_materials``."""

    COLUMNS = ("材料", "页数", "核验", "说明")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        m, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return f"{m['code']} {m['name']}"
            if col == 1:
                return str(m["page_count"]) if m["page_count"] else "—"
            if col == 2:
                return m["check_label"] if m["page_count"] else "无电子件"
            if col == 3:
                return m["check_note"] or ("复用" if m["reused_from"] else "")
        if role == Qt.ItemDataRole.BackgroundRole and m["check_state"] in CHECK_COLOURS:
            return QColor(CHECK_COLOURS[m["check_state"]])
        if role == Qt.ItemDataRole.ForegroundRole and not m["page_count"]:
            return QColor("#888888")
        if role == Qt.ItemDataRole.ToolTipRole:
            by = f"\n{m['checked_by']} {m['checked_at']}" if m["checked_by"] else ""
            return f"{m['name']}（{m['form']}，{'必需' if m['required'] else '可选'}，纸质 {m['state_label']}）{by}"
        return None

    def replace(self, material: dict) -> int:
        for i, m in enumerate(self.rows):
            if m["code"] == material["code"]:
                self.rows[i] = material
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))
                return i
        return -1


class PageView(QGraphicsView):
    """One page, zoomed and turned by the view's transform (the picture is never
    re-decoded for a zoom step or a turn). The picture may be a reduced one: it is
    scaled so that scene units are always the stored page's pixels.

    Signals:
        shown(tuple): a picture was put on screen (its image key).
    """

    shown = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("page_view")
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene_.addItem(self.item)
        self.note = self.scene_.addText("")
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor("#5a5d60"))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom = 1.0
        self.fit_mode = True
        self.rotation = 0          # the page's stored rotation plus the view's own turns
        self.base_rotation = 0     # the page's stored rotation
        self.page_size = (1, 1)
        self.key = None
        self.image_side = 0

    def set_image(self, key, image, page_size: tuple[int, int], rotation: int, *, keep_view: bool = False) -> None:
        self.note.setPlainText("")
        self.key = key
        self.page_size = page_size
        self.image_side = max(image.width(), image.height())
        self.item.setPixmap(QPixmap.fromImage(image))
        self.item.setScale(page_size[0] / max(1, image.width()))
        self.scene_.setSceneRect(0, 0, *page_size)
        if not keep_view:
            self.rotation = self.base_rotation = rotation % 360
            self.fit_mode = True
        self._apply()
        self.shown.emit(key)

    def show_note(self, text: str) -> None:
        self.key = None
        self.item.setPixmap(QPixmap())
        self.note.setDefaultTextColor(QColor("#ffffff"))
        self.note.setPlainText(text)
        self.scene_.setSceneRect(self.note.boundingRect())
        self.resetTransform()

    def turn(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._apply()

    def zoom_by(self, factor: float) -> None:
        self.fit_mode = False
        self.zoom = max(ZOOM_MIN, min(ZOOM_MAX, self.zoom * factor))
        self._apply()

    def fit(self) -> None:
        self.fit_mode = True
        self._apply()

    def _fit_zoom(self) -> float:
        w, h = self.page_size
        if self.rotation in (90, 270):
            w, h = h, w
        vp = self.maximumViewportSize()          # the room without scroll bars
        return max(ZOOM_MIN, min((vp.width() - 8) / max(1, w), (vp.height() - 8) / max(1, h)))

    def _apply(self) -> None:
        policy = Qt.ScrollBarPolicy.ScrollBarAlwaysOff if self.fit_mode else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)
        if self.fit_mode:
            self.zoom = self._fit_zoom()
        self.setTransform(QTransform().scale(self.zoom, self.zoom).rotate(self.rotation))
        if self.fit_mode:
            self.centerOn(self.page_size[0] / 2, self.page_size[1] / 2)

    def needs_full(self) -> bool:
        """The picture on screen is magnified beyond its decoded resolution."""
        return self.key is not None and self.zoom * max(self.page_size) > self.image_side * 1.05

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fit_mode and self.key is not None:
            self._apply()


class MaterialsViewer(QDialog):
    """Attributes:
        data: the case as ``materials.list_materials`` (None until loaded).
        material_index, page_index: what is shown.
        images: the picture pool (its cache is shared by every viewer).
    Signals:
        changed(str): a material of the case was checked, captured or reused (case id).
    """

    changed = pyqtSignal(str)

    def __init__(self, ws, actor, tasks, case_id: str, *, images: PageImages | None = None,
                 notifier=None, parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks = ws, actor, tasks
        self.case_id = case_id
        self.notifier = notifier
        self.images = images or PageImages(tasks, self)
        self._own_images = images is None
        self.data: dict | None = None
        self.material_index = -1
        self.page_index = -1
        self._wanted = None
        self.setWindowTitle("电子材料")
        self.resize(1360, 880)
        self._init_widgets()
        self._init_layout()
        self._connect_signals()
        for button in self.findChildren(QPushButton):     # Enter in a field must not press one
            button.setAutoDefault(False)
        self.load()

    # ---- construction ------------------------------------------------------------------------

    def _init_widgets(self) -> None:
        self.heading = QLabel(objectName="heading", wordWrap=True)
        self.model = MaterialTableModel(self)
        self.table = row_table(self.model, "materials", multi=False)
        # Long material names must not push 页数/核验 out of sight: names and notes
        # share the width (elided), the short columns keep theirs.
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column in (0, 3)
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.pages_model = PageListModel(self.images, self)
        self.strip = page_strip(self.pages_model, "thumbnails", vertical=True)
        self.strip.setSelectionMode(self.strip.SelectionMode.SingleSelection)
        self.view = PageView()
        self.status = QLabel(objectName="status")
        self.message = QLabel(objectName="message", wordWrap=True)
        self.buttons = {
            "checked": QPushButton("已核验 F5", objectName="mark_checked"),
            "defective": QPushButton("有缺陷… F6", objectName="mark_defective"),
            "notice": QPushButton("一次性告知 F7", objectName="notice"),
            "capture": QPushButton("采集页面 F3", objectName="capture"),
            "fit": QPushButton("适合页面 Ctrl+0", objectName="fit"),
            "close": QPushButton("关闭 Esc", objectName="close"),
        }
        self.buttons["capture"].setVisible(self.actor.can("accept"))
        self.keys_hint = QLabel("PgDn/PgUp 翻页　Home/End 首页/末页　Ctrl+PgDn/PgUp 下/上一项材料　"
                                "Ctrl++/Ctrl+- 缩放　R/Shift+R 旋转视图", objectName="keys")

    def _init_layout(self) -> None:
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("材料清单"))
        lv.addWidget(self.table, 1)
        right = QWidget()
        rv = QHBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.strip)
        rv.addWidget(self.view, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 960])
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        for key in ("checked", "defective", "notice", "capture", "fit", "close"):
            actions.addWidget(self.buttons[key])
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.keys_hint)
        layout.addLayout(actions)
        layout.addWidget(self.message)

    def _connect_signals(self) -> None:
        self.images.ready.connect(self._image_ready)
        self.images.failed.connect(self._image_failed)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.show_material(cur.row()))
        self.strip.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: cur.row() != self.page_index and cur.row() >= 0 and self.show_page(cur.row()))
        self.strip.action.connect(self._strip_key)
        self.buttons["checked"].clicked.connect(self.mark_checked)
        self.buttons["defective"].clicked.connect(self.mark_defective)
        self.buttons["notice"].clicked.connect(self.issue_notice)
        self.buttons["capture"].clicked.connect(self.capture)
        self.buttons["fit"].clicked.connect(self.fit)
        self.buttons["close"].clicked.connect(self.close)
        for keys, slot in (("PgDown", self.next_page), ("PgUp", self.previous_page),
                           ("Home", self.first_page), ("End", self.last_page),
                           ("Ctrl+PgDown", self.next_material), ("Ctrl+PgUp", self.previous_material),
                           ("Ctrl++", self.zoom_in), ("Ctrl+=", self.zoom_in), ("Ctrl+-", self.zoom_out),
                           ("Ctrl+0", self.fit), ("R", lambda: self.turn(90)), ("Shift+R", lambda: self.turn(-90)),
                           ("F5", self.mark_checked), ("F6", self.mark_defective), ("F7", self.issue_notice),
                           ("F3", self.capture)):
            QShortcut(QKeySequence(keys), self, activated=slot)

    # ---- loading -----------------------------------------------------------------------------

    def load(self, keep: str | None = None) -> None:
        ws, actor, case_id = self.ws, self.actor, self.case_id
        self.tasks.run(lambda: materials.list_materials(ws, actor, case_id),
                       lambda data: self._loaded(data, keep), self._failed, parent=self)

    def _loaded(self, data: dict, keep: str | None) -> None:
        self.data = data
        self.case_id = data["case_id"]
        a = data["applicant"]
        self.setWindowTitle(f"电子材料 — {data['receipt_no']} {data['matter_name']}")
        self.heading.setText(f"<b>{data['matter_name']}</b>　受理编号 {data['receipt_no']}　"
                             f"申请人 {a['name']}（{a['id_number']}）　{data['status_label']}")
        self.model.reset(data["materials"])
        codes = [m["code"] for m in data["materials"]]
        index = codes.index(keep) if keep in codes else next(
            (i for i, m in enumerate(data["materials"]) if m["page_count"]), 0)
        self.material_index = -1
        if data["materials"]:
            self.table.setCurrentIndex(self.model.index(index, 0))
            if self.material_index != index:
                self.show_material(index)

    @property
    def material(self) -> dict | None:
        if self.data is None or not 0 <= self.material_index < len(self.model.rows):
            return None
        return self.model.rows[self.material_index]

    # ---- showing -----------------------------------------------------------------------------

    def show_material(self, index: int, page: int = 0) -> None:
        if index < 0 or index >= len(self.model.rows):
            return
        changed = index != self.material_index
        self.material_index = index
        if self.table.currentIndex().row() != index:
            self.table.setCurrentIndex(self.model.index(index, 0))
        m = self.model.rows[index]
        if changed or [p["id"] for p in m["pages"]] != [p["id"] for p in self.pages_model.pages]:
            self.pages_model.reset(m["pages"])
        self.page_index = -1
        if not m["pages"]:
            self._wanted = None
            self.view.show_note(f"“{m['name']}”还没有电子页面" + ("（按 F3 采集）" if self.actor.can("accept") else ""))
            self._update_status()
            return
        self.show_page(page if page >= 0 else len(m["pages"]) + page)

    def show_page(self, index: int) -> None:
        m = self.material
        if m is None or not m["pages"]:
            return
        index = max(0, min(index, len(m["pages"]) - 1))
        self.page_index = index
        if self.strip.currentIndex().row() != index:
            self.strip.setCurrentIndex(self.pages_model.index(index, 0))
        page = m["pages"][index]
        self._wanted = key_of(page, VIEW_SIDE)
        image = self.images.get(page, VIEW_SIDE, priority=10)
        if image is not None:
            self._put(page, self._wanted, image)
        else:
            self.view.show_note("正在载入…")
        for near in (index + 1, index - 1):      # decoded ahead: paging shows from the cache
            if 0 <= near < len(m["pages"]):
                self.images.request(m["pages"][near], VIEW_SIDE, priority=1)
        self._update_status()

    def _put(self, page: dict, key, image, *, keep_view: bool = False) -> None:
        self.view.set_image(key, image, (page["width"], page["height"]), page["rotation"], keep_view=keep_view)
        self._update_status()

    def _current_page(self) -> dict | None:
        m = self.material
        if m is None or not 0 <= self.page_index < len(m["pages"]):
            return None
        return m["pages"][self.page_index]

    def _image_ready(self, key, image) -> None:
        page = self._current_page()
        if page is None:
            return
        if key == self._wanted:
            self._put(page, key, image)
        elif key == key_of(page, FULL) and self.view.key == key_of(page, VIEW_SIDE):
            self._put(page, key, image, keep_view=True)

    def _image_failed(self, key, message: str) -> None:
        page = self._current_page()
        if page is not None and key in (self._wanted, key_of(page, FULL)):
            self.view.show_note(f"第{page['seq']}页无法显示：{message}\n（可用 workstation material verify 检查）")
            self.show_error(f"第{page['seq']}页无法显示：{message}")

    def _update_status(self) -> None:
        m = self.material
        if m is None:
            self.status.setText("")
            return
        if not m["pages"]:
            self.status.setText(f"{m['name']}：无电子页面　{m['check_label']}")
            return
        turned = (self.view.rotation - self.view.base_rotation) % 360
        turn = f"　视图旋转 {turned}°" if turned else ""
        self.status.setText(f"{m['name']}：第 {self.page_index + 1}/{len(m['pages'])} 页　"
                            f"缩放 {self.view.zoom * 100:.0f}%{turn}　{m['check_label']}")

    # ---- paging and zoom ---------------------------------------------------------------------

    def next_page(self) -> None:
        m = self.material
        if m is not None and self.page_index + 1 < len(m["pages"]):
            self.show_page(self.page_index + 1)
        else:
            self.next_material()

    def previous_page(self) -> None:
        if self.page_index > 0:
            self.show_page(self.page_index - 1)
        else:
            self.previous_material(last_page=True)

    def first_page(self) -> None:
        self.show_page(0)

    def last_page(self) -> None:
        m = self.material
        if m is not None:
            self.show_page(len(m["pages"]) - 1)

    def _with_pages(self, step: int) -> int:
        i = self.material_index + step
        while 0 <= i < len(self.model.rows):
            if self.model.rows[i]["pages"]:
                return i
            i += step
        return -1

    def next_material(self) -> None:
        i = self._with_pages(1)
        if i >= 0:
            self.show_material(i)
        else:
            self.show_info("已是最后一项有电子页面的材料")

    def previous_material(self, last_page: bool = False) -> None:
        i = self._with_pages(-1)
        if i >= 0:
            self.show_material(i, -1 if last_page else 0)
        else:
            self.show_info("已是第一项有电子页面的材料")

    def zoom_in(self) -> None:
        self.view.zoom_by(ZOOM_STEP)
        self._full_if_needed()
        self._update_status()

    def zoom_out(self) -> None:
        self.view.zoom_by(1 / ZOOM_STEP)
        self._update_status()

    def fit(self) -> None:
        self.view.fit()
        self._update_status()

    def turn(self, degrees: int) -> None:
        self.view.turn(degrees)
        if self.view.fit_mode:
            self.view.fit()
        self._update_status()

    def _full_if_needed(self) -> None:
        page = self._current_page()
        if page is None or not self.view.needs_full():
            return
        image = self.images.get(page, FULL, priority=10)
        if image is not None:
            self._put(page, key_of(page, FULL), image, keep_view=True)

    def _strip_key(self, action: str) -> None:
        if action == "clockwise":
            self.turn(90)
        elif action == "anticlockwise":
            self.turn(-90)

    # ---- checking ----------------------------------------------------------------------------

    def mark_checked(self) -> None:
        self._check("checked", None)

    def mark_defective(self) -> None:
        m = self.material
        if m is None:
            return
        if not m["page_count"]:
            self.show_error(f"材料“{m['name']}”还没有电子页面，无法核验")
            return
        note, ok = QInputDialog.getMultiLineText(
            self, "有缺陷", f"“{m['name']}”有什么问题？（将写入一次性告知书，告诉申请人如何补正）",
            m["check_note"] if m["check_state"] == "defective" else "")
        if not ok:
            return
        if not note.strip():
            self.show_error("请写明材料的缺陷（例如：复印件模糊、缺少副本页），未作标记")
            return
        self._check("defective", note)

    def _check(self, state: str, note: str | None) -> None:
        m = self.material
        if m is None:
            return
        ws, actor, case_id, code = self.ws, self.actor, self.case_id, m["code"]
        self.tasks.run(lambda: materials.check(ws, actor, case_id, code, state, note),
                       lambda out: self._checked(out), self.show_error, parent=self)

    def _checked(self, material: dict) -> None:
        self.model.replace(material)
        self.show_info(f"“{material['name']}”已标为{material['check_label']}"
                       + (f"：{material['check_note']}" if material["check_note"] else ""))
        self.changed.emit(self.case_id)
        if material["check_state"] == "checked":
            following = self._with_pages(1)
            if following >= 0:
                self.show_material(following)
        self._update_status()

    def issue_notice(self) -> None:
        """F7: the materials marked 有缺陷 become a 一次性告知书 through the counter's own
        F7 flow (``acceptance.notify`` and its sealed documents); clerks only."""
        ws, actor, case_id = self.ws, self.actor, self.case_id
        self.tasks.run(lambda: materials.deficiencies(ws, actor, case_id), self._deficiencies, self.show_error,
                       parent=self)

    def _deficiencies(self, found) -> None:
        if not found.defects:
            self.show_error("没有标为“有缺陷”的材料：先用 F6 标出缺陷，再出具一次性告知")
            return
        if self.notifier is None:
            self.show_error(f"已标出 {len(found.defects)} 项缺陷。一次性告知书由综合窗口出具："
                            "受理人员打开本案电子材料后按 F7 即可")
            return
        listing = "\n".join(f"· {row['name']}：{row['problem']}" for row in found.supplements)
        answer = QMessageBox.question(self, "出具一次性告知书",
                                      f"将为申请人出具一次性告知书，列明以下需补正的材料：\n{listing}\n\n确定出具吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.show_info("正在出具一次性告知书…")
        self.notifier(found.intake(), self._noticed, self.show_error)

    def _noticed(self, result) -> None:
        self.last_notice = result
        self.show_info(f"已出具一次性告知书：受理编号 {result.receipt_no}（文书在受理界面，F9 预览打印）")
        self.changed.emit(self.case_id)

    # ---- capture (clerks) --------------------------------------------------------------------

    def capture(self) -> None:
        m = self.material
        if m is None:
            return
        if not self.actor.can("accept"):
            self.show_error("电子材料由窗口受理人员采集")
            return
        from .capture import CaptureDialog

        dialog = CaptureDialog(self.ws, self.actor, self.tasks, self.case_id, m["code"], title=m["name"],
                               images=self.images, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._captured)
        self.capture_dialog = dialog
        dialog.show()

    def _captured(self, material: dict) -> None:
        self.model.replace(material)
        if self.material is not None and self.material["code"] == material["code"]:
            self.show_material(self.material_index, max(0, self.page_index))
        self.changed.emit(self.case_id)

    # ---- messages and closing ----------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        self.view.show_note(error_text(exc))
        self.show_error(exc)

    def show_error(self, exc_or_text) -> None:
        say(self.message, exc_or_text if isinstance(exc_or_text, str) else error_text(exc_or_text),
            error=True)

    def show_info(self, text: str) -> None:
        say(self.message, text)

    def done(self, result: int) -> None:
        self._close_images()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802
        self._close_images()
        super().closeEvent(event)

    def _close_images(self) -> None:
        if self._own_images:
            self.images.close()

