"""A case's due dates from its acceptance date, limits, extension and suspensions.

An extension (行政许可法 art. 42) lengthens the statutory limit only; the promised
limit is the hall's own shorter promise and does not move.
"""

from __future__ import annotations

from datetime import date, datetime

from ..domain.workdays import Interval, WorkCalendar, add_working_days
from ..store.models import Case


def compute(calendar: WorkCalendar, case: Case) -> tuple[date | None, date | None, bool]:
    # Only an accepted case has due dates; refresh_due_dates skips the others.
    assert case.accepted_on is not None
    stops = [Interval(s.start, s.end) for s in case.suspensions]
    promised = add_working_days(calendar, case.accepted_on, case.promised_days,
                                stops)
    statutory = add_working_days(calendar, case.accepted_on,
                                 case.statutory_days + case.extension_days, stops)
    return promised.day, statutory.day, promised.provisional or statutory.provisional


def refresh_due_dates(calendar: WorkCalendar, cases, now: datetime) -> int:
    """Recompute each case's due dates; returns how many changed."""
    changed = 0
    for case in cases:
        if case.accepted_on is None:
            continue
        due, statutory, provisional = compute(calendar, case)
        if (due, statutory, provisional) != (case.due_date, case.statutory_due_date,
                                             case.provisional):
            case.due_date, case.statutory_due_date, case.provisional = due, statutory, provisional
            case.updated_at = now
            changed += 1
    return changed
