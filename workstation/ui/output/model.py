"""The output window's list: decided cases waiting to be handed over or mailed."""

from __future__ import annotations

from ...services.delivery import OutputRow
from ..qt import QColor, Qt
from ..table_model import RowTableModel


class OutputModel(RowTableModel):
    COLUMNS = ("受理编号", "申请人", "事项", "决定", "决定日期", "出件", "运单号")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        r: OutputRow = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.receipt_no, r.applicant_name, r.matter_name, r.status_label,
                    r.decided_on.isoformat() if r.decided_on else "", r.delivery_label,
                    r.waybill or "")[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == 5 and r.method is None:
            return QColor("#e3f2fd")        # still to go out
        return None
