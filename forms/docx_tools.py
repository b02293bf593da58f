"""Low-level helpers on .docx files (python-docx and its OPC package layer).

- ``float_image``: turn an inline picture into a floating one (the seal over the
  organ's name and date).
- ``document_text``: the visible text of the body in reading order, one line per
  paragraph (what a clerk reads; the signature covers the whole package, see
  forms.package).
- ``set_custom_properties`` / ``get_custom_properties``: ``docProps/custom.xml``;
  they never touch the body, so the text stays the same.
- ``image_hashes``: SHA-256 of every ``word/media/*`` part.

Nothing here merges or splits runs by hand, and nothing imports Qt or a database.
Bytes that are not a .docx raise ``FormError("文件不是有效的 .docx 文书")``; every file is
checked against forms.package's size and part limits before it is opened.
"""

from __future__ import annotations

import copy
import hashlib
import io
from collections.abc import Iterator

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

from forms.errors import FormError
from forms.package import INVALID_DOCX, check_archive

__all__ = [
    "INVALID_DOCX",
    "open_docx",
    "save_docx",
    "find_image_rel_ids",
    "float_image",
    "document_text",
    "set_custom_properties",
    "get_custom_properties",
    "image_hashes",
]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
# The format id every custom document property carries (fixed by the standard).
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
CUSTOM_PARTNAME = "/docProps/custom.xml"

EMU_PER_CM = 360000


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _wp(tag: str) -> str:
    return f"{{{WP_NS}}}{tag}"


# --------------------------------------------------------------------------- opening


def open_docx(docx_bytes: bytes) -> DocxDocument:
    """Open bytes as a python-docx Document; anything that is not a Word document
    raises FormError."""
    if not isinstance(docx_bytes, (bytes, bytearray, memoryview)) or not docx_bytes:
        raise FormError(INVALID_DOCX)
    data = bytes(docx_bytes)
    check_archive(data)     # sizes and part count before python-docx reads anything
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise FormError(INVALID_DOCX) from exc
    if document.element.body is None:
        raise FormError(INVALID_DOCX)
    return document


def save_docx(document: DocxDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- floating pictures


def find_image_rel_ids(document: DocxDocument, blob: bytes) -> list[str]:
    """Relationship ids (from the main document part) of the image parts whose
    bytes equal ``blob``. python-docx stores one part per distinct picture, so this
    is how a picture inserted from bytes is found again."""
    found = []
    for rel_id, rel in document.part.rels.items():
        if rel.is_external or rel.reltype != RT.IMAGE:
            continue
        if rel.target_part.blob == blob:
            found.append(rel_id)
    return sorted(found)


def _inline_drawings(document: DocxDocument, image: str) -> list:
    """wp:inline elements in the body that show the picture ``image``: a
    relationship id (``rId7``) or the picture's name (wp:docPr/@name)."""
    body = document.element.body
    hits = []
    for inline in body.iter(_wp("inline")):
        doc_pr = inline.find(_wp("docPr"))
        blips = [b.get(f"{{{R_NS}}}embed") for b in inline.iter(f"{{{A_NS}}}blip")]
        if image in blips or (doc_pr is not None and doc_pr.get("name") == image):
            hits.append(inline)
    return hits


def float_image(
    document: DocxDocument,
    image: str,
    *,
    h_offset: int,
    v_offset: int,
    relative_h: str = "column",
    relative_v: str = "paragraph",
    behind: bool = False,
    layout_in_cell: bool = True,
    z_order: int = 251659264,
) -> int:
    """Turn every inline picture showing ``image`` (relationship id or picture
    name) into a floating picture (wp:anchor) that does not push text aside
    (wrapNone), may overlap other objects, and sits ``h_offset`` / ``v_offset`` EMU
    from the ``relative_h`` / ``relative_v`` reference (by default the column and
    the top of the paragraph holding it). ``behind=False`` puts it in front of the
    text, as a stamp is. ``layout_in_cell=False`` lets a picture anchored in a
    table cell reach outside the cell (its horizontal reference is then the
    page's, not the cell's). Returns how many pictures were changed; none raises
    FormError."""
    inlines = _inline_drawings(document, image)
    if not inlines:
        raise FormError(f"文书中找不到要浮动的图片：{image}")
    for index, inline in enumerate(inlines):
        anchor = etree.Element(_wp("anchor"), nsmap=inline.nsmap)
        for key in ("distT", "distB", "distL", "distR"):
            anchor.set(key, "0")
        anchor.set("simplePos", "0")
        anchor.set("relativeHeight", str(z_order + index))
        anchor.set("behindDoc", "1" if behind else "0")
        anchor.set("locked", "0")
        anchor.set("layoutInCell", "1" if layout_in_cell else "0")
        anchor.set("allowOverlap", "1")

        simple = etree.SubElement(anchor, _wp("simplePos"))
        simple.set("x", "0")
        simple.set("y", "0")
        pos_h = etree.SubElement(anchor, _wp("positionH"))
        pos_h.set("relativeFrom", relative_h)
        etree.SubElement(pos_h, _wp("posOffset")).text = str(int(h_offset))
        pos_v = etree.SubElement(anchor, _wp("positionV"))
        pos_v.set("relativeFrom", relative_v)
        etree.SubElement(pos_v, _wp("posOffset")).text = str(int(v_offset))

        extent = inline.find(_wp("extent"))
        anchor.append(copy.deepcopy(extent))
        effect = inline.find(_wp("effectExtent"))
        if effect is not None:
            anchor.append(copy.deepcopy(effect))
        else:
            effect = etree.SubElement(anchor, _wp("effectExtent"))
            for key in ("l", "t", "r", "b"):
                effect.set(key, "0")
        etree.SubElement(anchor, _wp("wrapNone"))
        # docPr, cNvGraphicFramePr and a:graphic follow in schema order.
        for child in inline:
            if child.tag in (_wp("docPr"), _wp("cNvGraphicFramePr"), f"{{{A_NS}}}graphic"):
                anchor.append(copy.deepcopy(child))
        inline.getparent().replace(inline, anchor)
    return len(inlines)


# --------------------------------------------------------------------------- text


def _is_hidden(run) -> bool:
    rpr = run.find(_w("rPr"))
    if rpr is None:
        return False
    vanish = rpr.find(_w("vanish"))
    if vanish is None:
        return False
    return vanish.get(_w("val"), "true") not in ("0", "false", "off")


def _run_text(run) -> str:
    parts = []
    for child in run:
        tag = child.tag
        if tag == _w("t"):
            parts.append(child.text or "")
        elif tag in (_w("tab"), _w("ptab")):
            parts.append("\t")
        elif tag in (_w("br"), _w("cr")):
            parts.append("\n")
        elif tag == _w("noBreakHyphen"):
            parts.append("-")
        elif tag == _w("sym"):
            char = child.get(_w("char"))
            if char:
                try:
                    parts.append(chr(int(char, 16)))
                except ValueError:
                    pass
    return "".join(parts)


def _paragraph_runs(p) -> Iterator:
    """Runs of a paragraph in document order, including those inside hyperlinks,
    inserted revisions, fields and content controls, but not deleted revisions nor
    runs inside pictures or text boxes (those belong to their own paragraphs)."""
    stack = list(reversed(list(p)))
    while stack:
        node = stack.pop()
        tag = node.tag
        if not isinstance(tag, str):
            continue
        if tag == _w("r"):
            yield node
        elif tag in (_w("del"), _w("moveFrom"), _w("pPr"), _w("rPr")):
            continue
        else:
            stack.extend(reversed(list(node)))


def _textbox_paragraphs(p) -> Iterator:
    """Paragraphs inside text boxes anchored in paragraph ``p`` (DrawingML only:
    the VML fallback of mc:AlternateContent repeats the same text)."""
    for txbx in p.iter(f"{{{WPS_NS}}}txbx"):
        if any(a.tag == f"{{{MC_NS}}}Fallback" for a in txbx.iterancestors()):
            continue
        content = txbx.find(_w("txbxContent"))
        if content is not None:
            yield content


def _block_lines(container) -> Iterator[str]:
    for child in container:
        tag = child.tag
        if tag == _w("p"):
            yield "".join(_run_text(r) for r in _paragraph_runs(child) if not _is_hidden(r))
            for content in _textbox_paragraphs(child):
                yield from _block_lines(content)
        elif tag == _w("tbl"):
            for row in child.iter(_w("tr")):
                if not _owned_by(row, child):
                    continue
                for cell in _row_cells(row):
                    yield from _block_lines(cell)
        elif tag in (_w("sdt"),):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _block_lines(content)
        elif tag in (_w("customXml"), _w("ins"), _w("moveTo")):
            yield from _block_lines(child)


def _owned_by(row, table) -> bool:
    """A row belongs to ``table`` when its nearest table ancestor is ``table``
    (rows may sit inside w:sdt or w:customXml wrappers)."""
    for ancestor in row.iterancestors(_w("tbl")):
        return ancestor is table
    return False


def _row_cells(row) -> Iterator:
    stack = list(reversed(list(row)))
    while stack:
        node = stack.pop()
        if node.tag == _w("tc"):
            yield node
        elif node.tag in (_w("sdt"), _w("sdtContent"), _w("customXml")):
            stack.extend(reversed(list(node)))


def document_text(docx_bytes: bytes) -> str:
    """The visible text of the document body in reading order: every paragraph on
    its own line (empty paragraphs give empty lines), table cells row by row, each
    cell's paragraphs on their own lines; headers, footers, deleted revisions and
    hidden runs excluded. Deterministic for the same body XML."""
    return document_text_of(open_docx(docx_bytes))


def document_text_of(document: DocxDocument) -> str:
    """document_text for a document already in memory (no extra open/save)."""
    return "\n".join(_block_lines(document.element.body))


# --------------------------------------------------------------------------- custom properties


def _custom_part(document: DocxDocument):
    package = document.part.package
    for rel_id, rel in package.rels.items():
        if not rel.is_external and rel.reltype == RT.CUSTOM_PROPERTIES:
            return rel_id, rel.target_part
    return None, None


def _parse_custom(blob: bytes) -> dict[str, str]:
    try:
        root = etree.fromstring(blob)
    except etree.XMLSyntaxError as exc:
        raise FormError(INVALID_DOCX) from exc
    props = {}
    for prop in root.findall(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name")
        if name is None:
            continue
        value = next(iter(prop), None)
        props[name] = "" if value is None or value.text is None else value.text
    return props


def get_custom_properties(docx_bytes: bytes) -> dict[str, str]:
    """Custom document properties (docProps/custom.xml) as text; {} when absent."""
    document = open_docx(docx_bytes)
    _, part = _custom_part(document)
    if part is None:
        return {}
    return _parse_custom(part.blob)


def _custom_xml(old: bytes | None, props: dict[str, str]) -> bytes:
    """custom.xml with ``props`` set as vt:lpwstr; other existing properties are
    kept as they are (with their own value types)."""
    if old is not None:
        try:
            root = etree.fromstring(old)
        except etree.XMLSyntaxError as exc:
            raise FormError(INVALID_DOCX) from exc
    else:
        root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    existing = {prop.get("name"): prop for prop in root.findall(f"{{{CUSTOM_NS}}}property")}
    pids = [int(p.get("pid")) for p in existing.values() if (p.get("pid") or "").isdigit()]
    next_pid = max(pids + [1]) + 1
    for name, value in props.items():
        prop = existing.get(name)
        if prop is None:
            prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property")
            prop.set("fmtid", CUSTOM_FMTID)
            prop.set("pid", str(next_pid))
            prop.set("name", name)
            next_pid += 1
        for child in list(prop):
            prop.remove(child)
        etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_custom_properties(docx_bytes: bytes, props: dict[str, str]) -> bytes:
    """Return the document with ``props`` written as custom properties (text,
    vt:lpwstr); other existing custom properties are kept. The part and its
    package relationship are created when absent. The body is not touched."""
    document = open_docx(docx_bytes)
    set_custom_properties_on(document, props)
    return save_docx(document)


def set_custom_properties_on(document: DocxDocument, props: dict[str, str]) -> None:
    """set_custom_properties for a document already in memory (saved by the caller)."""
    rel_id, old = _custom_part(document)
    for name, value in props.items():
        if not isinstance(name, str) or not name.strip() or not isinstance(value, str):
            raise FormError("自定义属性的名称和值必须是文字", field=str(name))
    try:
        blob = _custom_xml(old.blob if old is not None else None, props)
    except ValueError as exc:  # lxml refuses characters XML cannot hold
        raise FormError("自定义属性含有不能保存的字符") from exc
    package = document.part.package
    partname = old.partname if old is not None else PackURI(CUSTOM_PARTNAME)
    part = Part(partname, CT.OFC_CUSTOM_PROPERTIES, blob, package)
    if rel_id is not None:
        # Same relationship id, new target: the old part drops out of the package.
        package.rels.pop(rel_id)
        package.rels.add_relationship(RT.CUSTOM_PROPERTIES, part, rel_id)
    else:
        package.relate_to(part, RT.CUSTOM_PROPERTIES)


# --------------------------------------------------------------------------- media


def image_hashes(docx_bytes: bytes) -> dict[str, str]:
    """SHA-256 (hex) of every media part under word/media/, keyed by its name in
    the package (``word/media/image1.png``)."""
    open_docx(docx_bytes)  # validates, within the limits
    hashes = {}
    with check_archive(bytes(docx_bytes)) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.filename.startswith("word/media/") and not info.is_dir():
                hashes[info.filename] = hashlib.sha256(archive.read(info)).hexdigest()
    return hashes
