"""Reading the QR code of a business licence (营业执照) at the counter.

A hand scanner types whatever the code holds, so this is only ever a shortcut for typing the
统一社会信用代码: a payload is accepted only if it carries a code that passes the GB 32100
checksum, and anything else gives None (the clerk then types the code as usual).

Payloads understood:

1. The national form printed on licences since the 2017 redesign: a URL of the National
   Enterprise Credit Information Publicity System carrying the code,
   ``http://www.gsxt.gov.cn/index.html?uniscid=91330106673959654P`` (http or https, any
   ``*.gsxt.gov.cn`` host, parameter name in any case).
2. The electronic-licence check link (电子营业执照亮照),
   ``https://zzlz.gsxt.gov.cn/businessCheck/verifKey.do?showType=p&serial=<code>-SAIC_SHOW_…``:
   the serial starts with the code. Serials that do not are ignored.
3. Local registration systems on other ``*.gov.cn`` hosts, and Shenzhen's szcredit.com.cn,
   when a query parameter (``uniscid``, ``creditCode``, ``tyshxydm``, ``shxydm``, ``tyxydm``,
   ``cid``) holds the code; ``entName``/``qymc`` give the name when present. Parameters after
   a ``#`` (single-page sites) count too.
4. Any of these wrapped once as a parameter of another URL (a messenger's redirect link).
5. A text block, as some provinces print: labelled fields on lines or separated by spaces,
   ``统一社会信用代码：9133…  名称：某某有限公司  类型：…`` (full- or half-width colons); the
   labels 统一社会信用代码/社会信用代码/信用代码 give the code, 名称/企业名称/单位名称/
   市场主体名称/主体名称/公司名称 the name.

Not understood, so None: older provincial codes whose URL holds only an opaque or encrypted id
(they can only be resolved online), a bare credit code (that is typing, not a licence), and
pre-2015 registration numbers (注册号).

Bytes from a decoder are read as UTF-8, else GB 18030. Payloads over 4,096 characters (more
than a QR code holds) are refused unread.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from .errors import DomainError
from .identity import parse_credit_code
from .text import NAME_MAX, clean_text, has_control

PAYLOAD_MAX = 4096
CODE_PARAMS = ("uniscid", "creditcode", "tyshxydm", "shxydm", "tyxydm", "cid")
NAME_PARAMS = ("entname", "qymc")
CODE_LABELS = ("统一社会信用代码", "社会信用代码", "信用代码")
NAME_LABELS = ("名称", "企业名称", "单位名称", "市场主体名称", "主体名称", "公司名称")

# A label is a run of Chinese characters followed by a colon, and does not continue a
# previous word: in "名称：某某公司类型：…" the 类型 is swallowed and the name then refused.
LABEL_RE = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,10})[ \u3000\t]*[:：]")
CODE_VALUE_RE = re.compile(r"[0-9A-Za-z]{18}(?![0-9A-Za-z])")
VALUE_TRIM = " \u3000\t\r\n,，;；、|"
# Some decoders drop the scheme: www.gsxt.gov.cn/index.html?uniscid=…
BARE_HOST_RE = re.compile(r"[a-z0-9.-]+\.(?:gov\.cn|com\.cn)/", re.IGNORECASE)


@dataclass(frozen=True)
class LicenceInfo:
    credit_code: str
    name: str  # "" when the payload does not carry it


def parse_licence_qr(text) -> LicenceInfo | None:
    """The credit code (and name, if given) of a licence QR payload, or None; never raises."""
    payload = _as_text(text)
    if payload is None:
        return None
    payload = unicodedata.normalize("NFC", payload).strip().lstrip("\ufeff").strip()
    # Line breaks separate the fields of a text block; any other control or format character
    # (NUL, bidi overrides, zero-width) has no business in a licence and may hide a forgery.
    if has_control(payload, allowed="\r\n\t"):
        return None
    # A scanner typing into a full-width IME gives ｈｔｔｐ：／／…; only URLs and codes are
    # narrowed, because enterprise names are written with full-width brackets（）.
    url = unicodedata.normalize("NFKC", payload)
    if BARE_HOST_RE.match(url):
        url = "http://" + url
    if re.match(r"https?://", url, re.IGNORECASE):
        return _from_url(url, nested=False)
    return _from_text(payload)


def _as_text(value) -> str | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if len(raw) > PAYLOAD_MAX * 4:
            return None
        for encoding in ("utf-8", "gb18030"):
            try:
                value = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    if not isinstance(value, str) or len(value) > PAYLOAD_MAX:
        return None
    return value


def _credit_code(value: str) -> str | None:
    # Not looks_like_credit_code: it refuses all-digit codes, which exist; the label or the
    # parameter name already says this is a credit code.
    try:
        return parse_credit_code(value)
    except DomainError:
        return None


def _name(value: str | None) -> str:
    if not value or ":" in value or "：" in value:
        return ""
    try:
        return clean_text(value.strip(VALUE_TRIM), "名称", max_len=NAME_MAX, required=False)
    except DomainError:
        return ""


def _host_reads_codes(host: str) -> bool:
    return host.endswith((".gov.cn", ".szcredit.com.cn")) or host == "szcredit.com.cn"


def _from_url(url: str, *, nested: bool) -> LicenceInfo | None:
    # A URL in a QR code has no spaces or controls; one that does is not what it claims to be.
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    params = parse_qsl(parts.query, keep_blank_values=True)
    if "?" in parts.fragment:
        params += parse_qsl(parts.fragment.split("?", 1)[1], keep_blank_values=True)
    if _host_reads_codes(host):
        found = _from_params(params, gsxt=host == "gsxt.gov.cn" or host.endswith(".gsxt.gov.cn"))
        if found:
            return found
    if not nested:
        for _, value in params:
            if re.match(r"https?://", value, re.IGNORECASE):
                found = _from_url(value, nested=True)
                if found:
                    return found
    return None


def _from_params(params: list[tuple[str, str]], *, gsxt: bool) -> LicenceInfo | None:
    by_name: dict[str, str] = {}
    for key, value in params:
        by_name.setdefault(key.lower(), value)
    name = _name(next((by_name[k] for k in NAME_PARAMS if k in by_name), None))
    for key in CODE_PARAMS:
        code = _credit_code(by_name.get(key, ""))
        if code:
            return LicenceInfo(code, name)
    if gsxt and "serial" in by_name:
        code = _credit_code(by_name["serial"].split("-", 1)[0])
        if code:
            return LicenceInfo(code, name)
    return None


def _from_text(text: str) -> LicenceInfo | None:
    labels = list(LABEL_RE.finditer(text))
    fields: dict[str, str] = {}
    for here, after in zip(labels, labels[1:] + [None]):
        value = text[here.end(): after.start() if after else len(text)]
        fields.setdefault(here.group(1), value.strip(VALUE_TRIM))
    for label in CODE_LABELS:
        match = CODE_VALUE_RE.match(unicodedata.normalize("NFKC", fields.get(label, "")))
        code = _credit_code(match.group()) if match else None
        if code:
            break
    else:
        return None
    name = next((fields[label] for label in NAME_LABELS if label in fields), "")
    # The name is one line: unlabelled lines after it are some other field's continuation.
    return LicenceInfo(code, _name(name.splitlines()[0] if name else ""))
