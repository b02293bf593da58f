"""Login: login name and password, Enter to go."""

from __future__ import annotations

from ..services.auth import login
from ..services.errors import ServiceError
from .qt import Qt, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout


class LoginDialog(QDialog):
    """Attributes:
        actor: the logged-in user once accepted.
    """

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.actor = None
        self.setWindowTitle("综合窗口工作台 — 登录")
        self.login_edit = QLineEdit(objectName="login")
        self.login_edit.setMaxLength(32)
        self.password_edit = QLineEdit(objectName="password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(128)
        self.message = QLabel(objectName="message")
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("登录名(&L)", self.login_edit)
        form.addRow("密码(&P)", self.password_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        # Enter moves from login to password and logs in from there; it never
        # presses the dialog's default button with a half-filled form.
        self.login_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self.try_login)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{self._title()}</b>"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def _title(self) -> str:
        try:
            return self.ws.settings().authority
        except ServiceError:
            return "综合窗口工作台"

    def try_login(self) -> None:
        try:
            self.actor = login(self.ws, self.login_edit.text().strip(), self.password_edit.text())
        except ServiceError as exc:
            self.message.setText(str(exc))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()
