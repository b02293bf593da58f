"""forms and printing are libraries below the workstation: they import nothing of it.

A fresh interpreter in which `workstation` cannot be imported at all (a meta-path
blocker) must still import every module of forms and printing, sign and verify a
document, and encode and decode a QR code; their errors are their own.
"""

from tests.import_probe import probe

THEN = r"""
from datetime import date, datetime

from tests.test_forms_templates import base_context   # forms' own test data, no workstation

from forms import signing
from forms.errors import FormError
from forms.seal_image import draw_round_seal
from forms.stamp import SealForSigning, SealRecord, stamp_and_sign, verify_docx, verify_qr
from printing.codes import decode_codes, qr_png
from printing.errors import PrintError

private, public = signing.generate_keypair("sm2")
seal = SealForSigning("S-610102-001-1", "sm2", private, draw_round_seal("西安市新城区行政审批服务局"))
record = SealRecord("S-610102-001-1", "西安市新城区行政审批服务局行政审批专用章", "sm2", public,
                    "active", date(2026, 1, 1), date(2030, 12, 31))
signed = stamp_and_sign("受理通知书", base_context(), seal=seal, document_no="新城审受〔2026〕1号",
                        receipt_no="610102202609300010001", signed_at=datetime(2026, 9, 30, 10, 15))
lookup = lambda seal_id: record if seal_id == record.id else None
from_file = verify_docx(signed.docx, lookup)
from_qr = verify_qr(signed.qr_payload, lookup)
decoded = [c["data"] for c in decode_codes(qr_png("610102202609300010001"))]

errors = {}
for name, call in (("docx", lambda: verify_docx(b"junk", lookup)),
                   ("image", lambda: decode_codes(b"junk"))):
    try:
        call()
    except (FormError, PrintError) as exc:
        errors[name] = [type(exc).__name__, exc.message, isinstance(exc, ValueError)]

result.update(from_file=from_file.valid, from_qr=from_qr.valid, decoded=decoded, errors=errors)
"""


def test_forms_and_printing_work_without_the_workstation():
    out = probe({"workstation", "sync"}, ["forms", "printing"], then=THEN)
    assert out["loaded"] == []
    for name in ("forms.signing", "forms.stamp", "forms.templates", "forms.seal_image",
                 "printing.codes", "printing.layout", "printing.items", "printing.convert"):
        assert name in out["imported"]
    result = out["result"]
    assert result["from_file"] is True and result["from_qr"] is True
    assert result["decoded"] == ["610102202609300010001"]
    assert result["errors"] == {"docx": ["FormError", "文件不是有效的 .docx 文书", True],
                             "image": ["PrintError", "无法识别的图片文件", True]}


def test_the_two_copies_of_the_invisible_characters_rule_agree():
    """printing.text repeats workstation.domain.text's rule (the domain imports nothing
    of the project): the two must refuse the same characters."""
    from printing import text as printing_text
    from workstation.domain import text as domain_text

    assert printing_text.INVISIBLE == domain_text.INVISIBLE
    for sample in ("张伟", "a\u200bb", "x\ny", "\u2028", "\ue000", "tab\t"):
        assert printing_text.has_control(sample) == domain_text.has_control(sample)
        assert printing_text.has_control(sample, "\n") == domain_text.has_control(sample, "\n")
