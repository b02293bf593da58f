"""Working days and deadlines (行政许可法 art. 82: periods are working days, the
starting day is not counted).

Where a year's schedule comes from, best first: an imported official schedule
(from the centre or an admin), the `chinesecalendar` package, and for a year
nobody has published yet, Monday to Friday marked *provisional*.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from collections.abc import Iterable, Mapping

from .errors import DomainError
from .text import clean_text

MAX_LIMIT_DAYS = 2000
MAX_PERIOD_DAYS = 16
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class YearSchedule:
    """One year's official holidays and make-up working days (调休)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""
    names: Mapping[date, str] = field(default_factory=dict, compare=False)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


@functools.lru_cache(maxsize=64)
def package_schedule(year: int) -> YearSchedule | None:
    """The `chinesecalendar` package's data for `year`, or None where it has none."""
    import chinese_calendar

    holidays = {d: n for d, n in chinese_calendar.holidays.items() if d.year == year}
    workdays = {d: n for d, n in chinese_calendar.workdays.items() if d.year == year}
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), "chinesecalendar",
                        {d: HOLIDAY_NAMES.get(str(n), str(n)) for d, n in holidays.items()})


class WorkCalendar:
    """Decides whether a day is a working day, and whether that answer is provisional."""

    def __init__(self, imported: Iterable[YearSchedule] = (), *, use_package: bool = True):
        self._years: dict[int, YearSchedule | None] = {s.year: s for s in imported}
        self._use_package = use_package

    def schedule(self, year: int) -> YearSchedule | None:
        if year not in self._years:
            self._years[year] = package_schedule(year) if self._use_package else None
        return self._years[year]

    def has_year(self, year: int) -> bool:
        return self.schedule(year) is not None

    def is_workday(self, day: date) -> bool:
        schedule = self.schedule(day.year)
        if schedule is None:
            return day.weekday() < 5
        return schedule.is_workday(day)


@dataclass(frozen=True)
class Interval:
    """Days on which the clock stood still: from `start` to `end` inclusive.

    `end` None means the clock is still stopped.
    """

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class DueDate:
    day: date | None       # None while the clock is stopped with no end in sight
    provisional: bool      # counted through a year with no official schedule

    @property
    def paused(self) -> bool:
        return self.day is None


def add_working_days(calendar: WorkCalendar, start: date, days: int,
                     suspensions: Iterable[Interval] = ()) -> DueDate:
    """The date `days` working days after `start`, not counting `start` itself
    nor any day inside a suspension."""
    if not isinstance(days, int) or days < 0 or days > MAX_LIMIT_DAYS:
        raise DomainError(f"时限应为0至{MAX_LIMIT_DAYS}个工作日")
    stops = list(suspensions)
    provisional = False
    day = start
    counted = 0
    open_stop = [s for s in stops if s.end is None]
    while counted < days:
        day += timedelta(days=1)
        if any(s.covers(day) for s in stops):
            if open_stop and day >= min(s.start for s in open_stop):
                return DueDate(None, provisional)
            continue
        if not calendar.has_year(day.year):
            provisional = True
        if calendar.is_workday(day):
            counted += 1
    return DueDate(day, provisional)


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end`."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


def parse_schedule(data, *, source_name: str = "") -> YearSchedule:
    """Validate an official schedule file as a whole.

    Format: {"year": 2027, "source": "国务院办公厅通知…",
             "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}, …],
             "workdays": ["2027-02-07", …]}
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DomainError(f"日历文件不是有效的 JSON：{exc}") from None
    if not isinstance(data, dict):
        raise DomainError("日历文件应为一个 JSON 对象")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise DomainError("日历文件字段 year 缺失或不是 2000–2100 之间的年份")

    def parse_day(text, where: str) -> date:
        if not isinstance(text, str):
            raise DomainError(f"日历文件 {where}：日期应写成 YYYY-MM-DD")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise DomainError(f"日历文件 {where}：“{text[:20]}”不是存在的日期") from None
        if day.year != year:
            raise DomainError(f"日历文件 {where}：{text} 不在 {year} 年内")
        return day

    holidays: dict[date, str] = {}
    periods = data.get("holidays")
    if not isinstance(periods, list) or not periods:
        raise DomainError("日历文件字段 holidays 缺失或为空")
    for i, period in enumerate(periods):
        where = f"holidays[{i}]"
        if not isinstance(period, dict):
            raise DomainError(f"日历文件 {where} 应为对象")
        name = clean_text(period.get("name"), f"日历文件 {where}.name", max_len=20)
        first = parse_day(period.get("from"), f"{where}.from")
        last = parse_day(period.get("to", period.get("from")), f"{where}.to")
        if last < first:
            raise DomainError(f"日历文件 {where}：结束日期早于开始日期")
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise DomainError(f"日历文件 {where}：假期超过{MAX_PERIOD_DAYS}天，不合常理")
        day = first
        while day <= last:
            holidays[day] = name
            day += timedelta(days=1)
    workdays = set()
    raw_workdays = data.get("workdays", [])
    if not isinstance(raw_workdays, list):
        raise DomainError("日历文件字段 workdays 应为日期列表")
    for i, text in enumerate(raw_workdays):
        day = parse_day(text, f"workdays[{i}]")
        if day in holidays:
            raise DomainError(f"日历文件 workdays[{i}]：{day} 同时被列为假日")
        if day.weekday() < 5:
            raise DomainError(f"日历文件 workdays[{i}]：{day} 是工作日本身，调休上班日应为周末")
        workdays.add(day)
    source = data.get("source", source_name)
    if not isinstance(source, str) or len(source) > 200:
        raise DomainError("日历文件字段 source 应为不超过200字的文字")
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), source or source_name,
                        holidays)


def schedule_to_json(schedule: YearSchedule) -> dict:
    """The inverse of parse_schedule, grouping consecutive days of one holiday."""
    periods: list[dict] = []
    for day in sorted(schedule.holidays):
        name = schedule.names.get(day, "假日")
        # Adjacent days of one holiday form one period, but never one longer than
        # parse_schedule accepts, so that what is exported imports again.
        if periods and periods[-1]["name"] == name and \
                date.fromisoformat(periods[-1]["to"]) + timedelta(days=1) == day and \
                (day - date.fromisoformat(periods[-1]["from"])).days <= MAX_PERIOD_DAYS - 1:
            periods[-1]["to"] = day.isoformat()
        else:
            periods.append({"name": name, "from": day.isoformat(), "to": day.isoformat()})
    return {"year": schedule.year, "source": schedule.source, "holidays": periods,
            "workdays": sorted(d.isoformat() for d in schedule.workdays)}
