"""The .docx package as a signer and a verifier see it: limits, the canonical form a
document signature covers, the signature container, the seal drawn on the page and
the QR picture.

Limits (checked before anything is parsed)
==========================================
A .docx from outside (``verify``, the centre, a pulled file) is a zip archive whose
headers say how big each part is; a 1 MB file can hold a 1 GiB part. Before any part
is decompressed, ``read_parts`` / ``check_archive`` refuse, with FormError in Chinese:

* a central directory larger than ``MAX_DIRECTORY_BYTES`` or announcing more than
  ``MAX_PARTS`` entries (read from the end record, before ``zipfile`` builds one
  object per entry);
* more than ``MAX_PARTS`` entries, a part declaring more than ``MAX_PART_BYTES``,
  declared sizes adding up to more than ``MAX_TOTAL_BYTES``;
* encrypted entries, compression other than stored/deflate, names that are not
  OPC part names, and two names equal when case is ignored (OPC part names are
  case-insensitive: a reader could take either).

Parts are then read through ``zipfile``, which never returns more than the declared
size and checks the CRC, so a header that lies about its size costs at most that
size before the archive is refused. Pictures decoded from a package (the QR code)
are checked against ``MAX_PICTURE_PIXELS`` before their pixels are read.

The canonical form (``PACKAGE_MAGIC`` = ``b"WSPKG1\\n"``)
=========================================================
``canonical_package(algorithm, fields, parts, exclude)`` is::

    b"WSPKG1\\n"
    || signing.canonical_json(fields) || b"\\n"
    || u32be(number of parts covered)
    || for each covered part, in the order of its name's UTF-8 bytes:
           u16be(len(name)) || name (UTF-8, as stored in the zip, e.g. "word/document.xml")
           || H(part's uncompressed bytes)

where H is the seal algorithm's hash (SM3 for ``sm2``, SHA-256 for ``ecdsa-p256``;
32 bytes) and the covered parts are every entry of the archive (directories, rels,
``[Content_Types].xml`` included) except the names in ``exclude``. A document's
digest is ``H(canonical_package(…))``; nothing of the zip container (order, times,
compression, comments) is covered, every byte that a reader turns into a page is.

What is left out, and why exactly that
--------------------------------------
Two parts, no more: the signature container ``CONTAINER_PART`` (it holds the
signature, so it cannot be signed) and the QR picture (it prints the signature).
The QR part's name is one of the signed fields (``qr_part``), so nobody can move
the exclusion to another part after signing; and its bytes are checked to be
exactly the QR code of the signed payload (``same_picture``), so the excluded
picture cannot show anything else. Everything else — headers, footers, comments,
text boxes, styles, theme, numbering, settings, custom properties, relationships,
content types, added or removed parts — changes the digest.

The signature container (``CONTAINER_PART`` = ``_ws/signature.xml``)
====================================================================
One XML part, related from the package (``CONTAINER_RELTYPE``) and listed in the
content types, so both of those (covered) already name it when the digest is taken::

    <ws:signature xmlns:ws="urn:zhwt:ws-signature:1">
      <ws:entry name="version">2</ws:entry>
      <ws:entry name="kind">受理通知书</ws:entry> …
    </ws:signature>

Entries are name → text, names unique. The document signature's entries are listed
in forms.stamp; other signature data (e.g. GB/T 38540 structures, base64) may be
added as further entries with ``with_container_entries`` without touching the
digest.

The seal on the page
====================
``drawn_seal_sha256`` follows what a reader draws: the package's main document
(``_rels/.rels`` → officeDocument), in its body the floating pictures (wp:anchor)
named ``SEAL_DRAWING_NAME``, each one's a:blip → the main document's image
relationship → that part's bytes. The seal is those bytes' SHA-256 when there is
at least one such drawing, none hidden (nor in a hidden or deleted run), each showing one embedded picture, all the
same; otherwise None (no seal on the page). A picture merely present in the
package counts for nothing.
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Mapping

from lxml import etree

from forms import signing
from forms.errors import FormError

__all__ = [
    "MAX_TOTAL_BYTES", "MAX_PART_BYTES", "MAX_PARTS", "MAX_DIRECTORY_BYTES",
    "MAX_PICTURE_PIXELS", "INVALID_DOCX", "CONTAINER_PART", "CONTAINER_CONTENT_TYPE",
    "CONTAINER_RELTYPE", "PACKAGE_MAGIC", "SEAL_DRAWING_NAME",
    "check_archive", "read_parts", "canonical_package", "package_digest",
    "container_xml", "parse_container", "with_container_entries",
    "main_document", "drawn_seal_sha256", "seal_picture_sha256", "same_picture",
    "parse_xml",
]

MAX_TOTAL_BYTES = 64 * 1024 * 1024
"""Uncompressed size of all parts together. A notice is under 1 MiB; a document with
scanned pictures a few MiB."""
MAX_PART_BYTES = 32 * 1024 * 1024
"""Uncompressed size of one part."""
MAX_PARTS = 2000
"""Entries in the archive (a notice has about 20)."""
MAX_DIRECTORY_BYTES = 1024 * 1024
"""The zip's central directory: 2,000 entries of up to 512 bytes each."""
MAX_NAME_BYTES = 400
"""One part name, UTF-8."""
MAX_PICTURE_PIXELS = 16_000_000
"""A picture decoded from inside a package (the QR code is about 0.1 Mpx)."""

INVALID_DOCX = "文件不是有效的 .docx 文书"
_MB = 1024 * 1024

CONTAINER_PART = "_ws/signature.xml"
CONTAINER_CONTENT_TYPE = "application/vnd.zhwt.ws-signature+xml"
CONTAINER_RELTYPE = "http://schemas.zhwt.cn/2026/relationships/ws-signature"
CONTAINER_NS = "urn:zhwt:ws-signature:1"
PACKAGE_MAGIC = b"WSPKG1\n"
SEAL_DRAWING_NAME = "印章"

_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

# No DTDs, no entities, no network: a part is data, never instructions to the parser.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, remove_comments=False)

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f\\]")


def _too_big(what: str) -> FormError:
    return FormError(f"无法读取文书：{what}，超出本系统允许的范围，已拒绝打开（可能是压缩炸弹）")


# --------------------------------------------------------------------------- limits


def _directory_bounds(data: bytes) -> tuple[int, int]:
    """(entries, central directory size) announced by the end record(s), as zipfile
    will read them (the last end record in the final 64 KiB)."""
    tail_start = max(0, len(data) - (22 + 65535))
    pos = data.rfind(_EOCD, tail_start)
    if pos < 0 or len(data) - pos < 22:
        raise FormError(INVALID_DOCX)
    entries, size = struct.unpack("<HI", data[pos + 10:pos + 16])
    locator = pos - 20
    if locator >= 0 and data[locator:locator + 4] == _EOCD64_LOCATOR:
        record = locator - 56
        if record < 0 or data[record:record + 4] != _EOCD64:
            raise FormError(INVALID_DOCX)
        entries64, size64 = struct.unpack("<QQ", data[record + 32:record + 48])
        entries, size = max(entries, entries64), max(size, size64)
    return entries, size


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if (info.orig_filename != name or not name or len(name.encode("utf-8")) > MAX_NAME_BYTES
            or _BAD_NAME.search(name) or name.startswith("/")):
        raise FormError(f"{INVALID_DOCX}（部件名称不合规）")
    segments = name.rstrip("/").split("/")
    if any(s in ("", ".", "..") for s in segments):
        raise FormError(f"{INVALID_DOCX}（部件名称不合规）")


def check_archive(data: bytes) -> zipfile.ZipFile:
    """The archive opened for reading once every limit in the module docstring holds;
    FormError otherwise. Nothing is decompressed here."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or not data:
        raise FormError(INVALID_DOCX)
    data = bytes(data)
    entries, directory = _directory_bounds(data)
    if entries > MAX_PARTS:
        raise _too_big(f"文件含 {entries} 个部件（最多 {MAX_PARTS} 个）")
    if directory > MAX_DIRECTORY_BYTES:
        raise _too_big(f"文件目录 {directory // 1024} KiB（最多 {MAX_DIRECTORY_BYTES // 1024} KiB）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FormError(INVALID_DOCX) from None
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise _too_big(f"文件含 {len(infos)} 个部件（最多 {MAX_PARTS} 个）")
    total = 0
    seen: set[str] = set()
    for info in infos:
        _check_name(info)
        if info.file_size > MAX_PART_BYTES:
            raise _too_big(f"部件 {info.filename[:60]} 解压后 {info.file_size / _MB:.0f} MiB"
                           f"（每个部件最多 {MAX_PART_BYTES // _MB} MiB）")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise _too_big(f"解压后总大小超过 {MAX_TOTAL_BYTES // _MB} MiB")
        if info.flag_bits & 0x1:
            raise FormError(f"{INVALID_DOCX}（部件已加密）")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FormError(f"{INVALID_DOCX}（不支持的压缩方式）")
        folded = info.filename.casefold()
        if folded in seen:
            raise FormError(f"{INVALID_DOCX}（有重名的部件：{info.filename[:60]}）")
        seen.add(folded)
    return archive


def read_parts(data: bytes) -> dict[str, bytes]:
    """Every entry of the archive, name → uncompressed bytes, within the limits.
    FormError when the limits are exceeded or the archive is damaged."""
    archive = check_archive(data)
    parts: dict[str, bytes] = {}
    try:
        for info in archive.infolist():
            with archive.open(info) as stream:
                blob = stream.read(info.file_size + 1)
            if len(blob) != info.file_size:
                raise FormError("无法读取文书：部件的实际大小与声明不符，文件已损坏")
            parts[info.filename] = blob
    except FormError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError):
        raise FormError("无法读取文书：压缩数据损坏或与声明不符") from None
    return parts


def parse_xml(blob: bytes) -> etree._Element | None:
    """A part's XML root, or None when it is not well-formed XML."""
    try:
        return etree.fromstring(blob, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


# --------------------------------------------------------------------------- canonical form


def _hash(algorithm: str, data: bytes) -> bytes:
    if _CACHED_MIN <= len(data) <= _CACHED_MAX:
        return _cached_hash(algorithm, data)
    return signing.digest(algorithm, data)


# The big parts of a template (styles, stylesWithEffects: ~800 KB) are the same in every
# notice; SM3 over them was a third of the time stamping adds. The cache is keyed by the
# bytes themselves (a hit compares them in full), so it changes no result.
_CACHED_MIN, _CACHED_MAX = 32 * 1024, 1024 * 1024


@functools.lru_cache(maxsize=24)
def _cached_hash(algorithm: str, data: bytes) -> bytes:
    return signing.digest(algorithm, data)


def canonical_package(algorithm: str, fields: Mapping[str, str], parts: Mapping[str, bytes],
                      exclude: Iterable[str]) -> bytes:
    """The bytes a document digest is taken of (see the module docstring)."""
    skip = set(exclude)
    names = sorted((n for n in parts if n not in skip), key=lambda n: n.encode("utf-8"))
    out = [PACKAGE_MAGIC, signing.canonical_json(dict(fields)), b"\n",
           struct.pack(">I", len(names))]
    for name in names:
        raw = name.encode("utf-8")
        out += [struct.pack(">H", len(raw)), raw, _hash(algorithm, parts[name])]
    return b"".join(out)


def package_digest(algorithm: str, fields: Mapping[str, str], parts: Mapping[str, bytes],
                   exclude: Iterable[str]) -> bytes:
    return _hash(algorithm, canonical_package(algorithm, fields, parts, exclude))


# --------------------------------------------------------------------------- the container


def container_xml(entries: Mapping[str, str]) -> bytes:
    root = etree.Element(f"{{{CONTAINER_NS}}}signature", nsmap={"ws": CONTAINER_NS})
    for name, value in entries.items():
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise FormError("签章容器的条目名称和值必须是文字")
        entry = etree.SubElement(root, f"{{{CONTAINER_NS}}}entry")
        entry.set("name", name)
        try:
            entry.text = value
        except ValueError as exc:       # characters XML cannot hold
            raise FormError("签章容器的条目含有不能保存的字符") from exc
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def parse_container(blob: bytes) -> dict[str, str] | None:
    """The container's entries, or None when it is not one (malformed, foreign, or
    with a repeated name)."""
    root = parse_xml(blob)
    if root is None or root.tag != f"{{{CONTAINER_NS}}}signature":
        return None
    entries: dict[str, str] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue                                  # comments, processing instructions
        name = child.get("name")
        if child.tag != f"{{{CONTAINER_NS}}}entry" or not name or name in entries or len(child):
            return None
        entries[name] = child.text or ""
    return entries


def with_container_entries(docx: bytes, extra: Mapping[str, str]) -> bytes:
    """The same package with ``extra`` entries added to (or replaced in) its signature
    container; every other part is copied unchanged, so the digest still holds."""
    parts = read_parts(docx)
    old = parse_container(parts.get(CONTAINER_PART, b""))
    if old is None:
        raise FormError("文书没有本系统的签章容器")
    archive = check_archive(docx)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in archive.infolist():
            blob = container_xml({**old, **extra}) if info.filename == CONTAINER_PART \
                else parts[info.filename]
            dst.writestr(info, blob)
    return out.getvalue()


# --------------------------------------------------------------------------- relationships


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _relationships(parts: Mapping[str, bytes], source: str) -> list[tuple[str, str, str]] | None:
    """(id, type, resolved target) of the internal relationships of ``source`` ("" for
    the package); None when its rels part is malformed."""
    blob = parts.get(_rels_name(source) if source else "_rels/.rels")
    if blob is None:
        return []
    root = parse_xml(blob)
    if root is None or root.tag != f"{{{_RELS_NS}}}Relationships":
        return None
    found = []
    folder = posixpath.dirname(source)
    for rel in root.iter(f"{{{_RELS_NS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found.append((rel.get("Id") or "", rel.get("Type") or "", posixpath.normpath(path)))
    return found


def main_document(parts: Mapping[str, bytes]) -> str | None:
    """The main document part's name, when the package has exactly one and it exists."""
    rels = _relationships(parts, "")
    targets = [t for _, kind, t in rels or () if kind == _OFFICE_DOCUMENT]
    if len(targets) != 1 or targets[0] not in parts:
        return None
    return targets[0]


# --------------------------------------------------------------------------- the seal on the page


def _hidden(doc_pr) -> bool:
    return (doc_pr.get("hidden") or "").lower() in ("1", "true", "on")


def _vanished(element) -> bool:
    """A run formatted as hidden text (w:vanish): its drawing is not printed."""
    if element.tag != f"{_W}r":
        return False
    vanish = element.find(f"{_W}rPr/{_W}vanish")
    return vanish is not None and (vanish.get(f"{_W}val") or "true") not in ("0", "false", "off")


def drawn_seal_sha256(parts: Mapping[str, bytes]) -> str | None:
    """SHA-256 (hex) of the picture drawn at the seal's place (module docstring), or None."""
    main = main_document(parts)
    if main is None:
        return None
    root = parse_xml(parts[main])
    rels = _relationships(parts, main)
    if root is None or rels is None:
        return None
    images = {rid: target for rid, kind, target in rels if kind == _IMAGE}
    body = root.find(f"{_W}body")
    if body is None:
        return None
    hashes = set()
    for doc_pr in body.iter(f"{_WP}docPr"):
        if doc_pr.get("name") != SEAL_DRAWING_NAME:
            continue
        drawing = doc_pr.getparent()
        if drawing.tag != f"{_WP}anchor" or _hidden(doc_pr) or any(
                a.tag in (f"{_W}del", _MC_FALLBACK) or _vanished(a) for a in drawing.iterancestors()):
            return None
        blips = list(drawing.iter(f"{_A}blip"))
        if len(blips) != 1 or blips[0].get(f"{_R}link"):
            return None
        target = images.get(blips[0].get(f"{_R}embed") or "")
        if target is None or target not in parts:
            return None
        hashes.add(hashlib.sha256(parts[target]).hexdigest())
    return hashes.pop() if len(hashes) == 1 else None


def seal_picture_sha256(docx: bytes) -> str | None:
    """The hash of the seal picture drawn on the page of a .docx (None: no seal drawn);
    the file is read within the limits. For binding to a seal's certificate."""
    return drawn_seal_sha256(read_parts(docx))


# --------------------------------------------------------------------------- pictures


def _pixels(png: bytes):
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(png))
            width, height = image.size
            if (image.format != "PNG" or width * height > MAX_PICTURE_PIXELS
                    or getattr(image, "n_frames", 1) != 1):
                return None
            image.load()
            # A transparent colour would let the page show through the modules.
            return image.mode, image.size, image.tobytes(), "transparency" in image.info
    except Exception:  # noqa: BLE001 - any picture Pillow cannot read is simply not the one expected
        return None


def same_picture(actual: bytes, expected: bytes) -> bool:
    """True when ``actual`` is a PNG with exactly ``expected``'s pixels (same mode and
    size): equal bytes, or another encoding of the same picture."""
    if actual == expected:
        return True
    mine, theirs = _pixels(actual), _pixels(expected)
    return mine is not None and mine == theirs
