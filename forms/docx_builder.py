"""The 公文 page as python-docx builds it: fonts, paragraphs, tables, and the Builder
that assembles one document template (forms.build_templates uses it for the nine).

Layout: A4, margins top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right 2.6 cm; fonts
named the way bureaus' Word and WPS know them (宋体, 仿宋, 黑体).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

TITLE_FONT = "宋体"
BODY_FONT = "仿宋"
LABEL_FONT = "黑体"
LATIN_FONT = "Times New Roman"

BODY_SIZE = Pt(14)      # 四号
TABLE_SIZE = Pt(12)     # 小四
SMALL_SIZE = Pt(10.5)   # 五号
TITLE_SIZE = Pt(22)     # 二号
ORGAN_HEAD_SIZE = Pt(16)  # 三号

BODY_LINE = Pt(22)
TABLE_LINE = Pt(17)

PAGE_WIDTH = Cm(21.0)
PAGE_HEIGHT = Cm(29.7)
MARGIN_TOP = Cm(3.7)
MARGIN_BOTTOM = Cm(3.5)
MARGIN_LEFT = Cm(2.8)
MARGIN_RIGHT = Cm(2.6)
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6  # 15.6


# --------------------------------------------------------------------------- low level


def _set_fonts(rpr_parent, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts explicitly (no theme fonts, which would win over names)."""
    rpr = rpr_parent.get_or_add_rPr() if hasattr(rpr_parent, "get_or_add_rPr") else rpr_parent
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def add_text(paragraph, text: str, *, font: str = BODY_FONT, size=BODY_SIZE, bold: bool = False,
         underline: bool = False):
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    if underline:
        run.font.underline = True
    _set_fonts(run._r, font)
    return run


def format_paragraph(paragraph, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, line=BODY_LINE, first_indent=None,
            left_indent=None, right_indent=None, before=0, after=0, keep_next=False):
    pf = paragraph.paragraph_format
    pf.alignment = align
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if first_indent is not None:
        pf.first_line_indent = first_indent
    if left_indent is not None:
        pf.left_indent = left_indent
    if right_indent is not None:
        pf.right_indent = right_indent
    pf.keep_with_next = keep_next
    pf.widow_control = True
    return paragraph


# Children of w:tblPr that come after w:tblBorders (the schema fixes the order).
_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                  "w:tblDescription", "w:tblPrChange")


def _set_borders(table, val: str, size: int = 6) -> None:
    tbl_pr = table._tbl.tblPr
    old = tbl_pr.find(qn("w:tblBorders"))
    if old is not None:
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), val)
        if val != "nil":
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.insert_element_before(borders, *_AFTER_BORDERS)


def table_borders(table, size: int = 6) -> None:
    _set_borders(table, "single", size)


def _no_borders(table) -> None:
    _set_borders(table, "nil")


def fixed_layout(table, widths_cm: list[float]) -> None:
    table.autofit = False  # w:tblLayout w:type="fixed"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(int(sum(widths_cm) / 2.54 * 1440)))
    tbl_w.set(qn("w:type"), "dxa")
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
    for row in table.rows:
        tr_pr = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        tr_pr.append(cant)
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)


def cell_text(cell, text: str, *, align=WD_ALIGN_PARAGRAPH.LEFT, font=BODY_FONT, size=TABLE_SIZE,
               bold=False):
    paragraph = cell.paragraphs[0]
    format_paragraph(paragraph, align=align, line=TABLE_LINE)
    if text:
        add_text(paragraph, text, font=font, size=size, bold=bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return paragraph


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    tr_pr.append(el)


def row_height(row, cm: float) -> None:
    row.height = Cm(cm)


# --------------------------------------------------------------------------- document parts


@dataclass
class Builder:
    """One template under construction."""

    title: str

    def __post_init__(self):
        self.doc = Document()
        # python-docx's blank template carries a preview picture of another page.
        package = self.doc.part.package
        for rel_id, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                package.rels.pop(rel_id)
        self._page_setup()
        self._styles()
        self._properties()

    # page and styles
    def _page_setup(self):
        section = self.doc.sections[0]
        section.page_width = PAGE_WIDTH
        section.page_height = PAGE_HEIGHT
        section.top_margin = MARGIN_TOP
        section.bottom_margin = MARGIN_BOTTOM
        section.left_margin = MARGIN_LEFT
        section.right_margin = MARGIN_RIGHT
        section.header_distance = Cm(1.5)
        section.footer_distance = Cm(2.0)

    def _styles(self):
        styles_el = self.doc.styles.element
        defaults = styles_el.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        _set_fonts(rpr, BODY_FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        lang.set(qn("w:bidi"), "ar-SA")
        normal = self.doc.styles["Normal"]
        normal.font.size = BODY_SIZE
        _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
        normal.paragraph_format.space_after = Pt(0)
        # Other styles (tables) must not bring theme fonts back either.
        for style in self.doc.styles:
            rpr = style.element.rPr
            if rpr is not None and rpr.find(qn("w:rFonts")) is not None:
                _set_fonts(rpr, BODY_FONT)

    def _properties(self):
        core = self.doc.core_properties
        core.title = self.title
        core.author = "综合窗口工作台"
        core.last_modified_by = "综合窗口工作台"
        core.comments = "模板：可在 WPS 或 Word 中修改文字与版式，但须保留双花括号占位符。"
        core.revision = 1

    # blocks
    def heading(self, subtitle: str | None = None):
        """Organ on the first line, the document title under it, the number on the right."""
        organ = self.doc.paragraphs[0] if self.doc.paragraphs else self.doc.add_paragraph()
        format_paragraph(organ, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(28))
        add_text(organ, "{{ organ }}", font=TITLE_FONT, size=ORGAN_HEAD_SIZE, bold=True)
        title = self.doc.add_paragraph()
        format_paragraph(title, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(34), after=0 if subtitle else 4)
        add_text(title, self.title, font=TITLE_FONT, size=TITLE_SIZE, bold=True)
        if subtitle:
            sub = self.doc.add_paragraph()
            format_paragraph(sub, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(26), after=4)
            add_text(sub, subtitle, font=TITLE_FONT, size=ORGAN_HEAD_SIZE)
        number = self.doc.add_paragraph()
        format_paragraph(number, align=WD_ALIGN_PARAGRAPH.RIGHT, line=BODY_LINE, after=6)
        add_text(number, "{{ document_no }}", size=BODY_SIZE)

    def para(self, text: str, *, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
             size=BODY_SIZE, bold=False, before=0, after=0, keep_next=False):
        paragraph = self.doc.add_paragraph()
        format_paragraph(paragraph, align=align, first_indent=Pt(size.pt * 2) if indent else None,
                before=before, after=after, keep_next=keep_next,
                line=BODY_LINE if size == BODY_SIZE else Pt(size.pt * 1.6))
        add_text(paragraph, text, size=size, bold=bold)
        return paragraph

    def addressee(self, text: str = "{{ applicant_name }}："):
        return self.para(text, indent=False)

    def control(self, tag: str):
        """A paragraph holding only a docxtpl paragraph tag ({%p if … %})."""
        paragraph = self.doc.add_paragraph()
        format_paragraph(paragraph, line=BODY_LINE)
        add_text(paragraph, tag)
        return paragraph

    def info_table(self, rows: list[tuple[str, ...]], widths=(2.8, 5.0, 2.4, 5.4)):
        """Label/value table: a row is (label, value) across the width or
        (label, value, label, value)."""
        self._gap(4)
        table = self.doc.add_table(rows=len(rows), cols=4)
        table_borders(table)
        fixed_layout(table, list(widths))
        for row, spec in zip(table.rows, rows):
            row_height(row, 0.66)
            cells = row.cells
            if len(spec) == 2:
                merged = cells[1].merge(cells[3])
                cell_text(cells[0], spec[0], align=WD_ALIGN_PARAGRAPH.CENTER, font=LABEL_FONT)
                cell_text(merged, spec[1])
            else:
                for i, text in enumerate(spec):
                    label = i % 2 == 0
                    cell_text(cells[i], text, font=LABEL_FONT if label else BODY_FONT,
                               align=WD_ALIGN_PARAGRAPH.CENTER if label else WD_ALIGN_PARAGRAPH.LEFT)
        self._gap()
        return table

    def list_table(self, headers: list[str], cells: list[str], widths: list[float],
                   loop: str, centre: tuple[int, ...] = (0,)):
        """A table with a header row and one row repeated for each item of a list
        (docxtpl {%tr for %} … {%tr endfor %})."""
        self._gap(4)
        table = self.doc.add_table(rows=4, cols=len(headers))
        table_borders(table)
        fixed_layout(table, widths)
        header, opener, body, closer = table.rows
        _repeat_header(header)
        row_height(header, 0.75)
        for cell, text in zip(header.cells, headers):
            cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER, font=LABEL_FONT)
        cell_text(opener.cells[0], "{%tr for " + loop + " %}")
        row_height(body, 0.66)
        for i, (cell, text) in enumerate(zip(body.cells, cells)):
            cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if i in centre
                       else WD_ALIGN_PARAGRAPH.LEFT)
        cell_text(closer.cells[0], "{%tr endfor %}")
        self._gap()
        return table

    def _gap(self, points: float = 8):
        gap = self.doc.add_paragraph()
        format_paragraph(gap, line=Pt(points))

    def signature(self, organ_label: str = ""):
        """QR code on the left, the organ and the date on the right with the seal
        over them. ``{{ seal }}`` sits at the start of the organ's paragraph; filling
        turns it into a floating picture centred over the organ name and the date."""
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        fixed_layout(table, [4.0, 11.6])
        # The row holds the whole seal (4.2 cm): renderers keep a picture anchored
        # in a cell inside the cell, so the organ's name starts two lines down,
        # leaving room for the seal's upper half.
        row_height(table.rows[0], 4.4)
        left, right = table.rows[0].cells
        left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        qr = left.paragraphs[0]
        format_paragraph(qr, align=WD_ALIGN_PARAGRAPH.CENTER, line=None)
        add_text(qr, "{{ qr }}")
        caption = left.add_paragraph()
        format_paragraph(caption, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(12))
        add_text(caption, "扫码验证", size=Pt(9))

        above = [right.paragraphs[0], right.add_paragraph()]
        for paragraph, text in zip(above, ("", organ_label)):
            format_paragraph(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER, line=BODY_LINE,
                    left_indent=Cm(4.2))
            if text:
                add_text(paragraph, text)
        organ = right.add_paragraph()
        format_paragraph(organ, align=WD_ALIGN_PARAGRAPH.CENTER, line=BODY_LINE, left_indent=Cm(4.2))
        add_text(organ, "{{ seal }}")
        add_text(organ, "{{ organ }}")
        date = right.add_paragraph()
        format_paragraph(date, align=WD_ALIGN_PARAGRAPH.CENTER, line=BODY_LINE, left_indent=Cm(4.2))
        add_text(date, "{{ issue_date }}")
        return table

    def receipt_line(self, who: str = "申请人（代理人）签收", when: str = "签收时间",
                     before: int = 0):
        """The applicant's signature and time of receipt, below the seal."""
        paragraph = self.doc.add_paragraph()
        format_paragraph(paragraph, align=WD_ALIGN_PARAGRAPH.LEFT, line=BODY_LINE, before=before)
        for text, blank in ((f"{who}：", False), ("　" * 8, True), (f"　　{when}：", False),
                            ("　　　", True), ("年", False), ("　　", True), ("月", False),
                            ("　　", True), ("日", False)):
            add_text(paragraph, text, size=TABLE_SIZE, underline=blank)
        return paragraph

    def copies(self, text: str):
        paragraph = self.doc.add_paragraph()
        format_paragraph(paragraph, align=WD_ALIGN_PARAGRAPH.LEFT, line=Pt(18), before=4)
        add_text(paragraph, text, size=SMALL_SIZE)
        return paragraph

    def save(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))
