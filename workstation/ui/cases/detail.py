"""One acceptance and its cases, read-only, as the clerk needs to answer the applicant."""

from __future__ import annotations

from html import escape

from ..messages import say
from ..qt import (QDialog, QDialogButtonBox, QKeySequence, QLabel, QPushButton, QShortcut, QTextBrowser,
                  QVBoxLayout)


def render(data: dict) -> str:
    a = data["applicant"]
    e = escape
    parts = [f"<h2>受理编号 {e(data['receipt_no'])}</h2>",
             f"<p>申请人：<b>{e(a['name'])}</b>　{e(a['id_number'])}"
             f"{'　法定代表人：' + e(a['legal_rep']) if a.get('legal_rep') else ''}"
             f"　电话：{e(a['phone'])}<br>地址：{e(a['address'])}</p>"]
    if data.get("agent"):
        ag = data["agent"]
        parts.append(f"<p>代理人：{e(ag['name'])}　{e(ag['id_number'])}　{e(ag['phone'])}</p>")
    parts.append(f"<p>收件日期：{data['received_on']}　受理人：{e(data['clerk'])}　"
                 f"终端：{data['terminal']}</p>")
    if data.get("bundle"):
        parts.append(f"<p>一件事：{e(data['bundle']['name'])}</p>")
    if data.get("notice"):
        n = data["notice"]
        parts.append(f"<p style='color:#b00020'>不予受理理由：{e(n['reason'])}<br>法律依据：{e(n['basis'])}"
                     f"{'<br>有权机关：' + e(n['competent_organ']) if n.get('competent_organ') else ''}</p>")
    for c in data["cases"]:
        due = c["due_date"] or "—"
        mark = "（暂定）" if c["provisional"] else ""
        parts.append(f"<h3>{e(c['matter_name'])} — {c['status_label']}</h3>"
                     f"<p>承诺办结：<b>{due}</b>{mark}　法定期限届满：{c['statutory_due_date'] or '—'}"
                     f"　案件号：{c['id']}</p><table border='1' cellspacing='0' cellpadding='3'>"
                     "<tr><th>材料</th><th>形式</th><th>份数</th><th>状态</th><th>说明</th></tr>")
        for m in c["materials"]:
            note = m["note"] if m["state"] in ("defective", "missing") else (m["promise_date"] or "")
            parts.append(f"<tr><td>{e(m['name'])}</td><td>{m['form']}</td><td>{m['copies']}</td>"
                         f"<td>{m['state_label']}</td><td>{e(note or '')}</td></tr>")
        parts.append("</table>")
    pending = "　<b style='color:#b00020'>尚未生成（F5 补出）</b>"
    parts.append("<h3>文书</h3><ul>" + "".join(
        f"<li>{e(d['kind'])}：{e(d['number'])}{'' if d.get('issued', True) else pending}</li>"
        for d in data["documents"]) + "</ul>")
    return "".join(parts)


class CaseDialog(QDialog):
    """Attributes:
        material_buttons: one 电子材料 button per case (Ctrl+M opens the first).
        issue_button: 补出文书 (F5), when some of the acceptance's documents were
            numbered but their files not made (the disk filled after the commit…).
        message: what 补出文书 did, or why it could not.
    """

    def __init__(self, data: dict, parent=None, open_materials=None, issue_documents=None):
        """issue_documents(receipt_no, done, failed) makes the pending documents off
        the window's thread and calls done(issued) or failed(exc)."""
        super().__init__(parent)
        self.data, self.issue_documents = data, issue_documents
        self.setWindowTitle(f"案件 {data['receipt_no']}")
        self.resize(760, 640)
        self.view = QTextBrowser(objectName="case_view")
        self.view.setHtml(render(data))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.material_buttons = []
        if open_materials is not None:
            many = len(data["cases"]) > 1
            for i, c in enumerate(data["cases"]):
                label = f"电子材料{'：' + c['matter_name'] if many else ''}{' Ctrl+M' if i == 0 else ''}"
                button = QPushButton(label, objectName=f"materials_{i}")
                button.clicked.connect(lambda _=False, cid=c["id"]: open_materials(cid))
                buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
                self.material_buttons.append(button)
            if data["cases"]:
                first = data["cases"][0]["id"]
                QShortcut(QKeySequence("Ctrl+M"), self, activated=lambda: open_materials(first))
        self.message = QLabel("", objectName="case_message")
        self.message.setWordWrap(True)
        self.issue_button = None
        if issue_documents is not None and not all(d.get("issued", True) for d in data["documents"]):
            self.issue_button = QPushButton("补出文书 F5", objectName="issue_documents")
            self.issue_button.clicked.connect(self.issue_pending)
            buttons.addButton(self.issue_button, QDialogButtonBox.ButtonRole.ActionRole)
            QShortcut(QKeySequence("F5"), self, activated=self.issue_pending)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def issue_pending(self) -> None:
        if self.issue_button is None or not self.issue_button.isEnabled():
            return
        self.issue_button.setEnabled(False)
        say(self.message, "正在补出文书…")
        self.issue_documents(self.data["receipt_no"], self._issued, self._not_issued)

    def _issued(self, issued: list[dict]) -> None:
        made = {d["number"] for d in issued}
        for d in self.data["documents"]:
            if d["number"] in made:
                d["issued"] = True
        self.view.setHtml(render(self.data))
        kinds = "、".join(f"{d['kind']} {d['number']}" for d in issued)
        say(self.message, f"已补出并盖章签名：{kinds}" if issued else "文书已生成，无需补出")

    def _not_issued(self, exc: BaseException) -> None:
        from ...services.errors import failure_reason

        self.issue_button.setEnabled(True)
        say(self.message, f"文书仍未生成（原因：{failure_reason(exc)}）。处理后再按 F5 补出。", error=True)
