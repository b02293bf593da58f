"""A returning applicant whose details differ from the record: the differences, field
by field (old → new), and the clerk's decision. Enter confirms the update of the
applicant's current record; Esc goes back to the form. Earlier cases keep what they
recorded either way."""

from __future__ import annotations

from html import escape

from ..qt import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout


class ApplicantChangeDialog(QDialog):
    def __init__(self, changes, parent=None):
        super().__init__(parent)
        self.setWindowTitle("申请人信息有变化")
        self.changes = list(changes)
        intro = QLabel("该证件号码的申请人已有登记，本次填写的信息与登记不同。"
                       "确认后更新申请人的登记信息；以前的案件仍保留当时登记的信息。",
                       objectName="intro", wordWrap=True)
        grid = QGridLayout()
        for col, title in enumerate(("项目", "原登记", "", "本次填写")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        self.rows: list[tuple[str, str, str]] = []
        for row, change in enumerate(self.changes, start=1):
            old, new = change.old or "（空）", change.new or "（空）"
            self.rows.append((change.label, old, new))
            grid.addWidget(QLabel(escape(change.label)), row, 0)
            grid.addWidget(QLabel(escape(old), objectName=f"old_{change.field}"), row, 1)
            grid.addWidget(QLabel("→"), row, 2)
            grid.addWidget(QLabel(f"<b>{escape(new)}</b>", objectName=f"new_{change.field}"), row, 3)
        buttons = QDialogButtonBox()
        self.confirm = buttons.addButton("确认更新（回车）", QDialogButtonBox.ButtonRole.AcceptRole)
        self.back = buttons.addButton("返回修改（Esc）", QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm.setObjectName("confirm_update")
        self.confirm.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self.confirm.setFocus()
