"""Printed items through Qt: PDFs of the right size, codes that scan back exactly at
150 and 300 dpi, Chinese glyphs rather than boxes, text that stays in its box,
the printer path and the Excel manifest."""

import io
import re
import subprocess
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image, ImageChops

from printing import render
from printing.codes import decode_codes
from printing.items import (LabelData, ManifestData, ManifestRow, SlipData, mail_label,
                            manifest_pages, receipt_slip)
from printing.layout import (A4_LANDSCAPE, LABEL_SIZES, Box, Code128, Page, PageSize, Text,
                             estimate_width, line_pitch_mm, lines_fit)
from printing.xlsx import manifest_xlsx
from printing.errors import PrintError

RECEIPT_NO = "610102202609300010001"
WAYBILL = "EA123456789CN"
MM_PER_PT = 25.4 / 72
PT_TOLERANCE_MM = 0.3       # Qt writes page sizes in whole points (±0.18 mm)

LABEL = LabelData(
    waybill=WAYBILL, recipient_name="张三丰", recipient_phone="13912345678",
    recipient_address="陕西省西安市新城区东五路8号院3号楼2单元1101室",
    destination="陕西省 西安市 新城区", postcode="710004",
    sender_name="西安市新城区行政审批服务局", sender_phone="029-87654321",
    sender_address="西安市新城区长乐西路123号政务服务中心一楼出件窗口", receipt_no=RECEIPT_NO)
HOSTILE = replace(
    LABEL, waybill="1100000000001", recipient_name="欧阳" + "很长的名字WWW" * 30,
    recipient_phone="13912345678-8888" * 8,
    recipient_address="陕西省西安市新城区东五路8号院，" * 30 + "Room 1101 " * 20 + "W" * 300,
    destination="新疆维吾尔自治区 伊犁哈萨克自治州 察布查尔锡伯自治县" * 3,
    sender_address="@" * 500, contents="%" * 200)
SLIP = SlipData(
    organ="西安市新城区行政审批服务局", receipt_no=RECEIPT_NO,
    applicant="西安市新城区好味道餐饮有限公司",
    matters=("食品经营许可（新办）", "公共场所卫生许可",
             "户外广告设施设置审批（大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批）"),
    received_at=datetime(2026, 9, 30, 10, 15), promised_date=date(2026, 10, 9), clerk="王敏",
    progress_qr="https://zwfw.xincheng.gov.cn/q?n=" + RECEIPT_NO,
    rating_qr="好差评|西安市新城区行政审批服务局|" + RECEIPT_NO)


@pytest.fixture(autouse=True, scope="module")
def app(qapp):
    """One QApplication for the session (pytest-qt's), so that render never makes a
    QGuiApplication that the widget tests could not use."""
    assert render.ensure_app() is qapp
    return qapp


def pdf(pages, path: Path) -> Path:
    render.render_pdf(pages, path)
    assert path.read_bytes().startswith(b"%PDF")
    return path


def run(*args) -> str:
    return subprocess.run(args, check=True, capture_output=True, timeout=60).stdout.decode()


def page_sizes_mm(path: Path) -> list[tuple[float, float]]:
    out = run("pdfinfo", "-f", "1", "-l", "9999", str(path))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)
    return [(float(w) * MM_PER_PT, float(h) * MM_PER_PT) for w, h in sizes]


def raster(path: Path, dpi: int, first: int = 1, last: int | None = None) -> list[Image.Image]:
    out = path.with_suffix("")
    args = ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(first)]
    if last:
        args += ["-l", str(last)]
    run(*args, str(path), f"{out}-{dpi}")
    files = sorted(path.parent.glob(f"{out.name}-{dpi}-*.png"))
    return [Image.open(f).convert("L") for f in files]


def codes(image) -> set[tuple[str, str]]:
    return {(d["type"], d["data"]) for d in decode_codes(image)}


def assert_size(actual, expected: PageSize):
    assert abs(actual[0] - expected.width_mm) <= PT_TOLERANCE_MM, (actual, expected)
    assert abs(actual[1] - expected.height_mm) <= PT_TOLERANCE_MM, (actual, expected)


# ---------------------------------------------------------------- labels, slip, manifest


def test_labels_of_every_size_in_one_pdf(tmp_path):
    pages = [mail_label(LABEL, size) for size in LABEL_SIZES] + [mail_label(HOSTILE)]
    path = pdf(pages, tmp_path / "labels.pdf")
    sizes = page_sizes_mm(path)
    assert len(sizes) == 4
    for actual, page in zip(sizes, pages):
        assert_size(actual, page.size)
    for dpi in (150, 300):
        images = raster(path, dpi)
        assert len(images) == 4
        for image, label in zip(images, (LABEL, LABEL, LABEL, HOSTILE)):
            assert codes(image) == {("CODE128", label.waybill)}, dpi
    text = run("pdftotext", "-f", "1", "-l", "1", str(path), "-")
    for part in ("陕西省 西安市 新城区", "张三丰", "13912345678", "西安市新城区行政审批服务局",
                 "行政审批结果文书", RECEIPT_NO, "收件人签名", WAYBILL):
        assert part in text, part


def test_slip_codes_scan_back(tmp_path):
    page = receipt_slip(SLIP)
    path = pdf([page], tmp_path / "slip.pdf")
    (size,) = page_sizes_mm(path)
    assert_size(size, page.size)
    assert abs(size[0] - 80) <= PT_TOLERANCE_MM
    expected = {("CODE128", RECEIPT_NO), ("QRCODE", SLIP.progress_qr), ("QRCODE", SLIP.rating_qr)}
    for dpi in (150, 300):
        (image,) = raster(path, dpi)
        assert codes(image) == expected, dpi
    text = run("pdftotext", str(path), "-")
    for part in ("收件回执", "食品经营许可（新办）", "扫码查询办理进度", "好差评", "王敏"):
        assert part in text, part


def test_bars_are_at_least_a_third_of_a_millimetre_on_paper(tmp_path):
    """Measure the narrowest bar of the slip's barcode in the 300 dpi picture."""
    page = receipt_slip(SLIP)
    code = next(it for it in page.items if isinstance(it, Code128))
    (image,) = raster(pdf([page], tmp_path / "bars.pdf"), 300)
    px_per_mm = 300 / 25.4
    y = round((code.y + code.bar_height / 2) * px_per_mm)
    row = [image.getpixel((x, y)) < 128 for x in range(image.width)]
    runs, x = [], 0
    while x < len(row):
        k = x
        while k < len(row) and row[k] == row[x]:
            k += 1
        if row[x]:
            runs.append(k - x)
        x = k
    assert len(runs) == len(code.bars())
    assert min(runs) / px_per_mm >= 0.33 - 0.5 / px_per_mm     # within half a pixel


def test_manifest_500_rows(tmp_path):
    rows = tuple(ManifestRow(f"EA{100000000 + i:09d}CN", f"收件人{i}", f"139{i:08d}",
                             "陕西省西安市新城区东五路8号院3号楼2单元1101室" * (1 + i % 3),
                             "710004", f"6101022026093000{i:05d}") for i in range(500))
    pages = manifest_pages(ManifestData("西安市新城区行政审批服务局", date(2026, 9, 30), rows))
    path = pdf(pages, tmp_path / "manifest.pdf")
    sizes = page_sizes_mm(path)
    assert len(sizes) == len(pages) > 10
    for size in sizes:
        assert_size(size, A4_LANDSCAPE)
    text = re.sub(r"\s", "", run("pdftotext", str(path), "-"))      # pdftotext spaces at will
    n = len(pages)
    for k in range(1, n + 1):
        assert f"第{k}页共{n}页" in text
    for row in rows:                           # every row printed, none lost at page breaks
        assert row.waybill in text and row.receipt_no in text
    first = re.sub(r"\s", "", run("pdftotext", "-f", "1", "-l", "1", str(path), "-"))
    assert "邮件交寄清单" in first and "邮件总数：500件" in first and "揽收人" in first


def test_empty_manifest(tmp_path):
    path = pdf(manifest_pages(ManifestData("局", "2026-09-30", ())), tmp_path / "empty.pdf")
    text = re.sub(r"\s", "", run("pdftotext", str(path), "-"))
    assert "无交寄邮件" in text and "第1页共1页" in text


# ---------------------------------------------------------------- Chinese, never boxes


def glyph(path: Path, index: int) -> Image.Image:
    images = raster(path, 72)
    return images[index].point(lambda v: 0 if v < 128 else 255)


def test_chinese_is_drawn_with_an_embedded_cjk_font(tmp_path):
    family = render.cjk_family()
    size = PageSize(40, 40, "字")
    chars = ("审", "批", "\ua000")            # the last is in no font here: Qt draws its box
    path = pdf([Page(size, (Text(2, 2, 36, 36, c, 72, align="center", valign="middle"),))
                for c in chars], tmp_path / "glyphs.pdf")
    fonts = run("pdffonts", str(path))
    line = next(ln for ln in fonts.splitlines() if family.replace(" ", "") in ln.replace(" ", ""))
    assert line.split()[-5] == "yes"                        # emb
    shen, pi, tofu = (glyph(path, i) for i in range(3))
    ink = [im.histogram()[0] for im in (shen, pi, tofu)]
    assert min(ink) > 0
    # A missing glyph is the same hollow box whatever the character: real glyphs differ
    # from each other and from the box, and carry more ink.
    assert ImageChops.difference(shen, pi).getbbox() is not None
    assert ImageChops.difference(shen, tofu).getbbox() is not None
    assert ink[0] > 1.5 * ink[2] and ink[1] > 1.5 * ink[2]
    assert "审" in run("pdftotext", "-f", "1", "-l", "1", str(path), "-")


def test_no_chinese_font_is_an_error(monkeypatch):
    render.cjk_family.cache_clear()
    monkeypatch.setattr(render.QFontDatabase, "families",
                        staticmethod(lambda *a: ["DejaVu Sans"]))
    monkeypatch.setattr(render.QFontDatabase, "writingSystems", staticmethod(lambda *a: []))
    try:
        with pytest.raises(PrintError, match="中文字体"):
            render.cjk_family()
    finally:
        monkeypatch.undo()
        render.cjk_family.cache_clear()
    assert render.cjk_family()


# ---------------------------------------------------------------- text stays in its box


def writer(dpi: int):
    from PyQt6.QtCore import QBuffer
    from PyQt6.QtGui import QPdfWriter
    buf = QBuffer()
    w = QPdfWriter(buf)
    w.setResolution(dpi)
    w._buffer = buf
    return w


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_estimate_is_never_narrower_than_the_font(dpi):
    """Boxes are sized with the estimate: it must not be narrower than the real font."""
    device = writer(dpi)
    dev = render._Device(dpi, dpi, device.logicalDpiY())
    dev.device = device
    samples = ["".join(chr(c) for c in range(32, 127)), "受理通知书，（行政审批）“结果”。",
               "0123456789" * 3, "WWWMMM@@@%%%mmmwww", "Room 1101, Building 3", "…—·、"]
    samples += [chr(c) for c in range(33, 127)]
    for size in (6.5, 8, 9, 12, 14, 22):
        for bold in (False, True):
            font = dev.font(size, bold)
            for s in samples:
                assert estimate_width(s, size) >= font.whole(s), (size, bold, s)
                assert abs(font.by_chars(s) - font.whole(s)) < 1e-6, (size, bold, s)


def test_hostile_text_stays_in_its_boxes(tmp_path):
    page = mail_label(HOSTILE)
    device = writer(300)
    dev = render._Device(300, 300, device.logicalDpiY())
    dev.device = device
    for item in page.items:
        if not isinstance(item, Text):
            continue
        font = dev.font(item.size_pt, item.bold)
        ops = render._text_ops(dev, item)
        lines = [line for _, _, runs in ops for _, line in runs]
        assert len(lines) <= max(1, lines_fit(item.h, item.size_pt))
        assert len(lines) * line_pitch_mm(item.size_pt) <= item.h + line_pitch_mm(item.size_pt) / 2
        for point, line in (r for _, _, runs in ops for r in runs):
            left = point.x() / dev.sx
            assert left >= item.x - 1e-6
            assert left + font.whole(line) <= item.x + item.w + 0.01, (line, item)
    # And on paper: nothing outside the label's outline.
    (image,) = raster(pdf([page], tmp_path / "hostile.pdf"), 150)
    outline = next(it for it in page.items if isinstance(it, Box))
    px = 150 / 25.4
    inner = (round((outline.x - 0.5) * px), round((outline.y - 0.5) * px),
             round((outline.x + outline.w + 0.5) * px), round((outline.y + outline.h + 0.5) * px))
    margin = image.copy()
    margin.paste(255, inner)
    assert margin.getextrema() == (255, 255)


# ---------------------------------------------------------------- targets and printers


def test_render_pdf_to_path_str_and_bytesio(tmp_path):
    pages = [receipt_slip(SLIP)]
    buf = io.BytesIO()
    render.render_pdf(pages, buf)
    render.render_pdf(pages, str(tmp_path / "a.pdf"))
    render.render_pdf(pages, tmp_path / "b.pdf")
    assert buf.getvalue().startswith(b"%PDF")
    for name in ("a.pdf", "b.pdf"):
        assert (tmp_path / name).read_bytes().startswith(b"%PDF-")
    with pytest.raises(ValueError):
        render.render_pdf([], io.BytesIO())


def test_paint_to_a_printer(tmp_path):
    """The printer path (1200 dpi QPrinter, here printing to a PDF file) scans back too."""
    from PyQt6.QtPrintSupport import QPrinter
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printer.pdf"
    printer.setOutputFileName(str(out))
    printer.setFullPage(True)
    printer.setPageLayout(render.page_layout(LABEL_SIZES[1]))
    render.paint_to_printer(printer, [mail_label(LABEL, LABEL_SIZES[1])] * 2)
    sizes = page_sizes_mm(out)
    assert len(sizes) == 2
    assert_size(sizes[0], LABEL_SIZES[1])
    for image in raster(out, 150):
        assert codes(image) == {("CODE128", WAYBILL)}


def test_print_preview_paints_the_pages_and_can_be_closed(qtbot, monkeypatch):
    from PyQt6.QtCore import QTimer
    from PyQt6.QtPrintSupport import QPrintPreviewDialog
    from PyQt6.QtWidgets import QApplication

    painted = []
    real = render.paint_to_printer

    def spy(printer, pages):
        painted.append((printer.pageLayout().fullRectPoints().width(), len(pages)))
        real(printer, pages)

    monkeypatch.setattr(render, "paint_to_printer", spy)
    shown = []

    def close():
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QPrintPreviewDialog) and w.isVisible():
                shown.append(w.windowTitle())
                w.reject()
                return
        QTimer.singleShot(50, close)

    QTimer.singleShot(50, close)
    pages = [mail_label(LABEL), mail_label(HOSTILE)]
    assert render.print_with_preview(pages) is False
    assert shown == ["打印预览"]
    assert painted and painted[0] == (283, 2)          # 100 mm wide, both pages
    with pytest.raises(ValueError):
        render.print_with_preview([mail_label(LABEL), receipt_slip(SLIP)])


# ---------------------------------------------------------------- Excel


def test_manifest_xlsx_round_trip(tmp_path):
    hostile = ("=HYPERLINK(\"http://x\",\"点我\")", "+86 139 0000 0000", "-1", "@SUM(A1:A9)",
               "#N/A", "\t=1+1")
    rows = (ManifestRow("0012345678901", "张三", "013912345678", "陕西省西安市新城区东五路8号",
                        "010000", "000102202609300010001"),
            ManifestRow(WAYBILL, hostile[0], hostile[1], hostile[3], hostile[2], RECEIPT_NO),
            ManifestRow(hostile[4], "李\x00四", hostile[5], "地址\n第二行", "710004",
                        "610102202609300010002"))
    data = ManifestData("西安市新城区行政审批服务局", date(2026, 9, 30), rows)
    path = tmp_path / "m.xlsx"
    manifest_xlsx(data, path)
    buf = io.BytesIO()
    manifest_xlsx(data, buf)
    assert buf.getvalue()[:2] == b"PK"

    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "邮件交寄清单"
    assert ws["A2"].value == "交寄单位：西安市新城区行政审批服务局"
    assert ws["E2"].value == "交寄日期：2026年9月30日" and ws["F2"].value == "邮件总数：3 件"
    assert [c.value for c in ws[4]] == ["序号", "运单号", "收件人", "电话", "收件地址", "邮编",
                                        "受理编号"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=7)]
    assert got[0] == [1, "0012345678901", "张三", "013912345678", "陕西省西安市新城区东五路8号",
                      "010000", "000102202609300010001"]
    assert got[1] == [2, WAYBILL, hostile[0], hostile[1], hostile[3], hostile[2], RECEIPT_NO]
    assert got[2] == [3, "#N/A", "李四", "=1+1", "地址\n第二行", "710004", "610102202609300010002"]
    for row in ws.iter_rows(min_row=5, max_row=7, min_col=2):
        for cell in row:
            assert cell.data_type == "s" and cell.number_format == "@", cell.coordinate
    assert ws["C6"].quotePrefix and ws["D6"].quotePrefix and ws["E6"].quotePrefix
    assert ws.column_dimensions["B"].width >= 16 and ws.column_dimensions["G"].width >= 23
    assert ws.freeze_panes == "A5"
    # No formula anywhere in the file, whatever the cells say.
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert 't="e"' not in sheet


def test_empty_manifest_xlsx(tmp_path):
    path = tmp_path / "e.xlsx"
    manifest_xlsx(ManifestData("局", date(2026, 9, 30), ()), path)
    ws = openpyxl.load_workbook(path).active
    assert ws["A5"].value == "无交寄邮件" and ws["F2"].value == "邮件总数：0 件"
