"""材料流转 (Ctrl+Shift+L, or a scanned slip): the station packs and hands over its
cases' paper; the centre scans the slip and ticks each bundle.

Keyboard first: the slip field has the focus (a hand scanner types into it and
Enter opens the slip); Space ticks the current row; F5 packs the ticked cases (at a
station) or signs for the slip (at the centre: unticked rows are recorded missing,
with the note); F6 hands a packed slip over to the 送件人 typed in; F9 previews the
slip for printing; Esc closes. Esc on an open slip goes back to the pending list.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..domain.transfer import CENTRE_STATION
from ..services import transfers
from .qt import (QDialog, QFormLayout, QHBoxLayout, QKeySequence, QLabel, QLineEdit, QShortcut,
                 Qt, QVBoxLayout, pyqtSignal)
from .scanner import SCAN_TARGET
from .table_model import RowTableModel, row_table
from .messages import error_text, say


class CheckRowsModel(RowTableModel):
    """Rows (dicts) with a tick in the first column."""

    COLUMNS = ("", "受理编号", "事项", "申请人", "材料件数", "状态")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ticked: set[int] = set()
        self.checkable = True

    def reset(self, rows: list, *, ticked: bool = True, checkable: bool = True) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.ticked = set(range(len(self.rows))) if ticked else set()
        self.checkable = checkable
        self.endResetModel()

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and index.column() == 0 and self.checkable:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return (Qt.CheckState.Checked if index.row() in self.ticked
                    else Qt.CheckState.Unchecked)
        if role != Qt.ItemDataRole.DisplayRole or col == 0:
            return None
        return (row["receipt_no"], row["matter"], row["applicant"],
                f"{row['materials']}件/{row['copies']}份",
                row.get("state_label") or row.get("status_label", ""))[col - 1]

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802 - Qt's name
        if not (index.isValid() and index.column() == 0 and self.checkable
                and role == Qt.ItemDataRole.CheckStateRole):
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(value)
        if state == Qt.CheckState.Checked:
            self.ticked.add(index.row())
        else:
            self.ticked.discard(index.row())
        self.dataChanged.emit(index, index, [role])
        return True

    def toggle(self, row: int) -> None:
        index = self.index(row, 0)
        self.setData(index, Qt.CheckState.Unchecked if row in self.ticked else Qt.CheckState.Checked,
                     Qt.ItemDataRole.CheckStateRole)

    def ticked_rows(self) -> list[dict]:
        return [r for k, r in enumerate(self.rows) if k in self.ticked]

    def unticked_rows(self) -> list[dict]:
        return [r for k, r in enumerate(self.rows) if k not in self.ticked]


class TransferDialog(QDialog):
    """Attributes:
        slip: the slip shown (transfers.show's dict), or None for the pending list.
        model: the rows, ticked (pending cases, or a slip's bundles).
    Signals:
        changed: a slip was packed, handed over or signed for.
    """

    changed = pyqtSignal()

    def __init__(self, ws, actor, tasks, parent=None, number: str | None = None):
        super().__init__(parent)
        self.ws, self.actor, self.tasks = ws, actor, tasks
        self.centre = actor.station == CENTRE_STATION
        self.slip: dict | None = None
        self.previews: list = []
        self.setWindowTitle("材料流转" + ("（签收）" if self.centre else "（打包移交）"))
        self.resize(900, 560)
        self._init_widgets()
        self._connect_signals()
        if number:
            self.number.setText(number)
            self.open_slip()
        elif not self.centre:
            self.load_pending()
        else:
            self.show_message("扫描材料流转单上的条码或二维码，或输入流转单编号后回车")

    def _init_widgets(self) -> None:
        self.number = QLineEdit(objectName="number", maxLength=4000)
        self.number.setPlaceholderText("扫描或输入材料流转单编号，回车打开")
        self.number.setProperty(SCAN_TARGET, True)
        self.title = QLabel(objectName="title")
        self.model = CheckRowsModel(self)
        self.table = row_table(self.model, "transfer_items")
        self.carrier = QLineEdit(objectName="carrier", maxLength=50)
        self.carrier.setPlaceholderText("交接出站时填写送件人姓名")
        self.note = QLineEdit(objectName="note", maxLength=500)
        self.note.setPlaceholderText("签收有差异时写明情况")
        self.message = QLabel(objectName="message", wordWrap=True)
        keys = QLabel("空格 勾选/取消　F5 " + ("签收（未勾选的记为缺失）" if self.centre else "打包勾选的案件")
                      + ("" if self.centre else "　F6 交接出站") + "　F9 打印预览　Esc 返回/关闭")
        form = QFormLayout()
        form.addRow("流转单编号(&N)", self.number)
        if self.centre:
            form.addRow("签收备注(&R)", self.note)
        else:
            form.addRow("送件人(&C)", self.carrier)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(keys)
        layout.addLayout(bottom)

    def _connect_signals(self) -> None:
        self.number.returnPressed.connect(self.open_slip)
        QShortcut(QKeySequence("F5"), self, activated=self.primary)
        QShortcut(QKeySequence("F6"), self, activated=self.send)
        QShortcut(QKeySequence("F9"), self, activated=self.preview)
        QShortcut(QKeySequence("Space"), self.table, activated=self._toggle_current,
                  context=Qt.ShortcutContext.WidgetShortcut)

    # ---- loading ---------------------------------------------------------------------------

    def load_pending(self) -> None:
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: transfers.pending_cases(ws, actor), self._show_pending, self._failed, parent=self)

    def _show_pending(self, rows) -> None:
        self.slip = None
        self.model.reset([r.to_json() for r in rows])
        self.title.setText(f"本站待移交纸质材料的案件：{len(rows)} 件（勾选后按 F5 打包）")
        if rows:
            self.table.setFocus()
            self.table.setCurrentIndex(self.model.index(0, 0))

    def open_slip(self) -> None:
        key = self.number.text().strip()
        if not key:
            return
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: transfers.show(ws, actor, key), self._show_slip, self._failed, parent=self)

    def _show_slip(self, slip: dict) -> None:
        self.slip = slip
        self.number.setText(slip["number"])
        receiving = self.centre and slip["status"] == "sent"
        self.model.reset(slip["items"], ticked=receiving or slip["status"] != "sent",
                         checkable=receiving)
        line = (f"{slip['number']}　{slip['status_label']}　站点 {slip['station']}　"
                f"{slip['cases']} 个案件，纸质材料 {slip['materials']} 件 {slip['copies']} 份")
        if slip["carrier"]:
            line += f"　送件人 {slip['carrier']}"
        self.title.setText(line)
        if receiving:
            self.show_message("逐件核对：未收到的取消勾选（空格），再按 F5 签收", error=False)
            self.table.setFocus()
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.message.setText("")

    def _toggle_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid() and self.model.checkable:
            self.model.toggle(index.row())

    # ---- actions ---------------------------------------------------------------------------

    def primary(self) -> None:
        if self.centre:
            self.receive()
        else:
            self.pack()

    def pack(self) -> None:
        if self.slip is not None:
            self.show_message("这是已打包的流转单；按 Esc 回到待移交案件列表", error=True)
            return
        ids = [r["case_id"] for r in self.model.ticked_rows()]
        if not ids:
            self.show_message("请勾选要移交的案件（空格）", error=True)
            return
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: transfers.create(ws, actor, ids),
                       lambda slip: self._done(slip, f"已打包流转单 {slip['number']}，按 F9 打印，"
                                                     "交出时填写送件人后按 F6"), self._failed, parent=self)

    def send(self) -> None:
        if self.centre:
            return
        if self.slip is None:
            self.show_message("请先打包或打开一张流转单", error=True)
            return
        number, carrier = self.slip["number"], self.carrier.text()
        ws, actor = self.ws, self.actor
        self.tasks.run(lambda: transfers.send(ws, actor, number, carrier),
                       lambda slip: self._done(slip, f"流转单 {slip['number']} 已交接出站（送件人 "
                                                     f"{slip['carrier']}）"), self._failed, parent=self)

    def receive(self) -> None:
        if self.slip is None:
            self.show_message("请先扫描材料流转单", error=True)
            return
        number = self.slip["number"]
        missing = [r["case_id"] for r in self.model.unticked_rows()]
        note = self.note.text()
        ws, actor = self.ws, self.actor

        def done(slip):
            text = (f"流转单 {slip['number']} 已签收" if not slip["missing"] else
                    f"流转单 {slip['number']} 签收有差异：缺失 {slip['missing']} 件，已登记")
            self._done(slip, text)

        self.tasks.run(lambda: transfers.receive(ws, actor, number, missing, note), done,
                       self._failed, parent=self)

    def _done(self, slip: dict, text: str) -> None:
        self._show_slip(slip)
        self.show_message(text, error=False)
        self.changed.emit()

    def preview(self) -> None:
        if self.slip is None:
            self.show_message("请先打包或打开一张流转单", error=True)
            return
        from ..services.printouts import write_transfer_slip

        slip, ws = self.slip, self.ws
        out = Path(tempfile.mkdtemp(prefix="ws-print-")) / f"{slip['number']}.pdf"
        # The settings are read on the worker too: nothing touches the database here.
        self.tasks.run(lambda: (write_transfer_slip(slip, ws.settings(), out), str(out))[1],
                       self._preview, self._failed, parent=self)

    def _preview(self, pdf: str) -> None:
        from .preview_dialog import PreviewDialog

        self.last_pdf = pdf
        dialog = PreviewDialog(pdf, f"材料流转单 {self.slip['number']}", self)
        self.previews.append(dialog)
        dialog.show()

    # ---- messages and keys -----------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        self.show_message(error_text(exc), error=True)

    def show_message(self, text: str, *, error: bool = False) -> None:
        say(self.message, text, error=error)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape and self.slip is not None and not self.centre:
            self.number.clear()
            self.load_pending()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is not self.number:
            return                  # Enter never closes the dialog: a scanner ends codes with it
        super().keyPressEvent(event)


__all__ = ["CheckRowsModel", "TransferDialog"]
