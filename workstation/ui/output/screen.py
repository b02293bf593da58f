"""统一窗口出件: the decided cases, handed over (F5) or mailed (F6); mailing labels
(F7) and the day's handover manifest for the courier (F8), each shown in print
preview first; mail confirmed delivered (F9).

Database work runs on the task manager's database worker; labels and manifests are
drawn to PDF on its CPU pool, never on the GUI thread nor behind the database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ...services import delivery
from ..qt import QHBoxLayout, QKeySequence, QLabel, QPushButton, QShortcut, QVBoxLayout, QWidget, pyqtSignal
from ..table_model import row_table
from .dialogs import MailDialog, PickupDialog
from .model import OutputModel
from ..messages import error_text, say
from ..tasks import CPU


class OutputScreen(QWidget):
    """Attributes:
        last_pdf: the last label or manifest PDF drawn (for preview and tests).
    Signals:
        delivered(): a case left the hall (lists elsewhere refresh).
    """

    delivered = pyqtSignal()

    def __init__(self, ws, actor, tasks, vault, parent=None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks, self.vault = ws, actor, tasks, vault
        self.last_pdf: str | None = None
        self.previews: list = []
        self.model = OutputModel(self)
        self.table = row_table(self.model, "output")
        self.buttons = {
            "pickup": QPushButton("窗口领取 F5", objectName="pickup"),
            "mail": QPushButton("邮寄 F6", objectName="mail"),
            "labels": QPushButton("打印所选面单 F7", objectName="labels"),
            "manifest": QPushButton("今日交寄清单 F8", objectName="manifest"),
            "manifest_xlsx": QPushButton("导出清单 Excel", objectName="manifest_xlsx"),
            "delivered": QPushButton("邮件妥投 F9", objectName="delivered"),
            "refresh": QPushButton("刷新", objectName="refresh"),
        }
        self.message = QLabel(objectName="message", wordWrap=True)
        bar = QHBoxLayout()
        for b in self.buttons.values():
            bar.addWidget(b)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("待出件的案件（已作出决定）与在途邮件 — "
                                "选中后按功能键；扫描受理回执或运单条码可直接定位"))
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        self._connect_signals()

    def _connect_signals(self) -> None:
        actions = {"pickup": (self.pickup_current, "F5"), "mail": (self.mail_current, "F6"),
                   "labels": (self.print_labels, "F7"), "manifest": (self.print_manifest, "F8"),
                   "delivered": (self.mark_delivered, "F9"), "manifest_xlsx": (self.export_manifest, None),
                   "refresh": (self.refresh, None)}
        for name, (slot, key) in actions.items():
            self.buttons[name].clicked.connect(slot)
            if key:
                QShortcut(QKeySequence(key), self, activated=slot)

    # ---- the list ----------------------------------------------------------------------------

    def refresh(self) -> None:
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: delivery.output_queue(ws, actor), self._loaded, self._failed, parent=self)

    def _loaded(self, rows) -> None:
        self.model.reset(rows)
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def select_receipt(self, receipt_no: str) -> bool:
        """Put the cursor on a case (after a scan); False when it is not in the list."""
        from ..qt import QItemSelectionModel

        for i, row in enumerate(self.model.rows):
            if row.receipt_no == receipt_no:
                index = self.model.index(i, 0)
                flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                         | QItemSelectionModel.SelectionFlag.Rows)
                self.table.selectionModel().setCurrentIndex(index, flags)
                return True
        return False

    def _selected(self) -> list:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r] for r in rows]

    def _one(self, what: str):
        rows = self._selected()
        if len(rows) != 1:
            self.show_message(f"{what}须逐件办理：请只选一件", error=True)
            return None
        return rows[0]

    # ---- pickup and mail -----------------------------------------------------------------------

    def pickup_current(self) -> None:
        row = self._one("窗口领取")
        if row is None:
            return
        if row.method is not None:
            self.show_message("该案件已出件", error=True)
            return
        self.pickup_dialog = PickupDialog(row, self)
        self.pickup_dialog.accepted.connect(lambda: self._pickup(row, self.pickup_dialog.values()))
        self.pickup_dialog.open()

    def _pickup(self, row, values: dict) -> None:
        ws, actor, vault = self.ws, self.actor, self.vault
        self.tasks.run(lambda: delivery.pickup(ws, actor, row.case_id, values["collector_id"], vault,
                                                signature_image=values["signature_image"]),
                        self._picked_up, self._failed, parent=self)

    def _picked_up(self, out: dict) -> None:
        self.last_receipt_document = out["document"]
        self.show_message(f"已由{out['collector_role_label']}“{out['collector']}”领取，案件办结；"
                          f"送达回证 {out['document']['number']} 已盖章签名")
        self.delivered.emit()
        self.refresh()

    def mail_current(self) -> None:
        row = self._one("邮寄")
        if row is None:
            return
        if row.method is not None:
            self.show_message("该案件已出件", error=True)
            return
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: delivery.mail_recipient(ws, actor, row.receipt_no),
                       lambda known: self._open_mail(row, known), self._failed, parent=self)

    def _open_mail(self, row, known: dict) -> None:
        self.mail_dialog = MailDialog(row, known, self)
        self.mail_dialog.accepted.connect(
            lambda: self._mail(row, self.mail_dialog.address_data(), self.mail_dialog.waybill.text()))
        self.mail_dialog.open()

    def _mail(self, row, data: dict, waybill: str) -> None:
        from ...domain.mail import parse_mail_address

        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: delivery.mail(ws, actor, row.case_id, waybill, parse_mail_address(data)),
                       self._mailed, self._failed, parent=self)

    def _mailed(self, out: dict) -> None:
        self.show_message(f"已登记邮寄：运单号 {out['waybill']}，寄往 {out['address']}。按 F7 打印面单")
        self.delivered.emit()
        self.refresh()

    def mark_delivered(self) -> None:
        row = self._one("妥投")
        if row is None:
            return
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: delivery.mark_delivered(ws, actor, row.case_id),
                       lambda out: (self.show_message(f"运单 {out['waybill']} 已妥投，案件办结"),
                                    self.delivered.emit(), self.refresh()),
                       self._failed, parent=self)

    # ---- labels and the manifest -------------------------------------------------------------------

    def print_labels(self) -> None:
        rows = [r for r in self._selected() if r.method == "mail"]
        if not rows:
            self.show_message("请选择已登记邮寄的案件（可多选）再打印面单", error=True)
            return
        ws, actor = self.ws, self.actor
        ids = [r.case_id for r in rows]
        self.tasks.run(lambda: (delivery.mail_records(ws, actor, ids), ws.settings()),
                       lambda got: self._draw(lambda path: _write_labels(got, path),
                                              f"邮寄面单（{len(ids)} 张）"),
                       self._failed, parent=self)

    def print_manifest(self) -> None:
        ws, actor, day = self.ws, self.actor, self.ws.clock.today()
        self.tasks.run(lambda: (delivery.manifest(ws, actor, day), ws.settings()),
                       lambda got: self._draw(lambda path: _write_manifest(got, day, path),
                                              f"交寄清单 {day}（{len(got[0])} 件）"),
                       self._failed, parent=self)

    def export_manifest(self) -> None:
        from PyQt6.QtWidgets import QFileDialog

        day = self.ws.clock.today()
        path, _ = QFileDialog.getSaveFileName(self, "导出交寄清单", f"交寄清单-{day}.xlsx", "Excel (*.xlsx)")
        if path:
            self.save_manifest_xlsx(path)

    def save_manifest_xlsx(self, path: str) -> None:
        ws, actor, day = self.ws, self.actor, self.ws.clock.today()
        self.tasks.run(lambda: (delivery.manifest(ws, actor, day), ws.settings()),
                       lambda got: self.tasks.op(self, lambda: _write_manifest(got, day, Path(path)), CPU)
                       .success(lambda _: self.show_message(f"已导出 {len(got[0])} 件到 {path}"))
                       .failure(self._failed).with_progress("正在导出交寄清单…").run(),
                       self._failed, parent=self)

    def _draw(self, write, title: str) -> None:
        out = Path(tempfile.mkdtemp(prefix="ws-print-")) / "print.pdf"
        self.show_message("正在生成打印预览…", error=False)
        self.tasks.op(self, lambda: (write(out), str(out))[1], CPU) \
            .success(lambda pdf: self._preview(pdf, title)).failure(self._failed) \
            .with_progress(f"正在生成{title}…").run()

    def _preview(self, pdf: str, title: str) -> None:
        from ..preview_dialog import PreviewDialog

        self.last_pdf = pdf
        self.message.setText("")
        dialog = PreviewDialog(pdf, title, self)
        self.previews.append(dialog)
        dialog.show()

    # ---- messages ----------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        self.show_message(error_text(exc), error=True)

    def show_message(self, text: str, *, error: bool = False) -> None:
        say(self.message, text, error=error)


def _write_labels(got, path: Path) -> None:
    from ...services.printouts import write_labels

    records, settings = got
    write_labels(records, settings, path)


def _write_manifest(got, day, path: Path) -> None:
    from ...services.printouts import write_manifest

    records, settings = got
    write_manifest(records, settings, day, path)
