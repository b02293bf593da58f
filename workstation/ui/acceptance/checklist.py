"""The materials checklist of the chosen matters: one row per material."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...domain.catalog import Material, Matter
from ..table_model import RowTableModel
from ..qt import (QAbstractItemView, QColor, QDate, QDateEdit, Qt,
                  QStyledItemDelegate, QTableView)

COLUMNS = ("收到", "事项", "材料", "形式", "份数", "必需", "容缺补交日期", "需补正的原因")
COL_RECEIVED, COL_MATTER, COL_NAME, COL_FORM, COL_COPIES, COL_REQUIRED, COL_PROMISE, COL_DEFECT = range(8)


@dataclass
class Row:
    matter: Matter
    material: Material
    received: bool = False
    promise: date | None = None
    defect: str = ""

    @property
    def code(self) -> str:
        return f"{self.matter.code}:{self.material.code}"


class ChecklistModel(RowTableModel):
    COLUMNS = COLUMNS
    """Space toggles 收到; the promise date and defect columns are edited in place."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[Row] = []

    def set_matters(self, matters: list[Matter]) -> None:
        self.beginResetModel()
        self.rows = [Row(m, x) for m in matters for x in m.materials]
        self.endResetModel()

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.rows[index.row()]
        if index.column() == COL_RECEIVED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() == COL_PROMISE and row.material.tolerable and not row.received:
            return base | Qt.ItemFlag.ItemIsEditable
        if index.column() == COL_DEFECT:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        m = row.material
        if role == Qt.ItemDataRole.CheckStateRole and col == COL_RECEIVED:
            return Qt.CheckState.Checked if row.received else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == COL_MATTER:
                return row.matter.name
            if col == COL_NAME:
                return m.name
            if col == COL_FORM:
                return m.form.value
            if col == COL_COPIES:
                return m.copies
            if col == COL_REQUIRED:
                return "必需" if m.required else "可选"
            if col == COL_PROMISE:
                if row.promise:
                    return row.promise.isoformat()
                return "" if role == Qt.ItemDataRole.EditRole else ("可容缺" if m.tolerable else "")
            if col == COL_DEFECT:
                return row.defect
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_NAME:
            return m.standard or None
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.defect:
                return QColor("#fde2e1")
            if row.received:
                return QColor("#e3f4e1")
            if row.promise:
                return QColor("#fff4d6")
            if m.required:
                return QColor("#fafafa")
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_PROMISE and not row.promise:
            return QColor("#888888")
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid():
            return False
        row, col = self.rows[index.row()], index.column()
        if col == COL_RECEIVED and role == Qt.ItemDataRole.CheckStateRole:
            row.received = Qt.CheckState(value) == Qt.CheckState.Checked
            if row.received:
                row.promise = None
        elif col == COL_PROMISE and role == Qt.ItemDataRole.EditRole:
            text = str(value or "").strip()
            if not text:
                row.promise = None
            else:
                try:
                    row.promise = date.fromisoformat(text)
                except ValueError:
                    return False
        elif col == COL_DEFECT and role == Qt.ItemDataRole.EditRole:
            row.defect = str(value or "").strip()[:500]
        else:
            return False
        first, last = self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1)
        self.dataChanged.emit(first, last)
        return True

    def toggle(self, row_index: int) -> None:
        row = self.rows[row_index]
        state = Qt.CheckState.Unchecked if row.received else Qt.CheckState.Checked
        self.setData(self.index(row_index, COL_RECEIVED), state.value, Qt.ItemDataRole.CheckStateRole)

    def received(self) -> list[str]:
        return [r.code for r in self.rows if r.received]

    def promises(self) -> dict[str, date]:
        return {r.code: r.promise for r in self.rows if r.promise and not r.received}

    def defects(self) -> dict[str, str]:
        return {r.code: r.defect for r in self.rows if r.defect}

    def summary(self) -> str:
        required = [r for r in self.rows if r.material.required]
        got = sum(1 for r in required if r.received)
        owed = sum(1 for r in required if r.promise and not r.received)
        return f"必需材料 {len(required)} 项：已收 {got} 项，容缺 {owed} 项，缺 {len(required) - got - owed} 项"


class ChecklistView(QTableView):
    """Space ticks the current material and moves to the next, so the clerk can run
    down the list with one key; the view's own Space (select) is not needed here."""

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and self.state() != QAbstractItemView.State.EditingState:
            index = self.currentIndex()
            model = self.model()
            if index.isValid() and isinstance(model, ChecklistModel):
                model.toggle(index.row())
                if index.row() + 1 < model.rowCount():
                    self.setCurrentIndex(model.index(index.row() + 1, index.column()))
                event.accept()
                return
        super().keyPressEvent(event)


class PromiseDateDelegate(QStyledItemDelegate):
    """A date editor for the promise column: type the digits, arrows change a part."""

    def createEditor(self, parent, option, index):  # noqa: N802
        editor = QDateEdit(parent, objectName="promise_editor")
        editor.setDisplayFormat("yyyy-MM-dd")
        editor.setCalendarPopup(True)
        return editor

    def setEditorData(self, editor, index) -> None:  # noqa: N802
        text = index.data(Qt.ItemDataRole.EditRole)
        day = QDate.fromString(text, "yyyy-MM-dd") if text else QDate.currentDate().addDays(1)
        editor.setDate(day)

    def setModelData(self, editor, model, index) -> None:  # noqa: N802
        model.setData(index, editor.date().toString("yyyy-MM-dd"), Qt.ItemDataRole.EditRole)
