"""Starting the window: fonts that show Chinese, login, the main window."""

from __future__ import annotations

import sys

from .qt import QApplication, QFont, QFontDatabase

CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
                "Source Han Sans SC", "SimSun")


def cjk_font(size: int = 11) -> QFont:
    families = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in families:
            return QFont(family, size)
    return QFont()


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("综合窗口工作台")
    app.setFont(cjk_font())
    return app


def run(data_dir: str | None = None) -> int:
    from ..services import Workstation
    from .login import LoginDialog
    from .main_window import MainWindow
    from .setup_dialog import SetupDialog

    app = application()
    ws = Workstation(data_dir).open()
    if not ws.is_initialised() or not _has_users(ws):
        setup = SetupDialog(ws)
        if setup.exec() != SetupDialog.DialogCode.Accepted:
            return 0
    login = LoginDialog(ws)
    if login.exec() != LoginDialog.DialogCode.Accepted:
        return 0
    window = MainWindow(ws, login.actor)
    window.show()
    code = app.exec()
    window.runner.wait()
    ws.close()
    return code


def _has_users(ws) -> bool:
    from sqlalchemy import func, select

    from ..store.models import User

    with ws.reading() as s:
        return bool(s.scalar(select(func.count()).select_from(User)))
