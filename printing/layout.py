"""Printed pages laid out in millimetres: texts, barcodes, QR codes, lines and boxes.

No Qt here. A `Page` is plain data; `printing.render` paints it with Qt onto a
PDF or a printer. What must hold on every device is decided here, so that it
can be tested without a screen:

- `wrap_lines`: the one line-breaking rule. The renderer calls it with Qt's
  font metrics; layout code calls it with `estimate_width`, which is never
  narrower than the fonts we print with, so a box sized by the estimate holds
  the real text.
- `Code128.module_mm`: the bar module width (≥ 0.33 mm, snapped to whole
  printer dots when it can be); a barcode that cannot fit raises at once.
- `QRCode.module_mm`: the QR module, with a quiet zone of 4 modules inside the
  square.

Origin top left, x to the right, y down; sizes in mm, font sizes in points.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache


from printing.codes import CODE128_QUIET, CODE128_WIDTHS, code128_values
from printing.codes import qr_matrix as _codes_qr_matrix
from printing.errors import PrintError

PT_MM = 25.4 / 72               # one point in millimetres
LINE_PITCH = 1.25               # line pitch, in em
MIN_BAR_MM = 0.33               # narrowest Code 128 bar (module) we print
MAX_BAR_MM = 0.5                # wider bars make a barcode too long for hand scanners
QR_QUIET = 4                    # QR quiet zone, in modules, inside QRCode.size_mm
MIN_QR_MODULE_MM = 0.3          # smaller QR modules are hard for phones on thermal paper
ELLIPSIS = "…"
ALIGNS = ("left", "center", "right")
VALIGNS = ("top", "middle")


# ---------------------------------------------------------------- page sizes


@dataclass(frozen=True, slots=True)
class PageSize:
    """A sheet or label. A height of 0 means "set by the content" (roll paper)."""

    width_mm: float
    height_mm: float
    name: str

    def with_height(self, height_mm: float) -> PageSize:
        return replace(self, height_mm=round(float(height_mm), 2))


LABEL_100x150 = PageSize(100.0, 150.0, "标签 100×150")
LABEL_76x130 = PageSize(76.0, 130.0, "标签 76×130")
LABEL_100x180 = PageSize(100.0, 180.0, "标签 100×180")
ROLL_80 = PageSize(80.0, 0.0, "80mm 卷纸")
A4 = PageSize(210.0, 297.0, "A4")
A4_LANDSCAPE = PageSize(297.0, 210.0, "A4 横向")
LABEL_SIZES = (LABEL_100x150, LABEL_76x130, LABEL_100x180)


_NUMBER = (int, float)
_isfinite = math.isfinite


def _check(item, numbers: tuple, positive: tuple = ()) -> None:
    """All finite numbers (not bools), and those of `positive` > 0."""
    for v in numbers:
        if v.__class__ not in _NUMBER or not _isfinite(v):
            raise ValueError(f"{type(item).__name__}: a position or size must be a finite "
                             f"number, not {v!r}")
    for v in positive:
        if v.__class__ not in _NUMBER or not _isfinite(v) or v <= 0:
            raise ValueError(f"{type(item).__name__}: a size must be a number > 0, not {v!r}")


# ---------------------------------------------------------------- text


def line_pitch_mm(size_pt: float) -> float:
    """Distance between two baselines."""
    return size_pt * PT_MM * LINE_PITCH


def lines_fit(h_mm: float, size_pt: float) -> int:
    """How many lines of `size_pt` a box `h_mm` tall holds (one if it is at least one em tall)."""
    n = int((h_mm + 1e-6) // line_pitch_mm(size_pt))
    if n == 0 and h_mm + 1e-6 >= size_pt * PT_MM * 1.2:
        n = 1
    return n


def _char_em(ch: str) -> float:
    """A width no printing font exceeds: measured on WenQuanYi Micro Hei, DejaVu Sans
    (bold too) and Liberation Sans, rounded up."""
    if ch.isascii():
        if ch in "@%MWmw":
            return 1.1
        if ch.isupper() or ch in "#&+<=>^~_":
            return 0.87
        if ch.isdigit():
            return 0.7
        return 0.72 if ch.isalpha() else 0.6
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    return 1.1          # other scripts, symbols, and characters of ambiguous width


# Qt sets a font in whole device pixels (9 pt at 300 dpi: 37.5 px becomes 38), so
# printed text can be up to ~3 % wider than its point size says.
_ROUNDING = 1.04


class _Widths(dict):
    def __missing__(self, ch: str) -> float:
        self[ch] = em = _char_em(ch)
        return em


_WIDTHS = _Widths()


def estimate_width(text: str, size_pt: float) -> float:
    """A generous width of `text` in mm, without fonts."""
    return sum(map(_WIDTHS.__getitem__, text)) * (size_pt * PT_MM * _ROUNDING)


def estimator(size_pt: float) -> Callable[[str], float]:
    return lambda s: estimate_width(s, size_pt)


# Characters that must not begin a line (Chinese typesetting), and that must not end one.
_NO_START = set("，。、；：？！）》」』】〕”’·…%,.;:?!)]}")
_NO_END = set("（《「『【〔“‘([{")
_DROP = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_for_print(text) -> str:
    """Text fit to print: str, NFC, control and invisible characters removed (newlines kept),
    tabs and runs of spaces folded."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if not text.isprintable():          # only then can there be anything to drop
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        text = "".join(ch for ch in text
                       if ch == "\n" or unicodedata.category(ch) not in _DROP)
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def _fit_prefix(text: str, start: int, width: float, measure, suffix: str = "",
                lo: int | None = None) -> int:
    """The largest end such that measure(text[start:end] + suffix) <= width (end >= start),
    knowing that text[start:lo] fits."""
    lo = start if lo is None else lo
    hi = len(text)
    step = 1
    while lo < hi:              # gallop up from what is known to fit, then halve
        mid = min(lo + step, hi) if step else (lo + hi + 1) // 2
        if measure(text[start:mid] + suffix) <= width + 1e-9:
            lo = mid
            step = step * 2 if step else 0
        else:
            hi = mid - 1
            step = 0
    return lo


def _sure_end(text: str, start: int, width: float, generous) -> int:
    """How far text[start:] surely fits: by a `generous` width, never below the real one."""
    if generous is None:
        return start
    total = generous(text[start:])
    if total <= width:
        return len(text)
    # Widths add up, so the share of the characters that fit by the estimate is a guess.
    end = start + int((len(text) - start) * width / total)
    while end > start and generous(text[start:end]) > width:
        end -= 1
    return end


def _elide(line: str, width: float, measure) -> str:
    line = line.rstrip()
    if measure(line + ELLIPSIS) <= width + 1e-9:
        return line + ELLIPSIS
    end = _fit_prefix(line, 0, width, measure, ELLIPSIS)
    if end == 0:
        return ELLIPSIS if measure(ELLIPSIS) <= width + 1e-9 else ""
    return line[:end].rstrip() + ELLIPSIS


def _break_at(text: str, start: int, end: int) -> int:
    """Move a break at `end` (text[start:end] fits) back to a better place: not inside
    a Latin word or number, not before a closing mark, not after an opening one."""
    if end >= len(text) or end - start <= 1:
        return end
    b = end
    # Latin words and numbers stay whole when the line has a space to break at.
    if text[b - 1].isascii() and text[b - 1].isalnum() and text[b].isascii() and text[b].isalnum():
        k = b - 1
        while k > start and text[k - 1].isascii() and text[k - 1].isalnum():
            k -= 1
        if k > start:
            b = k
    # 禁则: a closing mark is not the first character of a line, an opening one not the last.
    while b - start > 1 and (text[b] in _NO_START or text[b - 1] in _NO_END):
        b -= 1
    return b if b > start else end


def _paragraph_lines(para: str, width_mm: float, measure, generous):
    start = 0
    while start < len(para):
        end = _fit_prefix(para, start, width_mm, measure,
                          lo=_sure_end(para, start, width_mm, generous))
        end = _break_at(para, start, max(end, start + 1))
        yield para[start:end].rstrip()
        start = end
        while start < len(para) and para[start] == " ":
            start += 1


def wrap_lines(text: str, width_mm: float, max_lines: int, measure: Callable[[str], float], *,
               wrap: bool = True, generous: Callable[[str], float] | None = None) -> list[str]:
    """`text` as at most `max_lines` lines, each no wider than `width_mm` by `measure`.

    Explicit newlines are kept when wrapping (folded to spaces otherwise). Chinese
    breaks between any two characters; Latin words and numbers are kept whole
    where possible. Text that does not fit ends in "…" on the last line.
    `generous`, when given, is a cheaper width never below `measure`'s (such as
    `estimator(size_pt)` for a font's real metrics): what fits by it is not measured.
    """
    if max_lines <= 0 or width_mm <= 0:
        return []
    text = clean_for_print(text)
    if not wrap:
        text = text.replace("\n", " ")
        max_lines = 1
    text = text.strip()
    if not text:
        return []
    if "\n" not in text and ((generous is not None and generous(text) <= width_mm)
                             or measure(text) <= width_mm + 1e-9):
        return [text]
    lines: list[str] = []
    more = False
    for para in text.split("\n"):
        para = para.strip()
        for line in (_paragraph_lines(para, width_mm, measure, generous) if para else ("",)):
            if len(lines) == max_lines:
                more = True
                break
            lines.append(line)
        if more:
            break
    if more:
        lines[-1] = _elide(lines[-1], width_mm, measure)
    # A box narrower than one character: that character is cut too.
    lines = [ln if measure(ln) <= width_mm + 1e-9 else _elide(ln[:-1], width_mm, measure)
             for ln in lines]
    return lines if any(lines) else []


# ---------------------------------------------------------------- items


@dataclass(frozen=True, slots=True)
class Text:
    """Text in a box: wrapped (or one line), cut with "…" rather than overflowing."""

    x: float
    y: float
    w: float
    h: float
    text: str
    size_pt: float
    bold: bool = False
    align: str = "left"
    wrap: bool = True
    valign: str = "top"

    def __post_init__(self):
        _check(self, (self.x, self.y), (self.w, self.h, self.size_pt))
        if self.align not in ALIGNS:
            raise ValueError(f"Text.align must be one of {ALIGNS}")
        if self.valign not in VALIGNS:
            raise ValueError(f"Text.valign must be one of {VALIGNS}")
        if not isinstance(self.text, str):
            object.__setattr__(self, "text", "" if self.text is None else str(self.text))

    def lines(self, measure: Callable[[str], float] | None = None) -> list[str]:
        """The lines printed, by `measure` (default: the font-free estimate)."""
        return wrap_lines(self.text, self.w, lines_fit(self.h, self.size_pt),
                          measure or estimator(self.size_pt), wrap=self.wrap)


@lru_cache(maxsize=4096)
def code128_bar_runs(value: str) -> tuple[tuple[tuple[int, int], ...], int]:
    """The bars of `value` as (first module, modules wide), and the symbol's width in
    modules, without the quiet zone."""
    runs = []
    x = 0
    for v in code128_values(value):
        black = True
        for n in CODE128_WIDTHS[v]:
            if black:
                runs.append((x, n))
            x += n
            black = not black
    return tuple(runs), x


@dataclass(frozen=True, slots=True)
class Code128:
    """A Code 128 barcode in a box, with its quiet zone (10 modules each side) inside
    the box and, when `human_readable`, the value printed under the bars."""

    x: float
    y: float
    w: float
    h: float
    value: str
    human_readable: bool = True

    def __post_init__(self):
        _check(self, (self.x, self.y), (self.w, self.h))
        code128_bar_runs(self.value)          # PrintError for a value Code 128 cannot carry
        need = self.total_modules * MIN_BAR_MM
        if need > self.w + 1e-9:
            raise PrintError(
                f"条形码“{self.value}”放不下：需要 {need:.1f} mm 宽（{self.total_modules} 个模块"
                f" × {MIN_BAR_MM} mm，含两侧静区），只有 {self.w:.1f} mm", "barcode")
        if self.bar_height < 4:
            raise ValueError(f"Code128 box {self.h} mm is too low for bars of 4 mm")

    @property
    def total_modules(self) -> int:
        return code128_bar_runs(self.value)[1] + 2 * CODE128_QUIET

    @property
    def text_height(self) -> float:
        return min(max(self.h * 0.24, 2.6), 4.2) if self.human_readable else 0.0

    @property
    def bar_height(self) -> float:
        return self.h - self.text_height - (0.4 if self.human_readable else 0.0)

    def module_mm(self, dpi: float | None = None) -> float:
        """The module (narrowest bar) width: as wide as fits, at most 0.5 mm, and at
        `dpi` a whole number of dots when that keeps it ≥ 0.33 mm."""
        fit = min(self.w / self.total_modules, MAX_BAR_MM)
        if dpi:
            dot = 25.4 / dpi
            dots = math.floor(fit / dot + 1e-9)
            if dots >= 1 and dots * dot >= MIN_BAR_MM - 1e-9:
                return dots * dot
        return fit

    def bars(self, dpi: float | None = None) -> list[tuple[float, float]]:
        """The bars as (x, width) in mm, the symbol centred in the box."""
        m = self.module_mm(dpi)
        runs, _ = code128_bar_runs(self.value)
        x0 = self.x + (self.w - self.total_modules * m) / 2 + CODE128_QUIET * m
        if dpi:                 # start on a dot, so every bar covers whole dots
            dot = 25.4 / dpi
            x0 = round(x0 / dot) * dot
        return [(x0 + start * m, width * m) for start, width in runs]

    def caption(self) -> Text | None:
        """The human-readable value under the bars."""
        if not self.human_readable:
            return None
        th = self.text_height
        size = th / (PT_MM * LINE_PITCH)
        return Text(self.x, self.y + self.h - th, self.w, th, self.value, size, align="center",
                    wrap=False)


@lru_cache(maxsize=1024)
def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (error level M), without the quiet zone, encoded exactly
    as `printing.codes.qr_png` encodes (cached: a page repeats its codes)."""
    return tuple(tuple(bool(v) for v in row) for row in _codes_qr_matrix(payload))


@lru_cache(maxsize=1024)
def _qr_runs(payload: str) -> tuple[tuple[int, int, int], ...]:
    """Dark modules as horizontal runs (row, first column, length)."""
    runs = []
    for r, row in enumerate(qr_matrix(payload)):
        c = 0
        while c < len(row):
            if row[c]:
                k = c
                while k < len(row) and row[k]:
                    k += 1
                runs.append((r, c, k - c))
                c = k
            else:
                c += 1
    return tuple(runs)


@dataclass(frozen=True, slots=True)
class QRCode:
    """A QR code in a square of `size_mm`, its quiet zone (4 modules) inside the square."""

    x: float
    y: float
    size_mm: float
    payload: str

    def __post_init__(self):
        _check(self, (self.x, self.y), (self.size_mm,))
        m = self.module_mm()
        if m < MIN_QR_MODULE_MM - 1e-9:
            raise PrintError(
                f"二维码放不下：{len(qr_matrix(self.payload))} 个模块在 {self.size_mm:.1f} mm 内"
                f"每个只有 {m:.2f} mm（至少 {MIN_QR_MODULE_MM} mm）", "payload")

    def module_mm(self) -> float:
        return self.size_mm / (len(qr_matrix(self.payload)) + 2 * QR_QUIET)

    def dark_rects(self) -> list[tuple[float, float, float, float]]:
        """Dark modules as (x, y, w, h) rectangles in mm, runs in a row merged."""
        m = self.module_mm()
        x0 = self.x + QR_QUIET * m
        y0 = self.y + QR_QUIET * m
        return [(x0 + c * m, y0 + r * m, n * m, m) for r, c, n in _qr_runs(self.payload)]


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width_mm: float = 0.3

    def __post_init__(self):
        _check(self, (self.x1, self.y1, self.x2, self.y2), (self.width_mm,))


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle's outline."""

    x: float
    y: float
    w: float
    h: float
    width_mm: float = 0.3

    def __post_init__(self):
        _check(self, (self.x, self.y), (self.w, self.h, self.width_mm))


Item = Text | Code128 | QRCode | Line | Box


@dataclass(frozen=True, slots=True)
class Page:
    size: PageSize
    items: tuple = field(default_factory=tuple)

    def __post_init__(self):
        if not isinstance(self.items, tuple):
            object.__setattr__(self, "items", tuple(self.items))
        if not (self.size.width_mm > 0 and self.size.height_mm > 0):
            raise ValueError(f"page {self.size.name} needs a width and a height")
        for item in self.items:
            if not isinstance(item, (Text, Code128, QRCode, Line, Box)):
                raise TypeError(f"not a layout item: {item!r}")


def bounds(item: Item) -> tuple[float, float, float, float]:
    """What an item may paint: (left, top, right, bottom) in mm."""
    if isinstance(item, (Text, Code128)):
        return item.x, item.y, item.x + item.w, item.y + item.h
    if isinstance(item, QRCode):
        return item.x, item.y, item.x + item.size_mm, item.y + item.size_mm
    if isinstance(item, Box):
        half = item.width_mm / 2
        return item.x - half, item.y - half, item.x + item.w + half, item.y + item.h + half
    half = item.width_mm / 2
    return (min(item.x1, item.x2) - half, min(item.y1, item.y2) - half,
            max(item.x1, item.x2) + half, max(item.y1, item.y2) + half)


def outside(page: Page) -> list[Item]:
    """Items that reach beyond the page."""
    w, h = page.size.width_mm, page.size.height_mm
    eps = 1e-6
    return [it for it in page.items
            if (b := bounds(it))[0] < -eps or b[1] < -eps or b[2] > w + eps or b[3] > h + eps]
