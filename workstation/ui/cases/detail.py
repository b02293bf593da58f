"""One acceptance and its cases, read-only, as the clerk needs to answer the applicant."""

from __future__ import annotations

from html import escape

from ..qt import QDialog, QDialogButtonBox, QKeySequence, QPushButton, QShortcut, QTextBrowser, QVBoxLayout


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
    parts.append("<h3>文书</h3><ul>" + "".join(
        f"<li>{e(d['kind'])}：{e(d['number'])}</li>" for d in data["documents"]) + "</ul>")
    return "".join(parts)


class CaseDialog(QDialog):
    """Attributes:
        material_buttons: one 电子材料 button per case (Ctrl+M opens the first).
    """

    def __init__(self, data: dict, parent=None, open_materials=None):
        super().__init__(parent)
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
