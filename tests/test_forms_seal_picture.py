"""The drawn seal and the check of a supplied seal picture."""

import io

import pytest
from PIL import Image

from forms.seal_image import check_seal_png, draw_round_seal
from forms.errors import FormError


def test_drawn_seal_is_a_red_ring_on_transparent_ground():
    png = draw_round_seal("西安市新城区行政审批服务局", center_text="行政审批专用章", size_px=400)
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    assert image.size == (400, 400)
    assert image.getpixel((0, 0))[3] == 0                      # transparent corner
    pixels = getattr(image, "get_flattened_data", image.getdata)()   # Pillow 13 renamed it
    reds = [p for p in pixels if p[3] > 200 and p[0] > 180 and p[1] < 80 and p[2] < 80]
    assert len(reds) > 400 * 400 * 0.05                           # ring, text and star in red
    assert draw_round_seal("西安市新城区行政审批服务局", center_text="行政审批专用章", size_px=400) == png


@pytest.mark.parametrize("name", ["", "   ", "章", "坏\x00章名", "字" * 41])
def test_bad_names(name):
    with pytest.raises(FormError):
        draw_round_seal(name)


def _png(size, mode="RGBA", fmt="PNG"):
    out = io.BytesIO()
    Image.new(mode, size, (200, 0, 0) if mode == "RGB" else (200, 0, 0, 255)).save(out, format=fmt)
    return out.getvalue()


def test_supplied_picture_accepted_and_normalised():
    for data in (_png((300, 300)), _png((300, 310), "RGB", "JPEG")):
        out = check_seal_png(data)
        assert Image.open(io.BytesIO(out)).format == "PNG"


@pytest.mark.parametrize("data", [
    b"not an image at all",
    _png((300, 300))[:200],            # truncated
    _png((50, 50)),                    # too small
    _png((1000, 200)),                 # not round-ish
])
def test_bad_pictures(data):
    with pytest.raises(FormError, match="印章图片"):
        check_seal_png(data)
