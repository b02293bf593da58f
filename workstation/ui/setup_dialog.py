"""First start on an empty data folder: the terminal's settings and the first admin."""

from __future__ import annotations

from ..domain.errors import DomainError
from ..services.setup import init
from .qt import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout


class SetupDialog(QDialog):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("首次使用 — 初始化本终端")
        self.fields = {}
        form = QFormLayout()
        for key, label, default in [
            ("region", "行政区划代码", "610102"), ("terminal", "终端编码（3位）", "001"),
            ("authority", "机关全称", "西安市新城区行政审批服务局"), ("authority_short", "机关简称", "新城审"),
            ("login", "管理员登录名", "admin"), ("name", "管理员姓名", ""),
            ("password", "管理员密码", ""), ("password2", "再次输入密码", ""),
        ]:
            edit = QLineEdit(default, objectName=key)
            edit.setMaxLength(128)
            if key.startswith("password"):
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.fields[key] = edit
            form.addRow(label, edit)
        self.message = QLabel(objectName="message", wordWrap=True)
        self.message.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"数据目录：{ws.data_dir}"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def submit(self) -> None:
        v = {k: e.text().strip() for k, e in self.fields.items()}
        if self.fields["password"].text() != self.fields["password2"].text():
            self.message.setText("两次输入的密码不一致")
            return
        admin = {"login": v["login"], "name": v["name"], "password": self.fields["password"].text()}
        try:
            init(self.ws, {k: v[k] for k in ("region", "terminal", "authority", "authority_short")},
                 admin=admin)
        except DomainError as exc:
            self.message.setText(str(exc))
            return
        self.accept()
