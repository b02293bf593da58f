"""同步与登记 (Ctrl+Shift+E, menu 同步): this terminal's sync state, enrolment with the
centre's one-time code (admins), and 立即同步.

Keyboard first: the server address has the focus, Tab to the code, Enter enrols;
Alt+S syncs now; Esc closes. Enrolment and sync go to the network, so they run on
the task manager's network worker, never on the GUI thread; the state is read on
the database worker. Whether the user may enrol is the service's to say
(workstation.services.sync.client.enroll requires "settings"): the window only greys the fields out.
"""

from __future__ import annotations

import workstation.services.sync.client as client
from workstation.services.sync.client import Offline

from ..domain.errors import DomainError
from .qt import (QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, Qt,
                 QVBoxLayout, pyqtSignal)
from .messages import say
from .tasks import NETWORK

SERVER_MAX = 300        # the widget cuts a paste here; the service allows 200 and says so
CODE_MAX = 100
STATE_ROWS = (("server", "中心服务器"), ("station", "站点"), ("enrolled", "登记"), ("online", "网络"),
              ("pending", "待同步事件"), ("conflicts", "未处理冲突"), ("last_sync", "上次同步"),
              ("last_error", "上次错误"), ("skew", "时钟偏差"), ("leases", "领用号段"))


def skew_text(seconds: int) -> str:
    """How far this clock is from the centre's (positive: ahead), in a unit one reads."""
    ahead = "快" if seconds > 0 else "慢"
    n = abs(seconds)
    if n < 120:
        return f"{seconds:+d} 秒"
    if n < 7200:
        return f"本机{ahead} {n // 60} 分钟"
    if n < 172_800:
        return f"本机{ahead} {n // 3600} 小时"
    return f"本机{ahead} {n // 86400} 天"


def failure_text(exc: BaseException, doing: str) -> str:
    """What went wrong, in words an admin can act on."""
    if isinstance(exc, Offline):
        return f"{doing}未成功：{exc}。请核对中心服务器地址和本机网络后重试"
    if isinstance(exc, DomainError):
        return f"{doing}未成功：{exc}"
    return f"{doing}未成功（内部错误）：{exc}"


class SyncDialog(QDialog):
    """Attributes:
        state: the last workstation.services.sync.client.status() read, None before it arrives.
    Signals:
        enrolled(dict): enrolment succeeded (workstation.services.sync.client.enroll's answer).
        synced(dict): a sync round succeeded.
        work_done(): a network job (enrolment or sync) finished, well or not.
        state_loaded(dict): the state was read and shown.
    """

    enrolled = pyqtSignal(dict)
    synced = pyqtSignal(dict)
    work_done = pyqtSignal()
    state_loaded = pyqtSignal(dict)

    def __init__(self, ws, actor, tasks, parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks = ws, actor, tasks
        self.state: dict | None = None
        self.busy = False
        self.setWindowTitle("同步与登记")
        self.resize(640, 520)
        self._init_state()
        self._init_enrol()
        self._init_buttons()
        layout = QVBoxLayout(self)
        layout.addWidget(self.state_box)
        layout.addWidget(self.enrol_box)
        layout.addWidget(self.message)
        layout.addLayout(self.button_bar)
        self._connect_signals()
        self.refresh()

    def _init_state(self) -> None:
        self.state_box = QGroupBox("本终端的同步状态")     # the terminal's code comes with the state
        form = QFormLayout(self.state_box)
        self.values: dict[str, QLabel] = {}
        for key, title in STATE_ROWS:
            label = QLabel("…", objectName=f"state_{key}", wordWrap=True)
            label.setTextFormat(Qt.TextFormat.PlainText)     # a server's text is never markup
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = label
            form.addRow(f"{title}：", label)

    def _init_enrol(self) -> None:
        self.enrol_box = QGroupBox("登记到中心服务器（系统管理员）")
        self.server = QLineEdit(objectName="server", maxLength=SERVER_MAX,
                                placeholderText="https://zwfw.example.gov.cn:8443")
        self.code = QLineEdit(objectName="code", maxLength=CODE_MAX, placeholderText="ABCD-EFGH-JKLM")
        self.enrol_button = QPushButton("登记(&E)", objectName="enrol")
        form = QFormLayout(self.enrol_box)
        server_label = QLabel("中心服务器地址(&U)：")
        server_label.setBuddy(self.server)
        code_label = QLabel("一次性登记码(&K)：")
        code_label.setBuddy(self.code)
        form.addRow(server_label, self.server)
        form.addRow(code_label, self.code)
        self.enrol_note = QLabel("登记码由中心服务器管理员生成（workstation-central terminal add），"
                                 "只能使用一次，7天内有效；终端令牌存入系统钥匙串。", wordWrap=True)
        form.addRow(self.enrol_note)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.enrol_button)
        form.addRow(row)
        self.may_enrol = self.actor.can("settings")
        if not self.may_enrol:
            self.enrol_note.setText(f"登记须由系统管理员办理；{self.actor.role_label}“{self.actor.name}”"
                                    "可查看同步状态、立即同步。")
            for w in (self.server, self.code, self.enrol_button):
                w.setEnabled(False)

    def _init_buttons(self) -> None:
        self.message = QLabel(objectName="message", wordWrap=True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync_button = QPushButton("立即同步(&S)", objectName="sync_now")
        self.close_button = QPushButton("关闭", objectName="close")
        for b in (self.sync_button, self.close_button):
            b.setAutoDefault(False)
        self.enrol_button.setAutoDefault(False)
        self.enrol_button.setDefault(self.may_enrol)      # Enter in either field enrols
        self.button_bar = QHBoxLayout()
        self.button_bar.addWidget(self.sync_button)
        self.button_bar.addStretch()
        self.button_bar.addWidget(self.close_button)

    def _connect_signals(self) -> None:
        self.enrol_button.clicked.connect(self.submit)
        self.sync_button.clicked.connect(self.sync_now)
        self.close_button.clicked.connect(self.reject)

    # ------------------------------------------------------------ state

    def refresh(self) -> None:
        ws = self.ws
        def read() -> dict:
            settings = ws.settings()          # on the worker, like the state itself
            return {**client.status(ws), "terminal": settings.terminal, "local_station": settings.station}

        self.tasks.run(read, self._show_state,
                       lambda exc: self._say(failure_text(exc, "读取同步状态"), error=True), parent=self)

    def _show_state(self, st: dict) -> None:
        self.state = st
        v = self.values
        v["server"].setText(st["server"] or "（未设置）")
        self.state_box.setTitle(f"本终端 {st['terminal']} 的同步状态")
        v["station"].setText(st["station"] or st["local_station"])
        v["enrolled"].setText("已登记" if st["enrolled"] else "未登记：所有办理保存在本机，登记后自动同步")
        v["online"].setText("在线" if st["online"] else "离线")
        v["pending"].setText(f"{st['pending']} 条")
        v["conflicts"].setText(f"{st['conflicts']} 件" + ("（Ctrl+Shift+C 查看）" if st["conflicts"] else ""))
        v["last_sync"].setText((st["last_sync"] or "从未").replace("T", " "))
        v["last_error"].setText(st["last_error"] or "无")
        skew = st["skew_seconds"]
        v["skew"].setText("未知" if skew is None else
                          skew_text(skew) + ("（超过5分钟，请校准本机时钟）" if client.skew_too_large(skew) else ""))
        v["leases"].setText("；".join(f"{b['authority']}{b['act']}字〔{b['year']}〕第{b['next']}–{b['last']}号"
                                     for b in st.get("leases") or []) or "无（使用本终端离线号段）")
        if st["server"] and not self.server.text():
            self.server.setText(st["server"])
        if self.may_enrol and not self.busy:
            (self.code if self.server.text() else self.server).setFocus()
        self.state_loaded.emit(st)

    def _say(self, text: str, *, error: bool = False) -> None:
        say(self.message, text, error=error)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.sync_button.setEnabled(not busy)
        for w in (self.server, self.code, self.enrol_button):
            w.setEnabled(self.may_enrol and not busy)
        if text:
            self.message.setStyleSheet("")
            self.message.setText(text)

    # ------------------------------------------------------------ enrol

    def submit(self) -> None:
        """Enrol with what is typed (on the network worker)."""
        if self.busy:
            return
        ws, actor = self.ws, self.actor
        server, code = self.server.text(), self.code.text()
        self._set_busy(True, "正在连接中心服务器登记…")
        self.tasks.op(self, lambda: client.enroll(ws, actor, server, code), NETWORK) \
            .success(self._enrolled).failure(self._enrol_failed).with_progress("正在连接中心服务器登记…").run()

    def _enrolled(self, out: dict) -> None:
        self._set_busy(False)
        self.code.clear()
        self._say(f"已登记到 {out['server']}：站点 {out['station']}，终端 {out['terminal']}。"
                  "按 Alt+S 立即同步")
        self.refresh()
        self.enrolled.emit(out)
        self.work_done.emit()

    def _enrol_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._say(failure_text(exc, "登记"), error=True)
        field = getattr(exc, "field", None)
        target = self.server if field == "server" or isinstance(exc, Offline) else self.code
        if self.may_enrol:
            target.setFocus()
            target.selectAll()
        self.work_done.emit()

    # ------------------------------------------------------------ sync

    def sync_now(self) -> None:
        if self.busy:
            return
        ws = self.ws
        self._set_busy(True, "正在同步…")
        self.tasks.op(self, lambda: client.sync_once(ws), NETWORK) \
            .success(self._synced).failure(self._sync_failed).with_progress("正在与中心同步…").run()

    def _synced(self, out: dict) -> None:
        self._set_busy(False)
        pushed = sum(out["pushed"].get(k, 0) for k in ("applied", "duplicate", "conflict"))
        pulled = out["pulled"].get("applied", 0)
        text = f"已同步：上传 {pushed} 条，下载 {pulled} 项；待同步 {out['pending']} 条"
        if out.get("leased"):
            text += f"；领用号段 {len(out['leased'])} 个"
        self._say(text, error=bool(out.get("last_error")))
        self.refresh()
        self.synced.emit(out)
        self.work_done.emit()

    def _sync_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._say(failure_text(exc, "同步"), error=True)
        self.refresh()
        self.work_done.emit()
