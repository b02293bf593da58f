"""The workstation's settings: each declared once with its default, title and check,
stored in the database and read through typed accessors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Callable

from sqlalchemy.orm import Session

from ..domain import materials as materials_rules, numbering
from ..domain.errors import DomainError
from ..domain.text import clean_phone, clean_text
from ..store import raw
from ..store.models import Setting
from .errors import NotInitialised

DEFAULT_ACTS = {
    "受理通知书": "受", "材料接收凭证": "收", "容缺受理通知书": "容", "容缺受理承诺书": "诺",
    "一次性告知书": "补", "不予受理通知书": "不受", "准予行政许可决定书": "许",
    "不予行政许可决定书": "不许", "送达回证": "送",
}


def _short(label: str, max_len: int) -> Callable[[str], str]:
    return lambda v: clean_text(v, label, max_len=max_len)


def _acts(value: str) -> str:
    try:
        data = json.loads(value)
    except ValueError:
        raise DomainError("文书类别代字应为 JSON 对象") from None
    if not isinstance(data, dict) or set(data) != set(DEFAULT_ACTS):
        raise DomainError("文书类别代字必须逐一给出：" + "、".join(DEFAULT_ACTS))
    for kind, act in data.items():
        clean_text(act, f"{kind}的代字", max_len=6)
    return value


def _url_with_receipt(value: str, label: str) -> str:
    value = clean_text(value, label, max_len=200)
    if not value.startswith(("https://", "http://")) or "{receipt}" not in value or " " in value:
        raise DomainError(f"{label}应以 http(s):// 开头，并含有 {{receipt}}（代表受理编号）")
    return value


def _lock_minutes(value: str) -> str:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 1440:
        raise DomainError("锁定时长应为1至1440之间的整数（分钟）")
    return str(int(text))


@dataclass(frozen=True)
class Option:
    key: str
    title: str
    default: str | None           # None: must be given at init
    check: Callable[[str], str]


OPTIONS: dict[str, Option] = {o.key: o for o in [
    Option("region", "行政区划代码", None, numbering.check_region),
    Option("terminal", "终端编码", None, numbering.check_terminal),
    Option("station", "所属中心/站点编码", "district", _short("站点编码", 20)),
    Option("authority", "机关全称", None, _short("机关全称", 60)),
    Option("authority_short", "机关简称（文号用）", None, _short("机关简称", 10)),
    Option("receipt_pattern", "受理编号格式", numbering.DEFAULT_RECEIPT_PATTERN,
           numbering.check_receipt_pattern),
    Option("docno_pattern", "文号格式", numbering.DEFAULT_DOCNO_PATTERN,
           numbering.check_docno_pattern),
    Option("document_acts", "文书类别代字", json.dumps(DEFAULT_ACTS, ensure_ascii=False), _acts),
    Option("complaint_phone", "投诉电话", "12345", lambda v: clean_phone(v, "投诉电话") or "12345"),
    Option("progress_hint", "进度查询方式", "拨打12345或登录政务服务网，凭受理编号查询",
           _short("进度查询方式", 100)),
    # Named in every refusal (行政许可法 art. 38): where to seek reconsideration or sue.
    Option("reconsideration_organ", "行政复议机关", "本级人民政府", _short("行政复议机关", 60)),
    Option("court", "行政诉讼法院", "有管辖权的人民法院", _short("行政诉讼法院", 60)),
    Option("pickup_place", "窗口取件地点", "本机关统一出件窗口", _short("窗口取件地点", 100)),
    # The sender on mailing labels (寄件人): the hall's address and a phone that answers.
    Option("sender_address", "寄件地址", "（请在设置中填写本机关地址）", _short("寄件地址", 100)),
    Option("sender_phone", "寄件电话", "12345", lambda v: clean_phone(v, "寄件电话") or "12345"),
    # What the receipt slip's two QR codes open; {receipt} is replaced by the receipt number.
    Option("progress_url", "进度查询网址", "https://zwfw.example.gov.cn/progress?no={receipt}",
           lambda v: _url_with_receipt(v, "进度查询网址")),
    Option("rating_url", "好差评网址", "https://zwfw.example.gov.cn/rate?no={receipt}",
           lambda v: _url_with_receipt(v, "好差评网址")),
    # Electronic materials (services/materials.py): the largest file taken, and how long a
    # stored material serves the applicant's later cases unless given its own expiry.
    Option("material_max_mb", "材料文件大小上限（MB）", "300",
           lambda v: str(materials_rules.check_max_mb(v))),
    Option("material_validity_days", "材料默认有效期（天）", "365",
           lambda v: str(materials_rules.check_validity_days(v))),
    # services/auth.py: after five wrong passwords in a row a login waits this long.
    Option("login_lock_minutes", "连续输错密码后锁定时长（分钟）", "15", _lock_minutes),
]}


class Settings:
    """Typed, read-only view of the settings at the time they were loaded."""

    def __init__(self, values: dict[str, str]):
        self._values = values

    @classmethod
    def load(cls, session: Session) -> Settings:
        values = dict(raw.cursor(session).execute("SELECT key, value FROM settings"))
        if "terminal" not in values:
            raise NotInitialised("工作台尚未初始化，请先运行 workstation init 设置区划、终端和机关")
        return cls(values)

    def get(self, key: str) -> str:
        option = OPTIONS[key]
        value = self._values.get(key, option.default)
        assert value is not None
        return value

    region = property(lambda self: self.get("region"))
    terminal = property(lambda self: self.get("terminal"))
    station = property(lambda self: self.get("station"))
    authority = property(lambda self: self.get("authority"))
    authority_short = property(lambda self: self.get("authority_short"))
    receipt_pattern = property(lambda self: self.get("receipt_pattern"))
    docno_pattern = property(lambda self: self.get("docno_pattern"))
    complaint_phone = property(lambda self: self.get("complaint_phone"))
    progress_hint = property(lambda self: self.get("progress_hint"))
    reconsideration_organ = property(lambda self: self.get("reconsideration_organ"))
    court = property(lambda self: self.get("court"))
    pickup_place = property(lambda self: self.get("pickup_place"))
    sender_address = property(lambda self: self.get("sender_address"))
    sender_phone = property(lambda self: self.get("sender_phone"))

    def progress_url(self, receipt_no: str) -> str:
        return self.get("progress_url").replace("{receipt}", receipt_no)

    def rating_url(self, receipt_no: str) -> str:
        return self.get("rating_url").replace("{receipt}", receipt_no)

    def act(self, document_kind: str) -> str:
        return json.loads(self.get("document_acts"))[document_kind]

    def as_dict(self) -> dict[str, str]:
        return {k: self.get(k) for k in OPTIONS}


def checked(values: dict[str, str]) -> dict[str, str]:
    """Validate a set of settings; every missing required one is an error."""
    out = {}
    for key, value in values.items():
        if key not in OPTIONS:
            raise DomainError(f"未知设置项：{key[:40]}")
        out[key] = OPTIONS[key].check(value)
    return out


def write(session: Session, values: dict[str, str]) -> None:
    for key, value in values.items():
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
