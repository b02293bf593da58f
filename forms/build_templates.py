"""Build the official document templates (resources/templates/*.docx) with python-docx.

    python -m forms.build_templates [--out DIR]

The files are ordinary Word documents with docxtpl (Jinja) placeholders such as
``{{ applicant_name }}``: a bureau may open them in WPS or Word and change the
wording, the fonts or the layout, as long as the placeholders stay (the fields each
template must keep are listed in ``forms.templates.TEMPLATES``).

Layout (公文 style): A4, margins top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right
2.6 cm; the organ and the title centred in 宋体 bold; the document number on the
right under the title; body in 仿宋 四号; at the bottom a borderless two-cell
table: the QR code with "扫码验证" on the left, the organ's name and the date on the
right, where the seal (``{{ seal }}``) is printed over them. Keep two lines
(empty, or a label such as 受理机关（盖章）) above the organ's name in that cell:
LibreOffice keeps a picture anchored in a cell inside the cell, and the seal's
upper half needs the room. Fonts are named the
way bureaus' Word and WPS know them (宋体, 仿宋); on a machine without them
(Linux with only WenQuanYi Micro Hei) the renderer falls back to an installed CJK
font.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "resources" / "templates"

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

RIGHTS_ACCEPTANCE = (
    "申请人如对本决定不服，可以自收到本通知书之日起六十日内向{{ reconsideration_organ }}"
    "申请行政复议，也可以自收到本通知书之日起六个月内依法向{{ court }}提起行政诉讼。"
)
RIGHTS_DECISION = (
    "申请人如对本决定不服，可以自收到本决定书之日起六十日内向{{ reconsideration_organ }}"
    "申请行政复议，也可以自收到本决定书之日起六个月内依法向{{ court }}提起行政诉讼。"
)

FILES = {
    "受理通知书": "shouli_tongzhi.docx",
    "材料接收凭证": "cailiao_pingzheng.docx",
    "一次性告知书": "buzheng_gaozhi.docx",
    "不予受理通知书": "buyu_shouli.docx",
    "容缺受理承诺书": "rongque_chengnuo.docx",
    "容缺受理通知书": "rongque_tongzhi.docx",
    "准予行政许可决定书": "zhunyu_xuke.docx",
    "不予行政许可决定书": "buyu_xuke.docx",
    "送达回证": "songda_huizheng.docx",
}


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


def _run(paragraph, text: str, *, font: str = BODY_FONT, size=BODY_SIZE, bold: bool = False,
         underline: bool = False):
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    if underline:
        run.font.underline = True
    _set_fonts(run._r, font)
    return run


def _format(paragraph, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, line=BODY_LINE, first_indent=None,
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


def _table_borders(table, size: int = 6) -> None:
    _set_borders(table, "single", size)


def _no_borders(table) -> None:
    _set_borders(table, "nil")


def _fixed_layout(table, widths_cm: list[float]) -> None:
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


def _cell_text(cell, text: str, *, align=WD_ALIGN_PARAGRAPH.LEFT, font=BODY_FONT, size=TABLE_SIZE,
               bold=False):
    paragraph = cell.paragraphs[0]
    _format(paragraph, align=align, line=TABLE_LINE)
    if text:
        _run(paragraph, text, font=font, size=size, bold=bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return paragraph


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    tr_pr.append(el)


def _row_height(row, cm: float) -> None:
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
        _format(organ, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(28))
        _run(organ, "{{ organ }}", font=TITLE_FONT, size=ORGAN_HEAD_SIZE, bold=True)
        title = self.doc.add_paragraph()
        _format(title, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(34), after=0 if subtitle else 4)
        _run(title, self.title, font=TITLE_FONT, size=TITLE_SIZE, bold=True)
        if subtitle:
            sub = self.doc.add_paragraph()
            _format(sub, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(26), after=4)
            _run(sub, subtitle, font=TITLE_FONT, size=ORGAN_HEAD_SIZE)
        number = self.doc.add_paragraph()
        _format(number, align=WD_ALIGN_PARAGRAPH.RIGHT, line=BODY_LINE, after=6)
        _run(number, "{{ document_no }}", size=BODY_SIZE)

    def para(self, text: str, *, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
             size=BODY_SIZE, bold=False, before=0, after=0, keep_next=False):
        paragraph = self.doc.add_paragraph()
        _format(paragraph, align=align, first_indent=Pt(size.pt * 2) if indent else None,
                before=before, after=after, keep_next=keep_next,
                line=BODY_LINE if size == BODY_SIZE else Pt(size.pt * 1.6))
        _run(paragraph, text, size=size, bold=bold)
        return paragraph

    def addressee(self, text: str = "{{ applicant_name }}："):
        return self.para(text, indent=False)

    def control(self, tag: str):
        """A paragraph holding only a docxtpl paragraph tag ({%p if … %})."""
        paragraph = self.doc.add_paragraph()
        _format(paragraph, line=BODY_LINE)
        _run(paragraph, tag)
        return paragraph

    def info_table(self, rows: list[tuple[str, ...]], widths=(2.8, 5.0, 2.4, 5.4)):
        """Label/value table: a row is (label, value) across the width or
        (label, value, label, value)."""
        self._gap(4)
        table = self.doc.add_table(rows=len(rows), cols=4)
        _table_borders(table)
        _fixed_layout(table, list(widths))
        for row, spec in zip(table.rows, rows):
            _row_height(row, 0.66)
            cells = row.cells
            if len(spec) == 2:
                merged = cells[1].merge(cells[3])
                _cell_text(cells[0], spec[0], align=WD_ALIGN_PARAGRAPH.CENTER, font=LABEL_FONT)
                _cell_text(merged, spec[1])
            else:
                for i, text in enumerate(spec):
                    label = i % 2 == 0
                    _cell_text(cells[i], text, font=LABEL_FONT if label else BODY_FONT,
                               align=WD_ALIGN_PARAGRAPH.CENTER if label else WD_ALIGN_PARAGRAPH.LEFT)
        self._gap()
        return table

    def list_table(self, headers: list[str], cells: list[str], widths: list[float],
                   loop: str, centre: tuple[int, ...] = (0,)):
        """A table with a header row and one row repeated for each item of a list
        (docxtpl {%tr for %} … {%tr endfor %})."""
        self._gap(4)
        table = self.doc.add_table(rows=4, cols=len(headers))
        _table_borders(table)
        _fixed_layout(table, widths)
        header, opener, body, closer = table.rows
        _repeat_header(header)
        _row_height(header, 0.75)
        for cell, text in zip(header.cells, headers):
            _cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER, font=LABEL_FONT)
        _cell_text(opener.cells[0], "{%tr for " + loop + " %}")
        _row_height(body, 0.66)
        for i, (cell, text) in enumerate(zip(body.cells, cells)):
            _cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if i in centre
                       else WD_ALIGN_PARAGRAPH.LEFT)
        _cell_text(closer.cells[0], "{%tr endfor %}")
        self._gap()
        return table

    def _gap(self, points: float = 8):
        gap = self.doc.add_paragraph()
        _format(gap, line=Pt(points))

    def signature(self, organ_label: str = ""):
        """QR code on the left, the organ and the date on the right with the seal
        over them. ``{{ seal }}`` sits at the start of the organ's paragraph; filling
        turns it into a floating picture centred over the organ name and the date."""
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _fixed_layout(table, [4.0, 11.6])
        # The row holds the whole seal (4.2 cm): renderers keep a picture anchored
        # in a cell inside the cell, so the organ's name starts two lines down,
        # leaving room for the seal's upper half.
        _row_height(table.rows[0], 4.4)
        left, right = table.rows[0].cells
        left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        qr = left.paragraphs[0]
        _format(qr, align=WD_ALIGN_PARAGRAPH.CENTER, line=None)
        _run(qr, "{{ qr }}")
        caption = left.add_paragraph()
        _format(caption, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(12))
        _run(caption, "扫码验证", size=Pt(9))

        above = [right.paragraphs[0], right.add_paragraph()]
        for paragraph, text in zip(above, ("", organ_label)):
            _format(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER, line=BODY_LINE,
                    left_indent=Cm(4.2))
            if text:
                _run(paragraph, text)
        organ = right.add_paragraph()
        _format(organ, align=WD_ALIGN_PARAGRAPH.CENTER, line=BODY_LINE, left_indent=Cm(4.2))
        _run(organ, "{{ seal }}")
        _run(organ, "{{ organ }}")
        date = right.add_paragraph()
        _format(date, align=WD_ALIGN_PARAGRAPH.CENTER, line=BODY_LINE, left_indent=Cm(4.2))
        _run(date, "{{ issue_date }}")
        return table

    def receipt_line(self, who: str = "申请人（代理人）签收", when: str = "签收时间",
                     before: int = 0):
        """The applicant's signature and time of receipt, below the seal."""
        paragraph = self.doc.add_paragraph()
        _format(paragraph, align=WD_ALIGN_PARAGRAPH.LEFT, line=BODY_LINE, before=before)
        for text, blank in ((f"{who}：", False), ("　" * 8, True), (f"　　{when}：", False),
                            ("　　　", True), ("年", False), ("　　", True), ("月", False),
                            ("　　", True), ("日", False)):
            _run(paragraph, text, size=TABLE_SIZE, underline=blank)
        return paragraph

    def copies(self, text: str):
        paragraph = self.doc.add_paragraph()
        _format(paragraph, align=WD_ALIGN_PARAGRAPH.LEFT, line=Pt(18), before=4)
        _run(paragraph, text, size=SMALL_SIZE)
        return paragraph

    def save(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))


# --------------------------------------------------------------------------- the nine documents

APPLICANT_ROWS = [
    ("申请人", "{{ applicant_name }}", "证件号码", "{{ applicant_id_no }}"),
    ("法定代表人", "{{ legal_representative or '／' }}", "联系人", "{{ contact_name }}"),
    ("联系电话", "{{ contact_phone }}", "办件编号", "{{ case_no }}"),
    ("住所", "{{ applicant_address }}"),
]

MATERIALS_TABLE = dict(
    headers=["序号", "材料名称", "原件/复印件", "份数"],
    cells=["{{ loop.index }}", "{{ m.name }}", "{{ m.form }}", "{{ m.copies }}"],
    widths=[1.5, 9.1, 3.0, 2.0],
    loop="m in materials",
    centre=(0, 2, 3),
)

SUPPLEMENTS_TABLE = dict(
    headers=["序号", "需补正的材料", "存在的问题", "补正标准和要求"],
    cells=["{{ loop.index }}", "{{ s.name }}", "{{ s.problem }}", "{{ s.standard }}"],
    widths=[1.4, 4.0, 4.5, 5.7],
    loop="s in supplements",
)

MISSING_TABLE = dict(
    headers=["序号", "容缺材料名称", "提交形式", "补正期限"],
    cells=["{{ loop.index }}", "{{ c.name }}", "{{ c.form }}", "{{ c.deadline }}"],
    widths=[1.4, 6.4, 3.8, 4.0],
    loop="c in missing_materials",
    centre=(0, 2, 3),
)


def build_shouli_tongzhi() -> Builder:
    b = Builder("受理通知书")
    b.heading()
    b.addressee()
    b.para("你（单位）提出的{{ matter_name }}申请，申请材料齐全、符合法定形式。根据"
           "《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理。")
    b.info_table(APPLICANT_ROWS + [
        ("申请事项", "{{ matter_name }}"),
        ("收件日期", "{{ received_date }}", "受理日期", "{{ accepted_date }}"),
        ("法定时限", "{{ statutory_limit_days }}个工作日", "承诺时限",
         "{{ promised_limit_days }}个工作日"),
        ("进度查询", "{{ progress_query }}"),
        ("结果送达", "{{ delivery_method }}；{{ delivery_address }}"),
        ("受理人", "{{ clerk }}", "投诉电话", "{{ complaint_phone }}"),
    ])
    b.para("办结时限自受理之日起按工作日计算，不含法定节假日。依法需要听证、招标、拍卖、检验、"
           "检测、检疫、鉴定和专家评审的，所需时间不计算在办结时限内，本机关将书面告知所需时间。")
    b.signature()
    b.receipt_line()
    b.copies("本通知书一式两份，一份送达申请人，一份由本机关存档。")
    return b


def build_cailiao_pingzheng() -> Builder:
    b = Builder("材料接收凭证")
    b.heading()
    b.info_table([
        ("申请人", "{{ applicant_name }}", "证件号码", "{{ applicant_id_no }}"),
        ("联系电话", "{{ contact_phone }}", "办件编号", "{{ case_no }}"),
        ("申请事项", "{{ matter_name }}"),
        ("收件日期", "{{ received_date }}", "收件人", "{{ clerk }}"),
    ])
    b.para("本机关已收到你（单位）提交的下列申请材料，共{{ materials|length }}项：", indent=False)
    b.list_table(**MATERIALS_TABLE)
    b.para("本凭证仅证明本机关已收到上列材料，不表示申请已被受理；是否受理以本机关出具的"
           "受理通知书、一次性告知书或者不予受理通知书为准。监督投诉电话：{{ complaint_phone }}。")
    b.signature()
    b.receipt_line()
    b.copies("本凭证一式两份，申请人和本机关各执一份。")
    return b


def build_buzheng_gaozhi() -> Builder:
    b = Builder("一次性告知书")
    b.heading(subtitle="（补正材料通知书）")
    b.addressee()
    b.para("你（单位）于{{ received_date }}提交的{{ matter_name }}申请材料不齐全或者不符合法定形式。"
           "根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现将需要补正的全部内容"
           "一次性告知如下：")
    b.list_table(**SUPPLEMENTS_TABLE)
    b.para("请按上述要求一次性补正全部材料后，持本告知书到本机关窗口提交。补正的申请材料齐全、"
           "符合法定形式的，本机关将予以受理。本告知书所列以外的材料，本机关不再要求你（单位）提交。")
    b.para("办件编号：{{ case_no }}　经办人：{{ clerk }}", indent=False)
    b.para("联系电话：{{ clerk_phone }}　监督投诉电话：{{ complaint_phone }}", indent=False)
    b.signature()
    b.receipt_line()
    b.copies("本告知书（补正材料通知书）一式两份，一份送达申请人，一份由本机关存档。")
    return b


def build_buyu_shouli() -> Builder:
    b = Builder("不予受理通知书")
    b.heading()
    b.addressee()
    b.para("你（单位）于{{ received_date }}提出的{{ matter_name }}申请，经审查，{{ refusal_reason }}。"
           "根据{{ legal_basis }}的规定，本机关决定不予受理。")
    b.control("{%p if competent_organ %}")
    b.para("该申请事项请向{{ competent_organ }}提出申请。")
    b.control("{%p endif %}")
    b.para("你（单位）提交的申请材料已全部退还。")
    b.para(RIGHTS_ACCEPTANCE)
    b.para("办件编号：{{ case_no }}　经办人：{{ clerk }}", indent=False)
    b.para("监督投诉电话：{{ complaint_phone }}", indent=False)
    b.signature()
    b.receipt_line()
    b.copies("本通知书一式两份，一份送达申请人，一份由本机关存档。")
    return b


def build_rongque_chengnuo() -> Builder:
    b = Builder("容缺受理承诺书")
    b.heading()
    b.addressee("{{ organ }}：")
    b.para("本人（单位）申请办理{{ matter_name }}，主要申请材料齐全、"
           "符合法定形式，下列次要材料暂缺，现申请容缺受理，并郑重承诺如下：")
    b.info_table([
        ("承诺人", "{{ applicant_name }}", "证件号码", "{{ applicant_id_no }}"),
        ("法定代表人", "{{ legal_representative or '／' }}", "联系人", "{{ contact_name }}"),
        ("联系电话", "{{ contact_phone }}", "办件编号", "{{ case_no }}"),
        ("住所", "{{ applicant_address }}"),
    ])
    b.list_table(**MISSING_TABLE)
    b.para("一、本人（单位）无严重失信记录，此前未违背容缺受理承诺。")
    b.para("二、在上表所列期限内补齐全部容缺材料，并对其真实性负责。")
    b.para("三、逾期未补正或补正不符合要求的，本机关终止办理该申请。")
    b.para("四、违背本承诺的，同意记入信用记录，不再适用容缺受理。")
    b.receipt_line("承诺人（签字或盖章）", when="承诺日期", before=10)
    b.signature("受理机关（盖章）")
    b.copies("本承诺书一式两份，承诺人和本机关各执一份。")
    return b


def build_rongque_tongzhi() -> Builder:
    b = Builder("容缺受理通知书")
    b.heading()
    b.addressee()
    b.para("你（单位）于{{ received_date }}提出的{{ matter_name }}申请，"
           "主要申请材料齐全、符合法定形式。根据你（单位）作出的容缺受理承诺，本机关决定予以容缺受理，"
           "受理日期为{{ accepted_date }}。请于下列期限内补齐以下材料：")
    b.list_table(**MISSING_TABLE)
    b.para("逾期未补正或者补正材料不符合要求的，本机关将终止办理该申请。容缺材料补齐后，本机关在承诺时限内"
           "作出决定：本事项承诺办结时限为{{ promised_limit_days }}个工作日（法定期限"
           "{{ statutory_limit_days }}个工作日），自受理之日起计算。")
    b.para("办件编号：{{ case_no }}　受理人：{{ clerk }}", indent=False)
    b.para("监督投诉电话：{{ complaint_phone }}", indent=False)
    b.signature()
    b.receipt_line()
    b.copies("本通知书一式两份，一份送达申请人，一份由本机关存档。")
    return b


def build_zhunyu_xuke() -> Builder:
    b = Builder("准予行政许可决定书")
    b.heading()
    b.addressee()
    b.para("你（单位）于{{ received_date }}提出的{{ matter_name }}申请，"
           "本机关于{{ accepted_date }}依法受理。经审查，你（单位）的申请符合{{ legal_basis }}规定的条件和"
           "标准。根据《中华人民共和国行政许可法》第三十八条第一款的规定，本机关决定准予行政许可。")
    b.info_table(APPLICANT_ROWS + [
        ("许可事项", "{{ matter_name }}"),
        ("许可内容", "{{ decision_content }}"),
        ("有效期限", "{{ validity_period or '／' }}"),
    ])
    b.para("本机关将自作出本决定之日起十个工作日内向你（单位）颁发、送达{{ certificate_name }}。"
           "送达方式：{{ delivery_method }}；送达地址：{{ delivery_address }}。")
    b.signature()
    b.receipt_line()
    b.copies("本决定书一式两份，一份送达申请人，一份由本机关存档。")
    return b


def build_buyu_xuke() -> Builder:
    b = Builder("不予行政许可决定书")
    b.heading()
    b.addressee()
    b.para("你（单位）于{{ received_date }}提出的{{ matter_name }}申请，"
           "本机关于{{ accepted_date }}依法受理。")
    b.info_table(APPLICANT_ROWS + [("申请事项", "{{ matter_name }}")])
    b.para("经审查，{{ refusal_reason }}。根据{{ legal_basis }}和《中华人民共和国行政许可法》"
           "第三十八条第二款的规定，本机关决定不予行政许可。")
    b.para(RIGHTS_DECISION)
    b.signature()
    b.receipt_line()
    b.copies("本决定书一式两份，一份送达申请人，一份由本机关存档。")
    return b


def build_songda_huizheng() -> Builder:
    b = Builder("送达回证")
    b.heading()
    table = b.doc.add_table(rows=10, cols=2)
    _table_borders(table)
    _fixed_layout(table, [4.2, 11.4])
    rows = [
        ("送达文书", "{{ served_document }}（{{ served_document_no }}）", 1.2),
        ("办件编号", "{{ case_no }}", 0.9),
        ("受送达人", "{{ recipient }}", 0.9),
        ("送达方式", "{{ delivery_method }}", 0.9),
        ("送达地点", "{{ delivery_address }}", 1.2),
        ("送达时间", "　　　　年　　月　　日　　时　　分", 1.0),
        ("受送达人签名或盖章", "", 2.0),
        ("代收人及代收理由", "", 1.5),
        ("送达人", "{{ clerk }}　　　（签名）", 1.2),
        ("备注", "拒绝签收的，送达人应当在备注栏注明拒收事由和日期，由送达人、见证人签名或者盖章。", 1.6),
    ]
    for row, (label, value, height) in zip(table.rows, rows):
        _row_height(row, height)
        _cell_text(row.cells[0], label, align=WD_ALIGN_PARAGRAPH.CENTER, font=LABEL_FONT)
        _cell_text(row.cells[1], value)
    sign = table.rows[6].cells[1]
    date_p = sign.add_paragraph()
    _format(date_p, align=WD_ALIGN_PARAGRAPH.RIGHT, line=TABLE_LINE, before=18)
    _run(date_p, "年　　月　　日　　", size=TABLE_SIZE)
    b._gap()
    b.signature("送达机关（盖章）")
    b.copies("本回证由受送达人签收后交回送达机关，附卷存档。")
    return b


BUILDERS = {
    "受理通知书": build_shouli_tongzhi,
    "材料接收凭证": build_cailiao_pingzheng,
    "一次性告知书": build_buzheng_gaozhi,
    "不予受理通知书": build_buyu_shouli,
    "容缺受理承诺书": build_rongque_chengnuo,
    "容缺受理通知书": build_rongque_tongzhi,
    "准予行政许可决定书": build_zhunyu_xuke,
    "不予行政许可决定书": build_buyu_xuke,
    "送达回证": build_songda_huizheng,
}


def build_all(out_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """Write all nine templates into ``out_dir``; return their paths."""
    written = []
    for kind, build in BUILDERS.items():
        path = Path(out_dir) / FILES[kind]
        build().save(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成官方文书模板（.docx）")
    parser.add_argument("--out", type=Path, default=TEMPLATES_DIR, help="输出目录")
    args = parser.parse_args(argv)
    for path in build_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
