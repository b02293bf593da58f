"""材料流转: the paper a community station took in on the district's behalf (委托受理),
packed on a barcoded transfer slip (材料流转单) and handed over to the district centre.

- Slip numbers: ``LZ-{station}-{yyyymmdd}-{terminal}{seq:03d}-{check}``, e.g.
  ``LZ-S01-20260930-001001-7``. The station and the terminal are inside, so two
  terminals never issue the same number without talking; the sequence is per
  terminal and day. The check character is ISO/IEC 7064 MOD 37,36 over the
  letters and digits (every single mistyped character is caught).
- States: 已打包 → 已交接出站 → 已签收 or 签收有差异 (some bundles missing);
  a packed slip not yet handed over may be voided (已作废), freeing its cases.
- Which cases go on a slip: the station's own, accepted (not refused, not only
  notified, not withdrawn), with paper materials received, not on another live slip.
- The slip's QR code carries the number and the receipt numbers, so the centre can
  check a bundle against the paper even before sync brings the slip over.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .errors import DomainError
from .numbering import looks_like_receipt_number

PREFIX = "LZ"
QR_PREFIX = "LZ1"
CENTRE_STATION = "district"         # the hall: receives the stations' paper
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEQ_MAX = 999                       # slips per terminal and day
MAX_ITEMS = 60                      # cases on one slip (one bundle a courier carries; QR size)
STATION_RE = re.compile(r"^[A-Z0-9]{1,10}$")
SLIP_RE = re.compile(r"^LZ-([A-Z0-9]{1,10})-(\d{8})-(\d{3})(\d{3})-([0-9A-Z])$")
SLIP_MAX_LEN = 40


# ---------------------------------------------------------------- numbers


def check_char(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid) check character of `body` (digits and A–Z)."""
    m = len(ALPHABET)
    p = m
    for ch in body:
        v = ALPHABET.find(ch)
        if v < 0:
            raise DomainError(f"流转单编号只能含字母和数字，不能含“{ch}”")
        s = (p + v) % m or m
        p = (s * 2) % (m + 1)
    return ALPHABET[(m + 1 - p) % m]


def slip_station(station) -> str:
    """The station code as it goes into slip numbers (upper case letters and digits)."""
    code = unicodedata.normalize("NFKC", station).strip().upper() if isinstance(station, str) else ""
    if not STATION_RE.match(code):
        raise DomainError(f"站点编码“{str(station)[:20]}”只能由1–10位字母或数字组成，"
                          "才能编入材料流转单编号；请管理员修改站点编码", "station")
    return code


@dataclass(frozen=True)
class SlipNumber:
    station: str
    day: date
    terminal: str
    seq: int

    @property
    def body(self) -> str:
        return f"{PREFIX}{self.station}{self.day:%Y%m%d}{self.terminal}{self.seq:03d}"

    @property
    def text(self) -> str:
        return (f"{PREFIX}-{self.station}-{self.day:%Y%m%d}-{self.terminal}{self.seq:03d}-"
                f"{check_char(self.body)}")


def format_slip_no(station: str, terminal: str, day: date, seq: int) -> str:
    if not (isinstance(terminal, str) and len(terminal) == 3 and terminal.isascii()
            and terminal.isdigit() and terminal != "000"):
        raise DomainError("终端编码应为3位数字（001–999）", "terminal")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= SEQ_MAX:
        raise DomainError(f"本终端今日的材料流转单已达{SEQ_MAX}张上限，请明日再打包")
    return SlipNumber(slip_station(station), day, terminal, seq).text


def normalise_slip_text(text) -> str:
    """What a clerk typed or a scanner sent, in the printed form: full-width folded,
    upper case, no surrounding spaces."""
    if not isinstance(text, str):
        return ""
    return unicodedata.normalize("NFKC", text).strip().upper()


def looks_like_slip_no(text) -> bool:
    up = normalise_slip_text(text)
    return up.startswith(PREFIX + "-") and len(up) <= SLIP_MAX_LEN


def parse_slip_no(text) -> SlipNumber:
    """The parts of a slip number; DomainError naming what is wrong."""
    up = normalise_slip_text(text)
    shown = up[:SLIP_MAX_LEN]
    if not up:
        raise DomainError("请输入或扫描材料流转单编号", "transfer")
    m = SLIP_RE.match(up) if len(up) <= SLIP_MAX_LEN else None
    if m is None:
        raise DomainError(f"“{shown}”不是材料流转单编号（应如 LZ-S01-20260930-001001-7）", "transfer")
    station, ymd, terminal, seq, check = m.groups()
    try:
        day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        raise DomainError(f"流转单编号“{shown}”中的日期 {ymd} 不存在", "transfer") from None
    number = SlipNumber(station, day, terminal, int(seq))
    if int(seq) < 1 or terminal == "000":
        raise DomainError(f"“{shown}”不是材料流转单编号", "transfer")
    if check_char(number.body) != check:
        raise DomainError(f"流转单编号“{shown}”的校验位不对，请核对是否输错", "transfer")
    return number


# ---------------------------------------------------------------- states


class TransferStatus(StrEnum):
    PACKED = "packed"                # 已打包: the slip printed, the bundle tied
    SENT = "sent"                    # 已交接出站: handed to the courier / colleague
    RECEIVED = "received"            # 已签收: every bundle arrived
    DISCREPANCY = "discrepancy"      # 签收有差异: some bundles missing
    CANCELLED = "cancelled"          # 已作废: voided before it left

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    TransferStatus.PACKED: "已打包",
    TransferStatus.SENT: "已交接出站",
    TransferStatus.RECEIVED: "已签收",
    TransferStatus.DISCREPANCY: "签收有差异",
    TransferStatus.CANCELLED: "已作废",
}

T = TransferStatus
TRANSITIONS: dict[TransferStatus, frozenset[TransferStatus]] = {
    T.PACKED: frozenset({T.SENT, T.CANCELLED}),
    T.SENT: frozenset({T.RECEIVED, T.DISCREPANCY}),
    T.RECEIVED: frozenset(),
    T.DISCREPANCY: frozenset(),
    T.CANCELLED: frozenset(),
}
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


def parse_transfer_status(text) -> TransferStatus:
    value = text.strip() if isinstance(text, str) else ""
    for status in TransferStatus:
        if value in (status.value, status.label):
            return status
    known = "、".join(f"{s.value}（{s.label}）" for s in TransferStatus)
    raise DomainError(f"未知的流转单状态“{value[:20]}”，可用：{known}", "status")


def check_transition(current: TransferStatus, target: TransferStatus) -> TransferStatus:
    if target in TRANSITIONS[current]:
        return target
    if current is target:
        raise DomainError(f"该流转单已{current.label}，不能重复{_VERB[target]}")
    if current in FINAL:
        raise DomainError(f"该流转单已{current.label}，不能再{_VERB[target]}")
    if target in (T.RECEIVED, T.DISCREPANCY):
        raise DomainError("该流转单尚未交接出站，不能签收：请站点先登记交接")
    raise DomainError(f"流转单当前为“{current.label}”，不能{_VERB[target]}")


_VERB = {T.PACKED: "打包", T.SENT: "交接出站", T.RECEIVED: "签收", T.DISCREPANCY: "签收",
         T.CANCELLED: "作废"}


class ItemState(StrEnum):
    PENDING = "pending"              # on a packed or sent slip
    RECEIVED = "received"
    MISSING = "missing"              # not in the bundle when the centre opened it
    CANCELLED = "cancelled"          # its slip was voided

    @property
    def label(self) -> str:
        return ITEM_LABELS[self]


ITEM_LABELS = {ItemState.PENDING: "待签收", ItemState.RECEIVED: "已签收",
               ItemState.MISSING: "缺失", ItemState.CANCELLED: "已作废"}
# An item in one of these states holds its case: it cannot go on another slip.
LIVE_ITEM_STATES = (ItemState.PENDING.value, ItemState.RECEIVED.value)


# ---------------------------------------------------------------- which cases


# Accepted cases, whatever became of them since: their paper belongs in the centre's
# file. Not: drafts, 补正告知 and 不予受理 (nothing was accepted; the applicant keeps
# the paper) and withdrawn cases (the paper goes back to the applicant).
ELIGIBLE_CASE_STATES = frozenset({"accepted", "tolerated", "reviewing", "suspended", "approved",
                                  "denied", "awaiting_delivery", "delivered", "terminated"})
_NOT_ACCEPTED = {"draft": "尚未受理", "notified": "只作了一次性告知（补正告知），材料已退申请人",
                 "refused": "不予受理，材料已退申请人", "withdrawn": "已撤回，材料已退申请人"}


@dataclass(frozen=True)
class CaseFacts:
    """What the rule needs to know of a case."""

    case_id: str
    receipt_no: str
    station: str
    status: str
    paper_materials: int             # received materials on paper
    on_slip: str | None = None       # the live slip it is already on


def refusal(case: CaseFacts, station: str) -> str | None:
    """Why `case` cannot go on a slip of `station`; None when it can."""
    name = f"案件 {case.receipt_no}"
    if case.station != station:
        return f"{name}不是本站点受理的，不能列入本站的流转单"
    if case.status not in ELIGIBLE_CASE_STATES:
        return f"{name}{_NOT_ACCEPTED.get(case.status, '的状态不允许流转')}，不需要移交材料"
    if case.on_slip:
        return f"{name}的材料已列入流转单 {case.on_slip}，不能重复移交"
    if case.paper_materials <= 0:
        return f"{name}没有收取纸质材料，不需要移交"
    return None


def check_slip_cases(cases: Iterable[CaseFacts], station: str) -> list[CaseFacts]:
    """The cases of a new slip, each allowed, none twice, at most MAX_ITEMS."""
    out: list[CaseFacts] = []
    seen: set[str] = set()
    for case in cases:
        if case.case_id in seen:
            raise DomainError(f"案件 {case.receipt_no} 重复列出")
        seen.add(case.case_id)
        reason = refusal(case, station)
        if reason:
            raise DomainError(reason, "cases")
        out.append(case)
    if not out:
        raise DomainError("流转单上至少要有一个案件", "cases")
    if len(out) > MAX_ITEMS:
        raise DomainError(f"一张流转单最多{MAX_ITEMS}个案件（本次{len(out)}个），请分几张打包",
                          "cases")
    return out


def receive_outcome(on_slip: Iterable[str], missing: Iterable[str]) -> tuple[TransferStatus,
                                                                           dict[str, ItemState]]:
    """The slip's state and each case's when the centre opens the bundle: the cases
    named missing were not in it, all the others were."""
    items = list(on_slip)
    gone = set(missing)
    unknown = gone - set(items)
    if unknown:
        raise DomainError(f"案件 {sorted(unknown)[0]} 不在这张流转单上", "missing")
    states = {c: ItemState.MISSING if c in gone else ItemState.RECEIVED for c in items}
    return (TransferStatus.DISCREPANCY if gone else TransferStatus.RECEIVED), states


# ---------------------------------------------------------------- QR payload


def slip_qr_payload(slip_no: str, receipts: Iterable[str]) -> str:
    """``LZ1/<slip no>/<receipt>+<receipt>…``: only characters of the QR code's
    alphanumeric mode, so that 60 receipt numbers still make a code a phone reads."""
    number = parse_slip_no(slip_no).text
    unique = list(dict.fromkeys(receipts))
    for r in unique:
        if not looks_like_receipt_number(r):
            raise DomainError(f"受理编号“{str(r)[:30]}”不能写入流转单二维码")
    return f"{QR_PREFIX}/{number}/{'+'.join(unique)}"


@dataclass(frozen=True)
class SlipQR:
    slip_no: str
    receipts: tuple[str, ...]


def parse_slip_qr(text) -> SlipQR | None:
    """The slip number and receipt numbers of a scanned slip QR; None when the text is
    not one; DomainError when it looks like one but is damaged."""
    up = normalise_slip_text(text)
    if not up.startswith(QR_PREFIX + "/"):
        return None
    parts = up.split("/")
    if len(parts) != 3:
        raise DomainError("材料流转单二维码内容不完整，请重新扫描或输入流转单编号")
    number = parse_slip_no(parts[1]).text
    receipts = tuple(r for r in parts[2].split("+") if r)
    if not receipts or not all(looks_like_receipt_number(r) for r in receipts):
        raise DomainError("材料流转单二维码中的受理编号有误，请重新扫描或输入流转单编号")
    return SlipQR(number, receipts)
