"""What someone holding a signed .docx might change to alter what is printed (issue 16,
findings 4 and 8). Each attack takes the file's bytes and returns the forged file; the
forms tests and the `workstation verify` tests both run them."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from PIL import Image, ImageDraw

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ORGAN = "西安市新城区行政审批服务局"
VOID = "本通知书已作废"


def parts_of(docx: bytes) -> dict[str, bytes]:
    src = zipfile.ZipFile(io.BytesIO(docx))
    return {info.filename: src.read(info) for info in src.infolist()}


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def rewrite(docx: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    parts = parts_of(docx)
    change(parts)
    return zip_of(parts)


def _edit(parts: dict[str, bytes], name: str, edit: Callable[[str], str]) -> None:
    before = parts[name].decode("utf-8")
    after = edit(before)
    assert after != before, f"the attack on {name} changed nothing"
    parts[name] = after.encode("utf-8")


def _document(docx: bytes, edit: Callable[[str], str]) -> bytes:
    return rewrite(docx, lambda parts: _edit(parts, "word/document.xml", edit))


def _before_sectpr(xml: str, snippet: str) -> str:
    i = xml.rindex("<w:sectPr")
    return xml[:i] + snippet + xml[i:]


def _relate(parts: dict[str, bytes], rid: str, kind: str, target: str) -> None:
    _edit(parts, "word/_rels/document.xml.rels", lambda x: x.replace(
        "</Relationships>", f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target="{target}"/></Relationships>'))


def _override(parts: dict[str, bytes], name: str, content_type: str) -> None:
    _edit(parts, "[Content_Types].xml", lambda x: x.replace(
        "</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'))


_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"


# --------------------------------------------------------------------------- what is printed


def organ_white(docx: bytes) -> bytes:
    """The organ's name under the seal turned white: the text is unchanged."""
    def edit(x: str) -> str:
        i = x.rindex(ORGAN)
        j = x.rindex("<w:sz ", 0, i)
        return x[:j] + '<w:color w:val="FFFFFF"/>' + x[j:]
    return _document(docx, edit)


def vml_text_box(docx: bytes) -> bytes:
    box = ('<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" '
           'style="position:absolute;margin-left:60pt;margin-top:-420pt;width:320pt;height:80pt;'
           'z-index:9" stroked="f" filled="f"><v:textbox><w:txbxContent><w:p><w:r><w:rPr>'
           f'<w:color w:val="FF0000"/><w:sz w:val="72"/></w:rPr><w:t>{VOID}</w:t></w:r></w:p>'
           '</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>')
    return _document(docx, lambda x: _before_sectpr(x, box))


def drawingml_text_box(docx: bytes) -> bytes:
    """A floating DrawingML text box over the body."""
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    box = ('<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
           '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="9" '
           'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
           '<wp:positionH relativeFrom="page"><wp:posOffset>900000</wp:posOffset></wp:positionH>'
           '<wp:positionV relativeFrom="page"><wp:posOffset>3000000</wp:posOffset></wp:positionV>'
           '<wp:extent cx="4000000" cy="800000"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
           '<wp:wrapNone/><wp:docPr id="99" name="文本框"/><wp:cNvGraphicFramePr/>'
           f'<a:graphic xmlns:a="{a}"><a:graphicData '
           'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
           '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
           '<a:ext cx="4000000" cy="800000"/></a:xfrm><a:prstGeom prst="rect"/></wps:spPr>'
           f'<wps:txbx><w:txbxContent><w:p><w:r><w:t>{VOID}</w:t></w:r></w:p></w:txbxContent>'
           '</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
           '</mc:Choice><mc:Fallback/></mc:AlternateContent></w:r></w:p>')
    return _document(docx, lambda x: _before_sectpr(x, box))


def _story(docx: bytes, tag: str, kind: str, text: str) -> bytes:
    name = f"word/{kind}1.xml"

    def change(parts: dict[str, bytes]) -> None:
        parts[name] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                       f'<w:{tag} xmlns:w="{W}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:{tag}>'
                       ).encode()
        _relate(parts, f"rIdAttack{kind}", kind, f"{kind}1.xml")
        _override(parts, name, f"{_WML}.{kind}+xml")
        _edit(parts, "word/document.xml", lambda x: re.sub(
            r"(<w:sectPr[^>]*>)", rf'\1<w:{kind}Reference w:type="default" r:id="rIdAttack{kind}"/>', x))
    return rewrite(docx, change)


def header(docx: bytes) -> bytes:
    return _story(docx, "hdr", "header", "此件作废")


def footer(docx: bytes) -> bytes:
    return _story(docx, "ftr", "footer", "本件已于次日撤销")


def comment(docx: bytes) -> bytes:
    def change(parts: dict[str, bytes]) -> None:
        parts["word/comments.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w="{W}">'
            '<w:comment w:id="0" w:author="审批科"><w:p><w:r><w:t>此件作废</w:t></w:r></w:p>'
            '</w:comment></w:comments>').encode()
        _relate(parts, "rIdAttackComments", "comments", "comments.xml")
        _override(parts, "word/comments.xml", f"{_WML}.comments+xml")
        _edit(parts, "word/document.xml", lambda x: _before_sectpr(
            x, '<w:p><w:r><w:commentReference w:id="0"/></w:r></w:p>'))
    return rewrite(docx, change)


def added_part(docx: bytes) -> bytes:
    return rewrite(docx, lambda parts: parts.__setitem__("customXml/item9.xml", b"<x>unrelated</x>"))


def custom_property(docx: bytes) -> bytes:
    """A custom property a DOCPROPERTY field could print."""
    def change(parts: dict[str, bytes]) -> None:
        parts["docProps/custom.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns='
            '"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt='
            '"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property '
            'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="状态"><vt:lpwstr>作废'
            '</vt:lpwstr></property></Properties>').encode()
    return rewrite(docx, change)


def _part(name: str, edit: Callable[[str], str]) -> Callable[[bytes], bytes]:
    return lambda docx: rewrite(docx, lambda parts: _edit(parts, name, edit))


style_changed = _part("word/styles.xml", lambda x: x.replace(
    "<w:rPrDefault><w:rPr>", '<w:rPrDefault><w:rPr><w:vanish/>', 1))
theme_changed = _part("word/theme/theme1.xml", lambda x: x.replace('typeface="', 'typeface="Wingdings', 1))
numbering_changed = _part("word/numbering.xml", lambda x: re.sub(
    r'<w:lvlText w:val="[^"]*"/>', '<w:lvlText w:val="作废%1"/>', x, count=1))
settings_changed = _part("word/settings.xml", lambda x: x.replace(
    "</w:settings>", '<w:mirrorMargins/></w:settings>'))
relationship_changed = _part("word/_rels/document.xml.rels", lambda x: x.replace(
    'Target="styles.xml"', 'Target="stylesWithEffects.xml"'))


def font_colour(docx: bytes) -> bytes:
    return _document(docx, lambda x: x.replace(
        '<w:sz w:val="28"/>', '<w:color w:val="FFFFFF"/><w:sz w:val="28"/>', 3))


def font_size(docx: bytes) -> bytes:
    return _document(docx, lambda x: x.replace('<w:sz w:val="28"/>', '<w:sz w:val="4"/>', 5))


def removed_part(docx: bytes) -> bytes:
    def change(parts: dict[str, bytes]) -> None:
        del parts["word/webSettings.xml"]
        _edit(parts, "word/_rels/document.xml.rels", lambda x: re.sub(
            r'<Relationship [^>]*Target="webSettings.xml"/>', "", x))
    return rewrite(docx, change)


PRINTED = {
    "organ name turned white": organ_white,
    "VML text box 本通知书已作废": vml_text_box,
    "DrawingML text box": drawingml_text_box,
    "header 此件作废": header,
    "footer": footer,
    "comment": comment,
    "unrelated part added": added_part,
    "custom property added": custom_property,
    "style changed": style_changed,
    "theme changed": theme_changed,
    "numbering changed": numbering_changed,
    "settings changed": settings_changed,
    "relationship changed": relationship_changed,
    "font colour": font_colour,
    "font size": font_size,
    "part removed": removed_part,
}


# --------------------------------------------------------------------------- the seal on the page


def _seal_drawing(xml: str) -> tuple[int, int]:
    """Start and end of the w:drawing that shows the seal."""
    mark = xml.index('name="印章"')
    start = xml.rindex("<w:drawing>", 0, mark)
    end = xml.index("</w:drawing>", mark) + len("</w:drawing>")
    return start, end


def seal_removed(docx: bytes) -> bytes:
    """The seal drawing taken off the page; its picture stays in the package."""
    def edit(x: str) -> str:
        start, end = _seal_drawing(x)
        return x[:start] + x[end:]
    return _document(docx, edit)


def crossed_out_png(seal_png: bytes) -> bytes:
    image = Image.open(io.BytesIO(seal_png)).convert("RGBA")
    draw = ImageDraw.Draw(image)
    w, h = image.size
    draw.line((0, 0, w, h), fill=(0, 0, 0, 255), width=max(3, w // 20))
    draw.line((0, h, w, 0), fill=(0, 0, 0, 255), width=max(3, w // 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seal_crossed_out(docx: bytes, seal_png: bytes) -> bytes:
    """A crossed-out seal drawn in its place; the original picture kept as an unused part."""
    def change(parts: dict[str, bytes]) -> None:
        parts["word/media/image9.png"] = crossed_out_png(seal_png)
        _relate(parts, "rIdCrossed", "image", "media/image9.png")

        def edit(x: str) -> str:
            start, end = _seal_drawing(x)
            drawing = re.sub(r'r:embed="[^"]*"', 'r:embed="rIdCrossed"', x[start:end])
            return x[:start] + drawing + x[end:]
        _edit(parts, "word/document.xml", edit)
    return rewrite(docx, change)


def seal_hidden(docx: bytes) -> bytes:
    return _document(docx, lambda x: x.replace('name="印章"', 'name="印章" hidden="1"', 1))


def seal_in_hidden_run(docx: bytes) -> bytes:
    """The run that holds the seal drawing formatted as hidden text."""
    def edit(x: str) -> str:
        start, _ = _seal_drawing(x)
        run = x.rindex("<w:r>", 0, start)
        return x[:run] + "<w:r><w:rPr><w:vanish/></w:rPr>" + x[run + len("<w:r>"):]
    return _document(docx, edit)


def flip_byte(docx: bytes, name: str) -> bytes:
    def change(parts: dict[str, bytes]) -> None:
        data = bytearray(parts[name])
        data[len(data) // 2] ^= 0x01
        parts[name] = bytes(data)
    return rewrite(docx, change)
