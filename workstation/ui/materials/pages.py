"""The thumbnails of one material's pages, in order (capture panel and viewer)."""

from __future__ import annotations

from ..qt import (QAbstractItemView, QAbstractListModel, QColor, QIcon, QListView, QModelIndex,
                  QPixmap, QSize, Qt, pyqtSignal)
from .images import THUMB_SIDE, PageImages, key_of, placeholder

PAGE_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_WIDTH = 128                # a portrait A4 thumbnail (126×180) fits whole
SOURCE_LABELS = {"file": "文件", "camera": "高拍仪", "scanner": "扫描仪", "folder": "监视文件夹",
                 "reuse": "复用"}


class PageListModel(QAbstractListModel):
    """One row per page (``materials.list_materials`` page dicts); the decoration is the
    thumbnail, decoded on the image pool and shown as soon as it is ready."""

    def __init__(self, images: PageImages, parent=None):
        super().__init__(parent)
        self.images = images
        self.pages: list[dict] = []
        self._pixmaps: dict[tuple, QIcon] = {}
        self._placeholder: QIcon | None = None
        images.ready.connect(self._thumbnail_ready)

    def reset(self, pages: list[dict]) -> None:
        self.beginResetModel()
        self.pages = list(pages)
        self.endResetModel()
        for i, p in enumerate(self.pages):     # the visible ones first
            self.images.request(p, THUMB_SIDE, p["rotation"], priority=-i)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.pages)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.pages):
            return None
        p = self.pages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            turned = f" ↻{p['rotation']}°" if p["rotation"] else ""
            return f"第{p['seq']}页{turned}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(p)
        if role == Qt.ItemDataRole.ToolTipRole:
            dpi = f"，{p['dpi']} dpi" if p.get("dpi") else ""
            return (f"第{p['seq']}页：{p['width']}×{p['height']}{dpi}，{p['size'] // 1024} KB，"
                    f"来源 {SOURCE_LABELS.get(p['source'], p['source'])}，{p['captured_by']} {p['captured_at']}")
        if role == PAGE_ROLE:
            return p
        return None

    def _icon(self, page: dict) -> QIcon:
        key = key_of(page, THUMB_SIDE, page["rotation"])
        icon = self._pixmaps.get(key)
        if icon is not None:
            return icon
        image = self.images.get(page, THUMB_SIDE, page["rotation"])
        if image is None:
            if self._placeholder is None:
                self._placeholder = QIcon(QPixmap.fromImage(placeholder()))
            return self._placeholder
        icon = self._pixmaps[key] = QIcon(QPixmap.fromImage(image))
        return icon

    def _thumbnail_ready(self, key, _image) -> None:
        for row, p in enumerate(self.pages):
            if key_of(p, THUMB_SIDE, p["rotation"]) == key:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def row_of(self, page_id: int) -> int:
        return next((i for i, p in enumerate(self.pages) if p["id"] == page_id), -1)

    def thumbnails_ready(self) -> bool:
        """Every page's thumbnail is decoded (tests and the screenshot wait for it)."""
        return all(self.images.get(p, THUMB_SIDE, p["rotation"]) is not None for p in self.pages)


# The keys of the page strip; the capture panel changes the stored pages with them, the
# viewer only its view.
KEYS = {
    (Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier): "earlier",
    (Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier): "later",
    (Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier): "earlier",
    (Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier): "later",
    (Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier): "clockwise",
    (Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier): "anticlockwise",
    (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier): "delete",
}


class PageStrip(QListView):
    """Signals:
        action(str): a page key was pressed on the strip: ``earlier``/``later``
            (Ctrl+↑/↓ or Ctrl+←/→), ``clockwise``/``anticlockwise`` (R/Shift+R), ``delete``.
    """

    action = pyqtSignal(str)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        name = KEYS.get((Qt.Key(event.key()), mods))
        if name is not None:
            self.action.emit(name)
            event.accept()
            return
        super().keyPressEvent(event)

    def current_page(self) -> dict | None:
        index = self.currentIndex()
        return index.data(PAGE_ROLE) if index.isValid() else None

    def select_row(self, row: int) -> None:
        model = self.model()
        if model.rowCount():
            row = max(0, min(row, model.rowCount() - 1))
            self.setCurrentIndex(model.index(row, 0))


def page_strip(model: PageListModel, name: str, *, vertical: bool = False) -> PageStrip:
    """Thumbnails in a row that wraps (capture panel) or a column (viewer)."""
    view = PageStrip(objectName=name)
    view.setModel(model)
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setIconSize(QSize(ICON_WIDTH, THUMB_SIDE))
    view.setMovement(QListView.Movement.Static)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setUniformItemSizes(True)
    view.setSpacing(6)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if vertical:
        view.setFlow(QListView.Flow.TopToBottom)
        view.setWrapping(False)
        view.setFixedWidth(ICON_WIDTH + 48)
    else:
        view.setFlow(QListView.Flow.LeftToRight)
        view.setWrapping(True)
    palette = view.palette()
    palette.setColor(palette.ColorRole.Base, QColor("#f2f2ee"))
    view.setPalette(palette)
    return view
