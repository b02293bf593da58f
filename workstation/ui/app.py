"""Starting the window: fonts that show Chinese, login, the main window.

Only Qt is imported before the login window appears; the database opens behind
it (startup.py).
"""

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
    from .login import LoginDialog
    from .startup import Startup
    from .tasks import TaskManager

    app = application()
    tasks = TaskManager()       # the one task manager: the login's start-up, then the window's
    startup = Startup(data_dir, tasks)
    startup.start()
    login = LoginDialog(startup)
    if login.exec() != LoginDialog.DialogCode.Accepted:
        startup.wait()
        return 0 if startup.error is None else 2
    from .main_window import MainWindow

    window = MainWindow(login.ws, login.actor, tasks)
    window.show()
    # Everything built so far lives as long as the window: keep it out of the
    # garbage collector's full passes, which otherwise stall the window for
    # 100+ ms now and then during long work (bench/bench_bulk.py).
    import gc

    gc.collect()
    gc.freeze()
    code = app.exec()
    tasks.wait()
    login.ws.close()
    return code
