"""Issue 3's document target: render + stamp + sign one notice ≤ 1.4× a bare
python-docx (docxtpl) fill-and-save of the same template, with the same two
pictures, in the same run — for ECDSA P-256 and for SM2.

    .venv/bin/python bench/bench_documents.py [--n 40]

Prints the medians and PASS/FAIL per algorithm. No database: this measures the
document work itself (forms.stamp.stamp_and_sign).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docx.shared import Cm  # noqa: E402
from docxtpl import DocxTemplate, InlineImage  # noqa: E402

from forms import signing, sm2  # noqa: E402
from forms.seal_image import draw_round_seal  # noqa: E402
from forms.stamp import SealForSigning, qr_png, stamp_and_sign  # noqa: E402
from forms.templates import template_path  # noqa: E402

TARGET = 1.4
KIND = "受理通知书"
CONTEXT = {
    "organ": "西安市新城区行政审批服务局", "issue_date": "2026年9月30日", "case_no": "610102202609300010001",
    "applicant_name": "西安市新城区好味道餐饮有限公司", "applicant_id_no": "91350100M000100Y43",
    "applicant_address": "西安市新城区东五路8号", "legal_representative": "李娜", "contact_name": "李娜",
    "contact_phone": "029-87654321", "matter_name": "食品经营许可", "received_date": "2026年9月30日",
    "accepted_date": "2026年9月30日", "statutory_limit_days": "10", "promised_limit_days": "3",
    "progress_query": "拨打12345或登录政务服务网，凭受理编号查询", "delivery_method": "窗口领取",
    "delivery_address": "本机关统一出件窗口", "clerk": "王敏", "complaint_phone": "12345",
}
DOC_NO = "新城审受字〔2026〕第100001号"


def bare(seal: bytes, qr: bytes) -> bytes:
    """The floor: docxtpl fill with the two pictures, then save."""
    tpl = DocxTemplate(str(template_path(KIND)))
    context = dict(CONTEXT, document_no=DOC_NO,
                   seal=InlineImage(tpl, io.BytesIO(seal), width=Cm(4.2)),
                   qr=InlineImage(tpl, io.BytesIO(qr), width=Cm(2.5)))
    tpl.render(context)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=40)
    args = p.parse_args(argv)
    seal_png = draw_round_seal("西安市新城区行政审批服务局", center_text="行政审批专用章")
    qr = qr_png("WS1|" + "x" * 180)
    ok_all = True
    print(f"== bench_documents — {KIND}, {args.n} rounds each, alternating")
    for algorithm in ("ecdsa-p256", "sm2"):
        private, _ = signing.generate_keypair(algorithm)
        seal = SealForSigning("S-610102-001-1", algorithm, private, seal_png)
        floor, real = [], []
        for i in range(args.n + 3):
            t = time.perf_counter()
            bare(seal_png, qr)
            f = time.perf_counter() - t
            t = time.perf_counter()
            stamp_and_sign(KIND, CONTEXT, seal=seal, document_no=DOC_NO,
                           receipt_no="610102202609300010001", signed_at=datetime(2026, 9, 30, 10))
            r = time.perf_counter() - t
            if i >= 3:
                floor.append(f)
                real.append(r)
        ratio = statistics.median(real) / statistics.median(floor)
        ok = ratio <= TARGET
        ok_all &= ok
        label = f"sm2 ({sm2.default_engine()})" if algorithm == "sm2" else algorithm
        print(f"  {label:<15} stamp+sign p50 {statistics.median(real) * 1000:6.1f} ms   "
              f"bare fill+save p50 {statistics.median(floor) * 1000:6.1f} ms   "
              f"{ratio:.2f}× (target ≤ {TARGET}×) → {'PASS' if ok else 'FAIL'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
