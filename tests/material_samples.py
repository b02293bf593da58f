"""Sample files for the electronic materials tests: pictures made with Pillow and PDFs
written by hand (so each byte of a hostile one is known)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw


def colour_page(width: int = 1240, height: int = 1754, *, dpi: int | None = 150,
                quality: int = 85, orientation: int | None = None, fmt: str = "JPEG") -> bytes:
    """A form with text lines, a red seal and, top-left, a blue marker block."""
    im = Image.new("RGB", (width, height), (250, 250, 246))
    draw = ImageDraw.Draw(im)
    for y in range(height // 5, height * 4 // 5, max(12, height // 60)):
        draw.rectangle([width // 10, y, width * 9 // 10, y + max(2, height // 400)], fill=(40, 40, 40))
    r = min(width, height) // 8
    draw.ellipse([width * 2 // 3 - r, height * 3 // 4 - r, width * 2 // 3 + r, height * 3 // 4 + r],
                 outline=(210, 20, 20), width=max(3, r // 10))
    draw.rectangle([0, 0, width // 6, height // 10], fill=(20, 40, 220))
    out = io.BytesIO()
    extra = {}
    if dpi:
        extra["dpi"] = (dpi, dpi)
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        exif[0x010F] = "DocCam"          # make: metadata that must not survive
        extra["exif"] = exif.tobytes()
    if fmt == "JPEG":
        extra["quality"] = quality
    im.save(out, fmt, **extra)
    return out.getvalue()


def line_art_page(width: int = 1240, height: int = 1754, fmt: str = "PNG") -> bytes:
    """A black-and-white text page, as a scanner's B/W mode gives it."""
    im = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(im)
    for y in range(height // 6, height * 5 // 6, 30):
        draw.rectangle([width // 10, y, width * 9 // 10, y + 6], fill=0)
    out = io.BytesIO()
    im.save(out, fmt, dpi=(300, 300))
    return out.getvalue()


def multipage_tiff(pages: int = 3) -> bytes:
    frames = [Image.open(io.BytesIO(colour_page(400, 560, dpi=100))).convert("RGB") for _ in range(pages)]
    for i, f in enumerate(frames):
        ImageDraw.Draw(f).rectangle([50, 300, 50 + 40 * (i + 1), 340], fill=(200, 0, 0))
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return out.getvalue()


# ---------------------------------------------------------------- PDFs by hand

def build_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra
            + b">>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out


def pdf_with_pages(sizes: list[tuple[int, int]]) -> bytes:
    """One page per (width, height) in points, each with a black bar and a number of
    small squares telling the pages apart."""
    n = len(sizes)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n]
    for i, (w, h) in enumerate(sizes):
        content = b"0 g 36 %d %d 24 re f\n" % (h - 72, w - 72)
        content += b"".join(b"%d 100 20 20 re f\n" % (40 + 30 * k) for k in range(i + 1))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R >>"
                       % (w, h, 4 + 2 * i))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
    return build_pdf(objects)


def encrypted_pdf() -> bytes:
    """A PDF under the Standard security handler whose user password is not empty.

    Built by hand: the /Encrypt dictionary's /O and /U entries are not derived from
    any password, so no password opens it, which is what a reader sees of a
    password-protected file (PDFium answers "incorrect password" as for a real one).
    pikepdf, which could write a real one, is not installed."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
                      b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <" + b"11" * 32
                      + b"> /U <" + b"22" * 32 + b"> >>"],
                     b"/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> "
                     b"<0123456789abcdef0123456789abcdef>] ")


def zero_page_pdf() -> bytes:
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def corrupt_pdf() -> bytes:
    """A page object is there, but the cross-reference table and trailer are cut off
    (a download that stopped): nothing says where the document's root is."""
    good = pdf_with_pages([(595, 842)])
    return good[:good.index(b"xref")]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
