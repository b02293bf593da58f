"""Running service calls off the GUI thread.

All database work goes through one single-thread pool (SQLite connections are not
shared between threads, and one writer at a time is what SQLite wants anyway);
results and errors come back to the GUI thread through queued signals. Tests may
swap in `SyncRunner`, which runs the call at once on the calling thread.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from .qt import QObject, QRunnable, QThreadPool, pyqtSignal

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Signals(QObject):
    done = pyqtSignal(object)
    failed = pyqtSignal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals):
        super().__init__()
        self.fn, self.signals = fn, signals

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to show
            exc.trace = traceback.format_exc()
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class Runner(QObject):
    """Attributes:
        pool: the single database thread.
    Signals:
        busy(bool): work started or everything finished (for a busy cursor).
    """

    busy = pyqtSignal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._pending: set[_Signals] = set()
        # A dict, not an attribute: finish() may run after the C++ object is deleted.
        self._state = {"closed": False}

    def run(self, fn: Callable[[], Any], done: Done, failed: Failed) -> None:
        if self._state["closed"]:
            return              # the screen that asked is gone: nobody to answer
        signals = _Signals()
        self._pending.add(signals)
        if len(self._pending) == 1:
            self.busy.emit(True)

        state = self._state

        def finish(callback, value):
            if state["closed"]:
                return          # answers arriving after close would call into deleted widgets
            self._pending.discard(signals)
            if not self._pending:
                self.busy.emit(False)
            callback(value)

        signals.done.connect(lambda value: finish(done, value))
        signals.failed.connect(lambda exc: finish(failed, exc))
        self.pool.start(_Job(fn, signals))

    def wait(self) -> None:
        self.pool.waitForDone()

    def close(self) -> None:
        """Finish what is running and drop every answer still on its way: the widgets
        that would receive them are being closed."""
        self._state["closed"] = True
        self.pool.waitForDone()


class SyncRunner(Runner):
    """Runs each call immediately on the calling thread (tests)."""

    def run(self, fn, done, failed) -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001
            exc.trace = traceback.format_exc()
            failed(exc)
        else:
            done(result)
