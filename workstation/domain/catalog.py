"""The matters catalog (事项目录): the seven published elements of each matter,
its materials checklist, and bundles (一件事) of several matters.

A catalog file is validated as a whole; the first fault is reported with its path
(e.g. ``matters[3].materials[1].code``) and nothing is imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum

from .errors import DomainError
from .text import has_control


class Category(StrEnum):
    COMMERCIAL = "商事登记"
    INVESTMENT = "投资建设"
    LIVELIHOOD = "社会民生"


class MatterKind(StrEnum):
    IMMEDIATE = "即办件"
    PROMISED = "承诺件"


class MaterialForm(StrEnum):
    ORIGINAL = "原件"
    COPY = "复印件"
    ORIGINAL_AND_COPY = "原件及复印件"
    ELECTRONIC = "电子件"


DELIVERY_OPTIONS = ("窗口领取", "免费邮寄", "电子证照")
APPLICANT_KINDS = ("person", "enterprise")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    form: MaterialForm
    copies: int
    required: bool
    tolerable: bool        # may be missing on a signed commitment (容缺)
    reusable: bool         # the same document serves other cases of the applicant
    standard: str          # what an acceptable material looks like


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    category: Category
    kind: MatterKind
    department: str
    basis: str              # 办事依据
    conditions: str         # 申报条件
    procedure: str          # 办事程序
    fee: str                # 收费标准
    statutory_days: int     # 法定时限 (working days)
    promised_days: int      # 承诺时限 (working days)
    allows_tolerance: bool  # 容缺受理
    allows_pledge: bool     # 告知承诺
    applicant_kinds: tuple[str, ...]
    delivery: tuple[str, ...]
    materials: tuple[Material, ...]

    def material(self, code: str) -> Material:
        for m in self.materials:
            if m.code == code:
                return m
        raise DomainError(f"事项“{self.name}”的材料清单中没有材料编码“{code[:40]}”", "materials")


@dataclass(frozen=True)
class Bundle:
    code: str
    name: str
    description: str
    matters: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    version: str
    title: str
    matters: tuple[Matter, ...]
    bundles: tuple[Bundle, ...]

    def matter(self, code: str) -> Matter:
        for m in self.matters:
            if m.code == code:
                return m
        raise DomainError(f"事项目录中没有事项编码“{str(code)[:40]}”", "matter")

    def bundle(self, code: str) -> Bundle:
        for b in self.bundles:
            if b.code == code:
                return b
        raise DomainError(f"事项目录中没有“一件事”编码“{str(code)[:40]}”", "bundle")

    def find(self, text: str) -> list[Matter | Bundle]:
        """Matters and bundles whose code or name contains `text` (for the picker)."""
        t = text.strip().lower()
        found: list[Matter | Bundle] = [b for b in self.bundles
                                        if t in b.name.lower() or t in b.code.lower()]
        found += [m for m in self.matters if t in m.name.lower() or t in m.code.lower()]
        return found


class _Reader:
    """Reads one object of the file, naming the path of any fault."""

    def __init__(self, data, path: str):
        if not isinstance(data, dict):
            raise DomainError(f"事项目录文件 {path or '根'} 应为对象", path)
        self.data, self.path = data, path

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str, max_len: int = 2000, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise DomainError(f"事项目录文件字段 {self.where(key)} 缺失或为空", self.where(key))
            return ""
        if not isinstance(value, str):
            raise DomainError(f"事项目录文件字段 {self.where(key)} 应为文字", self.where(key))
        if len(value) > max_len or has_control(value, allowed="\n"):
            raise DomainError(f"事项目录文件字段 {self.where(key)} 过长或含控制字符", self.where(key))
        return value.strip()

    def code(self, key: str = "code") -> str:
        value = self.text(key, 40)
        if not CODE_RE.match(value):
            raise DomainError(f"事项目录文件字段 {self.where(key)}“{value}”只能由字母、数字、_ . - 组成",
                              self.where(key))
        return value

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise DomainError(f"事项目录文件字段 {self.where(key)} 应为 {low}–{high} 的整数",
                              self.where(key))
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise DomainError(f"事项目录文件字段 {self.where(key)} 应为 true 或 false", self.where(key))
        return value

    def choice(self, key: str, enum):
        value = self.text(key, 20)
        try:
            return enum(value)
        except ValueError:
            allowed = "、".join(e.value for e in enum)
            raise DomainError(f"事项目录文件字段 {self.where(key)}“{value}”应为：{allowed}",
                              self.where(key)) from None

    def items(self, key: str, required: bool = True) -> list:
        value = self.data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            raise DomainError(f"事项目录文件字段 {self.where(key)} 缺失或不是非空列表", self.where(key))
        return value

    def strings(self, key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        out = []
        for i, v in enumerate(self.items(key)):
            if not isinstance(v, str) or (allowed is not None and v not in allowed):
                hint = f"，可选：{'、'.join(allowed)}" if allowed else ""
                raise DomainError(f"事项目录文件字段 {self.where(key)}[{i}] 取值无效{hint}",
                                  self.where(key))
            out.append(v)
        return tuple(out)


def _material(data, path: str) -> Material:
    r = _Reader(data, path)
    return Material(
        code=r.code(), name=r.text("name", 100), form=r.choice("form", MaterialForm),
        copies=r.integer("copies", 1, 20), required=r.flag("required"),
        tolerable=r.flag("tolerable", False), reusable=r.flag("reusable", False),
        standard=r.text("standard", 500, required=False),
    )


def _matter(data, path: str) -> Matter:
    r = _Reader(data, path)
    materials = tuple(_material(m, f"{r.where('materials')}[{i}]")
                      for i, m in enumerate(r.items("materials")))
    seen: set[str] = set()
    for i, m in enumerate(materials):
        if m.code in seen:
            raise DomainError(f"事项目录文件 {r.where('materials')}[{i}].code 重复：{m.code}")
        seen.add(m.code)
    statutory = r.integer("statutory_days", 0, 365)
    promised = r.integer("promised_days", 0, 365)
    if promised > statutory:
        raise DomainError(f"事项目录文件 {r.where('promised_days')}：承诺时限不能长于法定时限",
                          r.where("promised_days"))
    allows_tolerance = r.flag("allows_tolerance", False)
    if not allows_tolerance and any(m.tolerable for m in materials):
        raise DomainError(f"事项目录文件 {path}：事项不允许容缺受理，但有材料标为可容缺", path)
    if not any(m.required for m in materials):
        raise DomainError(f"事项目录文件 {r.where('materials')}：至少要有一项必需材料")
    return Matter(
        code=r.code(), name=r.text("name", 100), category=r.choice("category", Category),
        kind=r.choice("kind", MatterKind), department=r.text("department", 100),
        basis=r.text("basis"), conditions=r.text("conditions"), procedure=r.text("procedure"),
        fee=r.text("fee", 500), statutory_days=statutory, promised_days=promised,
        allows_tolerance=allows_tolerance, allows_pledge=r.flag("allows_pledge", False),
        applicant_kinds=r.strings("applicant_kinds", APPLICANT_KINDS),
        delivery=r.strings("delivery", DELIVERY_OPTIONS), materials=materials,
    )


def parse_catalog(data) -> Catalog:
    """Validate a whole catalog (a dict, or JSON text) and return it."""
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DomainError(f"事项目录文件不是有效的 JSON：{exc}") from None
    r = _Reader(data, "")
    matters = tuple(_matter(m, f"matters[{i}]") for i, m in enumerate(r.items("matters")))
    codes = set()
    for i, m in enumerate(matters):
        if m.code in codes:
            raise DomainError(f"事项目录文件 matters[{i}].code 重复：{m.code}", f"matters[{i}].code")
        codes.add(m.code)
    bundles: list[Bundle] = []
    for i, b in enumerate(r.items("bundles", required=False)):
        br = _Reader(b, f"bundles[{i}]")
        members = br.strings("matters")
        for j, code in enumerate(members):
            if code not in codes:
                raise DomainError(f"事项目录文件 bundles[{i}].matters[{j}]：事项“{code}”不在目录中",
                                  f"bundles[{i}].matters")
        if len(set(members)) != len(members) or len(members) < 2:
            raise DomainError(f"事项目录文件 bundles[{i}].matters：一件事至少包含两个不重复的事项")
        code = br.code()
        if code in codes or code in {x.code for x in bundles}:
            raise DomainError(f"事项目录文件 bundles[{i}].code 与其他编码重复：{code}")
        bundles.append(Bundle(code, br.text("name", 100), br.text("description", 1000, False),
                              members))
    return Catalog(version=r.text("version", 40), title=r.text("title", 100),
                   matters=matters, bundles=tuple(bundles))
