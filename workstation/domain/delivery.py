"""Who may collect a result at the window (统一窗口出件).

Only the applicant, the enterprise's legal representative or the authorised
agent named on the case may take the result; the clerk scans or types the
collector's ID and this decides which of them it is.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .errors import DomainError
from .identity import parse_id_card

COLLECTOR_ROLES = {"applicant": "申请人本人", "legal_rep": "法定代表人", "agent": "委托代理人"}
METHOD_LABELS = {"pickup": "窗口领取", "mail": "免费邮寄"}
STATUS_LABELS = {"handed_over": "已领取", "mailed": "已交寄", "delivered": "已妥投"}
ID_MAX = 30


@dataclass(frozen=True)
class CaseParties:
    """The people on a case who may collect, by ID number ("" when unknown)."""

    applicant_id_type: str      # id_card, passport, …, or credit_code for an enterprise
    applicant_id: str
    legal_rep_id: str
    agent_id: str


def clean_collector_id(value) -> str:
    """The collector's ID as typed or scanned: stripped, upper-cased, full-width
    digits turned ASCII; an 18-character number must pass the GB 11643 check."""
    if not isinstance(value, str):
        raise DomainError("领取人证件号码应为文字", "collector_id")
    text = unicodedata.normalize("NFKC", value).strip().upper()
    if not text:
        raise DomainError("请扫描或输入领取人的证件号码", "collector_id")
    if len(text) > ID_MAX or not text.isascii() or not text.isalnum():
        raise DomainError("领取人证件号码只能是字母和数字，且不超过30位", "collector_id")
    if len(text) == 18 and text[:17].isdigit():
        return parse_id_card(text, field="collector_id").number
    return text


def collector_role(collector_id: str, parties: CaseParties) -> str:
    """"applicant", "legal_rep" or "agent"; anyone else is refused."""
    number = clean_collector_id(collector_id)
    if parties.applicant_id_type != "credit_code" and number == parties.applicant_id:
        return "applicant"
    if parties.legal_rep_id and number == parties.legal_rep_id:
        return "legal_rep"
    if parties.agent_id and number == parties.agent_id:
        return "agent"
    hint = ""
    if parties.applicant_id_type == "credit_code" and not parties.legal_rep_id and not parties.agent_id:
        hint = "（本案未登记法定代表人身份证号，也没有委托代理人）"
    raise DomainError("领取人证件号码与本案申请人、法定代表人、委托代理人均不符，不能领取" + hint,
                      "collector_id")
