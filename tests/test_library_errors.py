"""forms and printing raise their own errors; the services translate them, so the
clerk reads the library's Chinese message unchanged and the CLI exits 2, as before
the libraries stopped importing the workstation's DomainError."""

import io

import pytest
from PIL import Image

from forms.errors import FormError
from forms.seal_image import check_seal_png
from forms.stamp import verify_docx
from printing.codes import decode_codes
from printing.errors import PrintError
from workstation.domain.errors import DomainError
from workstation.services.errors import library_errors

from .helpers import snapshot
from .cli_support import cli, db_path, env, files, run, template  # noqa: F401

EXIT_BAD_INPUT = 2


def library_message(call) -> str:
    """What the library itself says about the input (so the test follows its wording)."""
    with pytest.raises((FormError, PrintError)) as caught:
        call()
    assert not isinstance(caught.value, DomainError)
    return caught.value.message


@pytest.mark.parametrize("error", [FormError, PrintError])
def test_library_errors_become_domain_errors_with_message_and_field(error):
    with pytest.raises(DomainError) as caught:
        with library_errors():
            raise error("印章图片为空文件", "seal")
    assert caught.value.message == str(caught.value) == "印章图片为空文件"
    assert caught.value.field == "seal"
    assert isinstance(caught.value.__cause__, error)


def test_other_errors_pass_through_unchanged():
    for raised in (DomainError("本机没有印章", "secret"), KeyError("x")):
        with pytest.raises(type(raised)) as caught:
            with library_errors():
                raise raised
        assert caught.value is raised


def test_verify_a_file_that_is_no_docx(files, capsys, tmp_path):
    junk = tmp_path / "notice.docx"
    junk.write_bytes(b"PK\x03\x04 this is no document")
    message = library_message(lambda: verify_docx(junk.read_bytes(), lambda seal_id: None))
    code, out, err = run(capsys, "verify", junk)
    assert (code, out, err) == (EXIT_BAD_INPUT, "", f"错误：{message}\n")


def test_scan_a_corrupt_image(files, capsys, tmp_path):
    picture = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(picture, format="PNG")
    corrupt = tmp_path / "page.png"
    corrupt.write_bytes(picture.getvalue()[:60])          # the header, then nothing
    message = library_message(lambda: decode_codes(corrupt.read_bytes()))
    code, out, err = run(capsys, "scan", corrupt)
    assert (code, out, err) == (EXIT_BAD_INPUT, "", f"错误：page.png：{message}\n")


@pytest.mark.parametrize("picture", [b"not a picture", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_seal_create_with_a_bad_picture_changes_nothing(cli, capsys, tmp_path, picture):
    bad = tmp_path / "seal.png"
    bad.write_bytes(picture)
    message = library_message(lambda: check_seal_png(picture))
    before = snapshot(db_path(cli))
    code, out, err = run(capsys, "seal", "create", "--user", "admin",
                         "--name", "西安市新城区行政审批服务局社会民生专用章",
                         "--category", "社会民生", "--algorithm", "sm2", "--image", bad)
    assert (code, out, err) == (EXIT_BAD_INPUT, "", f"错误：{message}\n")
    assert snapshot(db_path(cli)) == before
