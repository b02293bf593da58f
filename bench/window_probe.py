"""Child process of bench_window.py: start, show a window, turn the event loop once,
print one JSON line "READY …" and quit. Not a benchmark by itself.

    python bench/window_probe.py bare
    python bench/window_probe.py app DATA_DIR
    python bench/window_probe.py login DATA_DIR
    python bench/window_probe.py imports
"""

import time

T0 = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402

marks = {}


def mark(name):
    marks[name] = round((time.perf_counter() - T0) * 1000, 1)


def ready(extra=None):
    mark("ready")
    print("READY " + json.dumps({"marks": marks, **(extra or {})}, ensure_ascii=False), flush=True)


def bare() -> None:
    from PyQt6.QtWidgets import QApplication, QMainWindow

    mark("import")
    app = QApplication(sys.argv[:1])
    w = QMainWindow()
    w.setWindowTitle("bare")
    w.resize(1400, 860)
    w.show()
    mark("shown")
    app.processEvents()
    ready()
    w.close()


def app_window(data_dir: str) -> None:
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from datetime import date

    from PyQt6.QtCore import QEventLoop
    from sqlalchemy import select

    from workstation.config import Clock
    from workstation.services import Workstation
    from workstation.services.auth import Actor
    from workstation.store.models import User
    from workstation.ui.app import application
    from workstation.ui.main_window import MainWindow

    mark("import")
    app = application()
    mark("application")
    ws = Workstation(data_dir, Clock(date(2026, 9, 30))).open()
    assert ws.is_initialised()                             # what ui.startup checks first
    mark("ws_open")
    # The clerk as LoginDialog hands them over (the password check itself waits for a human).
    with ws.reading() as s:
        u = s.scalar(select(User).where(User.login == "clerk"))
        actor = Actor(u.login, u.name, u.role, u.station, frozenset(r for r in u.rights.split(",") if r))
    window = MainWindow(ws, actor)
    mark("constructed")
    window.show()
    mark("shown")
    while window.acceptance.catalog is None:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    mark("catalog")
    app.processEvents()
    ready({"matters": window.acceptance.matter_model.rowCount()})
    window.close()
    window.tasks.wait()
    ws.close()




def login_window(data_dir: str) -> None:
    """What `workstation` does: the login window at once, the database behind it.

    READY is printed when the login window is shown and the event loop has turned
    (the clerk can type). Then an immediate login (as if typed instantly) and the
    main window, whose marks follow on a MAIN line."""
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from workstation.ui.app import application
    from workstation.ui.login import LoginDialog
    from workstation.ui.startup import Startup

    mark("import")
    app = application()
    from workstation.ui.tasks import TaskManager

    tasks = TaskManager()
    startup = Startup(data_dir, tasks)
    startup.start()
    dialog = LoginDialog(startup)
    dialog.show()
    mark("login_shown")
    app.processEvents()
    ready()
    from PyQt6.QtCore import QEventLoop

    dialog.login_edit.setText("clerk")
    dialog.password_edit.setText("bench1234")
    mark("login_submitted")
    dialog.try_login()
    assert dialog.actor is not None, dialog.message.text()
    mark("logged_in")
    from workstation.ui.main_window import MainWindow

    window = MainWindow(dialog.ws, dialog.actor, tasks)
    window.show()
    dialog.close()
    mark("main_shown")
    while window.acceptance.catalog is None:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    app.processEvents()
    mark("main_ready")
    print("MAIN " + json.dumps({"marks": marks}), flush=True)
    window.close()
    window.tasks.wait()
    dialog.ws.close()


def imports() -> None:
    """Import what the window needs, one layer at a time, timing each step."""
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    steps = [
        ("PyQt6 (QtWidgets)", "PyQt6.QtWidgets"),
        ("sqlalchemy (core)", "sqlalchemy"),
        ("sqlalchemy.orm", "sqlalchemy.orm"),
        ("workstation.store (models, db)", "workstation.store"),
        ("workstation.services", "workstation.services"),
        ("workstation.domain + services used by the UI", "workstation.services.acceptance"),
        ("workstation.ui.main_window (screens)", "workstation.ui.main_window"),
    ]
    import importlib

    out = []
    for label, module in steps:
        t = time.perf_counter()
        importlib.import_module(module)
        out.append([label, round((time.perf_counter() - t) * 1000, 1)])
    mark("imports")
    print("READY " + json.dumps({"marks": marks, "imports": out}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    {"bare": lambda: bare(), "app": lambda: app_window(sys.argv[2]),
     "login": lambda: login_window(sys.argv[2]), "imports": lambda: imports()}[sys.argv[1]]()
