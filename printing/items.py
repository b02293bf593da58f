"""The printed items of the output window, laid out as `Page`s (no Qt here).

- `mail_label`: an EMS label (76×130, 100×150 or 100×180 mm) with the zones of
  GB/T 41833-2022: number, destination, recipient, sender, contents, signature.
- `receipt_slip`: the 收件回执 on 80 mm roll paper; it grows with the matters.
- `manifest_pages`: the 交寄清单 handed to the courier with the mail, on A4.

Boxes are sized with `layout.estimate_width`, which is never narrower than the
printing fonts, so what is laid out here fits when it is painted; text that is
too long for its box still ends in "…" rather than overflowing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from printing.layout import (A4_LANDSCAPE, LABEL_100x150, ROLL_80, Box, Code128, Line,
                             Page, PageSize, QRCode, Text, clean_for_print, estimate_width,
                             estimator, line_pitch_mm, lines_fit, wrap_lines)

CONTENTS = "行政审批结果文书"
_MANY = 10_000


def printable(value) -> str:
    """A date, a time or any value as the text printed for it."""
    if isinstance(value, datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return clean_for_print(value).strip()


def n_lines(text: str, w: float, size_pt: float, max_lines: int = _MANY) -> int:
    measure = estimator(size_pt)
    return max(1, len(wrap_lines(text, w, max_lines, measure, generous=measure)))


def _fits(text: str, w: float, h: float, size_pt: float, wrap: bool = True) -> bool:
    if not wrap:
        return estimate_width(clean_for_print(text).strip(), size_pt) <= w
    return n_lines(text, w, size_pt, lines_fit(h, size_pt) + 1) <= lines_fit(h, size_pt)


def _fit_size(text: str, w: float, h: float, size_pt: float, min_pt: float, *,
              wrap: bool = True) -> float:
    """The largest size from `size_pt` down to `min_pt` (by half points) at which the text
    fits its box; `min_pt` when none does (the text is then cut with "…")."""
    size = size_pt
    while size > min_pt:
        if lines_fit(h, size) >= 1 and _fits(text, w, h, size, wrap):
            return size
        size -= 0.5
    return min_pt


# ---------------------------------------------------------------- EMS label


@dataclass(frozen=True)
class LabelData:
    waybill: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    destination: str                # "陕西省 西安市 新城区"
    postcode: str
    sender_name: str
    sender_phone: str
    sender_address: str
    contents: str = CONTENTS
    receipt_no: str = ""


# Zone heights for a 96 mm wide, 146 mm high print area, and the share of any
# extra height each zone takes.
_ZONES = (("number", 22.0, 0.20), ("destination", 12.0, 0.10), ("recipient", 34.0, 0.35),
          ("sender", 19.0, 0.15), ("contents", 10.0, 0.05), ("signature", 13.0, 0.15))


@dataclass(frozen=True, eq=False)
class _Frame:
    """A label size's zones, and what is printed the same on every label of that size."""

    x0: float
    iw: float
    f: float                        # font scale
    tops: dict
    heights: dict
    items: tuple                    # the outline, zone lines, 收/寄 tags, signature texts


_PAD = 1.5


@lru_cache(maxsize=16)
def _label_frame(size: PageSize) -> _Frame:
    W, H = size.width_mm, size.height_mm
    if W < 70 or H < 120:
        raise ValueError(f"label {W}×{H} mm is too small (at least 70×120)")
    m = 2.0
    x0, y0, iw, ih = m, m, W - 2 * m, H - 2 * m
    f = min(max(min(iw / 96, ih / 146), 0.8), 1.1)
    base = {name: h * f for name, h, _ in _ZONES}
    extra = ih - sum(base.values())
    heights = {name: base[name] + extra * share for name, _, share in _ZONES}
    items: list = [Box(x0, y0, iw, ih, 0.4)]
    y = y0
    tops = {}
    for name, _, _ in _ZONES:
        tops[name] = y
        y += heights[name]
        if name != "signature":
            items.append(Line(x0, y, x0 + iw, y, 0.4 if name == "number" else 0.25))
    tag_w = 8.0 * f
    for zone, tag in (("recipient", "收"), ("sender", "寄")):
        t, h = tops[zone], heights[zone]
        items.append(Line(x0 + tag_w, t, x0 + tag_w, t + h, 0.25))
        items.append(Text(x0, t, tag_w, h, tag, 14 * f, bold=True, align="center",
                          valign="middle"))
    t, h = tops["signature"], heights["signature"]
    size_pt = 8.5 * f
    row = line_pitch_mm(size_pt)
    items.append(Text(x0 + _PAD, t + _PAD, iw - 2 * _PAD, row, "收件人签名：", size_pt,
                      bold=True, wrap=False))
    items.append(Text(x0 + _PAD, t + h - _PAD - row, iw - 2 * _PAD, row,
                      "签收时间：　　年　　月　　日　　时", size_pt, align="right", wrap=False))
    return _Frame(x0, iw, f, tops, heights, tuple(items))


def _party(frame: _Frame, zone: str, name_pt: float, addr_pt: float, min_pt: float,
           person: str, phone: str, address: str, postcode: str) -> tuple:
    """Name and phone on one line, the address under them, the postcode at the bottom."""
    f = frame.f
    tag_w = 8.0 * f
    cx, cw = frame.x0 + tag_w + _PAD, frame.iw - tag_w - 2 * _PAD
    t, h = frame.tops[zone], frame.heights[zone]
    name_pt *= f
    row = line_pitch_mm(name_pt)
    phone = clean_for_print(phone).strip()
    phone_w = min(estimate_width(phone, name_pt) + 1, cw * 0.5)
    items = [Text(cx, t + _PAD, cw - phone_w - 2, row, person, name_pt, bold=True, wrap=False),
             Text(cx + cw - phone_w, t + _PAD, phone_w, row, phone, name_pt, align="right",
                  wrap=False)]
    code_h = line_pitch_mm(9 * f) if postcode else 0.0
    ay = t + _PAD + row + 0.8
    ah = t + h - _PAD - code_h - ay
    items.append(Text(cx, ay, cw, ah, address, _fit_size(address, cw, ah, addr_pt * f, min_pt)))
    if postcode:
        items.append(Text(cx, t + h - _PAD - code_h, cw, code_h, f"邮政编码：{postcode}", 9 * f,
                          align="right", wrap=False))
    return tuple(items)


@lru_cache(maxsize=64)
def _sender(frame: _Frame, name: str, phone: str, address: str) -> tuple:
    return _party(frame, "sender", 9.0, 8.5, 6.5, name, phone, address, "")


def mail_label(data: LabelData, size: PageSize = LABEL_100x150) -> Page:
    """An EMS label for `data` on `size` (76×130, 100×150 or 100×180 mm; other sizes
    at least 70 mm wide and 120 mm high work too)."""
    frame = _label_frame(size)
    x0, iw, f, tops, heights = frame.x0, frame.iw, frame.f, frame.tops, frame.heights
    items = list(frame.items)

    # 1. Number: the waybill as Code 128 with its text.
    t, h = tops["number"], heights["number"]
    items.append(Code128(x0 + _PAD, t + _PAD, iw - 2 * _PAD, h - 2 * _PAD, data.waybill))

    # 2. Destination, big, one line.
    t, h = tops["destination"], heights["destination"]
    dest = clean_for_print(data.destination).strip()
    size_pt = _fit_size(dest, iw - 2 * _PAD, h - 1, 22 * f, 9, wrap=False)
    items.append(Text(x0 + _PAD, t + 0.5, iw - 2 * _PAD, h - 1, dest, size_pt, bold=True,
                      align="center", wrap=False, valign="middle"))

    # 3. Recipient, 4. sender (the bureau: the same on every label).
    items += _party(frame, "recipient", 13.0, 12.0, 7.0, data.recipient_name,
                    data.recipient_phone, data.recipient_address, data.postcode)
    items += _sender(frame, data.sender_name, data.sender_phone, data.sender_address)

    # 5. Contents: what is inside and the case it belongs to.
    t, h = tops["contents"], heights["contents"]
    size_pt = 8.5 * f
    row = line_pitch_mm(size_pt)
    items.append(Text(x0 + _PAD, t + (h - 2 * row) / 2, iw - 2 * _PAD, row,
                      f"内件品名：{clean_for_print(data.contents).strip() or CONTENTS}", size_pt,
                      wrap=False))
    if data.receipt_no:
        items.append(Text(x0 + _PAD, t + (h - 2 * row) / 2 + row, iw - 2 * _PAD, row,
                          f"受理编号：{data.receipt_no}", size_pt, wrap=False))
    return Page(size, tuple(items))


# ---------------------------------------------------------------- receipt slip


@dataclass(frozen=True)
class SlipData:
    organ: str
    receipt_no: str
    applicant: str
    matters: tuple[str, ...]
    received_at: datetime | str
    promised_date: date | str
    clerk: str
    progress_qr: str                # payload of the "办理进度查询" QR code
    rating_qr: str                  # payload of the 好差评 QR code
    hotline: str = "12345"


SLIP_MARGIN = 4.0                   # left and right: 72 mm printed on 80 mm paper
SLIP_MATTER_LINES = 4               # a matter's name is cut after four lines


def receipt_slip(data: SlipData) -> Page:
    """The 收件回执 on an 80 mm roll; the page is as long as its content."""
    W = ROLL_80.width_mm
    x0, iw = SLIP_MARGIN, W - 2 * SLIP_MARGIN
    items: list = []
    y = 4.0

    def text(s: str, size_pt: float, *, bold=False, align="left", max_lines=3, x=x0, w=iw,
             gap=0.6) -> float:
        nonlocal y
        n = min(n_lines(s, w, size_pt, max_lines), max_lines)
        h = n * line_pitch_mm(size_pt)
        items.append(Text(x, y, w, h, s, size_pt, bold=bold, align=align))
        return h + gap

    y += text(data.organ, 11, bold=True, align="center", max_lines=2)
    y += text("收件回执", 15, bold=True, align="center", max_lines=1, gap=1.5)
    items.append(Code128(x0, y, iw, 14, data.receipt_no))
    y += 14 + 1.5
    items.append(Line(x0, y, x0 + iw, y, 0.25))
    y += 1.5

    size_pt = 9.0
    label_w = estimate_width("承诺办结：", size_pt)
    vx, vw = x0 + label_w, iw - label_w

    def field(label: str, value: str, max_lines: int = 3) -> None:
        nonlocal y
        items.append(Text(x0, y, label_w, line_pitch_mm(size_pt), label, size_pt, wrap=False))
        y += text(value, size_pt, x=vx, w=vw, max_lines=max_lines)

    field("申请人：", printable(data.applicant), 2)
    matters = [clean_for_print(m).strip() for m in data.matters] or ["—"]
    items.append(Text(x0, y, label_w, line_pitch_mm(size_pt), "办理事项：", size_pt, wrap=False))
    # Numbered when there are several, the lines of a long name under its first letter.
    num_w = estimate_width(f"{len(matters)}.", size_pt) + 0.8 if len(matters) > 1 else 0.0
    for i, matter in enumerate(matters, start=1):
        if num_w:
            items.append(Text(vx, y, num_w, line_pitch_mm(size_pt), f"{i}.", size_pt,
                              wrap=False))
        y += text(matter, size_pt, x=vx + num_w, w=vw - num_w, max_lines=SLIP_MATTER_LINES,
                  gap=0.3)
    y += 0.3
    field("收件时间：", printable(data.received_at), 1)
    field("承诺办结：", printable(data.promised_date), 2)
    field("受理人：", printable(data.clerk), 1)
    y += 0.9
    items.append(Line(x0, y, x0 + iw, y, 0.25))
    y += 1.5

    qr = 30.0
    cap_pt = 8.0
    for qx, payload, caption in ((x0 + 1, data.progress_qr, "扫码查询办理进度"),
                                 (x0 + iw - 1 - qr, data.rating_qr, "扫码评价（好差评）")):
        items.append(QRCode(qx, y, qr, payload))
        items.append(Text(qx - 2, y + qr, qr + 4, line_pitch_mm(cap_pt), caption, cap_pt,
                          align="center", wrap=False))
    y += qr + line_pitch_mm(cap_pt) + 1.5
    y += text(f"咨询投诉电话：{printable(data.hotline)}", 9, align="center", max_lines=1)
    y += text("请妥善保管本回执，凭回执领取办理结果。", 8, align="center", max_lines=2)
    y += 8.0                        # room for the cutter
    return Page(ROLL_80.with_height(y), tuple(items))


# ---------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ManifestRow:
    waybill: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    postcode: str
    receipt_no: str


@dataclass(frozen=True)
class ManifestData:
    organ: str
    date: date | str
    rows: tuple[ManifestRow, ...]


MANIFEST_COLUMNS = ("序号", "运单号", "收件人", "电话", "收件地址", "邮编", "受理编号")
# The widest a column may be, as a share of the table width; columns are as wide as
# their longest cell up to that, and the address takes what is left.
_CAPS = (0.06, 0.16, 0.12, 0.14, None, 0.07, 0.2)
_CELL_LINES = 3
_CELL_PAD = 1.0


def manifest_cells(i: int, row: ManifestRow) -> tuple[str, ...]:
    return (str(i), row.waybill, row.recipient_name, row.recipient_phone, row.recipient_address,
            row.postcode, row.receipt_no)


def manifest_pages(data: ManifestData, size: PageSize = A4_LANDSCAPE) -> list[Page]:
    """The 交寄清单 on as many pages as the rows need (A4 landscape by default, A4 works too).
    Each page has the header, the table head, the courier's signature lines and
    "第 n 页 共 m 页"; no rows give one page saying 无交寄邮件."""
    W, H = size.width_mm, size.height_mm
    mx, my = 12.0, 10.0
    x0, tw = mx, W - 2 * mx
    body_pt = 9.0 if tw > 230 else 8.0
    rows = list(data.rows)
    cells = [manifest_cells(i, row) for i, row in enumerate(rows, start=1)]
    widths = []
    for k, cap in enumerate(_CAPS):
        if cap is None:
            widths.append(0.0)
            continue
        need = max(estimate_width(clean_for_print(c[k]).strip(), body_pt)
                   for c in [MANIFEST_COLUMNS, *cells]) + 2 * _CELL_PAD + 0.2
        widths.append(min(need, cap * tw))
    widths[MANIFEST_COLUMNS.index("收件地址")] = tw - sum(widths)
    lefts = [x0 + sum(widths[:k]) for k in range(len(widths))]
    pitch = line_pitch_mm(body_pt)

    head_top = my + 9.0 + line_pitch_mm(10) + 2.0         # title, info row, gap
    table_head_h = pitch + 2 * _CELL_PAD + 1.0
    footer_h = 22.0
    body_top = head_top + table_head_h
    body_bottom = H - my - footer_h

    # Row heights, then pages.
    heights = []
    for row_cells in cells:
        n = max(n_lines(c, w - 2 * _CELL_PAD, body_pt, _CELL_LINES)
                for c, w in zip(row_cells, widths))
        heights.append(min(n, _CELL_LINES) * pitch + 2 * _CELL_PAD)
    chunks: list[list[int]] = []
    y = body_bottom
    for k, h in enumerate(heights):
        if y + h > body_bottom + 1e-9:
            chunks.append([])
            y = body_top
        chunks[-1].append(k)
        y += h
    if not chunks:
        chunks = [[]]

    total = len(rows)
    when = printable(data.date)
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        items: list = []
        items.append(Text(x0, my, tw, 9.0, "邮件交寄清单", 16, bold=True, align="center",
                          wrap=False))
        info_y, info_h = my + 9.0, line_pitch_mm(10)
        items.append(Text(x0, info_y, tw * 0.5, info_h, f"交寄单位：{printable(data.organ)}", 10,
                          wrap=False))
        items.append(Text(x0 + tw * 0.5, info_y, tw * 0.3, info_h, f"交寄日期：{when}", 10,
                          wrap=False))
        items.append(Text(x0 + tw * 0.8, info_y, tw * 0.2, info_h, f"邮件总数：{total} 件", 10,
                          align="right", wrap=False))
        # Table head.
        for title, left, w in zip(MANIFEST_COLUMNS, lefts, widths):
            items.append(Text(left + _CELL_PAD, head_top, w - 2 * _CELL_PAD, table_head_h, title,
                              body_pt, bold=True, align="center", wrap=False, valign="middle"))
        y = body_top
        items.append(Line(x0, y, x0 + tw, y, 0.35))
        for k in chunk:
            h = heights[k]
            for text, left, w, col in zip(cells[k], lefts, widths, MANIFEST_COLUMNS):
                align = "center" if col in ("序号", "邮编") else "left"
                items.append(Text(left + _CELL_PAD, y + _CELL_PAD, w - 2 * _CELL_PAD,
                                  h - 2 * _CELL_PAD, text, body_pt, align=align))
            y += h
            items.append(Line(x0, y, x0 + tw, y, 0.2))
        if not rows:
            items.append(Text(x0, y + 4, tw, 12, "无交寄邮件", 16, bold=True, align="center",
                              valign="middle", wrap=False))
            y += 20
            items.append(Line(x0, y, x0 + tw, y, 0.2))
        items.append(Box(x0, head_top, tw, y - head_top, 0.35))
        for left in lefts[1:]:
            items.append(Line(left, head_top, left, body_top if not rows else y, 0.2))

        # Footer: signatures, this page's count, page numbers.
        fy = H - my - footer_h + 4
        row_h = line_pitch_mm(10)
        sign_w = tw / 3
        for j, label in enumerate(("交寄人（签字）：", "揽收人（签字）：", "交接时间：")):
            lx = x0 + j * sign_w
            lw = estimate_width(label, 10)
            items.append(Text(lx, fy, lw, row_h, label, 10, wrap=False))
            items.append(Line(lx + lw, fy + row_h, lx + sign_w - 6, fy + row_h, 0.2))
        items.append(Text(x0, H - my - line_pitch_mm(9), tw * 0.3, line_pitch_mm(9),
                          f"本页 {len(chunk)} 件", 9, wrap=False))
        items.append(Text(x0 + tw * 0.3, H - my - line_pitch_mm(9), tw * 0.4, line_pitch_mm(9),
                          f"第 {n} 页 共 {len(chunks)} 页", 9, align="center", wrap=False))
        pages.append(Page(size, tuple(items)))
    return pages


__all__ = ["CONTENTS", "LabelData", "MANIFEST_COLUMNS", "ManifestData", "ManifestRow", "SlipData",
           "mail_label", "manifest_cells", "manifest_pages", "printable", "receipt_slip"]
