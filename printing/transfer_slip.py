"""The 材料流转单 on A4, laid out as `Page`s (no Qt here), in the manner of the 交寄清单.

Every page carries the header: the title, the slip number as Code 128 (the centre's
scanner opens the slip with it) and a QR code with the slip number and every
receipt number on it (``LZ1/…``), so the bundle can be checked against the paper
before sync brings the slip over. Then the cases (受理编号, 事项, 申请人, 材料件数,
and a box the receiver ticks), and on the last page the hand-over: 移交人 and 接收人,
each with a signature line and a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from printing.items import n_lines, printable
from printing.layout import (A4, Box, Code128, Line, Page, PageSize, QRCode, Text, clean_for_print,
                             estimate_width, line_pitch_mm)


@dataclass(frozen=True)
class TransferSlipRow:
    receipt_no: str
    matter: str
    applicant: str
    materials: int
    copies: int


@dataclass(frozen=True)
class TransferSlipData:
    organ: str                       # the receiving centre's authority
    number: str
    station: str
    created_at: datetime | date | str
    packed_by: str
    qr_payload: str
    rows: tuple[TransferSlipRow, ...]
    carrier: str = ""


TRANSFER_COLUMNS = ("序号", "受理编号", "事项", "申请人", "材料件数", "接收核对")
_SHARES = (0.06, 0.22, 0.30, 0.22, 0.10, 0.10)
_CELL_LINES = 2
_PAD = 1.0
_MX, _MY = 15.0, 12.0
QR_MM = 44.0
BODY_PT = 9.0


def transfer_cells(i: int, row: TransferSlipRow) -> tuple[str, ...]:
    return (str(i), row.receipt_no, row.matter, row.applicant,
            f"{row.materials}件/{row.copies}份", "")


def _header(data: TransferSlipData, W: float) -> tuple[list, float]:
    """Title, barcode, QR and the slip's facts; returns the items and where the table starts."""
    x0, tw = _MX, W - 2 * _MX
    items: list = [Text(x0, _MY, tw, 10.0, "材料流转单", 18, bold=True, align="center",
                        wrap=False)]
    top = _MY + 12.0
    qx = x0 + tw - QR_MM
    items.append(QRCode(qx, top, QR_MM, data.qr_payload))
    cap = line_pitch_mm(8)
    items.append(Text(qx, top + QR_MM, QR_MM, cap, "接收方扫码核对案件", 8, align="center",
                      wrap=False))
    left_w = tw - QR_MM - 6.0
    items.append(Code128(x0, top + 2.0, min(left_w, 125.0), 17.0, data.number))
    size = 10.0
    row = line_pitch_mm(size)
    y = top + 22.0
    total_m = sum(r.materials for r in data.rows)
    total_c = sum(r.copies for r in data.rows)
    facts = (f"移交站点：{printable(data.station)}",
             f"接收单位：{printable(data.organ)}（区政务服务中心）",
             f"打包时间：{printable(data.created_at)}　打包人：{printable(data.packed_by)}",
             f"共 {len(data.rows)} 个案件，纸质材料 {total_m} 件 {total_c} 份")
    for line in facts:
        items.append(Text(x0, y, left_w, row, line, size, wrap=False))
        y += row
    return items, max(y, top + QR_MM + cap) + 3.0


def transfer_slip_pages(data: TransferSlipData, size: PageSize = A4) -> list[Page]:
    """The slip on as many A4 pages as its cases need; the signatures on the last."""
    W, H = size.width_mm, size.height_mm
    x0, tw = _MX, W - 2 * _MX
    widths = [tw * s for s in _SHARES]
    lefts = [x0 + sum(widths[:k]) for k in range(len(widths))]
    pitch = line_pitch_mm(BODY_PT)
    cells = [transfer_cells(i, r) for i, r in enumerate(data.rows, start=1)]
    heights = []
    for row_cells in cells:
        n = max(n_lines(c, w - 2 * _PAD, BODY_PT, _CELL_LINES) for c, w in zip(row_cells, widths))
        heights.append(min(n, _CELL_LINES) * pitch + 2 * _PAD)
    header, head_top = _header(data, W)
    table_head_h = pitch + 2 * _PAD + 1.0
    body_top = head_top + table_head_h
    page_foot = line_pitch_mm(9) + 2.0
    sign_h = 36.0
    bottom = H - _MY - page_foot

    # Rows to pages: the last page keeps room for the signatures.
    chunks: list[list[int]] = [[]]
    y = body_top
    for k, h in enumerate(heights):
        if y + h > bottom + 1e-9:
            chunks.append([])
            y = body_top
        chunks[-1].append(k)
        y += h
    if y + sign_h > bottom + 1e-9:
        chunks.append([])

    pages = []
    for n, chunk in enumerate(chunks, start=1):
        items = list(header)
        for title, left, w in zip(TRANSFER_COLUMNS, lefts, widths):
            items.append(Text(left + _PAD, head_top, w - 2 * _PAD, table_head_h, title, BODY_PT,
                              bold=True, align="center", wrap=False, valign="middle"))
        y = body_top
        items.append(Line(x0, y, x0 + tw, y, 0.35))
        for k in chunk:
            h = heights[k]
            for text, left, w, col in zip(cells[k], lefts, widths, TRANSFER_COLUMNS):
                if col == "接收核对":
                    side = min(4.0, h - 2 * _PAD)
                    items.append(Box(left + (w - side) / 2, y + (h - side) / 2, side, side, 0.25))
                    continue
                align = "center" if col in ("序号", "材料件数") else "left"
                items.append(Text(left + _PAD, y + _PAD, w - 2 * _PAD, h - 2 * _PAD, text,
                                  BODY_PT, align=align))
            y += h
            items.append(Line(x0, y, x0 + tw, y, 0.2))
        if not chunk:
            items.append(Text(x0, y + 2, tw, 8, "（续上页）" if n > 1 else "（无案件）", BODY_PT,
                              align="center", valign="middle", wrap=False))
            y += 12
            items.append(Line(x0, y, x0 + tw, y, 0.2))
        items.append(Box(x0, head_top, tw, y - head_top, 0.35))
        for left in lefts[1:]:
            items.append(Line(left, head_top, left, y, 0.2))
        if n == len(chunks):
            items += _signatures(data, x0, tw, y + 6.0)
        foot_y = H - _MY - line_pitch_mm(9)
        items.append(Text(x0, foot_y, tw * 0.6, line_pitch_mm(9), f"流转单编号：{data.number}", 9,
                          wrap=False))
        items.append(Text(x0 + tw * 0.6, foot_y, tw * 0.4, line_pitch_mm(9),
                          f"第 {n} 页 共 {len(chunks)} 页", 9, align="right", wrap=False))
        pages.append(Page(size, tuple(items)))
    return pages


def _signatures(data: TransferSlipData, x0: float, tw: float, y: float) -> list:
    size = 10.0
    row = line_pitch_mm(size)
    items: list = []
    carrier = clean_for_print(data.carrier).strip()
    items.append(Text(x0, y, tw, row, f"送件人（交接人）：{carrier}" if carrier else
                      "送件人（交接人）：", size, wrap=False))
    if not carrier:
        lw = estimate_width("送件人（交接人）：", size)
        items.append(Line(x0 + lw, y + row, x0 + tw / 2 - 6, y + row, 0.2))
    y += row + 5.0
    half = tw / 2
    for j, who in enumerate(("移交人（签字）：", "接收人（签字）：")):
        lx = x0 + j * half
        lw = estimate_width(who, size)
        items.append(Text(lx, y, lw, row, who, size, wrap=False))
        items.append(Line(lx + lw, y + row, lx + half - 6, y + row, 0.2))
        date_label = "日期：　　　　年　　月　　日"
        items.append(Text(lx, y + row + 5.0, half - 6, row, date_label, size, wrap=False))
    y += 2 * row + 8.0
    items.append(Text(x0, y, tw, line_pitch_mm(8) * 2,
                      "接收时逐件核对，在“接收核对”栏打勾；缺失的在栏内打叉并在系统中登记（签收有差异）。", 8))
    return items


__all__ = ["TRANSFER_COLUMNS", "TransferSlipData", "TransferSlipRow", "transfer_cells",
           "transfer_slip_pages"]
