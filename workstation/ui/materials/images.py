"""Page pictures for the thumbnails and the page view, decoded off the GUI thread.

A stored page is at most 4961 px on a side (an A4 page at 300 dpi is 2480×3508, about
9 megapixels): decoding one on the GUI thread would freeze the window for 50–80 ms,
and a 50-page material for seconds. So every picture is read here on the task
manager's CPU pool (never the database worker, which the counter waits on), at the size it is
shown: ``QImageReader.setScaledSize`` lets libjpeg decode a JPEG straight at 1/2, 1/4
or 1/8 of its size, which is several times faster than decoding it whole. The page
view asks first for a screen-sized picture (``VIEW_SIDE``) and for the full picture
only when zoomed in beyond it.

Pictures are kept in one LRU cache shared by every viewer and capture panel of the
process, keyed by the page file's SHA-256 (a stored page never changes: its name is
its content), the size asked for and the rotation. Thumbnails are small (a few tens
of KB each) and many are kept; page pictures are large and only the last few.

The decoded QImage is converted on the worker to a 32-bit format, so that turning it
into a QPixmap on the GUI thread is a copy, not a conversion.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from ..qt import QImage, QImageReader, QObject, QRunnable, QSize, QTransform, Qt, pyqtSignal

THUMB_SIDE = 180            # the thumbnails' longer side
VIEW_SIDE = 1600            # the page view's first picture: sharp at "fit" on a 1080p screen
FULL = 0                    # "the whole picture"
THUMB_CACHE = 800           # thumbnails kept (about 180×130×4 bytes each, ~75 MB at most)
PAGE_CACHE_BYTES = 240 * 2**20
_FAST_FORMATS = (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32_Premultiplied)


class DecodeError(Exception):
    """A page file that cannot be read as a picture (missing, changed, truncated)."""


def decode(path: str | Path, side: int = FULL, rotation: int = 0) -> QImage:
    """The picture at ``path``, its longer side at most ``side`` px (0: as stored),
    turned ``rotation`` degrees clockwise, in a format that becomes a pixmap without
    conversion. Safe on any thread (QImage and QImageReader are not GUI objects)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(False)          # stored pages are upright; rotation is ours
    size = reader.size()
    if not size.isValid():
        raise DecodeError(f"页面文件无法读取：{reader.errorString()}")
    longest = max(size.width(), size.height())
    if side and longest > side:
        if bytes(reader.format()) == b"jpeg":
            # libjpeg decodes at 1/2, 1/4 or 1/8 directly: take the smallest of those that
            # still has ``side`` pixels, so no second scaling is needed.
            d = next(d for d in (8, 4, 2, 1) if longest / d >= side or d == 1)
            reader.setScaledSize(QSize(-(-size.width() // d), -(-size.height() // d)))
        else:
            reader.setScaledSize(size.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise DecodeError(f"页面文件已损坏：{reader.errorString()}")
    if side and max(image.width(), image.height()) * 0.9 > side:     # a thumbnail from a 1/8 decode
        image = image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    if image.format() not in _FAST_FORMATS:
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    if rotation % 360:
        image = image.transformed(QTransform().rotate(rotation % 360), Qt.TransformationMode.SmoothTransformation)
    return image


class _Cache:
    """An LRU of decoded pictures: thumbnails by count, page pictures by bytes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.thumbs: OrderedDict[tuple, QImage] = OrderedDict()
        self.pages: OrderedDict[tuple, QImage] = OrderedDict()
        self.page_bytes = 0

    def get(self, key: tuple) -> QImage | None:
        with self.lock:
            store = self.thumbs if key[1] == THUMB_SIDE else self.pages
            image = store.get(key)
            if image is not None:
                store.move_to_end(key)
            return image

    def put(self, key: tuple, image: QImage) -> None:
        with self.lock:
            if key[1] == THUMB_SIDE:
                self.thumbs[key] = image
                while len(self.thumbs) > THUMB_CACHE:
                    self.thumbs.popitem(last=False)
                return
            if key in self.pages:
                return
            self.pages[key] = image
            self.page_bytes += image.sizeInBytes()
            while self.page_bytes > PAGE_CACHE_BYTES and len(self.pages) > 1:
                _, old = self.pages.popitem(last=False)
                self.page_bytes -= old.sizeInBytes()

    def clear(self) -> None:
        with self.lock:
            self.thumbs.clear()
            self.pages.clear()
            self.page_bytes = 0


CACHE = _Cache()


def clear_cache() -> None:
    """Forget every decoded picture (the bench measures a cold open with it)."""
    CACHE.clear()


def key_of(page: dict, side: int, rotation: int = 0) -> tuple:
    return (page["sha256"], side, rotation % 360)


class _Signals(QObject):
    done = pyqtSignal(object, object)        # key, QImage
    failed = pyqtSignal(object, str)         # key, message


class _Decode(QRunnable):
    def __init__(self, key: tuple, path: str, signals: _Signals, state: dict):
        super().__init__()
        self.key, self.path, self.signals, self.state = key, path, signals, state

    def run(self) -> None:
        if self.state["closed"]:
            return          # queued for a panel that has closed since: nobody will look
        _sha, side, rotation = self.key
        try:
            image = decode(self.path, side, rotation)
        except DecodeError as exc:
            self.signals.failed.emit(self.key, str(exc))
        except Exception as exc:  # noqa: BLE001 - said in the window, never a crash
            self.signals.failed.emit(self.key, f"页面无法显示：{exc}")
        else:
            CACHE.put(self.key, image)
            self.signals.done.emit(self.key, image)


class PageImages(QObject):
    """Decodes page pictures on the task manager's CPU pool and answers by signal.
    Decodes go on the pool directly, not as operations: they are queued by priority
    (the page in view first), many at a time, and want no busy cursor.

    Attributes:
        pool: the CPU pool (shared with every other screen; never the database worker).
    Signals:
        ready(tuple, QImage): a requested picture is decoded (key as ``key_of``).
        failed(tuple, str): it could not be (the message says why, in Chinese).
    """

    ready = pyqtSignal(object, object)
    failed = pyqtSignal(object, str)

    def __init__(self, tasks, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = tasks.cpu_pool
        # No parent: a decode still running when the panel is deleted emits into it safely.
        self._signals = _Signals()
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)
        self._asked: set[tuple] = set()
        self._state = {"closed": False}      # read by queued decodes on the pool

    def get(self, page: dict, side: int, rotation: int = 0, *, priority: int = 0) -> QImage | None:
        """The picture if it is decoded already; else None, and it is being decoded
        (``ready`` follows). ``page`` is a page as ``materials.list_materials`` gives it."""
        key = key_of(page, side, rotation)
        image = CACHE.get(key)
        if image is not None:
            return image
        self.request(page, side, rotation, priority=priority)
        return None

    def request(self, page: dict, side: int, rotation: int = 0, *, priority: int = 0) -> None:
        key = key_of(page, side, rotation)
        if self._state["closed"] or key in self._asked or CACHE.get(key) is not None:
            return
        self._asked.add(key)
        self.pool.start(_Decode(key, page["file"], self._signals, self._state), priority)

    def _done(self, key, image) -> None:
        self._asked.discard(key)
        if not self._state["closed"]:
            self.ready.emit(key, image)

    def _failed(self, key, message: str) -> None:
        self._asked.discard(key)
        if not self._state["closed"]:
            self.failed.emit(key, message)

    def pending(self) -> int:
        return len(self._asked)

    def close(self) -> None:
        """Answer nobody any more: what is queued is skipped when its turn comes, what
        runs finishes into the cache (the pool is shared: other screens' work goes on)."""
        self._state["closed"] = True


def placeholder(side: int = THUMB_SIDE) -> QImage:
    """A light grey page shape shown until a thumbnail is decoded."""
    image = QImage(QSize(side * 7 // 10, side), QImage.Format.Format_RGB32)
    image.fill(0xFFE8E8E8)
    return image
