"""Receipt numbers and document numbers (文号).

Receipt numbers embed the region and the terminal's code, so two terminals can
never issue the same one without talking to each other. Document numbers follow
the organ's local pattern, e.g. 新城审受字〔2026〕第00123号.
"""

import re
import string
from dataclasses import dataclass
from datetime import date

from .errors import DomainError

DEFAULT_RECEIPT_PATTERN = "{region}{date:%Y%m%d}{terminal}{seq:04d}"
DEFAULT_DOCNO_PATTERN = "{short}{act}字〔{year}〕第{seq:05d}号"
RECEIPT_FIELDS = {"region", "date", "terminal", "seq"}
DOCNO_FIELDS = {"short", "act", "year", "seq"}


def _fields(pattern: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise DomainError(f"编号格式“{pattern}”写法有误：{exc}") from None


def check_receipt_pattern(pattern: str) -> str:
    """A pattern is accepted only if the numbers it makes are numeric and differ
    for every day, terminal and sequence — tried on samples, since a format spec
    such as {terminal:.1} or {date:%Y%m} can defeat the fields it names."""
    fields = _fields(pattern)
    unknown = fields - RECEIPT_FIELDS
    if unknown:
        raise DomainError(f"受理编号格式中有未知字段：{'、'.join(sorted(unknown))}")
    for needed in ("terminal", "seq", "date"):
        if needed not in fields:
            raise DomainError(f"受理编号格式必须包含 {{{needed}}}")
    days = (date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 1), date(2027, 1, 1))
    samples: dict[tuple[date, str, int], str] = {}
    for day in days:
        for terminal in ("001", "002", "010", "100", "999"):
            for seq in (1, 2, 10, 9999):
                try:
                    number = pattern.format(region="610102", date=day, terminal=terminal, seq=seq)
                except (ValueError, TypeError, KeyError, IndexError) as exc:
                    raise DomainError(f"受理编号格式“{pattern}”写法有误：{exc}") from None
                if not number.isascii() or not number.isdigit():
                    raise DomainError(f"受理编号格式“{pattern}”生成的编号“{number}”不是纯数字")
                key = (day, terminal, seq)
                if number in samples.values():
                    raise DomainError(f"受理编号格式“{pattern}”会让不同的日期、终端或流水号得到相同编号")
                samples[key] = number
    return pattern


def check_docno_pattern(pattern: str) -> str:
    fields = _fields(pattern)
    unknown = fields - DOCNO_FIELDS
    if unknown:
        raise DomainError(f"文号格式中有未知字段：{'、'.join(sorted(unknown))}")
    for needed in ("seq", "year"):
        if needed not in fields:
            raise DomainError(f"文号格式必须包含 {{{needed}}}")
    return pattern


def check_region(region: str) -> str:
    from .identity import PROVINCE_PREFIXES

    if not (isinstance(region, str) and len(region) == 6 and region.isascii() and region.isdigit()
            and region[:2] in PROVINCE_PREFIXES):
        raise DomainError("行政区划代码应为6位数字且以省级代码开头，例如 610102", "region")
    return region


def check_terminal(terminal: str) -> str:
    if not (isinstance(terminal, str) and len(terminal) == 3 and terminal.isascii()
            and terminal.isdigit() and terminal != "000"):
        raise DomainError("终端编码应为3位数字（001–999）", "terminal")
    return terminal


@dataclass(frozen=True)
class ReceiptNumbering:
    region: str
    terminal: str
    pattern: str = DEFAULT_RECEIPT_PATTERN

    def format(self, day: date, seq: int) -> str:
        if seq < 1:
            raise DomainError("流水号从1开始")
        return self.pattern.format(region=self.region, date=day, terminal=self.terminal, seq=seq)

    def scope(self, day: date) -> str:
        """The counter a sequence belongs to: gap-free per terminal and day."""
        return f"receipt:{self.region}:{self.terminal}:{day:%Y%m%d}"


def format_document_number(pattern: str, short: str, act: str, year: int, seq: int) -> str:
    return pattern.format(short=short, act=act, year=year, seq=seq)


def offline_block(terminal: str, size: int = 99_999) -> tuple[int, int]:
    """The range of document sequences a terminal may use before the centre leases blocks.

    Terminal 001 gets 100001–199999, 002 gets 200001–299999: disjoint for every
    terminal, and above anything a centre would lease (which starts at 1).
    """
    base = int(check_terminal(terminal)) * 100_000
    return base + 1, base + size


OFFLINE_RANGE = 100_000
TERMINALS = range(1, 1000)


@dataclass(frozen=True)
class Block:
    """A range of document sequences held by this terminal for one authority, act and
    year: a block leased from the centre (`lease`) or its own offline range (`offline`).
    `next` is the sequence the block gives out next; past `last` it is used up."""

    first: int
    last: int
    next: int
    source: str = "lease"

    @property
    def left(self) -> int:
        return max(0, self.last - self.next + 1)


def choose_block(blocks) -> int | None:
    """Which block the next 文号 comes from (its index), or None when none has a number
    left. Leased blocks first, lowest first (the centre's numbers are low and
    coordinated across the district); the terminal's offline range only when every
    lease is used up, so that numbering never waits for the network."""
    usable = [(b.source == "offline", b.first, i) for i, b in enumerate(blocks) if b.left > 0]
    return min(usable)[2] if usable else None


def leased_left(blocks) -> int:
    """Numbers still unused in the leased blocks (what decides leasing ahead of need)."""
    return sum(b.left for b in blocks if b.source == "lease")


def in_offline_range(first: int, last: int) -> bool:
    """Whether any of first…last lies in some terminal's offline range
    T×100000+1 … T×100000+99999 (T = 001…999): the centre never leases those."""
    for t in range(max(first // OFFLINE_RANGE, TERMINALS.start),
                   min(last // OFFLINE_RANGE, TERMINALS.stop - 1) + 1):
        if first <= t * OFFLINE_RANGE + OFFLINE_RANGE - 1 and last >= t * OFFLINE_RANGE + 1:
            return True
    return False


def check_lease(first, last, size: int, held=()) -> tuple[int, int]:
    """A block the centre leased, checked before a number of it is used: whole numbers,
    1 ≤ first ≤ last, at most the size asked, outside every offline range and apart
    from the blocks already held (`held`: (first, last) pairs)."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (first, last)) \
            or not 1 <= first <= last or last - first + 1 > size:
        raise DomainError("中心服务器给出的号段无法识别")
    if in_offline_range(first, last):
        raise DomainError(f"中心服务器给出的号段 {first}–{last} 落在终端的离线号段内，未采用")
    for lo, hi in held:
        if first <= hi and last >= lo:
            raise DomainError(f"中心服务器给出的号段 {first}–{last} 与本机已有号段重叠，未采用")
    return first, last


RECEIPT_RE = re.compile(r"^\d{12,30}$")


def looks_like_receipt_number(text: str) -> bool:
    return bool(RECEIPT_RE.match(text.strip()))
