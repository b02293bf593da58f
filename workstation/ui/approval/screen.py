"""The approver's queue: most urgent first, due dates coloured; select cases and
approve them all in one job (F5), its progress shown under the queue and, when it is
long, in the task manager's dialog with 取消; or refuse one with reasons (F8). A
cancelled or interrupted job is resumed (F6)."""

from __future__ import annotations

from datetime import date

from ...services import approval
from ..cases.model import CaseTableModel
from ..qt import (QColor, QHBoxLayout, QInputDialog, QKeySequence, QLabel, QProgressBar, QPushButton,
                  QShortcut, Qt, QVBoxLayout, QWidget, pyqtSignal)
from ..table_model import row_table
from ..messages import error_text, say

DUE_COLUMN = 7


class QueueModel(CaseTableModel):
    """The case list, with the promised due date coloured by urgency."""

    today: date = date.today()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid() and index.column() == DUE_COLUMN:
            due = self.rows[index.row()].due_date
            if due is not None:
                days = (due - self.today).days
                if days < 0:
                    return QColor("#f8c9c4")      # overdue
                if days <= 2:
                    return QColor("#fde7b0")      # due within two days
        return super().data(index, role)


class ApprovalScreen(QWidget):
    """Attributes:
        job_id: the running or last job (None before the first).
        last_summary: what the last run reported.
        job: the running or last job's operation (None before the first).
    Signals:
        advanced(int, int): the running job's progress was shown (done, total).
        decided(): cases were decided (lists elsewhere refresh).
        materials_requested(str): open the case's electronic materials (Enter, Ctrl+M).
    """

    decided = pyqtSignal()
    advanced = pyqtSignal(int, int)
    materials_requested = pyqtSignal(str)

    def __init__(self, ws, actor, tasks, vault, parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks, self.vault = ws, actor, tasks, vault
        self.job_id: str | None = None
        self.last_summary: dict | None = None
        self.job = None
        self.model = QueueModel(self)
        self.model.today = ws.clock.today()
        self.table = row_table(self.model, "queue")
        self.approve_button = QPushButton("准予所选 F5", objectName="approve")
        self.deny_button = QPushButton("不予许可… F8", objectName="deny")
        self.resume_button = QPushButton("继续未完成的任务 F6", objectName="resume", enabled=False)
        self.refresh_button = QPushButton("刷新", objectName="refresh")
        self.materials_button = QPushButton("电子材料 Ctrl+M", objectName="materials")
        self.progress = QProgressBar(objectName="progress")
        self.progress.setFormat("%v / %m")
        self.message = QLabel(objectName="message", wordWrap=True)
        categories = "、".join(sorted(actor.categories)) or "（未分派业务类别，请联系管理员）"
        buttons = QHBoxLayout()
        for b in (self.materials_button, self.approve_button, self.deny_button, self.resume_button,
                  self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"审批队列 — {categories}（Ctrl+A 全选，承诺期限将至者标黄、已超期者标红）"))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.approve_button.clicked.connect(self.approve_selected)
        self.deny_button.clicked.connect(self.deny_current)
        self.resume_button.clicked.connect(self.resume)
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence("F5"), self, activated=self.approve_selected)
        QShortcut(QKeySequence("F6"), self, activated=self.resume)
        QShortcut(QKeySequence("F8"), self, activated=self.deny_current)
        QShortcut(QKeySequence("Ctrl+M"), self, activated=self.open_materials)
        self.materials_button.clicked.connect(self.open_materials)
        self.table.activated.connect(lambda index: self.materials_requested.emit(self.model.rows[index.row()].id))

    def open_materials(self) -> None:
        """The current case's electronic materials, to read and check before deciding."""
        index = self.table.currentIndex()
        if not index.isValid():
            self.show_message("请先选择一件案件", error=True)
            return
        self.materials_requested.emit(self.model.rows[index.row()].id)

    # ---- the queue ---------------------------------------------------------------------------

    def refresh(self) -> None:
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: approval.queue(ws, actor), self._loaded, self._failed, parent=self)

    def _loaded(self, rows) -> None:
        self.model.reset(rows, True)
        if rows and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].id for r in rows]

    # ---- decisions ---------------------------------------------------------------------------

    def approve_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            self.show_message("请先选择要准予的案件（Ctrl+A 全选）", error=True)
            return
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: approval.create_job(ws, actor, ids, "approve"), self._start, self._failed, parent=self)

    def _start(self, job_id: str) -> None:
        self.job_id = job_id
        self._set_running(True)
        ws, actor, vault = self.ws, self.actor, self.vault
        self.job = self.tasks.op(self, lambda p: approval.run_job(ws, actor, job_id, vault, progress=p.update,
                                                                  cancelled=p.cancelled)) \
            .success(self._finished).failure(self._failed).on_progress(self._advanced) \
            .with_progress("正在准予并签章…").cancellable()
        self.job.run()

    def _advanced(self, done: int, total: int, _text: str = "") -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.advanced.emit(done, total)

    def cancel(self) -> None:
        if self.job is None:
            return
        self.job.cancel()
        self.show_message("正在取消：当前这一件办完后停止，已办的保持有效")

    def resume(self) -> None:
        if self.job_id is not None:
            self._start(self.job_id)

    def _finished(self, summary: dict) -> None:
        self._set_running(False)
        self.last_summary = summary
        self.resume_button.setEnabled(summary["pending"] > 0)
        text = f"已准予并签章 {summary['done']}/{summary['total']} 件"
        if summary["pending"]:
            text += f"，未处理 {summary['pending']} 件（按 F6 继续）"
        if summary["failed"]:
            text += "；以下案件未能办理：" + "；".join(
                f"{f['case_id'][:8]}…：{f['message']}" for f in summary["failed"][:10])
        self.show_message(text, error=bool(summary["failed"]))
        self.decided.emit()
        self.refresh()

    def deny_current(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            self.show_message("不予许可须逐件作出：请只选一件", error=True)
            return
        reason, ok = QInputDialog.getMultiLineText(self, "不予许可", "请写明不予许可的理由（将告知申请人）：")
        if not ok:
            return
        ws, actor, vault = self.ws, self.actor, self.vault
        self.tasks.run(lambda: approval.decide(ws, actor, ids[0], "deny", vault, reason=reason),
                       lambda out: (self.show_message(f"已作出不予许可决定：{out['document']['number']}"),
                                    self.decided.emit(), self.refresh()),
                       self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self._set_running(False)
        self.show_message(error_text(exc), error=True)

    def _set_running(self, running: bool) -> None:
        self.approve_button.setEnabled(not running)
        self.deny_button.setEnabled(not running)
        self.resume_button.setEnabled(False if running else self.resume_button.isEnabled())

    def show_message(self, text: str, *, error: bool = False) -> None:
        say(self.message, text, error=error)
