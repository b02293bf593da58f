"""Pickup (ID check and signature) and mail (address, phone, postcode, waybill).

Both check as the clerk types, with the same domain rules the services apply,
so the OK button is only a formality when every field shows ✓.
"""

from __future__ import annotations

from pathlib import Path

from ...domain.errors import DomainError
from ...domain.mail import clean_mail_phone, clean_postcode, format_address, parse_address, parse_waybill
from ..qt import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                  QPushButton, Qt)
from ..scanner import SCAN_TARGET

OK_STYLE, BAD_STYLE = "color: #1b5e20", "color: #b00020"


class _EnterMovesOn(QDialog):
    """Enter in a field moves to the next one (a hand scanner ends every code with
    Enter); only in the last field does it press OK."""

    enter_next: dict = {}

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        nxt = self.enter_next.get(self.focusWidget())
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and nxt is not None:
            nxt.setFocus()
            return
        super().keyPressEvent(event)


def _hint(label: QLabel, check, text: str) -> bool:
    if not text.strip():
        label.setText("")
        return False
    try:
        shown = check(text)
    except DomainError as exc:
        label.setStyleSheet(BAD_STYLE)
        label.setText(f"✗ {exc}")
        return False
    label.setStyleSheet(OK_STYLE)
    label.setText(f"✓ {shown}")
    return True


class PickupDialog(_EnterMovesOn):
    """Scan or type the collector's ID; a scanned signature or a tick confirms."""

    def __init__(self, row, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"窗口领取 — {row.receipt_no}")
        self.setMinimumWidth(520)
        self.collector = QLineEdit(objectName="collector_id", maxLength=30)
        self.collector.setPlaceholderText("扫描或输入领取人身份证号码")
        self.collector.setProperty(SCAN_TARGET, True)
        self.signed = QCheckBox("领取人已在送达回证上签字(&S)", objectName="signed")
        self.signature_path = ""
        self.signature_button = QPushButton("选择签名扫描图片…", objectName="signature")
        self.signature_label = QLabel(objectName="signature_label")
        self.message = QLabel(objectName="message", wordWrap=True)
        self.message.setStyleSheet(BAD_STYLE)
        sig = QHBoxLayout()
        sig.addWidget(self.signed)
        sig.addWidget(self.signature_button)
        form = QFormLayout(self)
        form.addRow(QLabel(f"{row.applicant_name}：{row.matter_name}（{row.status_label}）"))
        form.addRow("领取人证件号码(&I)", self.collector)
        form.addRow("签收", sig)
        form.addRow("", self.signature_label)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确认领取并出具送达回证")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.signature_button.clicked.connect(self._choose_signature)
        self.enter_next = {self.collector: self.signed}

    def _choose_signature(self) -> None:
        from PyQt6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "选择签名图片", "", "图片 (*.png *.jpg *.jpeg *.bmp *.tif)")
        if path:
            self.set_signature(path)

    def set_signature(self, path: str) -> None:
        self.signature_path = path
        self.signature_label.setText(f"签名图片：{Path(path).name}")
        self.signed.setChecked(True)

    def _check(self) -> None:
        if not self.collector.text().strip():
            self.message.setText("请扫描或输入领取人的证件号码")
            self.collector.setFocus()
        elif not self.signed.isChecked():
            self.message.setText("请领取人在送达回证上签字后勾选，或选择签名扫描图片")
        else:
            self.accept()

    def values(self) -> dict:
        return {"collector_id": self.collector.text(),
                "signature_image": self.signature_path or None}


class MailDialog(_EnterMovesOn):
    """The recipient's address, checked as it is typed, and the waybill (scannable)."""

    def __init__(self, row, known: dict | None = None, parent=None):
        super().__init__(parent)
        known = known or {}
        self.setWindowTitle(f"免费邮寄 — {row.receipt_no}")
        self.setMinimumWidth(560)
        self.name = QLineEdit(known.get("name", ""), objectName="name", maxLength=50)
        self.phone = QLineEdit(known.get("phone", ""), objectName="phone", maxLength=20)
        self.address = QLineEdit(known.get("address", ""), objectName="address", maxLength=200)
        self.address.setPlaceholderText("省 市 区（县） 街道门牌，如：陕西省西安市新城区东五路8号")
        self.postcode = QLineEdit(objectName="postcode", maxLength=6)
        self.waybill = QLineEdit(objectName="waybill", maxLength=20)
        self.waybill.setPlaceholderText("扫描面单条码或输入运单号")
        self.waybill.setProperty(SCAN_TARGET, True)
        self.hints = {k: QLabel(objectName=f"{k}_hint", wordWrap=True)
                      for k in ("phone", "address", "postcode", "waybill")}
        self.message = QLabel(objectName="message", wordWrap=True)
        self.message.setStyleSheet(BAD_STYLE)
        form = QFormLayout(self)
        form.addRow(QLabel(f"{row.applicant_name}：{row.matter_name}（{row.status_label}）"))
        form.addRow("收件人(&N)", self.name)
        form.addRow("电话(&P)", self.phone)
        form.addRow("", self.hints["phone"])
        form.addRow("地址(&A)", self.address)
        form.addRow("", self.hints["address"])
        form.addRow("邮编(&Z)", self.postcode)
        form.addRow("", self.hints["postcode"])
        form.addRow("运单号(&W)", self.waybill)
        form.addRow("", self.hints["waybill"])
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登记邮寄")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        checks = {"phone": lambda t: clean_mail_phone(t),
                  "address": lambda t: format_address(parse_address(t)),
                  "postcode": lambda t: clean_postcode(t),
                  "waybill": lambda t: _waybill_text(t)}
        for key, check in checks.items():
            edit = getattr(self, key)
            edit.textChanged.connect(lambda text, k=key, c=check: _hint(self.hints[k], c, text))
            _hint(self.hints[key], check, edit.text())
        # The scanner's Enter in the waybill, the last field, finishes the form.
        self.enter_next = {self.name: self.phone, self.phone: self.address,
                           self.address: self.postcode, self.postcode: self.waybill}

    def _check(self) -> None:
        from ...domain.mail import parse_mail_address

        try:
            parse_mail_address(self.address_data())
            parse_waybill(self.waybill.text())
        except DomainError as exc:
            self.message.setText(str(exc))
            widget = {"name": self.name, "phone": self.phone, "address": self.address,
                      "postcode": self.postcode, "waybill": self.waybill}.get(exc.field or "")
            if widget is not None:
                widget.setFocus()
            return
        self.accept()

    def address_data(self) -> dict:
        return {"name": self.name.text(), "phone": self.phone.text(),
                "address": self.address.text(), "postcode": self.postcode.text()}


def _waybill_text(text: str) -> str:
    waybill = parse_waybill(text)
    return f"{waybill.number}（{'国际 EMS' if waybill.kind == 's10' else '国内运单'}）"
