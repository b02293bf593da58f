"""Official document templates: building, filling, the seal, text and metadata helpers."""

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
import segno
from docx import Document
from PIL import Image, ImageDraw

from forms import build_templates, docx_tools, templates
from forms.templates import TEMPLATES, fill
from forms.errors import FormError

ORGAN = "西安市新城区行政审批服务局"
DOC_NO = "新城审受字〔2026〕第100001号"
APPLICANT = "张伟"
ID_NO = "11010519491231002X"

MATERIALS = [
    {"name": "食品经营许可申请书", "form": "原件", "copies": 1},
    {"name": "营业执照", "form": "复印件", "copies": 1},
    {"name": "法定代表人身份证明", "form": "复印件", "copies": 2},
    {"name": "经营场所平面布局图", "form": "原件", "copies": 1},
]
SUPPLEMENTS = [
    {"name": "经营场所平面布局图", "problem": "未标明操作间与库房的面积",
     "standard": "按1:100比例绘制，标明各功能区名称和面积，由申请人签字"},
    {"name": "食品安全管理制度", "problem": "缺少进货查验记录制度",
     "standard": "包含进货查验、从业人员健康管理等制度，加盖公章"},
]
MISSING = [
    {"name": "房屋租赁合同", "form": "复印件（核验原件）", "deadline": date(2026, 10, 20)},
    {"name": "从业人员健康证明", "form": "复印件", "deadline": date(2026, 10, 23)},
]
RIGHTS = ("六十日内", "申请行政复议", "六个月内", "提起行政诉讼")


def base_context() -> dict:
    return {
        "document_no": DOC_NO,
        "organ": ORGAN,
        "issue_date": date(2026, 9, 30),
        "case_no": "61010220260930001000123",
        "applicant_name": APPLICANT,
        "applicant_id_no": ID_NO,
        "legal_representative": "",
        "applicant_address": "陕西省西安市新城区长乐中路123号",
        "contact_name": APPLICANT,
        "contact_phone": "13800138000",
        "matter_name": "食品经营许可（新办）",
        "received_date": date(2026, 9, 29),
        "accepted_date": date(2026, 9, 30),
        "statutory_limit_days": 20,
        "promised_limit_days": 5,
        "progress_query": "登录陕西政务服务网或拨打029-87654321，凭办件编号查询",
        "delivery_method": "窗口领取",
        "delivery_address": "新城区政务服务中心二楼综合出件窗口",
        "clerk": "王敏",
        "clerk_phone": "029-87654322",
        "complaint_phone": "029-12345",
        "materials": MATERIALS,
        "supplements": SUPPLEMENTS,
        "missing_materials": MISSING,
        "refusal_reason": "该申请事项不属于本机关的职权范围",
        "legal_basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
        "competent_organ": "西安市市场监督管理局",
        "reconsideration_organ": "西安市新城区人民政府",
        "court": "西安铁路运输法院",
        "decision_content": "食品销售经营者（预包装食品销售、散装食品销售）",
        "validity_period": "五年",
        "certificate_name": "《食品经营许可证》",
        "served_document": "受理通知书",
        "served_document_no": DOC_NO,
        "recipient": APPLICANT,
    }


def qr_png(text: str = "https://zwfw.example.gov.cn/verify/100001") -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def seal_png(colour=(220, 0, 0, 255)) -> bytes:
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 232, 232), outline=colour, width=10)
    draw.regular_polygon((120, 120, 36), 5, fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def filled(kind: str, **overrides) -> bytes:
    context = base_context()
    if kind == "准予行政许可决定书":
        context["legal_basis"] = "《中华人民共和国食品安全法》第三十五条"
    context.update(overrides)
    return fill(kind, context, seal_png=seal_png(), qr_png=qr_png())


def all_text(docx_bytes: bytes) -> str:
    """Text through python-docx itself (paragraphs and every table cell)."""
    document = Document(io.BytesIO(docx_bytes))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


def body_xml(docx_bytes: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


# --------------------------------------------------------------------------- templates


def test_build_writes_nine_templates(tmp_path):
    written = build_templates.build_all(tmp_path)
    assert sorted(p.name for p in written) == sorted(spec.file for spec in TEMPLATES.values())
    assert len(written) == 9
    for path in written:
        document = Document(str(path))
        section = document.sections[0]
        assert abs(section.page_width.cm - 21.0) < 0.01
        assert abs(section.page_height.cm - 29.7) < 0.01
        assert abs(section.top_margin.cm - 3.7) < 0.01
        assert abs(section.bottom_margin.cm - 3.5) < 0.01
        assert abs(section.left_margin.cm - 2.8) < 0.01
        assert abs(section.right_margin.cm - 2.6) < 0.01


def test_shipped_templates_match_the_builder(tmp_path):
    """The files in resources/templates are what the builder makes (same text and
    placeholders): rerun `python -m forms.build_templates` after changing it."""
    build_templates.build_all(tmp_path)
    for kind in TEMPLATES:
        shipped = templates.template_path(kind)
        assert shipped.is_file(), kind
        assert templates.template_variables(kind) == templates.template_variables(kind, tmp_path)
        fresh = (tmp_path / shipped.name).read_bytes()
        assert docx_tools.document_text(shipped.read_bytes()) == docx_tools.document_text(fresh)


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_spec_lists_exactly_the_template_variables(kind):
    spec = TEMPLATES[kind]
    used = templates.template_variables(kind)
    assert used == set(spec.all_fields) | {"qr", "seal"}, kind
    for name in spec.all_fields:
        assert name in templates.FIELD_LABELS, name


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_template_layout(kind):
    document = Document(str(templates.template_path(kind)))
    paragraphs = document.paragraphs
    assert paragraphs[0].text == "{{ organ }}"
    assert paragraphs[1].text == kind
    assert paragraphs[1].alignment == 1  # centred
    number = next(p for p in paragraphs[:4] if p.text == "{{ document_no }}")
    assert number.alignment == 2  # right
    xml = document.element.xml
    assert 'w:eastAsia="宋体"' in xml and 'w:eastAsia="仿宋"' in xml
    assert "Theme" not in "".join(
        a for el in document.element.iter() for a in el.attrib if "Theme" in a)
    text = all_text(open(templates.template_path(kind), "rb").read())
    assert "扫码验证" in text
    assert "{{ seal }}{{ organ }}" in text and "{{ issue_date }}" in text


# --------------------------------------------------------------------------- filling


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_every_template_fills(kind):
    data = filled(kind)
    document = Document(io.BytesIO(data))
    text = all_text(data)
    assert DOC_NO in text
    assert ORGAN in text
    assert "2026年9月30日" in text
    assert "{{" not in text and "{%" not in text
    if kind != "送达回证":
        assert APPLICANT in text
    else:
        assert f"受送达人\n{APPLICANT}" in text
    spec = TEMPLATES[kind]
    for list_name in spec.list_fields:
        for item in base_context()[list_name]:
            assert item["name"] in text
    if kind in ("不予受理通知书", "不予行政许可决定书"):
        for phrase in RIGHTS:
            assert phrase in text
        assert "西安市新城区人民政府" in text and "西安铁路运输法院" in text
    # the QR code inline, the seal floating
    xml = body_xml(data)
    assert xml.count("<wp:inline") == 1
    assert xml.count("<wp:anchor") == 1
    assert len(document.inline_shapes) == 1
    assert abs(document.inline_shapes[0].width.cm - 2.5) < 0.01


def test_dates_numbers_and_items_are_printed():
    text = all_text(filled("受理通知书"))
    assert "2026年9月29日" in text and "20个工作日" in text and "5个工作日" in text
    assert "法定代表人\n／" in text  # natural person: no legal representative
    text = all_text(filled("容缺受理通知书"))
    assert "2026年10月20日" in text and "2026年10月23日" in text
    assert "逾期未补正" in text and "终止办理" in text
    text = all_text(filled("一次性告知书"))
    for item in SUPPLEMENTS:
        assert item["problem"] in text and item["standard"] in text
    text = all_text(filled("材料接收凭证"))
    assert "共4项" in text and "复印件" in text


def test_optional_competent_organ_sentence():
    with_organ = all_text(filled("不予受理通知书"))
    assert "请向西安市市场监督管理局提出申请" in with_organ
    without = all_text(filled("不予受理通知书", competent_organ=None))
    assert "提出申请。" not in without and "市场监督管理局" not in without
    assert "六十日内" in without


def test_missing_required_fields_are_all_named():
    context = base_context()
    del context["applicant_name"]
    context["document_no"] = "   "
    context["clerk"] = None
    with pytest.raises(FormError) as info:
        fill("受理通知书", context, seal_png=seal_png(), qr_png=qr_png())
    message = str(info.value)
    assert message.startswith("文书缺少必填内容：")
    assert "申请人（applicant_name）" in message
    assert "文书编号" in message and "经办人" in message
    assert info.value.field == "document_no"


def test_missing_list_and_item_values():
    with pytest.raises(FormError) as info:
        filled("材料接收凭证", materials=[])
    assert "材料清单" in str(info.value)
    broken = [dict(MATERIALS[0]), {"name": "营业执照", "form": "", "copies": 1}]
    with pytest.raises(FormError) as info:
        filled("材料接收凭证", materials=broken)
    assert "材料清单第2项的原件或复印件" in str(info.value)
    with pytest.raises(FormError) as info:
        filled("容缺受理承诺书", missing_materials=[{"name": "房屋租赁合同", "form": "复印件"}])
    assert "容缺材料第1项的补正期限" in str(info.value)


def test_missing_field_gives_no_output(tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    context = base_context()
    context.pop("court")
    with pytest.raises(FormError, match="管辖人民法院"):
        fill("不予行政许可决定书", context, seal_png=seal_png(), qr_png=qr_png(),
             template_dir=templates.TEMPLATES_DIR)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_unknown_kind_and_bad_values():
    with pytest.raises(FormError, match="没有这种文书模板"):
        fill("营业执照", base_context(), seal_png=None, qr_png=qr_png())
    with pytest.raises(FormError, match="类型不受支持"):
        filled("受理通知书", promised_limit_days=2.5)
    with pytest.raises(FormError, match="类型不受支持"):
        filled("受理通知书", promised_limit_days=True)
    with pytest.raises(FormError, match="类型不受支持"):
        filled("受理通知书", applicant_name=["张伟"])
    with pytest.raises(FormError, match="类型不受支持"):
        filled("材料接收凭证", materials="营业执照")
    with pytest.raises(FormError, match="类型不受支持"):
        filled("材料接收凭证", materials=[{"name": "营业执照", "form": "原件", "copies": [1]}])
    with pytest.raises(FormError, match="控制字符"):
        filled("受理通知书", applicant_address="长乐中路\x0c123号")
    with pytest.raises(FormError, match="二维码"):
        fill("受理通知书", base_context(), seal_png=None, qr_png=b"not a picture")
    with pytest.raises(FormError, match="二维码"):
        fill("受理通知书", base_context(), seal_png=None, qr_png=b"")
    with pytest.raises(FormError, match="印章"):
        fill("受理通知书", base_context(), seal_png=b"\x89PNG broken", qr_png=qr_png())


def test_unsealed_draft_has_no_seal():
    data = fill("受理通知书", base_context(), seal_png=None, qr_png=qr_png())
    xml = body_xml(data)
    assert "<wp:anchor" not in xml and xml.count("<wp:inline") == 1


def test_hostile_values_come_out_literally():
    hostile = '<w:p>{{ x }}{% if 1 %}&amp; "引号" \'单\' A&B <b>'
    data = filled("不予受理通知书", refusal_reason=hostile, applicant_name="张伟<w:r>&")
    text = all_text(data)
    assert hostile in text
    assert "张伟<w:r>&" in text
    assert docx_tools.document_text(data).count(hostile) == 1


def test_newline_in_a_value_is_a_line_break():
    data = filled("不予受理通知书", refusal_reason="第一条理由\n第二条理由")
    assert "第一条理由\n第二条理由" in all_text(data)


def test_ten_thousand_characters():
    long_reason = ("申请材料与实际情况不符" * 1000)[:10000]
    data = filled("不予行政许可决定书", refusal_reason=long_reason)
    document = Document(io.BytesIO(data))
    assert long_reason in "\n".join(p.text for p in document.paragraphs)
    assert DOC_NO in docx_tools.document_text(data)


def test_values_are_not_mutated():
    context = base_context()
    snapshot = repr(context)
    fill("容缺受理通知书", context, seal_png=seal_png(), qr_png=qr_png())
    assert repr(context) == snapshot


def test_seal_floats_over_organ_and_date():
    data = filled("受理通知书")
    document = Document(io.BytesIO(data))
    anchors = document.element.body.findall(".//" + docx_tools._wp("anchor"))
    assert len(anchors) == 1
    anchor = anchors[0]
    assert anchor.get("behindDoc") == "0" and anchor.get("allowOverlap") == "1"
    assert anchor.find(docx_tools._wp("wrapNone")) is not None
    pos_v = anchor.find(docx_tools._wp("positionV"))
    assert pos_v.get("relativeFrom") == "paragraph"
    cx = int(anchor.find(docx_tools._wp("extent")).get("cx"))
    assert abs(cx - 4.2 * docx_tools.EMU_PER_CM) < 1000
    # anchored in the paragraph with the organ's name; the date follows it
    paragraph = next(anchor.iterancestors(docx_tools._w("p")))
    text = "".join(t.text or "" for t in paragraph.iter(docx_tools._w("t")))
    assert text == ORGAN
    following = paragraph.getnext()
    assert "".join(t.text or "" for t in following.iter(docx_tools._w("t"))) == "2026年9月30日"
    # vertically: from above the organ's line to below the date's line, with the
    # organ's name a little above the seal's centre (the two lines in its lower half)
    line = Document(io.BytesIO(data)).tables[-1].rows[0].cells[1].paragraphs[-1] \
        .paragraph_format.line_spacing
    v = int(pos_v.find(docx_tools._wp("posOffset")).text)
    cy = int(anchor.find(docx_tools._wp("extent")).get("cy"))
    assert v < 0 and v + cy > 2 * line
    assert 0 < v + cy // 2 < line
    # horizontally: the seal's centre is the centre of the organ's (centred) line
    pos_h = anchor.find(docx_tools._wp("positionH"))
    h = int(pos_h.find(docx_tools._wp("posOffset")).text)
    cell = paragraph.getparent()
    cell_width = int(cell.find(docx_tools._w("tcPr")).find(docx_tools._w("tcW"))
                     .get(docx_tools._w("w"))) * 635
    indent = int(paragraph.find(docx_tools._w("pPr")).find(docx_tools._w("ind"))
                 .get(docx_tools._w("left"))) * 635
    text_centre = indent + (cell_width - 216 * 635 - indent) / 2
    assert abs(h + cx / 2 - text_centre) < 0.05 * docx_tools.EMU_PER_CM


# --------------------------------------------------------------------------- docx_tools


def test_float_image_makes_an_anchor():
    document = Document()
    run = document.add_paragraph().add_run()
    run.add_picture(io.BytesIO(seal_png()))
    rel_id = docx_tools.find_image_rel_ids(document, seal_png())[0]
    assert docx_tools.float_image(document, rel_id, h_offset=100, v_offset=-200) == 1
    xml = document.element.body.xml
    assert "<wp:anchor" in xml and "<wp:inline" not in xml
    assert "<wp:wrapNone/>" in xml and 'behindDoc="0"' in xml
    assert "<wp:posOffset>-200</wp:posOffset>" in xml
    reopened = Document(io.BytesIO(docx_tools.save_docx(document)))
    assert len(reopened.inline_shapes) == 0
    with pytest.raises(FormError):
        docx_tools.float_image(document, "rId999", h_offset=0, v_offset=0)


def test_document_text_is_reading_order_and_stable():
    data = filled("材料接收凭证")
    text = docx_tools.document_text(data)
    lines = text.split("\n")
    assert lines[0] == ORGAN and lines[1] == "材料接收凭证" and lines[2] == DOC_NO
    # table cells each on their own line, row by row
    assert lines[lines.index("申请人") + 1] == APPLICANT
    order = [text.index(m["name"]) for m in MATERIALS]
    assert order == sorted(order)
    assert docx_tools.document_text(data) == text


def test_custom_properties_round_trip_and_keep_the_text():
    data = filled("受理通知书")
    text = docx_tools.document_text(data)
    assert docx_tools.get_custom_properties(data) == {}
    props = {"签名算法": "SM2-SM3", "签名值": "MEUCIQ<&>==", "签名时间": "2026-09-30T10:00:00+08:00"}
    signed = docx_tools.set_custom_properties(data, props)
    assert docx_tools.get_custom_properties(signed) == props
    assert docx_tools.document_text(signed) == text
    assert docx_tools.image_hashes(signed) == docx_tools.image_hashes(data)
    with zipfile.ZipFile(io.BytesIO(signed)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("_rels/.rels").decode()
        custom = archive.read("docProps/custom.xml").decode()
    assert "/docProps/custom.xml" in types and "custom-properties+xml" in types
    assert "relationships/custom-properties" in rels
    assert "<vt:lpwstr>" in custom
    # update one, keep the others; the part is not duplicated
    again = docx_tools.set_custom_properties(signed, {"签名值": "新值"})
    assert docx_tools.get_custom_properties(again) == {**props, "签名值": "新值"}
    with zipfile.ZipFile(io.BytesIO(again)) as archive:
        assert sum(n.startswith("docProps/custom") for n in archive.namelist()) == 1
        assert archive.read("_rels/.rels").decode().count("custom-properties") == 1
    assert docx_tools.document_text(again) == text
    Document(io.BytesIO(again))
    # a property of another type written by Word is kept as it is
    with zipfile.ZipFile(io.BytesIO(again)) as src:
        custom = src.read("docProps/custom.xml").decode().replace(
            "</Properties>",
            '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="9" name="页数">'
            "<vt:i4>2</vt:i4></property></Properties>")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                blob = src.read(info)
                dst.writestr(info, custom.encode() if info.filename == "docProps/custom.xml" else blob)
    typed = docx_tools.set_custom_properties(out.getvalue(), {"签名值": "第三值", "证书序号": "01"})
    assert docx_tools.get_custom_properties(typed) == {**props, "签名值": "第三值", "页数": "2",
                                                        "证书序号": "01"}
    with zipfile.ZipFile(io.BytesIO(typed)) as archive:
        custom = archive.read("docProps/custom.xml").decode()
    assert "<vt:i4>2</vt:i4>" in custom and 'pid="10" name="证书序号"' in custom
    with pytest.raises(FormError):
        docx_tools.set_custom_properties(data, {"x": "bad\x01"})


def test_document_text_changes_with_one_character():
    data = filled("受理通知书")
    document = Document(io.BytesIO(data))
    paragraph = next(p for p in document.paragraphs if "申请材料齐全" in p.text)
    run = next(r for r in paragraph.runs if "齐全" in r.text)
    run.text = run.text.replace("齐全", "齐金", 1)
    edited = docx_tools.save_docx(document)
    before, after = docx_tools.document_text(data), docx_tools.document_text(edited)
    assert before != after
    assert len(before) == len(after)


def test_document_text_excludes_headers_and_hidden_runs():
    data = filled("受理通知书")
    document = Document(io.BytesIO(data))
    document.sections[0].header.paragraphs[0].text = "页眉文字"
    with_header = docx_tools.save_docx(document)
    assert docx_tools.document_text(with_header) == docx_tools.document_text(data)
    hidden = document.paragraphs[-1].add_run("隐藏")
    hidden.font.hidden = True
    assert "隐藏" not in docx_tools.document_text(docx_tools.save_docx(document))


def test_image_hashes_notice_a_replaced_seal():
    data = filled("受理通知书")
    hashes = docx_tools.image_hashes(data)
    assert len(hashes) == 2 and all(k.startswith("word/media/") for k in hashes)
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in hashes.values())
    # swap the seal picture's bytes in the package
    document = Document(io.BytesIO(data))
    rel_id = docx_tools.find_image_rel_ids(document, seal_png())[0]
    seal_name = document.part.rels[rel_id].target_part.partname.lstrip("/")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info)
            dst.writestr(info, seal_png((0, 0, 200, 255)) if info.filename == seal_name else blob)
    replaced = out.getvalue()
    new_hashes = docx_tools.image_hashes(replaced)
    assert new_hashes[seal_name] != hashes[seal_name]
    assert {k: v for k, v in new_hashes.items() if k != seal_name} == \
        {k: v for k, v in hashes.items() if k != seal_name}
    assert docx_tools.document_text(replaced) == docx_tools.document_text(data)


@pytest.mark.parametrize("garbage", [b"", b"not a zip at all", b"PK\x03\x04broken",
                                     "text".encode("utf-16")])
def test_garbage_is_not_a_docx(garbage):
    for function in (docx_tools.document_text, docx_tools.get_custom_properties,
                     docx_tools.image_hashes):
        with pytest.raises(FormError, match="文件不是有效的 .docx 文书"):
            function(garbage)
    with pytest.raises(FormError, match="文件不是有效的 .docx 文书"):
        docx_tools.set_custom_properties(garbage, {"a": "b"})


def test_a_zip_that_is_not_a_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "你好")
    with pytest.raises(FormError, match="文件不是有效的 .docx 文书"):
        docx_tools.document_text(out.getvalue())


def test_forms_import_no_qt_and_no_database():
    code = ("import sys, forms.templates, forms.docx_tools, forms.build_templates;"
            "bad=[m for m in sys.modules if m.split('.')[0] in "
            "('PyQt6','PyQt5','PySide6','sqlalchemy','sqlite3','alembic')];"
            "print(bad)")
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=str(templates.TEMPLATES_DIR.parent.parent), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_libreoffice_renders_chinese(tmp_path):
    # `make test` installs LibreOffice and poppler (Makefile APT_PACKAGES): no skip.
    assert shutil.which("soffice") and shutil.which("pdftotext"), "make test installs them"
    source = tmp_path / "notice.docx"
    source.write_bytes(filled("不予受理通知书"))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "notice.pdf"
    assert pdf.is_file()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    assert "不予受理通知书" in text
    assert ORGAN in text
    assert "行政复议" in text
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    if pages:
        assert re.search(r"Pages:\s+1\b", pages), pages
