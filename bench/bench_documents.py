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
    return 0 if (ok_all and chain_verify(args.n)) else 1


CHAIN_TARGET = 2.0


def chain_verify(n: int) -> bool:
    """Issue 16: verifying with the full X.509 chain (forms.trust: the seal certificate
    read and checked against the pinned authority on every call) ≤ 2× verifying with a
    bare registry record (today's lookup), same document, same run."""
    import hashlib
    from datetime import date

    from forms import x509
    from forms.stamp import SealRecord, verify_docx
    from forms.trust import seal_record

    seal_png = draw_round_seal("西安市新城区行政审批服务局", center_text="行政审批专用章")
    ok_all = True
    for algorithm in ("ecdsa-p256", "sm2"):
        ca_private, _ = signing.generate_keypair(algorithm)
        ca = x509.make_authority(algorithm=algorithm, private=ca_private, organ="西安市新城区行政审批服务局",
                                 valid_from=date(2026, 1, 1), valid_to=date(2046, 1, 1))
        private, public = signing.generate_keypair(algorithm)
        request = x509.make_request(algorithm=algorithm, private=private, seal_id="0123456789abcdef",
                                    name="西安市新城区行政审批服务局行政审批专用章", category="受理",
                                    organ="西安市新城区行政审批服务局", terminal="001",
                                    picture_sha256=hashlib.sha256(seal_png).hexdigest())
        cert = x509.issue(x509.read_request(request), authority=ca, authority_private=ca_private,
                          valid_from=date(2026, 1, 1), valid_to=date(2031, 1, 1))
        docx = stamp_and_sign(KIND, CONTEXT, seal=SealForSigning("0123456789abcdef", algorithm, private,
                                                                 seal_png),
                              document_no=DOC_NO, receipt_no="610102202609300010001",
                              signed_at=datetime(2026, 9, 30, 10)).docx
        bare_record = SealRecord("0123456789abcdef", "章", algorithm, public, "active",
                                 date(2026, 1, 1), date(2031, 1, 1))

        def plain(_, record=bare_record):
            return record

        def chained(seal_id, cert=cert, ca=ca):
            return seal_record(seal_id, certificate=cert, authority=ca, status="active")
        floor, real = [], []
        for i in range(n + 3):
            t = time.perf_counter()
            assert verify_docx(docx, plain).valid
            f = time.perf_counter() - t
            t = time.perf_counter()
            assert verify_docx(docx, chained).valid
            r = time.perf_counter() - t
            if i >= 3:
                floor.append(f)
                real.append(r)
        ratio = statistics.median(real) / statistics.median(floor)
        ok = ratio <= CHAIN_TARGET
        ok_all &= ok
        print(f"  {algorithm:<15} verify+chain p50 {statistics.median(real) * 1000:6.1f} ms   "
              f"verify p50 {statistics.median(floor) * 1000:6.1f} ms   "
              f"{ratio:.2f}× (target ≤ {CHAIN_TARGET}×) → {'PASS' if ok else 'FAIL'}")
    return ok_all


if __name__ == "__main__":
    sys.exit(main())
