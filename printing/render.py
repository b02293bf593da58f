"""Painting `layout.Page`s with Qt: to a PDF, or to a printer through the print preview.

The one Qt module of the printing package. `paint_page` draws one page onto any
QPainter (a QPdfWriter, a QPrinter, the preview); it works in device pixels
and converts millimetres with the device's dpi.

- Text: a font family with Chinese glyphs (微软雅黑 / 宋体 on Windows, 文泉驿微米黑
  on Debian, …), wrapped with `layout.wrap_lines` on the real font metrics and
  cut with "…" so it never leaves its box. No Chinese font at all is an error,
  not a page of boxes.
- Barcodes and QR codes: filled rectangles (vectors in a PDF, whole dots on a
  printer), bars merged into runs.
- QFont, QFontMetricsF and QPen objects are made once per size and device.
"""

from __future__ import annotations

import io
import os
import re
import threading
from collections.abc import Sequence
from functools import lru_cache

from PyQt6.QtCore import (QBuffer, QByteArray, QIODevice, QLineF, QMarginsF, QPointF, QRectF,
                          QSizeF, Qt)
from PyQt6.QtGui import (QColor, QFont, QFontDatabase, QFontMetricsF, QGuiApplication,
                         QPageLayout, QPageSize, QPainter, QPaintDevice, QPdfWriter, QPen)

from printing.layout import (Box, Code128, Line, Page, PageSize, QRCode, Text, estimator,
                             line_pitch_mm, lines_fit, wrap_lines)
from printing.errors import PrintError

PDF_DPI = 300

# Families tried in order; then any family that says it writes Simplified Chinese.
CJK_FAMILIES = ("Microsoft YaHei", "微软雅黑", "Microsoft YaHei UI", "SimSun", "宋体", "NSimSun",
                "SimHei", "黑体", "WenQuanYi Micro Hei", "文泉驿微米黑", "Noto Sans CJK SC",
                "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "思源黑体",
                "PingFang SC", "Hiragino Sans GB", "WenQuanYi Zen Hei", "Droid Sans Fallback",
                "AR PL UMing CN", "AR PL UKai CN")

_app = None
# The font and layout caches are shared: the 受理 screen's slip and the 出件 screen's
# labels are drawn on different workers, so one painting at a time.
_painting = threading.Lock()
_UNKNOWN = object()          # painter state not known yet


def ensure_app() -> QGuiApplication:
    """The running Qt application, or one made for painting (fonts need one). It is a
    QApplication, not a bare QGuiApplication: a window opened later in the same process
    (a test run, or the CLI's caller) needs widgets, and Qt allows one application."""
    global _app
    app = QGuiApplication.instance()
    if app is None:
        from PyQt6.QtWidgets import QApplication

        _app = app = QApplication([])
    if not isinstance(app, QGuiApplication):
        # A bare QCoreApplication has no fonts, and Qt allows no second application.
        raise PrintError("本进程的 Qt 应用不支持绘图，无法打印")
    return app


@lru_cache(maxsize=1)
def cjk_family() -> str:
    """A font family that has Chinese glyphs; PrintError when the machine has none."""
    ensure_app()
    families = QFontDatabase.families()
    have = set(families)
    for name in CJK_FAMILIES:
        if name in have:
            return name
    for name in families:
        if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(name):
            return name
    raise PrintError("本机没有中文字体（如微软雅黑、宋体、文泉驿微米黑），无法打印，请安装后重试")


# Text whose width is the sum of its characters' advances (kerning is off): Latin,
# digits, CJK, kana, full-width forms. Other scripts are measured whole by Qt.
_SIMPLE = re.compile(r"[\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u3000-\u30ff\u3400-\u4dbf"
                     r"\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]*")


class _Font:
    """A QFont at one size on one device, and its metrics in mm."""

    def __init__(self, dev: _Device, size_pt: float, bold: bool):
        f = QFont(dev.family)
        f.setPointSizeF(size_pt * dev.pt_scale)
        f.setBold(bold)
        f.setKerning(False)         # so that a line is as wide as its characters
        f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        f.setStyleStrategy(QFont.StyleStrategy.PreferOutline)
        fm = QFontMetricsF(f, dev.device) if dev.device is not None else QFontMetricsF(f)
        self.qfont = f
        self.ascent = fm.ascent() / dev.sy
        self.descent = fm.descent() / dev.sy
        advance = fm.horizontalAdvance
        sx = dev.sx

        class Advances(dict):
            def __missing__(self, ch: str) -> float:
                self[ch] = w = advance(ch) / sx
                return w

        chars = Advances()
        get = chars.__getitem__

        def by_chars(s: str) -> float:
            return sum(map(get, s))

        def whole(s: str) -> float:
            return advance(s) / sx

        self.by_chars = by_chars
        self.whole = whole

    def measure_for(self, text: str):
        """A width function in mm for `text` and its parts: the sum of the characters'
        advances where that is exact, Qt's measure of the whole string otherwise."""
        return self.by_chars if _SIMPLE.fullmatch(text) else self.whole


class _Device:
    """Fonts, metrics and pens for one device resolution; mm → device pixels."""

    def __init__(self, dpi_x: float, dpi_y: float, logical_dpi_y: float):
        self.sx = dpi_x / 25.4
        self.sy = dpi_y / 25.4
        self.dpi_x = dpi_x
        # Point sizes are turned into the device's pixels by Qt with its logical dpi;
        # scale them so that a point is 1/72 inch at dpi_y whatever the device says.
        self.pt_scale = dpi_y / logical_dpi_y if logical_dpi_y > 0 else 1.0
        self.family = cjk_family()
        self._fonts: dict = {}
        self._pens: dict = {}
        self.ops: dict = {}          # item → what painting it takes (see _prepare)
        self.seen: set = set()       # items painted once, not yet in ops
        self.device: QPaintDevice | None = None     # the paint device being painted, for font metrics
        self.black = QColor(0, 0, 0)

    def font(self, size_pt: float, bold: bool) -> _Font:
        got = self._fonts.get((size_pt, bold))
        if got is None:
            got = self._fonts[(size_pt, bold)] = _Font(self, size_pt, bold)
        return got

    def pen(self, width_mm: float) -> QPen:
        pen = self._pens.get(width_mm)
        if pen is None:
            pen = QPen(self.black)
            pen.setWidthF(max(width_mm * self.sx, 1.0))
            pen.setCapStyle(Qt.PenCapStyle.SquareCap)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            self._pens[width_mm] = pen
        return pen


@lru_cache(maxsize=8)
def _device(dpi_x: float, dpi_y: float, logical_dpi_y: float) -> _Device:
    return _Device(dpi_x, dpi_y, logical_dpi_y)


_OPS_CACHE = 1024           # prepared items kept per device (labels repeat most of theirs)
_TEXT, _FILL, _LINE, _RECT = range(4)


def _text_ops(dev: _Device, item: Text) -> list[tuple]:
    """`item`'s lines, broken on the real font, with their baseline points in device pixels."""
    font = dev.font(item.size_pt, item.bold)
    measure = font.measure_for(item.text)
    ascent, descent = font.ascent, font.descent
    lines = wrap_lines(item.text, item.w, lines_fit(item.h, item.size_pt), measure, wrap=item.wrap,
                       generous=estimator(item.size_pt))
    if not lines:
        return []
    pitch = line_pitch_mm(item.size_pt)
    block = len(lines) * pitch
    top = item.y
    if item.valign == "middle" or block > item.h:
        top += (item.h - block) / 2
    first = top + (pitch - ascent - descent) / 2 + ascent
    sx, sy = dev.sx, dev.sy
    runs = []
    for i, line in enumerate(lines):
        x = item.x
        if item.align != "left":
            room = item.w - measure(line)
            x += room if item.align == "right" else room / 2
        runs.append((QPointF(x * sx, (first + i * pitch) * sy), line))
    return [(_TEXT, font.qfont, runs)]


def _prepare(dev: _Device, item) -> list[tuple]:
    """What painting `item` takes: (operation, font or pen, geometry) in device pixels."""
    sx, sy = dev.sx, dev.sy
    kind = type(item)
    if kind is Text:
        return _text_ops(dev, item)
    if kind is Code128:
        top, height = item.y * sy, item.bar_height * sy
        bars = [QRectF(x * sx, top, w * sx, height) for x, w in item.bars(dev.dpi_x)]
        ops = [(_FILL, None, bars)]
        caption = item.caption()
        if caption is not None:
            ops += _text_ops(dev, caption)
        return ops
    if kind is QRCode:
        return [(_FILL, None, [QRectF(x * sx, y * sy, w * sx, h * sy)
                               for x, y, w, h in item.dark_rects()])]
    if kind is Line:
        return [(_LINE, dev.pen(item.width_mm),
                 QLineF(item.x1 * sx, item.y1 * sy, item.x2 * sx, item.y2 * sy))]
    if kind is Box:
        return [(_RECT, dev.pen(item.width_mm),
                 QRectF(item.x * sx, item.y * sy, item.w * sx, item.h * sy))]
    raise TypeError(f"not a layout item: {item!r}")


def paint_page(painter: QPainter, page: Page, dpi_x: float, dpi_y: float) -> None:
    """Paint `page` with its top left corner at the painter's origin, at dpi_x × dpi_y
    device pixels per inch."""
    device = painter.device()
    logical = device.logicalDpiY() if device is not None else dpi_y
    dev = _device(float(dpi_x), float(dpi_y), float(logical))
    dev.device = device
    cache, seen = dev.ops, dev.seen
    black = dev.black
    no_brush = Qt.BrushStyle.NoBrush
    pen = font = _UNKNOWN           # what the painter holds, so as to set it only on change
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.setBrush(no_brush)
        for item in page.items:
            ops = cache.get(item)
            if ops is None:
                ops = _prepare(dev, item)
                # Kept from the second time an item is seen: what every label repeats (frame,
                # sender) is prepared once, and the rest is not held on to.
                if item in seen:
                    if len(cache) >= _OPS_CACHE:
                        cache.clear()
                    cache[item] = ops
                else:
                    if len(seen) >= _OPS_CACHE:
                        seen.clear()
                    seen.add(item)
            for op, style, geometry in ops:
                if op == _TEXT:
                    if font is not style:
                        painter.setFont(style)
                        font = style
                    if pen is not black:
                        painter.setPen(black)
                        pen = black
                    for point, line in geometry:
                        painter.drawText(point, line)
                elif op == _FILL:
                    if pen is not None:
                        painter.setPen(Qt.PenStyle.NoPen)
                        pen = None
                    painter.setBrush(black)
                    painter.drawRects(geometry)
                    painter.setBrush(no_brush)
                else:
                    if pen is not style:
                        painter.setPen(style)
                        pen = style
                    if op == _LINE:
                        painter.drawLine(geometry)
                    else:
                        painter.drawRect(geometry)
    finally:
        painter.restore()
        dev.device = None           # not kept alive by the cache


def page_layout(size: PageSize) -> QPageLayout:
    """A page of exactly `size`, without margins (labels and slips are printed edge to edge)."""
    w, h = size.width_mm, size.height_mm
    portrait = QSizeF(min(w, h), max(w, h))
    qsize = QPageSize(portrait, QPageSize.Unit.Millimeter, size.name,
                      QPageSize.SizeMatchPolicy.ExactMatch)
    orientation = (QPageLayout.Orientation.Landscape if w > h
                   else QPageLayout.Orientation.Portrait)
    return QPageLayout(qsize, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def _paint_pages(painter: QPainter, device, pages: Sequence[Page], dpi_x: float,
                 dpi_y: float) -> None:
    current = pages[0].size
    for i, page in enumerate(pages):
        if i:
            if page.size != current:
                device.setPageLayout(page_layout(page.size))
                current = page.size
            device.newPage()
        paint_page(painter, page, dpi_x, dpi_y)


def render_pdf(pages: Sequence[Page], path_or_bytesio) -> None:
    """Write `pages` as one PDF (300 dpi, every page its own size, fonts embedded) to a
    path or a binary file object."""
    pages = list(pages)
    if not pages:
        raise ValueError("nothing to print: no pages")
    ensure_app()
    with _painting:
        pdf = _render(pages)
    if isinstance(path_or_bytesio, (str, os.PathLike)):
        with open(path_or_bytesio, "wb") as f:
            f.write(pdf)
    else:
        path_or_bytesio.write(pdf)


def _render(pages: list[Page]) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setCreator("综合窗口工作台")
    writer.setPageLayout(page_layout(pages[0].size))
    painter = QPainter()
    if not painter.begin(writer):
        raise PrintError("无法生成 PDF")
    try:
        _paint_pages(painter, writer, pages, PDF_DPI, PDF_DPI)
    finally:
        painter.end()
        buffer.close()
    return data.data()


def render_pdf_bytes(pages: Sequence[Page]) -> bytes:
    out = io.BytesIO()
    render_pdf(pages, out)
    return out.getvalue()


def _job_size(pages: Sequence[Page]) -> PageSize:
    """One paper size for a print job: printers cannot change it between pages. Roll
    slips of different lengths go on the longest."""
    widths = {p.size.width_mm for p in pages}
    if len(widths) > 1:
        raise ValueError("pages of different widths go in separate print jobs")
    return max((p.size for p in pages), key=lambda s: s.height_mm)


def paint_to_printer(printer, pages: Sequence[Page]) -> None:
    """Paint `pages` on a QPrinter (or the print preview's), on the paper it is set to."""
    pages = list(pages)
    if not pages:
        return
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("无法开始打印，请检查打印机")
    try:
        for i, page in enumerate(pages):
            if i:
                printer.newPage()
            paint_page(painter, page, printer.logicalDpiX(), printer.logicalDpiY())
    finally:
        painter.end()


def print_with_preview(pages: Sequence[Page], parent=None) -> bool:
    """Show Qt's print preview of `pages`; the clerk picks the printer and prints from
    there. True when they printed, False when they closed the preview. Needs a
    QApplication (widgets). All pages go on one paper size (see `_job_size`)."""
    from PyQt6.QtPrintSupport import QPrintPreviewDialog, QPrinter
    from PyQt6.QtWidgets import QApplication, QDialog

    pages = list(pages)
    if not pages:
        raise ValueError("nothing to print: no pages")
    if not isinstance(QApplication.instance(), QApplication):
        raise RuntimeError("print_with_preview needs a running QApplication")
    size = _job_size(pages)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setFullPage(True)
    printer.setPageLayout(page_layout(size))
    printer.setDocName(size.name)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle("打印预览")
    dialog.paintRequested.connect(lambda p: paint_to_printer(p, pages))
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
