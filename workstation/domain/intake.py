"""What the counter may decide from the materials on the desk (行政许可法 art. 32).

Pure rules: given a matter's checklist and what the applicant handed in, build
the material lines of each outcome or say plainly why that outcome is not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .catalog import Material, Matter, MatterKind
from .errors import DomainError
from .text import NOTE_MAX, clean_text

RECEIVED, MISSING, PROMISED, DEFECTIVE, ABSENT = "received", "missing", "promised", "defective", "absent"
STATE_LABELS = {RECEIVED: "已收", MISSING: "缺少", PROMISED: "容缺（承诺补交）", DEFECTIVE: "需补正",
                ABSENT: "未提交（非必需）"}


@dataclass(frozen=True)
class Line:
    material: Material
    state: str
    promise_date: date | None = None
    note: str = ""


def _split(codes: set[str], matter: Matter, all_matters: list[Matter]) -> set[str]:
    """The codes that name this matter's materials: ``MATTER:M01`` for this matter,
    or a bare ``M01`` for every matter of the acceptance that has it."""
    mine = set()
    for code in codes:
        if ":" in code:
            mcode, _, material = code.partition(":")
            if mcode == matter.code:
                mine.add(material)
        else:
            mine.add(code)
    return mine


def check_codes(codes, matters: list[Matter], what: str) -> None:
    """Every material code must name a material of some matter of this acceptance."""
    for code in codes:
        if not isinstance(code, str) or not code or len(code) > 90:
            raise DomainError(f"{what}中的材料编码无效", "materials")
        if ":" in code:
            mcode, _, material = code.partition(":")
            matter = next((m for m in matters if m.code == mcode), None)
            if matter is None:
                raise DomainError(f"{what}“{code[:40]}”指向的事项不在本次受理中", "materials")
            matter.material(material)
        elif not any(code in {x.code for x in m.materials} for m in matters):
            names = "、".join(m.name for m in matters)
            raise DomainError(f"{what}中的材料编码“{code[:40]}”不在“{names[:60]}”的材料清单中",
                              "materials")


def _scoped(mapping: dict, matter: Matter) -> dict:
    out = {}
    for code, value in mapping.items():
        mcode, sep, material = code.partition(":")
        if sep:
            if mcode == matter.code:
                out[material] = value
        elif code in {x.code for x in matter.materials}:
            out[code] = value
    return out


def accept_lines(matter: Matter, matters: list[Matter], received: set[str],
                 promises: dict[str, date], *, today: date, promised_due: date,
                 ineligible_reason: str | None) -> tuple[str, list[Line]]:
    """Lines for 受理 (no promises) or 容缺受理; returns the status and the lines."""
    got = _split(received, matter, matters)
    owed = _scoped(promises, matter)
    lines, missing = [], []
    for m in matter.materials:
        if m.code in got and m.code in owed:
            raise DomainError(f"材料“{m.name}”不能既已收取又承诺补交", "materials")
        if m.code in got:
            lines.append(Line(m, RECEIVED))
        elif m.code in owed:
            when = owed[m.code]
            if not matter.allows_tolerance:
                raise DomainError(f"事项“{matter.name}”不适用容缺受理", "promise")
            if not m.tolerable:
                raise DomainError(f"材料“{m.name}”不允许容缺，须当场提交", "promise")
            if ineligible_reason:
                raise DomainError(f"申请人不符合容缺受理条件：{ineligible_reason}", "promise")
            if when <= today:
                raise DomainError(f"材料“{m.name}”的承诺补交日期应晚于今天", "promise")
            if when > promised_due:
                raise DomainError(
                    f"材料“{m.name}”的承诺补交日期 {when} 晚于事项承诺时限届满日 {promised_due}", "promise")
            lines.append(Line(m, PROMISED, when))
        elif m.required:
            missing.append(m.name)
        else:
            lines.append(Line(m, ABSENT))
    if missing:
        raise DomainError(
            f"事项“{matter.name}”缺少必需材料：{'、'.join(missing)}。请一次性告知补正，"
            "或对允许容缺的材料办理容缺受理", "materials")
    status = "tolerated" if any(line.state == PROMISED for line in lines) else "accepted"
    return status, lines


def notice_lines(matter: Matter, matters: list[Matter], received: set[str],
                 defects: dict[str, str]) -> list[Line]:
    """Lines of a 一次性告知书: everything missing or defective, all at once."""
    got = _split(received, matter, matters)
    wrong = _scoped(defects, matter)
    lines = []
    for m in matter.materials:
        if m.code in wrong:
            note = clean_text(wrong[m.code], f"材料“{m.name}”的补正原因", max_len=NOTE_MAX,
                              field="defect")
            lines.append(Line(m, DEFECTIVE, note=note))
        elif m.code in got:
            lines.append(Line(m, RECEIVED))
        elif m.required:
            lines.append(Line(m, MISSING, note=m.standard or "请按要求提交"))
        else:
            lines.append(Line(m, ABSENT))
    return lines


def check_notice(all_lines: list[Line]) -> None:
    if not any(line.state in (MISSING, DEFECTIVE) for line in all_lines):
        raise DomainError("材料齐全且无需补正，不必一次性告知，请直接受理", "materials")


def check_approve_on_spot(matter: Matter, status: str) -> None:
    if matter.kind is not MatterKind.IMMEDIATE:
        raise DomainError(f"“{matter.name}”是承诺件，不能当场审批", "approve_now")
    if status != "accepted":
        raise DomainError("容缺受理的案件须补齐材料后才能审批", "approve_now")
