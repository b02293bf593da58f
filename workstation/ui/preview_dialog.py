"""Print preview of a document: its PDF pages on screen, and 打印 (Ctrl+P) to any
printer Qt knows, or to a PDF file."""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF
from PyQt6.QtGui import QPageSize, QPainter
from PyQt6.QtPdf import QPdfDocument
from PyQt6.QtPdfWidgets import QPdfView
from PyQt6.QtPrintSupport import QPrintDialog, QPrinter

from .qt import QDialog, QHBoxLayout, QKeySequence, QLabel, QPushButton, QShortcut, QVBoxLayout

PRINT_DPI = 300


class PreviewDialog(QDialog):
    """Attributes:
        document: the loaded PDF (pageCount() pages).
    """

    def __init__(self, pdf_path: str, title: str = "打印预览", parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(820, 980)
        self.document = QPdfDocument(self)
        self.document.load(str(pdf_path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.print_button = QPushButton("打印 Ctrl+P", objectName="print")
        close = QPushButton("关闭", objectName="close")
        bar = QHBoxLayout()
        bar.addWidget(QLabel(f"共 {self.document.pageCount()} 页"))
        bar.addStretch()
        bar.addWidget(self.print_button)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self.print_button.clicked.connect(self.ask_and_print)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.ask_and_print)

    def ask_and_print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.document.pageCount():
            # A label or an 80 mm slip goes to the printer at its own size, not on A4.
            size = self.document.pagePointSize(0)
            printer.setPageSize(QPageSize(size, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch))
        if QPrintDialog(printer, self).exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Draw every page, scaled to the printer's page; returns the pages printed."""
        painter = QPainter()
        if not painter.begin(printer):
            return 0
        try:
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                size = self.document.pagePointSize(page)
                image = self.document.render(page, (size * (PRINT_DPI / 72)).toSize())
                target = QRectF(printer.pageRect(QPrinter.Unit.DevicePixel))
                scale = min(target.width() / image.width(), target.height() / image.height())
                painter.drawImage(QRectF(QPointF(0, 0), image.size().toSizeF() * scale), image)
        finally:
            painter.end()
        return self.document.pageCount()
