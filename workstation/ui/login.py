"""Login: login name and password, Enter to go.

The dialog appears before the database is open (see startup.py); it takes either
an open Workstation (tests, re-login) or a Startup still at work.
"""

from __future__ import annotations

from .qt import Qt, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout
from .startup import Startup


class LoginDialog(QDialog):
    """Attributes:
        actor: the logged-in user once accepted.
        ws: the open Workstation (None until the startup is done).
    """

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.startup = source if isinstance(source, Startup) else None
        self.ws = None if self.startup else source
        self.actor = None
        self._opened_once = False
        self.setWindowTitle("综合窗口工作台 — 登录")
        self.setMinimumWidth(380)
        self.login_edit = QLineEdit(objectName="login")
        self.login_edit.setMaxLength(32)
        self.password_edit = QLineEdit(objectName="password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(128)
        self.title = QLabel("<b>综合窗口工作台</b>", objectName="title")
        self.message = QLabel(objectName="message", wordWrap=True)
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("登录名(&L)", self.login_edit)
        form.addRow("密码(&P)", self.password_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        # Enter moves from login to password and logs in from there; it never
        # presses the dialog's default button with a half-filled form.
        self.login_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self.try_login)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        if self.startup is not None:
            self.startup.ready.connect(self._opened)
            self.startup.failed.connect(self._failed)
        else:
            self._opened(self.ws, False)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def _opened(self, ws, needs_setup: bool) -> None:
        if self._opened_once:
            return
        self._opened_once = True
        self.ws = ws
        if needs_setup:
            from .setup_dialog import SetupDialog

            if SetupDialog(ws, self).exec() != SetupDialog.DialogCode.Accepted:
                self.ws = None
                self.reject()
                return
        from ..services.errors import ServiceError

        try:
            self.title.setText(f"<b>{ws.settings().authority}</b>")
        except ServiceError:
            pass

    def _say(self, text: str) -> None:
        # A wrapped message (a lock says until when, and what to do) needs more
        # lines than the dialog was laid out for: grow it so no line is clipped.
        self.message.setText(text)
        self.layout().activate()
        self.adjustSize()

    def _failed(self, message: str) -> None:
        self._say(message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def try_login(self) -> None:
        if self.ws is None and self.startup is not None:
            # Typed faster than the database opened: wait for it (rarely noticeable);
            # its queued `ready` signal will find the work already done.
            self.startup.wait()
            if self.startup.ws is not None:
                self._opened(self.startup.ws, self.startup.needs_setup)
                if self.result() == QDialog.DialogCode.Rejected and self.ws is None:
                    return
        if self.ws is None:
            self._say(self.startup.error if self.startup else "数据尚未打开")
            return
        from ..services.auth import login
        from ..services.errors import ServiceError

        try:
            self.actor = login(self.ws, self.login_edit.text().strip(), self.password_edit.text())
        except ServiceError as exc:
            self._say(str(exc))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.accept()
