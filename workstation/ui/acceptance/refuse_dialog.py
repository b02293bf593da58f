"""不予受理: the specific reason, the legal basis and, where relevant, the competent organ."""

from __future__ import annotations

from ..qt import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit

COMMON_BASES = (
    "《中华人民共和国行政许可法》第三十二条第一款第（一）项：申请事项依法不需要取得行政许可",
    "《中华人民共和国行政许可法》第三十二条第一款第（二）项：申请事项依法不属于本行政机关职权范围",
)


class RefuseDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("不予受理")
        self.reason = QPlainTextEdit(objectName="reason")
        self.reason.setTabChangesFocus(True)
        self.basis = QComboBox(objectName="basis", editable=True)
        self.basis.addItems(COMMON_BASES)
        self.basis.setCurrentIndex(-1)
        self.organ = QLineEdit(objectName="organ", maxLength=100)
        self.organ.setPlaceholderText("不属本机关职权时，写明有权受理的机关")
        self.message = QLabel(objectName="message")
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout(self)
        form.addRow("具体理由(&R)", self.reason)
        form.addRow("法律依据(&B)", self.basis)
        form.addRow("有权机关(&O)", self.organ)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        if not self.reason.toPlainText().strip():
            self.message.setText("请写明不予受理的具体理由")
        elif not self.basis.currentText().strip():
            self.message.setText("请写明法律依据")
        else:
            self.accept()

    def values(self) -> dict:
        return {"reason": self.reason.toPlainText(), "basis": self.basis.currentText(),
                "competent_organ": self.organ.text() or None}
