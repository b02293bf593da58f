"""Barcodes and QR codes: drawn here, read back with zbar, also after scanner-like damage."""

import io

import pytest
import segno
from PIL import Image

from printing.codes import (CODE128_QUIET, code128_modules, code128_png, code128_values,
                            decode_codes, qr_png)
from printing.errors import PrintError

RECEIPT_NO = "610102202609300010001"            # 21 digits
ALNUM = "XS-2026-ab17/Q"
QR_ZH = "WS1|新城审受字〔2026〕第100001号|610102202609300010001|张三|2026-09-30"
QR_ASCII = "https://zwfw.xincheng.gov.cn/q?n=610102202609300010001"


def _gray(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


def _data(found):
    return [(d["type"], d["data"]) for d in found]


# ---------------------------------------------------------------- QR


@pytest.mark.parametrize("payload", [QR_ASCII, QR_ZH, "可", "审书", "局", "受理\n通知书"])
def test_qr_round_trip(payload):
    png = qr_png(payload)
    assert png.startswith(b"\x89PNG")
    assert _data(decode_codes(png)) == [("QRCODE", payload)]


def test_qr_quiet_zone_and_scale():
    im = _gray(qr_png("abc", scale=5, border=6))
    modules = segno.make_qr("abc", error="m", boost_error=False).symbol_size(scale=1, border=0)[0]
    assert im.size == ((modules + 12) * 5,) * 2
    q = 6 * 5
    for box in [(0, 0, im.width, q), (0, im.height - q, im.width, im.height),
                (0, 0, q, im.height), (im.width - q, 0, im.width, im.height)]:
        assert im.crop(box).getextrema() == (255, 255)
    assert set(im.getextrema()) == {0, 255}


def test_qr_chinese_is_byte_mode_utf8():
    png = qr_png(QR_ZH, error="q")
    assert _data(decode_codes(Image.open(io.BytesIO(png)))) == [("QRCODE", QR_ZH)]


@pytest.mark.parametrize("kwargs", [
    {"payload": ""}, {"payload": None}, {"payload": "a\x00b"},
    {"payload": "x", "border": 3}, {"payload": "x", "scale": 0}, {"payload": "x", "error": "z"},
    {"payload": "测" * 3000},
])
def test_qr_bad_input(kwargs):
    payload = kwargs.pop("payload")
    with pytest.raises(PrintError):
        qr_png(payload, **kwargs)


@pytest.mark.parametrize("text", ["可", "审书", "局", "受理通知书", QR_ZH])
def test_foreign_qr_without_eci_reads_as_utf8(text):
    """Other issuers' codes carry UTF-8 without an ECI header; zbar guesses
    Shift_JIS or Big5 for short ones, and decode_codes must undo that."""
    buf = io.BytesIO()
    segno.make_qr(text, mode="byte", encoding="utf-8").save(buf, kind="png", scale=4)
    assert _data(decode_codes(buf.getvalue())) == [("QRCODE", text)]


def test_genuine_shift_jis_and_latin1_qr_are_left_alone():
    for raw, text in [("東京都".encode("shift_jis"), "東京都"), ("Café".encode("latin-1"), "Café")]:
        buf = io.BytesIO()
        segno.make_qr(raw).save(buf, kind="png", scale=4)
        assert _data(decode_codes(buf.getvalue())) == [("QRCODE", text)]


# ---------------------------------------------------------------- Code 128


@pytest.mark.parametrize("text", [RECEIPT_NO, ALNUM, "12", "1234567890", "A1234567B", "Hello World! ~",
                                  "XS2026000123"])
def test_code128_round_trip(text):
    assert _data(decode_codes(code128_png(text))) == [("CODE128", text)]


def test_code128_encoding():
    # Wikipedia's example, all in subset B: checksum 104+48·1+42·2+42·3+17·4+18·5+19·6+35·7 = 879 ≡ 55.
    assert code128_values("PJJ123C") == [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]
    # Even digits: subset C all the way.
    assert code128_values("1234") == [105, 12, 34, (105 + 12 + 2 * 34) % 103, 106]
    # 21 digits: first digit in B, then CODE C and ten pairs.
    values = code128_values(RECEIPT_NO)
    assert values[:3] == [104, ord("6") - 32, 99]
    assert values[3:13] == [int(RECEIPT_NO[i:i + 2]) for i in range(1, 21, 2)]
    assert len(values) == 15
    # Every symbol is 11 modules, the stop 13; bars start and end the symbol.
    modules = code128_modules(RECEIPT_NO)
    assert len(modules) == 11 * (len(values) - 1) + 13
    assert modules[0] and modules[-1]


def test_every_checksum_value_decodes():
    """The checksum can be any of 0–102, so every pattern of the table is printed sometime."""
    wanted = set(range(103))
    for first in (chr(c) for c in range(32, 127)):
        for second in "AZ09":
            text = first + second + "x"
            check = code128_values(text)[-2]
            if check in wanted:
                wanted.discard(check)
                assert _data(decode_codes(code128_png(text, module_px=2, height_px=40))) == \
                    [("CODE128", text)]
    assert not wanted


def test_code128_picture_is_pure_black_and_white_with_quiet_zones():
    module_px, height = 3, 120
    im = _gray(code128_png(RECEIPT_NO, module_px=module_px, height_px=height))
    n = len(code128_modules(RECEIPT_NO))
    assert im.size == ((n + 2 * CODE128_QUIET) * module_px, height)
    assert set(im.histogram()[i] > 0 for i in range(1, 255)) == {False}
    quiet = CODE128_QUIET * module_px
    assert im.crop((0, 0, quiet, height)).getextrema() == (255, 255)
    assert im.crop((im.width - quiet, 0, im.width, height)).getextrema() == (255, 255)
    assert im.getpixel((quiet, 0)) == 0 and im.getpixel((im.width - quiet - 1, height - 1)) == 0


@pytest.mark.parametrize("text, kwargs", [
    ("", {}), (None, {}), ("受理号123", {}), ("AB\tC", {}), ("A\x7f", {}), ("9" * 81, {}),
    ("123", {"module_px": 0}), ("123", {"height_px": 5}), ("123", {"module_px": 2.5}),
])
def test_code128_bad_input(text, kwargs):
    with pytest.raises(PrintError):
        code128_png(text, **kwargs)


# ---------------------------------------------------------------- reading damaged pictures


def _rotate(im, angle):
    return im.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _noise(im, sigma=60, alpha=0.35):
    return Image.blend(im, Image.effect_noise(im.size, sigma), alpha)


def _jpeg(im, quality=40):
    buf = io.BytesIO()
    im.convert("RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _to_150dpi(im):
    """The pictures are drawn for 300 dpi; a 150 dpi scan has half the pixels."""
    return im.resize((im.width // 2, im.height // 2), Image.Resampling.BOX)


DAMAGE = {
    "rot5": lambda im: _rotate(im, 5),
    "rot10": lambda im: _rotate(im, 10),
    "rot15": lambda im: _rotate(im, 15),
    "rot-5": lambda im: _rotate(im, -5),
    "rot-10": lambda im: _rotate(im, -10),
    "rot-15": lambda im: _rotate(im, -15),
    "rot90": lambda im: im.rotate(90, expand=True),
    "rot180": lambda im: im.rotate(180, expand=True),
    "noise": _noise,
    "heavy-noise": lambda im: _noise(im, 80, 0.5),
    "jpeg40": _jpeg,
    "150dpi": _to_150dpi,
    "150dpi-rot10-noise-jpeg40": lambda im: _jpeg(_noise(_rotate(_to_150dpi(im), 10))),
    "rot15-noise-jpeg40": lambda im: _jpeg(_noise(_rotate(im, 15))),
}

CODES = {
    "qr": (lambda: qr_png(QR_ZH), ("QRCODE", QR_ZH)),
    "code128-digits": (lambda: code128_png(RECEIPT_NO), ("CODE128", RECEIPT_NO)),
    "code128-alnum": (lambda: code128_png(ALNUM), ("CODE128", ALNUM)),
}


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("code", CODES)
def test_damaged_codes_still_decode(code, damage):
    make, expected = CODES[code]
    picture = DAMAGE[damage](_gray(make()))
    assert _data(decode_codes(picture)) == [expected]


def test_codes_on_a_page_are_all_found():
    page = Image.new("RGB", (1240, 1754), "white")          # A4 at 150 dpi
    page.paste(_gray(qr_png(QR_ZH, scale=4)), (900, 80))
    page.paste(_gray(code128_png(RECEIPT_NO, module_px=2, height_px=80)), (100, 1500))
    buf = io.BytesIO()
    _rotate(page, 4).save(buf, format="PNG")
    found = _data(decode_codes(buf.getvalue()))
    assert sorted(found) == sorted([("QRCODE", QR_ZH), ("CODE128", RECEIPT_NO)])


def test_the_same_code_twice_is_reported_once():
    page = Image.new("L", (900, 400), 255)
    bar = _gray(code128_png(RECEIPT_NO, module_px=2, height_px=60))
    page.paste(bar, (20, 20))
    page.paste(bar, (20, 250))
    assert _data(decode_codes(page)) == [("CODE128", RECEIPT_NO)]


def test_transparent_picture_is_read_on_white():
    qr = _gray(qr_png("abc"))
    ink = Image.new("RGBA", qr.size, (0, 0, 0, 0))
    ink.putalpha(qr.point(lambda v: 255 - v))               # black modules, transparent elsewhere
    assert _data(decode_codes(ink)) == [("QRCODE", "abc")]


def test_blank_pictures_have_no_codes():
    assert decode_codes(Image.new("L", (2480, 3508), 255)) == []
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (240, 240, 240)).save(buf, format="JPEG")
    assert decode_codes(buf.getvalue()) == []
    text_only = Image.new("L", (600, 300), 255)
    from PIL import ImageDraw
    ImageDraw.Draw(text_only).text((20, 20), "no code here 12345", fill=0)
    assert decode_codes(text_only) == []


@pytest.mark.parametrize("garbage", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
                                     bytes(range(256)) * 4, "text"])
def test_garbage_is_refused(garbage):
    with pytest.raises(PrintError, match="无法识别的图片文件"):
        decode_codes(garbage)


def test_sixteen_bit_and_multi_page_scans():
    bar = _gray(code128_png("ABC123"))
    deep = bar.point(lambda v: v * 256, mode="I").convert("I;16")
    buf = io.BytesIO()
    deep.save(buf, format="PNG")
    assert _data(decode_codes(buf.getvalue())) == [("CODE128", "ABC123")]
    buf = io.BytesIO()
    Image.new("L", (300, 300), 255).save(buf, format="TIFF", save_all=True,
                                         append_images=[_gray(qr_png("第二页"))])
    assert _data(decode_codes(buf.getvalue())) == [("QRCODE", "第二页")]
