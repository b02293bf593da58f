"""The case list as a table model that loads a page at a time as the view scrolls."""

from __future__ import annotations

from collections.abc import Callable

from ...services.cases import CaseRow
from ..table_model import RowTableModel
from ..qt import QColor, QModelIndex, Qt

COLUMNS = ("受理编号", "申请人", "证件号码", "事项", "类别", "状态", "收件日期", "承诺办结", "受理人", "受理点")
PAGE = 100
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class CaseTableModel(RowTableModel):
    """`fetch(offset, limit)` returns CaseRows; it runs on the caller's thread, and the
    screen feeds the model pages fetched in the background with `append`."""

    COLUMNS = COLUMNS

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[CaseRow] = []
        self.complete = True
        self.request_more: Callable[[int], None] | None = None
        self._requested = False

    def reset(self, rows: list[CaseRow], complete: bool) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.complete = complete
        self._requested = False
        self.endResetModel()

    def append(self, rows: list[CaseRow], complete: bool) -> None:
        self._requested = False
        self.complete = complete
        if rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self.complete and not self._requested

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        if self.canFetchMore(parent) and self.request_more is not None:
            self._requested = True
            self.request_more(len(self.rows))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            due = ""
            if r.due_date:
                due = r.due_date.isoformat() + ("（暂定）" if r.provisional else "")
            return (r.receipt_no, r.applicant_name, r.applicant_number, r.matter_name, r.category,
                    r.status_label, r.received_on.isoformat(), due, r.clerk,
                    "区中心" if r.station == "district" else f"站点 {r.station}")[index.column()]
        if role == ROW_ROLE:
            return r
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 5:
            return QColor({"refused": "#b00020", "notified": "#b26a00", "tolerated": "#b26a00",
                           "approved": "#1b7f3b", "delivered": "#555555"}.get(r.status, "#000000"))
        return None
