"""Working days and deadlines (行政许可法 art. 82) and official schedule files."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workstation.domain.workdays import (
    DueDate,
    Interval,
    WorkCalendar,
    YearSchedule,
    add_working_days,
    package_schedule,
    parse_schedule,
    schedule_to_json,
    working_days_between,
)

D = date

NEW_YEAR_2027 = {"year": 2027, "source": "测试通知",
                 "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}]}

# The package's data for the years it knows, and the 2027 new year from an import.
PACKAGE = WorkCalendar()
WITH_2027 = WorkCalendar([parse_schedule(NEW_YEAR_2027)])


from .helpers import raises_domain  # noqa: E402


def weekday_count(start: date, end: date) -> int:
    return sum(1 for i in range(1, (end - start).days + 1)
               if (start + timedelta(days=i)).weekday() < 5)


# ---------------------------------------------------------------- the calendar


@pytest.mark.parametrize("day, workday", [
    (D(2026, 10, 1), False), (D(2026, 10, 7), False), (D(2026, 10, 8), True),
    (D(2026, 10, 10), True),   # Saturday, make-up working day
    (D(2026, 9, 20), True),    # Sunday, make-up working day
    (D(2026, 2, 14), True),    # Saturday, make-up before 春节
    (D(2026, 2, 28), True),
    (D(2026, 2, 16), False),   # Monday inside 春节
    (D(2026, 1, 1), False), (D(2026, 1, 4), True),
    (D(2026, 9, 26), False),   # 中秋, a Saturday
    (D(2026, 9, 29), True),
    (D(2026, 10, 11), False),  # ordinary Sunday
])
def test_package_calendar_2026(day, workday):
    assert PACKAGE.is_workday(day) is workday


def test_package_has_2026_not_2027():
    assert PACKAGE.has_year(2026)
    assert not PACKAGE.has_year(2027)
    assert package_schedule(2027) is None


def test_imported_schedule_takes_precedence_over_package():
    extra = YearSchedule(2026, frozenset({D(2026, 10, 8)}), frozenset(), "中心")
    cal = WorkCalendar([extra])
    assert not cal.is_workday(D(2026, 10, 8))
    # the imported year replaces the package's one as a whole: 10-01 is now a plain Thursday
    assert cal.is_workday(D(2026, 10, 1))


def test_calendar_without_package_counts_monday_to_friday():
    cal = WorkCalendar(use_package=False)
    assert not cal.has_year(2026)
    assert cal.is_workday(D(2026, 10, 1))
    assert not cal.is_workday(D(2026, 10, 10))


# ---------------------------------------------------------------- add_working_days


def test_accepted_example_five_days_over_national_day():
    due = add_working_days(PACKAGE, D(2026, 9, 30), 5)
    assert due == DueDate(D(2026, 10, 13), False)
    assert not due.paused


def test_same_count_monday_to_friday_is_provisional():
    due = add_working_days(WorkCalendar(use_package=False), D(2026, 9, 30), 5)
    assert due == DueDate(D(2026, 10, 7), True)


def test_make_up_workdays_count():
    # Friday 10-09 + 1 → Saturday 10-10 (make-up), not Monday 10-12
    assert add_working_days(PACKAGE, D(2026, 10, 9), 1).day == D(2026, 10, 10)
    # Saturday 09-19 + 1 → Sunday 09-20 (make-up)
    assert add_working_days(PACKAGE, D(2026, 9, 19), 1).day == D(2026, 9, 20)
    # Friday 02-13 + 1 → Saturday 02-14 (make-up)
    assert add_working_days(PACKAGE, D(2026, 2, 13), 1).day == D(2026, 2, 14)


def test_start_day_is_never_counted():
    # 09-29 and 09-30 are both working days: one day after 09-29 is 09-30.
    assert add_working_days(PACKAGE, D(2026, 9, 29), 1).day == D(2026, 9, 30)
    # starting on a holiday: the next working day after it
    assert add_working_days(PACKAGE, D(2026, 10, 1), 1).day == D(2026, 10, 8)


@pytest.mark.parametrize("start", [D(2026, 9, 30), D(2026, 10, 1), D(2027, 3, 3)])
def test_zero_days_is_the_start_date(start):
    assert add_working_days(PACKAGE, start, 0) == DueDate(start, False)


def test_count_into_2027_is_provisional_and_counts_monday_to_friday():
    due = add_working_days(PACKAGE, D(2026, 12, 20), 20)
    assert due.provisional is True
    assert due.day == D(2027, 1, 15)
    # equal to plain Monday–Friday counting (no holiday in late December 2026)
    assert due.day == add_working_days(WorkCalendar(use_package=False), D(2026, 12, 20), 20).day
    assert weekday_count(D(2026, 12, 20), due.day) == 20


def test_count_into_2027_with_imported_schedule_is_final_and_shifts():
    due = add_working_days(WITH_2027, D(2026, 12, 20), 20)
    assert due == DueDate(D(2027, 1, 18), False)  # 01-01 is now a holiday: one day later


def test_count_ending_in_december_2026_is_not_provisional():
    due = add_working_days(PACKAGE, D(2026, 12, 20), 9)
    assert due == DueDate(D(2026, 12, 31), False)


def test_closed_suspension_skips_its_days():
    stop = Interval(D(2026, 10, 8), D(2026, 10, 9))
    assert stop.covers(D(2026, 10, 8)) and stop.covers(D(2026, 10, 9))
    assert not stop.covers(D(2026, 10, 10))
    due = add_working_days(PACKAGE, D(2026, 9, 30), 5, [stop])
    assert due == DueDate(D(2026, 10, 15), False)


def test_suspension_on_non_working_days_changes_nothing():
    stop = Interval(D(2026, 10, 1), D(2026, 10, 7))
    assert add_working_days(PACKAGE, D(2026, 9, 30), 5, [stop]).day == D(2026, 10, 13)


def test_open_suspension_pauses_the_clock():
    due = add_working_days(PACKAGE, D(2026, 9, 30), 5, [Interval(D(2026, 10, 12))])
    assert due.day is None
    assert due.paused


def test_open_suspension_before_start_pauses_the_clock():
    assert add_working_days(PACKAGE, D(2026, 9, 30), 5, [Interval(D(2026, 9, 1))]).paused


def test_open_suspension_after_the_due_date_does_not_matter():
    due = add_working_days(PACKAGE, D(2026, 9, 30), 5, [Interval(D(2026, 11, 2))])
    assert due == DueDate(D(2026, 10, 13), False)


def test_closed_and_open_suspensions_together():
    stops = [Interval(D(2026, 10, 8), D(2026, 10, 9)), Interval(D(2026, 10, 14))]
    assert add_working_days(PACKAGE, D(2026, 9, 30), 5, stops).paused
    stops = [Interval(D(2026, 10, 8), D(2026, 10, 9)), Interval(D(2026, 10, 16))]
    assert add_working_days(PACKAGE, D(2026, 9, 30), 5, stops).day == D(2026, 10, 15)


@pytest.mark.parametrize("days", [-1, 2001, 1.5, "5", None])
def test_bad_day_counts_rejected(days):
    raises_domain("时限", add_working_days, PACKAGE, D(2026, 9, 30), days)


def test_working_days_between_examples():
    assert working_days_between(PACKAGE, D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert working_days_between(PACKAGE, D(2026, 9, 30), D(2026, 9, 30)) == 0
    assert working_days_between(PACKAGE, D(2026, 10, 13), D(2026, 9, 30)) == 0
    assert working_days_between(PACKAGE, D(2026, 10, 1), D(2026, 10, 7)) == 0


counted_days = st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 10, 31))


@settings(max_examples=150, deadline=None)
@given(counted_days, st.integers(min_value=0, max_value=40))
def test_add_then_count_back(start, n):
    due = add_working_days(PACKAGE, start, n)
    assert not due.provisional
    assert due.day >= start
    assert working_days_between(PACKAGE, start, due.day) == n
    if n > 0:
        assert PACKAGE.is_workday(due.day)
        # the due day is the first day reaching n: the day before has n-1
        assert working_days_between(PACKAGE, start, due.day - timedelta(days=1)) == n - 1


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31)),
       st.integers(min_value=0, max_value=60))
def test_add_then_count_back_across_imported_year(start, n):
    due = add_working_days(WITH_2027, start, n)
    assert not due.provisional
    assert working_days_between(WITH_2027, start, due.day) == n
    if n > 0:
        assert WITH_2027.is_workday(due.day)


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=D(2026, 10, 1), max_value=D(2026, 12, 31)),
       st.integers(min_value=0, max_value=60))
def test_provisional_exactly_when_the_count_enters_2027(start, n):
    due = add_working_days(PACKAGE, start, n)
    assert due.provisional == (due.day.year == 2027)


@settings(max_examples=150, deadline=None)
@given(counted_days, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_monotonic_in_days(start, a, b):
    lo, hi = sorted((a, b))
    d_lo = add_working_days(PACKAGE, start, lo).day
    d_hi = add_working_days(PACKAGE, start, hi).day
    assert d_lo <= d_hi
    if lo < hi:
        assert d_lo < d_hi


@settings(max_examples=150, deadline=None)
@given(counted_days, st.integers(min_value=1, max_value=30),
       st.lists(st.tuples(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=10)),
                max_size=3))
def test_closed_suspensions_are_not_counted(start, n, raw):
    stops = [Interval(start + timedelta(days=a), start + timedelta(days=a + length))
             for a, length in raw]
    due = add_working_days(PACKAGE, start, n, stops)
    assert due.day is not None
    assert PACKAGE.is_workday(due.day)
    assert not any(s.covers(due.day) for s in stops)
    counted = sum(1 for i in range(1, (due.day - start).days + 1)
                  if PACKAGE.is_workday(start + timedelta(days=i))
                  and not any(s.covers(start + timedelta(days=i)) for s in stops))
    assert counted == n
    # a suspension never brings the due date forward
    assert due.day >= add_working_days(PACKAGE, start, n).day


# ---------------------------------------------------------------- schedule files


def test_parse_schedule_valid():
    data = {"year": 2027, "source": "国务院办公厅通知",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
                         {"name": "春节", "from": "2027-02-06", "to": "2027-02-13"}],
            "workdays": ["2027-01-31", "2027-02-20"]}
    s = parse_schedule(data)
    assert s.year == 2027
    assert s.source == "国务院办公厅通知"
    assert D(2027, 1, 2) in s.holidays and D(2027, 2, 13) in s.holidays
    assert len(s.holidays) == 3 + 8
    assert s.workdays == frozenset({D(2027, 1, 31), D(2027, 2, 20)})
    assert s.names[D(2027, 2, 10)] == "春节"
    assert s.is_workday(D(2027, 1, 31))      # Sunday make-up
    assert not s.is_workday(D(2027, 1, 1))   # Friday holiday
    assert s.is_workday(D(2027, 1, 4))


def test_parse_schedule_single_day_and_text_input():
    text = json.dumps({"year": 2027, "holidays": [{"name": "清明节", "from": "2027-04-05"}]},
                      ensure_ascii=False)
    s = parse_schedule(text, source_name="import.json")
    assert s.holidays == frozenset({D(2027, 4, 5)})
    assert s.source == "import.json"
    assert parse_schedule(text.encode("utf-8")).holidays == s.holidays


def with_(**changes):
    data = json.loads(json.dumps(NEW_YEAR_2027))
    data.update(changes)
    return data


@pytest.mark.parametrize("data, fragment", [
    (with_(holidays=[{"name": "春节", "from": "2027-02-30", "to": "2027-02-30"}]), "不是存在的日期"),
    (with_(holidays=[{"name": "元旦", "from": "2026-12-31", "to": "2027-01-01"}]), "不在 2027 年内"),
    (with_(workdays=["2028-01-08"]), "不在 2027 年内"),
    (with_(workdays=["2027-01-04"]), "调休上班日应为周末"),          # a Monday
    (with_(workdays=["2027-01-02"]), "同时被列为假日"),              # Saturday inside 元旦
    (with_(holidays=[{"name": "元旦", "from": "2027-01-03", "to": "2027-01-01"}]), "结束日期早于开始日期"),
    (with_(holidays=[{"name": "长假", "from": "2027-07-01", "to": "2027-07-17"}]), "超过16天"),
    (with_(holidays=[{"from": "2027-01-01"}]), "holidays[0].name"),
    (with_(holidays=[{"name": "元旦", "from": 20270101}]), "holidays[0].from"),
    (with_(holidays=["2027-01-01"]), "holidays[0]"),
    (with_(holidays=[]), "holidays"),
    (with_(workdays="2027-01-09"), "workdays"),
    (with_(workdays=[None]), "workdays[0]"),
    (with_(year="2027"), "year"),
    (with_(year=True), "year"),
    (with_(year=1999), "year"),
    (with_(source="x" * 201), "source"),
    ({"holidays": NEW_YEAR_2027["holidays"]}, "year"),
    ({"year": 2027}, "holidays"),
    ("{not json", "JSON"),
    ("[2027]", "JSON 对象"),
    (b"\xff\xfe", "JSON"),
])
def test_parse_schedule_rejects(data, fragment):
    raises_domain(fragment, parse_schedule, data)


@pytest.mark.parametrize("name", ["元旦\x00", "元旦\x1b[2J", "元\n旦"])
def test_parse_schedule_rejects_control_characters_in_names(name):
    # Holiday names are stored and shown; like every other text of the workstation
    # they must not carry control characters.
    raises_domain("holidays[0].name", parse_schedule,
                  with_(holidays=[{"name": name, "from": "2027-01-01"}]))


def test_parse_schedule_error_names_the_entry():
    data = with_(holidays=[{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
                           {"name": "春节", "from": "2027-02-30", "to": "2027-02-30"}])
    raises_domain("holidays[1].from", parse_schedule, data)
    raises_domain("workdays[1]", parse_schedule, with_(workdays=["2027-01-09", "2027-01-05"]))


@pytest.mark.parametrize("year", [2025, 2026])
def test_schedule_to_json_round_trips_package_years(year):
    original = package_schedule(year)
    back = parse_schedule(json.dumps(schedule_to_json(original), ensure_ascii=False))
    assert back == original
    assert dict(back.names) == dict(original.names)


def test_schedule_to_json_groups_consecutive_days():
    out = schedule_to_json(parse_schedule(NEW_YEAR_2027))
    assert out == {"year": 2027, "source": "测试通知",
                   "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
                   "workdays": []}


def test_schedule_to_json_round_trips_adjacent_periods_of_one_name():
    # Two entries with the same name that touch (a long 春节 written as two lines) are
    # accepted by parse_schedule; exporting must give a file parse_schedule accepts again.
    data = {"year": 2027, "holidays": [
        {"name": "春节", "from": "2027-02-01", "to": "2027-02-16"},
        {"name": "春节", "from": "2027-02-17", "to": "2027-02-20"}]}
    original = parse_schedule(data)
    assert parse_schedule(schedule_to_json(original)) == original


@st.composite
def schedules(draw):
    year = draw(st.integers(min_value=2020, max_value=2035))
    first = D(year, 1, 1)
    holidays: dict[date, str] = {}
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        start = first + timedelta(days=draw(st.integers(min_value=0, max_value=350)))
        length = draw(st.integers(min_value=0, max_value=10))
        for k in range(length + 1):
            day = start + timedelta(days=k)
            if day.year == year:
                holidays[day] = f"假期{i}"
    weekends = [first + timedelta(days=k) for k in range(365)
                if (first + timedelta(days=k)).weekday() >= 5
                and first + timedelta(days=k) not in holidays]
    workdays = draw(st.lists(st.sampled_from(weekends), max_size=5, unique=True))
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), "生成", holidays)


@settings(max_examples=100, deadline=None)
@given(schedules())
def test_schedule_to_json_round_trip_property(schedule):
    back = parse_schedule(json.loads(json.dumps(schedule_to_json(schedule), ensure_ascii=False)))
    assert back == schedule
    assert dict(back.names) == dict(schedule.names)
