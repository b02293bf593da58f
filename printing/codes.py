"""Barcodes and QR codes: draw them for receipts and labels, read them back from scans.

- `qr_png`: a QR code (segno); Chinese text goes in byte mode as UTF-8.
- `code128_png`: a Code 128 barcode, encoded here (subsets B and C) and drawn
  with Pillow in pure black and white.
- `decode_codes`: every barcode / QR code zbar finds in a picture, trying
  harder (contrast, binarising, upscaling, rotating) when the first look finds
  nothing.

No Qt here: the printing package's layout code must import without PyQt6.
"""

from __future__ import annotations

import io
import warnings

import segno
from PIL import Image, ImageFilter, ImageOps, ImageSequence
from pyzbar import pyzbar

from printing.errors import PrintError
from printing.text import has_control

# ---------------------------------------------------------------- QR

QR_ERROR_LEVELS = ("l", "m", "q", "h")
QR_BORDER_MIN = 4
QR_SCALE_MAX = 100


def qr_matrix(payload: str, *, error: str = "m", mask: int | None = None) -> tuple[bytearray, ...]:
    """The QR code's modules (1 dark), without the quiet zone: what every QR the
    workstation prints is made of, on a PNG or drawn as vectors on a page."""
    if not isinstance(payload, str) or not payload:
        raise PrintError("二维码内容不能为空", "payload")
    level = str(error).lower()
    if level not in QR_ERROR_LEVELS:
        raise PrintError("二维码纠错等级应为 L、M、Q、H 之一", "error")
    try:
        if payload.isascii():
            code = segno.make_qr(payload, error=level, boost_error=False, mask=mask)
        else:
            # Byte mode, UTF-8, which phones read; segno would otherwise pick Kanji
            # mode (Shift_JIS) for some Chinese strings. The ECI header (UTF-8)
            # stops readers, zbar among them, from taking short Chinese texts for
            # Shift_JIS or Big5 and showing mojibake.
            code = segno.make_qr(payload, error=level, mode="byte", encoding="utf-8",
                                 eci=True, boost_error=False, mask=mask)
    except segno.DataOverflowError:
        raise PrintError(f"二维码内容过长（{len(payload)}字），放不进一个二维码", "payload") from None
    return code.matrix


def qr_png(payload: str, *, scale: int = 8, border: int = 4, error: str = "m",
           mask: int | None = None) -> bytes:
    """A QR code as PNG bytes (black on white, 1 bit).

    payload: the text; non-ASCII text (Chinese) goes in byte mode as UTF-8, with an ECI header.
    scale: pixels per module (1–100). border: quiet zone in modules (at least 4).
    error: error correction level, one of l, m, q, h.
    mask: a fixed mask pattern (0–7); None lets segno pick the best of eight, which
    costs ~11 ms of pure Python — documents signed in bulk fix it (any mask is valid).
    """
    if not isinstance(payload, str) or not payload:
        raise PrintError("二维码内容不能为空", "payload")
    if has_control(payload, allowed="\n"):
        raise PrintError("二维码内容含有不可见的控制字符", "payload")
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= QR_SCALE_MAX:
        raise PrintError(f"二维码模块像素应为1～{QR_SCALE_MAX}的整数", "scale")
    if isinstance(border, bool) or not isinstance(border, int) or not QR_BORDER_MIN <= border <= 100:
        raise PrintError(f"二维码静区应至少{QR_BORDER_MIN}个模块", "border")
    matrix = qr_matrix(payload, error=error, mask=mask)
    # Pillow writes the PNG: segno's own writer takes ~50 ms for a document's code.
    side = len(matrix) + 2 * border
    image = Image.new("1", (side, side), 1)
    pixels = image.load()
    assert pixels is not None   # load() gives None only for an image without pixels
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + border, y + border] = 0
    image = image.resize((side * scale, side * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# ---------------------------------------------------------------- Code 128

# Bar/space widths (in modules) of the 107 Code 128 symbols, values 0–106.
# Each symbol is 3 bars and 3 spaces totalling 11 modules; the stop (106) has a
# fourth bar and is 13 modules.
_C128 = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",
    "132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",
    "123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",
    "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",
    "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",
    "313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",
    "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",
    "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",
    "114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",
    "211214", "211232", "2331112",
)
# The same table as numbers, for drawing bars as vectors (printing.layout).
CODE128_WIDTHS = tuple(tuple(int(w) for w in pattern) for pattern in _C128)
_CODE_C = 99      # switch to subset C (in subset B)
_CODE_B = 100     # switch to subset B (in subset C)
_START_B = 104
_START_C = 105
_STOP = 106

CODE128_QUIET = 10          # quiet zone each side, in modules
CODE128_MAX_LEN = 80


def _digit_run(text: str, i: int) -> int:
    n = i
    while n < len(text) and text[n].isdigit():
        n += 1
    return n - i


def code128_values(text: str) -> list[int]:
    """Symbol values for `text`: start, data, checksum and stop.

    Subset C (two digits a symbol) for an all-digit text of 2+ digits and for
    runs of 4+ digits inside a text; subset B (printable ASCII) otherwise.
    An odd digit run has its first digit set in subset B.
    """
    if not isinstance(text, str) or not text:
        raise PrintError("条形码内容不能为空", "text")
    if len(text) > CODE128_MAX_LEN:
        raise PrintError(f"条形码内容过长（{len(text)}字符，最多{CODE128_MAX_LEN}）", "text")
    bad = [ch for ch in text if not " " <= ch <= "~"]
    if bad:
        raise PrintError(f"条形码只能包含英文字母、数字和常用符号（不能含“{bad[0]}”）", "text")

    values: list[int] = []
    i = 0
    n = len(text)
    if text.isdigit() and n % 2 == 0:
        subset = "C"
        values.append(_START_C)
    elif _digit_run(text, 0) >= 4 and _digit_run(text, 0) % 2 == 0:
        subset = "C"
        values.append(_START_C)
    else:
        subset = "B"
        values.append(_START_B)
    while i < n:
        if subset == "C":
            if _digit_run(text, i) >= 2:
                values.append(int(text[i:i + 2]))
                i += 2
                continue
            values.append(_CODE_B)
            subset = "B"
            continue
        run = _digit_run(text, i)
        # Switching to C pays when the run ends the text and has 4+ digits, or has
        # 6+ digits (the switch back to B costs one more symbol).
        if run >= 6 or (run >= 4 and i + run == n):
            if run % 2 == 1:
                values.append(ord(text[i]) - 32)
                i += 1
            values.append(_CODE_C)
            subset = "C"
            continue
        values.append(ord(text[i]) - 32)
        i += 1
    check = values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))
    values.append(check % 103)
    values.append(_STOP)
    return values


def code128_modules(text: str) -> list[bool]:
    """The barcode as modules, True for black, without the quiet zone."""
    modules: list[bool] = []
    for v in code128_values(text):
        black = True
        for w in _C128[v]:
            modules.extend([black] * int(w))
            black = not black
    return modules


def code128_png(text: str, *, module_px: int = 3, height_px: int = 120) -> bytes:
    """A Code 128 barcode as PNG bytes (1 bit, pure black and white).

    The picture is `height_px` tall, bars from top to bottom, with a quiet zone
    of 10 modules left and right; its width is (symbol modules + 20) × module_px.
    """
    if isinstance(module_px, bool) or not isinstance(module_px, int) or not 1 <= module_px <= 50:
        raise PrintError("条形码模块宽度应为1～50像素的整数", "module_px")
    if isinstance(height_px, bool) or not isinstance(height_px, int) or not 10 <= height_px <= 4000:
        raise PrintError("条形码高度应为10～4000像素的整数", "height_px")
    modules = code128_modules(text)
    total = len(modules) + 2 * CODE128_QUIET
    row = Image.new("1", (total, 1), 1)
    for x, black in enumerate(modules, start=CODE128_QUIET):
        if black:
            row.putpixel((x, 0), 0)
    img = row.resize((total * module_px, height_px), Image.Resampling.NEAREST)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# ---------------------------------------------------------------- decoding

# I25, DataBar and the like find "codes" in noise; these are the ones we meet.
_SYMBOLS = [
    pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128, pyzbar.ZBarSymbol.CODE39,
    pyzbar.ZBarSymbol.CODE93, pyzbar.ZBarSymbol.EAN13, pyzbar.ZBarSymbol.EAN8,
    pyzbar.ZBarSymbol.UPCA, pyzbar.ZBarSymbol.UPCE, pyzbar.ZBarSymbol.ISBN13,
]
_ROTATIONS = (5, -5, 10, -10, 15, -15, 90, 180, 270)
_DECODE_MAX_SIDE = 5000         # larger pictures are scaled down first
_UPSCALE_BELOW = 1200           # smaller pictures are also tried enlarged
_MAX_FRAMES = 20
DECODE_MAX_PIXELS = 40_000_000
"""One picture (or page, or frame) read for codes: an A4 scan at 600 dpi is 34.8 Mpx.
Checked from the header, before the pixels are decompressed."""
DECODE_MAX_TOTAL_PIXELS = 80_000_000
"""All frames of one multi-page picture together (each is held while it is read)."""
_SURE_QUALITY = 2                # scan lines that must agree on a barcode
_FLAT = 16                      # grey levels: less spread than this is a blank picture


def _open(image) -> list[Image.Image]:
    """The picture's frames as "L" images on white."""
    if isinstance(image, Image.Image):
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError):
            raise PrintError("无法识别的图片文件") from None
        frames = [image]
    else:
        if isinstance(image, (bytearray, memoryview)):
            image = bytes(image)
        if not isinstance(image, bytes) or not image:
            raise PrintError("无法识别的图片文件")
        if image[:5] == b"%PDF-":
            return [_to_gray(page) for page in _pdf_pages(image)]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                im = Image.open(io.BytesIO(image))
                frames = []
                total = 0
                for k, frame in enumerate(ImageSequence.Iterator(im)):
                    if k >= _MAX_FRAMES:
                        break
                    pixels = frame.size[0] * frame.size[1]
                    total += pixels
                    if pixels > DECODE_MAX_PIXELS or total > DECODE_MAX_TOTAL_PIXELS:
                        raise PrintError(f"图片过大（{frame.size[0]}×{frame.size[1]} 像素，"
                                         f"每张最多 {DECODE_MAX_PIXELS // 1_000_000} 百万像素），已拒绝读取")
                    frame.load()
                    frames.append(frame.copy())
        except PrintError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PrintError("无法识别的图片文件（像素数异常巨大）") from None
        except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
            raise PrintError("无法识别的图片文件") from None
        if not frames:
            raise PrintError("无法识别的图片文件")
    return [_to_gray(f) for f in frames]


_PDF_DPI = 200                  # enough for 0.33 mm bars (2.6 px) and for QR modules


def _pdf_pages(data: bytes) -> list[Image.Image]:
    """A PDF's pages as pictures (PDFium, through pypdfium2: no Qt, no poppler)."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise PrintError("无法识别的 PDF 文件（文件损坏或已加密）") from None
    try:
        if len(pdf) == 0:
            raise PrintError("PDF 文件没有页面")
        pages = []
        for index in range(min(len(pdf), _MAX_FRAMES)):
            page = pdf[index]
            width, height = page.get_size()
            # A huge page (a poster) is drawn smaller rather than as a gigapixel bitmap.
            scale = min(_PDF_DPI / 72, _DECODE_MAX_SIDE / max(width, height, 1))
            pages.append(page.render(scale=scale, grayscale=True).to_pil())
        return pages
    finally:
        pdf.close()


def _band_extrema(im: Image.Image) -> tuple[float, float]:
    """The lowest and highest value of a one-band picture (L or F); Pillow's stub
    also allows the per-band pairs of a picture of several bands."""
    lo, hi = im.getextrema()
    assert not isinstance(lo, tuple) and not isinstance(hi, tuple)   # one band: two numbers
    return lo, hi


def _to_gray(im: Image.Image) -> Image.Image:
    try:
        im = ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block must not stop the reading
        pass
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    if im.mode.startswith("I;16") or im.mode == "I":
        im = im.convert("I").point(lambda v: v * (1 / 256))     # 16-bit scans to 8 bits
    elif im.mode == "F":
        lo, hi = _band_extrema(im)
        scale = 255 / (hi - lo) if hi > lo else 1.0
        im = im.point(lambda v: (v - lo) * scale)
    gray = im.convert("L")
    side = max(gray.size)
    if side > _DECODE_MAX_SIDE:
        f = _DECODE_MAX_SIDE / side
        gray = gray.resize((max(1, round(gray.width * f)), max(1, round(gray.height * f))),
                           Image.Resampling.LANCZOS)
    return gray


def _otsu(gray: Image.Image) -> int:
    hist = gray.histogram()
    total = sum(hist)
    sum_all = sum(i * h for i, h in enumerate(hist))
    w_b = sum_b = 0
    best, best_t = -1.0, 128
    for t in range(256):
        w_b += hist[t]
        if w_b == 0:
            continue
        w_f = total - w_b
        if w_f == 0:
            break
        sum_b += t * hist[t]
        m_b = sum_b / w_b
        m_f = (sum_all - sum_b) / w_f
        between = w_b * w_f * (m_b - m_f) ** 2
        if between > best:
            best, best_t = between, t
    return best_t


def _binarise(gray: Image.Image) -> Image.Image:
    t = _otsu(gray)
    return gray.point(lambda v: 255 if v > t else 0)


def _undo_charset_guess(text: str) -> str:
    """zbar reads a QR code's bytes without an ECI header as Shift_JIS (or Big5)
    when they could be, so UTF-8 Chinese from other issuers comes out as mojibake
    (可 → 蜿ｯ, 审书 → 摰∩髡). Put such text back: it encodes to Shift_JIS or
    Big5 bytes that are valid UTF-8."""
    if text.isascii():
        return text
    for codec in ("shift_jis", "cp932", "big5", "cp950"):
        raw = bytearray()
        try:
            for ch in text:
                try:
                    raw += ch.encode(codec)
                except UnicodeEncodeError:
                    if ord(ch) > 0xFF:      # zbar passes bytes it cannot map through as is
                        raise
                    raw.append(ord(ch))
            return raw.decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def _scan(im: Image.Image) -> list[dict]:
    """zbar's findings in one picture, with "quality": for barcodes the number of
    scan lines that read the same text, for QR codes always 1."""
    found = []
    for sym in pyzbar.decode(im, symbols=_SYMBOLS):
        raw = sym.data
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
        if sym.type == "QRCODE":
            text = _undo_charset_guess(text)
        found.append({"type": sym.type, "data": text, "quality": sym.quality})
    return found


def _is_sure(item: dict) -> bool:
    """A QR code carries Reed–Solomon correction, so one read is enough. A barcode
    only has a weak check digit (Code 128: mod 103), and on noisy scans a single
    scan line can misread it with a valid checksum; trust it when 2+ lines agree."""
    return item["type"] == "QRCODE" or item["quality"] >= _SURE_QUALITY


def _variants(gray: Image.Image):
    """Ever harder looks at one picture, cheapest first."""
    yield gray
    contrast = ImageOps.autocontrast(gray, cutoff=1)
    yield contrast
    binary = _binarise(contrast)
    yield binary
    # Noise and JPEG blocks: smooth, then binarise again.
    soft = contrast.filter(ImageFilter.MedianFilter(3))
    yield _binarise(soft)
    small = max(gray.size) < _UPSCALE_BELOW
    if small:
        # Low-resolution scans: modules of 1–2 px; zbar does better on a bigger picture.
        big = contrast.resize((gray.width * 2, gray.height * 2), Image.Resampling.BICUBIC)
        yield _binarise(big)
    # Tilted codes: zbar's line scanner gives up on a barcode tilted by more than
    # about 10°, so turn the picture back by steps (smoothed, then binarised).
    for angle in _ROTATIONS:
        if angle in (90, 180, 270):
            yield binary.rotate(angle, expand=True)
        else:
            yield _binarise(soft.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True,
                                        fillcolor=255))
    if small:
        # Tilted and low-resolution: the same on a picture enlarged 3× (2× for larger ones).
        f = 3 if max(gray.size) <= _UPSCALE_BELOW * 2 // 3 else 2
        soft_big = contrast.resize((gray.width * f, gray.height * f), Image.Resampling.BICUBIC) \
            .filter(ImageFilter.MedianFilter(3))
        for angle in _ROTATIONS:
            if angle not in (90, 180, 270):
                yield _binarise(soft_big.rotate(angle, resample=Image.Resampling.BILINEAR,
                                                expand=True, fillcolor=255))


def decode_codes(image: bytes | Image.Image) -> list[dict]:
    """Every barcode / QR code in a picture: [{"type": "QRCODE"|"CODE128"|…, "data": str}].

    Tries the picture as it is, then with stretched contrast, binarised,
    smoothed, enlarged (small pictures) and rotated (±5°, ±10°, ±15°, 90°,
    180°, 270°), stopping at the first look that finds something sure (a QR
    code, or a barcode read alike on two or more scan lines). Barcodes read on
    a single scan line only are kept aside and given only when no look finds
    anything sure, best read first. Results are de-duplicated, in the order
    found. A picture without codes gives []; bytes that are not a picture raise
    PrintError("无法识别的图片文件"). Multi-page pictures (TIFF) and PDFs (rendered
    at 200 dpi, the first 20 pages) are read page by page.
    """
    frames = _open(image)
    results: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, data: str) -> None:
        if (kind, data) not in seen:
            seen.add((kind, data))
            results.append({"type": kind, "data": data})

    for gray in frames:
        lo, hi = _band_extrema(gray)
        if hi - lo < _FLAT:
            continue            # a blank page: nothing to find, skip the hard looks
        weak: dict[tuple[str, str], int] = {}
        sure = False
        for variant in _variants(gray):
            found = _scan(variant)
            for item in found:
                if _is_sure(item):
                    sure = True
                    add(item["type"], item["data"])
            if sure:
                break
            for item in found:
                key = (item["type"], item["data"])
                weak[key] = weak.get(key, 0) + item["quality"]
        if not sure:
            for kind, data in sorted(weak, key=lambda k: -weak[k]):
                add(kind, data)
    return results
