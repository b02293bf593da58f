"""Issue 3's document target: render + stamp + sign one notice ≤ 1.4× a bare
python-docx (docxtpl) fill-and-save of the same template, with the same two
pictures, in the same run — for ECDSA P-256, for SM2, and for SM2 with the seal's
GB/T 38540 SESeal (each document then also gets an SES_Signature, forms.ses).

Issue 16's: verifying a notice (the whole package, forms.stamp.verify_docx) ≤ 2× the
verify of issue 3 (the visible text, the custom properties and the media hashes),
which ``legacy_verify`` below repeats step by step on a notice signed the old way, in
the same run.

    .venv/bin/python bench/bench_documents.py [--n 40]

Prints the medians and PASS/FAIL per algorithm. No database: this measures the
document work itself.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docx.shared import Cm  # noqa: E402
from docxtpl import DocxTemplate, InlineImage  # noqa: E402

from forms import signing, sm2  # noqa: E402
from forms.docx_tools import (document_text, document_text_of, get_custom_properties,  # noqa: E402
                              image_hashes, set_custom_properties_on)
from forms.seal_image import draw_round_seal  # noqa: E402
from forms.stamp import SealForSigning, SealRecord, qr_png, stamp_and_sign, verify_docx  # noqa: E402
from forms.templates import render, template_path  # noqa: E402

TARGET = 1.4
VERIFY_TARGET = 2.0
RECEIPT = "610102202609300010001"
SIGNED_AT = datetime(2026, 9, 30, 10)
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


def _legacy_fields(seal_id: str, seal_sha: str, stamp: str) -> dict:
    return {"kind": KIND, "document_no": DOC_NO, "receipt_no": RECEIPT, "seal_id": seal_id,
            "seal_image_sha256": seal_sha, "signed_at": stamp}


def legacy_sign(seal: SealForSigning) -> bytes:
    """A notice signed as issue 3 did: the visible text and a few fields, kept in the
    custom properties."""
    tpl = render(KIND, dict(CONTEXT, document_no=DOC_NO), seal_png=seal.image_png,
                 qr_png=qr_png("WS1|placeholder"))
    stamp = SIGNED_AT.isoformat(timespec="seconds")
    seal_sha = hashlib.sha256(seal.image_png).hexdigest()
    canonical = signing.canonical_document(_legacy_fields(seal.id, seal_sha, stamp),
                                           document_text_of(tpl.docx))
    digest = signing.digest(seal.algorithm, canonical)
    signature = signing.sign(seal.algorithm, seal.private_key,
                             signing.payload_signed_bytes(DOC_NO, RECEIPT, digest, seal.id))
    set_custom_properties_on(tpl.docx, {
        "ws_version": "1", "ws_seal_id": seal.id, "ws_algorithm": seal.algorithm,
        "ws_seal_image_sha256": seal_sha, "ws_signed_at": stamp,
        "ws_digest": signing.b64url(digest), "ws_signature": signing.b64url(signature)})
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def legacy_verify(docx: bytes, record: SealRecord) -> bool:
    """The floor: issue 3's verify_docx, step by step (custom properties, the text,
    the media hashes, the signature)."""
    props = get_custom_properties(docx)
    digest = signing.unb64url(props["ws_digest"])
    canonical = signing.canonical_document(
        _legacy_fields(props["ws_seal_id"], props["ws_seal_image_sha256"], props["ws_signed_at"]),
        document_text(docx))
    return (signing.digest(record.algorithm, canonical) == digest
            and props["ws_seal_image_sha256"] in image_hashes(docx).values()
            and signing.verify(record.algorithm, record.public_key,
                               signing.payload_signed_bytes(DOC_NO, RECEIPT, digest, record.id),
                               signing.unb64url(props["ws_signature"])))


def chain(seal: SealForSigning) -> tuple[bytes, bytes, bytes]:
    """(authority certificate, its key, the seal's certificate): an authority of the
    seal's algorithm that certified the seal, as a district's would."""
    from forms import x509

    organ = "西安市新城区行政审批服务局"
    ca_private, _ = signing.generate_keypair(seal.algorithm)
    ca = x509.make_authority(algorithm=seal.algorithm, private=ca_private, organ=organ,
                             valid_from=date(2026, 1, 1), valid_to=date(2046, 1, 1))
    request = x509.make_request(algorithm=seal.algorithm, private=seal.private_key, seal_id=seal.id,
                                name=organ + "行政审批专用章", category="受理", organ=organ,
                                terminal="001", picture_sha256=hashlib.sha256(seal.image_png).hexdigest())
    cert = x509.issue(x509.read_request(request), authority=ca, authority_private=ca_private,
                      valid_from=date(2026, 1, 1), valid_to=date(2031, 1, 1))
    return ca, ca_private, cert


def with_ses(seal: SealForSigning, ca: bytes, ca_private: bytes, cert: bytes) -> SealForSigning:
    """The SM2 seal with the SESeal its (SM2) authority made for it (forms.ses_seals),
    as the workstation signs with it: GB/T 38540 SES_Signature in every document."""
    from forms import ses_seals

    made = ses_seals.make_for_certificate(certificate=cert, authority=ca, authority_private=ca_private,
                                          picture_png=seal.image_png, created=SIGNED_AT)
    return SealForSigning(seal.id, seal.algorithm, seal.private_key, seal.image_png,
                          ses_seal=made, ses_cert=cert)


def chained_lookup(ca: bytes, cert: bytes):
    """Issue 16: the seal known only by its X.509 certificate, checked against the
    pinned authority on every call (forms.trust), as `verify` does on a terminal."""
    from forms.trust import seal_record

    return lambda seal_id: seal_record(seal_id, certificate=cert, authority=ca, status="active")


def bench_verify(seal: SealForSigning, public: bytes, n: int, lookup) -> tuple[float, float]:
    """Verifying with the full chain (real) against issue 3's verify (floor)."""
    record = SealRecord(seal.id, "行政审批专用章", seal.algorithm, public, "active",
                        date(2026, 1, 1), date(2030, 12, 31))
    new = stamp_and_sign(KIND, CONTEXT, seal=seal, document_no=DOC_NO, receipt_no=RECEIPT,
                         signed_at=SIGNED_AT).docx
    old = legacy_sign(seal)
    floor, real = [], []
    for i in range(n + 3):
        t = time.perf_counter()
        assert legacy_verify(old, record)
        f = time.perf_counter() - t
        t = time.perf_counter()
        assert verify_docx(new, lookup).valid
        r = time.perf_counter() - t
        if i >= 3:
            floor.append(f)
            real.append(r)
    return statistics.median(real), statistics.median(floor)


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=40)
    args = p.parse_args(argv)
    seal_png = draw_round_seal("西安市新城区行政审批服务局", center_text="行政审批专用章")
    qr = qr_png("WS1|" + "x" * 180)
    ok_all = True
    print(f"== bench_documents — {KIND}, {args.n} rounds each, alternating")
    for algorithm, ses in (("ecdsa-p256", False), ("sm2", False), ("sm2", True)):
        private, public = signing.generate_keypair(algorithm)
        seal = SealForSigning("0123456789abcdef", algorithm, private, seal_png)
        ca, ca_private, cert = chain(seal)
        if ses:
            seal = with_ses(seal, ca, ca_private, cert)
        floor, real = [], []
        for i in range(args.n + 3):
            t = time.perf_counter()
            bare(seal_png, qr)
            f = time.perf_counter() - t
            t = time.perf_counter()
            stamp_and_sign(KIND, CONTEXT, seal=seal, document_no=DOC_NO,
                           receipt_no=RECEIPT, signed_at=SIGNED_AT)
            r = time.perf_counter() - t
            if i >= 3:
                floor.append(f)
                real.append(r)
        ratio = statistics.median(real) / statistics.median(floor)
        ok = ratio <= TARGET
        ok_all &= ok
        label = f"sm2 ({sm2.default_engine()})" if algorithm == "sm2" else algorithm
        label += " +SES" if ses else ""
        print(f"  {label:<20} stamp+sign p50 {statistics.median(real) * 1000:6.1f} ms   "
              f"bare fill+save p50 {statistics.median(floor) * 1000:6.1f} ms   "
              f"{ratio:.2f}× (target ≤ {TARGET}×) → {'PASS' if ok else 'FAIL'}")
        real_v, floor_v = bench_verify(seal, public, args.n, chained_lookup(ca, cert))
        ratio = real_v / floor_v
        ok = ratio <= VERIFY_TARGET
        ok_all &= ok
        print(f"  {label:<20} verify+chain p50 {real_v * 1000:6.1f} ms   "
              f"issue 3 verify p50 {floor_v * 1000:6.1f} ms   "
              f"{ratio:.2f}× (target ≤ {VERIFY_TARGET}×) → {'PASS' if ok else 'FAIL'}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
