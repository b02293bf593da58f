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
from pathlib import Path
from typing import NotRequired, TypedDict

from docx.enum.text import WD_ALIGN_PARAGRAPH

from forms.docx_builder import (LABEL_FONT, TABLE_LINE, TABLE_SIZE, Builder, cell_text, fixed_layout,
                                format_paragraph, row_height, add_text, table_borders)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "resources" / "templates"

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


# --------------------------------------------------------------------------- the nine documents

APPLICANT_ROWS = [
    ("申请人", "{{ applicant_name }}", "证件号码", "{{ applicant_id_no }}"),
    ("法定代表人", "{{ legal_representative or '／' }}", "联系人", "{{ contact_name }}"),
    ("联系电话", "{{ contact_phone }}", "办件编号", "{{ case_no }}"),
    ("住所", "{{ applicant_address }}"),
]

class ListTable(TypedDict):
    """The arguments of Builder.list_table for a table several templates share."""
    headers: list[str]
    cells: list[str]
    widths: list[float]
    loop: str
    centre: NotRequired[tuple[int, ...]]


MATERIALS_TABLE: ListTable = dict(
    headers=["序号", "材料名称", "原件/复印件", "份数"],
    cells=["{{ loop.index }}", "{{ m.name }}", "{{ m.form }}", "{{ m.copies }}"],
    widths=[1.5, 9.1, 3.0, 2.0],
    loop="m in materials",
    centre=(0, 2, 3),
)

SUPPLEMENTS_TABLE: ListTable = dict(
    headers=["序号", "需补正的材料", "存在的问题", "补正标准和要求"],
    cells=["{{ loop.index }}", "{{ s.name }}", "{{ s.problem }}", "{{ s.standard }}"],
    widths=[1.4, 4.0, 4.5, 5.7],
    loop="s in supplements",
)

MISSING_TABLE: ListTable = dict(
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
    table_borders(table)
    fixed_layout(table, [4.2, 11.4])
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
        row_height(row, height)
        cell_text(row.cells[0], label, align=WD_ALIGN_PARAGRAPH.CENTER, font=LABEL_FONT)
        cell_text(row.cells[1], value)
    sign = table.rows[6].cells[1]
    date_p = sign.add_paragraph()
    format_paragraph(date_p, align=WD_ALIGN_PARAGRAPH.RIGHT, line=TABLE_LINE, before=18)
    add_text(date_p, "年　　月　　日　　", size=TABLE_SIZE)
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
