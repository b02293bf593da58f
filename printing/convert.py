"""Turning a .docx into a PDF with LibreOffice (headless), for preview and print.

Runs LibreOffice with a private profile folder, so a conversion never collides
with a LibreOffice the clerk has open, and with a time limit.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from printing.errors import PrintError

TIMEOUT_S = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: str | Path, out_dir: str | Path) -> Path:
    """The PDF of `docx`, written into `out_dir`."""
    program = soffice()
    if program is None:
        raise PrintError("本机没有安装 LibreOffice，无法生成打印预览")
    source = Path(docx)
    if not source.is_file():
        raise PrintError(f"找不到文书文件：{source}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ws-lo-") as profile:
        try:
            done = subprocess.run(
                [program, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(out), str(source)],
                capture_output=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise PrintError("LibreOffice 转换超时") from None
    pdf = out / (source.stem + ".pdf")
    if done.returncode != 0 or not pdf.is_file():
        raise PrintError("LibreOffice 无法转换该文书：" + done.stderr.decode("utf-8", "replace")[-200:])
    return pdf
