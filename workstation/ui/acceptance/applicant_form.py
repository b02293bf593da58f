"""The applicant panel: validates as the clerk types and fills in a known applicant."""

from __future__ import annotations

from ...domain.errors import DomainError
from ...domain.identity import parse_credit_code, parse_id_card
from ..scanner import SCAN_TARGET
from ..qt import (QButtonGroup, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                  QRadioButton, QVBoxLayout, QWidget, pyqtSignal)

OK_STYLE = "color: #1b7f3b"
BAD_STYLE = "color: #b00020"


class ApplicantForm(QWidget):
    """Signals:
        number_valid(str): a complete, valid ID number or credit code was typed
            (the screen looks it up and may call `fill`).
    """

    number_valid = pyqtSignal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.person = QRadioButton("自然人(&1)", objectName="kind_person", checked=True)
        self.enterprise = QRadioButton("企业/法人(&2)", objectName="kind_enterprise")
        kinds = QButtonGroup(self)
        kinds.addButton(self.person)
        kinds.addButton(self.enterprise)
        self.number = QLineEdit(objectName="id_number", maxLength=18)
        self.number.setPlaceholderText("身份证号码（可扫描）")
        self.number_hint = QLabel(objectName="number_hint")
        self.name = QLineEdit(objectName="name", maxLength=100)
        self.legal_rep = QLineEdit(objectName="legal_rep", maxLength=50)
        self.legal_rep_id = QLineEdit(objectName="legal_rep_id", maxLength=18)
        self.legal_rep_id.setPlaceholderText("选填；填写后法定代表人可凭身份证领取结果")
        self.phone = QLineEdit(objectName="phone", maxLength=20)
        self.address = QLineEdit(objectName="address", maxLength=200)
        self.agent_box = QGroupBox("代理人办理(&G)", checkable=True, checked=False, objectName="agent")
        self.agent_name = QLineEdit(objectName="agent_name", maxLength=50)
        self.agent_id = QLineEdit(objectName="agent_id", maxLength=18)
        self.agent_phone = QLineEdit(objectName="agent_phone", maxLength=20)
        for edit in (self.number, self.legal_rep_id, self.agent_id):
            edit.setProperty(SCAN_TARGET, True)     # an ID scanned here stays here
        agent_form = QFormLayout(self.agent_box)
        agent_form.addRow("代理人姓名", self.agent_name)
        agent_form.addRow("代理人身份证", self.agent_id)
        agent_form.addRow("代理人电话", self.agent_phone)

        kind_row = QHBoxLayout()
        kind_row.addWidget(self.person)
        kind_row.addWidget(self.enterprise)
        kind_row.addStretch()
        self.form = QFormLayout()
        self.number_label = QLabel("身份证号码(&I)")
        self.number_label.setBuddy(self.number)
        self.name_label = QLabel("姓名(&N)")
        self.name_label.setBuddy(self.name)
        self.form.addRow(self.number_label, self.number)
        self.form.addRow("", self.number_hint)
        self.form.addRow(self.name_label, self.name)
        self.form.addRow("法定代表人", self.legal_rep)
        self.legal_rep_id_label = QLabel("法定代表人身份证")
        self.form.addRow(self.legal_rep_id_label, self.legal_rep_id)
        self.form.addRow("联系电话", self.phone)
        self.form.addRow("住所/地址", self.address)
        layout = QVBoxLayout(self)
        layout.addLayout(kind_row)
        layout.addLayout(self.form)
        layout.addWidget(self.agent_box)
        layout.addStretch()

        self.person.toggled.connect(self._kind_changed)
        self.number.textChanged.connect(self._check_number)
        self._kind_changed()

    def is_person(self) -> bool:
        return self.person.isChecked()

    def _kind_changed(self) -> None:
        person = self.is_person()
        self.number_label.setText("身份证号码(&I)" if person else "统一社会信用代码(&I)")
        self.number.setPlaceholderText("身份证号码（可扫描）" if person else "统一社会信用代码（可扫描营业执照）")
        self.name_label.setText("姓名(&N)" if person else "企业名称(&N)")
        self.form.setRowVisible(self.legal_rep, not person)
        self.form.setRowVisible(self.legal_rep_id, not person)
        self._check_number(self.number.text())

    def _check_number(self, text: str) -> None:
        text = text.strip()
        if not text:
            self.number_hint.setText("")
            return
        try:
            value = parse_id_card(text).number if self.is_person() else parse_credit_code(text)
        except DomainError as exc:
            if len(text) < 18 and not str(exc).endswith("校验位错误，请核对是否录入有误"):
                self.number_hint.setStyleSheet("color: #666")
                self.number_hint.setText(f"已输入 {len(text)}/18 位")
            else:
                self.number_hint.setStyleSheet(BAD_STYLE)
                self.number_hint.setText(f"✗ {exc}")
            return
        self.number_hint.setStyleSheet(OK_STYLE)
        self.number_hint.setText("✓ 号码有效")
        self.number_valid.emit(value)

    def fill(self, known: dict) -> None:
        """Fill in what is on file for a returning applicant."""
        (self.person if known["kind"] == "person" else self.enterprise).setChecked(True)
        self.name.setText(known.get("name", ""))
        self.legal_rep.setText(known.get("legal_rep", ""))
        self.legal_rep_id.setText(known.get("legal_rep_id", ""))
        self.phone.setText(known.get("phone", ""))
        self.address.setText(known.get("address", ""))
        note = "（老申请人，已自动填入）"
        if known.get("ineligible_reason"):
            note += f" 注意：不适用容缺受理——{known['ineligible_reason']}"
            self.number_hint.setStyleSheet(BAD_STYLE)
        self.number_hint.setText(self.number_hint.text() + note)

    def fill_enterprise(self, credit_code: str, name: str) -> None:
        """A business licence's QR code was scanned: the enterprise's code and name."""
        self.enterprise.setChecked(True)
        self.number.setText(credit_code)
        if name:
            self.name.setText(name)
        self.legal_rep.setFocus()

    def to_dict(self) -> dict:
        data = {"kind": "person" if self.is_person() else "enterprise",
                "name": self.name.text(), "phone": self.phone.text(),
                "address": self.address.text()}
        if self.is_person():
            data["id_number"] = self.number.text()
        else:
            data["credit_code"] = self.number.text()
            data["legal_rep"] = self.legal_rep.text()
            if self.legal_rep_id.text().strip():
                data["legal_rep_id"] = self.legal_rep_id.text()
        if self.agent_box.isChecked():
            data["agent"] = {"name": self.agent_name.text(), "id_number": self.agent_id.text(),
                             "phone": self.agent_phone.text()}
        return data

    def widget_for(self, field: str | None) -> QWidget | None:
        return {"id_number": self.number, "credit_code": self.number, "name": self.name,
                "legal_rep": self.legal_rep, "legal_rep_id": self.legal_rep_id, "phone": self.phone,
                "address": self.address,
                "agent.name": self.agent_name, "agent.id_number": self.agent_id,
                "agent.phone": self.agent_phone}.get(field or "")

    def clear(self) -> None:
        for edit in (self.number, self.name, self.legal_rep, self.legal_rep_id, self.phone, self.address,
                     self.agent_name, self.agent_id, self.agent_phone):
            edit.clear()
        self.agent_box.setChecked(False)
        self.person.setChecked(True)
