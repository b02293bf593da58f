"""The printing target: 1,000 EMS labels (100×150 mm) to one PDF through
`printing.render.render_pdf` ≤ 2× a bare QPdfWriter loop that draws the same
texts, lines and bars (rectangles worked out beforehand) straight with QPainter,
measured in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_labels.py [--n 1000] [--rounds 5]

The measured side starts from the label data: `mail_label` (layout, text fitting,
barcode) and `render_pdf` (line breaking on the real font, painting, PDF). The
floor replays the painter calls that `paint_page` made for the same labels
(recorded beforehand, not timed) on a fresh QPdfWriter. Prints the medians and
PASS/FAIL; exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice  # noqa: E402
from PyQt6.QtGui import QPainter, QPdfWriter  # noqa: E402

from printing.items import LabelData, mail_label  # noqa: E402
from printing.layout import LABEL_100x150  # noqa: E402
from printing.render import PDF_DPI, ensure_app, page_layout, paint_page, render_pdf  # noqa: E402

TARGET = 2.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
PLACES = [("陕西省", "西安市", "新城区", "710004"), ("陕西省", "西安市", "碑林区", "710001"),
          ("陕西省", "咸阳市", "秦都区", "712000"), ("甘肃省", "兰州市", "城关区", "730030"),
          ("河南省", "郑州市", "金水区", "450008"), ("四川省", "成都市", "武侯区", "610041")]
STREETS = ["东五路", "长乐西路", "解放路", "含光北路", "人民路", "建设路", "友谊东路"]


def labels(n: int, seed: int = 7) -> list[LabelData]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        prov, city, dist, code = rng.choice(PLACES)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        address = (f"{prov}{city}{dist}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
                   f"{rng.randint(1, 20)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 2808)}室")
        if rng.random() < 0.2:
            address += "（工作日送达，请先电话联系收件人）"
        out.append(LabelData(
            waybill=f"1{rng.randrange(10**10, 10**11)}{i % 10}", recipient_name=name,
            recipient_phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            recipient_address=address, destination=f"{prov} {city} {dist}", postcode=code,
            sender_name="西安市新城区行政审批服务局", sender_phone="029-87654321",
            sender_address="西安市新城区长乐西路123号政务服务中心一楼出件窗口",
            receipt_no=f"6101022026093000{i:05d}"))
    return out


class Recorder:
    """Stands in for a QPainter in `paint_page` and keeps the calls, to replay them."""

    def __init__(self, device):
        self._device = device
        self.calls: list[tuple[str, tuple]] = []

    def device(self):
        return self._device

    def __getattr__(self, name):
        def record(*args):
            self.calls.append((name, args))
        return record


def record(pages, device) -> list[list[tuple[str, tuple]]]:
    out = []
    for page in pages:
        rec = Recorder(device)
        paint_page(rec, page, PDF_DPI, PDF_DPI)
        out.append([c for c in rec.calls if c[0] not in ("save", "restore", "setRenderHint")])
    return out


def floor_pdf(recorded) -> bytes:
    """The same drawing, replayed straight on QPainter: no layout, no line breaking."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(page_layout(LABEL_100x150))
    painter = QPainter(writer)
    for i, calls in enumerate(recorded):
        if i:
            writer.newPage()
        for name, args in calls:
            getattr(painter, name)(*args)
    painter.end()
    buf.close()
    return bytes(data)


def real_pdf(data: list[LabelData]) -> bytes:
    out = io.BytesIO()
    render_pdf([mail_label(d, LABEL_100x150) for d in data], out)
    return out.getvalue()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1000, help="labels in the PDF")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    ensure_app()
    data = labels(args.n)
    pages = [mail_label(d, LABEL_100x150) for d in data]
    probe_buffer = QBuffer()
    probe = QPdfWriter(probe_buffer)
    probe.setResolution(PDF_DPI)
    recorded = record(pages, probe)
    del pages
    print(f"== bench_labels — {args.n:,} labels 100×150 to one PDF, {args.rounds} rounds, "
          "alternating")
    real_pdf(data[:20])                   # warm up fonts and caches on both sides
    floor_pdf(recorded[:20])
    # The recorded calls are ~100,000 Qt objects that the application never holds;
    # keep them out of the garbage collector's way, for both sides alike.
    gc.collect()
    gc.freeze()
    real, floor, layout = [], [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        fb = floor_pdf(recorded)
        floor.append(time.perf_counter() - t)
        t = time.perf_counter()
        rb = real_pdf(data)
        real.append(time.perf_counter() - t)
        t = time.perf_counter()
        [mail_label(d, LABEL_100x150) for d in data]
        layout.append(time.perf_counter() - t)
    r, f = statistics.median(real), statistics.median(floor)
    ratio = r / f
    ok = ratio <= TARGET
    print(f"  render_pdf (mail_label + paint)  {r:6.2f} s   {r / args.n * 1000:5.2f} ms/label   "
          f"{len(rb) / 2**20:5.1f} MiB")
    print(f"    of which mail_label (layout)   {statistics.median(layout):6.2f} s")
    print(f"  bare QPdfWriter replay (floor)   {f:6.2f} s   {f / args.n * 1000:5.2f} ms/label   "
          f"{len(fb) / 2**20:5.1f} MiB")
    print(f"  {ratio:.2f}× (target ≤ {TARGET}×) → {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
