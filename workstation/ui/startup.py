"""Opening the workstation behind the login window.

Importing SQLAlchemy and opening the database take most of a second on a counter
PC. The login window needs none of it to appear, so it is shown at once and this
work runs on the task manager's database worker while the clerk types their name
and password.
"""

from __future__ import annotations

from .qt import QObject, pyqtSignal


class Startup(QObject):
    """Signals:
        ready(object, bool): the Workstation, and whether it still needs first set-up.
        failed(str): the data folder cannot be used (the message is for the clerk).
    """

    ready = pyqtSignal(object, bool)
    failed = pyqtSignal(str)

    def __init__(self, data_dir, tasks, parent=None):
        super().__init__(parent)
        self.data_dir, self.tasks = data_dir, tasks
        self.ws = None
        self.needs_setup = False
        self.error: str | None = None
        self._op = None

    def start(self) -> None:
        # Quiet: the login window is there to be typed in, not to wait on.
        self._op = self.tasks.op(self, self._open).success(lambda _: self._answer()) \
            .failure(lambda _: self._answer()).quiet()
        self._op.run()

    def _open(self) -> None:
        """On the database worker; the outcome is kept on self so that `wait()` can
        read it before the answer arrives."""
        try:
            from ..domain.errors import DomainError
            from ..services.setup import open_for_window

            try:
                self.ws, self.needs_setup = open_for_window(self.data_dir)
                # Loaded now, so the main window is built at once after login.
                from . import main_window  # noqa: F401
            except DomainError as exc:
                self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - shown to the clerk rather than lost in a thread
            self.error = f"内部错误，无法打开数据：{exc}"

    def _answer(self) -> None:
        if self.error:
            self.failed.emit(self.error)
        else:
            self.ready.emit(self.ws, self.needs_setup)

    def wait(self, timeout: float | None = None) -> bool:
        return self._op is not None and self._op.progress.wait(timeout)
