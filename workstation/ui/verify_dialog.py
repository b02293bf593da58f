"""验证文书: check a document's seal from its .docx file or from a scan or photo of
the printed page, with no network."""

from __future__ import annotations

from html import escape

from ..domain.errors import DomainError
from .qt import QDialog, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


class VerifyDialog(QDialog):
    """Attributes:
        verdict: the last result (forms.stamp.Verdict), None before the first.
    """

    def __init__(self, ws, tasks, parent=None):
        super().__init__(parent)
        self.ws, self.tasks = ws, tasks
        self.verdict = None
        self.setWindowTitle("验证文书的电子签章")
        self.resize(620, 360)
        self.file_button = QPushButton("打开文书文件(&F)…", objectName="open_file")
        self.image_button = QPushButton("打开扫描件或照片(&I)…", objectName="open_image")
        self.result = QTextBrowser(objectName="verdict")
        self.result.setPlainText("请选择一份 .docx 文书，或纸面文书的扫描件、照片（读取二维码）。")
        self.status = QLabel(objectName="status")
        buttons = QHBoxLayout()
        buttons.addWidget(self.file_button)
        buttons.addWidget(self.image_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.result, 1)
        layout.addWidget(self.status)
        self.file_button.clicked.connect(lambda: self._choose("文书 (*.docx)"))
        self.image_button.clicked.connect(lambda: self._choose("图片 (*.png *.jpg *.jpeg *.bmp *.tif *.tiff)"))

    def _choose(self, pattern: str) -> None:
        from PyQt6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "选择要验证的文件", "", pattern)
        if path:
            self.verify_path(path)

    def verify_path(self, path: str) -> None:
        from ..services.documents import verify_file, verify_image

        ws = self.ws
        check = verify_image if path.lower().endswith(IMAGE_SUFFIXES) else verify_file
        self.status.setText("正在验证…")
        self.tasks.run(lambda: check(ws, path), self._show, self._failed, parent=self)

    def _show(self, verdict) -> None:
        self.verdict = verdict
        colour = "#1b5e20" if verdict.valid else "#b00020"
        head = "✔ 有效" if verdict.valid else "✘ 无效"
        rows = [("结论", verdict.reason), ("文书", verdict.kind), ("文号", verdict.document_no),
                ("受理编号", verdict.receipt_no), ("印章", f"{verdict.seal_name}（{verdict.seal_id}）"
                                                   if verdict.seal_id else ""),
                ("签章时间", verdict.signed_at or ("（二维码不含时间）" if verdict.seal_id else ""))]
        table = "".join(f"<tr><td><b>{k}</b></td><td>{escape(v)}</td></tr>" for k, v in rows if v)
        self.result.setHtml(f"<h2 style='color:{colour}'>{head}</h2><table cellpadding='4'>{table}</table>")
        self.status.setText("")

    def _failed(self, exc: BaseException) -> None:
        self.verdict = None
        text = str(exc) if isinstance(exc, DomainError) else f"内部错误：{exc}"
        self.result.setHtml(f"<h2 style='color:#b00020'>无法验证</h2><p>{escape(text)}</p>")
        self.status.setText("")
