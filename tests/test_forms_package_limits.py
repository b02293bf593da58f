"""Issue 16, finding 4: a 1 MB .docx holding a 1 GiB part took 4 GB of memory in verify.
Sizes and part counts are checked before anything is decompressed."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib

import pytest

from forms import package
from forms.docx_tools import document_text, open_docx
from forms.errors import FormError
from forms.stamp import verify_docx
from printing.codes import DECODE_MAX_PIXELS, decode_codes
from printing.errors import PrintError

from .docx_attacks import parts_of
from .test_forms_stamp import issue, keys, lookup_of  # noqa: F401  (keys: a fixture)

GIB = 1 << 30
_MIB_OF_ZEROS = None


def zeros_deflated(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes (a multiple of 1 MiB): about 1 KB per MiB,
    made from one repeated block without compressing the whole size."""
    global _MIB_OF_ZEROS
    if _MIB_OF_ZEROS is None:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        _MIB_OF_ZEROS = (c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH), c.flush())
    block, end = _MIB_OF_ZEROS
    assert size % (1 << 20) == 0
    return block * (size >> 20) + end


def raw_zip(entries: list[tuple[str, bytes, int, int]], *, flags: int = 0,
            method: int = 8) -> bytes:
    """A zip from (name, compressed data, crc, declared size) entries, headers as given:
    nothing checks that the declared size is true."""
    local, central = [], []
    offset = 0
    for name, data, crc, size in entries:
        raw = name.encode()
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags | 0x800, method, 0, 0, crc,
                             len(data), size, len(raw), 0) + raw
        local.append(header + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags | 0x800, method,
                                   0, 0, crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
        offset += len(header) + len(data)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory),
                      offset, 0)
    return b"".join(local) + directory + end


def deflated(data: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def notice_with(seal, extra: list[tuple[str, bytes, int, int]], replace: dict | None = None) -> bytes:
    """An issued notice's parts, each as written, plus ``extra`` entries."""
    entries = []
    for name, data in parts_of(issue(seal).docx).items():
        if replace and name in replace:
            entries.append((name, *replace[name]))
        else:
            entries.append((name, *deflated(data)))
    return raw_zip(entries + extra)


def refused_quickly(call, fragment: str) -> None:
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        with pytest.raises(FormError, match=fragment) as caught:
            call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert "无法读取" in str(caught.value) or "不是有效" in str(caught.value)
    assert elapsed < 2.0 and peak < 16 * (1 << 20), (elapsed, peak)


def test_a_1_mb_docx_holding_a_1_gib_part(keys):
    seal, record = keys
    bomb = zeros_deflated(GIB)
    docx = notice_with(seal, [("word/media/image7.png", bomb, 0, GIB)])
    assert len(docx) < 1_300_000
    for call in (lambda: verify_docx(docx, lookup_of(record)), lambda: open_docx(docx),
                 lambda: document_text(docx), lambda: package.seal_picture_sha256(docx)):
        refused_quickly(call, "每个部件最多")


def test_a_header_that_lies_about_the_size(keys):
    """document.xml declares its true size; its data inflates to 1 GiB."""
    seal, record = keys
    real = parts_of(issue(seal).docx)["word/document.xml"]
    docx = notice_with(seal, [], {"word/document.xml": (zeros_deflated(GIB), zlib.crc32(real), len(real))})
    refused_quickly(lambda: verify_docx(docx, lookup_of(record)), "压缩数据|实际大小")


def test_too_many_parts_too_much_in_total_and_odd_archives(keys):
    seal, record = keys
    small = deflated(b"<x/>")
    many = [(f"customXml/item{i}.xml", *small) for i in range(package.MAX_PARTS)]
    refused_quickly(lambda: verify_docx(notice_with(seal, many), lookup_of(record)), "部件")
    block = zeros_deflated(30 << 20)
    three = [(f"word/media/big{i}.bin", block, 0, 30 << 20) for i in range(3)]
    refused_quickly(lambda: verify_docx(notice_with(seal, three), lookup_of(record)), "总大小")
    twins = notice_with(seal, [("WORD/document.xml", *small)])
    refused_quickly(lambda: verify_docx(twins, lookup_of(record)), "重名")
    for bad in ("../evil.xml", "/word/x.xml", "word\\x.xml", "word//x.xml"):
        odd = notice_with(seal, [(bad, *small)])
        refused_quickly(lambda: verify_docx(odd, lookup_of(record)), "名称")  # noqa: B023
    encrypted = raw_zip([("word/document.xml", *small)], flags=1)
    refused_quickly(lambda: verify_docx(encrypted, lookup_of(record)), "加密")
    bz2 = raw_zip([("word/document.xml", *small)], method=12)
    refused_quickly(lambda: verify_docx(bz2, lookup_of(record)), "压缩方式")


def test_a_central_directory_too_big_is_refused_before_it_is_read():
    """The end record's announced size is checked before zipfile builds an object for
    each of a million entries."""
    fake_end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 100, 100, 50_000_000, 0, 0)
    with pytest.raises(FormError, match="文件目录"):
        package.check_archive(b"PK" + bytes(100) + fake_end)
    many = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 65000, 65000, 100, 0, 0)
    with pytest.raises(FormError, match="部件"):
        package.check_archive(bytes(100) + many)
    for junk in (b"", b"junk", bytes(5000)):
        with pytest.raises(FormError, match="不是有效"):
            package.check_archive(junk)


def png_of_zeros(width: int, height: int) -> bytes:
    """A valid RGB PNG of ``width`` × ``height`` black pixels, a few hundred KB for 64 Mpx."""
    row = 1 + 3 * width
    total = row * height
    assert total % (1 << 20) == 0
    adler = 1
    chunk = bytes(1 << 20)
    for _ in range(total >> 20):
        adler = zlib.adler32(chunk, adler)
    idat = b"\x78\xda" + zeros_deflated(total) + struct.pack(">I", adler)

    def chunk_of(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk_of(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk_of(b"IDAT", idat) + chunk_of(b"IEND", b""))


def test_a_picture_with_too_many_pixels_is_refused_before_decoding():
    """5,461 × 8,192 px (44.7 Mpx, below Pillow's own bomb warning at 89 Mpx) would take
    134 MB decoded, several times over while codes are looked for."""
    width, height = 5461, 8192          # rows of 1 + 3·5461 = 16,384 bytes: 128 MiB in all
    data = png_of_zeros(width, height)
    assert width * height > DECODE_MAX_PIXELS and len(data) < 200_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(PrintError, match="图片过大"):
            decode_codes(data)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - started < 2.0 and peak < 16 * (1 << 20)
