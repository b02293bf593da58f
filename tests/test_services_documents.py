"""The counter's documents: issued with the acceptance, sealed, signed, verified
from the file and from the printed page."""

import shutil
import subprocess

import pytest

from workstation.domain.errors import DomainError
from workstation.services.acceptance import Intake, accept, notify, refuse
from workstation.services.cases import show
from workstation.services.documents import issue_pending, verify_file, verify_image
from workstation.services.seals import SealVault, revoke_seal

from .helpers import edit_docx


@pytest.fixture
def issued(ws, clerk, enterprise):
    result = accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M03", "M04"]))
    return result, issue_pending(ws, clerk, result.receipt_no, SealVault())


def test_documents_issued_signed_and_recorded(ws, clerk, issued):
    result, docs = issued
    assert [d["kind"] for d in docs] == ["受理通知书", "材料接收凭证"]
    for d in docs:
        verdict = verify_file(ws, d["path"])
        assert verdict.valid, verdict.reason
        assert verdict.receipt_no == result.receipt_no
    assert issue_pending(ws, clerk, result.receipt_no, SealVault()) == []   # never twice


def test_every_counter_outcome_gets_valid_documents(ws, clerk, person, enterprise):
    from datetime import date

    outcomes = [
        notify(ws, clerk, Intake(["T-SP"], enterprise, ["M01"], defects={"M01": "未签字"})),
        refuse(ws, clerk, Intake(["T-GT"], person), reason="不属于本机关职权", basis="行政许可法第三十二条",
               competent_organ="西安市市场监督管理局"),
        accept(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M04"],
                                 promises={"M03": date(2026, 10, 9)})),
        accept(ws, clerk, Intake(["T-GT"], person, ["M01", "M02"]), approve_now=True),
        accept(ws, clerk, Intake(["B-CY"], enterprise, ["M01", "M02", "M03", "M04", "M05"])),
    ]
    vault = SealVault()
    for result in outcomes:
        docs = issue_pending(ws, clerk, result.receipt_no, vault)
        assert len(docs) == len(result.documents)
        for d in docs:
            assert verify_file(ws, d["path"]).valid, (d["kind"], verify_file(ws, d["path"]).reason)


def test_tampered_copy_and_revoked_seal(ws, admin, issued, tmp_path):
    _, docs = issued
    path = docs[0]["path"]
    forged = tmp_path / "forged.docx"
    forged.write_bytes(edit_docx(open(path, "rb").read(), "好味道", "好味遒"))
    assert "被改动" in verify_file(ws, forged).reason
    seal_id = verify_file(ws, path).seal_id
    revoke_seal(ws, admin, seal_id, "印章遗失")
    assert "已吊销" in verify_file(ws, path).reason


def test_unreadable_inputs(ws, tmp_path):
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"junk")
    with pytest.raises(DomainError, match="不是有效的 .docx"):
        verify_file(ws, junk)
    with pytest.raises(DomainError, match="找不到文件"):
        verify_file(ws, tmp_path / "missing.docx")
    with pytest.raises(DomainError, match="不是可识别的图片"):
        verify_image(ws, junk)
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 400), "white").save(blank)
    with pytest.raises(DomainError, match="没有找到二维码"):
        verify_image(ws, blank)


def test_foreign_qr_code_is_not_valid(ws, tmp_path):
    import segno

    foreign = tmp_path / "foreign.png"
    segno.make("https://example.com/some-other-system?id=1").save(str(foreign), scale=8)
    verdict = verify_image(ws, foreign)
    assert not verdict.valid and "不是本系统" in verdict.reason


@pytest.mark.parametrize("dpi", [150, 300])
def test_printed_page_verifies_from_its_qr_code(ws, issued, tmp_path, dpi):
    """LibreOffice prints the notice to PDF, pdftoppm scans it, zbar reads the QR."""
    _, docs = issued
    shutil.copy(docs[0]["path"], tmp_path / "notice.docx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "notice.docx")],
                   check=True, capture_output=True, timeout=180)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(tmp_path / "notice.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1, "the notice must fit on one A4 page"
    verdict = verify_image(ws, pages[0])
    assert verdict.valid, verdict.reason
    assert verdict.document_no == docs[0]["number"]


def test_documents_visible_on_the_case(ws, clerk, issued):
    result, _ = issued
    assert [d["number"] for d in show(ws, clerk, result.receipt_no)["documents"]] == \
        [d["number"] for d in result.documents]


def test_deficiency_notice_gives_the_catalog_standard_for_a_defective_material(ws, clerk, enterprise):
    from forms.docx_tools import document_text

    result = notify(ws, clerk, Intake(["T-SP"], enterprise, ["M01", "M02", "M04"],
                                      defects={"M03": "未盖章"}))
    docs = issue_pending(ws, clerk, result.receipt_no, SealVault())
    text = document_text(open(next(d["path"] for d in docs if d["kind"] == "一次性告知书"), "rb").read())
    assert "未盖章" in text and "加盖公章" in text      # the defect and what would be right
    assert "按材料清单要求提交" not in text
