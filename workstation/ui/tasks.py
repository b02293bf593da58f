"""The operations layer: every slow or blocking call of the window runs here.

One `TaskManager`, made once with the application and handed to every screen, owns
three workers (in the spirit of Anki's `CollectionOp`/`QueryOp` and its progress
manager):

- the **database** worker, one thread: every service call that touches the database
  (SQLite sessions are not shared between threads, and one writer at a time is what
  SQLite wants anyway);
- the **network** worker, one thread: talking to the centre (enrolment, the sync
  round), so that a slow network never holds up the counter's database work;
- the **CPU** pool, two threads (this machine's cores): decoding page pictures,
  reading files into pages, drawing PDFs, LibreOffice conversions.

A screen asks for an `Operation` and says what to do with its outcome::

    self.tasks.op(self, lambda: service.call(ws, actor)).success(self._shown) \\
        .failure(self._failed).run()

Results and errors come back on the GUI thread by a queued signal. An answer whose
screen (the operation's parent, or the object a bound-method callback belongs to)
has been deleted is dropped, and so is every answer after `close()`. A 100 ms timer
on the GUI thread watches what is running: after 300 ms a busy cursor, after 600 ms,
for an operation made `with_progress`, a progress dialog (with 取消 when it is
`cancellable`); both go when the work is done. Progress and cancel cross threads
through a `Progress` handle only (a lock and an event), never through widgets.

Tests swap in `SyncRunner`, which runs each operation at once on the calling thread.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import weakref
from typing import Any
from collections.abc import Callable

from .qt import (QApplication, QDialog, QHBoxLayout, QLabel, QObject, QProgressBar, QPushButton,
                 QRunnable, Qt, QThreadPool, QTimer, QVBoxLayout, QWidget, pyqtSignal, sip)

DATABASE, NETWORK, CPU = "database", "network", "cpu"
THREADS = {DATABASE: 1, NETWORK: 1, CPU: 2}
POLL_MS = 100
BUSY_CURSOR_MS = 300
PROGRESS_DIALOG_MS = 600

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
Reported = Callable[[int, int, str], None]


class Progress:
    """How far an operation has got, and whether it should stop. Thread-safe: the
    worker writes it and asks `cancelled()`; the GUI thread reads it and cancels."""

    def __init__(self):
        self._lock = threading.Lock()
        self._value: tuple[int, int, str] = (0, 0, "")
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._on_update: Reported | None = None    # SyncRunner only: report at once

    def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
        with self._lock:
            old = self._value
            self._value = (done, old[1] if total is None else total, old[2] if text is None else text)
            value = self._value
        if self._on_update is not None:
            self._on_update(*value)

    def read(self) -> tuple[int, int, str]:
        with self._lock:
            return self._value

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work itself has ended (its answer may still be on its way)."""
        return self._finished.wait(timeout)


class _Signals(QObject):
    done = pyqtSignal(object)
    failed = pyqtSignal(object)


class _Job(QRunnable):
    def __init__(self, op: Operation):
        super().__init__()
        self.op = op

    def run(self) -> None:
        op = self.op
        try:
            result = op._call()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to show
            exc.trace = traceback.format_exc()
            op.progress._finished.set()
            op._signals.failed.emit(exc)
        else:
            op.progress._finished.set()
            op._signals.done.emit(result)


class Operation:
    """One piece of work and what to do with its outcome. Build it, then `run()`.

    `fn` takes no argument, unless it takes part in progress or cancel (`cancellable`,
    `on_progress`): then it gets the `Progress` handle, to `update()` and to ask
    `cancelled()`. `with_progress` alone only shows the dialog (a busy bar, or the
    numbers the handle gets).

    Attributes:
        progress: the handle (also the screen's way to cancel: `op.cancel()`).
    """

    def __init__(self, manager: TaskManager, parent: QObject | None, fn: Callable, worker: str):
        self.manager, self.fn, self.worker = manager, fn, worker
        self._parent = weakref.ref(parent) if parent is not None else None
        self.progress = Progress()
        self.label = ""
        self._success: Done | None = None
        self._failure: Failed | None = None
        self._reported: Reported | None = None
        self._dialog = False
        self._can_cancel = False
        self._quiet = False
        self._signals: _Signals | None = None
        self.started = 0.0
        self.last_seen: tuple | None = None
        self.dialog: ProgressDialog | None = None

    # ---- building ---------------------------------------------------------------------------

    def success(self, callback: Done) -> Operation:
        self._success = callback
        return self

    def failure(self, callback: Failed) -> Operation:
        self._failure = callback
        return self

    def with_progress(self, label: str) -> Operation:
        """A progress dialog saying `label` if the work lasts over 600 ms."""
        self.label, self._dialog = label, True
        return self

    def cancellable(self) -> Operation:
        """The dialog gets 取消; `fn` is expected to ask `progress.cancelled()`."""
        self._can_cancel = True
        return self

    def on_progress(self, callback: Reported) -> Operation:
        """`callback(done, total, text)` on the GUI thread as the work advances (screens
        that show progress in place of a dialog)."""
        self._reported = callback
        return self

    def quiet(self) -> Operation:
        """No busy cursor: background work the clerk did not ask for (the timed sync)."""
        self._quiet = True
        return self

    def run(self) -> Operation:
        self.manager._start(self)
        return self

    def cancel(self) -> None:
        self.progress.cancel()

    # ---- running ----------------------------------------------------------------------------

    @property
    def wants_progress(self) -> bool:
        """Whether `fn` gets the progress handle."""
        return self._can_cancel or self._reported is not None

    @property
    def shows_cursor(self) -> bool:
        return not self._quiet

    def _call(self):
        return self.fn(self.progress) if self.wants_progress else self.fn()

    def parent(self) -> QObject | None:
        return self._parent() if self._parent is not None else None

    def receiver_gone(self, callback) -> bool:
        """Whether the screen that would get the answer has been deleted."""
        if self._parent is not None:
            parent = self._parent()
            if parent is None or isinstance(parent, QObject) and sip.isdeleted(parent):
                return True
        owner = getattr(callback, "__self__", None)
        return isinstance(owner, QObject) and sip.isdeleted(owner)

    def report(self) -> None:
        """Hand the newest progress to the screen and the dialog (GUI thread)."""
        value = self.progress.read()
        if value == self.last_seen:
            return
        self.last_seen = value
        if self.dialog is not None:
            self.dialog.show_progress(*value)
        if self._reported is not None and not self.receiver_gone(self._reported):
            self._reported(*value)


class ProgressDialog(QDialog):
    """The dialog of one long operation: what it is doing, how far, and 取消."""

    def __init__(self, op: Operation, parent: QWidget | None):
        super().__init__(parent, objectName="progress_dialog")
        self.setWindowTitle("请稍候")
        self.setWindowModality(Qt.WindowModality.NonModal)
        # It tells, it does not take the keyboard from the clerk's screen.
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.label = QLabel(op.label or "正在处理…", objectName="progress_label", wordWrap=True)
        self.bar = QProgressBar(objectName="progress_bar")
        self.bar.setRange(0, 0)                # busy until the work says how much
        self.cancel_button = QPushButton("取消", objectName="progress_cancel")
        self.cancel_button.setVisible(op._can_cancel)
        self.cancel_button.clicked.connect(self._cancel)
        self._op = op
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        self.setMinimumWidth(360)

    def show_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.bar.setFormat("%v / %m")
        if text:
            self.label.setText(f"{self._op.label}\n{text}" if self._op.label else text)

    def _cancel(self) -> None:
        self._op.cancel()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("正在取消…")

    def reject(self) -> None:       # Esc or the window's close button: cancel if it can
        if self._op._can_cancel:
            self._cancel()


class TaskManager(QObject):
    """Attributes:
        pools: the three workers by name (DATABASE, NETWORK, CPU).
    Signals:
        busy(bool): work started, or everything finished.
    """

    busy = pyqtSignal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pools: dict[str, QThreadPool] = {}
        for name, threads in THREADS.items():
            pool = QThreadPool(self)
            pool.setMaxThreadCount(threads)
            self.pools[name] = pool
        self.running: list[Operation] = []
        self.cursor_shown = False
        # A dict, not an attribute: answers may arrive after the C++ object is deleted.
        self._state = {"closed": False}
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def cpu_pool(self) -> QThreadPool:
        """For work that is queued by priority and answers by its own signals (page
        pictures); everything else goes through `op()`."""
        return self.pools[CPU]

    def op(self, parent: QObject | None, fn: Callable, worker: str = DATABASE) -> Operation:
        return Operation(self, parent, fn, worker)

    def run(self, fn: Callable[[], Any], done: Done, failed: Failed, *, worker: str = DATABASE,
            parent: QObject | None = None) -> Operation:
        """The short form: `op(parent, fn, worker).success(done).failure(failed).run()`."""
        return self.op(parent, fn, worker).success(done).failure(failed).run()

    # ---- the life of an operation -----------------------------------------------------------

    def _start(self, op: Operation) -> None:
        if self._state["closed"]:
            return              # the window is closing: nobody to answer
        op._signals = signals = _Signals()
        state = self._state
        signals.done.connect(lambda value: self._finish(state, op, op._success, value))
        signals.failed.connect(lambda exc: self._finish(state, op, op._failure, exc))
        op.started = time.monotonic()
        self.running.append(op)
        if len(self.running) == 1:
            self.busy.emit(True)
            self._timer.start()
        self.pools[op.worker].start(_Job(op))

    def _finish(self, state: dict, op: Operation, callback, value) -> None:
        if state["closed"]:
            return              # answers arriving after close would call into deleted widgets
        self._forget(op)
        op.report()             # the last step, which the timer may not have seen
        if op.receiver_gone(callback):
            return              # its screen was closed: drop the answer
        _deliver(callback, value)

    def _forget(self, op: Operation) -> None:
        if op in self.running:
            self.running.remove(op)
        if op.dialog is not None:
            op.dialog.hide()
            op.dialog.deleteLater()
            op.dialog = None
        if not self.running:
            self._timer.stop()
            self._set_cursor(False)
            self.busy.emit(False)

    def _tick(self) -> None:
        """Every 100 ms while work runs: cursor, dialogs, progress."""
        now = time.monotonic()
        waited = [op for op in self.running if op.shows_cursor]
        self._set_cursor(any(now - op.started >= BUSY_CURSOR_MS / 1000 for op in waited))
        for op in list(self.running):
            if op._dialog and op.dialog is None and now - op.started >= PROGRESS_DIALOG_MS / 1000:
                parent = op.parent()
                window = parent.window() if isinstance(parent, QWidget) and not sip.isdeleted(parent) \
                    else QApplication.activeWindow()
                op.dialog = ProgressDialog(op, window)
                op.last_seen = None
                op.dialog.show()
            op.report()

    def _set_cursor(self, on: bool) -> None:
        if on == self.cursor_shown:
            return
        self.cursor_shown = on
        if on:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QApplication.restoreOverrideCursor()

    # ---- the end ----------------------------------------------------------------------------

    def wait(self) -> None:
        for pool in self.pools.values():
            pool.waitForDone()

    def close(self) -> None:
        """Ask what runs to stop, finish it, and drop every answer still on its way: the
        widgets that would receive them are being closed."""
        self._state["closed"] = True
        for op in list(self.running):
            op.cancel()
        for pool in self.pools.values():
            pool.clear()
        self.wait()
        for op in list(self.running):
            self._forget(op)


class SyncRunner(TaskManager):
    """Runs each operation at once on the calling thread, progress reported as it is
    made (tests), except on the workers named in `real`, which keep their threads.
    The CPU pool itself stays real, so page pictures are still decoded off the GUI
    thread."""

    def __init__(self, parent: QObject | None = None, *, real: tuple[str, ...] = ()):
        super().__init__(parent)
        self.real = real

    def _start(self, op: Operation) -> None:
        if op.worker in self.real:
            super()._start(op)
            return
        if self._state["closed"]:
            return
        if op._reported is not None:
            op.progress._on_update = lambda *value: op.report()
        try:
            value = op._call()
        except BaseException as exc:  # noqa: BLE001
            exc.trace = traceback.format_exc()
            callback = op._failure
            value = exc
        else:
            callback = op._success
        op.progress._finished.set()
        _deliver(callback, value)


def _deliver(callback, value) -> None:
    if callback is not None:
        callback(value)
    elif isinstance(value, BaseException):
        # Nobody said what to do with it: the excepthook shows it (raising in a slot
        # would abort the program).
        sys.excepthook(type(value), value, value.__traceback__)
