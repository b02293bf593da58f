"""同步冲突: what the centre and this terminal disagree on, in plain words (who did
what, when, on which terminal), each closed by a person with a note."""

from __future__ import annotations

from ..domain.errors import DomainError
from ..services import conflicts as conflict_service
from .qt import QDialog, QHBoxLayout, QInputDialog, QLabel, QPushButton, Qt, QVBoxLayout
from .table_model import RowTableModel, row_table


class ConflictModel(RowTableModel):
    COLUMNS = ("编号", "时间", "办理人", "案件", "情况")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(r["id"]), r["created_at"].replace("T", " "), r["user"],
                    (r["case_id"] or "")[:8], r["message"])[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4:
            return r["message"]
        return None


class ConflictsDialog(QDialog):
    def __init__(self, ws, actor, tasks, parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks = ws, actor, tasks
        self.setWindowTitle("同步冲突")
        self.resize(900, 420)
        self.model = ConflictModel(self)
        self.table = row_table(self.model, "conflicts", multi=False)
        self.resolve_button = QPushButton("已处理…(&R)", objectName="resolve")
        self.message = QLabel(objectName="message", wordWrap=True)
        close = QPushButton("关闭")
        bar = QHBoxLayout()
        bar.addWidget(self.resolve_button)
        bar.addStretch()
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("这些办理与中心或其他终端的记录不一致，须核实后处理（处理结果记入审计日志）："))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bar)
        self.resolve_button.clicked.connect(self.resolve_current)
        close.clicked.connect(self.accept)
        self.refresh()

    def refresh(self) -> None:
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: conflict_service.list_conflicts(ws, actor), self._loaded, self._failed, parent=self)

    def _loaded(self, rows) -> None:
        self.model.reset(rows)
        self.message.setText("" if rows else "没有待处理的冲突")
        if rows:
            self.table.selectRow(0)

    def resolve_current(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        conflict = self.model.rows[rows[0].row()]
        note, ok = QInputDialog.getText(self, "处理冲突", f"{conflict['message']}\n\n处理说明：")
        if ok:
            self.resolve(conflict["id"], note)

    def resolve(self, conflict_id: int, note: str) -> None:
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: conflict_service.resolve(ws, actor, conflict_id, note),
                       lambda _: self.refresh(), self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self.message.setStyleSheet("color: #b00020")
        self.message.setText(str(exc) if isinstance(exc, DomainError) else f"内部错误：{exc}")
