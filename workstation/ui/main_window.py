"""The main window: the 受理 and 案件 screens, a status bar, and the hand scanner."""

from __future__ import annotations

from ..domain.errors import DomainError
from ..services import cases as case_service
from ..services.errors import NotFound
from .acceptance import AcceptanceScreen
from .cases import CaseDialog, CasesScreen
from .qt import QApplication, QKeySequence, QLabel, QMainWindow, QShortcut, QTabWidget, Qt, QTimer
from .scanner import ScannerFilter
from .tasks import Runner

STATUS_REFRESH_MS = 30_000


class MainWindow(QMainWindow):
    """Attributes:
        runner: the single database worker every screen uses.
        scanner: recognises a hand scanner typing anywhere in the window.
    """

    def __init__(self, ws, actor, runner: Runner | None = None):
        super().__init__()
        self.ws, self.actor = ws, actor
        self.runner = runner or Runner(self)
        self.settings = ws.settings()
        self.setWindowTitle(f"综合窗口工作台 — {self.settings.authority}")
        self.resize(1400, 860)
        self._init_screens()
        self._init_status_bar()
        self._init_scanner()
        self._connect_signals()
        self.refresh_status()
        self._shown = False

    def _init_screens(self) -> None:
        self.tabs = QTabWidget()
        from ..services.seals import SealVault

        # Seals unlocked in this session stay unlocked until the window closes.
        self.vault = SealVault()
        self.acceptance = AcceptanceScreen(self.ws, self.actor, self.runner, self.vault)
        self.cases = CasesScreen(self.ws, self.actor, self.runner)
        if self.actor.can("accept"):
            self.tabs.addTab(self.acceptance, "受理 Ctrl+1")
        self.tabs.addTab(self.cases, "案件 Ctrl+2")
        self.approval = None
        if self.actor.can("approve"):
            from .approval import ApprovalScreen

            self.approval = ApprovalScreen(self.ws, self.actor, self.runner, self.vault)
            self.tabs.addTab(self.approval, "审批 Ctrl+3")
            self.approval.refresh()
        self.output = None
        if self.actor.can("deliver"):
            from .output import OutputScreen

            self.output = OutputScreen(self.ws, self.actor, self.runner, self.vault)
            self.tabs.addTab(self.output, "出件 Ctrl+4")
            self.output.refresh()
        self.setCentralWidget(self.tabs)

    def _init_status_bar(self) -> None:
        self.terminal_label = QLabel(f"终端 {self.settings.terminal}（{self.settings.station}）")
        self.user_label = QLabel(f"{self.actor.name}（{self.actor.role_label}）")
        self.network_label = QLabel("离线", objectName="network")
        self.network_label.setToolTip("尚未配置中心服务器：所有办理均保存在本机，联网后同步")
        self.outbox_label = QLabel(objectName="outbox")
        bar = self.statusBar()
        bar.showMessage("Ctrl+Shift+V 验证文书的电子签章")
        for w in (self.terminal_label, self.user_label, self.network_label, self.outbox_label):
            bar.addPermanentWidget(w)

    def _init_scanner(self) -> None:
        self.scanner = ScannerFilter(self)
        QApplication.instance().installEventFilter(self.scanner)

    def _connect_signals(self) -> None:
        self.scanner.scanned.connect(self.on_scanned)
        self.cases.open_case.connect(self.open_case)
        self.acceptance.registered.connect(lambda _: (self.refresh_status(), self.cases.refresh()))
        # F2 stays free: it is the standard key for editing a table cell.
        QShortcut(QKeySequence("Ctrl+1"), self, activated=self._show_acceptance)
        QShortcut(QKeySequence("Ctrl+2"), self, activated=self._show_cases)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self._show_cases)
        QShortcut(QKeySequence("Ctrl+3"), self, activated=self._show_approval)
        QShortcut(QKeySequence("Ctrl+4"), self, activated=self._show_output)
        QShortcut(QKeySequence("Ctrl+Shift+V"), self, activated=self.open_verify)
        if self.approval is not None:
            self.approval.decided.connect(self.refresh_status)
            if self.output is not None:
                self.approval.decided.connect(self.output.refresh)
        if self.output is not None:
            self.output.delivered.connect(self.refresh_status)
        self.timer = QTimer(self, interval=STATUS_REFRESH_MS, timeout=self.refresh_status)
        self.timer.start()

    def _show_acceptance(self) -> None:
        if self.actor.can("accept"):
            self.tabs.setCurrentWidget(self.acceptance)
            self.acceptance.applicant.number.setFocus()
        elif self.approval is not None:
            self._show_approval()

    def open_verify(self) -> None:
        from .verify_dialog import VerifyDialog

        self.verify_dialog = VerifyDialog(self.ws, self.runner, self)
        self.verify_dialog.show()

    def _show_approval(self) -> None:
        if self.approval is not None:
            self.tabs.setCurrentWidget(self.approval)
            self.approval.table.setFocus()

    def _show_output(self) -> None:
        if self.output is not None:
            self.tabs.setCurrentWidget(self.output)
            self.output.table.setFocus()
            self.output.refresh()

    def _show_cases(self) -> None:
        self.tabs.setCurrentWidget(self.cases)
        self.cases.search_edit.setFocus()
        self.cases.refresh()

    def refresh_status(self) -> None:
        from sync.outbox import pending_count

        def count():
            with self.ws.reading() as s:
                return pending_count(s)

        self.runner.run(count, lambda n: self.outbox_label.setText(f"待同步 {n} 条"),
                        lambda exc: self.outbox_label.setText("待同步 ?"))

    def on_scanned(self, code: str) -> None:
        """A hand scanner read a code anywhere in the window: open what it leads to."""
        from ..services.scanning import understand

        ws, actor = self.ws, self.actor
        self.runner.run(lambda: understand(ws, actor, code), self._scanned,
                        lambda exc: self.statusBar().showMessage(
                            str(exc) if isinstance(exc, DomainError) else f"内部错误：{exc}", 8000))

    def _scanned(self, result) -> None:
        if result.kind == "licence":
            if self.actor.can("accept"):
                self.tabs.setCurrentWidget(self.acceptance)
                self.acceptance.applicant.fill_enterprise(result.detail["credit_code"],
                                                          result.detail["name"])
            self.statusBar().showMessage(
                f"营业执照：{result.detail['credit_code']} {result.detail['name']}", 8000)
        elif result.receipt_no:
            if self.output is not None and self.tabs.currentWidget() is self.output \
                    and self.output.select_receipt(result.receipt_no):
                return
            self.open_case(result.receipt_no)
        else:
            self.statusBar().showMessage(result.detail.get("message", "不是本系统的条码或二维码"), 8000)

    def open_case(self, key: str) -> None:
        ws, actor = self.ws, self.actor
        self.runner.run(lambda: case_service.show(ws, actor, key.strip()), self._show_case,
                        lambda exc: self.statusBar().showMessage(
                            str(exc) if isinstance(exc, (NotFound, DomainError)) else f"内部错误：{exc}",
                            8000))

    def _show_case(self, data: dict) -> None:
        self.last_case_dialog = CaseDialog(data, self)
        self.last_case_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_case_dialog.show()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown:
            # The clerk's first move is always the applicant's ID: put the cursor there.
            self._shown = True
            self._show_acceptance()

    def closeEvent(self, event) -> None:  # noqa: N802
        QApplication.instance().removeEventFilter(self.scanner)
        self.vault.lock_all()
        self.timer.stop()
        self.runner.wait()
        super().closeEvent(event)
