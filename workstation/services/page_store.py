"""Page files of electronic materials: read, normalised and stored content-addressed.

Every page is kept as one picture under the data folder,
``materials/ab/abcdef….jpg`` (or ``.png``), named by the SHA-256 of its bytes, so the
same page attached to several cases (reuse) is one file, and sync uploads it once.

Normalising, kept simple:

- the file's kind comes from its first bytes (JPEG, PNG, TIFF, BMP, WebP, PDF);
- EXIF orientation is applied (a phone's or document camera's portrait shot stands up);
- a picture above 300 dpi is scaled down to 300 dpi, and no side stays above 4961 px
  (A3's long side at 300 dpi); PDFs are rendered page by page at 200 dpi (PDFium);
- line art (a black-and-white page: nearly every sampled pixel near black or white,
  no colour) becomes a 1-bit PNG; anything else a JPEG of quality 85 (transparency
  flattened onto white);
- a JPEG that is already upright, small enough and not wastefully large is kept as it
  came, only its metadata blocks (EXIF with GPS and camera serials, XMP, IPTC, comments)
  cut out: no second generation of JPEG loss, and no re-encoding time.

A file is written to a temporary name in its final folder, flushed to disk and renamed,
so a reader never sees half a page; a crash or a full disk leaves at most an
unreferenced file, which ``material_files.sweep`` removes after a grace period. Rows name a
page only after its file is complete (services/materials.py).

Nothing here touches the database, so the capture screen may call it on any worker
thread; PDFium, which is not thread-safe, is behind one lock.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator

from ..domain import materials as rules
from ..domain.errors import DomainError

PAGES_DIR = "materials"
MAX_DPI = 300
MAX_SIDE = 4961
PDF_DPI = 200
JPEG_QUALITY = 85
MAX_PIXELS = 120_000_000         # a decompression bomb is refused before it is decoded
PASSTHROUGH_BYTES_PER_PIXEL = 0.6
LINE_ART_SHARE = 0.96

_pdfium_lock = threading.Lock()


class Cancelled(DomainError):
    """The capture was cancelled; pages already written are swept later."""


@dataclass(frozen=True)
class StoredPage:
    """A page file on disk, not yet named by any row.

    Attributes:
        sha256: of the stored bytes (the file's name).
        relpath: under the data folder, e.g. ``materials/ab/ab12….jpg``.
        origin: the file (and page within it) it came from, for messages.
    """

    sha256: str
    mime: str
    size: int
    width: int
    height: int
    dpi: int | None
    relpath: str
    origin: str = ""

    def to_json(self) -> dict:
        return {"sha256": self.sha256, "mime": self.mime, "size": self.size, "width": self.width,
                "height": self.height, "dpi": self.dpi, "path": self.relpath}


def relpath(sha256: str, mime: str) -> str:
    return f"{PAGES_DIR}/{sha256[:2]}/{sha256}.{rules.PAGE_MIMES[mime]}"


# ---------------------------------------------------------------- reading the source

def read_source(path: str | Path, limit_mb: int) -> tuple[bytes, str]:
    """The file's bytes and kind, or a DomainError in Chinese (missing, a folder, empty,
    above the limit, not an allowed kind). The size is checked before reading."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise DomainError(f"{path} 是文件夹，不是材料文件", "file")
        rules.check_size(size, limit_mb, path.name)
        with open(path, "rb") as f:
            data = f.read(limit_mb * 1024 * 1024 + 1)
    except FileNotFoundError:
        raise DomainError(f"找不到材料文件：{path}", "file") from None
    except OSError as exc:
        raise DomainError(f"无法读取材料文件 {path}：{exc.strerror}", "file") from None
    rules.check_size(len(data), limit_mb, path.name)      # it may have grown meanwhile
    return data, rules.check_kind(data[:1024], path.name)


# ---------------------------------------------------------------- normalising

@dataclass(frozen=True)
class _Encoded:
    data: bytes
    mime: str
    width: int
    height: int
    dpi: int | None


def _dpi_of(info: dict) -> int | None:
    dpi = info.get("dpi")
    if dpi is None:
        return None
    try:
        value = round(float(dpi[0]))
    except (TypeError, ValueError, IndexError):
        return None
    return value if 30 <= value <= 4800 else None


def _scale_for(width: int, height: int, dpi: int | None) -> float:
    scale = 1.0
    if dpi and dpi > MAX_DPI:
        scale = MAX_DPI / dpi
    return min(scale, MAX_SIDE / max(width, height, 1))


def _flatten(im):
    """RGB or L, transparency composited onto white."""
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode in ("1", "L", "RGB"):
        return im
    if im.mode.startswith("I") or im.mode == "F":
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return im.convert("RGB")


def is_line_art(im) -> bool:
    """Black and white only: a sample of pixels (nearest, so edges stay sharp) is
    grey and nearly all of it near black or white."""
    from PIL import Image

    if im.mode == "1":
        return True
    step = max(1, max(im.size) // 400)
    small = im.resize((max(1, im.width // step), max(1, im.height // step)), Image.Resampling.NEAREST)
    if small.mode == "RGB":
        r, g, b = small.split()
        from PIL import ImageChops

        spread = ImageChops.lighter(ImageChops.difference(r, g), ImageChops.difference(g, b))
        hist = spread.histogram()
        # Colour: a red seal, a photo, a form's tint. A seal's ring is a small share of
        # the page, so a few clearly coloured samples are enough.
        if sum(hist[40:]) > 0.0005 * small.width * small.height or sum(hist[16:]) > 0.05 * small.width * small.height:
            return False
        small = small.convert("L")
    elif small.mode != "L":
        small = small.convert("L")
    hist = small.histogram()
    extremes = sum(hist[:80]) + sum(hist[176:])
    return extremes >= LINE_ART_SHARE * small.width * small.height and sum(hist[:80]) > 0


def _encode(im, dpi: int | None) -> _Encoded:
    from PIL import Image

    im = _flatten(im)
    scale = _scale_for(im.width, im.height, dpi)
    if scale < 1.0:
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        im = im.resize(size, Image.Resampling.LANCZOS if im.mode != "1" else Image.Resampling.NEAREST, reducing_gap=3.0)
        dpi = round(dpi * scale) if dpi else None
    out = io.BytesIO()
    extra = {"dpi": (dpi, dpi)} if dpi else {}
    if is_line_art(im):
        bw = im if im.mode == "1" else im.convert("L").point(lambda v: 255 if v > 160 else 0, mode="1")
        bw.save(out, "PNG", **extra)
        return _Encoded(out.getvalue(), "image/png", bw.width, bw.height, dpi)
    im.save(out, "JPEG", quality=JPEG_QUALITY, **extra)
    return _Encoded(out.getvalue(), "image/jpeg", im.width, im.height, dpi)


# JPEG markers kept when a JPEG passes through: APP0 (JFIF, with the dpi), APP2 (ICC
# colour profile), APP14 (Adobe colour transform); every other APPn and COM goes.
_KEEP_APP = {0xE0, 0xE2, 0xEE}


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The JPEG without its metadata segments, or None when its structure is unusual
    (then it is re-encoded instead)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out, i = [b"\xff\xd8"], 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:                     # fill byte
            i += 1
            continue
        if marker == 0xDA:                     # start of scan: the rest is image data
            out.append(data[i:])
            return b"".join(out)
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2 or i + 2 + length > len(data):
            return None
        segment = data[i:i + 2 + length]
        if not ((0xE0 <= marker <= 0xEF and marker not in _KEEP_APP) or marker == 0xFE):
            out.append(segment)
        i += 2 + length
    return None


def _image_pages(data: bytes, kind: str, name: str) -> Iterator[_Encoded]:
    from PIL import Image, ImageOps

    try:
        im = Image.open(io.BytesIO(data))
        if im.width * im.height > MAX_PIXELS:
            raise DomainError(f"{name} 的像素数过大（{im.width}×{im.height}），不像是一页材料", "file")
        frames = getattr(im, "n_frames", 1) if kind == "tiff" else 1
        if frames > rules.MAX_PAGES_PER_FILE:
            raise DomainError(f"{name} 有 {frames} 页，一个文件最多 {rules.MAX_PAGES_PER_FILE} 页", "file")
        for index in range(frames):
            if index:
                im.seek(index)
            im.load()
            dpi = _dpi_of(im.info)
            orientation = im.getexif().get(0x0112, 1) if kind in ("jpeg", "tiff", "png", "webp") else 1
            if (kind == "jpeg" and orientation in (0, 1) and im.mode in ("RGB", "L")
                    and _scale_for(im.width, im.height, dpi) >= 1.0
                    and len(data) <= PASSTHROUGH_BYTES_PER_PIXEL * im.width * im.height
                    and not is_line_art(im)):
                kept = strip_jpeg_metadata(data)
                if kept is not None:
                    yield _Encoded(kept, "image/jpeg", im.width, im.height, dpi)
                    continue
            upright = ImageOps.exif_transpose(im) if orientation not in (0, 1) else im
            yield _encode(upright, dpi)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(f"{name} 的像素数异常巨大，不像是一页材料", "file") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, Image.UnidentifiedImageError,
            MemoryError):
        label = rules.KIND_LABELS[kind]
        raise DomainError(f"{name} 看起来是{label}，但文件已损坏或不完整，无法读取", "file") from None


def _pdf_failure(data: bytes, name: str) -> DomainError:
    """Why PDFium could not open a PDF, said plainly. PDFium's own error code is kept
    between calls and is unreliable, so the file itself is asked."""
    import re

    if b"/Encrypt" in data:
        return DomainError(f"{name} 是加密（有密码保护）的 PDF，请提供未加密的文件", "file")
    if not re.search(rb"/Type\s*/Page(?![a-zA-Z])", data):
        return DomainError(f"{name} 是没有任何页面的 PDF（或已损坏）", "file")
    return DomainError(f"{name} 是损坏的 PDF 文件，无法读取", "file")


def _pdf_pages(data: bytes, name: str) -> Iterator[_Encoded]:
    import pypdfium2

    with _pdfium_lock:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            raise _pdf_failure(data, name) from None
        try:
            count = len(pdf)
            if count == 0:
                raise DomainError(f"{name} 是没有任何页面的 PDF", "file")
            if count > rules.MAX_PAGES_PER_FILE:
                raise DomainError(f"{name} 有 {count} 页，一个文件最多 {rules.MAX_PAGES_PER_FILE} 页", "file")
            rendered = []
            for index in range(count):
                page = pdf[index]
                try:
                    width, height = page.get_size()
                    scale = min(PDF_DPI / 72, MAX_SIDE / max(width, height, 1))
                    bitmap = page.render(scale=scale, may_draw_forms=True)
                    rendered.append((bitmap.to_pil().copy(), round(72 * scale)))
                    bitmap.close()
                finally:
                    page.close()
                if len(rendered) >= 4:          # hand pages out in small groups
                    for im, dpi in rendered:
                        yield _encode(im, dpi)
                    rendered = []
            for im, dpi in rendered:
                yield _encode(im, dpi)
        except pypdfium2.PdfiumError:
            raise DomainError(f"{name} 中有无法绘制的页面（PDF 已损坏）", "file") from None
        finally:
            pdf.close()


def normalise(data: bytes, kind: str, name: str) -> Iterator[_Encoded]:
    """The pages of one file, each as a stored page's bytes."""
    if kind == "pdf":
        yield from _pdf_pages(data, name)
    else:
        yield from _image_pages(data, kind, name)


# ---------------------------------------------------------------- writing

def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _digest_of(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def write_page(data_dir: Path, data: bytes, mime: str) -> tuple[str, str]:
    """Write one page's bytes content-addressed; returns (sha256, relpath). A file
    already there with the right content is kept (and its age renewed, so a sweep
    does not take it while a new row is about to name it)."""
    sha = hashlib.sha256(data).hexdigest()
    rel = relpath(sha, mime)
    final = data_dir / rel
    if final.exists() and final.stat().st_size == len(data) and _digest_of(final) == sha:
        os.utime(final)
        return sha, rel
    tmp = final.parent / f".{sha}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        _fsync_dir(final.parent)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DomainError("磁盘空间已满，页面未能保存（没有写入任何材料记录），请清理磁盘后重试") from None
        raise DomainError(f"无法保存页面文件：{exc.strerror}") from None
    return sha, rel


def store(data_dir: Path, data: bytes, kind: str, name: str, *,
          on_page: Callable[[StoredPage], None] | None = None,
          cancelled: Callable[[], bool] | None = None) -> list[StoredPage]:
    """Normalise one file's pages and write each; returns them in order."""
    out = []
    for number, page in enumerate(normalise(data, kind, name), start=1):
        if cancelled is not None and cancelled():
            raise Cancelled("已取消：已读入的页面未加入材料")
        sha, rel = write_page(data_dir, page.data, page.mime)
        stored = StoredPage(sha, page.mime, len(page.data), page.width, page.height, page.dpi, rel,
                            f"{name}" + (f" 第{number}页" if kind in ("pdf", "tiff") else ""))
        out.append(stored)
        if on_page is not None:
            on_page(stored)
    return out


def file_problem(data_dir: Path, sha: str, mime: str) -> str | None:
    """None when the stored page is there with exactly its bytes."""
    path = data_dir / relpath(sha, mime)
    if not path.exists():
        return "页面文件缺失"
    digest = _digest_of(path)
    if digest is None:
        return "页面文件无法读取"
    if digest != sha:
        return "页面文件内容已被改动（与登记的 SHA-256 不符）"
    return None
