"""Who applies: a natural person, an enterprise, and possibly an agent acting for either.

`parse_applicant` takes the applicant file's dict (the same shape the window builds)
and returns validated values, or raises DomainError naming the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NotRequired, TypedDict

from .errors import DomainError
from .identity import parse_credit_code, parse_id_card, parse_other_id
from .text import ADDRESS_MAX, clean_phone, clean_text

KINDS = {"person": "自然人", "enterprise": "法人/企业"}
KNOWN_KEYS = {"kind", "name", "id_type", "id_number", "credit_code", "legal_rep", "legal_rep_id",
              "phone", "address", "agent"}


class ApplicantFile(TypedDict):
    """The applicant file's shape (what parse_applicant reads and to_json writes back);
    which keys are present depends on the kind."""

    kind: str
    name: str
    phone: str
    address: str
    id_number: NotRequired[str]
    id_type: NotRequired[str]
    credit_code: NotRequired[str]
    legal_rep: NotRequired[str]
    legal_rep_id: NotRequired[str]
    agent: NotRequired[dict[str, str]]


@dataclass(frozen=True)
class Agent:
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class ApplicantInput:
    kind: str                 # "person" | "enterprise"
    name: str
    id_type: str              # "id_card", "passport", … (persons); "credit_code" (enterprises)
    id_number: str            # the ID number or the credit code
    legal_rep: str
    phone: str
    address: str
    agent: Agent | None
    # The legal representative's ID number: optional, but without it the output
    # window cannot recognise them when they come to collect the result.
    legal_rep_id: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the applicant across visits."""
        return self.id_type, self.id_number

    def to_json(self) -> ApplicantFile:
        out: ApplicantFile = {"kind": self.kind, "name": self.name, "phone": self.phone, "address": self.address}
        if self.kind == "person":
            out["id_number"] = self.id_number
            if self.id_type != "id_card":
                out["id_type"] = self.id_type
        else:
            out["credit_code"] = self.id_number
            out["legal_rep"] = self.legal_rep
            if self.legal_rep_id:
                out["legal_rep_id"] = self.legal_rep_id
        if self.agent:
            out["agent"] = {"name": self.agent.name, "id_number": self.agent.id_number,
                            "phone": self.agent.phone}
        return out


def _person_id(id_type: str, number, today: date | None, field: str) -> str:
    if id_type == "id_card":
        return parse_id_card(number if isinstance(number, str) else "", today=today,
                             field=field).number
    return parse_other_id(id_type, number if isinstance(number, str) else "", field=field)


def parse_agent(data, today: date | None = None) -> Agent | None:
    if data is None or data == {}:
        return None
    if not isinstance(data, dict):
        raise DomainError("代理人信息应为对象", "agent")
    name = clean_text(data.get("name"), "代理人姓名", max_len=50, field="agent.name")
    raw_number = data.get("id_number")
    number = parse_id_card(raw_number if isinstance(raw_number, str) else "",
                           today=today, field="agent.id_number").number
    phone = clean_phone(data.get("phone"), "代理人联系电话", required=True, field="agent.phone")
    return Agent(name, number, phone)


def parse_applicant(data, today: date | None = None) -> ApplicantInput:
    if not isinstance(data, dict):
        raise DomainError("申请人信息应为 JSON 对象")
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise DomainError(f"申请人信息中有未知字段：{'、'.join(sorted(unknown))[:100]}")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise DomainError("申请人类型 kind 应为 person（自然人）或 enterprise（企业）", "kind")
    # Checked in the order of the form, so the first message is about the first field.
    if kind == "person":
        id_type = data.get("id_type", "id_card")
        if not isinstance(id_type, str):
            raise DomainError("证件类型应为文字", "id_type")
        number = _person_id(id_type, data.get("id_number"), today, "id_number")
        if data.get("credit_code"):
            raise DomainError("自然人申请人不应填写统一社会信用代码", "credit_code")
        name = clean_text(data.get("name"), "申请人姓名", max_len=50, field="name")
        legal_rep = legal_rep_id = ""
        if data.get("legal_rep_id"):
            raise DomainError("自然人申请人不应填写法定代表人身份证号", "legal_rep_id")
    else:
        id_type = "credit_code"
        code_value = data.get("credit_code")
        number = parse_credit_code(code_value if isinstance(code_value, str) else "")
        name = clean_text(data.get("name"), "企业名称", max_len=100, field="name")
        legal_rep = clean_text(data.get("legal_rep"), "法定代表人", max_len=50, field="legal_rep")
        rep_id = data.get("legal_rep_id")
        legal_rep_id = parse_id_card(rep_id if isinstance(rep_id, str) else "", today=today,
                                     field="legal_rep_id").number if rep_id not in (None, "") else ""
    agent_data = data.get("agent")
    phone = clean_phone(data.get("phone"), required=not agent_data)
    address = clean_text(data.get("address"), "住所/地址", max_len=ADDRESS_MAX, required=False,
                         field="address")
    agent = parse_agent(agent_data, today)
    return ApplicantInput(kind, name, id_type, number, legal_rep, phone, address, agent, legal_rep_id)


# What a returning applicant may change about themselves, in the form's order. The
# identity (kind, ID type and number) is what finds them, so it never "changes".
CHANGEABLE = ("name", "legal_rep", "legal_rep_id", "phone", "address")
FIELD_LABELS = {"name": "名称", "legal_rep": "法定代表人", "legal_rep_id": "法定代表人身份证号",
                "phone": "联系电话", "address": "住所/地址"}


@dataclass(frozen=True)
class Change:
    """One field of a returning applicant that differs from what is on record."""

    field: str
    label: str
    old: str
    new: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "label": self.label, "old": self.old, "new": self.new}


def merge_known(known: ApplicantInput, typed: ApplicantInput) -> ApplicantInput:
    """The applicant as recorded today: what they tell us wins, a blank field keeps
    what we knew; a new legal representative named without an ID number clears the
    old one's. The agent is today's (an agent acts for one visit)."""
    legal_rep_id = typed.legal_rep_id or (known.legal_rep_id
                                          if typed.legal_rep in ("", known.legal_rep) else "")
    return ApplicantInput(known.kind, typed.name, known.id_type, known.id_number,
                          typed.legal_rep or known.legal_rep, typed.phone or known.phone,
                          typed.address or known.address, typed.agent, legal_rep_id)


def differences(known: ApplicantInput, merged: ApplicantInput) -> list[Change]:
    """Field by field, what today's record would change in the one on file."""
    out = []
    for name in CHANGEABLE:
        old, new = getattr(known, name), getattr(merged, name)
        if old != new:
            label = "姓名" if name == "name" and known.kind == "person" else FIELD_LABELS[name]
            out.append(Change(name, label, old, new))
    return out
