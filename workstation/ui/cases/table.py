"""The 案件 screen: search by number, name or ID; filter by status; Enter opens a case."""

from __future__ import annotations

from ...domain.errors import DomainError
from ...domain.states import CaseStatus
from ...services import cases as case_service
from ..qt import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableView,
                  QVBoxLayout, QWidget, pyqtSignal)
from .model import PAGE, ROW_ROLE, CaseTableModel


class CasesScreen(QWidget):
    """Signals:
        open_case(str): the clerk asked for a case (receipt number).
    """

    open_case = pyqtSignal(str)

    def __init__(self, ws, actor, tasks, parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks = ws, actor, tasks
        self.search_edit = QLineEdit(objectName="case_search", maxLength=60)
        self.search_edit.setPlaceholderText("受理编号、姓名/企业名称（2字以上）、身份证号码或统一社会信用代码，回车查询")
        self.status = QComboBox(objectName="status_filter")
        self.status.addItem("全部状态", None)
        for status in CaseStatus:
            self.status.addItem(status.label, status.value)
        self.model = CaseTableModel(self)
        self.model.request_more = self._load_more
        self.table = QTableView(objectName="case_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.info = QLabel(objectName="info")
        top = QHBoxLayout()
        find_label = QLabel("查找(&F)")
        find_label.setBuddy(self.search_edit)
        top.addWidget(find_label)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.info)
        self.search_edit.returnPressed.connect(self.refresh)
        self.status.currentIndexChanged.connect(lambda _: self.refresh())
        self.table.activated.connect(self._activated)

    def refresh(self) -> None:
        text = self.search_edit.text().strip()
        status = self.status.currentData()
        ws, actor = self.ws, self.actor
        if text:
            def call():
                rows = case_service.search(ws, actor, text, status=status, limit=PAGE)
                return rows, True
        else:
            def call():
                rows = case_service.list_cases(ws, actor, status, limit=PAGE)
                return rows, len(rows) < PAGE
        self.tasks.run(call, self._loaded, self._failed, parent=self)

    def _loaded(self, value) -> None:
        rows, complete = value
        self.model.reset(rows, complete)
        if not rows:
            self.info.setText("没有找到案件")
        elif self.search_edit.text().strip() and len(rows) >= PAGE:
            self.info.setText(f"显示最近的 {PAGE} 件；结果较多，请输入更完整的名称或证件号码")
        else:
            self.info.setText(f"共 {len(rows)}{'' if complete else '+'} 件")
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _load_more(self, offset: int) -> None:
        ws, actor, status = self.ws, self.actor, self.status.currentData()

        def call():
            rows = case_service.list_cases(ws, actor, status, limit=PAGE, offset=offset)
            return rows, len(rows) < PAGE

        self.tasks.run(call, lambda v: self.model.append(*v), self._failed, parent=self)

    def _failed(self, exc) -> None:
        self.info.setText(str(exc) if isinstance(exc, DomainError) else f"内部错误：{exc}")

    def _activated(self, index) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.open_case.emit(row.receipt_no)
