"""Seal pictures for printed documents: draw a round official seal, or check a supplied one.

`draw_round_seal` makes the familiar red round seal of a Chinese organ
(行政审批专用章 style): a red ring, the organ's name along the upper arc with
every character standing upright on the radius, a solid five-pointed star in
the centre and an optional horizontal line of text (e.g. 行政审批专用章) under
the star. The result is a transparent PNG, the same bytes for the same input.

`check_seal_png` vets a picture of a real seal supplied by the office (a scan
or a photo) and returns it as an RGBA PNG.

No Qt here: the forms package must import without PyQt6.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import subprocess
import unicodedata
import warnings
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

from forms.errors import FormError
from printing.text import has_control

SEAL_RED = (0xE6, 0x00, 0x12)

NAME_MIN = 2
NAME_MAX = 40
CENTER_TEXT_MAX = 20
SIZE_MIN = 100
SIZE_MAX = 4000

FONT_FAMILY = "WenQuanYi Micro Hei"
FONT_FALLBACK = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# Supplied seal pictures.
SEAL_FILE_MAX = 5 * 1024 * 1024
SEAL_PX_MIN = 100
SEAL_PX_MAX = 4000
SEAL_ASPECT_MIN = 0.8
SEAL_ASPECT_MAX = 1.25

# Drawing happens at this multiple of the asked size and is scaled down, which
# smooths the ring and star edges (ImageDraw does not antialias them).
_SUPERSAMPLE = 2


# ---------------------------------------------------------------- fonts


def _font_candidates() -> list[str]:
    """Font files to try, best first: what fontconfig says, then the Debian path."""
    found = []
    try:
        proc = subprocess.run(["fc-match", "-f", "%{file}", FONT_FAMILY], capture_output=True,
                              text=True, timeout=10)
        path = proc.stdout.strip()
        if proc.returncode == 0 and path:
            found.append(path)
    except (OSError, subprocess.SubprocessError):
        pass
    if FONT_FALLBACK not in found:
        found.append(FONT_FALLBACK)
    return found


def _renders_cjk(path: str) -> bool:
    """fc-match always answers something; make sure that font has Chinese glyphs."""
    try:
        font = ImageFont.truetype(path, 48, index=0)
    except OSError:
        return False
    try:
        han = font.getmask("国")
        # A code point no font has: a font without 国 draws the same .notdef box for both.
        missing = font.getmask("\U000f0000")
    except (OSError, ValueError):
        return False
    if han.getbbox() is None:
        return False
    return han.size != missing.size or bytes(han) != bytes(missing)


@lru_cache(maxsize=1)
def cjk_font_path() -> str:
    """Path of a font that draws Chinese (WenQuanYi Micro Hei), or FormError."""
    for path in _font_candidates():
        if _renders_cjk(path):
            return path
    raise FormError("找不到中文字体（文泉驿微米黑），无法生成印章图片；"
                      "请安装 fonts-wqy-microhei 后重试")


def _font(px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), max(1, int(px)), index=0)


# ---------------------------------------------------------------- drawing


def _clean_name(name, label: str, *, min_len: int, max_len: int, field: str = "name") -> str:
    if not isinstance(name, str):
        raise FormError(f"{label}应为文字", field)
    value = unicodedata.normalize("NFC", name).strip()
    if has_control(value) or "\t" in value:
        raise FormError(f"{label}含有不可见的控制字符，请重新输入", field)
    if len(value) < min_len:
        if not value:
            raise FormError(f"{label}不能为空", field)
        raise FormError(f"{label}过短（至少{min_len}字）", field)
    if len(value) > max_len:
        raise FormError(f"{label}过长（{len(value)}字，最多{max_len}字）", field)
    return value


def _cell_glyph(ch: str, font: ImageFont.FreeTypeFont, stroke: int, cell_w: int,
                cell_h: int) -> Image.Image:
    """The character drawn in a cell of the font's em box, then fitted to cell_w × cell_h.

    Working from the em cell (not the ink box) keeps small characters such as 一
    small and keeps every character on the same baseline.
    """
    size = int(font.size)       # whole pixels: _font makes every font at an int size
    pad = stroke + 2
    im = Image.new("L", (size + 2 * pad, size + 2 * pad), 0)
    ascent, descent = font.getmetrics()
    # Centre the em box vertically on the font's line box.
    y = pad - (ascent + descent - size) // 2
    x = pad + (size - font.getlength(ch)) / 2
    ImageDraw.Draw(im).text((x, y), ch, font=font, fill=255, stroke_width=stroke,
                            stroke_fill=255)
    return im.resize((max(1, cell_w), max(1, cell_h)), Image.Resampling.LANCZOS)


def _star_points(cx: float, cy: float, r_outer: float, r_inner: float) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        r = r_outer if i % 2 == 0 else r_inner
        a = math.radians(-90 + 36 * i)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def _arc_span(n: int) -> float:
    """Degrees the name spreads over: 220° for ordinary names up to 250° for long ones.

    Very short names (fewer than 8 characters) keep the pitch of an 8-character
    name instead of being pulled apart to the ends of the arc.
    """
    if n <= 1:
        return 0.0
    if n < 8:
        return 220.0 / 7 * (n - 1)
    return 220.0 + 30.0 * min(1.0, max(0.0, (n - 12) / 12))


def _ink_texture(mask: Image.Image, seed: bytes) -> Image.Image:
    """Thin the ink a little in scattered specks, as a real impression does. Deterministic."""
    rng = random.Random(int.from_bytes(hashlib.sha256(seed).digest()[:8], "big"))
    w, h = mask.size
    holes = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(holes)
    unit = max(1.0, w / 600)
    for _ in range(int(w * h / (unit * unit) / 180)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.4, 1.6) * unit
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(60, 170))
    return ImageChops.subtract(mask, holes)


def draw_round_seal(name: str, *, center_text: str = "", size_px: int = 600) -> bytes:
    """A red round official seal as PNG bytes (RGBA, transparent background).

    name: the organ, set along the upper arc (2–40 characters),
        e.g. 西安市新城区行政审批服务局.
    center_text: optional line under the star, e.g. 行政审批专用章 (up to 20 characters).
    size_px: width and height of the picture (100–4000).
    """
    name = _clean_name(name, "印章单位名称", min_len=NAME_MIN, max_len=NAME_MAX)
    if center_text is None:
        center_text = ""
    if not isinstance(center_text, str):
        raise FormError("印章中心文字应为文字", "center_text")
    if center_text.strip():
        center_text = _clean_name(center_text, "印章中心文字", min_len=1, max_len=CENTER_TEXT_MAX,
                                   field="center_text")
    else:
        center_text = ""
    if isinstance(size_px, bool) or not isinstance(size_px, int):
        raise FormError("印章图片尺寸应为整数像素", "size_px")
    if not SIZE_MIN <= size_px <= SIZE_MAX:
        raise FormError(f"印章图片尺寸应在{SIZE_MIN}～{SIZE_MAX}像素之间（现为{size_px}）",
                          "size_px")
    cjk_font_path()  # fail early, with the Chinese message, when there is no font

    S = size_px * _SUPERSAMPLE
    c = S / 2
    line = S / 30                      # ring width
    R = S / 2 - line * 0.6             # outer edge of the ring, just inside the picture
    mask = Image.new("L", (S, S), 0)
    draw = ImageDraw.Draw(mask)

    # Ring.
    draw.ellipse((c - R, c - R, c + R, c + R), outline=255, width=round(line))

    # Star.
    r_star = R * 0.27
    star_cy = c - R * 0.02
    draw.polygon(_star_points(c, star_cy, r_star, r_star * 0.382), fill=255)

    # Name along the upper arc: each character upright on its radius.
    n = len(name)
    span = _arc_span(n)
    char_h = R * 0.25                                 # radial height of a character
    r_text = R - line - R * 0.045 - char_h / 2        # radius of the characters' centres
    if n > 1:
        pitch = r_text * math.radians(span) / (n - 1)  # arc length between neighbours
    else:
        pitch = char_h
    char_w = min(char_h, pitch * 0.92)                # narrow the characters of long names
    font = _font(char_h * 1.08)
    stroke = max(0, round(char_h / 60))
    for i, ch in enumerate(name):
        theta = -span / 2 + (span / (n - 1) * i if n > 1 else 0.0)   # degrees, clockwise from top
        g = _cell_glyph(ch, font, stroke, round(char_w), round(char_h))
        g = g.rotate(-theta, resample=Image.Resampling.BICUBIC, expand=True)
        a = math.radians(theta)
        gx = c + r_text * math.sin(a)
        gy = c - r_text * math.cos(a)
        mask.paste(255, (round(gx - g.width / 2), round(gy - g.height / 2)), g)

    # Centre text: one horizontal line under the star.
    if center_text:
        m = len(center_text)
        ct_h = R * 0.16
        max_w = R * 1.2                               # keep well inside the ring
        ct_font = _font(ct_h * 1.08)
        ct_stroke = max(0, round(ct_h / 60))
        cell_w = min(ct_h, max_w / m)
        gap = cell_w * 0.06
        total = m * cell_w + (m - 1) * gap
        x0 = c - total / 2
        y_mid = c + R * 0.52
        for i, ch in enumerate(center_text):
            g = _cell_glyph(ch, ct_font, ct_stroke, round(cell_w), round(ct_h))
            x = x0 + i * (cell_w + gap)
            mask.paste(255, (round(x), round(y_mid - ct_h / 2)), g)

    mask = _ink_texture(mask, f"{name}\x00{center_text}\x00{size_px}".encode())
    mask = mask.resize((size_px, size_px), Image.Resampling.LANCZOS)

    seal = Image.new("RGBA", (size_px, size_px), SEAL_RED + (0,))
    seal.putalpha(mask)
    out = io.BytesIO()
    seal.save(out, format="PNG", optimize=False)
    return out.getvalue()


# ---------------------------------------------------------------- supplied pictures


def check_seal_png(data: bytes) -> bytes:
    """Vet a supplied seal picture (PNG, or JPEG which is converted); return RGBA PNG bytes.

    Rules: at most 5 MB; an image Pillow can read in full; 100–4000 px on each
    side; roughly square (width/height between 0.8 and 1.25).
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise FormError("印章图片应为图片文件的内容", "seal")
    if not data:
        raise FormError("印章图片为空文件", "seal")
    if len(data) > SEAL_FILE_MAX:
        raise FormError(f"印章图片过大（{len(data) / 1024 / 1024:.1f} MB，最大 5 MB）", "seal")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im: Image.Image = Image.open(io.BytesIO(data))
            fmt = im.format
            w, h = im.size
            if fmt not in ("PNG", "JPEG"):
                raise FormError(f"印章图片应为 PNG 或 JPEG 格式（现为{fmt or '未知格式'}）", "seal")
            if w > SEAL_PX_MAX or h > SEAL_PX_MAX:
                raise FormError(f"印章图片尺寸过大（{w}×{h}，每边最多{SEAL_PX_MAX}像素）", "seal")
            if w < SEAL_PX_MIN or h < SEAL_PX_MIN:
                raise FormError(f"印章图片尺寸过小（{w}×{h}，每边至少{SEAL_PX_MIN}像素）", "seal")
            aspect = w / h
            if not SEAL_ASPECT_MIN <= aspect <= SEAL_ASPECT_MAX:
                raise FormError(f"印章图片应大致为正方形（现为{w}×{h}）", "seal")
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FormError("印章图片像素数异常巨大（疑似解压炸弹），已拒绝", "seal") from None
    except Image.UnidentifiedImageError:
        raise FormError("印章图片无法识别：不是图片文件或文件已损坏", "seal") from None
    except FormError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise FormError(f"印章图片已损坏或不完整，无法读取（{exc}）", "seal") from None
    if im.mode != "RGBA":
        if im.mode == "P" and "transparency" in im.info:
            im = im.convert("RGBA")
        elif im.mode in ("LA", "PA", "RGBa", "La"):
            im = im.convert("RGBA")
        else:
            im = im.convert("RGB").convert("RGBA")
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()
