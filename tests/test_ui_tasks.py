"""The operations layer with real threads: the busy cursor after 300 ms, the progress
dialog after 600 ms whose 取消 stops the work, answers for a closed screen dropped,
errors delivered as failures, and the three workers apart. Every wait is on a
condition or a signal; the work itself waits on events the test sets."""

import os
import threading
import time
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication, QWidget

from workstation.domain.errors import DomainError
from workstation.ui.qt import sip
from workstation.ui.tasks import CPU, NETWORK, SyncRunner, TaskManager

LONG = 10.0        # a worker never waits longer than this for the test (a failing test ends)


@pytest.fixture
def tasks(qtbot):
    manager = TaskManager()
    yield manager
    manager.close()


def cursor_shape():
    cursor = QApplication.overrideCursor()
    return None if cursor is None else cursor.shape()


def visible_dialogs():
    return [w for w in QApplication.topLevelWidgets()
            if w.objectName() == "progress_dialog" and w.isVisible()]


def test_busy_cursor_after_300_ms_and_gone_when_done(qtbot, tasks):
    release, got = threading.Event(), []
    started = time.monotonic()
    tasks.op(None, lambda: release.wait(LONG) and "done").success(got.append).run()
    assert cursor_shape() is None                       # not at once: short work shows nothing
    qtbot.waitUntil(lambda: cursor_shape() == Qt.CursorShape.WaitCursor, timeout=3000)
    assert time.monotonic() - started >= 0.3
    assert not visible_dialogs()                        # no dialog unless asked for
    release.set()
    qtbot.waitUntil(lambda: got == ["done"], timeout=3000)
    assert cursor_shape() is None


def test_quiet_work_shows_no_cursor(qtbot, tasks):
    release = threading.Event()
    with qtbot.waitSignal(tasks.busy, timeout=3000):    # busy(True) at once
        tasks.op(None, lambda: release.wait(LONG), NETWORK).quiet().run()
    done_at = time.monotonic() + 0.5
    qtbot.waitUntil(lambda: time.monotonic() > done_at, timeout=3000)
    assert cursor_shape() is None
    with qtbot.waitSignal(tasks.busy, timeout=3000) as idle:
        release.set()
    assert idle.args == [False]


def test_progress_dialog_after_600_ms_and_its_cancel_stops_the_work(qtbot, tasks):
    got, started = [], time.monotonic()

    def approve_many(progress):
        deadline, pace = time.monotonic() + LONG, threading.Event()
        done = 0
        while not progress.cancelled() and time.monotonic() < deadline:
            done = min(done + 1, 9)
            progress.update(done, 10, f"第 {done} 件")
            pace.wait(0.01)         # the worker's own pace, not the test waiting
        return "stopped" if progress.cancelled() else "ran out"

    screen = QWidget()
    qtbot.addWidget(screen)
    tasks.op(screen, approve_many).success(got.append).with_progress("正在准予并签章…").cancellable().run()
    qtbot.waitUntil(lambda: bool(visible_dialogs()), timeout=3000)
    assert time.monotonic() - started >= 0.6
    dialog = visible_dialogs()[0]
    qtbot.waitUntil(lambda: dialog.bar.maximum() == 10 and dialog.bar.value() == 9, timeout=3000)
    assert "正在准予并签章" in dialog.label.text() and "第 9 件" in dialog.label.text()
    assert dialog.cancel_button.isVisible() and dialog.cancel_button.text() == "取消"
    _shot(dialog, "progress_dialog.png")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: got == ["stopped"], timeout=3000)
    assert not visible_dialogs() and cursor_shape() is None


def test_without_cancellable_the_dialog_has_no_cancel(qtbot, tasks):
    release = threading.Event()
    tasks.op(None, lambda: release.wait(LONG), CPU).with_progress("正在生成打印预览…").run()
    qtbot.waitUntil(lambda: bool(visible_dialogs()), timeout=3000)
    dialog = visible_dialogs()[0]
    assert dialog.label.text() == "正在生成打印预览…" and not dialog.cancel_button.isVisible()
    _shot(dialog, "progress_dialog_busy.png")
    release.set()
    qtbot.waitUntil(lambda: not visible_dialogs(), timeout=3000)


class Screen(QWidget):
    def __init__(self):
        super().__init__()
        self.answers = []

    def shown(self, value):
        self.answers.append(value)


def test_an_answer_after_its_screen_closed_is_dropped(qtbot, tasks):
    release, heard = threading.Event(), []
    screen = Screen()
    screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    screen.show()
    tasks.op(screen, lambda: release.wait(LONG) and "late").success(heard.append).run()
    other = Screen()                       # a bound method of a closed screen, no parent given
    other.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    other.show()
    tasks.run(lambda: release.wait(LONG) and "late", other.shown, other.shown, worker=NETWORK)
    screen.close()
    other.close()
    qtbot.waitUntil(lambda: sip.isdeleted(screen) and sip.isdeleted(other), timeout=3000)
    with qtbot.waitSignal(tasks.busy, timeout=3000) as idle:
        release.set()
    assert idle.args == [False] and heard == []


def test_answers_after_the_manager_closed_are_dropped(qtbot):
    tasks, release, heard = TaskManager(), threading.Event(), []
    tasks.run(lambda: release.wait(LONG), heard.append, heard.append)
    threading.Timer(0.2, release.set).start()      # close() waits for the running work
    tasks.close()
    tasks.run(lambda: "after", heard.append, heard.append)
    qtbot.wait(200)                                 # time for a queued answer to arrive, if any
    assert heard == []


def test_errors_arrive_as_failures_on_the_gui_thread(qtbot, tasks):
    failures, successes = [], []

    def refuse():
        raise DomainError("身份证号码校验位不正确", "id_number")

    tasks.op(None, refuse).success(successes.append) \
        .failure(lambda exc: failures.append((exc, threading.current_thread()))).run()
    qtbot.waitUntil(lambda: bool(failures), timeout=3000)
    exc, thread = failures[0]
    assert isinstance(exc, DomainError) and exc.field == "id_number"
    assert "refuse" in exc.trace and thread is threading.main_thread() and successes == []


def test_the_database_worker_is_one_thread_and_the_network_does_not_wait_for_it(qtbot, tasks):
    release, order, threads = threading.Event(), [], set()

    def blocked():
        threads.add(threading.current_thread().name)
        release.wait(LONG)
        return "first"

    tasks.run(blocked, order.append, order.append)
    tasks.run(lambda: (threads.add(threading.current_thread().name), "second")[1], order.append, order.append)
    tasks.run(lambda: "network", order.append, order.append, worker=NETWORK)
    qtbot.waitUntil(lambda: order == ["network"], timeout=3000)     # the database is still busy
    release.set()
    qtbot.waitUntil(lambda: order == ["network", "first", "second"], timeout=3000)
    assert len(threads) == 1                                          # one database thread


def test_the_sync_runner_answers_at_once_and_keeps_the_named_workers_real(qtbot):
    tasks, got, reported = SyncRunner(real=(NETWORK,)), [], []
    tasks.op(None, lambda p: (p.update(1, 2), "now")[1]).on_progress(
        lambda *v: reported.append(v)).success(got.append).run()
    assert got == ["now"] and reported == [(1, 2, "")]
    tasks.run(lambda: threading.current_thread() is threading.main_thread(), got.append, got.append,
              worker=NETWORK)
    assert got == ["now"]
    qtbot.waitUntil(lambda: len(got) == 2, timeout=3000)
    assert got[1] is False
    tasks.close()


def _shot(widget, name: str) -> None:
    """What the dialog looks like (the Chinese must render): in WORKSTATION_SHOTS when set."""
    folder = os.environ.get("WORKSTATION_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(Path(folder) / name))


UI = Path(__file__).resolve().parent.parent / "workstation" / "ui"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative imports written out in full."""
    import ast

    package = ["workstation", *path.relative_to(UI.parent).parent.parts]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            out.add(".".join([*base, *(node.module.split(".") if node.module else [])]))
    return out


def test_the_window_reaches_the_database_and_the_network_only_through_services():
    for path in UI.rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith(("workstation.store", "workstation.services.sync.http", "httpx",
                                        "sqlalchemy")), f"{path.relative_to(UI)} imports {name}"


def test_no_screen_makes_threads_of_its_own():
    for path in UI.rglob("*.py"):
        if path.name == "tasks.py":
            continue
        text = path.read_text(encoding="utf-8")
        for made in ("QThreadPool(", "threading.Thread(", "QThread(", "Runner("):
            assert made not in text, f"{path.relative_to(UI)} makes {made}"
