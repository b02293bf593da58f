"""Electronic materials (电子材料): what a page file may be, how big, when a material
held from an earlier case may be offered again (一次提交、多次复用), and the check
states the back office gives each material.

Pure rules: bytes in, decisions out. Decoding and storing pages is the services'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .errors import DomainError
from .text import NOTE_MAX, clean_text

# ---------------------------------------------------------------- file kinds

KIND_LABELS = {"jpeg": "JPEG 图片", "png": "PNG 图片", "tiff": "TIFF 图片", "bmp": "BMP 图片",
               "webp": "WebP 图片", "pdf": "PDF 文件"}
IMAGE_KINDS = frozenset({"jpeg", "png", "tiff", "bmp", "webp"})
# What a stored page is: pages are always normalised to one of these two.
PAGE_MIMES = {"image/jpeg": "jpg", "image/png": "png"}

DEFAULT_MAX_MB = 300
MAX_MB_LIMIT = 2048
MAX_PAGES_PER_FILE = 500
MAX_PAGES_PER_MATERIAL = 999
DEFAULT_VALIDITY_DAYS = 365
ROTATIONS = (0, 90, 180, 270)


def sniff_kind(head: bytes) -> str | None:
    """The file's kind from its first bytes (never from its name): a text file
    renamed .jpg is no image. None when it is none of the allowed kinds."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"BM") and len(head) >= 14:
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    # A PDF's header may follow a little junk (some scanners' output does).
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def check_kind(head: bytes, name: str) -> str:
    kind = sniff_kind(head)
    if kind is None:
        allowed = "、".join(KIND_LABELS.values())
        raise DomainError(f"{name} 不是可接收的材料文件（只接收 {allowed}）", "file")
    return kind


def max_bytes(max_mb: int | str) -> int:
    return check_max_mb(max_mb) * 1024 * 1024


def check_max_mb(value: int | str) -> int:
    """The size limit setting: a whole number of MB, 1 … 2048."""
    try:
        mb = int(str(value).strip())
    except ValueError:
        raise DomainError("材料文件大小上限应为整数（MB）", "material_max_mb") from None
    if not 1 <= mb <= MAX_MB_LIMIT:
        raise DomainError(f"材料文件大小上限应在 1–{MAX_MB_LIMIT} MB 之间", "material_max_mb")
    return mb


def check_size(size: int, limit_mb: int, name: str) -> None:
    if size == 0:
        raise DomainError(f"{name} 是空文件", "file")
    if size > limit_mb * 1024 * 1024:
        raise DomainError(f"{name} 过大（{size / 1024 / 1024:.0f} MB），材料文件上限为 {limit_mb} MB"
                          "（设置项 material_max_mb）", "file")


def check_validity_days(value: int | str) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        raise DomainError("材料默认有效期应为整数（天）", "material_validity_days") from None
    if not 1 <= days <= 36500:
        raise DomainError("材料默认有效期应在 1–36500 天之间", "material_validity_days")
    return days


def check_rotation(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value % 90:
        raise DomainError("页面只能旋转 90 度的整数倍", "rotation")
    return value % 360


def check_order(current: list[int], wanted: list[int]) -> list[int]:
    """A new order must name every page of the material exactly once."""
    if sorted(current) != sorted(wanted) or len(set(wanted)) != len(wanted):
        raise DomainError("新的页序必须恰好包含该材料的每一页各一次", "order")
    return list(wanted)


# ---------------------------------------------------------------- check states

class CheckState(StrEnum):
    UNCHECKED = "unchecked"
    CHECKED = "checked"
    DEFECTIVE = "defective"

    @property
    def label(self) -> str:
        return CHECK_LABELS[self]


CHECK_LABELS = {CheckState.UNCHECKED: "未核验", CheckState.CHECKED: "已核验",
                CheckState.DEFECTIVE: "有缺陷"}


def check_verdict(state: str, note: str | None) -> tuple[CheckState, str]:
    """已核验 needs no note; 有缺陷 needs one saying what is wrong (it goes on the
    一次性告知书 as the problem)."""
    try:
        st = CheckState(state)
    except ValueError:
        raise DomainError("核验结果应为 已核验 或 有缺陷", "state") from None
    if st is CheckState.UNCHECKED:
        raise DomainError("核验结果应为 已核验 或 有缺陷", "state")
    text = clean_text(note, "缺陷说明", max_len=NOTE_MAX, required=st is CheckState.DEFECTIVE,
                      field="note")
    return st, text


# ---------------------------------------------------------------- reuse

# Which kind of document a checklist line asks for. Material codes are per matter
# (M02 of one matter is not M02 of another), so reuse matches on the kind of
# document the line's name asks for; the first rule that matches wins.
_KIND_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("proxy", ("授权委托书",)),
    ("licence", ("营业执照", "主体资格证明", "事业单位法人证书")),
    ("legal_rep_id", ("法定代表人",)),
    ("family", ("家庭成员关系",)),
    ("identity", ("身份证", "身份证明", "身份证件")),
)
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def material_kind(name: str) -> str:
    """A key naming the kind of document: ``licence``, ``identity``… or, for a line
    no rule knows, its name without bracketed remarks and spaces."""
    for kind, words in _KIND_RULES:
        if any(w in name for w in words):
            return kind
    return "name:" + re.sub(r"\s+", "", _BRACKETS.sub("", name))


def default_valid_until(captured_on: date, days: int) -> date:
    return captured_on + timedelta(days=days)


def check_valid_until(value: date | None, today: date) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date):
        raise DomainError("有效期至应为日期", "valid_until")
    if value < today:
        raise DomainError(f"有效期至 {value} 早于今天，已过期的材料不能登记为可复用", "valid_until")
    return value


@dataclass(frozen=True)
class HeldMaterial:
    """An electronic material already on file for an earlier case."""

    case_material_id: int
    case_id: str
    receipt_no: str
    applicant_key: tuple[str, str]     # (id_type, ID number / credit code)
    name: str
    reusable: bool                     # its catalog line was marked reusable
    shas: tuple[str, ...]              # its pages, in order
    valid_until: date | None
    check_state: str
    captured_on: date


@dataclass(frozen=True)
class Wanted:
    """The checklist line that could take a held material."""

    applicant_key: tuple[str, str]
    name: str
    reusable: bool
    case_id: str


def why_not_offered(held: HeldMaterial, wanted: Wanted, today: date) -> str | None:
    """None when `held` may be offered for `wanted`; otherwise the reason, in Chinese."""
    if held.applicant_key != wanted.applicant_key:
        return "不是同一申请人的材料"
    if held.case_id == wanted.case_id:
        return "同一案件的材料"
    if not (held.reusable and wanted.reusable):
        return "该材料在事项目录中未标为可复用"
    if material_kind(held.name) != material_kind(wanted.name):
        return "不是同一种材料"
    if not held.shas:
        return "没有电子页面"
    if held.check_state == CheckState.DEFECTIVE:
        return "该材料已被核验为有缺陷"
    if held.valid_until is None or held.valid_until < today:
        return "该材料已过有效期"
    return None


def offers(held: list[HeldMaterial], wanted: Wanted, today: date) -> list[HeldMaterial]:
    """The held materials to offer for a line, newest first; of several copies of the
    same pages only the newest is offered."""
    fit = [h for h in held if why_not_offered(h, wanted, today) is None]
    out, seen = [], set()
    for h in sorted(fit, key=lambda h: (h.captured_on, h.case_material_id), reverse=True):
        if h.shas not in seen:          # reused already: the same pages once
            seen.add(h.shas)
            out.append(h)
    return out
