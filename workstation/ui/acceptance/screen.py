"""The 受理 screen, keyboard first: F5 受理, F6 容缺受理, F7 一次性告知, F8 不予受理,
Ctrl+N 下一位. Space ticks a material; Enter in the matter search picks it. Once the
outcome is registered each checklist line is bound to its case: F3 captures that
line's electronic pages, F4 attaches a material offered for reuse."""

from __future__ import annotations

from ...domain.catalog import Bundle, Catalog, Matter
from ...domain.errors import DomainError
from ...domain.states import CaseStatus
from ...services import acceptance as acceptance_service
from ...services.applicants import ApplicantChanged, lookup
from ...services.catalog import current_catalog
from ..qt import (QAbstractItemView, QCheckBox, QGroupBox, QHBoxLayout, QHeaderView, QKeySequence,
                  QLabel, QLineEdit, QListView, QPushButton, QShortcut, QSplitter, Qt, QTextBrowser,
                  QVBoxLayout, QWidget, pyqtSignal)
from .applicant_form import ApplicantForm
from .checklist import (COL_MATTER, COL_NAME, COL_PROMISE, ChecklistModel, ChecklistView,
                        PromiseDateDelegate)
from .matters import ITEM_ROLE, MatterFilter, MatterListModel
from .refuse_dialog import RefuseDialog
from ..messages import say
from ..tasks import CPU


class AcceptanceScreen(QWidget):
    """Attributes:
        result: the last Registered outcome (None before the first).
    Signals:
        registered(object): an outcome was recorded (the main window refreshes lists).
        documents_issued(list): its documents were sealed, signed and stored.
    """

    registered = pyqtSignal(object)
    documents_issued = pyqtSignal(list)

    def __init__(self, ws, actor, tasks, vault=None, parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks = ws, actor, tasks
        from ...services.seals import SealVault

        self.vault = vault or SealVault()
        self.issued: list[dict] = []
        self.catalog: Catalog | None = None
        self.chosen: list[Matter] = []
        self.chosen_codes: list[str] = []
        self.result = None
        self.last_receipt_no: str | None = None
        self._result_lines: list[str] = []
        self.previews: list = []
        self._init_widgets()
        self._init_layout()
        self._connect_signals()
        self.load_catalog()

    # ---- construction ------------------------------------------------------------------------

    def _init_widgets(self) -> None:
        self.applicant = ApplicantForm()
        self.matter_search = QLineEdit(objectName="matter_search")
        self.matter_search.setPlaceholderText("输入事项名称或编码筛选，↓ 选择，回车确定")
        self.matter_model = MatterListModel(self)
        self.matter_filter = MatterFilter(self)
        self.matter_filter.setSourceModel(self.matter_model)
        self.matter_list = QListView(objectName="matter_list")
        self.matter_list.setModel(self.matter_filter)
        self.chosen_label = QLabel("尚未选择事项", objectName="chosen", wordWrap=True)
        self.checklist = ChecklistModel(self)
        self.table = ChecklistView(objectName="checklist")
        self.table.setModel(self.checklist)
        self.table.setItemDelegateForColumn(COL_PROMISE, PromiseDateDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.horizontalHeader().setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.summary = QLabel(objectName="summary")
        self.approve_now = QCheckBox("即办件当场审批（审核合一）", objectName="approve_now")
        self.approve_now.setVisible(self.actor.can("approve_on_spot"))
        self.buttons = {
            "accept": QPushButton("受理 F5", objectName="accept"),
            "tolerate": QPushButton("容缺受理 F6", objectName="tolerate"),
            "notify": QPushButton("一次性告知 F7", objectName="notify"),
            "refuse": QPushButton("不予受理 F8", objectName="refuse"),
            "preview": QPushButton("预览打印 F9", objectName="preview"),
            "slip": QPushButton("收件回执 F10", objectName="slip"),
            "next": QPushButton("下一位 Ctrl+N", objectName="next"),
        }
        self.message = QLabel(objectName="message", wordWrap=True)
        self.result_box = QGroupBox("办理结果")
        self.result_view = QTextBrowser(objectName="result")
        self.result_view.setPlainText("—")
        self.result_box.setMinimumHeight(200)
        QVBoxLayout(self.result_box).addWidget(self.result_view)

    def _init_layout(self) -> None:
        left = QGroupBox("申请人")
        QVBoxLayout(left).addWidget(self.applicant)
        middle = QGroupBox("办理事项 / 一件事")
        m = QVBoxLayout(middle)
        m.addWidget(self.matter_search)
        m.addWidget(self.matter_list, 1)
        m.addWidget(self.chosen_label)
        right = QGroupBox("材料清单（空格键勾选已收，可容缺材料可填补交日期，有问题的材料填补正原因；"
                          "登记后 F3 采集电子材料、F4 复用）")
        r = QVBoxLayout(right)
        r.addWidget(self.table, 1)
        r.addWidget(self.summary)
        actions = QHBoxLayout()
        actions.addWidget(self.approve_now)
        actions.addStretch()
        for button in self.buttons.values():
            actions.addWidget(button)
        r.addLayout(actions)
        r.addWidget(self.message)
        r.addWidget(self.result_box)
        left.setMinimumWidth(340)
        middle.setMinimumWidth(280)
        self.matter_list.setWordWrap(True)
        splitter = QSplitter()
        for w, stretch in ((left, 0), (middle, 0), (right, 1)):
            splitter.addWidget(w)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        QVBoxLayout(self).addWidget(splitter)

    def _connect_signals(self) -> None:
        self.applicant.number_valid.connect(self._lookup)
        self.matter_search.textChanged.connect(self._filter_matters)
        self.matter_search.returnPressed.connect(self._choose_current)
        self.matter_list.activated.connect(lambda _: self._choose_current())
        self.checklist.dataChanged.connect(lambda *_: self._update_summary())
        self.checklist.modelReset.connect(self._update_summary)
        self.buttons["accept"].clicked.connect(lambda: self.submit("accept"))
        self.buttons["tolerate"].clicked.connect(lambda: self.submit("tolerate"))
        self.buttons["notify"].clicked.connect(lambda: self.submit("notify"))
        self.buttons["refuse"].clicked.connect(lambda: self.submit("refuse"))
        self.buttons["next"].clicked.connect(self.next_applicant)
        for key, action in (("F5", "accept"), ("F6", "tolerate"), ("F7", "notify"), ("F8", "refuse")):
            QShortcut(QKeySequence(key), self, activated=lambda a=action: self.submit(a))
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.next_applicant)
        QShortcut(QKeySequence("F9"), self, activated=self.preview_documents)
        self.buttons["preview"].clicked.connect(self.preview_documents)
        QShortcut(QKeySequence("F10"), self, activated=self.print_slip)
        QShortcut(QKeySequence("F3"), self, activated=self.capture_current)
        QShortcut(QKeySequence("F4"), self, activated=self.reuse_current)
        self.buttons["slip"].clicked.connect(self.print_slip)
        self.matter_search.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        # ↓ from the search box moves into the list, so the clerk never leaves the keyboard.
        if obj is self.matter_search and event.type() == event.Type.KeyPress \
                and event.key() == Qt.Key.Key_Down:
            self.matter_list.setFocus()
            if not self.matter_list.currentIndex().isValid() and self.matter_filter.rowCount():
                self.matter_list.setCurrentIndex(self.matter_filter.index(0, 0))
            return True
        return super().eventFilter(obj, event)

    # ---- catalog and matters -----------------------------------------------------------------

    def load_catalog(self) -> None:
        self.tasks.run(lambda: current_catalog(self.ws), self._catalog_loaded, self._failed, parent=self)

    def _catalog_loaded(self, value) -> None:
        _version_id, self.catalog = value
        self.matter_model.set_catalog(self.catalog)

    def _filter_matters(self, text: str) -> None:
        self.matter_filter.setFilterFixedString(text.strip().lower())
        if self.matter_filter.rowCount():
            self.matter_list.setCurrentIndex(self.matter_filter.index(0, 0))

    def _choose_current(self) -> None:
        index = self.matter_list.currentIndex()
        if not index.isValid() and self.matter_filter.rowCount():
            index = self.matter_filter.index(0, 0)
        if not index.isValid():
            self.show_error("没有符合条件的事项")
            return
        self.choose(index.data(ITEM_ROLE))

    def choose(self, item: Matter | Bundle) -> None:
        assert self.catalog is not None
        if isinstance(item, Bundle):
            self.chosen = [self.catalog.matter(code) for code in item.matters]
            self.chosen_codes = [item.code]
            self.chosen_label.setText(f"已选一件事：<b>{item.name}</b>（{len(self.chosen)}个事项，一次受理）")
        else:
            self.chosen = [item]
            self.chosen_codes = [item.code]
            self.chosen_label.setText(
                f"已选：<b>{item.name}</b>　{item.kind.value}，承诺时限{item.promised_days}个工作日，"
                f"法定时限{item.statutory_days}个工作日{'，可容缺受理' if item.allows_tolerance else ''}")
        self.checklist.set_matters(self.chosen)
        self.table.resizeColumnsToContents()
        # One matter: its name is already above the list. A bundle: keep the column narrow.
        self.table.setColumnHidden(COL_MATTER, len(self.chosen) == 1)
        self.table.setColumnWidth(COL_MATTER, 170)
        self.table.horizontalHeader().setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.setFocus()
        if self.checklist.rowCount():
            self.table.setCurrentIndex(self.checklist.index(0, 0))

    def _update_summary(self) -> None:
        self.summary.setText(self.checklist.summary() if self.checklist.rows else "")

    # ---- applicant ---------------------------------------------------------------------------

    def _lookup(self, number: str) -> None:
        self.tasks.run(lambda: lookup(self.ws, number),
                       lambda known: known and self.applicant.number.text().strip().upper() == number
                       and self.applicant.fill(known), self._failed, parent=self)

    # ---- outcomes ----------------------------------------------------------------------------

    def submit(self, action: str) -> None:
        if not self.chosen_codes:
            self.show_error("请先选择办理事项（在事项框中输入名称后回车）")
            self.matter_search.setFocus()
            return
        intake = acceptance_service.Intake(
            matters=list(self.chosen_codes), applicant=self.applicant.to_dict(),
            received=self.checklist.received(), promises=self.checklist.promises(),
            defects=self.checklist.defects())
        ws, actor = self.ws, self.actor
        if action == "accept":
            if intake.promises:
                self.show_error("清单中有容缺材料：请按 F6 容缺受理，或清除补交日期")
                return
            if intake.defects:
                self.show_error("清单中有需补正的材料：请按 F7 一次性告知，或清除补正原因")
                return
            approve_now = self.approve_now.isChecked()
            call = lambda: acceptance_service.accept(ws, actor, intake, approve_now=approve_now)
        elif action == "tolerate":
            if not intake.promises:
                self.show_error("容缺受理须为缺少的可容缺材料填写承诺补交日期（双击“容缺补交日期”一栏）")
                self._focus_column(COL_PROMISE)
                return
            call = lambda: acceptance_service.accept(ws, actor, intake)
        elif action == "notify":
            call = lambda: acceptance_service.notify(ws, actor, intake)
        else:
            dialog = RefuseDialog(self)
            if dialog.exec() != RefuseDialog.DialogCode.Accepted:
                return
            values = dialog.values()
            call = lambda: acceptance_service.refuse(ws, actor, intake, **values)
        self._set_busy(True)
        self.tasks.run(call, self._registered_here, lambda exc: self._submit_failed(exc, intake, call),
                       parent=self)

    def _submit_failed(self, exc: BaseException, intake, call) -> None:
        """A returning applicant whose details differ: show old → new and let the clerk
        confirm (Enter: the same outcome again, updating the record) or go back (Esc)."""
        if not isinstance(exc, ApplicantChanged) or intake.update_applicant:
            self._failed(exc)
            return
        from .applicant_change import ApplicantChangeDialog

        self._set_busy(False)
        dialog = ApplicantChangeDialog(exc.changes, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._confirm_update(intake, call))
        dialog.rejected.connect(lambda: self._failed(DomainError(
            "未登记：申请人信息与已有登记不同，请核对修改后重新提交", exc.field)))
        self.change_dialog = dialog
        dialog.open()

    def _confirm_update(self, intake, call) -> None:
        intake.update_applicant = True
        self._set_busy(True)
        self.tasks.run(call, self._registered_here, lambda exc: self._submit_failed(exc, intake, call),
                       parent=self)

    def _registered_here(self, result) -> None:
        self._registered(result)
        self._bind_materials(result)

    # ---- electronic materials ----------------------------------------------------------------

    def _bind_materials(self, result) -> None:
        """The checklist's lines now have cases: show what each may reuse."""
        if result.status == CaseStatus.REFUSED.value:
            return
        self.checklist.bind_cases({c["matter_code"]: c["id"] for c in result.cases})
        from ...services import materials

        ws, actor, ids = self.ws, self.actor, [c["id"] for c in result.cases]
        self.tasks.run(lambda: {cid: materials.offers(ws, actor, cid) for cid in ids},
                       lambda found: [self.checklist.set_offers(cid, o) for cid, o in found.items()],
                       self._failed, parent=self)

    def _current_line(self):
        index = self.table.currentIndex()
        if not index.isValid() or not self.checklist.rows:
            self.show_error("请先在材料清单中选中一项材料")
            return None
        row = self.checklist.rows[index.row()]
        if row.case_id is None:
            self.show_error("请先登记受理（F5 受理、F6 容缺受理或 F7 一次性告知），"
                            "登记后即可为清单各项材料采集电子页面（F3）")
            return None
        return row

    def capture_current(self) -> None:
        """F3: the capture panel for the current checklist line."""
        row = self._current_line()
        if row is None:
            return
        from ..materials import CaptureDialog

        dialog = CaptureDialog(self.ws, self.actor, self.tasks, row.case_id, row.material.code,
                               title=row.material.name, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(lambda m, cid=row.case_id: self.checklist.set_electronic(cid, m))
        dialog.finished.connect(lambda _: self.table.setFocus())
        self.capture_dialog = dialog
        dialog.show()

    def reuse_current(self) -> None:
        """F4: attach the material offered for the current line (same applicant, still valid)."""
        row = self._current_line()
        if row is None:
            return
        if row.offer is None:
            self.show_error(f"“{row.material.name}”没有可复用的材料")
            return
        from ...services import materials

        ws, actor, cid, code, offer = self.ws, self.actor, row.case_id, row.material.code, row.offer
        self.tasks.run(lambda: materials.reuse(ws, actor, cid, code, offer["source_id"]),
                       lambda m: (self.checklist.set_electronic(cid, m),
                                  self.show_info(f"已复用受理编号 {offer['receipt_no']} 的“{m['name']}”，"
                                                 f"共 {m['page_count']} 页")),
                       self._failed, parent=self)

    def issue_notice(self, intake, done=None, failed=None) -> None:
        """一次性告知 asked from elsewhere (the materials viewer's F7, from the defects
        found in a case's pages): the same service and the same result panel, sealed
        documents and F9 preview as F7 here. The checklist on screen is left alone."""
        ws, actor = self.ws, self.actor

        def ok(result):
            self._registered(result)
            if done is not None:
                done(result)

        def bad(exc):
            self._failed(exc)
            if failed is not None:
                failed(exc)

        self.tasks.run(lambda: acceptance_service.notify(ws, actor, intake), ok, bad, parent=self)

    def _focus_column(self, column: int) -> None:
        for i, row in enumerate(self.checklist.rows):
            if row.material.tolerable and not row.received:
                self.table.setCurrentIndex(self.checklist.index(i, column))
                self.table.setFocus()
                return

    def _registered(self, result) -> None:
        self.last_receipt_no = result.receipt_no
        self._set_busy(False)
        self.result = result
        self.message.setText("")
        status = CaseStatus(result.status).label
        lines = [f"<span style='font-size:20pt'><b>{result.receipt_no}</b></span>　{status}"]
        if result.due_date:
            mark = "（暂定：该年度节假日安排尚未发布）" if result.provisional else ""
            lines.append(f"承诺办结日期：<b>{result.due_date:%Y年%m月%d日}</b>{mark}　"
                         f"法定期限届满：{result.statutory_due_date:%Y年%m月%d日}")
        for case in result.cases if len(result.cases) > 1 else []:
            lines.append(f"　{case['matter_name']}：{CaseStatus(case['status']).label}，"
                         f"承诺办结 {case['due_date'] or '—'}")
        lines += [f"{d['kind']}：{d['number']}" for d in result.documents]
        self.result_view.setHtml("<br>".join(lines))
        self._result_lines = lines
        self.registered.emit(result)
        self.buttons["next"].setFocus()
        self.issue_documents(result.receipt_no)

    # ---- documents ---------------------------------------------------------------------------

    def issue_documents(self, receipt_no: str) -> None:
        """Fill, seal and sign the outcome's documents on the database thread."""
        from ...services.documents import issue_pending

        ws, actor, vault = self.ws, self.actor, self.vault
        self.tasks.run(lambda: issue_pending(ws, actor, receipt_no, vault),
                       self._documents_issued, lambda exc: self._documents_failed(exc, receipt_no), parent=self)

    def _documents_issued(self, issued: list[dict]) -> None:
        self.issued = issued
        lines = list(self._result_lines)
        lines += [f"✔ 已盖章签名：{d['kind']} {d['number']}<br>　<small>{d['path']}</small>" for d in issued]
        self.result_view.setHtml("<br>".join(lines))
        self.documents_issued.emit(issued)

    def preview_documents(self) -> None:
        """Print preview of the documents just issued. LibreOffice converts them on the
        CPU pool (never the database worker, never the window's thread); without
        LibreOffice the files open in the system's default application."""
        if not self.issued:
            self.show_error("还没有已签章的文书可以预览")
            return
        from printing.convert import soffice

        from ...services.printouts import document_pdf

        if soffice() is None:
            from PyQt6.QtCore import QUrl
            from PyQt6.QtGui import QDesktopServices

            for d in self.issued:
                QDesktopServices.openUrl(QUrl.fromLocalFile(d["path"]))
            return
        out_dir = self.ws.data_dir / "preview"
        self.message.setStyleSheet("color: #555")
        self.message.setText("正在生成打印预览…")
        for d in self.issued:
            self.tasks.op(self, lambda p=d["path"]: document_pdf(p, out_dir), CPU) \
                .success(lambda pdf, d=d: self._show_preview(str(pdf), f"{d['kind']} {d['number']}")) \
                .failure(self._failed).with_progress(f"正在转换 {d['kind']} 为打印预览…").run()

    def print_slip(self) -> None:
        """The 80 mm receipt slip of the last acceptance: receipt number as a barcode,
        QR codes for progress and for rating; drawn off the GUI thread, then previewed."""
        receipt = self.last_receipt_no
        if not receipt:
            self.show_error("还没有办理结果，无法打印收件回执")
            return
        from ...services.cases import show
        from ...services.printouts import write_slip

        ws, actor, out = self.ws, self.actor, self.ws.data_dir / "slips" / f"{receipt}.pdf"

        def draw(got):
            data, settings = got
            out.parent.mkdir(parents=True, exist_ok=True)
            self.tasks.op(self, lambda: (write_slip(data, settings, actor.name, out), str(out))[1], CPU) \
                .success(lambda pdf: self._show_preview(pdf, f"收件回执 {receipt}")).failure(self._failed) \
                .with_progress("正在生成收件回执…").run()

        self.tasks.run(lambda: (show(ws, actor, receipt), ws.settings()), draw, self._failed, parent=self)

    def _show_preview(self, pdf: str, title: str) -> None:
        from ..preview_dialog import PreviewDialog

        self.message.setText("")
        dialog = PreviewDialog(pdf, title, self)
        self.previews.append(dialog)
        dialog.show()

    def _documents_failed(self, exc: BaseException, receipt_no: str) -> None:
        if isinstance(exc, DomainError) and exc.field == "secret":
            from ..qt import QInputDialog, QLineEdit

            secret, ok = QInputDialog.getText(self, "解锁受理印章",
                                              "请输入受理印章的解锁口令（本次登录只需输入一次）：",
                                              QLineEdit.EchoMode.Password)
            if ok and secret:
                from ...services.documents import unlock_acceptance_seal

                ws, actor, vault = self.ws, self.actor, self.vault
                self.tasks.run(lambda: unlock_acceptance_seal(ws, actor, vault, secret),
                               lambda _name: self.issue_documents(receipt_no),
                               lambda e: self._documents_failed(e, receipt_no), parent=self)
                return
        self._documents_pending(exc, receipt_no)

    def _documents_pending(self, exc: BaseException, receipt_no: str) -> None:
        """The acceptance is committed and its number issued; only its documents are
        missing (a full disk, a read-only folder, no seal). Say so, with the number,
        what is pending and where to finish it: never as an internal error."""
        from ...services.errors import failure_reason

        documents = self.result.documents if getattr(self.result, "receipt_no", None) == receipt_no else []
        kinds = "、".join(dict.fromkeys(d["kind"] for d in documents)) or "文书"
        self.show_error(f"受理编号 {receipt_no} 已登记，但{kinds}尚未生成（原因：{failure_reason(exc)}）。"
                        f"处理后在“案件”（Ctrl+2）中打开受理编号 {receipt_no}，按 F5 补出文书。")
        if self._result_lines and documents:
            lines = [*self._result_lines, f"<span style='color:#b00020'>⚠ 尚未生成：{kinds}"
                                          f"（在“案件”中打开本受理编号按 F5 补出）</span>"]
            self.result_view.setHtml("<br>".join(lines))

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, DomainError):
            self.show_error(str(exc))
            widget = self.applicant.widget_for(exc.field)
            if widget is not None:
                widget.setFocus()
                widget.selectAll()
        else:
            self.show_error(f"内部错误，操作未完成：{exc}")

    def show_error(self, text: str) -> None:
        say(self.message, text, error=True)

    def show_info(self, text: str) -> None:
        say(self.message, text)

    def _set_busy(self, busy: bool) -> None:
        for key in ("accept", "tolerate", "notify", "refuse"):
            self.buttons[key].setEnabled(not busy)

    def next_applicant(self) -> None:
        self.applicant.clear()
        self.matter_search.clear()
        self.chosen, self.chosen_codes = [], []
        self.chosen_label.setText("尚未选择事项")
        self.checklist.set_matters([])
        self.message.setText("")
        self.result_view.setPlainText("—")
        self.applicant.number.setFocus()
