"""The 交寄清单 as an Excel workbook (openpyxl), for couriers that want a file.

Same columns as the printed manifest. Every cell the clerk or the applicant
typed is stored as text: waybill and receipt numbers of 21 digits or with
leading zeros stay as they are, and a value starting with = + - @ is never
taken for a formula when the courier opens the file.
"""

from __future__ import annotations

import os

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from printing.items import MANIFEST_COLUMNS, ManifestData, printable, manifest_cells
from printing.layout import clean_for_print

COLUMN_WIDTHS = (6, 18, 12, 15, 48, 9, 25)      # in characters, as Excel counts them
HEADER_ROW = 4                                  # the table head; data below it
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _text(cell, value) -> None:
    """Write `value` as a text cell, whatever it looks like."""
    value = clean_for_print(value).strip()
    cell.value = value
    cell.data_type = "s"                # not a formula ("=…") nor an error code ("#N/A")
    cell.number_format = "@"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True         # Excel keeps it as text when the cell is edited


def manifest_xlsx(data: ManifestData, path_or_bytesio) -> None:
    """Write the manifest as .xlsx to a path or a binary file object."""
    wb = Workbook()
    ws = wb.active
    ws.title = "交寄清单"
    ncol = len(MANIFEST_COLUMNS)
    last = get_column_letter(ncol)
    rows = list(data.rows)

    ws.merge_cells(f"A1:{last}1")
    _text(ws["A1"], "邮件交寄清单")
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:D2")
    _text(ws["A2"], f"交寄单位：{printable(data.organ)}")
    _text(ws["E2"], f"交寄日期：{printable(data.date)}")
    ws.merge_cells(f"F2:{last}2")
    _text(ws["F2"], f"邮件总数：{len(rows)} 件")
    ws["F2"].alignment = Alignment(horizontal="right")

    for col, (title, width) in enumerate(zip(MANIFEST_COLUMNS, COLUMN_WIDTHS), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        cell = ws.cell(HEADER_ROW, col)
        _text(cell, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = _BORDER

    wrap = Alignment(vertical="top", wrap_text=True)
    r = HEADER_ROW
    for i, row in enumerate(rows, start=1):
        r = HEADER_ROW + i
        for col, value in enumerate(manifest_cells(i, row), start=1):
            cell = ws.cell(r, col)
            if col == 1:
                cell.value = i          # the running number is a number
            else:
                _text(cell, value)
            cell.alignment = wrap
            cell.border = _BORDER
    if not rows:
        r = HEADER_ROW + 1
        ws.merge_cells(f"A{r}:{last}{r}")
        _text(ws[f"A{r}"], "无交寄邮件")
        ws[f"A{r}"].alignment = Alignment(horizontal="center")

    sign = r + 2
    _text(ws.cell(sign, 2), "交寄人（签字）：")
    _text(ws.cell(sign, 5), "揽收人（签字）：")
    _text(ws.cell(sign + 1, 2), "交接时间：")

    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"

    if isinstance(path_or_bytesio, (str, os.PathLike)):
        wb.save(os.fspath(path_or_bytesio))
    else:
        wb.save(path_or_bytesio)
