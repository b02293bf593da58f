"""The main window: the 受理 and 案件 screens, a status bar, and the hand scanner."""

from __future__ import annotations

from ..domain.errors import DomainError
from ..services import cases as case_service
from ..services.errors import NotFound
from .acceptance import AcceptanceScreen
from .cases import CaseDialog, CasesScreen
from .qt import (QAction, QApplication, QKeySequence, QLabel, QMainWindow, QShortcut, QTabWidget, Qt,
                 QTimer)
from .scanner import ScannerFilter
from .tasks import NETWORK, TaskManager

STATUS_REFRESH_MS = 30_000
SYNC_EVERY_MS = 60_000


class MainWindow(QMainWindow):
    """Attributes:
        tasks: the task manager (database worker, network worker, CPU pool) every
            screen runs its work on.
        scanner: recognises a hand scanner typing anywhere in the window.
    """

    def __init__(self, ws, actor, tasks: TaskManager | None = None):
        super().__init__()
        self.ws, self.actor = ws, actor
        self.tasks = tasks or TaskManager(self)
        self.sync_dialog = None
        self.transfer_dialog = None
        self.sync_status: dict = {}
        self._syncing = False
        self.settings = ws.settings()
        self.setWindowTitle(f"综合窗口工作台 — {self.settings.authority}")
        self.resize(1400, 860)
        self._init_screens()
        self._init_status_bar()
        self._init_menu()
        self._init_scanner()
        self._connect_signals()
        self.refresh_status()
        self._shown = False

    def _init_screens(self) -> None:
        self.tabs = QTabWidget()
        from ..services.seals import SealVault

        # Seals unlocked in this session stay unlocked until the window closes.
        self.vault = SealVault()
        self.acceptance = AcceptanceScreen(self.ws, self.actor, self.tasks, self.vault)
        self.cases = CasesScreen(self.ws, self.actor, self.tasks)
        if self.actor.can("accept"):
            self.tabs.addTab(self.acceptance, "受理 Ctrl+1")
        self.tabs.addTab(self.cases, "案件 Ctrl+2")
        self.approval = None
        if self.actor.can("approve"):
            from .approval import ApprovalScreen

            self.approval = ApprovalScreen(self.ws, self.actor, self.tasks, self.vault)
            self.tabs.addTab(self.approval, "审批 Ctrl+3")
            self.approval.refresh()
        self.output = None
        if self.actor.can("deliver"):
            from .output import OutputScreen

            self.output = OutputScreen(self.ws, self.actor, self.tasks, self.vault)
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
        bar.showMessage("Ctrl+Shift+V 验证文书的电子签章　Ctrl+Shift+S 立即同步　Ctrl+Shift+C 同步冲突"
                        "　Ctrl+Shift+E 同步与登记")
        for w in (self.terminal_label, self.user_label, self.network_label, self.outbox_label):
            bar.addPermanentWidget(w)

    def _init_menu(self) -> None:
        """同步(&Y): the sync state and enrolment (its own shortcut), and the two sync
        keys' entries (their QShortcuts stay; the menu only names them)."""
        menu = self.menuBar().addMenu("同步(&Y)")
        self.sync_dialog_action = QAction("同步状态与登记(&E)…", self, objectName="open_sync_dialog")
        self.sync_dialog_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.sync_dialog_action.triggered.connect(self.open_sync_dialog)
        menu.addAction(self.sync_dialog_action)
        self.addAction(self.sync_dialog_action)      # its shortcut works with the menu closed
        menu.addAction("立即同步(&S)\tCtrl+Shift+S", self.sync_now)
        menu.addAction("同步冲突(&C)…\tCtrl+Shift+C", self.open_conflicts)

    def _init_scanner(self) -> None:
        self.scanner = ScannerFilter(self)
        QApplication.instance().installEventFilter(self.scanner)

    def _connect_signals(self) -> None:
        self.scanner.scanned.connect(self.on_scanned)
        self.cases.open_case.connect(self.open_case)
        self.acceptance.registered.connect(lambda _: (self.refresh_status(), self.cases.refresh()))
        self.acceptance.documents_issued.connect(lambda _: self.refresh_status())
        # F2 stays free: it is the standard key for editing a table cell.
        QShortcut(QKeySequence("Ctrl+1"), self, activated=self._show_acceptance)
        QShortcut(QKeySequence("Ctrl+2"), self, activated=self._show_cases)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self._show_cases)
        QShortcut(QKeySequence("Ctrl+3"), self, activated=self._show_approval)
        QShortcut(QKeySequence("Ctrl+4"), self, activated=self._show_output)
        QShortcut(QKeySequence("Ctrl+Shift+V"), self, activated=self.open_verify)
        QShortcut(QKeySequence("Ctrl+Shift+L"), self, activated=self.open_transfers)
        if self.approval is not None:
            self.approval.materials_requested.connect(self.open_materials)
            self.approval.decided.connect(self.refresh_status)
            if self.output is not None:
                self.approval.decided.connect(self.output.refresh)
        if self.output is not None:
            self.output.delivered.connect(self.refresh_status)
        self.timer = QTimer(self, interval=STATUS_REFRESH_MS, timeout=self.refresh_status)
        self.timer.start()
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, activated=self.sync_now)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, activated=self.open_conflicts)
        self.sync_timer = QTimer(self, interval=SYNC_EVERY_MS, timeout=self.sync_now)
        self.sync_timer.start()

    def _show_acceptance(self) -> None:
        if self.actor.can("accept"):
            self.tabs.setCurrentWidget(self.acceptance)
            self.acceptance.applicant.number.setFocus()
        elif self.approval is not None:
            self._show_approval()

    def open_conflicts(self) -> None:
        from .conflicts_dialog import ConflictsDialog

        self.conflicts_dialog = ConflictsDialog(self.ws, self.actor, self.tasks, self)
        self.conflicts_dialog.finished.connect(lambda _: self.refresh_status())
        self.conflicts_dialog.show()

    def open_sync_dialog(self) -> None:
        """同步与登记: everyone sees the state; an admin enrols (the service decides)."""
        from .sync_dialog import SyncDialog

        dialog = self.sync_dialog
        if dialog is not None and dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
            return
        self.sync_dialog = SyncDialog(self.ws, self.actor, self.tasks, self)
        self.sync_dialog.work_done.connect(self.refresh_status)
        self.sync_dialog.show()

    def open_transfers(self, number: str | None = None) -> None:
        """材料流转: the station packs and hands over paper, the centre signs for it."""
        from .transfer_dialog import TransferDialog

        if not self.actor.can("accept"):
            self.statusBar().showMessage("材料流转由受理人员办理", 8000)
            return
        dialog = self.transfer_dialog
        if dialog is not None and dialog.isVisible():
            if number:                  # a slip scanned while the dialog is open: show it there
                dialog.number.setText(number)
                dialog.open_slip()
            dialog.raise_()
            dialog.activateWindow()
            return
        self.transfer_dialog = TransferDialog(self.ws, self.actor, self.tasks, self, number)
        self.transfer_dialog.changed.connect(self.refresh_status)
        self.transfer_dialog.show()

    def open_verify(self) -> None:
        from .verify_dialog import VerifyDialog

        self.verify_dialog = VerifyDialog(self.ws, self.tasks, self)
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
        from workstation.services.sync.client import status

        ws, login = self.ws, self.actor.login
        self.tasks.run(lambda: status(ws, user=login), self._show_sync_status,
                       lambda exc: self.outbox_label.setText("待同步 ?"), parent=self)

    def _show_sync_status(self, st: dict) -> None:
        """离线/在线, this user's waiting events, the last sync and open conflicts."""
        from workstation.services.sync.client import skew_too_large

        self.sync_status = st
        self.network_label.setText("在线" if st["online"] else "离线")
        if not st["enrolled"]:
            tip = "尚未登记到中心服务器：所有办理均保存在本机（管理员按 Ctrl+Shift+E 登记）"
        else:
            tip = f"中心 {st['server']}；上次同步 {st['last_sync'] or '从未'}"
            if st["last_error"]:
                tip += f"\n{st['last_error']}"
            if skew_too_large(st["skew_seconds"]):
                tip += f"\n本机时钟与中心相差 {st['skew_seconds']} 秒，请校准"
        self.network_label.setToolTip(tip)
        text = f"待同步 {st['pending']} 条"
        if st["last_sync"]:
            text += f"　上次同步 {st['last_sync'][11:16]}"
        if st["conflicts"]:
            text += f"　冲突 {st['conflicts']} 件"
        self.outbox_label.setText(text)

    def sync_now(self) -> None:
        """Sync in the background, on the network worker (see sync_once: its writes are
        short IMMEDIATE transactions, serialised with the database worker's by SQLite),
        quietly: nobody asked for this round, so no busy cursor."""
        from workstation.services.sync.client import sync_once

        ws = self.ws
        # The last status read (on the database worker) says whether there is a centre.
        if not self.sync_status.get("enrolled") or self._syncing:
            return
        self._syncing = True

        def finished(_):
            self._syncing = False
            self.refresh_status()

        self.tasks.op(self, lambda: sync_once(ws), NETWORK).success(finished).failure(finished) \
            .quiet().run()

    def on_scanned(self, code: str) -> None:
        """A hand scanner read a code anywhere in the window: open what it leads to."""
        from ..services.scanning import understand

        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: understand(ws, actor, code), self._scanned,
                       lambda exc: self.statusBar().showMessage(
                           str(exc) if isinstance(exc, DomainError) else f"内部错误：{exc}", 8000), parent=self)

    def _scanned(self, result) -> None:
        if result.kind == "licence":
            if self.actor.can("accept"):
                self.tabs.setCurrentWidget(self.acceptance)
                self.acceptance.applicant.fill_enterprise(result.detail["credit_code"],
                                                          result.detail["name"])
            self.statusBar().showMessage(
                f"营业执照：{result.detail['credit_code']} {result.detail['name']}", 8000)
        elif result.kind == "transfer" and result.detail.get("known"):
            self.open_transfers(result.detail["transfer_no"])
        elif result.receipt_no:
            if self.output is not None and self.tabs.currentWidget() is self.output \
                    and self.output.select_receipt(result.receipt_no):
                return
            self.open_case(result.receipt_no)
        else:
            self.statusBar().showMessage(result.detail.get("message", "不是本系统的条码或二维码"), 8000)

    def open_case(self, key: str) -> None:
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: case_service.show(ws, actor, key.strip()), self._show_case,
                       lambda exc: self.statusBar().showMessage(
                           str(exc) if isinstance(exc, (NotFound, DomainError)) else f"内部错误：{exc}",
                           8000), parent=self)

    def open_materials(self, case_id: str) -> None:
        """电子材料 of one case: the checklist beside its pages; clerks may capture there,
        and F7 turns the defects found into a 一次性告知 through the 受理 screen."""
        from .materials import MaterialsViewer

        notifier = self.acceptance.issue_notice if self.actor.can("accept") else None
        viewer = MaterialsViewer(self.ws, self.actor, self.tasks, case_id, notifier=notifier, parent=self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.approval is not None:
            viewer.changed.connect(lambda _: self.approval.refresh())
        self.materials_viewer = viewer
        viewer.show()

    def _show_case(self, data: dict) -> None:
        self.last_case_dialog = CaseDialog(data, self, open_materials=self.open_materials,
                                           issue_documents=self.issue_documents)
        self.last_case_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_case_dialog.show()

    def issue_documents(self, receipt_no: str, done, failed) -> None:
        """补出文书 from a case: the documents numbered at the commit but not yet made."""
        from ..services.documents import issue_pending

        ws, actor, vault = self.ws, self.actor, self.vault
        self.tasks.run(lambda: issue_pending(ws, actor, receipt_no, vault), done, failed, parent=self)

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
        self.sync_timer.stop()
        self.tasks.close()
        super().closeEvent(event)
