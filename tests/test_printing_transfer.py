"""The 材料流转单 on A4: laid out in the page, drawn to PDF by the render layer, and read
back: the Code 128 slip number and the QR code (number and receipt numbers) decode at
150 and 300 dpi, the Chinese text is real text, the signatures are on the last page."""

import re
from datetime import datetime

import pytest

from printing import render
from printing.layout import A4, Code128, QRCode, Text, outside
from printing.transfer_slip import TransferSlipData, TransferSlipRow, transfer_slip_pages
from workstation.domain.transfer import MAX_ITEMS, format_slip_no, parse_slip_qr, slip_qr_payload

from .test_printing_render import assert_size, codes, page_sizes_mm, pdf, raster, run

NUMBER = format_slip_no("S01", "001", datetime(2026, 9, 30).date(), 1)


@pytest.fixture(autouse=True, scope="module")
def app(qapp):
    assert render.ensure_app() is qapp
    return qapp


def slip(n: int, **extra) -> TransferSlipData:
    rows = tuple(TransferSlipRow(f"6101022026093000{1 + i:05d}",
                                 "食品经营许可（新办）" if i % 2 else "公共场所卫生许可",
                                 "西安市新城区好味道餐饮有限公司" if i % 3 else "张伟", 4 + i % 3,
                                 5 + i % 3) for i in range(n))
    data = dict(organ="西安市新城区行政审批服务局", number=NUMBER, station="S01",
                created_at=datetime(2026, 9, 30, 16, 5), packed_by="赵强",
                qr_payload=slip_qr_payload(NUMBER, [r.receipt_no for r in rows]), rows=rows,
                carrier="")
    data.update(extra)
    return TransferSlipData(**data)


def text_of(path, first=None, last=None) -> str:
    args = ["pdftotext"] + (["-f", str(first), "-l", str(last)] if first else []) + [str(path), "-"]
    return re.sub(r"\s", "", run(*args))


def test_a_slip_of_three_cases(tmp_path):
    data = slip(3, carrier="李师傅")
    pages = transfer_slip_pages(data)
    assert len(pages) == 1 and outside(pages[0]) == []
    kinds = [type(i) for i in pages[0].items]
    assert Code128 in kinds and QRCode in kinds
    path = pdf(pages, tmp_path / "slip.pdf")
    assert_size(page_sizes_mm(path)[0], A4)
    text = text_of(path)
    for fragment in ("材料流转单", "受理编号", "事项", "申请人", "材料件数", "接收核对",
                     "移交人（签字）", "接收人（签字）", "日期：", "送件人（交接人）：李师傅",
                     "共3个案件，纸质材料15件18份", "打包人：赵强", "第1页共1页"):
        assert fragment in text, fragment
    for row in data.rows:
        assert row.receipt_no in text
    for dpi in (150, 300):
        found = codes(raster(path, dpi)[0])
        assert ("CODE128", NUMBER) in found, (dpi, found)
        assert ("QRCODE", data.qr_payload) in found, (dpi, found)
    back = parse_slip_qr(data.qr_payload)
    assert back.slip_no == NUMBER and back.receipts == tuple(r.receipt_no for r in data.rows)


def test_a_full_slip_runs_over_pages(tmp_path):
    data = slip(MAX_ITEMS)
    pages = transfer_slip_pages(data)
    assert len(pages) >= 2 and all(outside(p) == [] for p in pages)
    path = pdf(pages, tmp_path / "full.pdf")
    n = len(pages)
    text = text_of(path)
    for k in range(1, n + 1):
        assert f"第{k}页共{n}页" in text
    for row in data.rows:                       # every case printed, none lost at a page break
        assert row.receipt_no in text
    assert "移交人" not in text_of(path, 1, 1) and "接收人（签字）" in text_of(path, n, n)
    # Every page carries the slip's codes, so any page scanned opens the slip.
    for image in raster(path, 300):
        found = codes(image)
        assert ("CODE128", NUMBER) in found and ("QRCODE", data.qr_payload) in found


def test_long_and_hostile_text_stays_in_its_box(tmp_path):
    rows = (TransferSlipRow("610102202609300010001", "户外广告设施设置审批（大型户外广告）" * 8,
                            "欧阳" + "W" * 300 + "\u202e\x00", 999, 9999),)
    data = slip(1, rows=rows, carrier="张" * 200, packed_by="李\x00四" * 30,
                qr_payload=slip_qr_payload(NUMBER, [rows[0].receipt_no]))
    pages = transfer_slip_pages(data)
    assert all(outside(p) == [] for p in pages)
    texts = [i for i in pages[0].items if isinstance(i, Text)]
    for t in texts:
        lines = t.lines()
        assert all(len(line) < 400 for line in lines)
    path = pdf(pages, tmp_path / "hostile.pdf")
    text = text_of(path)
    assert "…" in text and "\x00" not in text


def test_look_at_it(tmp_path):
    """A picture to look at (tests/../.png kept in tmp): Chinese glyphs are embedded fonts."""
    path = pdf(transfer_slip_pages(slip(5, carrier="李师傅")), tmp_path / "look.pdf")
    fonts = run("pdffonts", str(path))
    assert "yes" in fonts                         # embedded
    image = raster(path, 100)[0]
    image.save(tmp_path / "look.png")
    assert image.size[0] < image.size[1]          # portrait A4
