"""Printed items laid out without Qt: they fit their pages, bars are wide enough,
long and hostile text is wrapped or cut, manifests paginate."""

import json
import math
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from printing.codes import CODE128_QUIET, code128_modules
from printing.items import (CONTENTS, LabelData, ManifestData, ManifestRow, SlipData, mail_label,
                            manifest_pages, receipt_slip)
from printing.layout import (A4, A4_LANDSCAPE, LABEL_76x130, LABEL_100x150, LABEL_100x180,
                             LABEL_SIZES, MIN_BAR_MM, QR_QUIET, ROLL_80, Box, Code128, Line,
                             Page, PageSize, QRCode, Text, bounds, estimate_width, estimator,
                             line_pitch_mm, lines_fit, outside, qr_matrix, wrap_lines)
from printing.errors import PrintError

ROOT = Path(__file__).resolve().parent.parent
RECEIPT_NO = "610102202609300010001"            # 21 digits
WAYBILL = "EA123456789CN"

LABEL = LabelData(
    waybill=WAYBILL, recipient_name="张三丰", recipient_phone="13912345678",
    recipient_address="陕西省西安市新城区东五路8号院3号楼2单元1101室",
    destination="陕西省 西安市 新城区", postcode="710004",
    sender_name="西安市新城区行政审批服务局", sender_phone="029-87654321",
    sender_address="西安市新城区长乐西路123号政务服务中心一楼出件窗口",
    contents=CONTENTS, receipt_no=RECEIPT_NO)

HOSTILE = LabelData(
    waybill="1100000000001", recipient_name="欧阳" + "很长的名字" * 30 + "\u202e\x00\x07",
    recipient_phone="13912345678 转 8888 " * 10,
    recipient_address=("陕西省西安市新城区东五路8号院3号楼2单元1101室，" * 25
                       + "Room 1101 Building 3 " * 10 + "\n\n\t😀" + "W" * 300),
    destination="新疆维吾尔自治区 伊犁哈萨克自治州 察布查尔锡伯自治县" * 3, postcode="8" * 40,
    sender_name="局" * 200, sender_phone="0" * 80, sender_address="址" * 1000,
    contents="内件" * 100, receipt_no="9" * 60)

SLIP = SlipData(
    organ="西安市新城区行政审批服务局", receipt_no=RECEIPT_NO,
    applicant="西安市新城区好味道餐饮有限公司", matters=("食品经营许可（新办）",),
    received_at=datetime(2026, 9, 30, 10, 15), promised_date=date(2026, 10, 9), clerk="王敏",
    progress_qr="https://zwfw.xincheng.gov.cn/q?n=" + RECEIPT_NO,
    rating_qr="https://hcp.shaanxi.gov.cn/r?o=610102&n=" + RECEIPT_NO, hotline="12345")


def manifest_rows(n: int) -> tuple:
    return tuple(ManifestRow(f"EA{100000000 + i:09d}CN", f"收件人{i}", f"139{i:08d}",
                             "陕西省西安市新城区东五路8号院3号楼2单元1101室" * (1 + i % 4),
                             "710004", f"6101022026093000{i:05d}") for i in range(n))


def texts(page: Page) -> list[Text]:
    out = [it for it in page.items if isinstance(it, Text)]
    out += [it.caption() for it in page.items if isinstance(it, Code128) and it.human_readable]
    return out


def all_text(page: Page) -> str:
    return "\n".join("".join(t.lines()) for t in texts(page))


def assert_fits(page: Page) -> None:
    """Every item on the page; every text box holds a line and its lines are no wider
    than the box, by the font-free estimate."""
    assert outside(page) == []
    for t in texts(page):
        assert lines_fit(t.h, t.size_pt) >= 1, t
        for line in t.lines():
            assert estimate_width(line, t.size_pt) <= t.w + 1e-6, (line, t)
        pitch = line_pitch_mm(t.size_pt)
        assert len(t.lines()) * pitch <= max(t.h, pitch) + 1e-6


# ---------------------------------------------------------------- no Qt


def test_layout_items_and_xlsx_import_without_qt():
    probe = ("import json, sys\n"
             "import printing.layout, printing.items, printing.xlsx\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('PyQt6', 'PyQt5', 'PySide6', 'sip'))))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


# ---------------------------------------------------------------- page sizes and items


def test_page_sizes():
    assert [(s.width_mm, s.height_mm) for s in LABEL_SIZES] == [(100, 150), (76, 130), (100, 180)]
    assert (ROLL_80.width_mm, ROLL_80.height_mm) == (80, 0)
    assert (A4.width_mm, A4.height_mm) == (210, 297)
    assert (A4_LANDSCAPE.width_mm, A4_LANDSCAPE.height_mm) == (297, 210)
    with pytest.raises(ValueError):
        Page(ROLL_80, ())                       # a roll page needs its height
    assert Page(ROLL_80.with_height(120), ()).size.height_mm == 120


@pytest.mark.parametrize("make", [
    lambda: Text(0, 0, 10, 5, "x", math.nan), lambda: Text(0, 0, -1, 5, "x", 9),
    lambda: Text(0, 0, 10, 5, "x", 9, align="justify"), lambda: Text(0, math.inf, 10, 5, "x", 9),
    lambda: Text(0, 0, 10, 5, "x", True), lambda: Box(0, 0, 0, 5, 0.3),
    lambda: Line(0, 0, 1, 1, 0), lambda: Text("0", 0, 10, 5, "x", 9),
    lambda: Page(A4, (object(),)),
])
def test_bad_items_are_refused(make):
    with pytest.raises((ValueError, TypeError)):
        make()


# ---------------------------------------------------------------- Code 128


def test_code128_module_width_and_quiet_zone():
    code = Code128(4, 10, 72, 14, RECEIPT_NO)
    n = len(code128_modules(RECEIPT_NO))
    assert code.total_modules == n + 2 * CODE128_QUIET
    for dpi in (None, 203, 300, 600, 1200):
        m = code.module_mm(dpi)
        assert m >= MIN_BAR_MM - 1e-9, (dpi, m)
        bars = code.bars(dpi)
        # The narrowest bar is one module; every bar a whole number of modules.
        assert min(w for _, w in bars) == pytest.approx(m)
        assert all(abs(w / m - round(w / m)) < 1e-6 for _, w in bars)
        # Quiet zones of 10 modules inside the box, both sides.
        assert bars[0][0] - code.x >= CODE128_QUIET * m - 1e-6
        assert code.x + code.w - (bars[-1][0] + bars[-1][1]) >= CODE128_QUIET * m - 1e-6
        if dpi:     # whole printer dots
            dots = m / (25.4 / dpi)
            assert abs(dots - round(dots)) < 1e-6
    # 203 dpi thermal printers: 3 dots (0.375 mm) a module.
    assert code.module_mm(203) == pytest.approx(3 * 25.4 / 203)


def test_code128_that_cannot_fit_is_refused_with_a_clear_message():
    need = (len(code128_modules(RECEIPT_NO)) + 2 * CODE128_QUIET) * MIN_BAR_MM
    Code128(0, 0, need + 0.01, 14, RECEIPT_NO)
    with pytest.raises(PrintError) as info:
        Code128(0, 0, need - 0.5, 14, RECEIPT_NO)
    assert "放不下" in str(info.value) and RECEIPT_NO in str(info.value)
    for bad in ("", "运单123", "A\x00"):
        with pytest.raises(PrintError):
            Code128(0, 0, 80, 14, bad)
    with pytest.raises(ValueError):
        Code128(0, 0, 80, 3, "123")           # no room for bars


def test_qr_quiet_zone_inside_the_square():
    qr = QRCode(10, 20, 30, SLIP.progress_qr)
    n = len(qr_matrix(SLIP.progress_qr))
    m = qr.module_mm()
    assert m == pytest.approx(30 / (n + 2 * QR_QUIET))
    rects = qr.dark_rects()
    assert min(x for x, _, _, _ in rects) == pytest.approx(10 + QR_QUIET * m)
    assert max(x + w for x, _, w, _ in rects) == pytest.approx(40 - QR_QUIET * m)
    assert min(y for _, y, _, _ in rects) == pytest.approx(20 + QR_QUIET * m)
    with pytest.raises(PrintError):
        QRCode(0, 0, 8, "x" * 400)             # modules far below 0.3 mm
    with pytest.raises(PrintError):
        QRCode(0, 0, 30, "")


# ---------------------------------------------------------------- wrapping


def test_wrap_lines():
    m = estimator(10)           # 10 pt: a Chinese character ~3.67 mm
    assert wrap_lines("受理通知书", 100, 3, m) == ["受理通知书"]
    lines = wrap_lines("陕西省西安市新城区东五路8号院3号楼2单元1101室", 30, 5, m)
    assert "".join(lines) == "陕西省西安市新城区东五路8号院3号楼2单元1101室"
    assert all(m(line) <= 30 for line in lines) and len(lines) > 1
    for a, b in pairwise(lines):            # a number is not cut in two
        assert not (a[-1].isdigit() and b[0].isdigit()), lines
    words = wrap_lines("Room 1101 Building 3 Dongwu Road", 40, 5, m)
    assert all(w == w.strip() and m(w) <= 40 for w in words)
    assert " ".join(words) == "Room 1101 Building 3 Dongwu Road"
    # Closing marks do not begin a line.
    for width in range(8, 60):
        for line in wrap_lines("甲乙丙丁，戊己庚辛。壬癸（甲乙）丙丁、戊", width, 20, m)[1:]:
            assert line[0] not in "，。）、", (width, line)
    # Too long: cut with an ellipsis on the last line.
    cut = wrap_lines("中" * 500, 30, 2, m)
    assert len(cut) == 2 and cut[-1].endswith("…") and all(m(x) <= 30 for x in cut)
    assert wrap_lines("a\nb\nc", 30, 2, m) == ["a", "b…"]
    assert wrap_lines("a\nb", 30, 2, m, wrap=False) == ["a b"]
    # Control and invisible characters never reach the printer.
    assert wrap_lines("张\x00三\u202e丰\x07", 30, 1, m) == ["张三丰"]
    assert wrap_lines("", 30, 1, m) == [] and wrap_lines("中", 30, 0, m) == []
    assert wrap_lines("中中", 1, 2, m) == []         # narrower than one character


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize("size", LABEL_SIZES, ids=lambda s: s.name)
def test_label_fits_each_size(size):
    page = mail_label(LABEL, size)
    assert page.size == size
    assert_fits(page)
    codes = [it for it in page.items if isinstance(it, Code128)]
    assert [c.value for c in codes] == [WAYBILL]
    code = codes[0]
    for dpi in (None, 203, 300):
        assert code.module_mm(dpi) >= MIN_BAR_MM
    text = all_text(page)
    for part in ("陕西省 西安市 新城区", "张三丰", "13912345678", "710004", "收", "寄",
                 "西安市新城区行政审批服务局", "029-87654321", CONTENTS, RECEIPT_NO, "收件人签名",
                 WAYBILL, "东五路8号院3号楼2单元1101室"):
        assert part in text, part
    # Zones top to bottom: number, destination, recipient, sender, contents, signature.
    def top(s):
        return min(t.y for t in texts(page) if s in t.text)
    assert code.y < top("陕西省 西安市") < top("张三丰") < top("029-87654321") \
        < top(CONTENTS) < top("收件人签名")
    # The destination is the biggest text on the label.
    dest = next(t for t in texts(page) if t.text == LABEL.destination)
    assert dest.size_pt == max(t.size_pt for t in texts(page))


def test_bigger_label_gives_more_room_to_the_address():
    def address(size):
        return next(t for t in texts(mail_label(LABEL, size)) if t.text == LABEL.recipient_address)
    assert address(LABEL_100x180).h > address(LABEL_100x150).h > address(LABEL_76x130).h


@pytest.mark.parametrize("size", LABEL_SIZES, ids=lambda s: s.name)
def test_hostile_label_text_is_cut_not_overflowing(size):
    page = mail_label(HOSTILE, size)
    assert_fits(page)
    address = next(t for t in texts(page) if t.text == HOSTILE.recipient_address)
    assert address.size_pt < 12 and address.lines()[-1].endswith("…")
    printed = "".join(line for t in texts(page) for line in t.lines())
    assert "\x00" not in printed and "\u202e" not in printed


def test_label_refuses_a_waybill_that_cannot_be_scanned():
    with pytest.raises(PrintError, match="放不下"):
        mail_label(replace(LABEL, waybill="E" * 60), LABEL_76x130)


def test_label_too_small_is_refused():
    with pytest.raises(ValueError):
        mail_label(LABEL, PageSize(50, 80, "小"))


# ---------------------------------------------------------------- receipt slip


def test_slip_on_80mm_roll():
    page = receipt_slip(SLIP)
    assert page.size.width_mm == 80 and 100 < page.size.height_mm < 200
    assert_fits(page)
    code = next(it for it in page.items if isinstance(it, Code128))
    assert code.value == RECEIPT_NO
    assert code.x >= 4 and code.x + code.w <= 76              # 72 mm printable
    assert code.module_mm(203) >= MIN_BAR_MM and code.module_mm(300) >= MIN_BAR_MM
    qrs = [it for it in page.items if isinstance(it, QRCode)]
    assert [q.payload for q in qrs] == [SLIP.progress_qr, SLIP.rating_qr]
    assert all(q.module_mm() >= 0.3 for q in qrs)
    assert bounds(qrs[0])[2] < bounds(qrs[1])[0]              # side by side, apart
    text = all_text(page)
    for part in ("西安市新城区行政审批服务局", "收件回执", "西安市新城区好味道餐饮有限公司",
                 "食品经营许可（新办）", "2026年9月30日 10:15", "2026年10月9日", "王敏",
                 "扫码查询办理进度", "好差评", "12345"):
        assert part in text, part


def test_slip_grows_with_its_matters():
    one = receipt_slip(SLIP)
    many = replace(SLIP, matters=tuple(f"事项{i}：" + "公共场所卫生许可" * (i % 3 + 1)
                                       for i in range(8)))
    page = receipt_slip(many)
    assert page.size.height_mm > one.size.height_mm + 8 * line_pitch_mm(9)
    assert_fits(page)
    text = all_text(page)
    for i in range(8):                  # numbered, each number on its matter's first line
        number = next(t for t in texts(page) if t.text == f"{i + 1}.")
        matter = next(t for t in texts(page) if t.text.startswith(f"事项{i}："))
        assert number.y == matter.y and number.x + number.w <= matter.x
        assert matter.text in text
    # Nothing overlaps: the text boxes below the barcode do not cross each other.
    boxes = sorted((t.y, t.y + t.h, t.x, t.x + t.w) for t in texts(page))
    for a, b in pairwise(boxes):
        if a[3] > b[2] and b[3] > a[2]:          # same column
            assert b[0] >= a[1] - 1e-6, (a, b)


def test_slip_with_hostile_text():
    hostile = SlipData(organ="局" * 300, receipt_no=RECEIPT_NO, applicant="申" * 500,
                       matters=("事" * 1000, "\x00\u202e"), received_at="即到即办" * 50,
                       promised_date="当场办结", clerk="王" * 100, progress_qr="进度查询" * 20,
                       rating_qr="https://x/" + "r" * 200, hotline="1" * 300)
    page = receipt_slip(hostile)
    assert_fits(page)
    assert page.size.height_mm < 400


# ---------------------------------------------------------------- manifest


def manifest(n: int) -> ManifestData:
    return ManifestData("西安市新城区行政审批服务局", date(2026, 9, 30), manifest_rows(n))


def page_numbers(pages) -> list[str]:
    return [next(t.text for t in texts(p) if t.text.startswith("第 ")) for p in pages]


def test_manifest_empty_says_so():
    pages = manifest_pages(manifest(0))
    assert len(pages) == 1
    text = all_text(pages[0])
    assert "无交寄邮件" in text and "邮件总数：0 件" in text
    assert page_numbers(pages) == ["第 1 页 共 1 页"]
    assert_fits(pages[0])


def test_manifest_one_row():
    pages = manifest_pages(manifest(1))
    assert len(pages) == 1
    text = all_text(pages[0])
    for part in ("邮件交寄清单", "西安市新城区行政审批服务局", "2026年9月30日", "邮件总数：1 件",
                 "序号", "运单号", "收件人", "电话", "收件地址", "邮编", "受理编号",
                 "EA100000000CN", "收件人0", "13900000000", "710004", "610102202609300000000",
                 "交寄人", "揽收人", "第 1 页 共 1 页"):
        assert part in text, part
    assert_fits(pages[0])


@pytest.mark.parametrize("size", [A4_LANDSCAPE, A4], ids=["landscape", "portrait"])
def test_manifest_500_rows_paginates(size):
    data = manifest(500)
    pages = manifest_pages(data, size)
    n = len(pages)
    assert 10 < n < 60
    assert page_numbers(pages) == [f"第 {k} 页 共 {n} 页" for k in range(1, n + 1)]
    seen = []
    for page in pages:
        assert page.size == size
        assert_fits(page)
        footer_top = min(t.y for t in texts(page) if t.text.startswith("交寄人"))
        cells = [t for t in texts(page) if t.text.startswith("EA")]
        assert cells and max(t.y + t.h for t in cells) < footer_top
        seen += [t.text for t in cells]
        count = next(t.text for t in texts(page) if t.text.startswith("本页"))
        assert count == f"本页 {len(cells)} 件"
    assert seen == [r.waybill for r in data.rows]           # every row once, in order
