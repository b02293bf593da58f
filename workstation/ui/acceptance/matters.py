"""Matter and bundle picker: type to filter, arrows and Enter to choose."""

from __future__ import annotations

from ...domain.catalog import Bundle, Catalog, Matter
from ..qt import QAbstractListModel, QModelIndex, QSortFilterProxyModel, Qt

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2


class MatterListModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[Matter | Bundle] = []

    def set_catalog(self, catalog: Catalog) -> None:
        self.beginResetModel()
        self.items = [*catalog.bundles, *catalog.matters]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.items)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(item, Bundle):
                return f"【一件事】{item.name}（{len(item.matters)}个事项）"
            return f"{item.name}  [{item.category.value}·{item.kind.value}·承诺{item.promised_days}日]"
        if role == SEARCH_ROLE:
            return f"{item.code} {item.name}".lower()
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(item, Matter):
            return f"{item.code}\n办事依据：{item.basis}\n收费：{item.fee}"
        return None


class MatterFilter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
