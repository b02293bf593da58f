"""Seal pictures: the drawn round seal, and the checks on a supplied one."""

import io
import math
import os
import random
import struct
import zlib

import pytest
from PIL import Image

from forms import seal_image
from forms.seal_image import SEAL_RED, check_seal_png, draw_round_seal
from forms.errors import FormError

ORGAN = "西安市新城区行政审批服务局"


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    assert im.format == "PNG"
    im.load()
    return im


def _ring_share(im: Image.Image, radius: float) -> float:
    """Share of points on a circle of `radius` that are opaque seal red."""
    c = im.width / 2
    hits = 0
    for k in range(360):
        a = math.radians(k)
        x, y = int(c + radius * math.cos(a)), int(c + radius * math.sin(a))
        r, g, b, alpha = im.getpixel((x, y))
        if alpha > 128 and (r, g, b) == SEAL_RED:
            hits += 1
    return hits / 360


def _opaque_in(im: Image.Image, box) -> int:
    alpha = im.getchannel("A").crop(box)
    return sum(alpha.histogram()[129:])


@pytest.fixture(scope="module")
def seal_with_center():
    return draw_round_seal(ORGAN, center_text="行政审批专用章")


# ---------------------------------------------------------------- drawing


@pytest.mark.parametrize("name, center, size", [
    ("新城区", "", 600),                                        # short
    (ORGAN, "行政审批专用章", 600),                              # the usual one
    ("西安市新城区行政审批服务局政务服务中心综合窗口专用", "", 600),  # 24 characters
    (ORGAN, "", 300),
    ("  " + ORGAN + "  ", "专用章", 1000),                      # stripped
])
def test_seal_draws(name, center, size):
    im = _open(draw_round_seal(name, center_text=center, size_px=size))
    assert im.mode == "RGBA"
    assert im.size == (size, size)
    # Transparent background: the corners (outside the circle) and between ring and star.
    for xy in [(0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1), (2, size // 2)]:
        assert im.getpixel(xy)[3] == 0, xy
    # Red ring: line width size/30, its middle at size/2 - 0.6·w - w/2.
    w = size / 30
    assert _ring_share(im, size / 2 - 0.6 * w - w / 2) > 0.9
    # Solid star in the centre.
    r, g, b, a = im.getpixel((size // 2, size // 2))
    assert a > 200 and (r, g, b) == SEAL_RED
    # The name is inked along the upper arc, and the lower arc stays empty.
    s = size
    assert _opaque_in(im, (int(s * 0.25), int(s * 0.06), int(s * 0.75), int(s * 0.25))) > s * s / 400
    assert _opaque_in(im, (int(s * 0.3), int(s * 0.86), int(s * 0.7), int(s * 0.9))) == 0
    # Only seal red is used (alpha carries the shape).
    assert [band.getextrema() for band in im.convert("RGB").split()] == [(v, v) for v in SEAL_RED]


def test_center_text_sits_under_the_star(seal_with_center):
    with_text = _open(seal_with_center)
    without = _open(draw_round_seal(ORGAN))
    band = (150, 400, 450, 455)          # y ≈ c + 0.52 R for a 600 px seal
    assert _opaque_in(with_text, band) > 2000
    assert _opaque_in(without, band) == 0


def test_seal_is_deterministic(seal_with_center):
    assert draw_round_seal(ORGAN, center_text="行政审批专用章") == seal_with_center
    assert draw_round_seal(ORGAN) != seal_with_center
    assert draw_round_seal("西安市碑林区行政审批服务局", center_text="行政审批专用章") != seal_with_center


def test_two_and_forty_characters_are_allowed():
    assert _open(draw_round_seal("审批", size_px=200)).size == (200, 200)
    assert _open(draw_round_seal("审" * 40, size_px=200)).size == (200, 200)


@pytest.mark.parametrize("name", ["", "   ", "局", "西安市\x00新城区", "西安市\n新城区", "西安\u200b新城",
                                  "审" * 41, None, 123])
def test_bad_names_are_refused(name):
    with pytest.raises(FormError) as err:
        draw_round_seal(name)
    assert err.value.field == "name"


@pytest.mark.parametrize("kwargs", [
    {"center_text": "专用章\x07"},
    {"center_text": "章" * 21},
    {"size_px": 50},
    {"size_px": 5000},
    {"size_px": 600.0},
])
def test_bad_options_are_refused(kwargs):
    with pytest.raises(FormError):
        draw_round_seal(ORGAN, **kwargs)


def test_missing_chinese_font(monkeypatch):
    seal_image.cjk_font_path.cache_clear()
    monkeypatch.setattr(seal_image, "_font_candidates", lambda: ["/nonexistent/font.ttf"])
    try:
        with pytest.raises(FormError, match="找不到中文字体"):
            draw_round_seal(ORGAN)
    finally:
        monkeypatch.undo()
        seal_image.cjk_font_path.cache_clear()
    assert seal_image.cjk_font_path().endswith((".ttc", ".ttf", ".otf"))


def test_a_font_without_chinese_is_not_taken():
    assert seal_image._renders_cjk(seal_image.FONT_FALLBACK)
    # Liberation Sans: a Latin-only font `make` installs (fonts-liberation), so it is there.
    latin_only = "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"
    assert os.path.exists(latin_only), "fonts-liberation is not installed (make installs it)"
    assert not seal_image._renders_cjk(latin_only)


# ---------------------------------------------------------------- supplied pictures


def _png(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _bilevel_png(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG of any size, built without holding its pixels."""
    comp = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))


def test_check_accepts_a_png(seal_with_center):
    out = _open(check_seal_png(seal_with_center))
    assert out.mode == "RGBA" and out.size == (600, 600)
    assert out.tobytes() == _open(seal_with_center).tobytes()


def test_check_accepts_a_jpeg_and_makes_it_png():
    im = Image.new("RGB", (400, 360), "white")
    im.paste((230, 0, 18), (100, 100, 300, 260))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=90)
    out = _open(check_seal_png(buf.getvalue()))
    assert out.mode == "RGBA" and out.size == (400, 360)
    assert out.getpixel((200, 180))[0] > 200 and out.getpixel((200, 180))[1] < 40
    assert min(out.getpixel((5, 5))[:3]) > 245 and out.getpixel((5, 5))[3] == 255


def test_check_accepts_palette_and_grey_pictures():
    assert _open(check_seal_png(_png(Image.new("L", (200, 200), 128)))).mode == "RGBA"
    assert _open(check_seal_png(_png(Image.new("P", (200, 200), 3)))).mode == "RGBA"


def test_bilevel_helper_makes_a_real_png():
    im = Image.open(io.BytesIO(_bilevel_png(120, 110)))
    im.load()
    assert im.size == (120, 110) and im.mode == "1"
    assert _open(check_seal_png(_bilevel_png(120, 110))).size == (120, 110)


@pytest.mark.parametrize("make, words", [
    (lambda: "这不是图片".encode() * 10, "无法识别"),
    (lambda: b"", "空"),
    (lambda: _png(Image.new("RGB", (50, 50), "white")), "过小"),
    (lambda: _png(Image.new("RGB", (5000, 100), "white")), "过大"),
    (lambda: _png(Image.new("RGB", (400, 200), "white")), "正方形"),
    (lambda: _png(Image.new("RGB", (100, 150), "white")), "正方形"),
    (lambda: _bilevel_png(4100, 4100), "过大"),
])
def test_check_refuses(make, words):
    with pytest.raises(FormError, match="印章图片") as err:
        check_seal_png(make())
    assert words in err.value.message


def test_check_refuses_a_truncated_png():
    rng = random.Random(7)
    noisy = Image.frombytes("RGB", (300, 300), rng.randbytes(300 * 300 * 3))
    data = _png(noisy)
    with pytest.raises(FormError, match="印章图片.*(损坏|不完整)"):
        check_seal_png(data[: len(data) // 2])


def test_check_refuses_a_file_over_5_mb():
    rng = random.Random(8)
    noisy = Image.frombytes("RGB", (1400, 1400), rng.randbytes(1400 * 1400 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG", compress_level=0)
    assert len(out.getvalue()) > 5 * 1024 * 1024
    with pytest.raises(FormError, match="印章图片过大"):
        check_seal_png(out.getvalue())


def test_check_refuses_other_formats():
    buf = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(buf, format="GIF")
    with pytest.raises(FormError, match="PNG 或 JPEG"):
        check_seal_png(buf.getvalue())


@pytest.mark.parametrize("side", [20000, 10000])   # over 2× and over 1× Pillow's pixel limit
def test_check_refuses_a_decompression_bomb(side):
    bomb = _bilevel_png(side, side)
    assert len(bomb) < 5 * 1024 * 1024
    with pytest.raises(FormError, match="印章图片.*解压炸弹"):
        check_seal_png(bomb)
