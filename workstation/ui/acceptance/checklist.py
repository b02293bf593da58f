"""The materials checklist of the chosen matters: one row per material."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...domain.catalog import Material, Matter
from ..table_model import RowTableModel
from ..qt import (QAbstractItemView, QColor, QDate, QDateEdit, Qt,
                  QStyledItemDelegate, QTableView)

COLUMNS = ("收到", "事项", "材料", "形式", "份数", "必需", "容缺补交日期", "需补正的原因", "电子材料")
(COL_RECEIVED, COL_MATTER, COL_NAME, COL_FORM, COL_COPIES, COL_REQUIRED, COL_PROMISE, COL_DEFECT,
 COL_PAGES) = range(9)
WITH_PAGES = QColor("#a8dca2")       # a line with electronic pages: a clear green


@dataclass
class Row:
    matter: Matter
    material: Material
    received: bool = False
    promise: date | None = None
    defect: str = ""
    # Electronic materials, once the acceptance is registered (the case exists):
    case_id: str | None = None
    pages: int = 0
    check_label: str = ""
    offer: dict | None = None        # a reusable material of the same applicant

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
            if col == COL_PAGES and role == Qt.ItemDataRole.DisplayRole:
                return self._pages_text(row)
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_NAME:
            return m.standard or None
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_PAGES:
            return ("F3 采集电子页面（高拍仪、文件、监视文件夹）" if row.case_id else
                    "登记受理（F5/F6/F7）后即可为本行采集电子页面") + ("；F4 复用已有材料" if row.offer else "")
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.defect:
                return QColor("#fde2e1")
            if row.pages:
                return WITH_PAGES
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

    @staticmethod
    def _pages_text(row: Row) -> str:
        if row.pages:
            return f"✔ {row.pages}页" + (f" {row.check_label}" if row.check_label else "")
        if row.offer:
            return f"可复用 {row.offer['pages']}页 F4"
        return "F3 采集" if row.case_id else ""

    def bind_cases(self, case_of_matter: dict[str, str]) -> None:
        """After registration: each line knows its case, so pages can be captured for it."""
        for row in self.rows:
            row.case_id = case_of_matter.get(row.matter.code)
            row.pages, row.check_label, row.offer = 0, "", None
        self._changed_all()

    def set_electronic(self, case_id: str, material: dict) -> int:
        """A material as ``materials.list_materials`` gives it: its line shows the page
        count (and turns green when it has pages). Returns the line, or -1."""
        for i, row in enumerate(self.rows):
            if row.case_id == case_id and row.material.code == material["code"]:
                row.pages = material["page_count"]
                checked = row.pages and material["check_state"] != "unchecked"
                row.check_label = material["check_label"] if checked else ""
                if row.pages:
                    row.offer = None
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
                return i
        return -1

    def set_offers(self, case_id: str, offers: list[dict]) -> None:
        """Reuse offers (``materials.offers``), the newest per line."""
        for row in self.rows:
            if row.case_id == case_id and not row.pages:
                row.offer = next((o for o in offers if o["material"] == row.material.code), None)
        self._changed_all()

    def _changed_all(self) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))

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
