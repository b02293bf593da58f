"""The official document templates and filling them.

``TEMPLATES`` names, for each kind of document (its Chinese name), the .docx file
in resources/templates/ and the values it needs. ``fill`` checks that every value
the template uses is there before anything is rendered, renders with docxtpl
(Jinja autoescape on: '<', '&' … come out literally; nothing is escaped by hand),
puts the QR code and the seal in, and floats the seal over the organ's name and
the date like a real stamp. It returns the filled .docx as bytes.

Values are ``str``, ``int``, ``datetime.date`` (printed ``2026年9月30日``) or, for
the list fields, lists of dicts. In text, "\\n" becomes a line break and "\\t" a
tab; other control characters are refused. Reasons (``refusal_reason``) are
phrased without the final "。", which the template adds.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Cm, Emu
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined, TemplateError, UndefinedError

from forms import docx_tools
from forms.errors import FormError

__all__ = [
    "TEMPLATES_DIR",
    "TemplateSpec",
    "TEMPLATES",
    "FIELD_LABELS",
    "IMAGE_FIELDS",
    "QR_WIDTH",
    "SEAL_WIDTH",
    "template_path",
    "template_variables",
    "missing_fields",
    "fill",
]

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "resources" / "templates"

QR_WIDTH = Cm(2.5)
SEAL_WIDTH = Cm(4.2)
IMAGE_FIELDS = ("qr", "seal")


@dataclass(frozen=True, eq=False)
class TemplateSpec:
    """One kind of document.

    file: the template's file name in resources/templates/.
    required_fields: scalar values that must be present and not empty.
    list_fields: list values (non-empty lists of dicts) and the keys each item
        must carry, not empty.
    optional_fields: values that may be absent or empty (the template prints
        "／" or leaves the sentence out).
    """

    file: str
    required_fields: tuple[str, ...]
    list_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    optional_fields: tuple[str, ...] = ()

    @property
    def all_fields(self) -> tuple[str, ...]:
        return self.required_fields + tuple(self.list_fields) + self.optional_fields


FIELD_LABELS = {
    "document_no": "文书编号",
    "organ": "机关名称",
    "issue_date": "文书日期",
    "case_no": "办件编号",
    "applicant_name": "申请人",
    "applicant_id_no": "申请人证件号码（身份证号码或统一社会信用代码）",
    "legal_representative": "法定代表人",
    "applicant_address": "申请人住所（地址）",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "matter_name": "申请事项",
    "received_date": "收件日期",
    "accepted_date": "受理日期",
    "statutory_limit_days": "法定办结时限（工作日）",
    "promised_limit_days": "承诺办结时限（工作日）",
    "progress_query": "进度查询方式",
    "delivery_method": "送达方式",
    "delivery_address": "送达地址",
    "clerk": "经办人",
    "clerk_phone": "经办人联系电话",
    "complaint_phone": "监督投诉电话",
    "materials": "材料清单",
    "supplements": "需补正的材料",
    "missing_materials": "容缺材料",
    "refusal_reason": "理由",
    "legal_basis": "法律依据",
    "competent_organ": "有权机关",
    "reconsideration_organ": "行政复议机关",
    "court": "管辖人民法院",
    "decision_content": "许可内容",
    "validity_period": "有效期限",
    "certificate_name": "许可证件名称",
    "served_document": "送达文书名称",
    "served_document_no": "送达文书编号",
    "recipient": "受送达人",
    "qr": "二维码",
    "seal": "印章",
}

ITEM_LABELS = {
    "materials": {"name": "材料名称", "form": "原件或复印件", "copies": "份数"},
    "supplements": {"name": "材料名称", "problem": "存在的问题", "standard": "补正标准和要求"},
    "missing_materials": {"name": "材料名称", "form": "提交形式", "deadline": "补正期限"},
}

_COMMON = ("document_no", "organ", "issue_date")
_APPLICANT = ("applicant_name", "applicant_id_no", "applicant_address", "contact_name",
              "contact_phone")
_MATERIALS = {"materials": ("name", "form", "copies")}
_SUPPLEMENTS = {"supplements": ("name", "problem", "standard")}
_MISSING = {"missing_materials": ("name", "form", "deadline")}

TEMPLATES: dict[str, TemplateSpec] = {
    "受理通知书": TemplateSpec(
        "shouli_tongzhi.docx",
        _COMMON + ("case_no",) + _APPLICANT + (
            "matter_name", "received_date", "accepted_date", "statutory_limit_days",
            "promised_limit_days", "progress_query", "delivery_method", "delivery_address",
            "clerk", "complaint_phone"),
        optional_fields=("legal_representative",),
    ),
    "材料接收凭证": TemplateSpec(
        "cailiao_pingzheng.docx",
        _COMMON + ("case_no", "applicant_name", "applicant_id_no", "contact_phone",
                   "matter_name", "received_date", "clerk", "complaint_phone"),
        _MATERIALS,
    ),
    "一次性告知书": TemplateSpec(
        "buzheng_gaozhi.docx",
        _COMMON + ("case_no", "applicant_name", "matter_name", "received_date", "clerk",
                   "clerk_phone", "complaint_phone"),
        _SUPPLEMENTS,
    ),
    "不予受理通知书": TemplateSpec(
        "buyu_shouli.docx",
        _COMMON + ("case_no", "applicant_name", "matter_name", "received_date", "refusal_reason",
                   "legal_basis", "reconsideration_organ", "court", "clerk", "complaint_phone"),
        optional_fields=("competent_organ",),
    ),
    "容缺受理承诺书": TemplateSpec(
        "rongque_chengnuo.docx",
        _COMMON + ("case_no",) + _APPLICANT + ("matter_name",),
        _MISSING,
        optional_fields=("legal_representative",),
    ),
    "容缺受理通知书": TemplateSpec(
        "rongque_tongzhi.docx",
        _COMMON + ("case_no", "applicant_name", "matter_name", "received_date", "accepted_date",
                   "promised_limit_days", "statutory_limit_days", "clerk", "complaint_phone"),
        _MISSING,
    ),
    "准予行政许可决定书": TemplateSpec(
        "zhunyu_xuke.docx",
        _COMMON + ("case_no",) + _APPLICANT + (
            "matter_name", "received_date", "accepted_date", "legal_basis", "decision_content",
            "certificate_name", "delivery_method", "delivery_address"),
        optional_fields=("legal_representative", "validity_period"),
    ),
    "不予行政许可决定书": TemplateSpec(
        "buyu_xuke.docx",
        _COMMON + ("case_no",) + _APPLICANT + (
            "matter_name", "received_date", "accepted_date", "refusal_reason", "legal_basis",
            "reconsideration_organ", "court"),
        optional_fields=("legal_representative",),
    ),
    "送达回证": TemplateSpec(
        "songda_huizheng.docx",
        _COMMON + ("case_no", "served_document", "served_document_no", "recipient",
                   "delivery_method", "delivery_address", "clerk"),
    ),
}

# C0 controls other than tab and newline, and the two non-characters XML refuses.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------- lookup


def _spec(kind: str) -> TemplateSpec:
    try:
        return TEMPLATES[kind]
    except KeyError:
        raise FormError(f"没有这种文书模板：{kind}", field="kind") from None


def template_path(kind: str, template_dir: Path | str | None = None) -> Path:
    """Path of the template file for ``kind`` (in ``template_dir`` when given, so a
    bureau's edited copies can be used)."""
    spec = _spec(kind)
    return Path(template_dir or TEMPLATES_DIR) / spec.file


def _load(kind: str, template_dir) -> DocxTemplate:
    path = template_path(kind, template_dir)
    if not path.is_file():
        raise FormError(f"找不到文书模板文件：{path.name}", field="kind")
    return DocxTemplate(str(path))


_variables_cache: dict[tuple[str, int, int], frozenset[str]] = {}


def template_variables(kind: str, template_dir: Path | str | None = None) -> set[str]:
    """The top-level variables the template file uses (docxtpl's
    get_undeclared_template_variables). Parsing the template for them costs as
    much as rendering it, so the answer is kept per file version (path, size,
    modification time): a bureau's edit to a template is seen at once."""
    path = template_path(kind, template_dir)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FormError(f"找不到文书模板文件：{path.name}", field="kind") from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _variables_cache:
        tpl = _load(kind, template_dir)
        try:
            _variables_cache[key] = frozenset(tpl.get_undeclared_template_variables())
        except TemplateError as exc:
            raise FormError(f"文书模板有误（{kind}）：{exc}") from exc
    return set(_variables_cache[key])


# --------------------------------------------------------------------------- checking


def _label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return f"{label}（{name}）" if label else name


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple)) and len(value) == 0)


def _check_scalar(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, int, date)):
        raise FormError(f"文书内容的类型不受支持：{_label(name)}", field=name)
    if isinstance(value, str) and _FORBIDDEN.search(value):
        raise FormError(f"文书内容含有不能打印的控制字符：{_label(name)}", field=name)


def _missing(spec: TemplateSpec, used: set[str], context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, description) for every value that is missing or empty."""
    optional = set(spec.optional_fields) | set(IMAGE_FIELDS)
    wanted = list(spec.required_fields) + list(spec.list_fields)
    wanted += sorted(used - set(wanted) - optional)
    missing = []
    for name in wanted:
        value = context.get(name)
        if _empty(value):
            missing.append((name, _label(name)))
            continue
        item_keys = spec.list_fields.get(name)
        if item_keys is None:
            continue
        if not isinstance(value, (list, tuple)):
            raise FormError(f"文书内容的类型不受支持：{_label(name)}应为清单", field=name)
        labels = ITEM_LABELS.get(name, {})
        for index, item in enumerate(value, start=1):
            if not isinstance(item, Mapping):
                missing.append((name, f"{_label(name)}第{index}项"))
                continue
            for key in item_keys:
                if _empty(item.get(key)):
                    missing.append((f"{name}[{index}].{key}",
                                    f"{FIELD_LABELS.get(name, name)}第{index}项的{labels.get(key, key)}"))
    return missing


def missing_fields(kind: str, context: Mapping[str, Any],
                   template_dir: Path | str | None = None) -> list[str]:
    """Descriptions (Chinese) of every value the document still lacks; [] when
    it can be filled."""
    spec = _spec(kind)
    used = template_variables(kind, template_dir)
    return [text for _, text in _missing(spec, used, context)]


def _format_date(value: date) -> str:
    if isinstance(value, datetime):
        return f"{value.year}年{value.month}月{value.day}日{value.hour}时{value.minute:02d}分"
    return f"{value.year}年{value.month}月{value.day}日"


def _prepare(name: str, value: Any, is_list: bool = False) -> Any:
    """Check one value's type and turn dates and numbers into their printed form.
    List fields are lists of dicts of plain values; every other value is plain."""
    if is_list:
        if not isinstance(value, (list, tuple)):
            raise FormError(f"文书内容的类型不受支持：{_label(name)}应为清单", field=name)
        items = []
        for index, item in enumerate(value, start=1):
            if not isinstance(item, Mapping):
                raise FormError(f"文书内容的类型不受支持：{_label(name)}第{index}项", field=name)
            items.append({str(k): _prepare(f"{name}[{index}].{k}", v) for k, v in item.items()})
        return items
    if value is None:
        return ""
    _check_scalar(name, value)
    if isinstance(value, date):
        return _format_date(value)
    if isinstance(value, int):
        return str(value)
    return value


def _check_image(blob: Any, name: str) -> bytes:
    if not isinstance(blob, (bytes, bytearray)) or not blob:
        raise FormError(f"文书缺少必填内容：{_label(name)}", field=name)
    try:
        Image.from_blob(bytes(blob))
    except Exception as exc:
        raise FormError(f"{FIELD_LABELS[name]}图片无效", field=name) from exc
    return bytes(blob)


# --------------------------------------------------------------------------- the seal


def _twips(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _text_column(document) -> int:
    section = document.sections[-1]
    return int(section.page_width - section.left_margin - section.right_margin)


def _cell_box(tc, document) -> tuple[int, int]:
    """(left, width) in EMU of a table cell's text area, measured from the left
    margin: from the table's grid, its alignment or indent, and the cell margins."""
    tbl = next(tc.iterancestors(qn("w:tbl")))
    grid = [_twips(col.get(qn("w:w"))) for col in tbl.iter(qn("w:gridCol"))]
    tr = tc.getparent()
    start = 0
    for cell in tr.iter(qn("w:tc")):
        if cell is tc:
            break
        if next(cell.iterancestors(qn("w:tbl"))) is not tbl:
            continue
        span = cell.find(qn("w:tcPr") + "/" + qn("w:gridSpan"))
        start += _twips(span.get(qn("w:val"))) if span is not None else 1
    span_el = tc.find(qn("w:tcPr") + "/" + qn("w:gridSpan"))
    span = _twips(span_el.get(qn("w:val"))) if span_el is not None else 1
    tbl_pr = tbl.find(qn("w:tblPr"))
    margin_l = margin_r = 108  # Word's default cell margins, twips
    mar = tbl_pr.find(qn("w:tblCellMar")) if tbl_pr is not None else None
    if mar is not None:
        for tag, side in (("w:left", "l"), ("w:start", "l"), ("w:right", "r"), ("w:end", "r")):
            el = mar.find(qn(tag))
            if el is not None:
                if side == "l":
                    margin_l = _twips(el.get(qn("w:w")))
                else:
                    margin_r = _twips(el.get(qn("w:w")))
    table_width = sum(grid) * 635
    jc = tbl_pr.find(qn("w:jc")) if tbl_pr is not None else None
    ind = tbl_pr.find(qn("w:tblInd")) if tbl_pr is not None else None
    if jc is not None and jc.get(qn("w:val")) == "center":
        table_left = (_text_column(document) - table_width) // 2
    elif jc is not None and jc.get(qn("w:val")) in ("right", "end"):
        table_left = _text_column(document) - table_width
    else:
        table_left = _twips(ind.get(qn("w:w"))) * 635 if ind is not None else 0
    left = table_left + (sum(grid[:start]) + margin_l) * 635
    width = (sum(grid[start:start + span]) - margin_l - margin_r) * 635
    return left, width


def _paragraph_box(p, document, in_cell: bool) -> tuple[int, int]:
    """(left, width) in EMU of the area the paragraph is laid out in: its table
    cell or the page's text column. ``left`` is measured from the cell when
    ``in_cell`` (a picture laid out in the cell), else from the left margin."""
    tc = next(p.iterancestors(qn("w:tc")), None)
    if tc is not None:
        try:
            left, width = _cell_box(tc, document)
        except StopIteration:
            return 0, _text_column(document)
        return (0 if in_cell else left), width
    return 0, _text_column(document)


def _text_width(paragraph: Paragraph) -> int:
    """Rough printed width of the paragraph's text: CJK characters one em, others
    half an em."""
    size = None
    for run in paragraph.runs:
        if run.text and run.font.size:
            size = run.font.size
            break
    size = size or Emu(14 * 12700)
    ems = sum(1.0 if ord(ch) > 0x2E80 else 0.5 for ch in paragraph.text)
    return int(ems * size)


def _line_height(paragraph: Paragraph) -> int:
    pf = paragraph.paragraph_format
    if pf.line_spacing is not None and not isinstance(pf.line_spacing, float):
        return int(pf.line_spacing)
    return int(14 * 12700 * 1.5)


def _seal_position(document, inline, seal_cx: int, seal_cy: int,
                   in_cell: bool = True) -> tuple[int, int]:
    """Offsets (from the column — the table cell when the paragraph is in one —
    and from the top of the paragraph) that centre the seal over the organ's
    name, with the name and the date in its lower half (GB/T 9704:
    印章居中下压署名和日期)."""
    p = next(inline.iterancestors(qn("w:p")))
    paragraph = Paragraph(p, document)     # read only: the story part is the document's
    pf = paragraph.paragraph_format
    origin, width = _paragraph_box(p, document, in_cell)
    left = int(pf.left_indent or 0)
    right = int(pf.right_indent or 0)
    align = pf.alignment
    text = _text_width(paragraph)
    if align is not None and int(align) == 1:        # centred
        centre = left + (width - left - right) // 2
    elif align is not None and int(align) == 2:      # right
        centre = width - right - text // 2
    else:
        centre = left + text // 2
    centre += origin
    line = _line_height(paragraph)
    centre_y = int(line * 0.6)
    return centre - seal_cx // 2, centre_y - seal_cy // 2


def _float_seal(document, seal_png: bytes) -> None:
    """Float every picture of the seal over the organ's name and the date."""
    rel_ids = set(docx_tools.find_image_rel_ids(document, seal_png))
    inlines = []
    for inline in document.element.body.iter(qn("wp:inline")):
        embeds = {b.get(qn("r:embed")) for b in
                  inline.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip")}
        if embeds & rel_ids:
            inlines.append(inline)
    for number, inline in enumerate(inlines, start=1):
        extent = inline.find(qn("wp:extent"))
        h, v = _seal_position(document, inline, int(extent.get("cx")), int(extent.get("cy")))
        doc_pr = inline.find(qn("wp:docPr"))
        marker = f"印章-{number}"
        doc_pr.set("name", marker)
        doc_pr.set("descr", "印章")
        docx_tools.float_image(document, marker, h_offset=h, v_offset=v, behind=False,
                               relative_h="column", relative_v="paragraph")
    for doc_pr in document.element.body.iter(qn("wp:docPr")):
        if doc_pr.get("name", "").startswith("印章-"):
            doc_pr.set("name", "印章")


# --------------------------------------------------------------------------- filling


def fill(kind: str, context: Mapping[str, Any], *, seal_png: bytes | None, qr_png: bytes,
         template_dir: Path | str | None = None) -> bytes:
    """Fill the template for ``kind`` and return the .docx bytes (see render)."""
    tpl = render(kind, context, seal_png=seal_png, qr_png=qr_png, template_dir=template_dir)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def render(kind: str, context: Mapping[str, Any], *, seal_png: bytes | None, qr_png: bytes,
           template_dir: Path | str | None = None) -> DocxTemplate:
    """Fill the template for ``kind`` and return the .docx bytes.

    Every value the template uses must be in ``context`` and not empty (optional
    fields of the spec excepted); otherwise FormError("文书缺少必填内容：…")
    lists all of them and nothing is produced. ``qr_png`` is printed 2.5 cm wide at
    the bottom left; ``seal_png`` (None for an unsealed draft) 4.2 cm wide,
    floating over the organ's name and the date.
    """
    spec = _spec(kind)
    if not isinstance(context, Mapping):
        raise FormError("文书内容必须是字段与值的对照表")
    used = template_variables(kind, template_dir)
    tpl = _load(kind, template_dir)

    missing = _missing(spec, used, context)
    if missing:
        raise FormError("文书缺少必填内容：" + "、".join(text for _, text in missing),
                          field=missing[0][0])

    qr = _check_image(qr_png, "qr")
    seal = _check_image(seal_png, "seal") if seal_png is not None else None

    values: dict[str, Any] = {}
    for name in (used | set(spec.all_fields)) - set(IMAGE_FIELDS):
        values[name] = _prepare(name, context.get(name), name in spec.list_fields)
    values["qr"] = InlineImage(tpl, io.BytesIO(qr), width=QR_WIDTH)
    values["seal"] = InlineImage(tpl, io.BytesIO(seal), width=SEAL_WIDTH) if seal else ""

    env = Environment(undefined=StrictUndefined, autoescape=True)
    try:
        tpl.render(values, env, autoescape=True)
    except UndefinedError as exc:
        raise FormError(f"文书缺少必填内容：{exc.message}") from exc
    except TemplateError as exc:
        raise FormError(f"文书模板有误（{kind}）：{exc}") from exc

    document = tpl.docx
    if seal:
        _float_seal(document, seal)
    return tpl
